"""Prove every lesson runs: execute the notebooks inside the workshop image."""

from __future__ import annotations

import json
import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

from rich.table import Table

from wiw import _labels, errors
from wiw._docker import ContainerSpec, Engine
from wiw._support import support_file
from wiw._version import __version__
from wiw._wait import Deadline
from wiw.image import Image
from wiw.workshop import Workshop, register_lesson_tester

__all__ = [
    "CellFailure",
    "FailureKind",
    "LessonReport",
    "LessonResult",
    "parse_report",
    "run_lessons",
    "runner_spec",
    "test_lessons",
]

# The runner prints its report on one line starting with this; wiw passes it
# to the runner, so it is written here only.
MARKER = "WIW-REPORT "
_MAX_CELL_TIMEOUT = 24 * 3600
_MAX_PARALLEL = 64

FailureKind = Literal[
    "error",  # a cell raised
    "timeout",  # a cell ran too long; its kernel was stopped
    "kernel-died",  # the kernel died (often: out of memory)
    "no-kernel",  # the image lacks the notebook's kernel
    "unreadable",  # the notebook could not be read
    "runner-died",  # the process running the lesson died
]


@dataclass(frozen=True)
class CellFailure:
    """Why a lesson failed.

    Attributes:
        kind: ``error`` (a cell raised), ``timeout`` (a cell ran too long and
            its kernel was stopped), ``kernel-died``, ``no-kernel`` (the image
            lacks the notebook's kernel) or ``unreadable``.
        cell: The failing cell's number, counting every cell from 1.
        source: The start of that cell's source.
        ename: The error's name, e.g. ``ModuleNotFoundError``.
        evalue: The error's message, e.g. ``No module named 'pandas'``.
        traceback: The traceback, with terminal colour codes removed.
    """

    kind: FailureKind
    cell: int | None
    source: str
    ename: str
    evalue: str
    traceback: str

    @property
    def missing_module(self) -> str | None:
        """The module a failed import looked for, if that is what failed."""
        if (
            self.ename in ("ModuleNotFoundError", "ImportError")
            and "No module named" in self.evalue
        ):
            return self.evalue.split("No module named", 1)[1].strip().strip("'\"")
        return None


@dataclass(frozen=True)
class LessonResult:
    """The outcome of one lesson.

    Attributes:
        lesson: Its path within the workshop.
        passed: Whether every cell ran without error.
        duration: Seconds it took.
        failure: What went wrong, when it did not pass.
    """

    lesson: str
    passed: bool
    duration: float
    failure: CellFailure | None = None


@dataclass(frozen=True)
class LessonReport:
    """The outcome of running every lesson of a workshop in its image.

    Attributes:
        image: The image the lessons ran in.
        results: One result per lesson, in lesson order.
        duration: Seconds the whole run took.
        peak_memory: The container's peak memory in bytes, when the engine reports it.
    """

    image: str
    results: list[LessonResult] = field(default_factory=list)
    duration: float = 0.0
    peak_memory: int | None = None

    @property
    def ok(self) -> bool:
        """Whether every lesson passed."""
        return all(r.passed for r in self.results)

    @property
    def failed(self) -> list[LessonResult]:
        """The lessons that did not pass."""
        return [r for r in self.results if not r.passed]

    def to_json(self) -> str:
        """Return the report as JSON text."""
        return json.dumps({**asdict(self), "ok": self.ok}, indent=2)

    def table(self) -> Table:
        """Return a summary table for a terminal."""
        peak = f"{self.peak_memory / 2**20:.0f} MiB" if self.peak_memory else "n/a"
        table = Table(title=f"Lessons in {self.image} ({self.duration:.1f} s, peak memory {peak})")
        for column in ("lesson", "result", "seconds", "where", "error"):
            table.add_column(column)
        for r in self.results:
            f = r.failure
            table.add_row(
                r.lesson,
                "[green]pass[/]" if r.passed else f"[red]{f.kind if f else 'fail'}[/]",
                f"{r.duration:.1f}",
                f"cell {f.cell}" if f and f.cell else "",
                f"{f.ename}: {f.evalue}"[:80] if f else "",
            )
        return table


def parse_report(output: str, image: str) -> LessonReport | None:
    """Read the runner's report line from a container's output, if it printed one."""
    for line in reversed(output.splitlines()):
        if line.startswith(MARKER):
            try:
                data = json.loads(line[len(MARKER) :])
            except json.JSONDecodeError:
                return None  # cut short, e.g. the container was killed while printing
            results = [
                LessonResult(
                    lesson=r["lesson"],
                    passed=r["passed"],
                    duration=r["duration"],
                    failure=CellFailure(**r["failure"]) if r["failure"] else None,
                )
                for r in data["results"]
            ]
            return LessonReport(image, results, data["duration"], data.get("peak_memory"))
    return None


