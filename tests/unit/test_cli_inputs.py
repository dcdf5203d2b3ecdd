"""A person's mistakes on the command line: each refused before the engine, in their words.

Every case runs ``wiw`` in-process on a fake engine (sealed from the real
one, other programs and the network) and checks the refusal: exit status 2,
an ``error:`` line naming the flag or file, a ``hint:`` saying what to do,
no traceback, and not one call of the engine. Then: the parser people know
from git and docker (no abbreviations, did-you-mean with the usage, global
options after the command, ``--png`` renamed), the last-resort handler, and
the engine a caller hands ``main``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import urllib.request
from pathlib import Path

import pytest

from tests.support.fakeengine import FakeEngine
from tests.support.offline import Ran, Unsealed, run_cli, seal, sealed_engine
from tests.support.workshops import EXAMPLE, write_lesson
from wiw.cli.output import Output
from wiw.cli.table import Command

cli_main = importlib.import_module("wiw.cli.main")

IMAGE = "wiw/intro:latest"
CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
KEY = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeEngine:
    """A fake engine with workshop images; the test runs sealed, in a folder of its own."""
    engine = sealed_engine(monkeypatch, tmp_path)
    (tmp_path / "folder").mkdir()
    (tmp_path / "file.txt").write_text("not a folder\n")
    (tmp_path / "not-json.json").write_text("{oops")
    (tmp_path / "list.json").write_text("[1, 2]")
    (tmp_path / "odd-peak.json").write_text(json.dumps({"results": [], "lesson_peak": "big"}))
    (tmp_path / "cert.pem").write_text(CERT)
    (tmp_path / "key.pem").write_text(KEY)
    return engine


def refused(ran: Ran, fake: FakeEngine, *named: str) -> str:
    """Check a refusal: status 2, ``error:`` naming each of ``named``, a hint, no engine."""
    assert ran.code == 2, ran
    assert ran.out == ""
    assert ran.err.startswith("error: "), ran.err
    assert "hint: " in ran.err
    assert "Traceback" not in ran.err
    for name in named:
        assert name in ran.err, ran.err
    assert fake.calls == []
    return ran.err


# Each bad input, what the refusal must name, and a word of what to do.
BAD_INPUTS = [
    (["up", IMAGE, "--report", "missing.json"], ["--report", "'missing.json' does not exist"]),
    (["up", IMAGE, "--report", "folder"], ["--report must be a file, not the folder 'folder'"]),
    (["up", IMAGE, "--report", "not-json.json"], ["--report", "is not JSON", "wiw test"]),
    (["up", IMAGE, "--report", "list.json"], ["--report", "holds no lesson results"]),
    (["up", IMAGE, "--report", "odd-peak.json"], ["--report", "not a number of bytes"]),
    (["up", IMAGE, "--qr", "gone/join.png"], ["--qr", "'gone' does not exist", "mkdir -p gone"]),
    (["up", IMAGE, "--qr", "folder"], ["--qr must be a file to write, not the folder"]),
    (["up", IMAGE, "--qr", "file.txt/join.png"], ["--qr", "'file.txt' is not a folder"]),
    (["run", IMAGE, "--qr", "gone/join.png"], ["--qr", "'gone' does not exist"]),
    (["url", "intro", "--qr", "folder/"], ["--qr must be a file to write"]),
    (["qr", "https://example.org/", "--qr", "gone/q.png"], ["--qr", "'gone' does not exist"]),
    (["test", str(EXAMPLE), "--json", "gone/r.json"], ["--json", "'gone' does not exist"]),
    (["test", str(EXAMPLE), "--json", "folder"], ["--json must be a file to write"]),
    (["export", "z2jh", "wiw/intro:1", "--out", "gone/v.yaml"], ["--out", "'gone' does not"]),
    (["export", "z2jh", "wiw/intro:1", "--out", "folder"], ["--out must be a file to write"]),
    (["up", IMAGE, "--password-file", "missing"], ["--password-file", "'missing' does not"]),
    (["up", IMAGE, "--password-file", "folder"], ["--password-file must be a file"]),
    (["up", IMAGE, "--tls-cert", "cert.pem"], ["--tls-cert needs --tls-key", "PEM"]),
    (["up", IMAGE, "--tls-key", "key.pem"], ["--tls-key needs --tls-cert"]),
    (["up", IMAGE, "--no-tls", "--tls-cert", "cert.pem"], ["--no-tls and --tls-cert"]),
    (["up", IMAGE, "--tls-cert", "gone.pem", "--tls-key", "key.pem"], ["--tls-cert", "gone.pem"]),
    (["up", IMAGE, "--tls-cert", "key.pem", "--tls-key", "key.pem"], ["key.pem", "--tls-cert"]),
    (["up", IMAGE, "--host", "http://x.org"], ["--host", "without http://", "e.g. x.org"]),
    (["run", IMAGE, "--host", "https://x.org:8000/"], ["--host", "x.org", "--port"]),
    (["up", IMAGE, "--public-url", "workshop.example.org"], ["--public-url", "https://"]),
    (["up", IMAGE, "--public-url", "ftp://x.org/"], ["--public-url must be a URL"]),
    (["url", "intro", "--instructor", "--qr", "i.png"], ["--qr and --instructor exclude"]),
    (["up", IMAGE, "--seats", "31"], ["--seats 31 is more than --max-learners 30"]),
    (["up", IMAGE, "--seats", "31", "--swarm"], ["--seats 31 is more than --max-learners 30"]),
    (["up", IMAGE, "--seats", "-1"], ["--seats"]),
    (["up", IMAGE, "--roster", "missing.txt"], ["--roster", "'missing.txt' does not exist"]),
    (["collect", "intro", "file.txt"], ["FOLDER must be a folder, not the file 'file.txt'"]),
    (["collect", "intro", "gone/work"], ["FOLDER", "'gone' does not exist"]),
    (["build", str(EXAMPLE), "--tag", "Not A Tag"], ["--tag must be an image reference"]),
    (["test", str(EXAMPLE), "--base-image", "UPPER/x"], ["--base-image", "'UPPER/x'"]),
    (["push", IMAGE, "registry.example.org/x", "latest"], ["VERSION", "not 'latest'"]),
    (["build", ""], ["WORKSHOP must be a workshop folder", "'.'"]),
    (["down", " "], ["WORKSHOP must be"]),
    (["qr", "two words"], ["URL must be a URL of 1 to 2000 characters without spaces"]),
    (["qr", "x" * 2001], ["URL must be", "(2001 characters)"]),
]


@pytest.mark.parametrize(
    ("argv", "named"), BAD_INPUTS, ids=[" ".join(a)[:60] for a, _ in BAD_INPUTS]
)
def test_each_bad_input_is_refused_before_the_engine(
    fake: FakeEngine, argv: list[str], named: list[str]
) -> None:
    """The refusal names the flag (or file) and what to do; the engine sees no call."""
    refused(run_cli(*argv, engine=fake), fake, *named)


def test_a_missing_folder_for_a_png_is_not_made(fake: FakeEngine, tmp_path: Path) -> None:
    """A PNG whose folder is mistyped is refused; the folder is not created."""
    refused(run_cli("up", IMAGE, "--qr", "joni/join.png", engine=fake), fake, "mkdir -p joni")
    assert not (tmp_path / "joni").exists()


def test_a_refused_file_writes_no_event(fake: FakeEngine) -> None:
    """With --events, a refused file is refused as the parser refuses: no 'failed' event."""
    ran = run_cli("--events", "up", IMAGE, "--qr", "gone/j.png", engine=fake)
    refused(ran, fake, "--qr")


def test_no_typed_class_password_is_refused_naming_the_flag(
    fake: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-D at the --ask-password prompt is a sentence, not a traceback, before the engine."""

    def no_password(prompt: str = "") -> str:
        raise EOFError

    monkeypatch.setattr("getpass.getpass", no_password)
    refused(
        run_cli("up", IMAGE, "--ask-password", engine=fake),
        fake,
        "--ask-password",
        "--password-file",
    )


