"""The command table's shapes: a command and its arguments as data, added to a parser.

Each command is declared once, as a :class:`Command`: its name, the help
texts, the function that runs it, its arguments (each an :class:`Argument`,
with the argparse type of :mod:`wiw.cli.args` that checks its value) and the
checks of its arguments together. ``wiw.cli.main`` makes the parser from
the table.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeAlias

from rich.console import Console

from wiw.cli.args import Check, CommandParser
from wiw.cli.output import Output

__all__ = ["Argument", "Command", "Handler"]

if TYPE_CHECKING:
    Subcommands: TypeAlias = argparse._SubParsersAction[CommandParser]

#: What runs a command: the parsed arguments and the output in, the exit status out.
Handler = Callable[[argparse.Namespace, Output], int]
ValueCheck = Callable[[str], Any]  # an argparse type: the value, checked, or ArgumentTypeError
ActionKind = str | type[argparse.Action]


class _Renamed(argparse.Action):
    """An option's old spelling: it stores its value as the new one does, with a warning."""

    def __init__(self, option_strings: Sequence[str], dest: str, *, new: str, **kwargs: Any):
        super().__init__(option_strings, dest, **kwargs)
        self.new = new

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        err = Console(stderr=True, highlight=False, soft_wrap=True)
        err.print("[yellow]warning:[/] ", end="", markup=True)
        err.print(
            f"{option_string} is deprecated and will be removed in a later release; "
            f"use {self.new}.",
            markup=False,
        )
        setattr(namespace, self.dest, values)


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
        metavar: What stands for the value in the help and in messages.
        choices: The values it accepts.
        check: A check of the value against the file system (a file to read
            exists, a file to write has a folder), run after parsing and
            before the command (see :meth:`Command.check_files`); what it
            returns replaces the value.
        renamed_from: Old spellings of an option that takes a value: they still
            work, with a warning that they will go.
    """

    name: str
    help: str
    type: ValueCheck | None = None
    default: Any = None
    action: ActionKind | None = None
    nargs: str | None = None
    metavar: str | None = None
    choices: tuple[str, ...] | None = None
    check: ValueCheck | None = None
    renamed_from: tuple[str, ...] = ()

    @property
    def dest(self) -> str:
        """The attribute of the parsed arguments that holds its value."""
        return self.name.lstrip("-").replace("-", "_")

    @property
    def shown(self) -> str:
        """How messages name it: the option, or a positional argument's metavar."""
        return self.name if self.name.startswith("-") else (self.metavar or self.name)

    def add_to(self, parser: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
        """Add this argument (and its old spellings, hidden) to ``parser``."""
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
        for old in self.renamed_from:
            if self.action is not None:
                raise TypeError(f"{self.name}: only an option that takes a value is renamed")
            parser.add_argument(
                old,
                help=argparse.SUPPRESS,
                dest=self.dest,
                action=_Renamed,
                new=self.name,
                **{k: v for k, v in given.items() if k in ("type", "metavar", "choices")},
            )


@dataclass(frozen=True)
class Command:
    """One ``wiw`` command.

    Attributes:
        name: What is typed: ``wiw NAME``.
        help: One line, in the list of commands of ``wiw --help``.
        description: What ``wiw NAME --help`` says first.
        handler: The function that runs it.
        arguments: Its arguments, in the order its help lists them.
        checks: Checks of its parsed arguments together (see
            :data:`wiw.cli.args.Check`), run before the handler.
    """

    name: str
    help: str
    description: str
    handler: Handler
    arguments: tuple[Argument, ...] = ()
    checks: tuple[Check, ...] = ()

    def check_files(self, args: argparse.Namespace) -> str | None:
        """Check the files and folders given, in place; say what is wrong, if anything.

        Each argument's ``check`` runs on its value, if given, and its result
        replaces the value.

        Returns:
            None, or the first refusal: the argument's name, then what it
            must be (and a hint; see :func:`wiw.cli.args.refuse`).
        """
        for argument in self.arguments:
            value = getattr(args, argument.dest, None)
            if argument.check is None or value is None:
                continue
            try:
                setattr(args, argument.dest, argument.check(value))
            except argparse.ArgumentTypeError as exc:
                return f"{argument.shown} {exc}"
        return None

    def add_to(self, commands: Subcommands, common: Sequence[Argument] = ()) -> None:
        """Add this command, with its arguments, to the parser's subcommands.

        Args:
            commands: The parser's subcommands.
            common: Options every command takes too (``--debug``), as
                ``wiw --debug NAME`` does; left unset unless given after NAME.
        """
        parser = commands.add_parser(
            self.name,
            help=self.help,
            description=self.description,
            allow_abbrev=False,
            checks=self.checks,
        )
        for argument in self.arguments:
            argument.add_to(parser)
        if common:
            group = parser.add_argument_group("global options")
            for option in common:
                replace(option, default=argparse.SUPPRESS).add_to(group)
