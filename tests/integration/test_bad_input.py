"""The bad-input catalogue: each case's typed error, its input named, its hint, nothing left.

Each case is a row: an id, the input the message must name, the error class
(for the command line: the class its ``--events`` stream reports, or None when
the parser refuses the flags before any work), a key phrase of the hint, and
whether the case reaches the engine. Only a case that reaches the engine can
leave something behind, so only those are checked for leftovers (containers,
networks, volumes, tagged images): every classroom case among them.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import shutil
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import wiw
from tests.support.workshops import EXAMPLE, workshop_folder
from wiw.classroom.lifecycle import Classroom, ClassroomOptions
from wiw.cli.main import main
from wiw.planning import LearnerLimits


@dataclass(frozen=True)
class Case:
    """One bad input."""

    id: str
    names: str  # what the message must mention
    error: type[wiw.WiwError] | None  # None: the command-line parser refuses it
    hint: str  # a key phrase of the hint
    act: Callable[[Path, wiw.Image], object]
    engine: bool = False  # whether it reaches the engine (and so could leave something)
    cli: bool = False


workshop = workshop_folder


def build(folder: Path, image: wiw.Image, **kw: object) -> wiw.Image:
    """Build a workshop as a throwaway test image."""
    return wiw.Image.build(
        wiw.Workshop(folder), tag="wiw-test/bad-input:never", engine=image.engine,
        show_progress=False, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


class CliError(Exception):
    """The command line refused the input: what it printed and the events it wrote."""

    def __init__(self, stderr: str, events: list[dict[str, object]]) -> None:
        super().__init__(stderr)
        self.stderr = stderr
        self.events = events


def cli(*args: str) -> object:
    """Run ``wiw --events ARGS``; it must exit 2 (raised as CliError for checking)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(["--events", *args])
        except SystemExit as exit_:  # the parser refused the flags
            code = int(exit_.code or 0)
    if code != 2:
        raise AssertionError(f"exit status {code}, expected 2: {err.getvalue()}")
    raise CliError(err.getvalue(), [json.loads(line) for line in out.getvalue().splitlines()])