# The parser people know from git and docker.


def test_no_option_is_abbreviated(fake: FakeEngine) -> None:
    """'--no-cach' is not '--no-cache': it is refused with the usage and the option meant."""
    err = refused(run_cli("build", str(EXAMPLE), "--no-cach", engine=fake), fake)
    lines = err.splitlines()
    assert lines[0] == "error: wiw build has no option --no-cach. Did you mean '--no-cache'?"
    assert lines[1].startswith("Usage: wiw build ")
    assert lines[-1] == "hint: see 'wiw build --help'."
    for short in (["up", IMAGE, "--max-learn", "5"], ["--deb", "qr", "x"]):
        assert run_cli(*short, engine=fake).code == 2


def test_an_unknown_option_of_wiw_itself_is_named(fake: FakeEngine) -> None:
    """'wiw --debgu build' names the option of wiw meant."""
    err = refused(run_cli("--debgu", "build", engine=fake), fake)
    assert err.startswith("error: wiw has no option --debgu. Did you mean '--debug'?")


def test_a_secret_typed_after_a_wrong_flag_is_not_printed(fake: FakeEngine) -> None:
    """'--registry-password hunter2' is refused without echoing the value."""
    ran = run_cli("export", "z2jh", "wiw/x:1", "--registry-password", "hunter2", engine=fake)
    err = refused(ran, fake, "has no option --registry-password.", "--registry-password-file")
    assert "hunter2" not in err


