"""Running the lessons in a throwaway container, over the in-memory engine.

What ``wiw test`` asks of the engine (the container's spec, its removal),
the options it refuses, and what it makes of the runner's output: the
report, or an error with the output's last lines.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from tests.support.fakeengine import FakeEngine, FakeLogStream
from tests.support.workshops import write_lesson
from wiw import errors
from wiw._version import __version__
from wiw.build.image import Image
from wiw.build.workshop import Workshop
from wiw.engine.types import ContainerSpec
from wiw.lessons.runner import MARKER, Judging, run_lessons, runner_spec, test_lessons
from wiw.resources import support_file
from wiw.waiting import Deadline

REF = "wiw/intro:latest"
REPORT = MARKER + json.dumps(
    {"results": [{"lesson": "a.ipynb", "passed": True, "duration": 1.5}], "duration": 2.0}
)


class Stream(FakeLogStream):
    """The runner's output, keeping the deadline it was read against."""

    def __init__(self, lines: Sequence[str], *, ended: bool) -> None:
        super().__init__(lines, ended=ended)
        self.deadline: Deadline | None = None

    def lines(self, deadline: Deadline) -> Iterator[str]:
        """The lines, as the fake's stream gives them."""
        self.deadline = deadline
        return super().lines(deadline)


class Engine(FakeEngine):
    """The fake engine, printing ``output`` from the lessons' container, which ends or not."""

    def __init__(self, output: str = REPORT, *, ends: bool = True) -> None:
        super().__init__()
        self.output, self.ends = output, ends
        self.specs: list[ContainerSpec] = []
        self.streams: list[Stream] = []

    def container_create(self, spec: ContainerSpec) -> str:
        """Create it, keeping its spec."""
        self.specs.append(spec)
        return super().container_create(spec)

    def follow_logs(self, cid: str) -> Stream:
        """The output given, from a container that ended (or did not, with ``ends=False``)."""
        self._call("follow_logs", cid)
        self.streams.append(Stream(self.output.splitlines(), ended=self.ends))
        return self.streams[-1]


def image_on(engine: FakeEngine) -> Image:
    """The workshop's image, on ``engine``."""
    engine.add_image(REF)
    return Image(REF, engine=engine)


def command_of(spec: ContainerSpec) -> list[str]:
    """The runner's arguments (what follows the script)."""
    return list(spec.command[3:])


def test_the_container_runs_the_runner_script_labelled_and_limited() -> None:
    """The runtime's Python runs the runner's own text; a name of its own each time."""
    engine = Engine()
    spec = runner_spec(image_on(engine), ["a.ipynb", "b/c.ipynb"], workshop="intro",
                       cell_timeout=30, parallel=2, memory="2g")  # fmt: skip
    assert spec.image == REF
    assert spec.command[:3] == (
        "/opt/wiw/bin/python", "-c", support_file("lessons/run_lessons.py").read_text(),
    )  # fmt: skip
    assert command_of(spec) == [
        "--timeout", "30", "--parallel", "2", "--marker", MARKER, "--max-failures", "10",
        "--", "a.ipynb", "b/c.ipynb",
    ]  # fmt: skip
    assert re.fullmatch(r"wiw-lessons-intro-[0-9a-f]{8}", spec.name)
    again = runner_spec(image_on(engine), ["a.ipynb"], workshop="intro", cell_timeout=30,
                        parallel=2, memory=None)  # fmt: skip
    assert again.name != spec.name
    assert dict(spec.labels) == {
        "org.wiw.managed": "true", "org.wiw.workshop": "intro", "org.wiw.role": "lesson-test",
        "org.wiw.version": __version__,
    }  # fmt: skip
    assert (spec.memory, again.memory, spec.pids_limit, spec.network) == ("2g", None, 1024, None)
    assert (spec.publish, spec.volumes, spec.user, spec.entrypoint) == ((), (), None, None)


