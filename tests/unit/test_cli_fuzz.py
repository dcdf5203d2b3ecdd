"""A fuzz of the whole command line: whatever a person types, no traceback and nothing left.

Hypothesis writes command lines for every command of the table: some of its
arguments, each with a value it accepts or with junk (numbers out of range,
empty text, unicode, folders where files go, missing and unusable paths),
plus mistyped and made-up options, and ``--debug``/``--events`` before or
after the command. Each runs in-process, ``main(argv, engine=fake)``, on a
fake engine holding a workshop's images, in a folder of its own under
``tmp_path``, sealed (``tests/support/offline.py``): the real engine, other
programs, outbound connections and git fetches raise instead of running.

Every run must end with an exit status wiw documents (0, 1 or 2; the parser
exits 0 for ``--help``, 2 for a wrong command line), print no traceback
unless ``--debug`` asked for one, and leave nothing behind: no container,
no network, no volume but a classroom's hub volume (kept on purpose: it
holds the class's join URL), no open engine stream, no temporary file and
nothing written outside its own folder.

Commands that serve until Ctrl-C (``wiw run``, ``wiw up`` without
``--detach``) never reach their wait here: they wait for the server first,
and the fake's servers never become ready (they print no URL, and the
hub's health would be asked over HTTP, which is sealed), so they end in
``TokenTimeout`` at once; sometimes the fake makes them exit as they start
instead (``exits_at_start``: ``HubExited``). ``--ask-password`` gets a
password from a stand-in prompt, never the terminal.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.support.fakeengine import BUILTIN_NETWORKS, FakeEngine
from tests.support.offline import seal, workshop_engine
from tests.support.workshops import EXAMPLE, ROOT
from wiw.cli.main import COMMANDS, OPTIONS, main
from wiw.cli.table import Argument, Command

EXAMPLES = 250  # at least 200 command lines a run, in well under a minute

# Files and folders each command line's own folder holds (made by `sandbox`).
INPUTS = ["report.json", "cert.pem", "key.pem", "password.txt", "values.yaml", "lesson.ipynb"]
OUTPUTS = ["out.png", "report-out.json", "new.yaml", "work", "folder/inside.png"]
BAD_PATHS = [
    "",
    "folder",
    "folder/",
    "file.txt",
    "file.txt/inside.png",
    "gone/x.png",
    "gone",
    "read-only/x.png",
    "not-json.json",
    "é✓ ü.png",
    "x" * 300,
    "-",
]
# Values each kind of argument accepts, by its metavar.
GOOD = {
    "SECONDS": ["0.5", "1", "60"],
    "PORT": ["8000", "49500"],
    "N": ["1", "2", "30"],
    "SIZE": ["512m", "2g"],
    "GIB": ["0", "1"],
    "IMAGE": ["wiw/intro:latest", "wiw/intro:2", "sha256:" + "a" * 64],
    "REF": ["main"],
    "HOST": ["127.0.0.1", "workshop.example.org", "::1", ""],
    "URL": ["https://example.org/w/", "http://127.0.0.1:8000/"],
    "FILE": INPUTS + OUTPUTS,
    "WORKSHOP": ["intro", "wiw/intro:latest", "wiw/example-workshop:latest", "."],
    "FOLDER": ["work", "folder/new"],
    "NAME": ["intro", "workshop", "regcred"],
    "PASSWORD": ["a-long-class-password"],
    "EMAIL": ["teacher@example.org"],
    "REPOSITORY": ["registry.example.org/course/intro"],
    "VERSION": ["2026-11-25", "v1"],
    "USER": ["bot"],
}
JUNK = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.floats().map(repr),
    st.sampled_from(["0", "-1", "65536", "1e309", "nan", "inf", " ", "latest", "http://x"]),
    st.sampled_from(BAD_PATHS),
    st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=8),
)
KNOWN_FLAGS = sorted(
    {a.name for c in COMMANDS for a in c.arguments if a.name.startswith("--")}
    | {o.name for o in OPTIONS}
)
JUNK_FLAGS = st.one_of(
    st.sampled_from(KNOWN_FLAGS).map(lambda flag: flag[:-1]),  # abbreviated, or mistyped
    st.sampled_from(KNOWN_FLAGS),  # another command's
    st.text("abcdefgh-=", min_size=1, max_size=6).map(lambda word: f"--{word}"),
    st.sampled_from(["--help", "-h", "--png", "-x", "--", "--tls-cert=cert.pem"]),
)


# Values that fit a flag better than its metavar's (files of the sandbox, by kind).
GOOD_FOR = {
    "--tls-cert": ["cert.pem"],
    "--tls-key": ["key.pem"],
    "--password-file": ["password.txt"],
    "--report": ["report.json"],
    "--qr": ["out.png", "folder/inside.png"],
    "--json": ["report-out.json"],
    "--out": ["new.yaml"],
    "--update": ["values.yaml"],
    "--join-secret-file": ["password.txt"],
    "--registry-password-file": ["password.txt"],
    "url": ["https://example.org/w/", "http://127.0.0.1:8000/lab?token=abc"],
}


def value_of(argument: Argument, junk: int) -> st.SearchStrategy[str]:
    """A value for ``argument``: junk ``junk`` times in ten, else one it accepts."""
    if argument.choices:
        good: st.SearchStrategy[str] = st.sampled_from(argument.choices)
    else:
        known = GOOD_FOR.get(argument.name) or GOOD.get(argument.metavar or "") or ["intro"]
        good = st.sampled_from(known)
    return st.integers(0, 9).flatmap(lambda n: JUNK if n < junk else good)


def words_of(argument: Argument, junk: int) -> st.SearchStrategy[list[str]]:
    """What is typed for ``argument``: its flag (and value), or its value alone."""
    if not argument.name.startswith("-"):
        return value_of(argument, junk).map(lambda value: [value])
    if argument.action == "store_true":
        return st.just([argument.name])
    if argument.action is not None:  # --public / --no-public
        return st.sampled_from([[argument.name], [f"--no-{argument.name[2:]}"]])
    flag = st.sampled_from([argument.name, *argument.renamed_from])
    return st.tuples(flag, value_of(argument, junk)).map(list)


PAIRS = ({"--tls-cert", "--tls-key"}, {"--registry-user", "--registry-password-file"})


def chooses(argument: Argument, junk: int, options: int) -> st.SearchStrategy[bool]:
    """Whether a command line gives ``argument``.

    A positional argument nearly always (a required one always, unless the
    line is wrong); of the ``options``, three or so.
    """
    if not argument.name.startswith("-"):
        return st.integers(0, 9).map(lambda n: n > 0 or (not junk and argument.nargs != "?"))
    return st.integers(1, max(options, 3)).map(lambda n: n <= 3)


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    """A command line of one of the table's commands: right (about half) or wrong."""
    command: Command = draw(st.sampled_from(COMMANDS))
    junk = draw(st.sampled_from([0, 0, 1, 3]))  # values in ten that are junk
    options = sum(a.name.startswith("-") for a in command.arguments)
    chosen = {a.name for a in command.arguments if draw(chooses(a, junk, options))}
    if not junk:  # a right command line: options that go together, together
        for pair in PAIRS:
            if chosen & pair:
                chosen |= pair & {a.name for a in command.arguments}
        chosen -= {"--no-tls"} if "--tls-cert" in chosen else set()
    positional: list[list[str]] = []
    flags: list[list[str]] = []
    for argument in (a for a in command.arguments if a.name in chosen):
        group = positional if not argument.name.startswith("-") else flags
        group.append(draw(words_of(argument, junk)))
    for _ in range(draw(st.integers(0, 2)) if junk else 0):
        flags.append([draw(JUNK_FLAGS)])
    flags = draw(st.permutations(flags))
    before = draw(st.lists(st.sampled_from(["--debug", "--events"]), max_size=1))
    after = draw(st.lists(st.sampled_from(["--debug", "--events"]), max_size=1))
    words = [w for group in (*positional, *flags) for w in group]
    return [*before, command.name, *words, *after]


