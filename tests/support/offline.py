"""Run wiw's command line in-process on a fake engine, sealed from the machine it runs on.

:func:`seal` makes every way out of the process fail loudly: the real
engine's client (its commands and its Python client), any other program,
an outbound connection and a git fetch. Each raises :class:`Unsealed`, a
``BaseException`` that no part of wiw catches, so a test that reaches one
fails with a traceback naming where. :func:`workshop_engine` is a fake
engine holding what the commands need: the base image wiw builds from and
labelled images of a workshop.
"""

from __future__ import annotations

import contextlib
import io
import json
import socket
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

import pytest

from tests.support.fakeengine import FakeEngine
from wiw import errors, planning
from wiw._version import __version__
from wiw.build import sources
from wiw.build.context import DEFAULT_BASE_IMAGE
from wiw.cli.main import main
from wiw.engine import labels as _labels
from wiw.engine.client import EngineClient
from wiw.engine.containers import LogFollower

__all__ = ["Ran", "Unsealed", "no_calls", "run_cli", "seal", "workshop_engine"]

#: The image refs :func:`workshop_engine` holds, by workshop.
WORKSHOPS = ("intro", "example-workshop")


class Unsealed(BaseException):
    """The code under test tried to leave the process (the engine, a program, the network)."""


def _refuse(what: str) -> Any:
    def refuse(*args: object, **kwargs: object) -> NoReturn:
        raise Unsealed(f"{what}: {args!r:.200}")

    return refuse


def seal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the real engine, other programs, connections and git fetches raise Unsealed."""
    monkeypatch.setattr(EngineClient, "_run", _refuse("the real engine's client"))
    monkeypatch.setattr(EngineClient, "stream", _refuse("the real engine's client"))
    monkeypatch.setattr(
        EngineClient,
        "_client",
        property(_refuse("the real engine's Python client"), lambda self, value: None),
        raising=False,
    )
    monkeypatch.setattr(LogFollower, "__init__", _refuse("the real engine's logs"))
    monkeypatch.setattr(subprocess, "Popen", _refuse("a program"))
    monkeypatch.setattr(socket.socket, "connect", _refuse("a connection"))
    monkeypatch.setattr(socket.socket, "connect_ex", _refuse("a connection"))
    monkeypatch.setattr(socket, "create_connection", _refuse("a connection"))

    def no_fetch(url: str, ref: str | None = None, **kwargs: object) -> NoReturn:
        raise errors.SourceError(f"Cannot fetch {url}: this test is offline.")

    monkeypatch.setattr(sources, "fetch", no_fetch)
    # The class plan's figures are the benchmark machine's, wherever the tests run.
    monkeypatch.setattr(planning, "cpu_speed", lambda: 1.0)


def workshop_engine() -> FakeEngine:
    """A fake engine with the base image and an image of each workshop of WORKSHOPS.

    The images carry wiw's labels but not the one that makes wiw give the
    server a token: a server started from them is waited for by its log,
    never over HTTP.
    """
    fake = FakeEngine()
    fake.add_image(DEFAULT_BASE_IMAGE)
    for name in WORKSHOPS:
        ref = f"wiw/{name}:latest"
        fake.add_image(ref, {**_labels.labels_for(name, "image", __version__), _labels.REF: ref})
    return fake


@dataclass(frozen=True)
class Ran:
    """What one command line did: its exit status and what it printed."""

    code: int
    out: str
    err: str


def run_cli(*argv: str, engine: FakeEngine) -> Ran:
    """Run ``wiw ARGV`` on ``engine``, capturing its output; a parser's exit is its status."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv), engine=engine)
        except SystemExit as exit_:
            code = exit_.code if isinstance(exit_.code, int) else 2
    return Ran(code, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def no_calls(fake: FakeEngine) -> Iterator[None]:
    """Assert that the block makes no call of ``fake``."""
    before = len(fake.calls)
    yield
    assert fake.calls[before:] == []


def sealed_engine(monkeypatch: pytest.MonkeyPatch, folder: Path) -> FakeEngine:
    """A fake engine with workshop images; the test runs sealed, in ``folder``."""
    seal(monkeypatch)
    monkeypatch.chdir(folder)
    return workshop_engine()


def events(text: str) -> list[dict[str, Any]]:
    """The events of ``--events`` output, each without its time."""
    found = [json.loads(line) for line in text.splitlines()]
    for record in found:
        del record["time"]
    return found


class Status:
    """Stands for rich's status line: records its text and every update."""

    def __init__(self) -> None:
        self.shown: list[str] = []

    @contextlib.contextmanager
    def __call__(self, text: str) -> Iterator[Status]:
        """Show ``text`` while the block runs."""
        self.shown.append(text)
        yield self

    def update(self, text: str) -> None:
        """Show ``text`` instead."""
        self.shown.append(text)
