"""What one learner costs, next to its floor, and how many a minute the machine lets in.

- P7: CPU-seconds per learner from joining to their first output (the hub and
  its proxy's share, their server's start, JupyterLab's page, a kernel, a
  cell) divided by the floor: the same image's server started bare in a
  container, its page fetched, a kernel started and a cell run, no hub.
- P4: the highest arrival rate (learners a minute) at which p95 arrival ->
  first output stays within 15 s, every learner fetching the page, divided by
  the CPU-bound limit (60 x cores / CPU-seconds per learner).
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import time
import uuid
from typing import Any

import httpx
from cost import Meter, by_role, cpu_seconds, memory_bytes
from loadgen import execute_request, output, simulate, summarise
from websockets.asyncio.client import connect

import wiw
from wiw.engine.protocol import ContainerEngine

P95_BOUND = 15.0


def _learner_ids(engine: ContainerEngine, workshop: str) -> list[str]:
    ids = []
    for cid in engine.containers_labelled(f"org.wiw.workshop={workshop}"):
        info = engine.container_info(cid)
        if info is not None and info.labels.get("org.wiw.role") == "learner":
            ids.append(info.id)
    return ids


def _roles(hub: str, before: dict[str, float], learners: list[str]) -> dict[str, float]:
    """CPU-seconds the class cost, by process role: the hub's since ``before``, the learners'."""
    used = {name: spent - before.get(name, 0.0) for name, spent in by_role(hub).items()}
    for cid in learners:
        for name, spent in by_role(cid).items():
            used[name] = used.get(name, 0.0) + spent
    return used


def floor(image: wiw.Image, assets: list[str]) -> dict[str, float]:
    """CPU-seconds of a bare server: start, page, kernel, cell (no hub, no proxy)."""
    with wiw.Lab.run(image) as hub:
        url = hub.wait_for_token(timeout=120)
        token = url.split("token=", 1)[1]
        info = image.engine.container_info(hub.container_id)
        assert info is not None
        started = cpu_seconds(info.id) or 0.0
        base = url.split("/lab", 1)[0] + "/"
        headers = {"Authorization": f"token {token}", "Accept-Encoding": "gzip, deflate"}
        with httpx.Client(headers=headers, timeout=60) as client:
            for path in assets:
                client.get(f"{base}{path}")
        page = cpu_seconds(info.id) or 0.0
        first = asyncio.run(_kernel_and_cell(base, token))
        total = cpu_seconds(info.id) or 0.0
    return {"start": round(started, 3), "page": round(page - started, 3),
            "kernel_and_cell": round(total - page, 3), "total": round(total, 3),
            "first_output_s": first}  # fmt: skip


async def _kernel_and_cell(base: str, token: str) -> float:
    """Start a kernel on a bare server and run one cell; seconds it took."""
    began = time.monotonic()
    headers = {"Authorization": f"token {token}"}
    async with httpx.AsyncClient(headers=headers, timeout=60) as http:
        kernel = (await http.post(f"{base}api/kernels", json={"name": "python3"})).json()["id"]
    url = f"{base}api/kernels/{kernel}/channels".replace("http", "ws", 1)
    msg_id = uuid.uuid4().hex
    async with connect(url, additional_headers=headers, open_timeout=30) as ws:
        await ws.send(json.dumps(execute_request("print('hello')", msg_id)))
        await output(ws, msg_id, time.monotonic() + 60)
    return round(time.monotonic() - began, 3)


def class_run(image: wiw.Image, learners: int, window: float, *, code: str,
              assets: list[str], seed: int, seats: int = 0) -> dict[str, Any]:  # fmt: skip
    """A simulated class; its phases, and the CPU and memory each learner cost.

    With ``seats``, the class keeps that many seats, all ready before anyone arrives.
    """
    options = wiw.ClassroomOptions(max_learners=learners + 5, concurrent_spawns=4, seats=seats)
    room = wiw.Classroom.start(image, options)
    meter = Meter()
    try:
        join_url = room.wait_until_ready(timeout=180)
        if seats:
            room.wait_for_seats(timeout=60 + 10 * seats)
        hub_id = room.engine.container_info(room.names.hub)
        assert hub_id is not None
        meter.read([hub_id.id])
        hub_before = by_role(hub_id.id)
        outcomes = asyncio.run(simulate(join_url, learners=learners, window=window, seed=seed,
                                        lesson_code=code, assets=assets,
                                        timeout=window + 300))  # fmt: skip
        meter.read([hub_id.id])
        ids = _learner_ids(room.engine, room.names.workshop)
        roles = _roles(hub_id.id, hub_before, ids)
        per_server = [cpu_seconds(cid) or 0.0 for cid in ids]
        memory = [memory_bytes(cid) or 0 for cid in ids]
        summary = summarise(outcomes)
    finally:
        room.destroy(confirm=True)
    ok = max(1, summary["ok"])
    summary["cpu"] = {
        "hub_s_per_learner": round(meter.used(hub_id.id) / ok, 3),
        "server_s_per_learner": round(sum(per_server) / max(1, len(per_server)), 3),
    }
    summary["cpu"]["total_s_per_learner"] = round(sum(summary["cpu"].values()), 3)
    summary["cpu"]["by_role_s_per_learner"] = {k: round(v / ok, 3) for k, v in roles.items()}
    summary["memory_mib_per_learner"] = round(sum(memory) / max(1, len(memory)) / 2**20, 1)
    summary["arrivals"] = [{"arrival": o.arrival, "first_output": o.phases.get("first_output"),
                            "status": o.status} for o in outcomes]  # fmt: skip
    return summary


def burst(image: wiw.Image, learners: int, window: float, *, code: str,
          assets: list[str], seed: int) -> dict[str, Any]:  # fmt: skip
    """A class arriving at once, with a seat for everyone and without; one learner alone.

    B1: burst p95 (arrival -> first output) with seats / one learner alone on a
    ready seat. B2: burst p95 with seats / burst p95 without.
    """
    run = functools.partial(class_run, image, code=code, assets=assets, seed=seed)
    alone = run(1, 0.0, seats=1)
    seated = run(learners, window, seats=learners)
    unseated = run(learners, window)

    def p95(run: dict[str, Any]) -> float | None:
        value = run["phases"].get("first_output", {}).get("p95")
        return float(value) if value is not None and run["errors"] == 0 else None

    runs = {"alone_on_a_seat": alone, "with_seats": seated, "without_seats": unseated}
    first = {name: p95(run) for name, run in runs.items()}
    return {
        "learners": learners, "window_s": window, "p95_first_output_s": first,
        "errors": {name: run["errors"] for name, run in runs.items()},
        "arrivals": {name: run["arrivals"] for name, run in runs.items()},
        "cpu_s_per_learner": {n: run["cpu"]["total_s_per_learner"] for n, run in runs.items()},
        "B1": _ratio(first["with_seats"], first["alone_on_a_seat"]),
        "B2": _ratio(first["with_seats"], first["without_seats"]),
    }  # fmt: skip


def _ratio(top: float | None, bottom: float | None) -> float | None:
    return round(top / bottom, 3) if top is not None and bottom else None


def capacity_sweep(
    image: wiw.Image, rates: list[int], *, seconds: float, code: str, assets: list[str],
    seed: int, seats: int = 0,
) -> list[dict[str, Any]]:  # fmt: skip
    """Classes arriving at rising rates (learners a minute); each run's p95 first output.

    With ``seats``, each class keeps that many spare seats, ready before the
    first arrival and refilled as learners take them.
    """
    runs = []
    for rate in rates:
        learners = max(1, round(rate * seconds / 60))
        run = class_run(image, learners, seconds, code=code, assets=assets, seed=seed,
                        seats=seats)  # fmt: skip
        first = run["phases"].get("first_output", {})
        runs.append({
            "rate_per_min": rate, "learners": learners, "ok": run["ok"], "errors": run["errors"],
            "p95_first_output_s": first.get("p95"), "cpu": run["cpu"],
        })  # fmt: skip
    return runs


def capacity(
    runs: list[dict[str, Any]], cpu_per_learner: float, cpu_speed: float = 1.0
) -> dict[str, Any]:
    """P4: the best rate that held p95 within the bound, over the CPU-bound limit.

    Beside it, the rate the class plan gives this machine, at ``cpu_speed``
    (:func:`wiw.planning.cpu_speed`, measured by the benchmark).
    """
    cores = os.cpu_count() or 1
    limit = 60 * cores / cpu_per_learner
    held = [r["rate_per_min"] for r in runs
            if r["errors"] == 0 and (r["p95_first_output_s"] or 1e9) <= P95_BOUND]  # fmt: skip
    best = max(held, default=0)
    failed = [r["rate_per_min"] for r in runs if r["rate_per_min"] > best]
    plan = wiw.plan_classroom(
        learners=1, host_memory=2**34, host_cpus=cores, cpu_speed=cpu_speed
    ).joins_per_minute
    return {"best_rate_per_min": best, "cpu_bound_rate_per_min": round(limit, 1),
            "P4": round(best / limit, 3), "lowest_failed_rate_per_min": min(failed, default=None),
            "plan_rate_per_min": round(plan, 1)}  # fmt: skip


def plan_is_honest(found: dict[str, Any]) -> bool:
    """Whether the class plan's arrival rate lies between the rates that held and failed.

    ``found`` is :func:`capacity`'s answer. With no failed rate in the sweep,
    the plan must not promise less than what held.
    """
    plan, best = found["plan_rate_per_min"], found["best_rate_per_min"]
    failed = found["lowest_failed_rate_per_min"]
    return bool(best <= plan and (failed is None or plan < failed))