def sandbox(folder: Path) -> None:
    """Fill a command line's own folder: a workshop, inputs, and paths that go wrong."""
    shutil.copytree(EXAMPLE, folder / "intro")  # built: the fake holds wiw/intro:latest
    (folder / "folder").mkdir()
    (folder / "file.txt").write_text("a file, not a folder\n")
    (folder / "read-only").mkdir(mode=0o500)
    (folder / "not-json.json").write_text("{oops")
    (folder / "report.json").write_text('{"results": [], "lesson_peak": 300000000}')
    (folder / "cert.pem").write_text(
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    )
    (folder / "key.pem").write_text(
        "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"
    )
    (folder / "password.txt").write_text("a-long-class-password\n")
    (folder / "values.yaml").write_text("hub: {}\n")
    shutil.copy(EXAMPLE / "lesson01.ipynb", folder / "lesson.ipynb")


def outside(home: Path) -> tuple[set[str], dict[str, float]]:
    """What the repository's top holds, and every file of the example workshop and ``home``.

    The top is compared by name (others may edit its files meanwhile), the
    rest with each file's modification time.
    """
    top = {p.name for p in ROOT.iterdir()}
    files = [p for folder in (EXAMPLE, home) for p in folder.rglob("*")]
    return top, {str(p): p.lstat().st_mtime for p in files}


