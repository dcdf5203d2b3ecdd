"""Zero-to-JupyterHub values validate against the chart's schema, as Helm would check them.

They also survive an upgrade: the join URL, the instructor's key, HTTPS and
the registry login are read back from the previous file, which is written
whole, for its owner's eyes only.
"""

from __future__ import annotations

import copy
import os
import re
import stat
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from traitlets.config import Config

import wiw.contract
from tests.support.cli import run
from tests.support.fakehub import install_hub_fakes
from wiw import errors
from wiw.classroom.lifecycle import ClassroomOptions
from wiw.contract import hub_roles, instructor_scopes
from wiw.deploy import z2jh
from wiw.deploy.export import ExportRequest, export_z2jh, read_secret_file
from wiw.deploy.z2jh import (
    CHART_VERSION,
    CONTRACT_IMPORT,
    LOGIN_KEY,
    LetsEncrypt,
    RegistryLogin,
    changed_settings,
    helm_command,
    instructor_url,
    join_url,
    previous_secrets,
    read_previous,
    registry_host,
    write_z2jh_values,
    z2jh_values,
)
from wiw.errors import UsageError
from wiw.planning import LearnerLimits
from wiw.resources import support_file

# The chart's schema and default values, structure only (made by 'nox -s z2jh_data').
CHART = Path(__file__).parents[1] / "data" / "z2jh"
DIGEST = "sha256:" + "a" * 64
IMAGE = f"registry.example.org/course/intro:2026-11-25@{DIGEST}"
SECRET = "s3cret-join-path_0123456789"
KEY = "instructor-key_0123456789abcdef"
TLS = LetsEncrypt("workshop.example.org", "teacher@example.org")
LOGIN = RegistryLogin("course-bot", "pull-token-123")
SECRETS = st.from_regex(r"[A-Za-z0-9_-]{16,64}", fullmatch=True)


def chart_file(name: str) -> Any:
    """One of the chart's files, kept in the repository."""
    return yaml.safe_load((CHART / name).read_text())


def deep_merge(base: Any, override: Any) -> Any:
    """Merge values the way Helm does: dicts key by key, everything else replaced."""
    if isinstance(base, dict) and isinstance(override, dict):
        merged = dict(base)
        for key, value in override.items():
            merged[key] = deep_merge(base.get(key), value) if key in base else value
        return merged
    return copy.deepcopy(override)


def validate(values: dict[str, Any]) -> None:
    """Validate exported values merged onto the chart's defaults with a Draft-7 validator."""
    merged = deep_merge(chart_file("values.yaml"), values)
    jsonschema.Draft7Validator(chart_file("values.schema.yaml")).validate(merged)


def mode(path: Path) -> int:
    """The file's permission bits."""
    return stat.S_IMODE(path.stat().st_mode)


def test_the_chart_version_is_the_one_the_values_are_checked_against() -> None:
    """CHART_VERSION, which the helm commands pin, is the version of the kept schema."""
    assert chart_file("chart.yaml")["version"] == CHART_VERSION
    assert f"--version {CHART_VERSION}" in helm_command("values.yaml")


def test_the_docs_pin_the_same_chart_version() -> None:
    """The deployment docs install the chart version the values were checked against."""
    docs = Path(__file__).parents[2] / "docs"
    for page in ("deploy.md", "howto/z2jh.md"):
        text = (docs / page).read_text(encoding="utf-8")
        pinned = re.findall(r"--version (\S+)", text)
        assert set(pinned) <= {CHART_VERSION}, page
        assert CHART_VERSION in text, page


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"tls": TLS},
        {"pull_secret": "regcred"},
        {"registry_login": LOGIN},
        {"tls": TLS, "registry_login": LOGIN, "join_secret": SECRET, "instructor_key": KEY},
    ],
    ids=["plain", "https", "pull-secret", "registry-login", "everything"],
)
def test_every_variant_validates(extra: dict[str, Any]) -> None:
    """Plain, HTTPS, a named pull secret and a created one all pass the chart's schema."""
    validate(z2jh_values(IMAGE, **extra))


