"""Measure what instructors and learners feel, side by side in one run, and check the budget.

Run with ``nox -s bench`` (``nox -s bench -- --quick`` for a small, fast
configuration that only proves the suite works). Writes ``bench.json`` and
PNG charts. Budgets are ratios of figures measured in the same run, since
machines of this kind differ about 2x in speed from one run to the next; the
absolute figures are reported beside them. Everything it starts listens on
127.0.0.1 and is removed at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import nbformat

import wiw
from wiw.engine import default_engine

# The benchmarks' modules, and the repository's root for tests.support.learners, the
# simulated learner the integration tests use too.
sys.path[:0] = [str(Path(__file__).parent), str(Path(__file__).parents[1])]
from browser import first_load_and_reload
from charts import draw_charts
from images import measure_builds, measure_lessons, measure_ready, measure_size
from learners import burst, capacity, capacity_sweep, class_run, floor, plan_is_honest

ROOT = Path(__file__).parents[1]
EXAMPLE = ROOT / "example_workshop"
# Each figure's budget: (ratio, "<=" or ">=").
BUDGET: dict[str, tuple[float, str]] = {
    "P1": (0.05, "<="), "P2": (0.40, "<="), "P3": (1.3, "<="), "P4": (0.6, ">="),
    "P5": (1.5, "<="), "P6": (150.0, "<="), "P7": (1.3, "<="), "P8": (2.0, "<="),
    "P8_reload": (0.3, "<="), "P9": (0.5, "<="), "B1": (1.5, "<="), "B2": (0.25, "<="),
}  # fmt: skip


def lesson_code() -> str:
    """The first code cell of lesson 1: what every simulated learner runs."""
    lesson = nbformat.read(EXAMPLE / "lesson01.ipynb", as_version=4)
    return str(next(c.source for c in lesson.cells if c.cell_type == "code"))


def measure_browser(image: wiw.Image) -> dict[str, Any]:
    """P8: bytes a learner's Chromium fetches through the classroom, first load and reload."""
    room = wiw.Classroom.start(image, wiw.ClassroomOptions(max_learners=3))
    try:
        loads = first_load_and_reload(room.wait_until_ready(timeout=180))
    finally:
        room.destroy(confirm=True)
    loads["P8"] = round(loads["first"]["bytes"] / 1e6, 3)
    loads["P8_reload"] = round(loads["reload"]["bytes"] / 1e6, 3)
    return loads


def measure_learners(
    image: wiw.Image, assets: list[str], args: argparse.Namespace
) -> dict[str, Any]:
    """P6, P7 and the phases of a simulated class; P4 from a sweep of arrival rates."""
    code = lesson_code()
    bare = floor(image, assets)
    klass = class_run(image, args.learners, args.window, code=code, assets=assets, seed=args.seed)
    per_learner = klass["cpu"]["total_s_per_learner"]
    sweep = capacity_sweep(image, args.rates, seconds=args.sweep_seconds, code=code,
                           assets=assets, seed=args.seed)  # fmt: skip
    seated = capacity_sweep(image, args.seat_rates, seconds=args.sweep_seconds, code=code,
                            assets=assets, seed=args.seed, seats=args.sweep_seats)  # fmt: skip
    return {
        "floor": bare,
        "class": klass,
        "sweep": sweep,
        "capacity": capacity(sweep, per_learner, args.cpu_speed),
        "sweep_with_seats": seated,
        "capacity_with_seats": {
            **capacity(seated, per_learner, args.cpu_speed),
            "seats": args.sweep_seats,
        },
        "P6": klass["memory_mib_per_learner"],
        "P7": round(per_learner / bare["total"], 3),
    }


def budget(results: dict[str, Any]) -> dict[str, Any]:
    """Each budget figure with its target and whether it is met."""
    if "builds" not in results:  # --only burst
        return _judge({"B1": results["burst"]["B1"], "B2": results["burst"]["B2"]})
    found = {
        "P1": results["builds"]["P1"], "P9": results["builds"]["P9"],
        "P2": results["size"]["P2"], "P3": results["ready"]["P3"],
        "P5": results["lessons"]["P5"], "P8": results["browser"]["P8"],
        "P8_reload": results["browser"]["P8_reload"], "P6": results["learners"]["P6"],
        "P7": results["learners"]["P7"], "P4": results["learners"]["capacity"]["P4"],
        "B1": results["burst"]["B1"], "B2": results["burst"]["B2"],
    }  # fmt: skip
    judged = _judge(found)
    for name, key in (("plan", "capacity"), ("plan_with_seats", "capacity_with_seats")):
        swept = results["learners"][key]
        judged[name] = {
            "value": swept["plan_rate_per_min"], "met": plan_is_honest(swept),
            "target": f"between {swept['best_rate_per_min']} (held) and "
                      f"{swept['lowest_failed_rate_per_min']} (failed) a minute",
        }  # fmt: skip
    return judged