def test_an_extra_argument_is_refused_with_the_usage(fake: FakeEngine) -> None:
    """'wiw down a b' says which argument is one too many."""
    err = refused(run_cli("down", "a", "b", engine=fake), fake, "no further argument 'b'")
    assert "Usage: wiw down" in err


def test_a_missing_argument_shows_the_usage(fake: FakeEngine) -> None:
    """'wiw collect intro' names what is missing, as the help names it, with the usage."""
    refused(run_cli("collect", "intro", engine=fake), fake, "required: FOLDER", "Usage:")


def test_global_options_work_after_the_command(fake: FakeEngine, tmp_path: Path) -> None:
    """--debug and --events may follow the command, as they may precede it."""
    debug = run_cli("build", str(tmp_path / "missing"), "--debug", engine=fake)
    assert debug.code == 2
    assert "wiw.errors.WorkshopNotFound" in debug.err
    assert "Traceback" in debug.err
    events = run_cli("qr", "https://example.org/", "--events", engine=fake)
    assert json.loads(events.out.splitlines()[0])["event"] == "ready"
    plain = run_cli("--debug", "build", str(tmp_path / "missing"), "--events", engine=fake)
    assert "Traceback" in plain.err  # given before the command, not undone after it
    assert json.loads(plain.out)["event"] == "failed"


def test_png_is_an_old_spelling_of_qr(fake: FakeEngine, tmp_path: Path) -> None:
    """'wiw qr URL --png FILE' still saves the PNG, and warns on stderr that --qr replaces it."""
    ran = run_cli("qr", "https://example.org/", "--png", "q.png", engine=fake)
    assert ran.code == 0
    assert (tmp_path / "q.png").stat().st_size > 0
    assert "warning: --png is deprecated" in ran.err
    assert "use --qr" in ran.err
    assert "q.png" in ran.out
    new = run_cli("qr", "https://example.org/", "--qr", "r.png", engine=fake)
    assert (new.code, new.err) == (0, "")
    assert (tmp_path / "r.png").exists()


def test_every_workshop_argument_reads_workshop(fake: FakeEngine) -> None:
    """The positional that names a workshop (folder, image or class) is WORKSHOP everywhere."""
    for command in cli_main.COMMANDS:
        for argument in command.arguments:
            if argument.dest == "workshop" and not argument.name.startswith("-"):
                assert argument.metavar == "WORKSHOP", command.name


def test_every_value_has_a_metavar_that_reads(fake: FakeEngine) -> None:
    """No option shows its name in capitals (--min-free-gib MIN_FREE_GIB) for its value."""
    for command in cli_main.COMMANDS:
        for argument in command.arguments:
            takes_value = argument.action is None and argument.choices is None
            if argument.name.startswith("--") and takes_value:
                assert argument.metavar, f"wiw {command.name} {argument.name}"


def test_help_ends_with_the_exit_statuses() -> None:
    """'wiw --help' says what 0, 1, 2 and 130 mean, and names every command that exits 1."""
    text = " ".join(cli_main.parser().format_help().split())
    assert "Exit status: 0 done; 1 when" in text
    for command in ("wiw test", "wiw smoke", "wiw doctor", "wiw update"):
        assert command in text
    assert "2 when the command line is wrong" in text


# The last resort: what no part of wiw turned into a sentence.


