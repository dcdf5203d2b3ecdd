"""Sizes and capacity: how much one learner needs, and how many a machine holds.

Everything here is arithmetic on numbers the engine and the lesson report
give; nothing here talks to an engine.
"""

from __future__ import annotations

import json
import marshal
import re
import time
from dataclasses import dataclass

from wiw import errors

__all__ = [
    "ARRIVAL_WINDOW",
    "CPU_PER_LEARNER",
    "DEFAULT_KERNEL",
    "GIB",
    "HUB_OVERHEAD",
    "IDLE_LEARNER",
    "MIB",
    "QUEUE_BOUND",
    "REFERENCE_WORK",
    "ClassPlan",
    "LearnerLimits",
    "cpu_speed",
    "format_bytes",
    "memory_bytes",
    "plan_classroom",
]

MIB = 2**20
GIB = 2**30
_MEMORY = re.compile(r"^\d+(?:\.\d+)?[bkmgBKMG]?$")
_UNITS = {"b": 1, "k": 2**10, "m": MIB, "g": GIB}
MIN_LEARNER_MEMORY = 64 * MIB
MIN_CPUS, MAX_CPUS = 0.05, 1024.0
MIN_PIDS, MAX_PIDS = 16, 1_000_000

IDLE_LEARNER = 110 * MIB  # an idle learner's server (no kernel), measured on Debian 12
DEFAULT_KERNEL = 60 * MIB  # a kernel running simple lessons, when none was measured
HUB_OVERHEAD = 300 * MIB  # the hub, its proxy and the culler
HEADROOM = 1.25  # what a learner is expected to use, above the measurement
# CPU-seconds one learner costs from joining to their first output (hub,
# proxy, their server starting, JupyterLab's page, a kernel, a cell), as
# 'nox -s bench' measures it on a 2-core machine (docs/performance.md), where
# the small task of cpu_speed() took REFERENCE_WORK CPU-seconds. Machines of
# one kind differ about 2x in speed: the plan scales the cost by cpu_speed().
CPU_PER_LEARNER = 2.4
REFERENCE_WORK = 0.0169
# Of that CPU-bound rate, the share a class arriving at random gets in at while
# the 95th percentile waits at most QUEUE_BOUND to a first output: starts
# overlap and queue. The benchmark's sweeps of arrival rates measure it: on 2
# cores, 30 a minute held in one run and did not in the next, of about 50
# CPU-bound (docs/performance.md); the plan takes that common edge.
ARRIVAL_SHARE = 0.6
ARRIVAL_WINDOW = 60.0  # seconds in which a class arrives, unless said otherwise
QUEUE_BOUND = 15.0  # seconds the last learner may wait to start before the plan warns
USABLE_SHARE = 0.9  # of the engine's memory; the rest is the system's


_WORK_SOURCE = "\n".join(
    f"def step{i}(value, scale={i % 7 + 1}):\n"
    f"    found = {{'name': 'step{i}', 'parts': [value * scale + k for k in range(scale)]}}\n"
    f"    return sorted(found['parts'], reverse=bool(value % 2))\n"
    for i in range(150)
)


_WORK_RECORDS = [
    {"id": i, "name": f"learner-{i}", "cells": list(range(i % 13))} for i in range(2000)
]
_WORK_LOADS = 20


def _work() -> float:
    """CPU-seconds of a small task made like a server's start: compile, unmarshal, JSON."""
    start = time.process_time()
    code = marshal.dumps(compile(_WORK_SOURCE, "<wiw-speed>", "exec"))
    for _ in range(_WORK_LOADS):
        marshal.loads(code)  # noqa: S302 - what compile() just made here
    json.loads(json.dumps(_WORK_RECORDS))
    return time.process_time() - start


def cpu_speed(repeats: int = 7) -> float:
    """This machine's speed beside the benchmark's: 2.0 where the same work takes half the CPU.

    The fastest of ``repeats`` runs of a small task (about 20 ms each), so a
    busy moment does not count; the task leans on what a server's start does
    most (compiling, unmarshalling and running Python, JSON).
    """
    return REFERENCE_WORK / max(1e-6, min(_work() for _ in range(repeats)))