def _judge(found: dict[str, Any]) -> dict[str, Any]:
    judged = {}
    for key, value in found.items():
        target, way = BUDGET[key]
        met = value is not None and (value <= target if way == "<=" else value >= target)
        judged[key] = {"value": value, "target": f"{way} {target:g}", "met": met}
    return judged


def run_burst(
    folder: Path, tag: str, engine: wiw.Engine, args: argparse.Namespace
) -> dict[str, Any]:
    """Only "a class arrives at once" (``--only burst``), on a freshly built image."""
    image = wiw.Image.build(wiw.Workshop(folder), tag=tag, engine=engine, show_progress=False)
    assets = measure_browser(image)["assets"]
    results = {**_about(engine, args), "burst": burst(
        image, args.burst, args.burst_window, code=lesson_code(), assets=assets, seed=args.seed
    )}  # fmt: skip
    results["budget"] = budget(results)
    return results


def _about(engine: wiw.Engine, args: argparse.Namespace) -> dict[str, Any]:
    return {
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                    "cpu_speed": args.cpu_speed,
                    "platform": platform.platform(), "engine": engine.client_call},
        "config": {"learners": args.learners, "window_s": args.window, "seed": args.seed,
                   "rates_per_min": args.rates, "sweep_s": args.sweep_seconds,
                   "seat_rates_per_min": args.seat_rates, "sweep_seats": args.sweep_seats,
                   "burst": args.burst, "burst_window_s": args.burst_window},
    }  # fmt: skip


def run_all(
    folder: Path, tag: str, engine: wiw.Engine, args: argparse.Namespace
) -> dict[str, Any]:
    """Every measurement, in an order that reuses the image built by the first."""
    results: dict[str, Any] = _about(engine, args)
    results["builds"] = measure_builds(folder, tag, engine)
    image = wiw.Image(tag, engine=engine)
    results["size"] = measure_size(image)
    results["ready"] = measure_ready(image, args.repeats)
    results["lessons"] = measure_lessons(image, wiw.Workshop(folder))
    results["browser"] = measure_browser(image)
    results["learners"] = measure_learners(image, results["browser"]["assets"], args)
    results["burst"] = burst(image, args.burst, args.burst_window, code=lesson_code(),
                             assets=results["browser"]["assets"], seed=args.seed)  # fmt: skip
    results["budget"] = budget(results)
    return results


def options() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--learners", type=int, default=30)
    parser.add_argument("--window", type=float, default=60.0)
    parser.add_argument("--rates", type=int, nargs="+", default=[10, 15, 20, 30, 40, 50])
    parser.add_argument("--sweep-seconds", type=float, default=60.0)
    parser.add_argument("--seat-rates", type=int, nargs="+", default=[15, 20, 30],
                        help="the rates swept again with spare seats")  # fmt: skip
    parser.add_argument("--sweep-seats", type=int, default=5, help="spare seats in that sweep")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--burst", type=int, default=30, help="learners arriving at once")
    parser.add_argument("--burst-window", type=float, default=30.0)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="a tiny class, to prove it works")
    parser.add_argument(
        "--only", choices=["burst"], help="only this part (its own JSON: burst.json)"
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()
    args.cpu_speed = round(wiw.planning.cpu_speed(), 3)  # beside the plan's reference machine
    if args.quick:
        args.learners, args.window, args.repeats = 3, 5.0, 1
        args.burst, args.burst_window = 3, 5.0
        args.rates, args.sweep_seconds = [6], 20.0
        args.seat_rates, args.sweep_seats = [6], 2
    return args


def main() -> None:
    """Run every measurement and write the results."""
    args = options()
    engine = default_engine()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="wiw-bench-") as tmp:
        folder = Path(tmp) / "bench-workshop"
        shutil.copytree(EXAMPLE, folder)
        tag = "wiw-bench/bench-workshop:latest"
        try:
            results = (run_burst if args.only else run_all)(folder, tag, engine, args)
        finally:
            image = wiw.Image(tag, engine=engine)
            if image.exists:
                image.remove()
    written = args.out / ("burst.json" if args.only else "bench.json")
    written.write_text(json.dumps(results, indent=2))
    draw_charts(results, args.out)
    for key, item in results["budget"].items():
        verdict = "met" if item["met"] else "NOT met"
        print(f"{key}: {item['value']} (target {item['target']}) {verdict}")
    print(f"wrote {written} and charts")


if __name__ == "__main__":
    main()
