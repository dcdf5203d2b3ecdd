"""'wiw push' and 'wiw export' (wiw.cli.deploy_commands), word for word.

Push: the tag and the push reach the engine, the digest is printed and sent
as events, the push's progress goes to the status line. Export: each option
reaches the request, and what was written, what changed, the next steps and
the two URLs are printed as they are, never read as markup.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from tests.support.fakeengine import FakeEngine
from tests.support.offline import Status, events, run_cli, sealed_engine
from wiw.cli import deploy_commands
from wiw.cli.output import Output
from wiw.deploy.chart import CHART_JUPYTERHUB, HUB_JUPYTERHUB
from wiw.deploy.export import ExportRequest, ExportResult

IMAGE = "wiw/intro:latest"
REPOSITORY = "registry.example.org/course/intro"
PUSHED = "registry.example.org/course/intro:2026-11-25@sha256:" + "a" * 64


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeEngine:
    """A fake engine with workshop images; the test runs sealed, in a folder of its own."""
    return sealed_engine(monkeypatch, tmp_path)


# wiw push


def test_push_tags_pushes_and_prints_the_digest(fake: FakeEngine) -> None:
    """The image is tagged REPOSITORY:VERSION, pushed, and printed with its digest."""
    info = fake.image_info(IMAGE)
    assert info is not None
    digest = info.id
    ran = run_cli("push", IMAGE, REPOSITORY, "v1", engine=fake)
    assert ran.code == 0, ran.err
    assert fake.called("image_tag") == [f"{REPOSITORY}:v1"]
    assert fake.called("stream") == ["push"]
    assert ran.out == f"pushed {REPOSITORY}:v1@{digest}\n"


def test_push_sends_pushing_and_pushed_events(fake: FakeEngine) -> None:
    """With --events: 'pushing' from the image to the tag, then 'pushed' with the digest."""
    info = fake.image_info(IMAGE)
    assert info is not None
    digest = info.id
    ran = run_cli("--events", "push", IMAGE, REPOSITORY, "v1", engine=fake)
    assert ran.code == 0, ran.err
    assert events(ran.out) == [
        {"event": "pushing", "image": IMAGE, "to": f"{REPOSITORY}:v1"},
        {"event": "pushed", "image": f"{REPOSITORY}:v1", "digest": digest},
    ]
    assert f"pushed {REPOSITORY}:v1@{digest}\n" in ran.err


def test_the_push_shows_its_progress_on_the_status_line(
    fake: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The status line names the image and the target, then shows each line of the push."""
    output = Output(engine=fake)
    status = Status()
    monkeypatch.setattr(output.err, "status", status)
    args = argparse.Namespace(workshop=IMAGE, tag=None, repository=REPOSITORY, version="v1")
    assert deploy_commands.cmd_push(args, output) == 0
    assert status.shown == [f"pushing {IMAGE} to {REPOSITORY}:v1", "push: done"]


# wiw export