def test_https_and_pull_secrets_reach_the_chart() -> None:
    """HTTPS is Let's Encrypt for the host; pull secrets are named or made for the registry."""
    https = z2jh_values(IMAGE, tls=TLS)["proxy"]["https"]
    assert https == {
        "enabled": True,
        "type": "letsencrypt",
        "hosts": ["workshop.example.org"],
        "letsencrypt": {"contactEmail": "teacher@example.org"},
    }
    named = z2jh_values(IMAGE, pull_secret="regcred")
    assert named["singleuser"]["image"]["pullSecrets"] == ["regcred"]
    assert "imagePullSecret" not in named
    made = z2jh_values(IMAGE, registry_login=LOGIN)["imagePullSecret"]
    assert made == {
        "create": True,
        "registry": "registry.example.org",
        "username": "course-bot",
        "password": "pull-token-123",
    }
    assert "password" not in repr(LOGIN)


@pytest.mark.parametrize(
    ("image", "registry"),
    [
        ("registry.example.org/course/intro:1", "registry.example.org"),
        ("localhost:5000/intro:1", "localhost:5000"),
        ("ghcr.io/school/intro:1", "ghcr.io"),
        ("school/intro:1", "https://index.docker.io/v1/"),
    ],
)
def test_the_registry_of_a_created_pull_secret_is_the_images(image: str, registry: str) -> None:
    """The chart's pull secret is for the registry the image comes from (Docker Hub if none)."""
    assert registry_host(image) == registry


def test_both_kinds_of_pull_secret_at_once_are_refused() -> None:
    """A named secret and a login are two answers to one question."""
    with pytest.raises(errors.InvalidOption):
        z2jh_values(IMAGE, pull_secret="regcred", registry_login=LOGIN)
    with pytest.raises(errors.InvalidOption):
        z2jh_values(IMAGE, registry_login=RegistryLogin("bot", ""))


def test_sized_export_validates_and_carries_the_limits(tmp_path: Path) -> None:
    """Limits, caps and culling from wiw's sizing reach the chart, and the file round-trips."""
    options = ClassroomOptions(
        max_learners=80, cull_after=1800, limits=LearnerLimits(memory="768m", cpus=0.5)
    )
    values = z2jh_values(IMAGE, options=options, join_secret=SECRET)
    validate(values)
    written = yaml.safe_load(write_z2jh_values(values, tmp_path / "values.yaml").read_text())
    assert written == values
    user = written["singleuser"]
    assert user["memory"]["limit"] == "768Mi"
    assert user["cpu"]["limit"] == 0.5
    assert user["image"] == {
        "name": "registry.example.org/course/intro",
        "tag": "2026-11-25@sha256:" + "a" * 64,
        "pullPolicy": "IfNotPresent",
    }
    assert user["storage"]["homeMountPath"] == "/home/learner"
    assert written["hub"]["baseUrl"] == f"/{SECRET}/"
    assert written["hub"]["activeServerLimit"] == 80
    assert written["cull"] == {"enabled": True, "timeout": 1800, "every": 60}
    assert written["prePuller"]["continuous"]["enabled"] is True


def test_a_mistake_is_caught_by_the_schema() -> None:
    """The validation is real: a value of the wrong type fails it."""
    values = z2jh_values(IMAGE)
    values["singleuser"]["uid"] = "learner"
    with pytest.raises(jsonschema.ValidationError):
        validate(values)


def test_the_login_is_the_local_classrooms_join_page(monkeypatch: pytest.MonkeyPatch) -> None:
    """hub.extraConfig is the contract, then wiw_auth.py, selecting JoinAuthenticator.

    It runs as the chart's hub runs it: alone, with no wiw_contract module to import.
    """
    hub = z2jh_values(IMAGE, instructor_key=KEY)["hub"]
    code = hub["extraConfig"][LOGIN_KEY]
    assert code.startswith(Path(wiw.contract.__file__).read_text(encoding="utf-8").rstrip())
    auth = support_file("hub/wiw_auth.py").read_text(encoding="utf-8")
    body = auth[auth.index("import asyncio") :].replace(CONTRACT_IMPORT, "")
    assert body.rstrip() in code
    assert "from wiw_contract" not in code
    assert "import wiw_contract" not in code
    monkeypatch.delitem(sys.modules, "wiw_contract", raising=False)  # not there to import
    compiled = compile(code, LOGIN_KEY, "exec")  # 'from __future__' is still first
    install_hub_fakes(monkeypatch)
    config = Config()
    namespace: dict[str, Any] = {"c": config}
    exec(compiled, namespace)  # noqa: S102 - wiw's own code, as the chart's hub runs it
    assert config.JupyterHub.authenticator_class is namespace["JoinAuthenticator"]
    assert config.Authenticator.allow_all is True
    assert hub["config"] == {
        "JoinAuthenticator": {"instructor": "instructor", "instructor_key": KEY}
    }