def taken_port() -> int:
    """A port some other program listens on, for as long as the test runs."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    _held.append(sock)
    return int(sock.getsockname()[1])


_held: list[socket.socket] = []
BIG = 60 * 2**20
LOWER = "lowercase letters"
NO_FOLDER = "folder that holds the lesson"
NOTEBOOK = "Open and save the notebook"
FAILING_STEP = "failing step"
PORTS = "from 1 to 65535"
SECONDS = "positive number of seconds"


def _never(ref: str) -> wiw.Image:
    return wiw.Image(f"wiw-test/never-built:{ref}")


CASES = [
    # Image names and tags
    Case("uppercase-name", "UPPER/Case", wiw.InvalidName, LOWER,
         lambda t, i: wiw.Image("UPPER/Case")),
    Case("space-in-tag", "wiw/x:bad tag", wiw.InvalidName, LOWER,
         lambda t, i: wiw.Image("wiw/x:bad tag")),
    Case("empty-name", "''", wiw.InvalidName, LOWER, lambda t, i: wiw.Image("")),
    Case("tag-too-long", "x" * 129, wiw.InvalidName, LOWER,
         lambda t, i: wiw.Image("wiw/x:" + "x" * 129)),
    Case("bad-new-tag", "a b", wiw.InvalidName, LOWER, lambda t, i: i.tag("a b")),
    Case("push-latest", "latest", wiw.InvalidName, "date or version",
         lambda t, i: i.push("127.0.0.1:1/x", "latest")),
    Case("bad-base-image", "Not A Base", wiw.InvalidName, LOWER,
         lambda t, i: build(workshop(t / "w"), i, base_image="Not A Base")),
    Case("missing-base-image", "wiw-test/no-such-base:1", wiw.ImageNotFound, "--base-image",
         lambda t, i: build(workshop(t / "w"), i, base_image="wiw-test/no-such-base:1"),
         engine=True),
    Case("missing-image", "wiw-test/never-built:1", wiw.ImageNotFound, "Build it first",
         lambda t, i: wiw.Lab.run("wiw-test/never-built:1", engine=i.engine), engine=True),
    # Workshop folders and notebooks
    Case("no-folder", "does-not-exist", wiw.WorkshopNotFound, NO_FOLDER,
         lambda t, i: wiw.Workshop(t / "does-not-exist")),
    Case("file-not-folder", "plain.txt", wiw.WorkshopNotFound, NO_FOLDER,
         lambda t, i: wiw.Workshop(workshop(t / "w", {"plain.txt": "x"}) / "plain.txt")),
    Case("empty-folder", "empty", wiw.NoLessons, "Add at least one Jupyter notebook",
         lambda t, i: wiw.Workshop(_mkdir(t / "empty"))),
    Case("not-json", "broken.ipynb", wiw.InvalidNotebook, NOTEBOOK,
         lambda t, i: wiw.Workshop(workshop(t / "w", {"broken.ipynb": "{not json"}))),
    Case("nbformat-invalid", "odd.ipynb", wiw.InvalidNotebook, NOTEBOOK,
         lambda t, i: wiw.Workshop(workshop(t / "w", {"odd.ipynb": '{"cells": 1}'}))),
    Case("binary-notebook", "blob.ipynb", wiw.InvalidNotebook, NOTEBOOK,
         lambda t, i: wiw.Workshop(workshop(t / "w", {"blob.ipynb": b"\x89PNG\r\n\x1a\n\x00"}))),
    Case("huge-notebook", "huge.ipynb", wiw.InvalidNotebook, "Clear its outputs",
         lambda t, i: wiw.Workshop(_huge(workshop(t / "w") / "huge.ipynb"))),
    Case("environment-yml-no-list", "environment.yml", wiw.UnsupportedFile, "'dependencies:'",
         lambda t, i: wiw.Workshop(workshop(t / "w", {"environment.yml": "name: x\n"}))),
    Case("environment-yml-not-pypi", "graphviz", wiw.errors.UntranslatableDependency, "apt.txt",
         lambda t, i: wiw.Workshop(workshop(t / "w", {"environment.yml":
                                                      "dependencies: [graphviz]\n"}))),
    Case("pipfile", "Pipfile", wiw.UnsupportedFile, "pipenv requirements",
         lambda t, i: wiw.Workshop(workshop(t / "w", {"Pipfile": "[packages]\n"}))),
    Case("runtime-garbage", "runtime.txt", wiw.WorkshopError, "python-3.11",
         lambda t, i: wiw.Workshop(workshop(t / "w", {"runtime.txt": "ruby-3"}))),
    Case("runtime-not-offered", "2.7", wiw.UnsupportedPython, "python-3.13",
         lambda t, i: build(workshop(t / "w", {"runtime.txt": "python-2.7"}), i)),
    # Builds that fail inside the image
    Case("requirement-does-not-resolve", "wiw-no-such-package-xyz", wiw.BuildFailed, FAILING_STEP,
         lambda t, i: build(workshop(t / "w", {"requirements.txt": "wiw-no-such-package-xyz"}), i),
         engine=True),
    Case("apt-package-missing", "apt.txt", wiw.BuildFailed, FAILING_STEP,
         lambda t, i: build(workshop(t / "w", {"apt.txt": "wiw-no-such-deb-package\n"}), i),
         engine=True),
    Case("postbuild-fails", "postBuild", wiw.BuildFailed, FAILING_STEP,
         lambda t, i: build(workshop(t / "w", {"postBuild": "#!/bin/sh\nexit 7\n"}, 0o755), i),
         engine=True),
    # Ports, timeouts, limits
    Case("port-zero", "Port 0", wiw.InvalidOption, PORTS, lambda t, i: wiw.Lab.run(i, port=0)),
    Case("port-too-big", "70000", wiw.InvalidOption, PORTS,
         lambda t, i: wiw.Lab.run(i, port=70000)),
    Case("port-negative", "-5", wiw.InvalidOption, PORTS, lambda t, i: wiw.Lab.run(i, port=-5)),
    Case("port-taken", "Port", wiw.PortInUse, "Choose another port",
         lambda t, i: wiw.Lab.run(i, port=taken_port()), engine=True),
    Case("timeout-negative", "-1", wiw.InvalidOption, SECONDS, lambda t, i: _wait(i, -1),
         engine=True),
    Case("timeout-absurd", "1000000000", wiw.InvalidOption, SECONDS,
         lambda t, i: _wait(i, 1e9), engine=True),
    Case("memory-negative", "-1g", wiw.InvalidOption, "at least 64m",
         lambda t, i: LearnerLimits(memory="-1g")),
    Case("memory-tiny", "1m", wiw.InvalidOption, "at least 64m",
         lambda t, i: LearnerLimits(memory="1m")),
    Case("cpus-zero", "CPU limit 0", wiw.InvalidOption, "between 0.05 and 1024",
         lambda t, i: LearnerLimits(cpus=0)),
    Case("learners-negative", "-3", wiw.InvalidOption, "from 0 to 10000",
         lambda t, i: ClassroomOptions(max_learners=-3)),
    Case("cull-zero", "culling is 0", wiw.InvalidOption, "from 10 to 604800",
         lambda t, i: ClassroomOptions(cull_after=0)),
    Case("keep-negative", "keep -1", wiw.InvalidOption, "0 or more",
         lambda t, i: wiw.Image.prune(keep=-1, engine=i.engine)),
    Case("class-cannot-fit", "100000 learners", wiw.ClassTooBig, "bigger machine",
         lambda t, i: _class_too_big(i), engine=True),
    # The classroom
    Case("up-taken-port", "Port", wiw.PortInUse, "move the class with --port",
         lambda t, i: Classroom.start(i, port=taken_port()), engine=True),
    Case("up-missing-image", "wiw-test/never-built:2", wiw.ImageNotFound, "Build it first",
         lambda t, i: Classroom.start(_never("2")), engine=True),
    Case("up-bad-limit", "10m", wiw.InvalidOption, "at least 64m",
         lambda t, i: ClassroomOptions(limits=LearnerLimits(memory="10m"))),
    Case("up-short-password", "8 characters", wiw.InvalidOption, "at least 8 characters",
         lambda t, i: ClassroomOptions(auth="shared-password", password="short")),
    # The command line
    Case("cli-bad-reference", "Bad/Ref", wiw.WorkshopNotFound, "image reference",
         lambda t, i: cli("run", "Bad/Ref"), cli=True),
    Case("cli-negative-learners", "--max-learners must be a whole number from 0", None,
         "wiw up --help", lambda t, i: cli("up", i.ref, "--max-learners", "-1"), cli=True),
    Case("cli-bad-memory", "--memory must be a size", None, "wiw up --help",
         lambda t, i: cli("up", i.ref, "--memory", "10m"), cli=True),
    Case("cli-destroy-unconfirmed", "without --yes", wiw.WiwError, "wiw collect",
         lambda t, i: cli("destroy", "bad-input-test"), cli=True),
    Case("cli-test-unbuilt", "not built yet", wiw.ImageOutdated, "leave out --no-build",
         lambda t, i: cli("test", str(workshop(t / "w")), "--no-build",
                          "--tag", "wiw-test/never-built:4"), engine=True, cli=True),
    Case("cli-class-too-big", "9000 learners", wiw.ClassTooBig, "bigger machine",
         lambda t, i: cli("up", i.ref, "--learners", "9000", "--max-learners", "0"),
         engine=True, cli=True),
    Case("cli-up-taken-port", "Port", wiw.PortInUse, "move the class with --port",
         lambda t, i: cli("up", i.ref, "--port", str(taken_port()), "--force"),
         engine=True, cli=True),
    Case("cli-up-missing-image", "wiw-test/never-built:3", wiw.ImageNotFound, "Build it first",
         lambda t, i: cli("up", "wiw-test/never-built:3"), engine=True, cli=True),
]  # fmt: skip


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True)
    return path


def _huge(path: Path) -> Path:
    with path.open("wb") as fh:
        fh.truncate(BIG)
    return path.parent


def _wait(image: wiw.Image, timeout: float) -> None:
    with wiw.Lab.run(image) as hub:
        hub.wait_for_token(timeout=timeout)


def _class_too_big(image: wiw.Image) -> None:
    memory, cpus = image.engine.host_resources()
    wiw.plan_classroom(learners=100_000, host_memory=memory, host_cpus=cpus).require_fit()


@pytest.fixture
def held_ports() -> Iterator[None]:
    """Ports a case holds are released after it."""
    yield
    for sock in _held:
        sock.close()
    _held.clear()


def check_cli(case: Case, error: CliError) -> None:
    """A refused command line: the flag or input named, the class, a hint, no traceback."""
    assert case.names in error.stderr, error.stderr
    assert "hint: " in error.stderr
    assert case.hint in error.stderr, error.stderr
    assert "Traceback" not in error.stderr
    failed = [e for e in error.events if e["event"] == "failed"]
    if case.error is None:
        assert not failed  # refused by the parser, before any work
        return
    assert len(failed) == 1, error.events
    named = str(failed[0]["error"])
    assert named == case.error.__name__ or (
        case.error is wiw.WiwError and named == "UsageError"
    ), named


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case, example_image: wiw.Image, tmp_path: Path, held_ports: None) -> None:
    """Each bad input: its typed error, the input named, its hint, nothing left behind."""
    engine = example_image.engine
    before = engine.inventory(images=True) if case.engine else None
    expected: type[Exception] = CliError if case.cli else (case.error or Exception)
    with pytest.raises(expected) as caught:
        case.act(tmp_path, example_image)
    if isinstance(caught.value, CliError):
        check_cli(case, caught.value)
    else:
        error = caught.value
        assert isinstance(error, wiw.WiwError)
        assert type(error) is case.error, repr(error)
        assert case.names in str(error), str(error)
        assert case.hint in error.hint, error.hint
    if before is not None:
        left = engine.inventory(images=True).minus(before)
        assert not left, f"left behind: {left}"


def test_catalogue_covers_the_api_the_cli_and_the_classroom() -> None:
    """The catalogue keeps forty cases, with the command line and the classroom among them."""
    assert len(CASES) >= 40
    assert sum(c.cli for c in CASES) >= 8
    assert sum(c.id.startswith(("up-", "cli-up-")) for c in CASES) >= 5
    assert len({c.hint for c in CASES}) >= 20  # hints say something specific


def test_a_failed_classroom_start_keeps_a_volume_that_held_files(
    example_image: wiw.Image, run_id: str, made_images: list[str], held_ports: None
) -> None:
    """A start that fails removes what it made, never a hub volume that existed before."""
    from tests.support.workshops import build_named

    image = build_named(EXAMPLE, f"halfstart-{run_id}", example_image.engine, made_images)
    room = Classroom.start(image)
    engine = image.engine
    try:
        room.wait_until_ready(timeout=120)
        room.stop()
        before = engine.inventory()
        with pytest.raises(wiw.PortInUse):
            Classroom.start(image, port=taken_port())
        after = engine.inventory()
        assert after.minus(before) == {}
        assert room.names.hub_volume in after.volumes  # it held the class's state: kept
        assert room.names.network not in after.networks
    finally:
        room.destroy(confirm=True)


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


def test_outside_links_and_by_products_never_reach_the_image(
    example_image: wiw.Image, tmp_path: Path, made_images: list[str], run_id: str
) -> None:
    """Links to files outside the workshop, .git, checkpoints and caches are not copied."""
    secret = tmp_path / "secret.txt"
    secret.write_text("the instructor's private notes")
    folder = workshop(tmp_path / "w", {
        ".git/config": "[remote] url = private", ".ipynb_checkpoints/x-checkpoint.ipynb": "{}",
        "__pycache__/x.pyc": "bytecode", "part2/__pycache__/y.pyc": "bytecode",
    })  # fmt: skip
    (folder / "notes.txt").symlink_to(secret)
    ref = f"wiw-test/symlink:{run_id}"
    made_images.append(ref)
    image = wiw.Image.build(
        wiw.Workshop(folder), tag=ref, engine=example_image.engine, show_progress=False
    )
    show = ["sh", "-c", "find /srv/wiw/lessons; cat /srv/wiw/lessons/*; sleep 600"]
    with wiw.Lab.run(image, command=show) as hub, pytest.raises(wiw.TokenTimeout) as caught:
        hub.wait_for_token(timeout=5)
    text = "\n".join(caught.value.log_tail)
    assert "/srv/wiw/lessons/lesson01.ipynb" in text
    for absent in ("notes.txt", "private notes", ".git", "checkpoint", "__pycache__", ".pyc"):
        assert absent not in text
