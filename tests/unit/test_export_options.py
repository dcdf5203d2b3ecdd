"""``wiw export z2jh``'s options, each carried to the values, the file and the next steps.

Every option of an export is something the instructor asked for: sizes, a
name, HTTPS, a pull secret, a hub image. Each must reach what the chart
gets; the options that go together, or exclude each other, are refused with
their exact sentence and what to do instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from wiw import errors
from wiw.deploy import chart
from wiw.deploy.export import ExportRequest, ExportResult, export_z2jh
from wiw.deploy.z2jh import instructor_url
from wiw.errors import UsageError

IMAGE = "registry.example.org/course/intro:2026-11-25@sha256:" + "a" * 64
HOST = "workshop.example.org"


def exported(tmp_path: Path, **options: object) -> ExportResult:
    """Export ``IMAGE`` with ``options`` into ``v.yaml`` in ``tmp_path``."""
    return export_z2jh(ExportRequest(IMAGE, out=str(tmp_path / "v.yaml"), **options))  # type: ignore[arg-type]


def test_sizes_and_culling_asked_for_reach_the_learners_servers(tmp_path: Path) -> None:
    """--memory, --cpus and --cull-after, not their defaults, are what the chart gets."""
    values = exported(tmp_path, memory="2g", cpus=0.5, cull_after=600).values
    assert values["singleuser"]["memory"]["limit"] == "2Gi"
    assert values["singleuser"]["cpu"]["limit"] == 0.5
    assert values["cull"]["timeout"] == 600


def test_the_namespace_and_host_reach_the_files_header_and_the_urls(tmp_path: Path) -> None:
    """The header's helm command uses the namespace; the join and instructor URLs, the host."""
    result = exported(tmp_path, namespace="course", host="203.0.113.7")
    header = [line for line in result.path.read_text().splitlines() if line.startswith("#")]
    assert any("--namespace course " in line for line in header)
    assert f"# Learners join at {result.url}" in header
    assert result.url.startswith("http://203.0.113.7/")
    assert result.instructor_url == instructor_url(result.values, "203.0.113.7")
    assert result.instructor_url.startswith("http://203.0.113.7/")


def test_a_named_pull_secret_reaches_the_chart(tmp_path: Path) -> None:
    """--pull-secret: the learners' and the hub's images are pulled with it; none is made."""
    values = exported(tmp_path, pull_secret="regcred").values
    assert values["singleuser"]["image"]["pullSecrets"] == ["regcred"]
    assert values["hub"]["image"]["pullSecrets"] == ["regcred"]
    assert "imagePullSecret" not in values


@pytest.mark.parametrize(("written", "password"), [("tok X\n", "tok X"), ("tok \r\n", "tok ")])
def test_a_registry_password_loses_its_line_end_only(
    tmp_path: Path, written: str, password: str
) -> None:
    """The file's text is the password: its last spaces and letters stay, the line end goes."""
    (tmp_path / "pw").write_text(written)
    values = exported(tmp_path, registry_user="bot", registry_password_file=str(tmp_path / "pw"))
    assert values.values["imagePullSecret"]["password"] == password


def test_an_update_with_a_new_host_keeps_https_for_it(tmp_path: Path) -> None:
    """--update --host NEW: Let's Encrypt for the new name, with the email given before."""
    first = exported(tmp_path, host=HOST, tls_email="teacher@example.org")
    moved = export_z2jh(ExportRequest(IMAGE, update=str(first.path), host="class.example.org"))
    assert moved.values["proxy"]["https"]["hosts"] == ["class.example.org"]
    assert moved.values["proxy"]["https"]["letsencrypt"]["contactEmail"] == "teacher@example.org"
    assert moved.url.startswith("https://class.example.org/")
    same = export_z2jh(ExportRequest(IMAGE, update=str(first.path), host=HOST))
    assert same.values["proxy"] == first.values["proxy"]


