"""The ``wiw`` command line's parser: every flag, its range, its help, checked before any work.

Values are checked here, by argparse types, so that a mistake is reported in
the user's words (the flag they typed, what it accepts) before the engine is
contacted.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import ipaddress
import re
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from rich.console import Console
from rich_argparse import ArgumentDefaultsRichHelpFormatter

from wiw.planning import MIN_LEARNER_MEMORY, format_bytes, memory_bytes

__all__ = [
    "CommandParser",
    "count",
    "email",
    "host_name",
    "k8s_name",
    "memory",
    "port",
    "seconds",
    "suggest",
]

MAX_PORT = 65535


def count(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"must be a whole number from {low} to {high}, not {text!r}"
            )
        return value

    parse.__name__ = "number"
    return parse


def decimal(low: float, high: float) -> Callable[[str], float]:
    """An argparse type: a number from ``low`` to ``high``."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = low - 1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"must be a number from {low:g} to {high:g}, not {text!r}"
            )
        return value

    parse.__name__ = "number"
    return parse


def seconds(text: str) -> float:
    """An argparse type: a positive number of seconds, under a day."""
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 < value < 24 * 3600:
        raise argparse.ArgumentTypeError(
            f"must be a positive number of seconds under a day (86400), not {text!r}"
        )
    return value


def port(text: str) -> int:
    """An argparse type: a TCP port."""
    return count(1, MAX_PORT)(text)


def memory(text: str) -> str:
    """An argparse type: a memory size such as ``512m`` or ``2g``, at least 64m."""
    try:
        size = memory_bytes(text)
    except ValueError:
        size = -1
    if size < MIN_LEARNER_MEMORY:
        raise argparse.ArgumentTypeError(
            f"must be a size such as 512m or 2g, at least {format_bytes(MIN_LEARNER_MEMORY)}, "
            f"not {text!r}"
        )
    return text


_K8S_NAME = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_DNS_NAME = re.compile(rf"(?=.{{1,253}}\Z){_LABEL}(?:\.{_LABEL})*")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def k8s_name(text: str) -> str:
    """An argparse type: a Kubernetes name (a namespace, a secret), as a DNS label."""
    if not _K8S_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(
            "must be a Kubernetes name: up to 63 lowercase letters, digits and '-', "
            f"starting and ending with a letter or digit, not {text!r}"
        )
    return text


def host_name(text: str) -> str:
    """An argparse type: a DNS name or an IP address, without scheme, port or path."""
    with contextlib.suppress(ValueError):
        return str(ipaddress.ip_address(text.removeprefix("[").removesuffix("]")))
    if not _DNS_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"must be a DNS name or an IP address (no http://, port or path), not {text!r}"
        )
    return text


def email(text: str) -> str:
    """An argparse type: an e-mail address."""
    if not _EMAIL.fullmatch(text):
        raise argparse.ArgumentTypeError(f"must be an e-mail address, not {text!r}")
    return text


def suggest(word: str, choices: Sequence[str]) -> str:
    """`` Did you mean 'build'?`` for a mistyped ``word``, or nothing."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" Did you mean {close[0]!r}?" if close else ""


class _HelpFormatter(ArgumentDefaultsRichHelpFormatter):
    """Rich help that shows defaults, except the obvious ones (off switches, none)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default in (None, False) or isinstance(action.default, bool):
            return action.help
        return super()._get_help_string(action)


class CommandParser(argparse.ArgumentParser):
    """An argument parser whose errors are sentences naming the flag, printed with rich."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)

    def _check_value(self, action: argparse.Action, value: Any) -> None:
        """Refuse a value outside ``choices``: a mistyped command gets "did you mean"."""
        if action.choices is None or value in action.choices:
            return
        known = [str(c) for c in action.choices]
        if isinstance(action, argparse._SubParsersAction):
            message = (
                f"{value!r} is not a wiw command.{suggest(str(value), known)} "
                f"The commands are: {', '.join(sorted(known))}."
            )
        else:
            name = action.option_strings[-1] if action.option_strings else action.dest
            quoted = ", ".join(repr(c) for c in known)
            message = f"{name} must be one of {quoted}, not {value!r}.{suggest(str(value), known)}"
        raise argparse.ArgumentError(None, message)

    def error(self, message: str) -> NoReturn:
        """Say what is wrong, in the user's words, and exit with status 2."""
        # argparse says "argument --max-learners: must be ..."; say "--max-learners must be ...".
        if message.startswith("argument "):
            flag, _, rest = message.removeprefix("argument ").partition(": ")
            flag = flag.split("/")[-1]
            message = f"{flag} {rest}" if rest.startswith("must") else f"{flag}: {rest}"
        console = Console(stderr=True, highlight=False, soft_wrap=True)
        console.print("[bold red]error:[/] ", end="", markup=True)
        console.print(message, markup=False)
        console.print(f"hint: see '{self.prog} --help'.", markup=False)
        sys.exit(2)
