"""Fixtures for tests that drive a real container engine.

The example workshop is built once per run and shared. Every object a test
creates is labelled and removed; a final check fails the run if any
container, network or volume created during it is left.
"""

from __future__ import annotations

import os
import secrets
import shlex
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import wiw
from tests.support.engine import require, running_engine
from tests.support.workshops import EXAMPLE


@pytest.fixture(scope="session")
def engine() -> wiw.Engine:
    """The real engine; in CI its absence fails the test instead of skipping it."""
    return running_engine()


@pytest.fixture(scope="session")
def run_id() -> str:
    """A short id unique to this test run, used in every name it creates."""
    return secrets.token_hex(4)


@pytest.fixture(scope="session")
def made_images(engine: wiw.Engine) -> Iterator[list[str]]:
    """References of images tests create; all removed at the end of the run."""
    refs: list[str] = []
    yield refs
    for ref in reversed(refs):
        image = wiw.Image(ref, engine=engine)
        if image.exists:
            image.remove()


@pytest.fixture(scope="session")
def example_image(engine: wiw.Engine, run_id: str, made_images: list[str]) -> wiw.Image:
    """The example workshop's image, built once for the whole run."""
    ref = f"wiw-test/example-workshop:{run_id}"
    made_images.append(ref)
    return wiw.Image.build(wiw.Workshop(EXAMPLE), tag=ref, engine=engine, show_progress=False)


@pytest.fixture
def workshop_copy(tmp_path: Path) -> Path:
    """A private copy of the example workshop that a test may edit."""
    dest = tmp_path / "example_workshop"
    shutil.copytree(EXAMPLE, dest)
    return dest


def engine_control(name: str) -> Callable[[], None]:
    """The command that stops or starts the engine, as a function."""
    command = os.environ.get(name, "")
    require(bool(command), f"{name} is not set (.ci/run sets it: tests stop the engine)")

    def run() -> None:
        subprocess.run(shlex.split(command), check=True, capture_output=True)

    return run


@pytest.fixture
def engine_restart() -> Iterator[tuple[Callable[[], None], Callable[[], None]]]:
    """Stop and start the engine; it is always running again after the test."""
    stop, start = engine_control("WIW_ENGINE_STOP"), engine_control("WIW_ENGINE_START")
    try:
        yield stop, start
    finally:
        start()


@pytest.fixture(scope="session", autouse=True)
def nothing_leaks(engine: wiw.Engine) -> Iterator[None]:
    """Fail the run if it leaves any container, network or volume behind."""
    before = engine.inventory()
    yield
    leaked = engine.inventory().minus(before)
    # Reported, not removed: on a shared engine they may belong to someone else.
    assert not leaked, f"the tests left these behind: {leaked}"
