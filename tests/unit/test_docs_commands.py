"""Every ``wiw`` command the README and the main guides show is one wiw accepts.

A command line in a shell block (```console, ```bash, ```sh) of README.md,
docs/tutorial.md or docs/day-of-workshop.md must name a wiw command, use only
flags that command has (written in full, not abbreviated), and parse as a
whole. A failure names the file, the line and what is wrong.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import shlex
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from wiw.cli.args import CommandParser
from wiw.cli.init_command import INIT_COMMAND
from wiw.cli.main import parser

ROOT = Path(__file__).parents[2]
DOCS = ("README.md", "docs/tutorial.md", "docs/day-of-workshop.md")
SHELLS = {"console", "bash", "sh", "shell"}
FENCE = re.compile(r"^\s*(?P<fence>`{3,}|~{3,})\s*(?P<lang>[\w-]*)")
ENV_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*=")
COMMENT = re.compile(r"(^|\s)#.*$")
PREFIXES = (["wiw"], ["python", "-m", "wiw"], ["python3", "-m", "wiw"])


@dataclass(frozen=True)
class Shown:
    """One ``wiw`` command line shown in a document.

    Attributes:
        where: ``FILE:LINE``, the line the command starts on.
        text: The line as shown, without its prompt and comment.
        words: The words after ``wiw``.
    """

    where: str
    text: str
    words: list[str]


def shell_lines(text: str) -> Iterator[tuple[int, str]]:
    """Each line of the document's shell blocks, with its number; continued lines joined."""
    fence: str | None = None
    pending: tuple[int, str] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        opened = FENCE.match(line)
        if fence is None:
            if opened and opened["lang"] in SHELLS:
                fence = opened["fence"]
            elif opened:  # another language's block: skip to its end
                fence = "!" + opened["fence"]
            continue
        if line.strip() == fence.lstrip("!"):
            fence = None
            continue
        if fence.startswith("!"):
            continue
        start, before = pending or (number, "")
        joined = before + line.strip()
        if joined.endswith("\\"):
            pending = (start, joined[:-1] + " ")
            continue
        pending = None
        yield start, joined


def commands_in(relative: str, text: str) -> list[Shown]:
    """The ``wiw`` command lines of a document (``$ wiw ...``, or ``wiw ...`` alone)."""
    found = []
    for number, line in shell_lines(text):
        command = COMMENT.sub("", line.removeprefix("$").strip())
        where = f"{relative}:{number}"
        try:
            words = shlex.split(command)
        except ValueError as exc:
            if command.startswith("wiw "):
                found.append(Shown(where, command, [f"<unreadable: {exc}>"]))
            continue
        while words and ENV_ASSIGNMENT.match(words[0]):
            words.pop(0)
        for prefix in PREFIXES:
            if words[: len(prefix)] == prefix:
                found.append(Shown(where, command, words[len(prefix) :]))
                break
    return found


def wiw_parser() -> CommandParser:
    """``wiw``'s parser, with ``init`` in it whether or not the table lists it yet."""
    made = parser()
    commands = subcommands(made)
    if INIT_COMMAND.name not in commands.choices:
        INIT_COMMAND.add_to(commands)
    return made


def subcommands(made: argparse.ArgumentParser) -> argparse._SubParsersAction[CommandParser]:
    """The parser's subcommands action."""
    return next(a for a in made._actions if isinstance(a, argparse._SubParsersAction))


def problems_of(shown: Shown, made: argparse.ArgumentParser) -> list[str]:
    """What is wrong with a shown command: an unknown command or flag, or arguments refused."""
    words = list(shown.words)
    say = f"{shown.where}: '{shown.text}':"
    while words and words[0].startswith("-"):
        if words[0] not in made._option_string_actions:
            return [f"{say} wiw has no option {words[0]}"]
        words.pop(0)
    if not words:
        return []
    name, *rest = words
    commands = subcommands(made).choices
    if name not in commands:
        return [f"{say} wiw has no command '{name}' (it has: {', '.join(sorted(commands))})"]
    found = [f"{say} {problem}" for problem in flag_problems(name, commands[name], rest)]
    if found:
        return found
    refused = parse_error(commands[name], rest)
    return [f"{say} 'wiw {name}' refuses it: {refused}"] if refused else []