def test_the_instructor_has_the_local_classrooms_role() -> None:
    """The instructor's role on the cluster has exactly the scopes it has locally."""
    role = z2jh_values(IMAGE)["hub"]["loadRoles"]["wiw-instructor"]
    assert role["users"] == ["instructor"]
    local = next(r for r in hub_roles() if r["name"] == "wiw-instructor")
    assert role["scopes"] == instructor_scopes() == local["scopes"]


def test_untagged_image_is_refused() -> None:
    """An image without a tag cannot be deployed by the chart."""
    with pytest.raises(errors.InvalidName):
        z2jh_values("registry.example.org/course/intro")


@pytest.mark.parametrize(
    "image", ["registry.example.org/course/intro:latest", "intro:latest@sha256:" + "b" * 64]
)
def test_latest_is_refused_as_push_refuses_it(image: str) -> None:
    """'latest' is no version: nodes that cached an older one would keep serving it."""
    with pytest.raises(errors.InvalidName, match="explicit version tag, not 'latest'") as caught:
        z2jh_values(image)
    assert "2026-11-25" in caught.value.hint


@pytest.mark.parametrize("secret", ["short", "has/slash-0123456789", "space in it 0123456789"])
def test_secrets_that_cannot_live_in_a_url_are_refused(secret: str) -> None:
    """A join secret or key is 16+ URL-safe characters, or it is refused."""
    with pytest.raises(errors.InvalidOption):
        z2jh_values(IMAGE, join_secret=secret)
    with pytest.raises(errors.InvalidOption):
        z2jh_values(IMAGE, instructor_key=secret)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    join=SECRETS,
    key=SECRETS,
    password=st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=60),
)
def test_secrets_survive_a_write_and_a_read(
    tmp_path: Path, join: str, key: str, password: str
) -> None:
    """Whatever the secrets, the file gives back the URL, key, HTTPS and registry login."""
    login = RegistryLogin("bot", password)
    values = z2jh_values(
        IMAGE, join_secret=join, instructor_key=key, tls=TLS, registry_login=login
    )
    path = write_z2jh_values(values, tmp_path / "values.yaml")
    assert previous_secrets(path) == (join, key)
    previous = read_previous(path)
    assert (previous.tls, previous.registry_login, previous.pull_secret) == (TLS, login, None)
    assert previous.values == values


def test_a_named_pull_secret_is_read_back(tmp_path: Path) -> None:
    """A file that named an existing pull secret gives its name back."""
    path = write_z2jh_values(z2jh_values(IMAGE, pull_secret="regcred"), tmp_path / "v.yaml")
    assert read_previous(path).pull_secret == "regcred"


def test_a_file_of_an_older_wiw_keeps_its_url(tmp_path: Path) -> None:
    """Values from before the instructor's URL keep the join secret; the key is new then."""
    old = {
        "hub": {"baseUrl": f"/{SECRET}/", "extraConfig": {"wiw-temporary-login": "pass\n"}},
        "singleuser": {"image": {"name": "registry.example.org/course/intro", "tag": "1"}},
    }
    (tmp_path / "values.yaml").write_text(yaml.safe_dump(old))
    assert previous_secrets(tmp_path / "values.yaml") == (SECRET, None)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (None, "No values file"),
        ("hub: [unclosed", "not YAML"),
        ("just words", "holds no settings"),
        ("hub:\n  baseUrl: /\n", "not written by 'wiw export z2jh'"),
        (f"hub:\n  baseUrl: /{SECRET}/\n", "not written by 'wiw export z2jh'"),
    ],
)
def test_a_file_that_is_not_wiws_values_is_refused(
    tmp_path: Path, text: str | None, said: str
) -> None:
    """Missing, not YAML, or someone else's values: a typed error naming the file, with a hint."""
    path = tmp_path / "values.yaml"
    if text is not None:
        path.write_text(text)
    with pytest.raises(errors.ValuesFileError, match=said) as caught:
        read_previous(path)
    assert caught.value.evidence()[0] == f"file: {path}"
    assert "helm get values" in caught.value.hint or "--update" in caught.value.hint