def memory_bytes(text: str) -> int:
    """Convert a Docker memory string (``"1g"``, ``"512m"``, ``"2048"``) to bytes.

    Raises:
        wiw.errors.InvalidOption: ``text`` is not such a string.
    """
    if not _MEMORY.match(text):
        raise errors.InvalidOption(
            f"Memory size {text!r} is not understood.",
            hint="Write a number with an optional unit: b, k, m or g, e.g. '512m' or '1g'.",
        )
    unit = text[-1].lower() if text[-1].isalpha() else "b"
    return int(float(text.rstrip("bkmgBKMG")) * _UNITS[unit])


def format_bytes(size: float) -> str:
    """Say a size the way people read it: ``"512 MiB"``, ``"1.5 GiB"``."""
    if abs(size) >= GIB:
        return f"{size / GIB:.1f} GiB"
    if abs(size) >= MIB:
        return f"{size / MIB:.0f} MiB"
    return f"{size / 2**10:.0f} KiB"


@dataclass(frozen=True)
class LearnerLimits:
    """What one learner's container may use.

    Attributes:
        memory: Memory limit, e.g. ``"1g"`` or ``"512m"`` (64m or more).
        cpus: CPU limit in cores.
        pids: Process-count limit.
    """

    memory: str = "1g"
    cpus: float = 1.0
    pids: int = 512

    def __post_init__(self) -> None:
        if not _MEMORY.match(self.memory) or memory_bytes(self.memory) < MIN_LEARNER_MEMORY:
            raise errors.InvalidOption(
                f"Memory limit {self.memory!r} per learner is too small or not understood.",
                hint="Give at least 64m, e.g. '512m' or '1g'.",
            )
        if not MIN_CPUS <= self.cpus <= MAX_CPUS:
            raise errors.InvalidOption(
                f"CPU limit {self.cpus:g} per learner is out of range.",
                hint=f"Give between {MIN_CPUS:g} and {MAX_CPUS:g} cores, e.g. 1 or 0.5.",
            )
        if not MIN_PIDS <= self.pids <= MAX_PIDS:
            raise errors.InvalidOption(
                f"Process limit {self.pids} per learner is out of range.",
                hint=f"Give between {MIN_PIDS} and {MAX_PIDS} processes.",
            )

    @property
    def memory_bytes(self) -> int:
        """The memory limit in bytes."""
        return memory_bytes(self.memory)


@dataclass(frozen=True)
class ClassPlan:
    """How many learners a machine holds, and the limits to give each.

    Attributes:
        requested: Learners the instructor expects.
        fit: Learners this machine holds at the expected memory use.
        per_learner: Bytes one learner is expected to use: an idle server
            plus the largest lesson's kernel at its peak, times the headroom
            (``(IDLE_LEARNER + lesson_peak) * HEADROOM``).
        limits: The limits to apply to each learner's container.
        host_memory: The engine's memory in bytes.
        host_cpus: The engine's CPUs.
        cpu_per_learner: CPU-seconds one learner costs from joining to their
            first output, on this machine.
        arrival_window: Seconds in which the class is expected to arrive.
        seats: Learners' servers started ahead (``--seats``); each holds an idle
            server's memory, on top of the learners, while nobody takes it.
    """

    requested: int
    fit: int
    per_learner: int
    limits: LearnerLimits
    host_memory: int
    host_cpus: int
    cpu_per_learner: float = CPU_PER_LEARNER
    arrival_window: float = ARRIVAL_WINDOW
    seats: int = 0

    @property
    def joins_per_minute(self) -> float:
        """Learners a minute this machine brings to a first output within the bound.

        The CPUs' own rate (``60 * cpus / cpu_per_learner``) times the share a
        class arriving at random gets (``ARRIVAL_SHARE``, measured).
        """
        return 60.0 * self.host_cpus / self.cpu_per_learner * ARRIVAL_SHARE

    @property
    def queue_wait(self) -> float:
        """Seconds the last learner waits to start, if the class arrives within the window.

        Learners who take a seat start at once; the others start at
        ``joins_per_minute``. Zero while that keeps up with the window.
        """
        busy = max(0, self.requested - self.seats) * 60.0 / self.joins_per_minute
        return max(0.0, busy - self.arrival_window)

    @property
    def queues(self) -> bool:
        """Whether the last learners, arriving within the window, wait longer than the bound."""
        return self.queue_wait > QUEUE_BOUND

    @property
    def fits(self) -> bool:
        """Whether the requested class fits, with its seats."""
        return self.requested + self.seats <= self.fit

    def require_fit(self) -> None:
        """Raise unless the requested class fits.

        Raises:
            wiw.errors.ClassTooBig: It does not; the message gives the numbers.
        """
        if not self.fits:
            raise errors.ClassTooBig(self.summary())

    def summary(self) -> str:
        """One paragraph for the instructor: memory, CPU, and the limits."""
        verdict = "fit" if self.seats else "fits"
        verdict = verdict if self.fits else f"do{'' if self.seats else 'es'} NOT fit"
        seats = f" and {self.seats} seats" if self.seats else ""
        if self.seats and not self.fits and self.requested <= self.fit:
            seats += f" (only {self.fit - self.requested} seats fit beside the learners)"
        text = (
            f"{self.requested} learners{seats} {verdict}: this machine "
            f"({format_bytes(self.host_memory)}, {self.host_cpus} CPUs) holds about "
            f"{self.fit} at {format_bytes(self.per_learner)} each, and its CPUs start "
            f"about {self.joins_per_minute:.0f} learners a minute as they arrive "
            f"({self.cpu_per_learner:g} CPU-seconds each"
            f"{', beyond those who take a ready seat' if self.seats else ''}). "
        )
        if self.queues:
            text += (
                f"Arriving within {self.arrival_window:.0f} s, the last learners would wait "
                f"about {self.queue_wait:.0f} s to start: prepare seats ahead, let the "
                "class join in groups, or use more CPUs. "
            )
        return text + (
            f"Each learner is limited to {self.limits.memory} memory, "
            f"{self.limits.cpus:g} CPU and {self.limits.pids} processes."
        )


