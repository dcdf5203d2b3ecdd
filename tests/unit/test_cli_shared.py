"""What the commands share (wiw.cli.shared): the WORKSHOP argument, its image, serving.

The arguments a command gives the target resolvers (its --tag, --ref and
--allow-home, with their defaults when a command has no such option), the
image it runs on the engine it was handed, where a class comes from, the
--timeout every serving command takes, and SIGTERM and SIGHUP turned into
Ctrl-C only while serving.
"""

from __future__ import annotations

import argparse
import os
import signal
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from tests.support.fakeengine import FakeEngine
from tests.support.offline import seal, workshop_engine
from tests.support.workshops import workshop_folder
from wiw.build.image import Image
from wiw.build.workshop import Workshop
from wiw.cli import shared
from wiw.cli.args import seconds
from wiw.cli.table import Argument


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeEngine:
    """A fake engine; the test runs sealed from the real one."""
    seal(monkeypatch)
    return workshop_engine()


def recorder(monkeypatch: pytest.MonkeyPatch, name: str, answer: object) -> list[Any]:
    """Replace ``shared.<name>`` by a recorder of its arguments that returns ``answer``."""
    calls: list[Any] = []

    def record(*args: object, **kwargs: object) -> object:
        calls.append((args, kwargs))
        return answer

    monkeypatch.setattr(shared, name, record)
    return calls


# The image a command runs: target()


def test_target_passes_tag_ref_and_allow_home_and_uses_the_engine_given(
    monkeypatch: pytest.MonkeyPatch, fake: FakeEngine
) -> None:
    """--tag, --ref and --allow-home go to the resolver; the image is on the command's engine."""
    calls = recorder(monkeypatch, "resolve_target", (Image("wiw/intro:2", engine=fake), None))
    args = argparse.Namespace(
        workshop="https://example.org/intro.git", tag="wiw/intro:2", ref="v3", allow_home=True
    )
    image, found = shared.target(args, fake)
    assert calls == [
        (
            ("https://example.org/intro.git",),
            {"tag": "wiw/intro:2", "ref": "v3", "allow_home": True},
        )
    ]
    assert (image.ref, found) == ("wiw/intro:2", None)
    assert image.engine is fake


def test_target_without_ref_or_allow_home_options_uses_their_defaults(
    monkeypatch: pytest.MonkeyPatch, fake: FakeEngine
) -> None:
    """A command with only WORKSHOP and --tag ('push') resolves with no ref and no home."""
    calls = recorder(monkeypatch, "resolve_target", (Image("wiw/intro:latest", engine=fake), None))
    shared.target(argparse.Namespace(workshop="wiw/intro:latest", tag=None), fake)
    assert calls == [(("wiw/intro:latest",), {"tag": None, "ref": None, "allow_home": False})]


def test_target_of_a_folder_is_its_default_image_on_the_engine_given(
    fake: FakeEngine, tmp_path: Path
) -> None:
    """A folder resolves to wiw/FOLDER:latest, made on the engine given, and its workshop."""
    folder = workshop_folder(tmp_path / "intro")
    args = argparse.Namespace(workshop=str(folder), tag=None, ref=None, allow_home=False)
    image, found = shared.target(args, fake)
    assert image.ref == "wiw/intro:latest"
    assert image.engine is fake
    assert found is not None
    assert found.path == folder.resolve()


def test_target_of_an_image_reference_has_no_workshop(fake: FakeEngine) -> None:
    """An image reference is the image itself: no workshop read, --tag ignored."""
    image, found = shared.target(argparse.Namespace(workshop="wiw/intro:7", tag=None), fake)
    assert (image.ref, found) == ("wiw/intro:7", None)
    assert image.engine is fake


# The workshop a command works on: workshop()


def test_workshop_passes_ref_allow_home_and_python(monkeypatch: pytest.MonkeyPatch) -> None:
    """--ref, --allow-home and --python go to the resolver as given."""
    answer = object()
    calls = recorder(monkeypatch, "resolve_workshop", answer)
    args = argparse.Namespace(workshop="ws", ref="main", allow_home=True, python="3.11")
    assert shared.workshop(args) is answer
    assert calls == [(("ws",), {"ref": "main", "allow_home": True, "python": "3.11"})]