def test_a_hub_image_pinned_by_digest_is_built_and_pushed_by_its_tag(tmp_path: Path) -> None:
    """--hub-image REPO:TAG@DIGEST: docker builds and pushes REPO:TAG (a digest is no tag)."""
    hub = "registry.example.org/course/hub:5@sha256:" + "b" * 64
    steps = exported(tmp_path, hub_image=hub).next_steps
    assert steps[:2] == (
        f"docker build -t registry.example.org/course/hub:5 - < {tmp_path / 'hub.Dockerfile'}",
        "docker push registry.example.org/course/hub:5",
    )


def test_a_chart_whose_hub_is_new_enough_gets_no_hub_dockerfile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the chart's own hub, no hub.Dockerfile is written and the steps start with helm."""
    monkeypatch.setattr(chart, "CHART_JUPYTERHUB", chart.JUPYTERHUB_FLOOR)
    result = exported(tmp_path)
    assert result.hub_dockerfile is None
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v.yaml"]
    assert result.next_steps[0].startswith("helm upgrade --install ")


def test_a_hub_dockerfile_that_cannot_be_written_says_where_to_write(tmp_path: Path) -> None:
    """hub.Dockerfile in the way (a folder): a FileAccessError naming it, with --out as the way."""
    (tmp_path / "hub.Dockerfile").mkdir()
    with pytest.raises(errors.FileAccessError) as caught:
        exported(tmp_path)
    assert caught.value.message.startswith(
        f"Cannot write the hub's Dockerfile {tmp_path / 'hub.Dockerfile'}: "
    )
    assert caught.value.hint == "Write the values into a folder you can write to (--out)."


def test_options_that_exclude_or_need_each_other_say_exactly_what_to_do(tmp_path: Path) -> None:
    """Each refusal's sentence and hint, word for word, before anything is written."""
    (tmp_path / "pw").write_text("tok\n")
    cases = [
        ({"tls_email": "a@b.org"}, "--tls-email needs --host: Let's Encrypt certifies a DNS name.",
         "Point a DNS name at the proxy-public service's address, then give --host NAME "
         "--tls-email EMAIL."),
        ({"registry_password_file": str(tmp_path / "pw")},
         "--registry-user and --registry-password-file go together.",
         "Give the registry account and a file holding its password or token, or name an "
         "existing pull secret with --pull-secret."),
        ({"pull_secret": "regcred", "registry_user": "bot",
          "registry_password_file": str(tmp_path / "pw")},
         "--pull-secret and --registry-user are two ways to the same pull secret.",
         "Name an existing secret with --pull-secret, or let the chart make one from "
         "--registry-user and --registry-password-file; not both."),
    ]  # fmt: skip
    for options, message, hint in cases:
        with pytest.raises(UsageError) as caught:
            exported(tmp_path, **options)
        assert (caught.value.message, caught.value.hint) == (message, hint)
    assert not (tmp_path / "v.yaml").exists()


def test_a_join_secret_file_is_refused_with_update_and_named_when_empty(tmp_path: Path) -> None:
    """--update keeps its URL, so a second secret is refused; an empty file is named."""
    first = exported(tmp_path)
    (tmp_path / "secret").write_text("\n")
    with pytest.raises(UsageError) as both:
        export_z2jh(
            ExportRequest(IMAGE, update=str(first.path), join_secret_file=str(tmp_path / "secret"))
        )
    assert both.value.message == (
        f"--update keeps the join secret of {first.path}; --join-secret-file gives another."
    )
    assert both.value.hint == (
        "Give one of them: --update alone keeps the URL learners already have."
    )
    with pytest.raises(UsageError) as empty:
        exported(tmp_path, join_secret_file=str(tmp_path / "secret"))
    assert empty.value.message == f"--join-secret-file {tmp_path / 'secret'} is empty."
    missing = tmp_path / "gone"
    with pytest.raises(UsageError) as unreadable:
        exported(tmp_path, registry_user="bot", registry_password_file=str(missing))
    assert unreadable.value.message.startswith(f"Cannot read --registry-password-file {missing}: ")
    assert unreadable.value.hint == (
        "Give --registry-password-file a file that holds the secret alone."
    )
    assert yaml.safe_load(first.path.read_text()) == first.values  # the class's file untouched
