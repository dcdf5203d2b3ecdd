"""The ``wiw`` entry point: its parser, and how an error reaches the person who typed the command.

``wiw.cli.main`` turns every error into a sentence (``error:``), the evidence
and a ``hint:`` (with ``--debug``, the error's type and traceback too), turns
an ``OSError`` or a ``ValueError`` that no part of wiw explained into one,
naming the flag whose value it concerns, and exits 2; a refused file exits 2
before the command runs. Each test runs ``main`` in-process, most of them on a
small command table of their own.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest
from rich.console import Console

from tests.support.fakeengine import FakeEngine
from wiw import errors
from wiw._version import __version__
from wiw.cli.args import output_file
from wiw.cli.output import Output
from wiw.cli.table import Argument, Command

# wiw.cli's "main" attribute is the function; the module is reached by its name.
cli_main = importlib.import_module("wiw.cli.main")

SECRET = "s3cr3t-j0in-k3y-for-tests"
Handler = Callable[[argparse.Namespace, Output], int]


def ran(*argv: str) -> tuple[int, str, str]:
    """Run ``wiw ARGV`` on a fake engine; return its exit status, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = cli_main.main(list(argv), engine=FakeEngine())
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 2
    return code, out.getvalue(), err.getvalue()


def one_command(monkeypatch: pytest.MonkeyPatch, handler: Handler, *arguments: Argument) -> None:
    """Make ``wiw go`` the only command: ``handler`` with ``arguments``."""
    command = Command("go", "Go.", "Go somewhere.", handler, arguments)
    monkeypatch.setattr(cli_main, "COMMANDS", (command,))


def raising(exc: BaseException) -> Handler:
    """A handler that raises ``exc``."""

    def handler(args: argparse.Namespace, output: Output) -> int:
        raise exc

    return handler


def console() -> tuple[Console, io.StringIO]:
    """A plain console writing into a string, wide enough for any line here."""
    text = io.StringIO()
    return Console(file=text, highlight=False, soft_wrap=True, width=300), text


def raised(exc: errors.WiwError) -> errors.WiwError:
    """``exc`` once raised and caught, so that it carries a traceback."""
    try:
        raise exc
    except errors.WiwError as caught:
        return caught


# The parser.


def test_version_prints_wiw_and_its_version() -> None:
    """'wiw --version' prints 'wiw X.Y.Z' on stdout and exits 0."""
    assert ran("--version") == (0, f"wiw {__version__}\n", "")


def test_no_command_is_refused_naming_command_with_the_usage() -> None:
    """'wiw' alone says a COMMAND is required, shows the usage and exits 2."""
    code, out, err = ran()
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        "error: the following arguments are required: COMMAND",
        "Usage: wiw [-h] [--version] [--events] [--debug] COMMAND ...",
        "hint: see 'wiw --help'.",
    ]


def test_help_says_what_wiw_is_and_calls_the_commands_command() -> None:
    """'wiw --help' starts with what wiw does and lists the commands under COMMAND."""
    text = cli_main.parser().format_help()
    assert "The wiw command: build, test, serve and share Jupyter workshops." in text
    assert text.splitlines()[0] == "Usage: wiw [-h] [--version] [--events] [--debug] COMMAND ..."
    assert "{init," not in text


# How an error is printed.


def test_an_error_is_its_sentence_evidence_and_hint_as_written() -> None:
    """Brackets are printed as typed (never read as markup); secrets are redacted everywhere."""
    errors.register_secret(SECRET)
    exc = errors.HubExited(
        f"The hub [bold]intro[/] stopped ({SECRET}).",
        exit_code=3,
        log_tail=[f"[red]boom[/] {SECRET}", "second line"],
        hint=f"Look at [it] ({SECRET}).",
    )
    err, text = console()
    cli_main.report_error(exc, debug=False, err=err)
    assert text.getvalue().splitlines() == [
        "error: The hub [bold]intro[/] stopped ([redacted]).",
        "exit code: 3",
        "last 2 log lines:",
        "  [red]boom[/] [redacted]",
        "  second line",
        "hint: Look at [it] ([redacted]).",
    ]


def test_an_error_without_a_hint_has_no_hint_line() -> None:
    """No 'hint:' line when the error has none."""
    err, text = console()
    cli_main.report_error(errors.UsageError("Plain [b]words[/b]."), debug=False, err=err)
    assert text.getvalue() == "error: Plain [b]words[/b].\n"


def test_debug_adds_the_errors_type_and_its_traceback_redacted() -> None:
    """With --debug: '(module.Type)' after the hint, then the traceback as Python prints it."""
    errors.register_secret(SECRET)
    exc = raised(errors.InvalidOption(f"Bad [x] {SECRET}.", hint="Fix it."))
    err, text = console()
    cli_main.report_error(exc, debug=True, err=err)
    lines = text.getvalue().splitlines()
    assert lines[:3] == [
        "error: Bad [x] [redacted].",
        "hint: Fix it.",
        "(wiw.errors.InvalidOption)",
    ]
    shown = "\n".join(lines[3:]) + "\n"
    assert shown == errors.redact("".join(traceback.format_exception(exc))) + "\n"
    assert shown.startswith("Traceback (most recent call last):\n")
    assert "wiw.errors.InvalidOption: Bad [x] [redacted]." in shown
    assert SECRET not in text.getvalue()