def test_workshop_without_a_python_option_leaves_runtime_txts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A command with no --python ('doctor'-like) passes python=None: runtime.txt decides."""
    calls = recorder(monkeypatch, "resolve_workshop", "the workshop")
    shared.workshop(argparse.Namespace(workshop=None, ref=None, allow_home=False))
    assert calls == [((None,), {"ref": None, "allow_home": False, "python": None})]


def test_workshop_reads_the_folder_with_the_python_asked_for(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """End to end: the folder's workshop, its Python the one --python names."""
    seal(monkeypatch)
    folder = workshop_folder(tmp_path / "course")
    args = argparse.Namespace(workshop=str(folder), ref=None, allow_home=False, python="3.11")
    found = shared.workshop(args)
    assert found.path == folder.resolve()
    assert found.environment.python == "3.11"


# Where a class comes from: workshop_source()


def test_a_git_workshops_source_is_its_url_without_the_commit(tmp_path: Path) -> None:
    """URL@COMMIT gives the URL; only the last '@' splits (a git@host URL keeps its own)."""
    folder = workshop_folder(tmp_path / "ws")
    found = Workshop(folder, source="git@example.org:course/intro.git@0123abc")
    assert shared.workshop_source(found, "git@example.org:course/intro.git") == (
        "git@example.org:course/intro.git"
    )


def test_a_source_without_a_commit_is_kept_whole(tmp_path: Path) -> None:
    """A source with no '@' is the source as recorded."""
    folder = workshop_folder(tmp_path / "ws")
    found = Workshop(folder, source="https://example.org/intro.git")
    assert shared.workshop_source(found, None) == "https://example.org/intro.git"


def test_a_folders_source_is_its_absolute_path(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A workshop read from a folder (no source) is named by the folder, resolved."""
    folder = workshop_folder(tmp_path / "ws")
    monkeypatch.chdir(tmp_path)
    assert shared.workshop_source(Workshop(folder), "ws") == str(folder.resolve())
    assert shared.workshop_source(None, "ws") == str(folder.resolve())


def test_no_workshop_text_means_the_current_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """WORKSHOP left out: the current folder's absolute path."""
    monkeypatch.chdir(tmp_path)
    assert shared.workshop_source(None, None) == str(tmp_path.resolve())


def test_an_image_is_no_source(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An image reference, not a folder here, has no source."""
    monkeypatch.chdir(tmp_path)
    assert shared.workshop_source(None, "wiw/intro:latest") is None


# The --timeout of a serving command: image_arguments()


def test_image_arguments_are_target_tag_and_the_timeout_given() -> None:
    """WORKSHOP, --ref, --allow-home, --tag, then --timeout with the command's default."""
    timeout = Argument(
        "--timeout",
        "seconds to wait for the server",
        type=seconds,
        default=7.5,
        metavar="SECONDS",
    )
    assert shared.image_arguments(timeout=7.5) == (*shared.TARGET, shared.IMAGE_TAG, timeout)


# Serving until stopped: interrupt_on_termination()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_termination_while_serving_is_ctrl_c_and_the_handlers_come_back(
    sig: signal.Signals,
) -> None:
    """SIGTERM or SIGHUP inside the block raise KeyboardInterrupt; after it, the old handlers."""
    seen: list[int] = []

    def before(signum: int, frame: FrameType | None) -> None:
        seen.append(signum)

    old = {s: signal.signal(s, before) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        with pytest.raises(KeyboardInterrupt), shared.interrupt_on_termination():
            os.kill(os.getpid(), sig)
        assert signal.getsignal(signal.SIGTERM) is before
        assert signal.getsignal(signal.SIGHUP) is before
        os.kill(os.getpid(), sig)
        assert seen == [sig]
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)


def test_the_handlers_come_back_after_a_block_that_ends_well() -> None:
    """A block that ends without a signal restores the handlers too."""
    before = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)
    with shared.interrupt_on_termination():
        assert signal.getsignal(signal.SIGTERM) not in before
        assert signal.getsignal(signal.SIGHUP) not in before
    assert (signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGHUP)) == before
