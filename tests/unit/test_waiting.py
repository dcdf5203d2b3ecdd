"""Polling until a check answers, against a monotonic deadline (on a fake clock)."""

from __future__ import annotations

import time

import pytest

from wiw.waiting import Deadline, WaitTimeout, poll


class Clock:
    """Monotonic time that moves only when wiw sleeps; records each sleep."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        """The current fake time."""
        return self.now

    def sleep(self, seconds: float) -> None:
        """Advance the fake time."""
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Replace the clock and sleep that wiw.waiting uses."""
    fake = Clock()
    monkeypatch.setattr(time, "monotonic", fake.monotonic)
    monkeypatch.setattr(time, "sleep", fake.sleep)
    return fake


def test_a_deadline_counts_down_to_zero_and_then_has_passed(clock: Clock) -> None:
    """Remaining time falls with the clock, never below zero; it passes at its moment."""
    deadline = Deadline(2.0)
    assert (deadline.seconds, deadline.remaining, deadline.passed) == (2.0, 2.0, False)
    clock.now += 1.5
    assert (deadline.remaining, deadline.passed) == (0.5, False)
    clock.now += 0.5
    assert (deadline.remaining, deadline.passed) == (0.0, True)
    clock.now += 7
    assert deadline.remaining == 0.0


def test_poll_returns_the_first_answer_sleeping_the_interval_between_checks(
    clock: Clock,
) -> None:
    """'Not yet' twice, then an answer: two sleeps of the default 0.2 s."""
    answers = iter([None, None, "ready"])
    assert poll(lambda: next(answers), timeout=5, what="the hub") == "ready"
    assert clock.sleeps == [0.2, 0.2]


def test_poll_sleeps_no_further_than_the_deadline(clock: Clock) -> None:
    """The last sleep is cut to what is left, and the check runs once more at the deadline."""
    calls: list[float] = []

    def check() -> None:
        calls.append(clock.now)

    with pytest.raises(WaitTimeout) as caught:
        poll(check, timeout=1.0, what="the hub", interval=0.4)
    assert clock.sleeps == pytest.approx([0.4, 0.4, 0.2])
    assert calls == pytest.approx([100.0, 100.4, 100.8, 101.0])
    assert str(caught.value) == "the hub: no answer within 1 s"
    assert (caught.value.what, caught.value.seconds, caught.value.last) == ("the hub", 1.0, None)


def test_poll_retries_the_named_exceptions_and_keeps_the_last(clock: Clock) -> None:
    """An exception in retry_on means 'not yet'; the timeout carries the last one."""
    errors = iter([ConnectionError("refused"), ConnectionError("reset")] * 10)

    def check() -> None:
        raise next(errors)

    with pytest.raises(WaitTimeout) as caught:
        poll(check, timeout=0.5, what="the port", retry_on=(ConnectionError,))
    assert str(caught.value.last) == "reset"
    assert str(caught.value) == "the port: no answer within 0.5 s"


def test_poll_stops_at_once_on_any_other_exception(clock: Clock) -> None:
    """An exception that is not retried ends the wait without sleeping."""

    def check() -> None:
        raise RuntimeError("server exited")

    with pytest.raises(RuntimeError, match="server exited"):
        poll(check, timeout=5, what="the hub", retry_on=(ConnectionError,))
    assert clock.sleeps == []