def test_the_file_is_for_its_owner_only(tmp_path: Path) -> None:
    """A new file has mode 0600; an older, wider one is replaced by a 0600 one."""
    values = z2jh_values(IMAGE)
    fresh = write_z2jh_values(values, tmp_path / "fresh.yaml")
    assert mode(fresh) == 0o600
    old = tmp_path / "old.yaml"
    old.write_text("old: values\n")
    old.chmod(0o644)
    write_z2jh_values(values, old)
    assert mode(old) == 0o600
    assert yaml.safe_load(old.read_text()) == values
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fresh.yaml", "old.yaml"]


def test_a_failed_write_leaves_the_old_file_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """If the new file cannot take the old one's place, the old one stays and no litter does."""
    path = tmp_path / "values.yaml"
    path.write_text("previous: values\n")

    def refuse(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(errors.ValuesFileError, match="No space left"):
        write_z2jh_values(z2jh_values(IMAGE), path)
    assert path.read_text() == "previous: values\n"
    assert [p.name for p in tmp_path.iterdir()] == ["values.yaml"]


def test_a_file_in_a_missing_folder_is_a_typed_error(tmp_path: Path) -> None:
    """Writing where no folder is says so, naming the file."""
    with pytest.raises(errors.ValuesFileError, match="Cannot write"):
        write_z2jh_values(z2jh_values(IMAGE), tmp_path / "nowhere" / "values.yaml")


def test_the_header_says_how_to_deploy_and_keeps_the_instructor_key_out(tmp_path: Path) -> None:
    """The opening comment has the pinned helm command and the join URL, not the key."""
    values = z2jh_values(IMAGE, join_secret=SECRET, instructor_key=KEY)
    text = write_z2jh_values(values, tmp_path / "v.yaml", namespace="course").read_text()
    header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
    assert f"# Learners join at http://EXTERNAL-IP/{SECRET}/" in header
    assert "kubectl --namespace course get service proxy-public" in header
    assert helm_command("v.yaml", "course") in header
    assert "--create-namespace" in header
    assert KEY not in header


@pytest.mark.parametrize(
    ("extra", "host", "url"),
    [
        ({}, None, f"http://EXTERNAL-IP/{SECRET}/"),
        ({}, "203.0.113.7", f"http://203.0.113.7/{SECRET}/"),
        ({}, "2001:db8::7", f"http://[2001:db8::7]/{SECRET}/"),
        ({"tls": TLS}, None, f"https://workshop.example.org/{SECRET}/"),
    ],
)
def test_the_url_is_http_unless_tls_is_set_up(
    extra: dict[str, Any], host: str | None, url: str
) -> None:
    """Plain HTTP on the proxy's address unless HTTPS is configured for a name."""
    values = z2jh_values(IMAGE, join_secret=SECRET, instructor_key=KEY, **extra)
    assert join_url(values, host) == url
    assert instructor_url(values, host) == f"{url}hub/instructor/{KEY}"


def test_changed_settings_name_sections_not_values() -> None:
    """What an update changes is listed by name; a new section once."""
    before = z2jh_values(IMAGE, join_secret=SECRET, instructor_key=KEY)
    after = z2jh_values(
        "registry.example.org/course/intro:v2", join_secret=SECRET, instructor_key=KEY, tls=TLS
    )
    assert changed_settings(before, after) == ["proxy", "singleuser.image.tag"]
    assert changed_settings(before, copy.deepcopy(before)) == []


# Every setting, message and header line, exactly.


def _values(**kwargs: Any) -> dict[str, Any]:
    return z2jh_values(IMAGE, join_secret=SECRET, instructor_key=KEY, **kwargs)


def test_the_learners_servers_exactly() -> None:
    """Image pinned by digest, JupyterLab as uid 1000, the limits, a home and a guarantee."""
    options = ClassroomOptions(limits=LearnerLimits(memory="1g", cpus=2.0))
    values = _values(options=options, home_size="2Gi", pull_secret="regcred")
    assert values["singleuser"] == {
        "image": {
            "name": "registry.example.org/course/intro",
            "tag": f"2026-11-25@{DIGEST}",
            "pullPolicy": "IfNotPresent",
            "pullSecrets": ["regcred"],
        },
        "cmd": "/opt/wiw/bin/jupyterhub-singleuser",
        "defaultUrl": "/lab",
        "uid": 1000,
        "fsGid": 100,
        "memory": {"limit": "1Gi", "guarantee": "256Mi"},
        "cpu": {"limit": 2.0, "guarantee": 0.25},
        "storage": {"type": "dynamic", "capacity": "2Gi", "homeMountPath": "/home/learner"},
        "startTimeout": 600,
    }


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
    [
        ("512m", "512Mi"),
        ("1g", "1Gi"),
        ("1536m", "1536Mi"),
        ("1.5g", "1536Mi"),
        ("2g", "2Gi"),
        ("100k", "102400"),
        ("1048577", "1048577"),
    ],
)
def test_docker_sizes_become_kubernetes_quantities(limit: str, quantity: str) -> None:
    """Whole GiB as Gi, whole MiB as Mi, anything else in bytes."""
    assert z2jh._k8s_quantity(limit) == quantity


