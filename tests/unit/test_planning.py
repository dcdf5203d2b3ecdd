"""Capacity planning (wiw.planning): sizes, limits and the class plan, number by number."""

from __future__ import annotations

import json
import marshal
import types
from typing import Any

import pytest

from wiw import errors, planning
from wiw.planning import (
    ARRIVAL_SHARE,
    GIB,
    MIB,
    ClassPlan,
    LearnerLimits,
    memory_bytes,
    plan_classroom,
)


@pytest.mark.parametrize(
    ("text", "size"),
    [("1g", GIB), ("1G", GIB), ("512m", 512 * MIB), ("512M", 512 * MIB), ("64k", 64 * 2**10),
     ("64K", 64 * 2**10), ("2048", 2048), ("10b", 10), ("10B", 10), ("1.5g", 3 * GIB // 2),
     ("0.5m", MIB // 2)],
)  # fmt: skip
def test_memory_strings_become_bytes(text: str, size: int) -> None:
    """Docker's memory strings: a number and an optional unit, either case."""
    assert planning.memory_bytes(text) == size


@pytest.mark.parametrize("text", ["", "m", "1x", "1gb", "-1g", "1 g", "g1", "1.g", ".5g"])
def test_other_memory_strings_are_refused_with_the_form_to_use(text: str) -> None:
    """Anything else is an InvalidOption naming the text and showing the form."""
    with pytest.raises(errors.InvalidOption) as caught:
        planning.memory_bytes(text)
    assert repr(text) in caught.value.message
    assert "'512m'" in caught.value.hint


@pytest.mark.parametrize(
    ("size", "said"),
    [(0, "0 KiB"), (2**10, "1 KiB"), (MIB - 1, "1024 KiB"), (MIB, "1 MiB"),
     (300 * MIB, "300 MiB"), (GIB - 1, "1024 MiB"), (GIB, "1.0 GiB"), (3 * GIB // 2, "1.5 GiB"),
     (-2 * GIB, "-2.0 GiB"), (-5 * MIB, "-5 MiB")],
)  # fmt: skip
def test_sizes_are_said_the_way_people_read_them(size: int, said: str) -> None:
    """KiB below a MiB, whole MiB below a GiB, GiB with one decimal; signs kept."""
    assert planning.format_bytes(size) == said


def test_learner_limits_accept_their_bounds() -> None:
    """64m, the CPU bounds and the process bounds are all allowed."""
    low = LearnerLimits(memory="64m", cpus=planning.MIN_CPUS, pids=planning.MIN_PIDS)
    high = LearnerLimits(memory="2g", cpus=planning.MAX_CPUS, pids=planning.MAX_PIDS)
    assert low.memory_bytes == 64 * MIB
    assert high.memory_bytes == 2 * GIB
    assert LearnerLimits() == LearnerLimits(memory="1g", cpus=1.0, pids=512)


@pytest.mark.parametrize(
    ("limits", "words", "hint"),
    [({"memory": "63m"}, "'63m' per learner is too small", "at least 64m"),
     ({"memory": "lots"}, "'lots' per learner is too small or not understood", "at least 64m"),
     ({"cpus": 0.04}, "CPU limit 0.04 per learner is out of range", "between 0.05 and 1024"),
     ({"cpus": 1025.0}, "CPU limit 1025 per learner", "between 0.05 and 1024 cores"),
     ({"pids": 15}, "Process limit 15 per learner is out of range", "between 16 and 1000000"),
     ({"pids": 1_000_001}, "Process limit 1000001", "between 16 and 1000000 processes")],
)  # fmt: skip
def test_learner_limits_outside_their_bounds_say_which_and_the_range(
    limits: dict[str, object], words: str, hint: str
) -> None:
    """Each limit out of range names itself, its value and the range allowed."""
    with pytest.raises(errors.InvalidOption) as caught:
        LearnerLimits(**limits)  # type: ignore[arg-type]
    assert words in caught.value.message
    assert hint in caught.value.hint


def test_the_plan_is_one_learner_plus_headroom_of_the_usable_memory() -> None:
    """per_learner, fit and the memory limit follow the documented formula exactly."""
    plan = plan_classroom(learners=20, host_memory=16 * GIB, host_cpus=4, lesson_peak=200 * MIB)
    per_learner = int((planning.IDLE_LEARNER + 200 * MIB) * planning.HEADROOM)
    usable = int(16 * GIB * planning.USABLE_SHARE) - planning.HUB_OVERHEAD
    assert plan.per_learner == per_learner
    assert plan.fit == usable // per_learner
    assert plan.limits.memory == "896m"  # 2 x 387.5 MiB, rounded up to 128 MiB steps
    assert plan.limits.cpus == 1.0
    assert (plan.requested, plan.host_memory, plan.host_cpus) == (20, 16 * GIB, 4)
    assert plan.cpu_per_learner == planning.CPU_PER_LEARNER
    assert plan.arrival_window == planning.ARRIVAL_WINDOW


def test_an_unmeasured_class_plans_with_a_typical_kernel_and_at_least_512m() -> None:
    """Without a measurement: the default kernel; the memory limit never below 512 MiB."""
    plan = plan_classroom(learners=1, host_memory=4 * GIB, host_cpus=1)
    assert plan.per_learner == int((planning.IDLE_LEARNER + planning.DEFAULT_KERNEL) * 1.25)
    assert plan.limits.memory == "512m"


def test_cpu_limits_never_exceed_the_machine() -> None:
    """Asking 8 cores per learner on a 2-core machine gives 2."""
    plan = plan_classroom(learners=2, host_memory=4 * GIB, host_cpus=2, cpus=8.0)
    assert plan.limits.cpus == 2.0
    assert (
        plan_classroom(learners=2, host_memory=4 * GIB, host_cpus=2, cpus=0.5).limits.cpus == 0.5
    )


def test_a_machine_too_small_for_the_hub_holds_nobody() -> None:
    """Memory below the hub's own share fits zero learners, never a negative number."""
    plan = plan_classroom(learners=1, host_memory=100 * MIB, host_cpus=1)
    assert plan.fit == 0
    assert not plan.fits


@pytest.mark.parametrize(
    "bad",
    [{"learners": 0}, {"host_memory": 0}, {"host_cpus": 0}, {"arrival_window": 0.0},
     {"learners": -1}, {"host_memory": -1}],
)  # fmt: skip
def test_a_plan_needs_positive_numbers(bad: dict[str, float]) -> None:
    """A class of nobody, no memory, no CPU or no arrival window is refused, with the numbers."""
    args: dict[str, float] = {"learners": 3, "host_memory": GIB, "host_cpus": 2,
                              "arrival_window": 60.0, **bad}  # fmt: skip
    with pytest.raises(errors.InvalidOption) as caught:
        plan_classroom(**args)  # type: ignore[arg-type]
    assert f"{int(args['learners'])} learners" in caught.value.message
    assert "positive" in caught.value.hint


def _plan(
    requested: int,
    fit: int,
    *,
    cpus: int = 2,
    cpu_s: float = 3.0,
    window: float = 60.0,
    seats: int = 0,
) -> ClassPlan:
    return ClassPlan(
        requested, fit, 200 * MIB, LearnerLimits(), 8 * GIB, cpus, cpu_s, window, seats
    )


def test_the_cpu_side_joins_per_minute_and_the_wait() -> None:
    """0.6 of 60 x cores / CPU-s a minute; the wait is the starts beyond the window."""
    assert ARRIVAL_SHARE == 0.6
    plan = _plan(requested=30, fit=60, cpus=2, cpu_s=3.0, window=60.0)
    assert plan.joins_per_minute == pytest.approx(24.0)  # 0.6 of the CPUs' own 60 x 2 / 3 = 40
    assert plan.queue_wait == pytest.approx(15.0)  # 30 starts at 24 a minute: 75 s, in 60 s
    assert not plan.queues  # exactly the bound is still fine
    assert _plan(requested=31, fit=60).queues
    assert _plan(requested=10, fit=60).queue_wait == 0.0
    assert _plan(requested=24, fit=60).queue_wait == pytest.approx(0.0)  # 60 s: just in time


def test_learners_who_take_a_seat_do_not_queue() -> None:
    """Seats start ahead: only the learners beyond them count towards the wait."""
    assert _plan(requested=50, fit=90, seats=30).queue_wait == 0.0  # 20 start: 50 s
    assert _plan(requested=50, fit=90, seats=14).queue_wait == pytest.approx(30.0)  # 36: 90 s
    assert _plan(requested=50, fit=90, seats=14).joins_per_minute == pytest.approx(24.0)
    assert _plan(requested=20, fit=90, seats=40).queue_wait == 0.0  # more seats than learners
    seated = _plan(requested=50, fit=90, seats=30).summary()
    assert "as they arrive (3 CPU-seconds each, beyond those who take a ready seat). " in seated
    assert "ready seat" not in _plan(requested=50, fit=90).summary()


def test_fitting_is_up_to_and_including_the_fit() -> None:
    """A class as large as the fit fits; one more does not, and require_fit says why."""
    _plan(requested=30, fit=30).require_fit()
    assert _plan(requested=30, fit=30).fits
    too_many = _plan(requested=31, fit=30)
    with pytest.raises(errors.ClassTooBig) as caught:
        too_many.require_fit()
    assert caught.value.message == too_many.summary()


def test_the_summary_says_memory_cpu_and_limits_and_warns_of_a_queue() -> None:
    """Every figure the instructor needs, and the queue sentence only when the class queues."""
    calm = _plan(requested=10, fit=30).summary()
    assert calm.startswith("10 learners fits: this machine (8.0 GiB, 2 CPUs) holds about 30 ")
    assert "at 200 MiB each" in calm
    assert "start about 24 learners a minute as they arrive (3 CPU-seconds each)." in calm
    assert "wait" not in calm
    assert calm.endswith("limited to 1g memory, 1 CPU and 512 processes.")
    crowded = _plan(requested=60, fit=30).summary()
    assert crowded.startswith("60 learners does NOT fit")
    assert (
        "Arriving within 60 s, the last learners would wait about 90 s to start: prepare "
        "seats ahead, let the class join in groups, or use more CPUs. Each learner"
    ) in crowded


def test_a_class_with_seats_says_fit_in_the_plural_and_how_many_seats_fit() -> None:
    """Learners and seats 'fit' or 'do NOT fit'; at the fit exactly, no seat fits beside them."""
    fitting = _plan(requested=20, fit=30, seats=5).summary()
    assert fitting.startswith("20 learners and 5 seats fit: this machine")
    over = _plan(requested=28, fit=30, seats=5).summary()
    assert over.startswith(
        "28 learners and 5 seats (only 2 seats fit beside the learners) do NOT fit"
    )
    full = _plan(requested=30, fit=30, seats=5).summary()
    assert full.startswith("30 learners and 5 seats (only 0 seats fit beside the learners) do NOT")
    crowded = _plan(requested=31, fit=30, seats=5).summary()
    assert crowded.startswith("31 learners and 5 seats do NOT fit: this machine")


def test_refusals_give_their_hints_word_for_word() -> None:
    """A size not understood, a limit under 64 MiB, a class of nothing: each with its hint."""
    with pytest.raises(errors.InvalidOption) as size:
        memory_bytes("12x")
    assert size.value.hint == (
        "Write a number with an optional unit: b, k, m or g, e.g. '512m' or '1g'."
    )
    with pytest.raises(errors.InvalidOption) as small:
        LearnerLimits(memory="32m")
    assert small.value.hint == "Give at least 64m, e.g. '512m' or '1g'."
    with pytest.raises(errors.InvalidOption) as empty:
        plan_classroom(learners=0, host_memory=GIB, host_cpus=1)
    assert empty.value.hint == (
        "The class size, the memory and the CPU count must all be positive."
    )


def test_the_smallest_positive_machine_and_window_are_planned() -> None:
    """One byte of memory and a one-second window are positive: planned, not refused."""
    tiny = plan_classroom(learners=1, host_memory=1, host_cpus=1, arrival_window=1)
    assert (tiny.fit, tiny.arrival_window) == (0, 1)


def test_the_memory_limit_is_twice_the_expected_use_rounded_up_to_128_mib() -> None:
    """645 MiB expected: 1290 MiB rounds up to 1408m (11 steps of 128 MiB)."""
    plan = plan_classroom(learners=1, host_memory=64 * GIB, host_cpus=2, lesson_peak=406 * MIB)
    assert plan.per_learner == 645 * MIB
    assert plan.limits.memory == "1408m"


def test_the_plan_scales_the_cost_per_learner_by_this_machines_speed() -> None:
    """Twice as fast: half the CPU-seconds and twice the learners a minute; no speed: refused."""
    here = plan_classroom(learners=10, host_memory=8 * GIB, host_cpus=2)
    fast = plan_classroom(learners=10, host_memory=8 * GIB, host_cpus=2, cpu_speed=2.0)
    assert here.cpu_per_learner == planning.CPU_PER_LEARNER
    assert fast.cpu_per_learner == planning.CPU_PER_LEARNER / 2
    assert fast.joins_per_minute == pytest.approx(2 * here.joins_per_minute)
    assert f"({planning.CPU_PER_LEARNER / 2:g} CPU-seconds each)" in fast.summary()
    slow = plan_classroom(learners=10, host_memory=8 * GIB, host_cpus=2, cpu_speed=0.7)
    assert slow.cpu_per_learner == round(planning.CPU_PER_LEARNER / 0.7, 2)
    for speed in (0.0, -1.0, float("nan")):
        with pytest.raises(errors.InvalidOption):
            plan_classroom(learners=10, host_memory=8 * GIB, host_cpus=2, cpu_speed=speed)


def test_this_machines_speed_is_the_reference_work_over_the_fastest_run(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The fastest of the runs counts (a busy moment does not); the work is real CPU work."""
    runs = iter([0.02, planning.REFERENCE_WORK / 2, 0.05])
    monkeypatch.setattr(planning, "_work", lambda: next(runs))
    assert planning.cpu_speed(repeats=3) == pytest.approx(2.0)
    monkeypatch.undo()
    measured = planning._work()
    assert 0 < measured < 5.0
    assert 0.01 < planning.cpu_speed(repeats=1) < 100


class Recorded:
    """A module's functions, each call recorded with what the test wants to know of it."""

    def __init__(self, calls: list[tuple[str, object]], **functions: Any) -> None:
        self.calls = calls
        self.functions = functions

    def __getattr__(self, name: str) -> Any:
        function, seen = self.functions[name]

        def recorded(*args: Any) -> Any:
            self.calls.append((name, seen(*args)))
            return function(*args)

        return recorded


def test_the_speed_task_is_the_same_work_everywhere_and_counts_its_cpu_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The source compiled once, unmarshalled 20 times, the records through JSON; CPU-seconds."""
    calls: list[tuple[str, object]] = []
    clock = iter([100.0, 100.25])
    blob = marshal.dumps(compile(planning._WORK_SOURCE, "<wiw-speed>", "exec"))
    text = json.dumps(planning._WORK_RECORDS)
    monkeypatch.setattr(planning, "time", types.SimpleNamespace(process_time=lambda: next(clock)))
    builtins = Recorded(calls, compile=(compile, lambda source, *rest: (
        source is planning._WORK_SOURCE, *rest)))  # fmt: skip
    monkeypatch.setattr(planning, "compile", builtins.compile, raising=False)
    monkeypatch.setattr(planning, "marshal", Recorded(
        calls, dumps=(marshal.dumps, lambda code: type(code).__name__),
        loads=(marshal.loads, lambda data: data == blob)))  # fmt: skip
    monkeypatch.setattr(planning, "json", Recorded(
        calls, dumps=(json.dumps, lambda data: data is planning._WORK_RECORDS),
        loads=(json.loads, lambda data: data == text)))  # fmt: skip
    assert planning._work() == pytest.approx(0.25)
    assert calls == [("compile", (True, "<wiw-speed>", "exec")), ("dumps", "code"),
                     *[("loads", True)] * 20, ("dumps", True), ("loads", True)]  # fmt: skip
