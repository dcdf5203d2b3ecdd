"""PNG charts of a benchmark run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt


def draw_charts(results: dict[str, Any], out: Path) -> list[Path]:
    """Draw the build-time, class-latency and arrival charts into ``out``."""
    return [_builds(results, out), _phases(results, out), _arrivals(results, out)]


def _builds(results: dict[str, Any], out: Path) -> Path:
    builds = results["builds"]
    fig, ax = plt.subplots(figsize=(6, 3))
    labels = ["cold (no cache)", "warm (no change)", "one lesson edited"]
    values = [builds["cold_s"], builds["warm_s"], builds["content_s"]]
    ax.barh(labels, values, color=["#b0b0b0", "#6baed6", "#2171b5"])
    for y, value in enumerate(values):
        ax.text(value, y, f" {value:.1f} s", va="center")
    ax.set_xlabel("seconds")
    ax.set_title("Build time of the example workshop")
    return _save(fig, out / "builds.png")


def _phases(results: dict[str, Any], out: Path) -> Path:
    phases = results["class"]["phases"]
    names = list(phases)
    fig, ax = plt.subplots(figsize=(7, 3.5))
    xs = range(len(names))
    ax.bar([x - 0.2 for x in xs], [phases[n]["p50"] for n in names], 0.4, label="p50")
    ax.bar([x + 0.2 for x in xs], [phases[n]["p95"] for n in names], 0.4, label="p95")
    ax.set_xticks(list(xs), [n.replace("_", " ") for n in names])
    ax.set_ylabel("seconds since arrival")
    cfg = results["config"]
    ax.set_title(f"{cfg['learners']} learners arriving over {cfg['window_s']:g} s")
    ax.legend()
    return _save(fig, out / "class-phases.png")


def _arrivals(results: dict[str, Any], out: Path) -> Path:
    arrivals = results["class"]["arrivals"]
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


def _save(fig: Any, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