@pytest.mark.parametrize(
    ("judging", "flags"),
    [
        (Judging(), ["--max-failures", "10"]),
        (Judging(strict_errors=True), ["--max-failures", "10", "--strict-errors"]),
        (Judging(compare_outputs=True), ["--max-failures", "10", "--compare-outputs"]),
        (Judging(max_failures=1), ["--max-failures", "1"]),
    ],
)
def test_each_judging_choice_is_its_own_flag(judging: Judging, flags: list[str]) -> None:
    """Expected errors and drift only when asked; the failures a lesson may have, always."""
    assert judging.flags() == flags


def test_the_lessons_run_and_their_report_is_read() -> None:
    """Created, started, followed, removed: the report read from the output, online."""
    engine = Engine(f"copying lessons\n{REPORT}\n")
    report = run_lessons(image_on(engine), [Path("a.ipynb"), Path("sub") / "b.ipynb"],
                         engine=engine)  # fmt: skip
    assert [r.lesson for r in report.results] == ["a.ipynb"]
    assert (report.image, report.duration, report.offline) == (REF, 2.0, False)
    assert len(engine.specs) == 1
    (cid,) = engine.called("container_start")
    assert engine.called("container_remove") == [cid]
    assert engine.called("follow_logs") == [cid]
    assert engine.containers == {}
    assert engine.streams[0].closed


def test_a_run_with_every_default() -> None:
    """Named for 'workshop'; two minutes a cell, four lessons at once, half an hour in all."""
    engine = Engine()
    run_lessons(image_on(engine), ["a.ipynb"])
    (spec,) = engine.specs
    assert spec.name.startswith("wiw-lessons-workshop-")
    assert spec.labels["org.wiw.workshop"] == "workshop"
    assert command_of(spec) == [
        "--timeout", "120", "--parallel", "4", "--marker", MARKER, "--max-failures", "10",
        "--", "a.ipynb",
    ]  # fmt: skip
    assert (spec.memory, spec.network) == (None, None)
    deadline = engine.streams[0].deadline
    assert deadline is not None
    assert deadline.seconds == 1800.0


def test_every_option_reaches_the_container() -> None:
    """Workshop, timeouts, parallelism, memory, judging and no network, each as given."""
    engine = Engine()
    engine.add_image(REF)
    other = FakeEngine()  # the image's own engine is not asked once another is given
    other.add_image(REF)
    report = run_lessons(
        Image(REF, engine=other), ["a.ipynb"], workshop="intro", cell_timeout=7, parallel=3,
        memory="1g", timeout=60.0, judging=Judging(strict_errors=True), engine=engine,
        offline=True,
    )  # fmt: skip
    assert report.offline is True
    (spec,) = engine.specs
    assert spec.name.startswith("wiw-lessons-intro-")
    assert command_of(spec) == [
        "--timeout", "7", "--parallel", "3", "--marker", MARKER, "--max-failures", "10",
        "--strict-errors", "--", "a.ipynb",
    ]  # fmt: skip
    assert (spec.memory, spec.network) == ("1g", "none")
    deadline = engine.streams[0].deadline
    assert deadline is not None
    assert deadline.seconds == 60.0
    assert other.called("container_create") == []


def test_an_image_that_is_not_there_is_refused_before_any_container() -> None:
    """ImageNotFound, and nothing created."""
    engine = Engine()
    with pytest.raises(errors.ImageNotFound, match=f"Image {REF} does not exist"):
        run_lessons(Image(REF, engine=engine), ["a.ipynb"])
    assert engine.called("container_create") == []


def test_output_without_a_report_fails_with_its_last_25_lines() -> None:
    """A runner killed before it reported: the error says so, with the output's tail."""
    lines = [f"line {n}" for n in range(30)]
    engine = Engine("\n".join(lines))
    with pytest.raises(errors.LessonRunFailed) as failed:
        run_lessons(image_on(engine), ["a.ipynb"])
    assert failed.value.message == f"Running the lessons in {REF} stopped without a report."
    assert failed.value.log_tail == lines[5:]
    assert failed.value.hint == errors.LessonRunFailed.hint
    assert engine.containers == {}  # removed all the same