def flag_problems(name: str, command: argparse.ArgumentParser, words: list[str]) -> list[str]:
    """The flags among ``words`` that command ``name`` lacks, or hides from its --help."""
    known = command._option_string_actions
    found = []
    for word in words:
        if word == "--":
            break
        flag = word.split("=", 1)[0]
        if not flag.startswith("-") or len(flag) == 1:
            continue
        if flag not in known:
            found.append(f"'wiw {name}' has no flag {flag}")
        elif known[flag].help == argparse.SUPPRESS:
            found.append(f"'wiw {name} --help' does not show {flag} (an old spelling?)")
    return found


def parse_error(command: argparse.ArgumentParser, words: list[str]) -> str | None:
    """What the parser says about ``words``, or None when it accepts them."""
    said = io.StringIO()
    with contextlib.redirect_stderr(said), contextlib.redirect_stdout(io.StringIO()):
        try:
            command.parse_args(words)
        except SystemExit as exit_:
            if exit_.code:
                return " ".join(said.getvalue().split()) or f"exit status {exit_.code}"
    return None


def shown_commands() -> list[Shown]:
    """Every wiw command line shown in the documents checked."""
    return [
        shown
        for relative in DOCS
        for shown in commands_in(relative, (ROOT / relative).read_text(encoding="utf-8"))
    ]


def test_the_check_finds_unknown_commands_and_flags() -> None:
    """The check itself can fail: a made-up command, flag, value and prompt-less line."""
    text = "\n".join(
        [
            "```console",
            "$ wiw bulid my-course",
            "$ wiw qr https://example.org --no-such-flag out.png   # a comment",
            "$ wiw up my-course --max-learners lots",
            "$ WIW_ENGINE=podman wiw status my-course \\",
            "      --verbose",
            "wiw/my-course:latest is output, not a command",
            "```",
            "```python",
            "wiw = 'not a shell line'",
            "```",
            "```bash",
            "wiw doctor --learners 25",
            "```",
        ]
    )
    made = wiw_parser()
    shown = commands_in("doc.md", text)
    assert [s.where for s in shown] == [
        "doc.md:2",
        "doc.md:3",
        "doc.md:4",
        "doc.md:5",
        "doc.md:13",
    ]
    problems = [p for s in shown for p in problems_of(s, made)]
    assert len(problems) == 4, problems
    assert "doc.md:2:" in problems[0]
    assert "no command 'bulid'" in problems[0]
    assert "doc.md:3:" in problems[1]
    assert "has no flag --no-such-flag" in problems[1]
    assert "doc.md:4:" in problems[2]
    assert "--max-learners" in problems[2]
    assert "doc.md:5:" in problems[3]
    assert "'wiw status' has no flag --verbose" in problems[3]


def test_abbreviated_flags_are_not_taken() -> None:
    """The documents spell flags in full, although wiw takes ``--max`` for ``--max-learners``."""
    shown = commands_in("doc.md", "```console\n$ wiw up my-course --max 30\n```\n")
    assert problems_of(shown[0], wiw_parser()) == [
        "doc.md:2: 'wiw up my-course --max 30': 'wiw up' has no flag --max"
    ]


def test_flags_the_help_hides_are_not_taken() -> None:
    """An old spelling that still works but --help no longer shows is not for the documents."""
    made = CommandParser(prog="wiw")
    qr = made.add_subparsers(dest="command").add_parser("qr")
    qr.add_argument("url")
    qr.add_argument("--qr", metavar="PNG")
    qr.add_argument("--png", dest="qr", help=argparse.SUPPRESS)
    shown = commands_in("doc.md", "```sh\nwiw qr https://example.org --png q.png\n```\n")
    assert problems_of(shown[0], made) == [
        "doc.md:2: 'wiw qr https://example.org --png q.png': "
        "'wiw qr --help' does not show --png (an old spelling?)"
    ]


@pytest.mark.parametrize("relative", DOCS)
def test_each_document_shows_commands(relative: str) -> None:
    """Each document checked shows wiw commands (so the check does not pass on nothing)."""
    text = (ROOT / relative).read_text(encoding="utf-8")
    names = {s.words[0] for s in commands_in(relative, text) if s.words}
    assert {"build", "run"} <= names or {"up", "down"} <= names, names


def test_every_command_shown_is_one_wiw_accepts() -> None:
    """Every command line shown names a wiw command and only flags it accepts."""
    made = wiw_parser()
    problems = [p for shown in shown_commands() for p in problems_of(shown, made)]
    assert problems == [], "\n".join(problems)
