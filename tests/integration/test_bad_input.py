"""The bad-input catalogue: each case's typed error, its input named, a hint, nothing left.

Nothing left means no container, network, volume or tagged image on the engine.

Each case is a row: an id, the input it names, the expected error, and a
function that makes the mistake (through the API or the command line).
"""

from __future__ import annotations

import os
import shutil
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import wiw
from tests.support.workshops import EXAMPLE, workshop_folder
from wiw.cli import main


@dataclass(frozen=True)
class Case:
    """One bad input."""

    id: str
    names: str  # what the message must mention
    error: type[Exception]
    act: Callable[[Path, wiw.Image], object]


workshop = workshop_folder


def build(folder: Path, image: wiw.Image, **kw: object) -> wiw.Image:
    """Build a workshop as a throwaway test image."""
    return wiw.Image.build(
        wiw.Workshop(folder), tag="wiw-test/bad-input:never", engine=image.engine,
        show_progress=False, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def cli(*args: str) -> object:
    """Run the command line; it must exit 2 and print the error (raised here for checking)."""
    try:
        code = main(list(args))
    except SystemExit as exit_:  # the parser refused the flags
        code = int(exit_.code or 0)
    if code != 2:
        raise AssertionError(f"exit status {code}, expected 2")
    raise CliError


class CliError(Exception):
    """The CLI refused the input (its output is checked separately)."""


def taken_port() -> int:
    """A port some other program listens on, for as long as the test runs."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    _held.append(sock)
    return int(sock.getsockname()[1])


_held: list[socket.socket] = []
BIG = 60 * 2**20

CASES = [
    # Image names and tags
    Case("uppercase-name", "UPPER/Case", wiw.InvalidName, lambda t, i: wiw.Image("UPPER/Case")),
    Case("space-in-tag", "wiw/x:bad tag", wiw.InvalidName, lambda t, i: wiw.Image("wiw/x:bad tag")),  # noqa: E501
    Case("empty-name", "''", wiw.InvalidName, lambda t, i: wiw.Image("")),
    Case("tag-too-long", "x" * 129, wiw.InvalidName, lambda t, i: wiw.Image("wiw/x:" + "x" * 129)),
    Case("bad-new-tag", "a b", wiw.InvalidName, lambda t, i: i.tag("a b")),
    Case("push-latest", "latest", wiw.InvalidName, lambda t, i: i.push("127.0.0.1:1/x", "latest")),
    Case("bad-base-image", "Not A Base", wiw.InvalidName,
         lambda t, i: build(workshop(t / "w"), i, base_image="Not A Base")),
    Case("missing-base-image", "wiw-test/no-such-base:1", wiw.ImageNotFound,
         lambda t, i: build(workshop(t / "w"), i, base_image="wiw-test/no-such-base:1")),
    Case("missing-image", "wiw-test/never-built:1", wiw.ImageNotFound,
         lambda t, i: wiw.Hub.run("wiw-test/never-built:1", engine=i.engine)),
    # Workshop folders and notebooks
    Case("no-folder", "does-not-exist", wiw.WorkshopNotFound,
         lambda t, i: wiw.Workshop(t / "does-not-exist")),
    Case("file-not-folder", "plain.txt", wiw.WorkshopNotFound,
         lambda t, i: wiw.Workshop(workshop(t / "w", {"plain.txt": "x"}) / "plain.txt")),
    Case("empty-folder", "empty", wiw.NoLessons, lambda t, i: wiw.Workshop(_mkdir(t / "empty"))),
    Case("not-json", "broken.ipynb", wiw.InvalidNotebook,
         lambda t, i: wiw.Workshop(workshop(t / "w", {"broken.ipynb": "{not json"}))),
    Case("nbformat-invalid", "odd.ipynb", wiw.InvalidNotebook,
         lambda t, i: wiw.Workshop(workshop(t / "w", {"odd.ipynb": '{"cells": 1}'}))),
    Case("binary-notebook", "blob.ipynb", wiw.InvalidNotebook,
         lambda t, i: wiw.Workshop(workshop(t / "w", {"blob.ipynb": b"\x89PNG\r\n\x1a\n\x00"}))),
    Case("huge-notebook", "huge.ipynb", wiw.InvalidNotebook,
         lambda t, i: wiw.Workshop(_huge(workshop(t / "w") / "huge.ipynb"))),
    Case("environment-yml", "environment.yml", wiw.UnsupportedFile,
         lambda t, i: wiw.Workshop(workshop(t / "w", {"environment.yml": "name: x\n"}))),
    Case("pipfile", "Pipfile", wiw.UnsupportedFile,
         lambda t, i: wiw.Workshop(workshop(t / "w", {"Pipfile": "[packages]\n"}))),
    Case("postbuild-not-executable", "postBuild", wiw.WorkshopError,
         lambda t, i: wiw.Workshop(workshop(t / "w", {"postBuild": "#!/bin/sh\n"}))),
    Case("runtime-garbage", "runtime.txt", wiw.WorkshopError,
         lambda t, i: wiw.Workshop(workshop(t / "w", {"runtime.txt": "ruby-3"}))),
    Case("runtime-not-offered", "3.13", wiw.WorkshopError,
         lambda t, i: build(workshop(t / "w", {"runtime.txt": "python-3.13"}), i)),
    # Builds that fail inside the image
    Case("requirement-does-not-resolve", "wiw-no-such-package-xyz", wiw.BuildFailed,
         lambda t, i: build(workshop(t / "w", {"requirements.txt": "wiw-no-such-package-xyz"}), i)),  # noqa: E501
    Case("apt-package-missing", "apt.txt", wiw.BuildFailed,
         lambda t, i: build(workshop(t / "w", {"apt.txt": "wiw-no-such-deb-package\n"}), i)),
    Case("postbuild-fails", "postBuild", wiw.BuildFailed,
         lambda t, i: build(workshop(t / "w", {"postBuild": "#!/bin/sh\nexit 7\n"}, 0o755), i)),
    # Ports, timeouts, limits
    Case("port-zero", "Port 0", wiw.InvalidOption, lambda t, i: wiw.Hub.run(i, port=0)),
    Case("port-too-big", "70000", wiw.InvalidOption, lambda t, i: wiw.Hub.run(i, port=70000)),
    Case("port-negative", "-5", wiw.InvalidOption, lambda t, i: wiw.Hub.run(i, port=-5)),
    Case("port-taken", "Port", wiw.PortInUse, lambda t, i: wiw.Hub.run(i, port=taken_port())),
    Case("timeout-negative", "-1", wiw.InvalidOption, lambda t, i: _wait(i, -1)),
    Case("timeout-absurd", "1000000000", wiw.InvalidOption, lambda t, i: _wait(i, 1e9)),
    Case("memory-negative", "-1g", wiw.InvalidOption, lambda t, i: wiw.LearnerLimits(memory="-1g")),  # noqa: E501
    Case("memory-tiny", "1m", wiw.InvalidOption, lambda t, i: wiw.LearnerLimits(memory="1m")),
    Case("cpus-zero", "CPU limit 0", wiw.InvalidOption, lambda t, i: wiw.LearnerLimits(cpus=0)),
    Case("learners-negative", "-3", wiw.InvalidOption,
         lambda t, i: wiw.ClassroomOptions(max_learners=-3)),
    Case("cull-zero", "culling is 0", wiw.InvalidOption,
         lambda t, i: wiw.ClassroomOptions(cull_after=0)),
    Case("keep-negative", "keep -1", wiw.InvalidOption,
         lambda t, i: wiw.Image.prune(keep=-1, engine=i.engine)),
    Case("class-cannot-fit", "100000 learners", wiw.ClassTooBig,
         lambda t, i: _class_too_big(i)),
    # The command line
    Case("cli-bad-reference", "Bad/Ref", CliError, lambda t, i: cli("run", "Bad/Ref")),
    Case("cli-negative-learners", "--max-learners must be a whole number from 0", CliError,
         lambda t, i: cli("up", i.ref, "--max-learners", "-1")),
    Case("cli-destroy-unconfirmed", "without --yes", CliError,
         lambda t, i: cli("destroy", "bad-input-test")),
    Case("cli-test-unbuilt", "wiw/w:latest", CliError,
         lambda t, i: cli("test", str(workshop(t / "w")))),
    Case("cli-class-too-big", "9000 learners", CliError,
         lambda t, i: cli("up", i.ref, "--learners", "9000", "--max-learners", "0")),
]  # fmt: skip


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True)
    return path


def _huge(path: Path) -> Path:
    with path.open("wb") as fh:
        fh.truncate(BIG)
    return path.parent


def _wait(image: wiw.Image, timeout: float) -> None:
    with wiw.Hub.run(image) as hub:
        hub.wait_for_token(timeout=timeout)


def _class_too_big(image: wiw.Image) -> None:
    memory, cpus = image.engine.host_resources()
    wiw.plan_classroom(learners=100_000, host_memory=memory, host_cpus=cpus).require_fit()


@pytest.fixture
def clean(example_image: wiw.Image) -> Iterator[None]:
    """Fail a case that leaves anything behind."""
    before = example_image.engine.inventory(images=True)
    yield
    for sock in _held:
        sock.close()
    _held.clear()
    left = example_image.engine.inventory(images=True).minus(before)
    assert not left, f"left behind: {left}"


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(
    case: Case, example_image: wiw.Image, clean: None, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """Each bad input: its typed error, the input named, a hint, nothing left behind."""
    with pytest.raises(case.error) as caught:
        case.act(tmp_path, example_image)
    if case.error is CliError:
        printed = capsys.readouterr().err
        assert case.names in printed
        assert "hint:" in printed
        assert "Traceback" not in printed
        return
    error = caught.value
    assert isinstance(error, wiw.WiwError)
    assert case.names in str(error), str(error)
    assert error.hint


def test_catalogue_is_large_enough() -> None:
    """The catalogue keeps at least thirty cases across the API and the command line."""
    assert len(CASES) >= 30
    assert sum(c.error is CliError for c in CASES) >= 4


def test_paths_with_spaces_and_non_ascii_build_and_test(
    example_image: wiw.Image, tmp_path: Path, made_images: list[str], run_id: str
) -> None:
    """Not bad input at all: a folder named 'Atelier d'été 2026' with 'leçon 1.ipynb' works."""
    folder = tmp_path / "Atelier d'été 2026"
    shutil.copytree(EXAMPLE, folder)
    os.rename(folder / "lesson01.ipynb", folder / "leçon 1.ipynb")
    ref = f"wiw-test/atelier:{run_id}"
    made_images.append(ref)
    ws = wiw.Workshop(folder)
    image = wiw.Image.build(ws, tag=ref, engine=example_image.engine, show_progress=False)
    report = wiw.test_lessons(ws, image)
    assert report.ok, report.to_json()
    assert "leçon 1.ipynb" in [r.lesson for r in report.results]


def test_outside_symlink_never_reaches_the_image(
    example_image: wiw.Image, tmp_path: Path, made_images: list[str], run_id: str
) -> None:
    """A link to a file outside the workshop is not copied: the learner cannot read it."""
    secret = tmp_path / "secret.txt"
    secret.write_text("the instructor's private notes")
    folder = workshop(tmp_path / "w")
    (folder / "notes.txt").symlink_to(secret)
    ref = f"wiw-test/symlink:{run_id}"
    made_images.append(ref)
    image = wiw.Image.build(
        wiw.Workshop(folder), tag=ref, engine=example_image.engine, show_progress=False
    )
    show = ["sh", "-c", "ls -a /srv/wiw/lessons; cat /srv/wiw/lessons/*; sleep 600"]
    with wiw.Hub.run(image, command=show) as hub, pytest.raises(wiw.TokenTimeout) as caught:
        hub.wait_for_token(timeout=5)
    text = "\n".join(caught.value.log_tail)
    assert "lesson01.ipynb" in text
    assert "notes.txt" not in text
    assert "private notes" not in text