def test_the_hub_culling_and_pre_pulling_exactly() -> None:
    """The secret base URL, caps, the instructor's role and door; culling; images pre-pulled."""
    values = _values(options=ClassroomOptions(max_learners=80, cull_after=1800))
    hub = values["hub"]
    assert hub["baseUrl"] == f"/{SECRET}/"
    assert hub["activeServerLimit"] == 80
    assert hub["concurrentSpawnLimit"] == 80
    assert hub["config"] == {
        "JoinAuthenticator": {"instructor": "instructor", "instructor_key": KEY}
    }
    role = hub["loadRoles"]["wiw-instructor"]
    assert role["description"] == (
        "The instructor sees, starts, stops and opens every learner's server."
    )
    assert role["users"] == ["instructor"]
    assert hub["extraConfig"] == {z2jh.LOGIN_KEY: z2jh.login_config()}
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
    [
        ({"join_secret": "short"}, "The join secret must be 16 to 256 letters"),
        ({"instructor_key": "has spaces in it, many"}, "The instructor's key must be 16 to 256"),
    ],
)
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
    return z2jh.write_z2jh_values(values, tmp_path / "values.yaml", namespace="class", host=host)


def test_the_header_word_for_word(tmp_path: Path) -> None:
    """What the file is, that it is private, how to deploy it and where learners join."""
    path = _written(tmp_path, _values())
    head = path.read_text(encoding="utf-8").splitlines()[:6]
    assert head == [
        f"# Zero-to-JupyterHub values written by wiw for the chart's version "
        f"{z2jh.CHART_VERSION}.",
        "# Private (mode 0600): it holds the join secret and the instructor's key.",
        "# Install, or upgrade after 'wiw export z2jh REPOSITORY:TAG --update values.yaml', with:",
        f"#   {z2jh.helm_command('values.yaml', 'class')}",
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
    assert f"  {z2jh.LOGIN_KEY}: |\n" in text
    assert yaml.safe_load(text) == values
    assert sorted(os.listdir(tmp_path)) == ["values.yaml"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"hub: [unclosed", "The values file is not YAML."),
        (b"\xff\xfe not text", "The values file is not YAML."),
        (b"- a list\n", "The values file holds no settings."),
        (b"", "The values file holds no settings."),
    ],
)
def test_unusable_values_files_are_told_apart(
    tmp_path: Path, content: bytes, message: str
) -> None:
    """Not YAML, or YAML with no settings: each says which, names the file, and how to recover."""
    path = tmp_path / "old.yaml"
    path.write_bytes(content)
    with pytest.raises(errors.ValuesFileError) as caught:
        z2jh.read_previous(path)
    assert caught.value.message.startswith(message)
    assert "old.yaml" in str(caught.value)
    assert f"helm get values {z2jh.RELEASE} --namespace workshop --output yaml > old.yaml" in (
        caught.value.hint or ""
    )


