"""Prove every lesson runs: execute the notebooks inside the workshop image."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from wiw import errors
from wiw._version import __version__
from wiw.build.image import Image
from wiw.build.workshop import Workshop, register_lesson_tester
from wiw.contract import RUNTIME
from wiw.engine import labels as _labels
from wiw.engine.protocol import ContainerEngine
from wiw.engine.types import ContainerSpec
from wiw.lessons.report import (
    CellFailure,
    ExpectedError,
    FailureKind,
    LessonReport,
    LessonResult,
    OutputDrift,
    parse_report,
)
from wiw.resources import support_file
from wiw.waiting import Deadline

__all__ = [
    "MARKER",
    "CellFailure",
    "ExpectedError",
    "FailureKind",
    "Judging",
    "LessonReport",
    "LessonResult",
    "OutputDrift",
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
#: The engine's network of a container with no network (loopback only).
OFFLINE_NETWORK = "none"


@dataclass(frozen=True)
class Judging:
    """How cells are judged.

    Attributes:
        strict_errors: Only cells tagged ``raises-exception`` may raise; do not
            infer it from saved error outputs.
        compare_outputs: Report cells whose output differs from the saved one.
        max_failures: Stop a lesson after this many failing cells.
    """

    strict_errors: bool = False
    compare_outputs: bool = False
    max_failures: int = 10

    def flags(self) -> list[str]:
        """The runner's command-line flags for these choices."""
        flags = ["--max-failures", str(self.max_failures)]
        if self.strict_errors:
            flags.append("--strict-errors")
        if self.compare_outputs:
            flags.append("--compare-outputs")
        return flags


def runner_spec(
    image: Image,
    lessons: Sequence[str],
    *,
    workshop: str,
    cell_timeout: int,
    parallel: int,
    memory: str | None,
    judging: Judging | None = None,
    offline: bool = False,
) -> ContainerSpec:
    """Decide the throwaway container that runs the lessons, as plain data.

    ``offline``: the container has no network at all (loopback only), as a
    room without internet would leave the lessons.
    """
    script = support_file("lessons/run_lessons.py").read_text()
    return ContainerSpec(
        image=image.ref,
        name=f"wiw-lessons-{workshop}-{secrets.token_hex(4)}",
        labels=_labels.labels_for(workshop, "lesson-test", __version__),
        command=(
            f"{RUNTIME}/bin/python",  # the runtime's: nbclient is there, not in the lessons'
            "-c",
            script,
            "--timeout",
            str(cell_timeout),
            "--parallel",
            str(parallel),
            "--marker",
            MARKER,
            *(judging or Judging()).flags(),
            "--",
            *lessons,
        ),
        memory=memory,
        pids_limit=1024,
        network=OFFLINE_NETWORK if offline else None,
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
    judging: Judging | None = None,
    engine: ContainerEngine | None = None,
    offline: bool = False,
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
        judging: How cells are judged (expected errors, output drift).
        engine: The engine; the image's engine if omitted.
        offline: Run with no network at all, as in a room without internet.

    Returns:
        The report: per lesson pass or fail, every failing cell, the errors
        that were meant, timings, each lesson's peak memory, and the cells
        that reached for the network (with the hosts they tried).

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
        judging=judging,
        offline=offline,
    )
    cid = engine.container_create(spec)
    try:
        engine.container_start(cid)
        output = _wait_for_exit(engine, cid, Deadline(timeout))
    finally:
        engine.container_remove(cid)
    report = parse_report(output, image.ref, MARKER)
    if report is None:
        raise errors.LessonRunFailed(
            f"Running the lessons in {image.ref} stopped without a report.",
            log_tail=output.splitlines()[-25:],
        )
    return replace(report, offline=offline)


def _wait_for_exit(engine: ContainerEngine, cid: str, deadline: Deadline) -> str:
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
    strict_errors: bool = False,
    compare_outputs: bool = False,
    offline: bool = False,
) -> LessonReport:
    """Execute every lesson of ``workshop`` inside ``image``, as a learner would, and report.

    Teaching notebooks show errors on purpose: a cell tagged
    ``raises-exception``, or whose saved outputs show an error, may raise that
    error (the report says "as meant"); it fails if it now runs cleanly or
    raises another. A lesson goes on after a failing cell, so every broken
    cell is reported.

    Args:
        workshop: The workshop whose lessons to run.
        image: Its built image.
        cell_timeout: Seconds any one cell may run.
        parallel: How many lessons run at once.
        memory: A memory limit for the throwaway container, e.g. ``"2g"``.
        timeout: Seconds the whole run may take.
        strict_errors: Only cells tagged ``raises-exception`` may raise.
        compare_outputs: Also report cells whose output no longer matches the
            saved one (addresses, timings, dates and temporary paths aside).
        offline: Run with no network at all, as in a room without internet:
            the cells that need it fail, and the report names the hosts they
            tried (:attr:`LessonReport.needs_internet`).

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
        judging=Judging(strict_errors=strict_errors, compare_outputs=compare_outputs),
        offline=offline,
    )


test_lessons.__test__ = False  # type: ignore[attr-defined]  # not a test for pytest
register_lesson_tester(test_lessons)
