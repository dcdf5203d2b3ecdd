"""Build progress: parsing what builders print, and showing it with rich."""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

__all__ = ["BuildProgress", "BuildTracker", "RichBuildDisplay"]

# Legacy builder: "Step 3/12 : RUN pip install ..."; Podman (buildah): "STEP 3/12: RUN ..."
_LEGACY_STEP = re.compile(r"^(?:Step|STEP) (?P<n>\d+)/(?P<total>\d+) ?: (?P<what>.*)$")
_LEGACY_CACHED = re.compile(r"^ ?-+> Using cache\b")
# BuildKit plain progress: "#7 [3/9] RUN pip install ..." and "#7 CACHED"
_KIT_STEP = re.compile(r"^#(?P<id>\d+) \[(?:[\w-]+ )?(?P<n>\d+)/(?P<total>\d+)\] (?P<what>.*)$")
_KIT_CACHED = re.compile(r"^#(?P<id>\d+) CACHED$")


@dataclass(frozen=True)
class BuildProgress:
    """One line of build output and where the build stands.

    Attributes:
        line: The line the builder printed.
        step: The number of the step running now (0 before the first).
        total: How many steps the build has (0 until known).
        cached: How many steps so far were taken from the build cache.
        description: The instruction of the current step.
    """

    line: str
    step: int
    total: int
    cached: int
    description: str


class BuildTracker:
    """Turns builder output lines into :class:`BuildProgress` records."""

    def __init__(self) -> None:
        self.step = 0
        self.total = 0
        self.description = ""
        self._cached_ids: set[str] = set()
        self._kit_ids: dict[str, tuple[int, str]] = {}

    @property
    def cached(self) -> int:
        """How many steps were served from the cache."""
        return len(self._cached_ids)

    def feed(self, line: str) -> BuildProgress:
        """Account for one output line and return the progress after it."""
        if m := _LEGACY_STEP.match(line):
            self._enter(int(m["n"]), int(m["total"]), m["what"])
        elif _LEGACY_CACHED.match(line):
            self._cached_ids.add(f"legacy-{self.step}")
        elif m := _KIT_STEP.match(line):
            self._kit_ids[m["id"]] = (int(m["n"]), m["what"])
            self._enter(int(m["n"]), int(m["total"]), m["what"])
        elif (m := _KIT_CACHED.match(line)) and m["id"] in self._kit_ids:
            self._cached_ids.add(f"kit-{self._kit_ids[m['id']][0]}")
        return BuildProgress(line, self.step, self.total, self.cached, self.description)

    def _enter(self, step: int, total: int, what: str) -> None:
        self.step = max(self.step, step)
        self.total = total
        self.description = what


ProgressCallback = Callable[[BuildProgress], None]


class RichBuildDisplay:
    """A live progress bar for a build, for people at a terminal.

    Use as a context manager and pass :meth:`update` as the progress callback.
    """

    def __init__(self, title: str, console: Console | None = None) -> None:
        self._progress = Progress(
            TextColumn("[bold blue]{task.fields[title]}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}", style="dim"),
            console=console or Console(file=sys.stderr),
            transient=False,
        )
        self._task = self._progress.add_task("", total=None, title=title)

    def __enter__(self) -> RichBuildDisplay:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def update(self, event: BuildProgress) -> None:
        """Show one progress record."""
        self._progress.update(
            self._task,
            completed=max(event.step - 1, 0),
            total=event.total or None,
            description=event.description[:60],
        )
