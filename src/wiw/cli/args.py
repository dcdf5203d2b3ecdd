"""The ``wiw`` command line's parser: every flag, its range, its help, checked before any work.

Values are checked here so that a mistake is reported in the user's words
(the flag they typed, what it accepts, what to do) before the engine is
contacted. The argparse types check a value's form while parsing: numbers
against their range, URLs, host names, image references. The checks of
files and folders (a file to read exists, a file to write has a folder;
:func:`readable_file`, :func:`output_file`, :func:`new_folder`,
:func:`lessons_report`) run right after parsing, before the command: what
a command line means does not depend on the files of the machine it is
read on. A refusal may carry its own hint (:func:`refuse`);
:func:`print_refusal` prints it as :class:`CommandParser` does, which also
refuses options it does not know with the command's usage and the option
meant.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import functools
import ipaddress
import json
import os
import re
import shlex
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from rich.console import Console
from rich_argparse import ArgumentDefaultsRichHelpFormatter

from wiw import errors
from wiw.build.workshop import check_python
from wiw.engine.labels import parse_ref
from wiw.lessons.internet import internet_uses
from wiw.planning import MIN_LEARNER_MEMORY, format_bytes, memory_bytes

__all__ = [
    "CommandParser",
    "LessonsReport",
    "count",
    "email",
    "host_name",
    "http_url",
    "image_ref",
    "k8s_name",
    "lessons_report",
    "memory",
    "new_folder",
    "or_empty",
    "output_file",
    "port",
    "print_refusal",
    "qr_text",
    "readable_file",
    "refuse",
    "seconds",
    "suggest",
    "version_tag",
    "workshop_text",
]

MAX_PORT = 65535
#: Between a refusal's rule and its hint, in an ArgumentTypeError's text.
HINT = "\nhint: "


def refuse(rule: str, hint: str = "") -> NoReturn:
    """Refuse an argument's value, from an argparse type.

    Args:
        rule: What the value must be, from "must": ``must be a file, not the folder 'x'``;
            the parser prints it after the flag's name.
        hint: What to do, printed on the ``hint:`` line (else a pointer to ``--help``).

    Raises:
        argparse.ArgumentTypeError: Always; :class:`CommandParser` prints it.
    """
    raise argparse.ArgumentTypeError(rule + (HINT + hint if hint else ""))


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
    if "://" in text:
        name = None
        with contextlib.suppress(ValueError):
            name = urlsplit(text).hostname
        refuse(
            f"must be a DNS name or an IP address without http://, not {text!r}",
            f"Give the name alone, e.g. {name or 'workshop.example.org'}; the port goes in "
            "--port.",
        )
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


def http_url(text: str) -> str:
    """An argparse type: an ``http://`` or ``https://`` URL with a host."""
    try:
        parts = urlsplit(text)
        host = parts.hostname
    except ValueError:  # e.g. "http://[x"
        host = None
    if host is None or parts.scheme not in ("http", "https") or any(c.isspace() for c in text):
        refuse(
            f"must be a URL that starts with http:// or https://, not {text!r}",
            "Give the whole URL, e.g. https://workshop.example.org/.",
        )
    return text


MAX_QR_TEXT = 2000  # as wiw.qr makes codes: well under a QR code's capacity
_SHOWN = 80  # a longer value is shown by its start and its length


def qr_text(text: str) -> str:
    """An argparse type: what a QR code can encode: 1 to 2000 characters, no spaces."""
    if not text or len(text) > MAX_QR_TEXT or any(c.isspace() for c in text):
        shown = repr(text) if len(text) <= _SHOWN else f"{text[:60]!r}... ({len(text)} characters)"
        refuse(f"must be a URL of 1 to {MAX_QR_TEXT} characters without spaces, not {shown}")
    return text


def or_empty(check: Callable[[str], str]) -> Callable[[str], str]:
    """An argparse type: what ``check`` accepts, or ``''`` (which forgets a remembered value)."""

    @functools.wraps(check)
    def parse(text: str) -> str:
        return text if text == "" else check(text)

    return parse


