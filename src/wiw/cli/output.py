"""Where a command's output goes, and the engine it uses: text for people, errors, events."""

from __future__ import annotations

import sys
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.text import Text

from wiw import errors
from wiw.build.progress import BuildProgress
from wiw.engine import default_engine
from wiw.engine.protocol import ContainerEngine
from wiw.events import EventName, EventStream
from wiw.qr import qr_terminal, save_qr

__all__ = ["Output"]


def _console(*, stderr: bool = False) -> Console:
    # soft_wrap: URLs, paths and QR drawings broken across lines would be useless.
    return Console(stderr=stderr, highlight=False, soft_wrap=True)


class Output:
    """What a command prints to, and the engine it uses, handed to every command's handler.

    With ``--events``, JSON lines go to standard output and everything for
    people to standard error.

    Args:
        events: Write the machine-readable stream on standard output.
        engine: The engine every command uses (a fake one in tests); the
            default engine, made when first asked for, if omitted.

    Attributes:
        out: Results for people (standard error with ``--events``).
        err: Progress, warnings and errors for people.
        events: The machine-readable stream, if ``--events`` asked for one.
    """

    def __init__(self, *, events: bool = False, engine: ContainerEngine | None = None) -> None:
        self.err = _console(stderr=True)
        self.events = EventStream(sys.stdout) if events else None
        self.out = self.err if events else _console()
        self._engine = engine

    @property
    def engine(self) -> ContainerEngine:
        """The engine commands build, run and inspect with."""
        if self._engine is None:
            self._engine = default_engine()
        return self._engine

    def warn(self, message: str) -> None:
        """Print a warning for people (the message as written, never read as markup)."""
        self.err.print("[yellow]warning:[/] ", end="", markup=True)
        self.err.print(message, markup=False)

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

    def announce(self, url: str, qr_path: str | None, *, again: str = "") -> None:
        """Say a URL is ready: the event, its QR code, the URL, and where the PNG went.

        A PNG that cannot be written is a warning, not an error: the server
        or the class it announces keeps running.

        Args:
            url: The URL.
            qr_path: Where to save its QR code as PNG, if anywhere.
            again: The command that saves the PNG later, for the warning.
        """
        self.emit("ready", url=url)
        self.draw_qr(url)
        self.out.print(f"[bold]Workshop URL:[/] {escape(url)}")  # [fd00::10] stays
        if not qr_path:
            return
        try:
            saved = save_qr(url, qr_path)
        except (OSError, errors.WiwError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) else exc.message
            later = f"; '{again}' saves it later" if again else ""
            self.warn(f"could not save the QR code to {qr_path}: {reason}{later}.")
            return
        self.out.print(f"QR code saved to {saved}", markup=False)
