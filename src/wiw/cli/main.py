"""The wiw command: build, test, serve and share Jupyter workshops."""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Sequence

from rich.console import Console

from wiw import errors
from wiw._version import __version__
from wiw.cli.args import CommandParser, print_refusal
from wiw.cli.build_commands import BUILD_COMMANDS
from wiw.cli.class_commands import CLASS_COMMANDS
from wiw.cli.deploy_commands import DEPLOY_COMMANDS
from wiw.cli.init_command import INIT_COMMAND
from wiw.cli.output import Output
from wiw.cli.table import Argument, Command
from wiw.cli.watch_commands import WATCH_COMMANDS
from wiw.engine.protocol import ContainerEngine
from wiw.errors import FileAccessError

__all__ = [
    "COMMANDS",
    "EXIT_STATUS",
    "OPTIONS",
    "main",
    "parser",
    "report_error",
]

#: Every command, in the order ``wiw --help`` lists them.
COMMANDS: tuple[Command, ...] = (
    INIT_COMMAND,
    *BUILD_COMMANDS,
    *CLASS_COMMANDS,
    *WATCH_COMMANDS,
    *DEPLOY_COMMANDS,
)
#: Options of wiw itself, given before the command or after it.
OPTIONS = (
    Argument("--events", "write progress as JSON lines on stdout", action="store_true"),
    Argument(
        "--debug", "on errors, also show the error's type and traceback", action="store_true"
    ),
)
#: What the exit status says, as ``wiw --help`` ends.
EXIT_STATUS = (
    "Exit status: 0 done; 1 when the command ran and found a problem it reports (wiw test: a "
    "lesson fails or, with --compare-outputs, an output changed; wiw smoke: a lesson is "
    "missing; wiw doctor: a blocker; wiw update: a learner did not get the lessons); 2 when "
    "the command line is wrong or wiw stopped with an error; 130 after Ctrl-C."
)


def parser() -> CommandParser:
    """The ``wiw`` parser, made from the command table."""
    made = CommandParser(prog="wiw", description=__doc__, epilog=EXIT_STATUS)
    made.add_argument("--version", action="version", version=f"wiw {__version__}")
    for option in OPTIONS:
        option.add_to(made)
    commands = made.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_to(commands, common=OPTIONS)
    return made


def report_error(exc: errors.WiwError, *, debug: bool, err: Console | None = None) -> None:
    """Print an error for people: a sentence, the evidence, and what to do.

    Args:
        exc: The error.
        debug: Also print the error's type and traceback.
        err: Where to print it (standard error by default).
    """
    err = err or Console(stderr=True, highlight=False, soft_wrap=True)
    err.print("[bold red]error:[/] ", end="", markup=True)
    err.print(errors.redact(exc.message), markup=False)
    for line in exc.evidence():
        err.print(line, markup=False)
    if exc.hint:
        err.print(f"hint: {errors.redact(exc.hint)}", markup=False)
    if debug:
        err.print(f"({type(exc).__module__}.{type(exc).__name__})", markup=False)
        err.print(errors.redact("".join(traceback.format_exception(exc))), markup=False)


def _named(command: Command, args: argparse.Namespace, text: str) -> str | None:
    """The option (or argument) whose value is ``text``, or appears in it, if one is."""
    values = ((a.shown, getattr(args, a.dest, None)) for a in command.arguments)
    given = [(flag, value) for flag, value in values if isinstance(value, str) and value]
    exact = next((flag for flag, value in given if value == text), None)
    return exact or next((flag for flag, value in given if value in text), None)


def _last_resort(exc: Exception, command: Command, args: argparse.Namespace) -> errors.WiwError:
    """A sentence for an OSError or a ValueError that no part of wiw turned into one."""
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc) or type(exc).__name__
        name = exc.filename
        if name is None:
            made: errors.WiwError = FileAccessError(f"{reason}.")
        else:
            flag = _named(command, args, str(name))
            what = f"{flag} {name}" if flag and flag.startswith("-") else str(name)
            made = FileAccessError(f"Cannot use {what}: {reason}.")
    else:
        flag = _named(command, args, str(exc))
        where = f" (given with {flag})" if flag else ""
        made = errors.InvalidOption(
            f"wiw {command.name} cannot use a value{where}: {exc}",
            hint="Check the value; if it looks right, run again with --debug and report what "
            "it prints as a bug in wiw.",
        )
    made.__cause__ = exc
    return made


def main(argv: Sequence[str] | None = None, *, engine: ContainerEngine | None = None) -> int:
    """Run the ``wiw`` command line; return its exit status.

    Args:
        argv: The arguments, without the program's name (``sys.argv[1:]`` if omitted).
        engine: The engine every command uses (a fake one in tests); the
            default engine if omitted.

    Returns:
        The exit status (see :data:`EXIT_STATUS`): 2 for a file or folder
        refused before the command ran. A command line the parser refuses
        exits (``SystemExit``) with status 2; ``--help`` and ``--version`` with 0.
    """
    args = parser().parse_args(argv)
    command = next(c for c in COMMANDS if c.name == args.command)
    refused = command.check_files(args)
    if refused:
        print_refusal(f"wiw {command.name}", refused)
        return 2
    output = Output(events=args.events, engine=engine)
    try:
        return command.handler(args, output)
    except errors.WiwError as exc:
        return _failed(exc, args, output)
    except (OSError, ValueError) as exc:  # a last resort: never a traceback for a mistake
        return _failed(_last_resort(exc, command, args), args, output)
    except KeyboardInterrupt:
        return 130


def _failed(exc: errors.WiwError, args: argparse.Namespace, output: Output) -> int:
    """Report an error (and its ``failed`` event); return the exit status 2."""
    if output.events is not None:
        output.events.failed(exc)
    report_error(exc, debug=args.debug, err=output.err)
    return 2


if __name__ == "__main__":
    sys.exit(main())