def test_a_missing_or_unreadable_file_says_which(tmp_path: Path) -> None:
    """No file at all, or a folder where the file should be."""
    with pytest.raises(errors.ValuesFileError) as missing:
        z2jh.read_previous(tmp_path / "gone.yaml")
    assert missing.value.message.startswith("No values file to update.")
    assert "gone.yaml" in str(missing.value)
    with pytest.raises(errors.ValuesFileError) as folder:
        z2jh.read_previous(tmp_path)
    assert folder.value.message.startswith("Cannot read the values file: Is a directory.")
    assert "helm get values" in (folder.value.hint or "")


@pytest.mark.parametrize(
    ("single", "expected"),
    [
        ({"image": {"pullSecrets": ["regcred"]}}, "regcred"),
        ({"image": {"pullSecrets": [{"name": "named"}]}}, "named"),
        ({"image": {"pullSecrets": []}}, None),
        ({"image": {"pullSecrets": "regcred"}}, None),
        ({"image": {"pullSecrets": [""]}}, None),
        ({"image": {"pullSecrets": [{"x": 1}]}}, None),
    ],
)
def test_the_previous_pull_secret_is_read_only_in_the_charts_shapes(
    single: dict[str, Any], expected: str | None
) -> None:
    """A list of names or of {name: …}; anything else is no pull secret."""
    assert z2jh._previous_pull_secret({"singleuser": single}) == expected


@pytest.mark.parametrize(
    ("made", "expected"),
    [
        ({"create": True, "username": "ci", "password": "t"}, RegistryLogin("ci", "t")),
        ({"create": False, "username": "ci", "password": "t"}, None),
        ({"create": True, "username": "ci"}, None),
        ({"create": True, "password": "t"}, None),
        ({"username": "ci", "password": "t"}, None),
    ],
)
def test_the_previous_login_needs_create_user_and_password(
    made: dict[str, Any], expected: RegistryLogin | None
) -> None:
    """Only a pull secret the chart was asked to create, with both halves of the login."""
    assert z2jh._previous_login({"imagePullSecret": made}) == expected


# The export, from options to a file and the next steps (no command line).


def test_an_export_says_what_it_wrote_and_what_comes_next(tmp_path: Path) -> None:
    """The file, both URLs, no change list for a new file, and the steps in order."""
    result = export_z2jh(ExportRequest(IMAGE, out=str(tmp_path / "v.yaml"), namespace="course"))
    assert result.path == tmp_path / "v.yaml"
    assert yaml.safe_load(result.path.read_text()) == result.values
    assert result.url == f"http://EXTERNAL-IP{result.values['hub']['baseUrl']}"
    assert result.instructor_url == instructor_url(result.values)
    assert result.changed is None
    hub = result.values["hub"]["image"]
    hub_ref = f"{hub['name']}:{hub['tag']}"
    assert result.next_steps == (
        f"docker build -t {hub_ref} - < {tmp_path / 'hub.Dockerfile'}",
        f"docker push {hub_ref}",
        helm_command(result.path, "course"),
        "kubectl --namespace course get service proxy-public"
        "    # its EXTERNAL-IP goes into the URL",
        f"wiw qr {result.url} --qr join.png",
    )
    key = result.values["hub"]["config"]["JoinAuthenticator"]["instructor_key"]
    assert key not in repr(result)  # the instructor's key is the instructor's only


