"""PNG charts of a benchmark run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt


def draw_charts(results: dict[str, Any], out: Path) -> list[Path]:
    """Draw every chart of a run into ``out``; return their paths."""
    burst = [_burst(results, out)] if "burst" in results else []
    if "builds" not in results:  # --only burst
        return burst
    return [
        _builds(results, out), _phases(results, out), _arrivals(results, out),
        _bytes(results, out), _cost(results, out), _sweep(results, out), *burst,
    ]  # fmt: skip


def _builds(results: dict[str, Any], out: Path) -> Path:
    builds = results["builds"]
    fig, ax = plt.subplots(figsize=(6, 3))
    labels = ["cold, runtime by pip", "cold, runtime by uv", "warm (no change)",
              "one lesson edited"]  # fmt: skip
    values = [builds["cold_pip_s"], builds["cold_uv_s"], builds["warm_s"], builds["content_s"]]
    ax.barh(labels, values, color=["#b0b0b0", "#6baed6", "#9ecae1", "#2171b5"])
    for y, value in enumerate(values):
        ax.text(value, y, f" {value:.1f} s", va="center")
    ax.set_xlabel("seconds")
    ax.set_title("Build time of the example workshop")
    return _save(fig, out / "builds.png")


def _phases(results: dict[str, Any], out: Path) -> Path:
    phases = results["learners"]["class"]["phases"]
    names = list(phases)
    fig, ax = plt.subplots(figsize=(7, 3.5))
    xs = range(len(names))
    ax.bar([x - 0.2 for x in xs], [phases[n]["p50"] for n in names], 0.4, label="p50")
    ax.bar([x + 0.2 for x in xs], [phases[n]["p95"] for n in names], 0.4, label="p95")
    ax.set_xticks(list(xs), [n.replace("_", " ") for n in names])
    ax.set_ylabel("seconds since arrival")
    cfg = results["config"]  # the class run's size and window
    ax.set_title(f"{cfg['learners']} learners arriving over {cfg['window_s']:g} s")
    ax.legend()
    return _save(fig, out / "class-phases.png")


def _arrivals(results: dict[str, Any], out: Path) -> Path:
    arrivals = results["learners"]["class"]["arrivals"]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ok = [(a["arrival"], a["first_output"]) for a in arrivals if a["first_output"] is not None]
    if ok:
        xs, ys = [x for x, _ in ok], [y for _, y in ok]
        ax.scatter(xs, ys, s=14, label="first output")
    bad = [a["arrival"] for a in arrivals if a["first_output"] is None]
    if bad:
        ax.scatter(bad, [0] * len(bad), marker="x", color="red", label="no output")
    ax.axhline(20, color="grey", linestyle="--", linewidth=1, label="budget (20 s)")
    ax.set_xlabel("arrival (s)")
    ax.set_ylabel("arrival → first output (s)")
    ax.set_title("Each learner's wait for their first cell")
    ax.legend()
    return _save(fig, out / "class-arrivals.png")


def _bytes(results: dict[str, Any], out: Path) -> Path:
    browser = results["browser"]
    fig, ax = plt.subplots(figsize=(6, 2.6))
    labels = ["first load", "reload"]
    values = [browser["first"]["bytes"] / 1e6, browser["reload"]["bytes"] / 1e6]
    ax.barh(labels, values, color=["#2171b5", "#6baed6"])
    for y, key in enumerate(("first", "reload")):
        load = browser[key]
        note = f" {values[y]:.2f} MB, {load['requests']} requests, {load['compressed']} compressed"
        ax.text(values[y], y, note, va="center")
    ax.axvline(2.0, color="grey", linestyle="--", linewidth=1, label="first-load budget (2 MB)")
    ax.set_xlim(0, max([*values, 2.0]) * 2.2)
    ax.set_xlabel("MB on the wire")
    ax.set_title("What a learner's Chromium fetches through the classroom")
    ax.legend(loc="lower right")
    return _save(fig, out / "browser-bytes.png")


def _cost(results: dict[str, Any], out: Path) -> Path:
    learners = results["learners"]
    floor = learners["floor"]
    roles = learners["class"]["cpu"]["by_role_s_per_learner"]
    fig, ax = plt.subplots(figsize=(7, 2.8))
    rows = [("floor (bare server)", ["start", "page", "kernel_and_cell"], floor),
            ("one learner in a class", sorted(roles), roles)]  # fmt: skip
    colours = plt.get_cmap("tab10")
    for y, (_, parts, values) in enumerate(rows):
        left = 0.0
        for index, part in enumerate(parts):
            width = values.get(part, 0.0)
            colour = colours(index + 3 * y)
            ax.barh(y, width, left=left, color=colour, label=part.replace("_", " "))
            left += width
        ax.text(left, y, f" {left:.2f} CPU-s", va="center")
    ax.set_yticks([0, 1], [name for name, _, _ in rows])
    ax.set_xlabel("CPU-seconds, join → first output")
    ax.set_title(f"What a learner costs (P7 = {learners['P7']})")
    ax.legend(fontsize=7, ncol=4, loc="upper center", bbox_to_anchor=(0.5, -0.3))
    return _save(fig, out / "learner-cpu.png")


def _sweep(results: dict[str, Any], out: Path) -> Path:
    learners = results["learners"]
    fig, ax = plt.subplots(figsize=(6, 3.2))
    seats = learners.get("capacity_with_seats", {}).get("seats")
    for key, label in (("sweep", "p95 arrival → first output"),
                       ("sweep_with_seats", f"the same, {seats} spare seats")):  # fmt: skip
        runs = learners.get(key, [])
        rates = [r["rate_per_min"] for r in runs]
        p95 = [r["p95_first_output_s"] or 0 for r in runs]
        ax.plot(rates, p95, marker="o", label=label)
        for rate, value, run in zip(rates, p95, runs, strict=True):
            if run["errors"]:
                ax.annotate(f"{run['errors']} failed", (rate, value), color="red", fontsize=8)
    plan = learners["capacity"]["plan_rate_per_min"]
    ax.axvline(plan, color="green", linestyle="-.", linewidth=1, label=f"plan ({plan:g}/min)")
    ax.axhline(15, color="grey", linestyle="--", linewidth=1, label="bound (15 s)")
    limit = learners["capacity"]["cpu_bound_rate_per_min"]
    ax.axvline(limit, color="orange", linestyle=":", label=f"CPU-bound limit ({limit:g}/min)")
    ax.set_xlabel("learners arriving per minute")
    ax.set_ylabel("seconds")
    ax.set_title(f"Class capacity (P4 = {learners['capacity']['P4']})")
    ax.legend(fontsize=8)
    return _save(fig, out / "capacity.png")


def _burst(results: dict[str, Any], out: Path) -> Path:
    burst = results["burst"]
    fig, ax = plt.subplots(figsize=(7, 3.5))
    styles = {"without_seats": ("#b0b0b0", "x"), "with_seats": ("#2171b5", "o"),
              "alone_on_a_seat": ("#e6550d", "s")}  # fmt: skip
    for name, arrivals in burst["arrivals"].items():
        colour, marker = styles[name]
        ok = [(a["arrival"], a["first_output"]) for a in arrivals if a["first_output"]]
        p95 = burst["p95_first_output_s"][name]
        label = f"{name.replace('_', ' ')} (p95 {p95:.1f} s)" if p95 else name.replace("_", " ")
        ax.scatter([x for x, _ in ok], [y for _, y in ok], s=16, color=colour, marker=marker,
                   label=label)  # fmt: skip
    ax.set_xlabel("arrival (s)")
    ax.set_ylabel("arrival → first output (s)")
    ax.set_title(f"{burst['learners']} learners arriving within {burst['window_s']:g} s "
                 f"(B1 = {burst['B1']}, B2 = {burst['B2']})")  # fmt: skip
    ax.legend(fontsize=8)
    return _save(fig, out / "burst.png")


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
