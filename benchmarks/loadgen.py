"""A simulated class: learners arriving at a classroom hub, as browsers would.

Each learner is the simulated learner the integration tests use
(``tests/support/learners.py``), with a cookie jar of their own and accepting
gzip, as Chromium does over HTTP. They open the join URL, give no name (the
hub picks one), wait for their server, fetch what a browser fetches on
JupyterLab's first load (the list ``browser.py`` recorded with Chromium),
start a kernel, run a cell over the kernel websocket, then run the first code
cell of a real lesson. Every wait is bounded; all traffic goes to the hub on
127.0.0.1.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field
from typing import Any

from tests.support.learners import Learner, collect_output, execute_request

__all__ = ["ACCEPT", "PHASES", "Outcome", "execute_request", "output", "simulate", "summarise"]

PHASES = ("join", "server", "page", "kernel", "first_output", "lesson_cell")
ACCEPT = {"Accept-Encoding": "gzip, deflate"}  # what Chromium sends over plain HTTP


@dataclass
class Outcome:
    """What happened to one simulated learner (seconds since their arrival)."""

    arrival: float
    phases: dict[str, float] = field(default_factory=dict)
    status: str = "pending"  # ok | full (429) | error
    error: str = ""
    name: str = ""
    bytes: int = 0  # what the page's assets weighed on the wire


async def output(ws: Any, msg_id: str, deadline: float) -> str:
    """Collect the stdout of request ``msg_id`` until the kernel is idle again.

    An error in the cell is raised (RuntimeError), as is the kernel dying (KernelDied).
    """
    return await collect_output(ws, msg_id, deadline, raise_on_error=True)


async def _one(
    join_url: str, outcome: Outcome, work: tuple[str, list[str]], timeout: float
) -> None:
    lesson_code, assets = work
    await asyncio.sleep(outcome.arrival)
    start = time.monotonic()
    deadline = start + timeout
    learner = Learner(join_url, headers=ACCEPT)

    def mark(phase: str) -> None:
        outcome.phases[phase] = round(time.monotonic() - start, 3)

    def left() -> float:
        return deadline - time.monotonic()

    try:
        status = (await learner.join()).status_code
        mark("join")
        if status == 429:
            outcome.status = "full"
            return
        outcome.name = learner.name
        await learner.wait_for_lab(timeout=left())
        mark("server")
        outcome.bytes = await learner.load_page(assets)
        mark("page")
        kernel = await learner.start_kernel()
        mark("kernel")
        await learner.execute(kernel, "print('hello')", left(), raise_on_error=True)
        mark("first_output")
        await learner.execute(kernel, lesson_code, left(), raise_on_error=True)
        mark("lesson_cell")
        outcome.status = "ok"
    except Exception as exc:
        outcome.status, outcome.error = "error", f"{type(exc).__name__}: {exc}"[:300]
    finally:
        await learner.close()


async def simulate(
    join_url: str,
    *,
    learners: int,
    window: float,
    seed: int,
    lesson_code: str,
    assets: list[str],
    timeout: float,
) -> list[Outcome]:
    """Send ``learners`` learners, arriving at seeded random times over ``window`` seconds."""
    rng = random.Random(seed)
    outcomes = [Outcome(arrival=round(rng.uniform(0, window), 3)) for _ in range(learners)]
    work = (lesson_code, assets)
    await asyncio.gather(*(_one(join_url, o, work, timeout) for o in outcomes))
    return outcomes


def summarise(outcomes: list[Outcome]) -> dict[str, Any]:
    """Per-phase p50/p95/max and the counts of successes, 429s and errors."""
    phases: dict[str, dict[str, float]] = {}
    for phase in PHASES:
        values = sorted(o.phases[phase] for o in outcomes if phase in o.phases)
        if values:
            phases[phase] = {
                "p50": _percentile(values, 50),
                "p95": _percentile(values, 95),
                "max": values[-1],
                "n": len(values),
            }
    sent = [o.bytes for o in outcomes if o.bytes]
    return {
        "phases": phases,
        "page_bytes_mean": round(sum(sent) / len(sent)) if sent else 0,
        "ok": sum(o.status == "ok" for o in outcomes),
        "full_429": sum(o.status == "full" for o in outcomes),
        "errors": sum(o.status == "error" for o in outcomes),
        "error_samples": sorted({o.error for o in outcomes if o.error})[:5],
    }


def _percentile(values: list[float], pct: float) -> float:
    index = min(len(values) - 1, max(0, round(pct / 100 * len(values) + 0.5) - 1))
    return values[index]