def image_ref(text: str) -> str:
    """An argparse type: an image reference such as ``wiw/intro:latest``, or an image id."""
    if text.startswith("sha256:") and re.fullmatch(r"sha256:[0-9a-f]{12,64}", text):
        return text
    try:
        parse_ref(text)
    except errors.InvalidName:
        refuse(f"must be an image reference such as wiw/intro:2026-11, not {text!r}",
               errors.InvalidName.hint)  # fmt: skip
    return text


def python_version(text: str) -> str:
    """An argparse type: a Python version as ``X.Y``, e.g. ``3.12``."""
    try:
        return check_python(text)
    except errors.InvalidOption:
        refuse(f"must be a Python version such as 3.12, not {text!r}",
               "Give the major and minor version only.")  # fmt: skip


_TAG = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")


def version_tag(text: str) -> str:
    """An argparse type: an explicit image tag, not ``latest``."""
    if not _TAG.fullmatch(text) or text == "latest":
        refuse(
            "must be an explicit version tag (letters, digits, '.', '_', '-'; not 'latest'), "
            f"not {text!r}",
            "Use a date or a version, e.g. 2026-11-25.",
        )
    return text


def workshop_text(text: str) -> str:
    """An argparse type: a workshop folder, git URL, image or name: not empty."""
    if not text.strip():
        refuse(
            f"must be a workshop folder, or a workshop's name, not {text!r}",
            "Give the folder that holds the lessons, e.g. '.' for the current one.",
        )
    return text


def _path_check(check: Callable[[str], Any]) -> Callable[[str], Any]:
    """Turn what the system says of an unusable path (too long, a NUL in it) into a refusal."""

    @functools.wraps(check)
    def parse(text: str) -> Any:
        if not text:
            refuse("must be a file's path, not ''", "Give the path of a file.")
        try:
            return check(text)
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            refuse(f"must be a usable path; {text!r} is not: {reason}")

    return parse


def _shown(path: Path) -> str:
    return repr(str(path))


@_path_check
def readable_file(text: str) -> str:
    """An argparse type: a file that exists and can be read (it is not opened here)."""
    path = Path(text)
    if path.is_dir():
        refuse(
            f"must be a file, not the folder {text!r}",
            "Give the path of a file in it, not the folder itself.",
        )
    if not path.exists():
        refuse(
            f"must be an existing file; {text!r} does not exist",
            f"Check the name (a relative path starts from {os.getcwd()}).",
        )
    if not os.access(path, os.R_OK):
        refuse(
            f"must be a file you can read; {text!r} cannot be read",
            f"Check its permissions (ls -l {shlex.quote(text)}).",
        )
    return text


def _writable_folder(folder: Path, what: str) -> None:
    """Refuse unless ``folder`` exists, is a folder and can be written in."""
    if not folder.exists():
        refuse(
            f"must be {what} in an existing folder; {_shown(folder)} does not exist",
            f"Create it first (mkdir -p {shlex.quote(str(folder))}), or give another path.",
        )
    if not folder.is_dir():
        refuse(f"must be {what} in a folder; {_shown(folder)} is not a folder",
               "Give a path inside a folder.")  # fmt: skip
    if not os.access(folder, os.W_OK | os.X_OK):
        refuse(f"must be {what} in a folder you can write; {_shown(folder)} is not",
               "Give a path in a folder of yours.")  # fmt: skip


@_path_check
def output_file(text: str) -> str:
    """An argparse type: a file to write, in a folder that exists; not a folder itself.

    Folders are never created: a mistyped folder is refused, not made.
    """
    path = Path(text)
    if path.is_dir() or text.endswith(("/", os.sep)):
        refuse(
            f"must be a file to write, not the folder {text!r}",
            f"Give a file's name, e.g. {path / 'join.png'}.",
        )
    _writable_folder(path.parent, "a file")
    if path.exists() and not os.access(path, os.W_OK):
        refuse(f"must be a file you can write; {text!r} is read-only",
               "Give another file, or make it writable.")  # fmt: skip
    return text


