"""Where a command's output goes: text for people, errors, and the ``--events`` stream."""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console
from rich.text import Text

from wiw.build.progress import BuildProgress
from wiw.events import EventName, EventStream
from wiw.qr import qr_terminal, save_qr

__all__ = ["Output"]


def _console(*, stderr: bool = False) -> Console:
    # soft_wrap: URLs, paths and QR drawings broken across lines would be useless.
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


class Output:
    """What a command prints to, handed to every command's handler.

    With ``--events``, JSON lines go to standard output and everything for
    people to standard error.

    Attributes:
        out: Results for people (standard error with ``--events``).
        err: Progress, warnings and errors for people.
        events: The machine-readable stream, if ``--events`` asked for one.
    """

    def __init__(self, *, events: bool = False) -> None:
        self.err = _console(stderr=True)
        self.events = EventStream(sys.stdout) if events else None
        self.out = self.err if events else _console()

    def emit(self, event: EventName, **fields: Any) -> None:
        """Send an event to the machine-readable stream, if one was asked for."""
        if self.events is not None:
            self.events.emit(event, **fields)

    @property
    def show_progress(self) -> bool | None:
        """What a build's ``show_progress`` should be: off while events are written."""
        return None if self.events is None else False

    def build_progress(self, progress: BuildProgress) -> None:
        """Emit a ``building`` event for each step of a build."""
        if self.events is not None and progress.line.startswith(("Step ", "#")):
            self.emit(
                "building",
                step=progress.step,
                total=progress.total,
                description=progress.description,
            )

    def draw_qr(self, url: str) -> None:
        """Draw the QR code: in explicit black and white on a colour terminal, else as text."""
        if self.out.is_terminal and self.out.color_system is not None:
            self.out.print(Text.from_ansi(qr_terminal(url)), end="")
        else:
            self.out.print(qr_terminal(url, color=False), markup=False, end="")

    def announce(self, url: str, qr_path: str | None) -> None:
        """Say a URL is ready: the event, its QR code, the URL, and where the PNG went."""
        self.emit("ready", url=url)
        self.draw_qr(url)
        self.out.print(f"[bold]Workshop URL:[/] {url}")
        if qr_path:
            self.out.print(f"QR code saved to {save_qr(url, qr_path)}")