def runner_spec(
    image: Image,
    lessons: Sequence[str],
    *,
    workshop: str,
    cell_timeout: int,
    parallel: int,
    memory: str | None,
) -> ContainerSpec:
    """Decide the throwaway container that runs the lessons, as plain data."""
    script = support_file("run_lessons.py").read_text()
    return ContainerSpec(
        image=image.ref,
        name=f"wiw-lessons-{workshop}-{secrets.token_hex(4)}",
        labels=_labels.labels_for(workshop, "lesson-test", __version__),
        command=(
            "python3",
            "-c",
            script,
            "--timeout",
            str(cell_timeout),
            "--parallel",
            str(parallel),
            "--marker",
            MARKER,
            "--",
            *lessons,
        ),
        memory=memory,
        pids_limit=1024,
    )


def run_lessons(
    image: Image,
    lessons: Sequence[str | Path],
    *,
    workshop: str = "workshop",
    cell_timeout: int = 120,
    parallel: int = 4,
    memory: str | None = None,
    timeout: float = 1800.0,
    engine: Engine | None = None,
) -> LessonReport:
    """Execute lesson notebooks in a throwaway container of ``image``.

    The lessons run as the learner would run them: same user, a fresh copy in
    the learner's home, each in its own folder. Files they write stay in the
    container, which is removed afterwards.

    Args:
        image: The workshop image.
        lessons: Notebook paths relative to the workshop folder.
        workshop: The workshop's name, for labels.
        cell_timeout: Seconds any one cell may run before its kernel is stopped.
        parallel: How many lessons run at once.
        memory: A memory limit for the container, e.g. ``"2g"``.
        timeout: Seconds the whole run may take.
        engine: The engine; the image's engine if omitted.

    Returns:
        The report: per lesson pass or fail, timings and peak memory.

    Raises:
        wiw.errors.InvalidOption: A timeout or the parallelism is out of range.
        wiw.errors.LessonRunFailed: The runner itself did not report (e.g. the
            whole container ran out of memory); the error holds its last output.
    """
    _check_run_options(cell_timeout, parallel, timeout)
    engine = engine or image.engine
    image.labels  # noqa: B018 - raises ImageNotFound before anything is created
    names = [Path(p).as_posix() for p in lessons]
    spec = runner_spec(
        image,
        names,
        workshop=workshop,
        cell_timeout=cell_timeout,
        parallel=parallel,
        memory=memory,
    )
    cid = engine.container_create(spec)
    try:
        engine.container_start(cid)
        output = _wait_for_exit(engine, cid, Deadline(timeout))
    finally:
        engine.container_remove(cid)
    report = parse_report(output, image.ref)
    if report is None:
        raise errors.LessonRunFailed(
            f"Running the lessons in {image.ref} stopped without a report.",
            log_tail=output.splitlines()[-25:],
        )
    return report


def _wait_for_exit(engine: Engine, cid: str, deadline: Deadline) -> str:
    """Collect a container's output until it exits or the deadline passes."""
    follower = engine.follow_logs(cid)
    try:
        lines = list(follower.lines(deadline))
    finally:
        follower.close()
    if not follower.ended:
        raise errors.LessonRunFailed(
            "The lessons did not finish before the deadline.",
            hint="Raise the overall timeout, or lower the cell timeout: stuck cells stop sooner.",
            log_tail=lines[-25:],
        )
    return "\n".join(lines)


def _check_run_options(cell_timeout: int, parallel: int, timeout: float) -> None:
    if not 0 < cell_timeout <= _MAX_CELL_TIMEOUT:
        raise errors.InvalidOption(
            f"A cell timeout of {cell_timeout} s is out of range.",
            hint="Give from 1 second to a day (86400).",
        )
    if not 1 <= parallel <= _MAX_PARALLEL:
        raise errors.InvalidOption(
            f"Running {parallel} lessons at once is out of range.",
            hint=f"Give from 1 to {_MAX_PARALLEL}.",
        )
    if timeout <= 0:
        raise errors.InvalidOption(
            f"An overall timeout of {timeout:g} s is out of range.",
            hint="Give a positive number of seconds.",
        )


def test_lessons(
    workshop: Workshop,
    image: Image,
    *,
    cell_timeout: int = 120,
    parallel: int = 4,
    memory: str | None = None,
    timeout: float = 1800.0,
) -> LessonReport:
    """Execute every lesson of ``workshop`` inside ``image``, as a learner would, and report.

    Args:
        workshop: The workshop whose lessons to run.
        image: Its built image.
        cell_timeout: Seconds any one cell may run.
        parallel: How many lessons run at once.
        memory: A memory limit for the throwaway container, e.g. ``"2g"``.
        timeout: Seconds the whole run may take.

    Returns:
        Per-lesson results with timings, failures and peak memory.
    """
    return run_lessons(
        image,
        [p.relative_to(workshop.path) for p in workshop.lessons],
        workshop=workshop.name,
        cell_timeout=cell_timeout,
        parallel=parallel,
        memory=memory,
        timeout=timeout,
    )


test_lessons.__test__ = False  # type: ignore[attr-defined]  # not a test for pytest
register_lesson_tester(test_lessons)