def test_the_error_console_is_stderr_plain_and_never_wrapped(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Given no console, the error goes to stderr: numbers not coloured, long lines whole."""
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "40")
    message = "Port 8000 is taken by another program on this machine, 127.0.0.1."
    cli_main.report_error(errors.PortInUse(message, hint="Use --port 8001."), debug=False)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"\x1b[1;31merror:\x1b[0m {message}\nhint: Use --port 8001.\n"


# What main does with what a command raises.


def test_an_error_exits_2_with_its_event_and_its_sentence(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A WiwError: status 2, a 'failed' event with --events, the sentence on stderr."""
    one_command(monkeypatch, raising(errors.HubError("No hub.", hint="Start one.")))
    code, out, err = ran("--events", "go")
    assert code == 2
    assert json.loads(out)["message"] == "No hub."
    assert err == "error: No hub.\nhint: Start one.\n"
    assert ran("go", "--debug")[2].splitlines()[2] == "(wiw.errors.HubError)"


def test_ctrl_c_exits_130_quietly(monkeypatch: pytest.MonkeyPatch) -> None:
    """KeyboardInterrupt from a command: status 130, nothing printed."""
    one_command(monkeypatch, raising(KeyboardInterrupt()))
    assert ran("go") == (130, "", "")


def test_a_refused_file_is_said_before_the_command_runs(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A --qr in a missing folder: 'error:' naming it, a hint ending in 'wiw go --help', 2."""
    monkeypatch.chdir(tmp_path)
    one_command(
        monkeypatch,
        raising(AssertionError("never runs")),
        Argument("--qr", "png", check=output_file),
    )
    code, out, err = ran("go", "--qr", "gone/q.png")
    assert (code, out) == (2, "")
    lines = err.splitlines()
    assert lines[0].startswith("error: --qr ")
    assert "'gone' does not exist" in lines[0]
    assert lines[-1].startswith("hint: ")
    assert lines[-1].endswith(" See 'wiw go --help'.")


def last_resort(
    monkeypatch: pytest.MonkeyPatch, exc: Exception, *argv: str, debug: bool = False
) -> list[str]:
    """Run ``wiw go ARGV`` whose handler raises ``exc``; check status 2; return stderr's lines."""
    one_command(
        monkeypatch,
        raising(exc),
        Argument("--name", "a name"),
        Argument("--out", "a file"),
        Argument("--count", "how many", type=int),
        Argument("--fast", "a switch", action="store_true"),
        Argument("--empty", "a value left empty"),
        Argument("where", "a folder", nargs="?", metavar="FOLDER"),
    )
    code, out, err = ran("go", *argv, *(["--debug"] if debug else []))
    assert (code, out) == (2, ""), err
    return err.splitlines()


def test_an_os_error_on_a_file_given_names_its_flag(monkeypatch: pytest.MonkeyPatch) -> None:
    """The flag whose value is exactly the file wins over one whose value is only in it."""
    exc = PermissionError(13, "Permission denied", "q.png")
    argv = ("--name", "q", "--out", "q.png", "--count", "3", "--fast", "--empty", "")
    assert last_resort(monkeypatch, exc, *argv)[0] == (
        "error: Cannot use --out q.png: Permission denied."
    )


def test_an_os_error_on_a_file_inside_a_value_names_that_flag(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A file inside the folder given with a flag: that flag is named."""
    exc = FileNotFoundError(2, "No such file or directory", "work/a.txt")
    lines = last_resort(monkeypatch, exc, "--count", "3", "--fast", "--name", "a.txt")
    assert lines[0] == "error: Cannot use --name work/a.txt: No such file or directory."


def test_an_os_error_on_a_positional_names_only_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """A positional argument's file is named alone (not 'FOLDER work')."""
    exc = IsADirectoryError(21, "Is a directory", "work")
    assert last_resort(monkeypatch, exc, "work")[0] == "error: Cannot use work: Is a directory."


def test_an_os_error_on_another_file_names_only_the_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file no argument mentions is named alone; the cause shows with --debug."""
    exc = PermissionError(13, "Permission denied", "/etc/other")
    lines = last_resort(monkeypatch, exc, "--name", "x", "--fast", "--count", "2", debug=True)
    assert lines[0] == "error: Cannot use /etc/other: Permission denied."
    assert lines[1:3] == [
        "hint: Check the path and its permissions, or give another.",
        "(wiw.errors.FileAccessError)",
    ]
    assert "PermissionError: [Errno 13] Permission denied: '/etc/other'" in lines
    assert "The above exception was the direct cause of the following exception:" in lines


def test_an_os_error_without_a_file_is_its_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    """No file: the reason alone, from strerror, else the text, else the error's type."""
    with_errno = OSError(28, "No space left on device")
    assert last_resort(monkeypatch, with_errno)[0] == "error: No space left on device."
    assert last_resort(monkeypatch, OSError("disk gone"))[0] == "error: disk gone."
    assert last_resort(monkeypatch, TimeoutError())[0] == "error: TimeoutError."


def test_a_value_error_names_the_flag_and_asks_for_a_report(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A ValueError mentioning a value names its flag; the hint says what to do."""
    lines = last_resort(monkeypatch, ValueError("bad name 'zoé'"), "--name", "zoé", "--fast")
    assert lines == [
        "error: wiw go cannot use a value (given with --name): bad name 'zoé'",
        "hint: Check the value; if it looks right, run again with --debug and report what it "
        "prints as a bug in wiw.",
    ]


def test_a_value_error_about_no_value_given_names_no_flag(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A ValueError that mentions no value given: no '(given with ...)'."""
    lines = last_resort(monkeypatch, ValueError("math domain error"), "--count", "4", "--fast")
    assert lines[0] == "error: wiw go cannot use a value: math domain error"
