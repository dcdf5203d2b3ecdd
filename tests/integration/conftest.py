"""Fixtures for tests that drive a real container engine.

The example workshop is built once per run and shared. Every object a test
creates is labelled and removed; a final check fails the run if any
container, network or volume created during it is left.
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

import wiw
from wiw._docker import default_engine

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "example_workshop"


def free_port() -> int:
    """A loopback port free at the moment (a restarted hub can take the same one)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def inventory(engine: wiw.Engine, *, images: bool = False) -> dict[str, set[str]]:
    """What exists on the engine, for before/after comparisons.

    Networks count by name (an engine restart re-creates its default ones
    with new ids); images, when asked for, by their tags: the untagged layers
    a failed build leaves are the builder's cache, not objects it made.
    """
    client = engine.client
    found = {
        "containers": {str(c.id) for c in client.container.list(all=True)},
        "networks": {str(n.name) for n in client.network.list()},
        "volumes": {str(v.name) for v in client.volume.list()},
    }
    if images:
        found["images"] = {str(t) for i in client.image.list() for t in i.repo_tags or []}
    return found


def _engine_or_fail() -> wiw.Engine:
    engine = default_engine()
    try:
        engine.ping()
    except wiw.WiwError as exc:
        if os.environ.get("CI") or os.environ.get("WIW_REQUIRE_ENGINE"):
            pytest.fail(f"CI needs a container engine and none answers:\n{exc}")
        pytest.skip(f"no container engine: {exc.message}")
    return engine


@pytest.fixture(scope="session")
def engine() -> wiw.Engine:
    """The real engine; in CI its absence fails the test instead of skipping it."""
    return _engine_or_fail()


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


@pytest.fixture(scope="session", autouse=True)
def nothing_leaks(engine: wiw.Engine) -> Iterator[None]:
    """Fail the run if it leaves any container, network or volume behind."""
    before = inventory(engine)
    yield
    after = inventory(engine)
    leaked = {kind: sorted(after[kind] - before[kind]) for kind in after}
    leaked = {kind: ids for kind, ids in leaked.items() if ids}
    # Reported, not removed: on a shared engine they may belong to someone else.
    assert not leaked, f"the tests left these behind: {leaked}"
