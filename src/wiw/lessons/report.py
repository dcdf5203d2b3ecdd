"""What running a workshop's lessons found: per lesson, per cell, with memory measured."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from rich.markup import escape
from rich.table import Table

from wiw.planning import format_bytes

__all__ = [
    "CellFailure",
    "ExpectedError",
    "FailureKind",
    "LessonReport",
    "LessonResult",
    "NetworkUse",
    "OutputDrift",
    "parse_report",
]

FailureKind = Literal[
    "error",  # a cell raised (and was not expected to)
    "no-error",  # a cell whose saved outputs show an error ran without one
    "timeout",  # a cell ran too long; it was interrupted
    "kernel-died",  # the kernel died (often: out of memory)
    "no-kernel",  # the image lacks the notebook's kernel
    "unreadable",  # the notebook could not be read
    "runner-died",  # the process running the lesson died
]


@dataclass(frozen=True)
class CellFailure:
    """A cell that failed.

    Attributes:
        kind: What went wrong (see :data:`FailureKind`).
        cell: The cell's number, counting every cell from 1 (None when the
            lesson failed before any cell ran).
        source: The start of that cell's source.
        ename: The error's name, e.g. ``ModuleNotFoundError``.
        evalue: The error's message, e.g. ``No module named 'pandas'``.
        traceback: The traceback, with terminal colour codes removed.
        note: What was expected of the cell, when it was expected to raise
            (e.g. ``expected NameError, as saved``).
        hosts: The hosts the cell looked up or connected to (Python lessons),
            whether or not its error names them.
    """

    kind: FailureKind
    cell: int | None
    source: str
    ename: str
    evalue: str
    traceback: str
    note: str = ""
    hosts: list[str] = field(default_factory=list)

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
class ExpectedError:
    """A cell that raised, as it was meant to.

    Attributes:
        cell: The cell's number, counting every cell from 1.
        ename: The error it raised.
        how: How it was known: ``tagged raises-exception`` or ``as saved``
            (its saved outputs show the same error).
    """

    cell: int
    ename: str
    how: str


@dataclass(frozen=True)
class OutputDrift:
    """A cell whose output is no longer what the notebook shows (``--compare-outputs``).

    Attributes:
        cell: The cell's number, counting every cell from 1.
        source: The start of its source.
        diff: A short unified diff, saved against now.
    """

    cell: int
    source: str
    diff: str


@dataclass(frozen=True)
class NetworkUse:
    """A cell that reached for the network: the hosts its Python looked up or connected to.

    Attributes:
        cell: The cell's number, counting every cell from 1.
        hosts: The host names (or addresses), in the order first reached.
    """

    cell: int
    hosts: list[str]


@dataclass(frozen=True)
class LessonResult:
    """The outcome of one lesson.

    Attributes:
        lesson: Its path within the workshop.
        passed: Whether every cell ran as expected.
        duration: Seconds it took.
        failures: The failing cells, in order (the lesson goes on after a
            failing cell, up to a bound).
        expected: Cells that raised as they were meant to.
        drift: Cells whose output changed, when outputs were compared.
        peak_memory: The peak memory of this lesson's kernel, in bytes.
        stopped: Why the lesson stopped early, if it did.
        internet: Cells that reached for a host beyond the container (seen
            in Python lessons), whether they failed or not.
        note: How the lesson was run when not as it asks (its kernel is not in
            the image, and the image's kernel for its language ran it).
    """

    lesson: str
    passed: bool
    duration: float
    failures: list[CellFailure] = field(default_factory=list)
    expected: list[ExpectedError] = field(default_factory=list)
    drift: list[OutputDrift] = field(default_factory=list)
    peak_memory: int | None = None
    stopped: str = ""
    internet: list[NetworkUse] = field(default_factory=list)
    note: str = ""

    @property
    def failure(self) -> CellFailure | None:
        """The first failing cell, if any."""
        return self.failures[0] if self.failures else None


@dataclass(frozen=True)
class LessonReport:
    """The outcome of running every lesson of a workshop in its image.

    Attributes:
        image: The image the lessons ran in.
        results: One result per lesson, in lesson order.
        duration: Seconds the whole run took.
        peak_memory: The whole test container's peak memory in bytes (several
            lessons run at once); see :attr:`lesson_peak` for one learner's need.
        offline: Whether the lessons ran with no network at all (``--offline``).
        python: The Python version the lessons ran with.
        packages: The lessons' environment, ``name==version`` sorted by name
            (empty for images that have the runtime's environment only).
        r: The version of the image's R, for R lessons ("" without R).
    """

    image: str
    results: list[LessonResult] = field(default_factory=list)
    duration: float = 0.0
    peak_memory: int | None = None
    python: str = ""
    packages: list[str] = field(default_factory=list)
    r: str = ""
    offline: bool = False

    @property
    def ok(self) -> bool:
        """Whether every lesson passed."""
        return all(r.passed for r in self.results)

    @property
    def failed(self) -> list[LessonResult]:
        """The lessons that did not pass."""
        return [r for r in self.results if not r.passed]

    @property
    def needs_internet(self) -> list[tuple[str, NetworkUse]]:
        """Each lesson's cells that reached for the network, in lesson order."""
        return [(r.lesson, use) for r in self.results for use in r.internet]

    @property
    def lesson_peak(self) -> int | None:
        """The largest peak memory of one lesson's kernel: what one learner needs at most."""
        peaks = [r.peak_memory for r in self.results if r.peak_memory]
        return max(peaks) if peaks else None

    def environment(self) -> str:
        """What the lessons ran with, in words: their Python, how many packages, their R."""
        if not self.python:
            return ""
        r = f" R lessons ran with R {self.r}." if self.r else ""
        if not self.packages:
            return f"The lessons ran with Python {self.python}.{r}"
        return (
            f"The lessons ran with Python {self.python} and {len(self.packages)} packages "
            f"of their own environment (the JSON report lists them).{r}"
        )

    @classmethod
    def from_json(cls, text: str) -> LessonReport:
        """Read back a report :meth:`to_json` wrote.

        Raises:
            ValueError: The text is not such a report (``json.JSONDecodeError``,
                or a ``KeyError``/``TypeError`` turned into ``ValueError``).
        """
        try:
            data = json.loads(text)
            return _report(str(data["image"]), data)
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not a lesson report: {exc}") from exc

    def to_json(self) -> str:
        """Return the report as JSON text."""
        return json.dumps(
            {**asdict(self), "ok": self.ok, "lesson_peak": self.lesson_peak}, indent=2
        )

    def table(self) -> Table:
        """Return a summary table for a terminal: one line per lesson."""
        peak = format_bytes(self.lesson_peak) if self.lesson_peak else "n/a"
        title = escape(f"Lessons in {self.image} ({self.duration:.1f} s; largest lesson {peak})")
        table = Table(title=title)
        for column in ("lesson", "result", "seconds", "where", "error", "expected"):
            table.add_column(column)
        for r in self.results:
            f = r.failure
            more = f" (+{len(r.failures) - 1})" if len(r.failures) > 1 else ""
            table.add_row(  # a lesson's path and its error are the course's text, not markup
                escape(r.lesson),
                "[green]pass[/]" if r.passed else f"[red]{f.kind if f else 'fail'}[/]",
                f"{r.duration:.1f}",
                f"cell {f.cell}{more}" if f and f.cell else more.strip(),
                escape(f"{f.ename}: {f.evalue}"[:80]) if f else "",
                f"{len(r.expected)} as meant" if r.expected else "",
            )
        return table


def _result(data: dict[str, Any]) -> LessonResult:
    failures = data.get("failures")
    if failures is None:  # a report from an image's older runner
        failures = [data["failure"]] if data.get("failure") else []
    return LessonResult(
        lesson=data["lesson"],
        passed=data["passed"],
        duration=data["duration"],
        failures=[CellFailure(**f) for f in failures],
        internet=[NetworkUse(u["cell"], list(u["hosts"])) for u in data.get("internet", [])],
        expected=[ExpectedError(**e) for e in data.get("expected", [])],
        drift=[OutputDrift(**d) for d in data.get("drift", [])],
        peak_memory=data.get("peak_memory"),
        stopped=data.get("stopped", ""),
        note=str(data.get("note", "")),
    )


def parse_report(output: str, image: str, marker: str) -> LessonReport | None:
    """Read the runner's report line from a container's output, if it printed one."""
    for line in reversed(output.splitlines()):
        if line.startswith(marker):
            try:
                data = json.loads(line[len(marker) :])
            except json.JSONDecodeError:
                return None  # cut short, e.g. the container was killed while printing
            return _report(image, data)
    return None


def _report(image: str, data: dict[str, Any]) -> LessonReport:
    """A report from the runner's JSON (or a saved report's)."""
    return LessonReport(
        image,
        [_result(r) for r in data["results"]],
        data["duration"],
        data.get("peak_memory"),
        data.get("python", ""),
        list(data.get("packages", [])),
        str(data.get("r", "")),
        bool(data.get("offline", False)),
    )
