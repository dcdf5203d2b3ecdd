"""The wiw command, for what needs no engine: every kind of message it prints to people."""

from __future__ import annotations

import argparse
import importlib
import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from rich.console import Console

from tests.support.cli import run
from tests.support.workshops import write_lesson
from wiw import errors
from wiw.build.progress import BuildProgress
from wiw.cli.args import CommandParser
from wiw.cli.output import Output
from wiw.cli.table import Argument, Command

# wiw.cli's "main" attribute is the function; the module is reached by its name.
cli_main = importlib.import_module("wiw.cli.main")

# What a message for people must never contain: Python's names for things.
PYTHON_SPEAK = re.compile(r"\b[a-z]+_[a-z_]+=|confirm=True|Traceback|wiw\.errors\.")


def test_qr_command_prints_and_saves_png(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """'wiw qr URL --png FILE' draws the code and writes a PNG that decodes to the URL."""
    url = "http://127.0.0.1:49153/lab?token=" + "0123456789abcdef" * 3
    code, printed, _ = run(capsys, "qr", url, "--png", str(tmp_path / "q.png"))
    assert code == 0
    assert any(url in line for line in printed.splitlines())  # whole, on one line
    with Image.open(tmp_path / "q.png") as image:
        assert zxingcpp.read_barcodes(image)[0].text == url


def test_build_dry_run_shows_context_without_engine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """'wiw build --dry-run' prints the Dockerfile and file list, touching no engine."""
    write_lesson(tmp_path / "ws")
    code, printed, _ = run(capsys, "build", str(tmp_path / "ws"), "--dry-run")
    assert code == 0
    assert "FROM ${BASE_IMAGE}" in printed
    assert "workshop/lessons/lesson01.ipynb" in printed


@pytest.mark.parametrize(
    ("argv", "flag", "accepted"),
    [
        (["up", "x", "--max-learners", "-1"], "--max-learners", "from 0 to 10000"),
        (["up", "x", "--learners", "zero"], "--learners", "from 1 to 10000"),
        (["up", "x", "--cpus", "0"], "--cpus", "from 0.05 to 1024"),
        (["up", "x", "--cull-after", "5"], "--cull-after", "from 10 to 604800"),
        (["up", "x", "--memory", "lots"], "--memory", "such as 512m or 2g"),
        (["test", "x", "--memory", "1m"], "--memory", "at least 64 MiB"),
        (["run", "x", "--port", "70000"], "--port", "from 1 to 65535"),
        (["run", "x", "--timeout", "0"], "--timeout", "positive number of seconds"),
        (["test", "x", "--cell-timeout", "-5"], "--cell-timeout", "from 1 to 86400"),
        (["test", "x", "--parallel", "100"], "--parallel", "from 1 to 64"),
        (["prune", "--keep", "-1"], "--keep", "from 0 to 1000"),
        (["build", "x", "--min-free-gib", "-2"], "--min-free-gib", "from 0 to 10000"),
    ],
)
def test_bad_numbers_name_the_flag_and_what_it_accepts(
    capsys: pytest.CaptureFixture[str], argv: list[str], flag: str, accepted: str
) -> None:
    """A number out of range is refused before any work, naming the flag and the range."""
    code, out, printed = run(capsys, *argv)
    assert code == 2
    assert out == ""
    first = printed.splitlines()[0]
    assert first.startswith(f"error: {flag} must be")
    assert accepted in printed
    assert argv[-1] in printed  # the value given
    assert not PYTHON_SPEAK.search(printed)


def test_a_mistyped_command_gets_did_you_mean(capsys: pytest.CaptureFixture[str]) -> None:
    """'wiw buidl' suggests 'build' and lists the commands."""
    code, _, printed = run(capsys, "buidl", "x")
    assert code == 2
    assert "'buidl' is not a wiw command. Did you mean 'build'?" in printed
    assert "destroy" in printed


def test_a_bad_choice_names_the_argument(capsys: pytest.CaptureFixture[str]) -> None:
    """'wiw export k8s IMAGE' says which choices there are."""
    code, _, printed = run(capsys, "export", "k8s", "wiw/x:1")
    assert code == 2
    assert "kind" in printed
    assert "'z2jh'" in printed


def test_a_missing_folder_is_called_a_missing_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """'wiw run missing_folder' says the folder is missing (not 'not a valid image')."""
    monkeypatch.chdir(tmp_path)
    for command in ("run", "smoke", "up", "build", "test"):
        code, _, printed = run(capsys, command, "missing_folder")
        assert code == 2, command
        assert printed.startswith("error: Workshop folder not found: missing_folder"), printed
        assert "hint:" in printed
        assert "image reference" in printed or command in ("build", "test")


def test_errors_are_sentences_and_the_type_shows_only_with_debug(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The headline is the error's sentence; --debug adds its type and the traceback."""
    _, _, plain = run(capsys, "build", str(tmp_path / "missing"))
    assert plain.startswith("error: Workshop folder not found")
    assert "WorkshopNotFound" not in plain
    assert "Traceback" not in plain
    _, _, debug = run(capsys, "--debug", "build", str(tmp_path / "missing"))
    assert "wiw.errors.WorkshopNotFound" in debug
    assert "Traceback" in debug


def test_destroy_without_yes_names_the_flag_not_a_parameter(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """'wiw destroy NAME' refuses, asking for --yes and to collect first; no engine is used."""
    code, _, printed = run(capsys, "destroy", "intro")
    assert code == 2
    assert "--yes" in printed
    assert "wiw collect intro" in printed
    assert not PYTHON_SPEAK.search(printed)


def test_engine_missing_is_reported_cleanly(capsys: pytest.CaptureFixture[str]) -> None:
    """Without an engine client, 'wiw prune' says so and what to install, and exits 2."""
    code, _, printed = run(capsys, "prune")
    assert code == 2
    assert "No container engine client" in printed
    assert "hint: Install Docker" in printed


def help_of(*command: str) -> str:
    """What 'wiw COMMAND --help' prints, at a fixed width."""
    done = subprocess.run(
        [sys.executable, "-m", "wiw", *command, "--help"],
        capture_output=True,
        text=True,
        check=True,
        env={"COLUMNS": "100", "PATH": "/usr/bin"},
    )
    return " ".join(done.stdout.split())


def test_help_says_what_each_command_does_and_destroy_what_it_deletes() -> None:
    """Every command has a description; destroy's says it deletes learners' files."""
    assert "DELETE EVERY LEARNER'S FILES" in help_of("destroy")
    assert "Never removes volumes" in help_of("prune")
    top = help_of()
    for command in ("build", "run", "test", "up", "down", "collect", "destroy", "prune"):
        assert command in top
    assert "``" not in top  # no raw reST


def test_help_shows_defaults() -> None:
    """Options with defaults say them in help."""
    text = help_of("up")
    assert "(default: 30)" in text  # --max-learners
    assert "(default: 3600)" in text  # --cull-after


def test_python_dash_m_wiw_runs() -> None:
    """'python -m wiw --version' works."""
    result = subprocess.run(
        [sys.executable, "-m", "wiw", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.startswith("wiw ")


# The command table: each command declared once, the parser made from it.


def subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The parser's commands by name, in the order its help lists them."""
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_the_parser_has_exactly_the_tables_commands() -> None:
    """Every command once, in the table's order, with its description and its arguments."""
    names = [command.name for command in cli_main.COMMANDS]
    assert len(set(names)) == len(names)
    made = subcommands(cli_main.parser())
    assert list(made) == names
    assert names[:4] == ["init", "build", "run", "smoke"]
    assert names[-2:] == ["push", "export"]
    common = [option.name for option in cli_main.OPTIONS]
    for command in cli_main.COMMANDS:
        parser = made[command.name]
        assert parser.description == command.description
        declared = [a.name for a in command.arguments]
        shown = [
            a
            for a in parser._actions
            if not isinstance(a, argparse._HelpAction) and a.help != argparse.SUPPRESS
        ]
        names = [a.option_strings[0] if a.option_strings else a.dest for a in shown]
        assert names == [*declared, *common]  # --debug and --events after the command too
        assert parser.allow_abbrev is False


def test_an_argument_passes_only_what_it_sets() -> None:
    """Unset fields are left to argparse: a switch is False, an option None, a default kept."""
    parser = CommandParser(prog="tool")
    for argument in (
        Argument("--dry-run", "only say", action="store_true"),
        Argument("--host", "a name"),
        Argument("--keep", "how many", type=int, default=1),
        Argument("kind", "what", choices=("z2jh",), nargs="?"),
    ):
        argument.add_to(parser)
    assert vars(parser.parse_args([])) == {
        "dry_run": False,
        "host": None,
        "keep": 1,
        "kind": None,
    }
    assert parser.parse_args(["z2jh", "--keep", "3"]).keep == 3


def test_main_runs_the_handler_with_the_output_events_asked_for(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The handler gets the arguments and an Output; its status is the exit status."""
    given: list[Output] = []

    def hello(args: argparse.Namespace, output: Output) -> int:
        given.append(output)
        output.emit("ready", url=args.url)
        output.out.print("hello")
        return 3

    where = Argument("url", "where to say it")
    table = (Command("hello", "Say hello.", "Say hello to a URL.", hello, (where,)),)
    monkeypatch.setattr(cli_main, "COMMANDS", table)
    assert cli_main.main(["hello", "http://x/"]) == 3
    assert given[-1].events is None
    assert capsys.readouterr().out == "hello\n"
    assert cli_main.main(["--events", "hello", "http://x/"]) == 3
    assert given[-1].out is given[-1].err
    captured = capsys.readouterr()
    assert [json.loads(line)["url"] for line in captured.out.splitlines()] == ["http://x/"]
    assert captured.err == "hello\n"


def test_an_error_in_a_handler_is_reported_and_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A WiwError becomes 'error:' and 'hint:' (and a failed event); Ctrl-C exits 130."""

    def fail(args: argparse.Namespace, output: Output) -> int:
        raise errors.InvalidOption("No good.", hint="Try again.")

    def stop(args: argparse.Namespace, output: Output) -> int:
        raise KeyboardInterrupt

    table = (Command("fail", "Fail.", "Fail.", fail), Command("stop", "Stop.", "Stop.", stop))
    monkeypatch.setattr(cli_main, "COMMANDS", table)
    assert cli_main.main(["--events", "fail"]) == 2
    captured = capsys.readouterr()
    assert json.loads(captured.out)["error"] == "InvalidOption"
    assert captured.err == "error: No good.\nhint: Try again.\n"
    assert cli_main.main(["stop"]) == 130


def test_the_output_without_events_emits_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    """Without --events, events go nowhere and builds show their own progress."""
    output = Output()
    output.emit("ready", url="http://x/")
    output.build_progress(BuildProgress("Step 1/2 : FROM x", 1, 2, 0, "FROM x"))
    assert output.out is not output.err
    assert output.show_progress is None
    assert capsys.readouterr().out == ""


def test_the_output_with_events_sends_build_steps(capsys: pytest.CaptureFixture[str]) -> None:
    """With --events, each build step is a 'building' event and other lines are not."""
    output = Output(events=True)
    assert output.show_progress is False
    output.build_progress(BuildProgress("Step 1/2 : FROM x", 1, 2, 0, "FROM x"))
    output.build_progress(BuildProgress("#5 [2/2] RUN y", 2, 2, 0, "RUN y"))
    output.build_progress(BuildProgress(" ---> abc123", 2, 2, 0, "RUN y"))
    sent = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(e["event"], e["step"], e["total"], e["description"]) for e in sent] == [
        ("building", 1, 2, "FROM x"),
        ("building", 2, 2, "RUN y"),
    ]


def test_an_old_spelling_stores_the_value_and_warns_on_stderr(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--old VALUE sets what --new would, with one warning line naming both; --new is silent.

    The line is not wrapped, however long, so that it reads as one in a log.
    """
    parser = CommandParser(prog="tool")
    Argument("--new", "the file", metavar="FILE", renamed_from=("--old", "--older")).add_to(parser)
    assert parser.parse_args(["--old", "a.png"]).new == "a.png"
    assert capsys.readouterr().err == (
        "warning: --old is deprecated and will be removed in a later release; use --new.\n"
    )
    long = CommandParser(prog="tool")
    new, old = "--a-new-name-for-the-output-file", "--the-old-name-of-the-output-file"
    Argument(new, "the file", renamed_from=(old,)).add_to(long)
    long.parse_args([old, "x"])
    assert capsys.readouterr().err == (
        f"warning: {old} is deprecated and will be removed in a later release; use {new}.\n"
    )
    assert parser.parse_args(["--older", "b [red]x[/]"]).new == "b [red]x[/]"
    assert parser.parse_args(["--new", "c"]).new == "c"
    assert capsys.readouterr().err.count("--older is deprecated") == 1
    assert "--old" not in parser.format_help()  # hidden
    assert "the file" in parser.format_help()


def test_an_old_spelling_keeps_the_type_and_choices_of_the_new() -> None:
    """The old spelling checks its value as the new one does."""
    parser = CommandParser(prog="tool")
    Argument("--size", "n", type=int, renamed_from=("--n",)).add_to(parser)
    assert parser.parse_args(["--n", "7"]).size == 7
    picky = CommandParser(prog="tool")
    Argument("--kind", "k", choices=("a", "b"), renamed_from=("--sort",)).add_to(picky)
    assert picky.parse_args(["--sort", "b"]).kind == "b"
    with pytest.raises(SystemExit):
        picky.parse_args(["--sort", "c"])


def test_a_switch_cannot_be_renamed() -> None:
    """Only an option that takes a value gets an old spelling."""
    switch = Argument("--fast", "go", action="store_true", renamed_from=("--quick",))
    with pytest.raises(TypeError, match="--fast: only an option that takes a value is renamed"):
        switch.add_to(CommandParser(prog="tool"))


def test_an_argument_is_named_by_its_option_or_metavar() -> None:
    """Its attribute drops the dashes, '-' becomes '_'; messages use the option or the metavar."""
    option = Argument("--tls-cert", "x", metavar="FILE")
    assert (option.dest, option.shown) == ("tls_cert", "--tls-cert")
    positional = Argument("workshop-dir", "x", metavar="WORKSHOP")
    assert (positional.dest, positional.shown) == ("workshop_dir", "WORKSHOP")
    assert Argument("folder", "x").shown == "folder"


def test_file_checks_replace_values_and_stop_at_the_first_refusal() -> None:
    """Each check's result replaces its value; an unset value is not checked; a refusal is said."""
    seen: list[str] = []

    def upper(value: str) -> str:
        seen.append(value)
        return value.upper()

    def refuse(value: str) -> str:
        raise argparse.ArgumentTypeError(f"must exist ({value} does not)")

    def handler(args: argparse.Namespace, output: Output) -> int:
        return 0

    arguments = (
        Argument("--a", "x", check=upper),
        Argument("--b", "x", check=upper),
        Argument("--plain", "x"),
        Argument("target", "x", metavar="FILE", check=refuse),
        Argument("--c", "x", check=upper),
    )
    command = Command("go", "Go.", "Go.", handler, arguments)
    args = argparse.Namespace(a="one", b=None, plain="p", target="t.txt", c="three")
    assert command.check_files(args) == "FILE must exist (t.txt does not)"
    assert (args.a, args.b, args.plain, args.c, seen) == ("ONE", None, "p", "three", ["one"])
    fine = argparse.Namespace(a="x", b="y", plain=None, target=None, c="z")
    assert command.check_files(fine) is None
    assert (fine.a, fine.b, fine.c) == ("X", "Y", "Z")
    assert command.check_files(argparse.Namespace()) is None  # none of them parsed


def test_a_command_is_added_with_its_help_checks_and_common_options() -> None:
    """Its help and description, no abbreviations, its checks; common options unset by default."""

    def handler(args: argparse.Namespace, output: Output) -> int:
        return 0

    def check(args: argparse.Namespace) -> None:
        return None

    parser = CommandParser(prog="tool")
    commands = parser.add_subparsers(dest="command")
    debug = Argument("--debug", "tracebacks", action="store_true")
    Command("go", "Go now.", "Go, at once.", handler, (Argument("--far", "x"),), (check,)).add_to(
        commands, (debug,)
    )
    Command("stay", "Stay.", "Stay here.", handler).add_to(commands)
    sub = commands.choices["go"]
    assert (sub.description, sub.allow_abbrev, sub.checks) == ("Go, at once.", False, (check,))
    assert "Go now." in parser.format_help()
    assert [g.title for g in sub._action_groups][-1] == "global options"
    assert "--debug" in sub.format_help()
    assert "debug" not in vars(parser.parse_args(["go"]))
    assert parser.parse_args(["go", "--debug", "--far", "x"]).debug is True
    assert "--debug" not in commands.choices["stay"].format_help()


def test_a_warning_prints_its_message_as_written_after_a_coloured_label() -> None:
    """'warning:' and the message on one line; brackets in the message are not markup."""
    output = Output()
    output.err = Console(file=io.StringIO(), force_terminal=True, color_system="standard",
                         highlight=False, width=200)  # fmt: skip
    output.warn("[bold]lesson 2[/] is 90% done")
    written = output.err.file.getvalue()  # type: ignore[attr-defined]
    assert written == "\x1b[33mwarning:\x1b[0m [bold]lesson 2[/] is 90% done\n"