def plan_classroom(
    *,
    learners: int,
    host_memory: int,
    host_cpus: int,
    lesson_peak: int | None = None,
    cpus: float = 1.0,
    arrival_window: float = ARRIVAL_WINDOW,
    cpu_per_learner: float = CPU_PER_LEARNER,
    seats: int = 0,
    cpu_speed: float = 1.0,
) -> ClassPlan:
    """Size a classroom from the lessons' measured memory and the machine's memory and CPUs.

    Args:
        learners: How many learners are expected.
        host_memory: The engine's total memory in bytes.
        host_cpus: The engine's CPUs.
        lesson_peak: The largest lesson's kernel at its peak
            (``LessonReport.lesson_peak``); a typical kernel's if not measured.
        cpus: CPU limit per learner.
        arrival_window: Seconds in which the class is expected to arrive.
        cpu_per_learner: CPU-seconds one learner costs to their first output,
            on the benchmark's machine.
        seats: Learners' servers started ahead, counted on top of the learners.
        cpu_speed: This machine's speed beside the benchmark's
            (:func:`cpu_speed`); the cost per learner is divided by it.

    Returns:
        The plan: how many fit in memory, how fast the CPUs let them in, and
        the per-learner limits.

    Raises:
        wiw.errors.InvalidOption: A count or size is not positive.
    """
    if (
        learners < 1 or seats < 0 or host_memory <= 0 or host_cpus < 1 or arrival_window <= 0
        or not cpu_speed > 0
    ):  # fmt: skip
        raise errors.InvalidOption(
            f"Cannot plan for {learners} learners on {host_memory} bytes and {host_cpus} CPUs.",
            hint="The class size, the memory and the CPU count must all be positive.",
        )
    per_learner = int((IDLE_LEARNER + (lesson_peak or DEFAULT_KERNEL)) * HEADROOM)
    usable = int(host_memory * USABLE_SHARE) - HUB_OVERHEAD
    fit = max(0, usable // per_learner)
    limit_mib = max(512, -(-2 * per_learner // MIB // 128) * 128)  # 2x expected, 128 MiB steps
    limits = LearnerLimits(memory=f"{limit_mib}m", cpus=min(cpus, float(host_cpus)))
    return ClassPlan(
        learners, fit, per_learner, limits, host_memory, host_cpus,
        round(cpu_per_learner / cpu_speed, 2), arrival_window, seats,
    )  # fmt: skip