def test_a_run_past_its_deadline_fails_with_its_last_25_lines() -> None:
    """Still running at the deadline: the error, the hint, the tail; the container removed."""
    lines = [f"line {n}" for n in range(30)]
    engine = Engine("\n".join([*lines, REPORT]), ends=False)
    with pytest.raises(errors.LessonRunFailed) as failed:
        run_lessons(image_on(engine), ["a.ipynb"])
    assert failed.value.message == "The lessons did not finish before the deadline."
    assert failed.value.hint == (
        "Raise the overall timeout, or lower the cell timeout: stuck cells stop sooner."
    )
    assert failed.value.log_tail == [*lines[6:], REPORT]
    assert engine.streams[0].closed
    assert engine.containers == {}


@pytest.mark.parametrize(
    ("options", "message", "hint"),
    [
        ({"cell_timeout": 0}, "A cell timeout of 0 s is out of range.",
         "Give from 1 second to a day (86400)."),
        ({"cell_timeout": 86401}, "A cell timeout of 86401 s is out of range.",
         "Give from 1 second to a day (86400)."),
        ({"parallel": 0}, "Running 0 lessons at once is out of range.", "Give from 1 to 64."),
        ({"parallel": 65}, "Running 65 lessons at once is out of range.", "Give from 1 to 64."),
        ({"timeout": 0.0}, "An overall timeout of 0 s is out of range.",
         "Give a positive number of seconds."),
        ({"timeout": -1.5}, "An overall timeout of -1.5 s is out of range.",
         "Give a positive number of seconds."),
    ],
)  # fmt: skip
def test_options_out_of_range_are_refused_before_anything_runs(
    options: dict[str, float], message: str, hint: str
) -> None:
    """Each refusal names the value and the range; nothing is asked of the engine."""
    engine = Engine()
    image = image_on(engine)
    with pytest.raises(errors.InvalidOption) as refused:
        run_lessons(image, ["a.ipynb"], **options)  # type: ignore[arg-type]
    assert (refused.value.message, refused.value.hint) == (message, hint)
    assert engine.calls == []


@pytest.mark.parametrize(
    "options",
    [{"cell_timeout": 1}, {"cell_timeout": 86400}, {"parallel": 1}, {"parallel": 64},
     {"timeout": 0.5}],
)  # fmt: skip
def test_options_at_the_ends_of_their_ranges_are_taken(options: dict[str, float]) -> None:
    """One second to a day a cell, one to 64 lessons at once, any positive overall time."""
    engine = Engine()
    assert run_lessons(image_on(engine), ["a.ipynb"], **options).ok  # type: ignore[arg-type]


def test_a_workshops_lessons_are_run_by_their_path_in_it(tmp_path: Path) -> None:
    """wiw.test_lessons: every lesson, relative to the folder, named for the workshop."""
    write_lesson(tmp_path, "b.ipynb")
    write_lesson(tmp_path / "part 2", "a.ipynb")
    engine = Engine()
    test_lessons(Workshop(tmp_path, name="intro"), image_on(engine))
    (spec,) = engine.specs
    assert spec.name.startswith("wiw-lessons-intro-")
    assert command_of(spec) == [
        "--timeout", "120", "--parallel", "4", "--marker", MARKER, "--max-failures", "10",
        "--", "b.ipynb", "part 2/a.ipynb",
    ]  # fmt: skip
    assert (spec.memory, spec.network) == (None, None)
    deadline = engine.streams[0].deadline
    assert deadline is not None
    assert deadline.seconds == 1800.0


def test_a_workshops_lessons_run_with_every_option_given(tmp_path: Path) -> None:
    """Each option of wiw.test_lessons reaches the container, and --offline the report."""
    write_lesson(tmp_path, "a.ipynb")
    engine = Engine()
    report = test_lessons(
        Workshop(tmp_path, name="intro"), image_on(engine), cell_timeout=9, parallel=2,
        memory="3g", timeout=90.0, strict_errors=True, compare_outputs=True, offline=True,
    )  # fmt: skip
    assert report.offline is True
    (spec,) = engine.specs
    assert command_of(spec) == [
        "--timeout", "9", "--parallel", "2", "--marker", MARKER, "--max-failures", "10",
        "--strict-errors", "--compare-outputs", "--", "a.ipynb",
    ]  # fmt: skip
    assert (spec.memory, spec.network) == ("3g", "none")
    deadline = engine.streams[0].deadline
    assert deadline is not None
    assert deadline.seconds == 90.0