def left_behind(fake: FakeEngine) -> list[str]:
    """What a command line left on the (at first empty but for images) engine.

    A classroom's hub volume may stay: it keeps the class's join URL from one
    'wiw up' to the next, as documented.
    """
    hub_volumes = {v for v in fake.volumes if v.startswith("wiw-") and v.endswith("-hub")}
    left = [f"container {c.spec.name}" for c in fake.containers.values()]
    left += [f"network {n}" for n in fake.networks if n not in BUILTIN_NETWORKS]
    left += [f"volume {v}" for v in set(fake.volumes) - hub_volumes]
    left += [f"{fake.open_streams} engine stream(s) open"] if fake.open_streams else []
    return left


@contextlib.contextmanager
def captured() -> Iterator[tuple[io.StringIO, io.StringIO]]:
    """Standard output and error, captured."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        yield out, err


@pytest.fixture
def sealed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Seal the process; temporary files, the cache and home under ``tmp_path``; no prompt."""
    seal(monkeypatch)
    for name in ("temp", "home/.cache"):
        (tmp_path / name).mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "temp"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home" / ".cache"))
    monkeypatch.delenv("WIW_CLASS_PASSWORD", raising=False)
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "a-long-class-password")
    monkeypatch.chdir(tmp_path)
    return tmp_path


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(argv=command_lines(), exits_at_start=st.booleans())
def test_no_command_line_ends_in_a_traceback_or_leaves_anything(
    sealed: Path, argv: list[str], exits_at_start: bool
) -> None:
    """Any command line: a documented exit status, no traceback, nothing left anywhere."""
    folder = Path(tempfile.mkdtemp(prefix="line-", dir=sealed))
    sandbox(folder)
    os.chdir(folder)
    fake = workshop_engine()
    if exits_at_start:
        fake.exits_at_start = {"wiw-": (1, "stopped at once (the fuzz's fake engine)")}
    was = outside(sealed / "home")
    with captured() as (_, err):
        try:
            code = main(argv, engine=fake)
        except SystemExit as exit_:  # the parser: --help, or a wrong command line
            code = exit_.code if isinstance(exit_.code, int) else -1
    event(f"wiw {next(w for w in argv if not w.startswith('--'))}: exit {code}")
    assert code in (0, 1, 2), (argv, err.getvalue())  # the parser's: 0 or 2
    if "--debug" not in argv:
        assert "Traceback" not in err.getvalue(), (argv, err.getvalue())
    assert left_behind(fake) == [], argv
    assert list((sealed / "temp").iterdir()) == [], argv
    assert outside(sealed / "home") == was, argv