def failing(exc: Exception, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make 'wiw qr' raise ``exc``."""

    def handler(args: argparse.Namespace, output: Output) -> int:
        raise exc

    qr = next(c for c in cli_main.COMMANDS if c.name == "qr")
    table = tuple(
        Command(c.name, c.help, c.description, handler, c.arguments) if c is qr else c
        for c in cli_main.COMMANDS
    )
    monkeypatch.setattr(cli_main, "COMMANDS", table)


def test_an_os_error_names_the_flag_and_the_file(
    fake: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An OSError escaping a command is 'error: Cannot use --qr FILE: reason.', exit 2."""
    failing(PermissionError(13, "Permission denied", "q.png"), monkeypatch)
    ran = run_cli("--events", "qr", "https://example.org/", "--qr", "q.png", engine=fake)
    err = refused(ran_without_events(ran), fake)
    assert err.splitlines()[0] == "error: Cannot use --qr q.png: Permission denied."
    assert json.loads(ran.out)["error"] == "FileAccessError"
    debug = run_cli("--debug", "qr", "https://example.org/", "--qr", "q.png", engine=fake)
    assert "PermissionError" in debug.err
    assert "Traceback" in debug.err


def ran_without_events(ran: Ran) -> Ran:
    """The same run, its events set aside (checked on their own)."""
    return Ran(ran.code, "", ran.err)


def test_a_value_error_is_a_sentence_naming_the_flag(
    fake: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ValueError mentioning a value given names the flag it came with; no traceback."""
    failing(ValueError("cannot encode 'q.png'"), monkeypatch)
    err = refused(run_cli("qr", "https://example.org/", "--qr", "q.png", engine=fake), fake)
    assert "(given with --qr)" in err
    assert "--debug" in err


def test_a_png_that_cannot_be_saved_is_a_warning(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Once a class runs, a PNG that cannot be written warns: the class is never stopped."""
    (tmp_path / "file.txt").write_text("the folder became a file")
    output = Output()
    output.announce("http://127.0.0.1:8000/join", str(tmp_path / "file.txt" / "j.png"), again="x")
    err = capsys.readouterr().err
    assert err.startswith("warning: could not save the QR code to ")
    assert "'x' saves it later" in err


# The engine a caller hands main: every command uses it.


def test_build_builds_into_the_engine_given(fake: FakeEngine) -> None:
    """'wiw build EXAMPLE' on a fake engine: the fake's build makes the image."""
    ran = run_cli("build", str(EXAMPLE), engine=fake)
    assert ran.code == 0, ran.err
    assert fake.called("stream") == ["build"]
    info = fake.image_info("wiw/example-workshop:latest")
    assert info is not None
    assert "built wiw/example-workshop:latest" in ran.out


@pytest.mark.parametrize(
    ("argv", "first_call"),
    [
        (["prune", "--dry-run"], "images_labelled"),
        (["down", "intro"], "container_remove"),
        (["status", "intro"], "container_running"),
        (["url", "intro"], "container_running"),
        (["collect", "intro", "work"], "container_info"),
        (["destroy", "intro", "--yes"], "container_remove"),
        (["run", IMAGE], "image_info"),
        (["smoke", IMAGE], "image_info"),
        (["up", IMAGE, "--force"], "host_resources"),
        (["update", str(EXAMPLE)], "container_running"),
        (["push", IMAGE, "registry.example.org/intro", "v1"], "image_info"),
    ],
)
def test_every_command_uses_the_engine_given(
    fake: FakeEngine, argv: list[str], first_call: str
) -> None:
    """Each command's first engine call goes to the fake (the real one is sealed off)."""
    ran = run_cli(*argv, engine=fake)
    assert ran.code in (0, 1, 2), ran
    assert "Traceback" not in ran.err
    assert fake.calls, ran.err
    assert fake.calls[0][0] == first_call, fake.calls[:3]


def test_test_builds_and_runs_lessons_on_the_engine_given(
    fake: FakeEngine, tmp_path: Path
) -> None:
    """'wiw test' builds the missing image on the fake and runs the lessons there."""
    write_lesson(tmp_path / "ws")
    ran = run_cli("test", str(tmp_path / "ws"), "--tag", "wiw/ws:1", engine=fake)
    assert "Traceback" not in ran.err
    assert fake.image_info("wiw/ws:1") is not None
    assert "container_create" in {name for name, _ in fake.calls}


def test_doctor_checks_the_engine_given(fake: FakeEngine) -> None:
    """'wiw doctor' asks the fake, and finds its client missing (not the real one's)."""
    ran = run_cli("doctor", engine=fake)
    assert ran.code == 1
    assert "fake-engine" in ran.out


def test_the_seal_stops_the_real_engine_programs_and_connections(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The check of the checks: sealed, the default engine, a program or a connection raise."""
    seal(monkeypatch)
    with pytest.raises(Unsealed, match="the real engine"):
        cli_main.main(["prune"])  # no engine given: the default one
    with pytest.raises(Unsealed, match="a program"):
        subprocess.run(["true"], check=False)
    with pytest.raises(Unsealed, match="a connection"):
        urllib.request.urlopen("http://127.0.0.1:9/", timeout=1)
