"""The command table's shapes: a command and its arguments as data, added to a parser.

Each command is declared once, as a :class:`Command`: its name, the help
texts, the function that runs it and its arguments (each an
:class:`Argument`, with the argparse type of :mod:`wiw.cli.args` that checks
its value). ``wiw.cli.main`` makes the parser from the table.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeAlias

from wiw.cli.args import CommandParser
from wiw.cli.output import Output

__all__ = ["Argument", "Command", "Handler"]

if TYPE_CHECKING:
    Subcommands: TypeAlias = argparse._SubParsersAction[CommandParser]

#: What runs a command: the parsed arguments and the output in, the exit status out.
Handler = Callable[[argparse.Namespace, Output], int]
Check = Callable[[str], Any]  # an argparse type: the value, checked, or ArgumentTypeError
ActionKind = str | type[argparse.Action]


@dataclass(frozen=True)
class Argument:
    """One argument of a command: what ``add_argument`` is given, unset fields left out.

    Attributes:
        name: ``--flag`` for an option, a plain word for a positional argument.
        help: What it is, for ``--help``.
        type: The check that turns the text into a value (see :mod:`wiw.cli.args`).
        default: Its value when it is not given.
        action: ``"store_true"`` and the like.
        nargs: ``"?"`` for an optional positional argument.
        metavar: What stands for the value in the help.
        choices: The values it accepts.
    """

    name: str
    help: str
    type: Check | None = None
    default: Any = None
    action: ActionKind | None = None
    nargs: str | None = None
    metavar: str | None = None
    choices: tuple[str, ...] | None = None

    def add_to(self, parser: argparse.ArgumentParser) -> None:
        """Add this argument to ``parser``."""
        settings = {
            "type": self.type,
            "default": self.default,
            "action": self.action,
            "nargs": self.nargs,
            "metavar": self.metavar,
            "choices": self.choices,
        }
        given = {key: value for key, value in settings.items() if value is not None}
        parser.add_argument(self.name, help=self.help, **given)


@dataclass(frozen=True)
class Command:
    """One ``wiw`` command.

    Attributes:
        name: What is typed: ``wiw NAME``.
        help: One line, in the list of commands of ``wiw --help``.
        description: What ``wiw NAME --help`` says first.
        handler: The function that runs it.
        arguments: Its arguments, in the order its help lists them.
        abbreviations: Whether a long option may be shortened (``--max`` for
            ``--max-learners``); off where a secret could be read as a file name.
    """

    name: str
    help: str
    description: str
    handler: Handler
    arguments: tuple[Argument, ...] = ()
    abbreviations: bool = True

    def add_to(self, commands: Subcommands) -> None:
        """Add this command, with its arguments, to the parser's subcommands."""
        parser = commands.add_parser(
            self.name,
            help=self.help,
            description=self.description,
            allow_abbrev=self.abbreviations,
        )
        for argument in self.arguments:
            argument.add_to(parser)
