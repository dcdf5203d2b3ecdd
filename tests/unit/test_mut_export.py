"""The Zero-to-JupyterHub values, exactly: every setting, message and header line wiw writes."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from wiw import errors
from wiw.classroom.lifecycle import ClassroomOptions
from wiw.deploy import z2jh as export
from wiw.deploy.z2jh import LetsEncrypt, RegistryLogin, z2jh_values
from wiw.planning import LearnerLimits

SECRET = "s" * 32
KEY = "k" * 32
DIGEST = "sha256:" + "a" * 64
IMAGE = f"registry.example.org/course/intro:2026-11-26@{DIGEST}"


def _values(**kwargs: Any) -> dict[str, Any]:
    return z2jh_values(IMAGE, join_secret=SECRET, instructor_key=KEY, **kwargs)


def test_the_learners_servers_exactly() -> None:
    """Image pinned by digest, JupyterLab as uid 1000, the limits, a home and a guarantee."""
    options = ClassroomOptions(limits=LearnerLimits(memory="1g", cpus=2.0))
    values = _values(options=options, home_size="2Gi", pull_secret="regcred")
    assert values["singleuser"] == {
        "image": {"name": "registry.example.org/course/intro", "tag": f"2026-11-26@{DIGEST}",
                  "pullPolicy": "IfNotPresent", "pullSecrets": ["regcred"]},
        "cmd": "jupyterhub-singleuser",
        "defaultUrl": "/lab",
        "uid": 1000,
        "fsGid": 100,
        "memory": {"limit": "1Gi", "guarantee": "256Mi"},
        "cpu": {"limit": 2.0, "guarantee": 0.25},
        "storage": {"type": "dynamic", "capacity": "2Gi", "homeMountPath": "/home/learner"},
        "startTimeout": 600,
    }  # fmt: skip


def test_small_limits_keep_a_64_mib_guarantee_and_small_cpus() -> None:
    """A quarter of 200m is below 64 MiB: 64Mi; a CPU limit below 0.25 is its own guarantee."""
    options = ClassroomOptions(limits=LearnerLimits(memory="200m", cpus=0.1))
    single = z2jh_values("course/intro:1", join_secret=SECRET, options=options)["singleuser"]
    assert single["memory"] == {"limit": "200Mi", "guarantee": "64Mi"}
    assert single["cpu"] == {"limit": 0.1, "guarantee": 0.1}
    assert single["image"] == {"name": "course/intro", "tag": "1", "pullPolicy": "IfNotPresent"}
    assert single["storage"]["capacity"] == "1Gi"


@pytest.mark.parametrize(
    ("limit", "quantity"),
    [("512m", "512Mi"), ("1g", "1Gi"), ("1536m", "1536Mi"), ("1.5g", "1536Mi"),
     ("2g", "2Gi"), ("100k", "102400"), ("1048577", "1048577")],
)  # fmt: skip
def test_docker_sizes_become_kubernetes_quantities(limit: str, quantity: str) -> None:
    """Whole GiB as Gi, whole MiB as Mi, anything else in bytes."""
    assert export._k8s_quantity(limit) == quantity


def test_the_hub_culling_and_pre_pulling_exactly() -> None:
    """The secret base URL, caps, the instructor's role and door; culling; images pre-pulled."""
    values = _values(options=ClassroomOptions(max_learners=80, cull_after=1800))
    hub = values["hub"]
    assert hub["baseUrl"] == f"/{SECRET}/"
    assert hub["activeServerLimit"] == 80
    assert hub["concurrentSpawnLimit"] == 80
    assert hub["config"] == {"JoinAuthenticator": {"instructor": "instructor",
                                                   "instructor_key": KEY}}  # fmt: skip
    role = hub["loadRoles"]["wiw-instructor"]
    assert role["description"] == (
        "The instructor sees, starts, stops and opens every learner's server."
    )
    assert role["users"] == ["instructor"]
    assert hub["extraConfig"] == {export.LOGIN_KEY: export.login_config()}
    assert values["cull"] == {"enabled": True, "timeout": 1800, "every": 60}
    assert values["prePuller"] == {"hook": {"enabled": True}, "continuous": {"enabled": True}}
    assert "proxy" not in values
    assert "imagePullSecret" not in values
    uncapped = _values(options=ClassroomOptions(max_learners=0))["hub"]
    assert (uncapped["activeServerLimit"], uncapped["concurrentSpawnLimit"]) == (None, 64)


def test_new_secrets_are_192_bits_and_differ() -> None:
    """Without secrets given, each export makes a 32-character join secret and key of its own."""
    first, second = z2jh_values("course/intro:1"), z2jh_values("course/intro:1")
    base = first["hub"]["baseUrl"].strip("/")
    key = first["hub"]["config"]["JoinAuthenticator"]["instructor_key"]
    assert len(base) == len(key) == 32
    assert base != key
    assert base != second["hub"]["baseUrl"].strip("/")


@pytest.mark.parametrize(
    ("given", "what"),
    [({"join_secret": "short"}, "The join secret must be 16 to 256 letters"),
     ({"instructor_key": "has spaces in it, many"}, "The instructor's key must be 16 to 256")],
)  # fmt: skip
def test_a_bad_secret_is_named_as_the_user_gave_it(given: dict[str, str], what: str) -> None:
    """Which secret is wrong, and how to make a good one."""
    with pytest.raises(errors.InvalidOption) as caught:
        z2jh_values("course/intro:1", **given)  # type: ignore[arg-type]
    assert caught.value.message.startswith(what)
    assert "secrets.token_urlsafe(24)" in caught.value.hint