def test_an_update_rewrites_its_file_and_names_what_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """values.yaml by default, then the --update file; the changes by name; a host is used."""
    monkeypatch.chdir(tmp_path)
    first = export_z2jh(ExportRequest(IMAGE))
    assert first.path == Path("values.yaml")
    v2 = "registry.example.org/course/intro:v2"
    second = export_z2jh(
        ExportRequest(v2, update="values.yaml", host="203.0.113.7", max_learners=60)
    )
    assert second.path == Path("values.yaml")
    assert second.changed == ["hub.activeServerLimit", "singleuser.image.tag"]
    assert second.url == f"http://203.0.113.7{first.values['hub']['baseUrl']}"
    assert [step.split()[0] for step in second.next_steps] == ["docker", "docker", "helm", "wiw"]
    again = export_z2jh(ExportRequest(v2, update="values.yaml", max_learners=60))
    assert again.changed == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hub.Dockerfile", "values.yaml"]


def test_options_that_go_together_are_usage_errors(tmp_path: Path) -> None:
    """HTTPS needs a host; a registry account needs its password file, and that file text."""
    with pytest.raises(UsageError, match="--tls-email needs --host"):
        export_z2jh(ExportRequest(IMAGE, out=str(tmp_path / "v.yaml"), tls_email="a@b.org"))
    with pytest.raises(UsageError, match="go together"):
        export_z2jh(ExportRequest(IMAGE, registry_user="bot"))
    empty = tmp_path / "empty"
    empty.write_text("\n")
    with pytest.raises(UsageError) as caught:
        export_z2jh(ExportRequest(IMAGE, registry_user="bot", registry_password_file=str(empty)))
    assert caught.value.message == f"--registry-password-file {empty} is empty."
    assert caught.value.hint == "Give --registry-password-file a file that holds it."
    assert not (tmp_path / "v.yaml").exists()


def test_a_secret_file_must_be_readable_text(tmp_path: Path) -> None:
    """A missing file or one that is not UTF-8 is refused, naming the flag and the file."""
    binary = tmp_path / "bin"
    binary.write_bytes(b"\xff\xfe")
    with pytest.raises(UsageError) as caught:
        read_secret_file(str(binary), "--flag", "Give another.")
    assert caught.value.message == f"Cannot read --flag {binary}: it is not UTF-8 text."
    assert caught.value.hint == "Give another."
    with pytest.raises(UsageError, match="No such file or directory"):
        read_secret_file(str(tmp_path / "missing"), "--flag", "Give another.")
    (tmp_path / "ok").write_text("secret\r\n", encoding="utf-8")
    assert read_secret_file(str(tmp_path / "ok"), "--flag", "") == "secret\n"


# The command line.

HTTPS = ("--host", "workshop.example.org", "--tls-email", "teacher@example.org")


