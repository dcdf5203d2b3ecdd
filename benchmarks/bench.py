"""Measure what instructors feel, side by side in one run, and check the budget.

Run with ``nox -s bench`` (``nox -s bench -- --quick`` for a small, fast
configuration). Writes ``results/bench.json`` and PNG charts. Everything it
starts listens on 127.0.0.1 and is removed at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path
from typing import Any

import nbformat

import wiw
from wiw._docker import default_engine
from wiw.lessons import run_lessons

sys.path.insert(0, str(Path(__file__).parent))
from charts import draw_charts
from loadgen import simulate, summarise

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / "example_workshop"
SEED_IMAGE_BYTES = 1.09e9  # the 2018 tutorial's image
BUDGET = {"P1": 0.05, "P2": 0.40, "P3": 1.3, "P4": 20.0, "P5": 1.5, "P6": 150.0}


def timed_build(workshop: wiw.Workshop, tag: str, engine: wiw.Engine, **kw: Any) -> float:
    """Seconds one build takes."""
    started = time.monotonic()
    wiw.Image.build(workshop, tag=tag, engine=engine, show_progress=False, **kw)
    return round(time.monotonic() - started, 2)


def measure_builds(folder: Path, tag: str, engine: wiw.Engine) -> dict[str, float]:
    """Cold (no cache), warm (no change) and content-only (one lesson edited) builds."""
    workshop = wiw.Workshop(folder)
    cold = timed_build(workshop, tag, engine, no_cache=True)
    warm = timed_build(workshop, tag, engine)
    lesson = folder / "lesson01.ipynb"
    notebook = nbformat.read(lesson, as_version=4)
    notebook.cells.append(nbformat.v4.new_markdown_cell("An instructor's last-minute note."))
    nbformat.write(notebook, lesson)
    content = timed_build(wiw.Workshop(folder), tag, engine)
    return {"cold_s": cold, "warm_s": warm, "content_s": content, "P1": round(content / cold, 4)}


def measure_size(image: wiw.Image) -> dict[str, Any]:
    """Uncompressed size, `docker save | gzip` size and the largest layers."""
    save = subprocess.Popen([*image.engine.client_call, "save", image.ref], stdout=subprocess.PIPE)
    gzip, total = zlib.compressobj(6, zlib.DEFLATED, 31), 0
    assert save.stdout is not None
    for chunk in iter(lambda: save.stdout.read(1 << 20), b""):  # type: ignore[union-attr]
        total += len(gzip.compress(chunk))
    total += len(gzip.flush())
    save.wait()
    history = subprocess.run(
        [*image.engine.client_call, "history", "--human=false", "--no-trunc",
         "--format", "{{.Size}}\t{{.CreatedBy}}", image.ref],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    layers = sorted(
        (
            (int(size), what[-90:])
            for size, what in (line.split("\t", 1) for line in history.splitlines())
        ),
        reverse=True,
    )[:5]
    return {
        "bytes": image.size,
        "gzip_bytes": total,
        "largest_layers": [{"bytes": s, "step": w} for s, w in layers],
        "P2": round(image.size / SEED_IMAGE_BYTES, 4),
    }


def measure_ready(image: wiw.Image, repeats: int) -> dict[str, Any]:
    """Seconds from `run` to a working URL, next to the floor on the same image."""
    ready, floor = [], []
    for _ in range(repeats):
        started = time.monotonic()
        with wiw.Hub.run(image) as hub:
            url = hub.wait_for_token(timeout=120)
            import httpx

            assert httpx.get(url, timeout=30, follow_redirects=True).status_code == 200
            ready.append(time.monotonic() - started)
        started = time.monotonic()
        subprocess.run(
            [*image.engine.client_call, "run", "--rm", "--label", "org.wiw.managed=true",
             image.ref, "python3", "-c", "import jupyter_server.serverapp, jupyterlab"],
            check=True, capture_output=True,
        )  # fmt: skip
        floor.append(time.monotonic() - started)
    r, f = statistics.median(ready), statistics.median(floor)
    return {"ready_s": round(r, 3), "floor_s": round(f, 3), "P3": round(r / f, 3)}


def container_stat(engine: wiw.Engine, cid: str, script: str) -> str:
    """Run a small shell script in a container and return its output."""
    return subprocess.run(
        [*engine.client_call, "exec", cid, "sh", "-c", script],
        capture_output=True, text=True, check=False,
    ).stdout  # fmt: skip


CPU_NS = "cat /sys/fs/cgroup/cpuacct/cpuacct.usage 2>/dev/null || awk '/usage_usec/ {print $2*1000}' /sys/fs/cgroup/cpu.stat"  # noqa: E501
MEMORY = "cat /proc/[0-9]*/smaps_rollup 2>/dev/null | awk '/^Rss:/ {r+=$2} /^Pss:/ {p+=$2} END {print r, p}'"  # noqa: E501


def learner_costs(engine: wiw.Engine, workshop: str) -> dict[str, float]:
    """CPU-seconds each learner's container used, and one learner's memory (RSS/PSS)."""
    cids = engine.containers_labelled(f"org.wiw.workshop={workshop}")
    cpu, memory = [], []
    for cid in cids:
        info = engine.container_info(cid)
        if info is None or info.labels.get("org.wiw.role") != "learner":
            continue
        with_ns = container_stat(engine, cid, CPU_NS).strip()
        if with_ns:
            cpu.append(int(float(with_ns)) / 1e9)
        rss_pss = container_stat(engine, cid, MEMORY).split()
        if len(rss_pss) == 2:
            memory.append((int(rss_pss[0]) / 1024, int(rss_pss[1]) / 1024))
    if not cpu:
        return {}
    return {
        "cpu_s_per_learner": round(statistics.median(cpu), 3),
        "rss_mib": round(statistics.median(m[0] for m in memory), 1) if memory else 0.0,
        "pss_mib": round(statistics.median(m[1] for m in memory), 1) if memory else 0.0,
    }


def measure_class(image: wiw.Image, learners: int, window: float, seed: int) -> dict[str, Any]:
    """A simulated class against a classroom hub; per-phase latencies and costs."""
    lesson = nbformat.read(EXAMPLE / "lesson01.ipynb", as_version=4)
    code = next(c.source for c in lesson.cells if c.cell_type == "code")
    options = wiw.ClassroomOptions(max_learners=learners + 5)
    room = wiw.Classroom.start(image, options)
    try:
        join_url = room.wait_until_ready(timeout=180)
        cpu_before, wall_before = time.process_time(), time.monotonic()
        outcomes = asyncio.run(
            simulate(join_url, learners=learners, window=window, seed=seed,
                     lesson_code=code, timeout=window + 240)
        )  # fmt: skip
        generator_cpu = (time.process_time() - cpu_before) / (time.monotonic() - wall_before)
        summary = summarise(outcomes)
        summary["generator_cpu_share"] = round(generator_cpu / max(1, _cpus()), 4)
        summary.update(learner_costs(image.engine, room.names.workshop))
        summary["arrivals"] = [
            {
                "arrival": o.arrival,
                "first_output": o.phases.get("first_output"),
                "status": o.status,
            }
            for o in outcomes
        ]
        first = summary["phases"].get("first_output", {})
        summary["P4"] = first.get("p95")
        return summary
    finally:
        room.destroy(confirm=True)


def _cpus() -> int:
    import os

    return os.cpu_count() or 1


def measure_lessons(image: wiw.Image, workshop: wiw.Workshop) -> dict[str, Any]:
    """All lessons together versus the slowest single lesson."""
    names = [p.relative_to(workshop.path) for p in workshop.lessons]
    together = run_lessons(image, names, workshop=workshop.name)
    assert together.ok, together.to_json()
    single = [run_lessons(image, [n], workshop=workshop.name).duration for n in names]
    return {
        "all_s": together.duration,
        "slowest_single_s": max(single),
        "peak_memory_bytes": together.peak_memory,
        "P5": round(together.duration / max(single), 3),
    }


def budget(results: dict[str, Any]) -> dict[str, Any]:
    """Each budget figure with its target and whether it is met."""
    found = {
        "P1": results["builds"]["P1"],
        "P2": results["size"]["P2"],
        "P3": results["ready"]["P3"],
        "P4": results["class"].get("P4"),
        "P5": results["lessons"]["P5"],
        "P6": results["class"].get("pss_mib"),
    }
    return {k: {"value": v, "target": BUDGET[k], "met": v is not None and v <= BUDGET[k]}
            for k, v in found.items()}  # fmt: skip


def main() -> None:
    """Run every measurement and write the results."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="3 learners over 5 s, 1 repeat")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()
    if args.quick:
        args.learners, args.window, args.repeats = 3, 5.0, 1
    engine = default_engine()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wiw-bench-") as tmp:
        folder = Path(tmp) / "bench-workshop"
        shutil.copytree(EXAMPLE, folder)
        tag = "wiw-bench/bench-workshop:latest"
        try:
            results = run_all(folder, tag, engine, args)
        finally:
            image = wiw.Image(tag, engine=engine)
            if image.exists:
                image.remove()
    (args.out / "bench.json").write_text(json.dumps(results, indent=2))
    draw_charts(results, args.out)
    for key, item in results["budget"].items():
        verdict = "met" if item["met"] else "NOT met"
        print(f"{key}: {item['value']} (target <= {item['target']}) {verdict}")
    print(f"wrote {args.out / 'bench.json'} and charts")


def run_all(
    folder: Path, tag: str, engine: wiw.Engine, args: argparse.Namespace
) -> dict[str, Any]:
    """Every measurement, in an order that reuses the image built by the first."""
    results: dict[str, Any] = {
        "machine": {"cpus": _cpus(), "python": platform.python_version(),
                    "platform": platform.platform(), "engine": engine.client_call},
        "config": {"learners": args.learners, "window_s": args.window, "seed": args.seed},
    }  # fmt: skip
    results["builds"] = measure_builds(folder, tag, engine)
    image = wiw.Image(tag, engine=engine)
    results["size"] = measure_size(image)
    results["ready"] = measure_ready(image, args.repeats)
    results["lessons"] = measure_lessons(image, wiw.Workshop(folder))
    results["class"] = measure_class(image, args.learners, args.window, args.seed)
    results["budget"] = budget(results)
    return results


if __name__ == "__main__":
    main()
