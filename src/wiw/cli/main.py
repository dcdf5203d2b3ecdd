"""The wiw command: build, test, serve and share Jupyter workshops."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Sequence

from rich.console import Console

from wiw import errors
from wiw._version import __version__
from wiw.cli.args import CommandParser
from wiw.cli.build_commands import BUILD_COMMANDS
from wiw.cli.class_commands import CLASS_COMMANDS
from wiw.cli.deploy_commands import DEPLOY_COMMANDS
from wiw.cli.output import Output
from wiw.cli.table import Argument, Command

__all__ = ["COMMANDS", "main", "parser", "report_error"]

#: Every command, in the order ``wiw --help`` lists them.
COMMANDS: tuple[Command, ...] = (*BUILD_COMMANDS, *CLASS_COMMANDS, *DEPLOY_COMMANDS)
OPTIONS = (
    Argument("--events", "write progress as JSON lines on stdout", action="store_true"),
    Argument(
        "--debug", "on errors, also show the error's type and traceback", action="store_true"
    ),
)


def parser() -> CommandParser:
    """The ``wiw`` parser, made from the command table."""
    made = CommandParser(prog="wiw", description=__doc__)
    made.add_argument("--version", action="version", version=f"wiw {__version__}")
    for option in OPTIONS:
        option.add_to(made)
    commands = made.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        command.add_to(commands)
    return made


def report_error(exc: errors.WiwError, *, debug: bool, err: Console | None = None) -> None:
    """Print an error for people: a sentence, the evidence, and what to do.

    Args:
        exc: The error.
        debug: Also print the error's type and traceback.
        err: Where to print it (standard error by default).
    """
    err = err or Console(stderr=True, highlight=False, soft_wrap=True)
    err.print(f"[bold red]error:[/] {errors.redact(exc.message)}", markup=True)
    for line in exc.evidence():
        err.print(line, markup=False)
    if exc.hint:
        err.print(f"hint: {errors.redact(exc.hint)}", markup=False)
    if debug:
        err.print(f"({type(exc).__module__}.{type(exc).__name__})", markup=False)
        err.print(errors.redact("".join(traceback.format_exception(exc))), markup=False)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``wiw`` command line; return its exit status."""
    args = parser().parse_args(argv)
    handler = next(c.handler for c in COMMANDS if c.name == args.command)
    output = Output(events=args.events)
    try:
        return handler(args, output)
    except errors.WiwError as exc:
        if output.events is not None:
            output.events.failed(exc)
        report_error(exc, debug=args.debug, err=output.err)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
