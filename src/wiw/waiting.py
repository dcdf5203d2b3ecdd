"""The one way wiw waits: poll a check until it answers or a monotonic deadline passes."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

__all__ = ["Deadline", "WaitTimeout", "poll"]

T = TypeVar("T")


class WaitTimeout(TimeoutError):
    """The check never answered before the deadline (callers turn it into a wiw error)."""

    def __init__(self, what: str, seconds: float, last: BaseException | None = None) -> None:
        super().__init__(f"{what}: no answer within {seconds:g} s")
        self.what = what
        self.seconds = seconds
        self.last = last


class Deadline:
    """A point in monotonic time, with what is left until it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    @property
    def remaining(self) -> float:
        """Seconds left (never negative)."""
        return max(0.0, self.at - time.monotonic())

    @property
    def passed(self) -> bool:
        """Whether the deadline has passed."""
        return time.monotonic() >= self.at


def poll(
    check: Callable[[], T | None],
    *,
    timeout: float,
    what: str,
    interval: float = 0.2,
    retry_on: tuple[type[BaseException], ...] = (),
) -> T:
    """Call ``check`` until it returns something other than None, within ``timeout`` seconds.

    Args:
        check: Returns the awaited value, or None for "not yet". It may raise
            to stop waiting at once (e.g. the server exited).
        timeout: Seconds to wait at most.
        what: What is awaited, for the timeout's message.
        interval: Seconds between checks.
        retry_on: Exceptions that mean "not yet" rather than "stop".

    Returns:
        The first value ``check`` returned that is not None.

    Raises:
        WaitTimeout: The deadline passed first; it carries the last retried exception.
    """
    deadline = Deadline(timeout)
    last: BaseException | None = None
    while True:
        try:
            found = check()
        except retry_on as exc:
            found, last = None, exc
        if found is not None:
            return found
        if deadline.passed:
            raise WaitTimeout(what, timeout, last)
        time.sleep(min(interval, deadline.remaining))