def test_refusals_say_exactly_what_to_do() -> None:
    """No tag, 'latest', and both kinds of pull secret: each with its own sentence and hint."""
    with pytest.raises(errors.InvalidName) as untagged:
        z2jh_values("course/intro")
    assert untagged.value.hint == (
        "Use the tag you pushed, pinned by its digest: 'wiw push' prints both."
    )
    with pytest.raises(errors.InvalidName) as latest:
        z2jh_values("course/intro:latest")
    assert (
        latest.value.message
        == "Export an explicit version tag, not 'latest' (course/intro:latest)."
    )
    assert latest.value.hint == (
        "Push a date or version, e.g. 'wiw push FOLDER REPOSITORY 2026-11-25', and export the "
        "reference it prints: nodes that cached an older 'latest' would keep it."
    )
    with pytest.raises(errors.InvalidOption) as both:
        _values(pull_secret="regcred", registry_login=RegistryLogin("ci", "token"))
    assert both.value.message == "Give an existing pull secret or a registry login, not both."
    assert both.value.hint == (
        "The chart makes a pull secret from a registry login; one of them is enough."
    )


def _written(tmp_path: Path, values: dict[str, Any], host: str | None = None) -> Path:
    return export.write_z2jh_values(values, tmp_path / "values.yaml", namespace="class", host=host)


def test_the_header_word_for_word(tmp_path: Path) -> None:
    """What the file is, that it is private, how to deploy it and where learners join."""
    path = _written(tmp_path, _values())
    head = path.read_text(encoding="utf-8").splitlines()[:6]
    assert head == [
        f"# Zero-to-JupyterHub values written by wiw for the chart's version "
        f"{export.CHART_VERSION}.",
        "# Private (mode 0600): it holds the join secret and the instructor's key.",
        "# Install, or upgrade after 'wiw export z2jh REPOSITORY:TAG --update values.yaml', with:",
        f"#   {export.helm_command('values.yaml', 'class')}",
        f"# Learners join at http://EXTERNAL-IP/{SECRET}/",
        "# (EXTERNAL-IP: 'kubectl --namespace class get service proxy-public')",
    ]
    named = _written(tmp_path, _values(), host="class.example.org").read_text(encoding="utf-8")
    assert f"# Learners join at http://class.example.org/{SECRET}/\n" in named
    assert "EXTERNAL-IP" not in named


def test_the_file_is_utf8_yaml_with_the_login_as_a_block(tmp_path: Path) -> None:
    """Multi-line settings are YAML blocks; non-ASCII survives; nothing is left beside it."""
    values = _values(tls=LetsEncrypt("café.example.org", "ana@example.org"))
    path = _written(tmp_path, values)
    text = path.read_bytes().decode("utf-8")
    assert f"  {export.LOGIN_KEY}: |\n" in text
    assert yaml.safe_load(text) == values
    assert sorted(os.listdir(tmp_path)) == ["values.yaml"]


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"hub: [unclosed", "The values file is not YAML."),
     (b"\xff\xfe not text", "The values file is not YAML."),
     (b"- a list\n", "The values file holds no settings."),
     (b"", "The values file holds no settings.")],
)  # fmt: skip
def test_unusable_values_files_are_told_apart(
    tmp_path: Path, content: bytes, message: str
) -> None:
    """Not YAML, or YAML with no settings: each says which, names the file, and how to recover."""
    path = tmp_path / "old.yaml"
    path.write_bytes(content)
    with pytest.raises(errors.ValuesFileError) as caught:
        export.read_previous(path)
    assert caught.value.message.startswith(message)
    assert "old.yaml" in str(caught.value)
    assert f"helm get values {export.RELEASE} --namespace workshop --output yaml > old.yaml" in (
        caught.value.hint or ""
    )


def test_a_missing_or_unreadable_file_says_which(tmp_path: Path) -> None:
    """No file at all, or a folder where the file should be."""
    with pytest.raises(errors.ValuesFileError) as missing:
        export.read_previous(tmp_path / "gone.yaml")
    assert missing.value.message.startswith("No values file to update.")
    assert "gone.yaml" in str(missing.value)
    with pytest.raises(errors.ValuesFileError) as folder:
        export.read_previous(tmp_path)
    assert folder.value.message.startswith("Cannot read the values file: Is a directory.")
    assert "helm get values" in (folder.value.hint or "")


@pytest.mark.parametrize(
    ("single", "expected"),
    [({"image": {"pullSecrets": ["regcred"]}}, "regcred"),
     ({"image": {"pullSecrets": [{"name": "named"}]}}, "named"),
     ({"image": {"pullSecrets": []}}, None), ({"image": {"pullSecrets": "regcred"}}, None),
     ({"image": {"pullSecrets": [""]}}, None), ({"image": {"pullSecrets": [{"x": 1}]}}, None)],
)  # fmt: skip
def test_the_previous_pull_secret_is_read_only_in_the_charts_shapes(
    single: dict[str, Any], expected: str | None
) -> None:
    """A list of names or of {name: …}; anything else is no pull secret."""
    assert export._previous_pull_secret({"singleuser": single}) == expected


@pytest.mark.parametrize(
    ("made", "expected"),
    [({"create": True, "username": "ci", "password": "t"}, RegistryLogin("ci", "t")),
     ({"create": False, "username": "ci", "password": "t"}, None),
     ({"create": True, "username": "ci"}, None), ({"create": True, "password": "t"}, None),
     ({"username": "ci", "password": "t"}, None)],
)  # fmt: skip
def test_the_previous_login_needs_create_user_and_password(
    made: dict[str, Any], expected: RegistryLogin | None
) -> None:
    """Only a pull secret the chart was asked to create, with both halves of the login."""
    assert export._previous_login({"imagePullSecret": made}) == expected
