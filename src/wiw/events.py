"""A machine-readable progress stream for tools that drive wiw.

``wiw --events ...`` writes one JSON object per line on standard output (and
its human-readable output on standard error)::

    {"event": "building", "time": "...", "step": 3, "total": 35, "description": "RUN ..."}
    {"event": "built", "time": "...", "image": "wiw/intro:latest", "bytes": 453485869}
    {"event": "ready", "time": "...", "url": "http://127.0.0.1:49153/lab?token=..."}
    {"event": "failed", "time": "...", "error": "PortInUse", "message": "...", "hint": "..."}

Events: ``building``, ``built``, ``testing``, ``tested``, ``pushing``, ``pushed``,
``starting``, ``ready``, ``stopped`` and ``failed``. Error messages are
redacted; a ``ready`` URL is given whole, since it is what the tool asked for.
"""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from typing import Any, Literal, TextIO, get_args

from wiw.errors import WiwError, redact

__all__ = ["EVENTS", "EventName", "EventStream"]

EventName = Literal[
    "building", "built", "testing", "tested", "pushing", "pushed",
    "starting", "ready", "seats", "stopped", "failed", "updating", "updated",
]  # fmt: skip
EVENTS: tuple[str, ...] = get_args(EventName)


class EventStream:
    """Writes events as JSON lines to a text stream (thread-safe)."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def emit(self, event: EventName, **fields: Any) -> None:
        """Write one event with its fields."""
        if event not in EVENTS:
            raise ValueError(f"unknown event {event!r}")
        record = {"event": event, "time": datetime.now(UTC).isoformat(), **fields}
        line = json.dumps(record, default=str)
        with self._lock:
            self._stream.write(line + "\n")
            self._stream.flush()

    def failed(self, error: WiwError) -> None:
        """Write a ``failed`` event for a wiw error (secrets redacted)."""
        self.emit(
            "failed",
            error=type(error).__name__,
            message=redact(error.message),
            hint=redact(error.hint),
            exit_code=error.exit_code,
        )