def export(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run 'wiw export z2jh ARGV...'."""
    return run(capsys, "export", "z2jh", *argv)


def test_export_writes_values_and_says_what_comes_next(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The helm command pinned to the chart version, where to find the address, the QR step."""
    out = tmp_path / "values.yaml"
    code, printed, said = export(capsys, IMAGE, "--out", str(out), "--namespace", "course")
    assert code == 0, said
    values = yaml.safe_load(out.read_text())
    validate(values)
    secret = values["hub"]["baseUrl"].strip("/")
    key = values["hub"]["config"]["JoinAuthenticator"]["instructor_key"]
    url = f"http://EXTERNAL-IP/{secret}/"
    assert helm_command(out, "course") in printed
    assert "kubectl --namespace course get service proxy-public" in printed
    assert f"wiw qr {url}" in printed
    assert f"Workshop URL: {url}" in printed
    assert f"{url}hub/instructor/{key}" in said  # on the terminal only
    assert key not in out.read_text().split("\nhub:")[0]
    assert mode(out) == 0o600


def test_export_with_tls_prints_https(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """With --host and --tls-email, the URL is https:// and no address is left to find."""
    out = tmp_path / "values.yaml"
    code, printed, _ = export(capsys, IMAGE, "--out", str(out), *HTTPS)
    assert code == 0
    assert "Workshop URL: https://workshop.example.org/" in printed
    assert "http://" not in printed
    assert "proxy-public" not in printed
    validate(yaml.safe_load(out.read_text()))


def test_export_with_host_but_no_tls_prints_http(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A host alone changes the printed URL, not the values: still plain HTTP."""
    out = str(tmp_path / "v.yaml")
    code, printed, _ = export(capsys, IMAGE, "--out", out, "--host", "203.0.113.7")
    assert code == 0
    assert "Workshop URL: http://203.0.113.7/" in printed


def test_update_keeps_the_url_and_the_instructor_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """'--update FILE' keeps the secrets, HTTPS and login, and writes FILE again (0600)."""
    path = tmp_path / "values.yaml"
    (tmp_path / "token").write_text("pull-token-123\n")
    login = ("--registry-user", "course-bot", "--registry-password-file", str(tmp_path / "token"))
    code, _, said = export(capsys, IMAGE, "--out", str(path), *HTTPS, *login)
    assert code == 0, said
    first = yaml.safe_load(path.read_text())
    path.chmod(0o644)
    v2 = "registry.example.org/course/intro:v2"
    code, printed, said = export(capsys, v2, "--update", str(path), "--max-learners", "60")
    assert code == 0, said
    second = yaml.safe_load(path.read_text())
    assert second["hub"]["baseUrl"] == first["hub"]["baseUrl"]
    assert second["hub"]["config"] == first["hub"]["config"]
    assert second["proxy"] == first["proxy"]
    assert second["imagePullSecret"]["password"] == "pull-token-123"
    assert second["singleuser"]["image"]["tag"] == "v2"
    assert "changed: hub.activeServerLimit, singleuser.image.tag" in printed
    assert f"Workshop URL: https://workshop.example.org{first['hub']['baseUrl']}" in printed
    assert mode(path) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hub.Dockerfile", "token", "values.yaml"]


def test_a_join_secret_is_given_in_a_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--join-secret-file keeps a URL made elsewhere; a weak secret is refused, naming the flag."""
    (tmp_path / "secret").write_text(f"{SECRET}\n")
    out = tmp_path / "values.yaml"
    given = ("--join-secret-file", str(tmp_path / "secret"))
    code, printed, _ = export(capsys, IMAGE, "--out", str(out), *given)
    assert code == 0
    assert f"/{SECRET}/" in printed
    (tmp_path / "weak").write_text("abc\n")
    code, _, said = export(capsys, IMAGE, "--join-secret-file", str(tmp_path / "weak"))
    assert code == 2
    assert said.startswith("error: The secret in --join-secret-file")
    code, _, said = export(capsys, IMAGE, "--update", str(out), *given)
    assert code == 2
    assert "--update" in said
    assert "--join-secret-file" in said


USER_AND_FILE = ("--registry-user", "bot", "--registry-password-file")
# What the command line is given, and what its refusal must name.
REFUSALS = [
    (["registry.example.org/course/intro:latest"], ["'latest'", "intro:latest"]),
    (["registry.example.org/course/intro"], ["names no tag"]),
    ([IMAGE, "--tls-email", "teacher@example.org"], ["--tls-email", "--host"]),
    ([IMAGE, "--registry-user", "bot"], ["--registry-user", "--registry-password-file"]),
    ([IMAGE, "--registry-password-file", "pw"], ["--registry-user", "--registry-password-file"]),
    (
        [IMAGE, "--pull-secret", "regcred", *USER_AND_FILE, "pw"],
        ["--pull-secret", "--registry-user"],
    ),
    ([IMAGE, *USER_AND_FILE, "missing"], ["--registry-password-file missing"]),
    ([IMAGE, "--update", "missing.yaml"], ["No values file", "file: missing.yaml"]),
    ([IMAGE, "--namespace", "Work Shop"], ["--namespace must be a Kubernetes name"]),
    ([IMAGE, "--host", "http://x.org/"], ["--host must be a DNS name"]),
    ([IMAGE, "--registry-password", "hunter2"], ["has no option --registry-password."]),
]


@pytest.mark.parametrize(("argv", "names"), REFUSALS)
def test_export_refusals_name_the_flag(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    names: list[str],
) -> None:
    """Every refusal exits 2 before writing anything, naming the flags or argument at fault."""
    monkeypatch.chdir(tmp_path)
    code, printed, said = export(capsys, *argv)
    assert code == 2
    assert printed == ""
    assert said.startswith("error: ")
    for name in names:
        assert name in said
    assert not (tmp_path / "values.yaml").exists()