@_path_check
def new_folder(text: str) -> str:
    """An argparse type: a folder to write into; it may be new, but its parent must exist."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        refuse(f"must be a folder, not the file {text!r}", "Give a new folder's name.")
    if not path.exists():
        _writable_folder(path.parent, "a folder")
    return text


@dataclass(frozen=True)
class LessonsReport:
    """A lesson report read from a file ('wiw test --json FILE').

    Attributes:
        path: The file.
        lesson_peak: The largest memory one lesson's kernel used, in bytes, if measured.
        internet: ``(lesson, cell, hosts)`` for each cell that reached for the network.
    """

    path: str
    lesson_peak: int | None
    internet: tuple[tuple[str, int, list[str]], ...] = ()


_REPORT = "must be a lesson report ('wiw test --json FILE' writes one)"
_REPORT_HINT = "Write one with 'wiw test WORKSHOP --json report.json', and give that file."


@_path_check
def lessons_report(text: str) -> LessonsReport:
    """An argparse type: a file holding a lesson report, read and checked."""
    readable_file(text)
    try:
        data = json.loads(Path(text).read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        refuse(f"{_REPORT}; {text!r} is not text", _REPORT_HINT)
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}: {exc.msg}"
        refuse(f"{_REPORT}; {text!r} is not JSON ({where})", _REPORT_HINT)
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        refuse(f"{_REPORT}; {text!r} holds no lesson results", _REPORT_HINT)
    peak = data.get("lesson_peak") or data.get("peak_memory")
    if peak is not None and (isinstance(peak, bool) or not isinstance(peak, int) or peak < 0):
        refuse(f"{_REPORT}; the peak memory in {text!r} is not a number of bytes", _REPORT_HINT)
    return LessonsReport(text, peak, tuple(internet_uses(data)))


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


#: A check of a command's parsed arguments together (options that go in pairs, or
#: exclude each other): it refuses with :func:`refuse`, as a value's type does.
Check = Callable[[argparse.Namespace], None]


class CommandParser(argparse.ArgumentParser):
    """An argument parser whose errors are sentences naming the flag, printed with rich.

    Long options are never abbreviated (``--no-cach`` is not taken for
    ``--no-cache``): an option the parser does not know is refused with the
    command's usage and the option meant. After parsing, ``checks`` look at
    the arguments together.

    Args:
        args: What :class:`argparse.ArgumentParser` takes.
        checks: Checks of the parsed arguments together, in order.
        kwargs: What :class:`argparse.ArgumentParser` takes.
    """

    def __init__(self, *args: Any, checks: Sequence[Check] = (), **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)
        self.checks = tuple(checks)

    def parse_known_args(  # type: ignore[override]
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        """Parse ``args``, refuse any this parser does not know, then run the checks."""
        parsed, unknown = super().parse_known_args(args, namespace)
        if unknown:
            self._refuse_unknown(unknown[0])
        for check in self.checks:
            try:
                check(parsed)
            except argparse.ArgumentTypeError as exc:
                self.error(str(exc))
        return parsed, unknown

    def _refuse_unknown(self, word: str) -> NoReturn:
        """Refuse an option (or an argument) this command does not take, with its usage."""
        if word.startswith("-") and len(word) > 1 and not word[1].isdigit():
            flag = word.partition("=")[0]
            known = [o for o in self._option_string_actions if o.startswith("--")]
            self._fail(f"{self.prog} has no option {flag}.{suggest(flag, known)}", usage=True)
        self._fail(f"{self.prog} takes no further argument {word!r}.", usage=True)

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
        self._fail(message, usage=message.startswith("the following arguments are required"))

    def _fail(self, message: str, *, usage: bool = False) -> NoReturn:
        """Print ``error:`` and the message, the usage if asked, and a hint; exit with status 2."""
        print_refusal(self.prog, message, usage=self.format_usage() if usage else "")
        sys.exit(2)


def print_refusal(prog: str, message: str, *, usage: str = "") -> None:
    """Print a refused command line on standard error: ``error:``, the usage if given, a hint.

    Args:
        prog: The command, e.g. ``wiw up``, for the pointer to its ``--help``.
        message: What is wrong, maybe followed by its own hint (see :func:`refuse`).
        usage: The command's usage, to print under the error.
    """
    message, _, hint = message.partition(HINT)
    console = Console(stderr=True, highlight=False, soft_wrap=True)
    console.print("[bold red]error:[/] ", end="", markup=True)
    console.print(message, markup=False)
    if usage:
        console.print(usage.rstrip(), markup=False)
    see = f"see '{prog} --help'."
    console.print(f"hint: {hint} S{see[1:]}" if hint else f"hint: {see}", markup=False)
