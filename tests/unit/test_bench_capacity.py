"""The benchmark's sweep of arrival rates: P4, and whether the class plan's rate is true."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import pytest

BENCHMARKS = Path(__file__).parents[2] / "benchmarks"


@pytest.fixture
def learners(monkeypatch: pytest.MonkeyPatch) -> Any:
    """benchmarks/learners.py, on a machine of 2 cores."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    module: Any = importlib.import_module("learners")
    monkeypatch.setattr(module.os, "cpu_count", lambda: 2)
    return module


def run(rate: int, p95: float | None, errors: int = 0) -> dict[str, Any]:
    """One rate of the sweep, as capacity_sweep records it."""
    return {"rate_per_min": rate, "errors": errors, "p95_first_output_s": p95}


def test_the_best_rate_held_the_first_failed_and_the_plans(learners: Any) -> None:
    """Held: no error and p95 within 15 s. The plan's rate is wiw's own, for these cores.

    It is at this machine's speed: a slower one costs more CPU per learner.
    """
    sweep = [run(10, 6.0), run(15, 15.0), run(20, 15.3), run(30, 9.0, errors=1), run(40, None)]
    found = learners.capacity(sweep, 3.7)
    assert found["best_rate_per_min"] == 15
    assert found["lowest_failed_rate_per_min"] == 20
    assert found["cpu_bound_rate_per_min"] == round(60 * 2 / 3.7, 1)
    assert found["P4"] == round(15 / (60 * 2 / 3.7), 3)
    assert found["plan_rate_per_min"] == 30.0  # the plan's own: 0.6 of 120 / 2.4
    assert not learners.plan_is_honest(found)  # more than failed here
    slow = learners.capacity(sweep, 3.7, cpu_speed=0.7)  # what the plan says on a slower machine
    assert slow["plan_rate_per_min"] == 21.0  # 0.6 of 120 / (2.4 / 0.7)
    assert slow["cpu_bound_rate_per_min"] == found["cpu_bound_rate_per_min"]


def test_a_plan_above_the_failed_rate_or_below_the_held_one_is_not_honest(
    learners: Any,
) -> None:
    """The plan's figure must be at least what held and less than what failed."""

    def honest(plan: float, best: int, failed: int | None) -> bool:
        found = {"plan_rate_per_min": plan, "best_rate_per_min": best,
                 "lowest_failed_rate_per_min": failed}  # fmt: skip
        return bool(learners.plan_is_honest(found))

    assert honest(16.2, 15, 20)
    assert honest(15.0, 15, 20)
    assert not honest(20.0, 15, 20)
    assert not honest(32.4, 15, 20)  # the CPUs' own rate: what the plan used to say
    assert not honest(14.9, 15, 20)
    assert honest(16.2, 15, None)  # nothing failed: only a floor
    assert not honest(16.2, 30, None)


def test_a_sweep_where_nothing_held_has_no_best_rate(learners: Any) -> None:
    """Every rate failed: the best is 0, the lowest failed is the first rate."""
    found = learners.capacity([run(10, 20.0), run(15, None)], 3.7)
    assert (found["best_rate_per_min"], found["lowest_failed_rate_per_min"]) == (0, 10)
    assert found["P4"] == 0
    assert not learners.plan_is_honest(found)