def test_every_export_option_reaches_the_request(
    fake: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each option, as given, is the field of the same name; the kind is not passed on."""
    asked: list[ExportRequest] = []

    def export(request: ExportRequest) -> ExportResult:
        asked.append(request)
        return ExportResult(Path("v.yaml"), {}, "http://h/j/", "http://h/i/", None, ())

    monkeypatch.setattr(deploy_commands, "export_z2jh", export)
    options = {
        "--out": "v.yaml",
        "--update": "old.yaml",
        "--join-secret-file": "secret.txt",
        "--host": "workshop.example.org",
        "--tls-email": "me@example.org",
        "--namespace": "course",
        "--pull-secret": "regcred",
        "--registry-user": "robot",
        "--registry-password-file": "token.txt",
        "--max-learners": "60",
        "--memory": "2g",
        "--cpus": "0.5",
        "--cull-after": "600",
        "--hub-image": "registry.example.org/course/hub:1",
    }
    argv = [word for pair in options.items() for word in pair]
    ran = run_cli("export", "z2jh", PUSHED, *argv, engine=fake)
    assert ran.code == 0, ran.err
    assert asked == [
        ExportRequest(
            image=PUSHED,
            out="v.yaml",
            update="old.yaml",
            join_secret_file="secret.txt",
            host="workshop.example.org",
            tls_email="me@example.org",
            namespace="course",
            pull_secret="regcred",
            registry_user="robot",
            registry_password_file="token.txt",
            max_learners=60,
            memory="2g",
            cpus=0.5,
            cull_after=600,
            hub_image="registry.example.org/course/hub:1",
        )
    ]


def test_an_export_without_options_asks_for_the_defaults(
    fake: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No option: the request is the image with the request's own defaults."""
    asked: list[ExportRequest] = []

    def export(request: ExportRequest) -> ExportResult:
        asked.append(request)
        return ExportResult(Path("v.yaml"), {}, "http://h/j/", "http://h/i/", None, ())

    monkeypatch.setattr(deploy_commands, "export_z2jh", export)
    ran = run_cli("export", "z2jh", PUSHED, engine=fake)
    assert ran.code == 0, ran.err
    assert asked == [ExportRequest(PUSHED)]
    assert fake.calls == []


def printed(capsys: pytest.CaptureFixture[str], result: ExportResult) -> tuple[str, str]:
    """What an export with ``result`` prints: standard output and standard error."""
    deploy_commands._print_export(result, Output())
    captured = capsys.readouterr()
    return captured.out, captured.err


# Brackets in every name printed: rich would read them as markup if it were on.
RESULT = ExportResult(
    path=Path("v[b].yaml"),
    values={},
    url="http://[b]h/join/",
    instructor_url="http://[b]h/instructor/",
    changed=None,
    next_steps=("helm [b]upgrade", "wiw qr [b]url"),
)


def test_a_new_export_prints_the_file_the_steps_and_the_urls(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The file and why it is private, the steps indented, the join URL; the key on stderr."""
    out, err = printed(capsys, RESULT)
    assert out == (
        "wrote v[b].yaml (mode 0600: it holds the join secret and the instructor's key)\n"
        "Next:\n"
        "  helm [b]upgrade\n"
        "  wiw qr [b]url\n"
        "Workshop URL: http://[b]h/join/\n"
    )
    assert err == "Instructor URL (for you only, not in the QR code): http://[b]h/instructor/\n"


def test_an_export_with_a_hub_dockerfile_says_why(capsys: pytest.CaptureFixture[str]) -> None:
    """The hub's Dockerfile is named, with the JupyterHub it brings and the chart's own."""
    result = ExportResult(
        Path("v.yaml"), {}, "u", "i", None, (), hub_dockerfile=Path("[b]hub.Dockerfile")
    )
    out, _ = printed(capsys, result)
    assert out.splitlines()[1] == (
        f"wrote [b]hub.Dockerfile: the hub's image (the chart's, with JupyterHub "
        f"{HUB_JUPYTERHUB}: its own {CHART_JUPYTERHUB} is below wiw's security floor)"
    )


def test_an_update_names_the_settings_it_changed(capsys: pytest.CaptureFixture[str]) -> None:
    """After the file: the changed settings, comma-separated, before the steps."""
    result = ExportResult(Path("v.yaml"), {}, "u", "i", ["hub.[b]x", "singleuser.y"], ())
    out, _ = printed(capsys, result)
    assert out.splitlines()[1:3] == ["changed: hub.[b]x, singleuser.y", "Next:"]


def test_an_update_that_changes_nothing_says_the_url_is_the_same(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An update with no change says so: the learners' join URL still works."""
    out, _ = printed(capsys, ExportResult(Path("v.yaml"), {}, "u", "i", [], ()))
    assert out.splitlines()[1] == "no setting changed; the join URL is the same"


def test_an_export_writes_the_file_it_names(fake: FakeEngine, tmp_path: Path) -> None:
    """End to end: the file named exists, and the output names it and the steps."""
    ran = run_cli("export", "z2jh", PUSHED, "--out", "class.yaml", engine=fake)
    assert ran.code == 0, ran.err
    assert (tmp_path / "class.yaml").is_file()
    assert ran.out.startswith("wrote class.yaml (mode 0600")
    assert "\nNext:\n  docker build" in ran.out
    assert ran.err.startswith("Instructor URL (for you only, not in the QR code): http")
