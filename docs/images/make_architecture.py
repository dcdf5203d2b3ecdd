"""Draw docs/images/architecture.png: wiw's subsystems and the data that flows between them.

Run from anywhere with matplotlib installed (the "bench" dependency group)::

    python docs/images/make_architecture.py

The picture is made for the documentation's text column (about 900 pixels
wide); docs/architecture.md says the same in words, for screen readers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib as mpl

mpl.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

OUT = Path(__file__).with_name("architecture.png")
INK = "#1f2328"
DATA_FILL = "#f6f8fa"  # what flows: folders, files, images, reports
RUN_FILL = "#ddf4ff"  # what runs: a learner's lab, a class
LAYER_FILL = "#fff8c5"  # the engine boundary and the command line
BASE_FILL = "#eeeeee"  # the foundation modules
STEP = "#0550ae"  # the subsystem doing a step, on its arrow

WIDTH, HEIGHT = 10.0, 12.4  # inches, and the axes' units
MAIN_X, SIDE_X = 3.5, 8.35  # centres of the main column and the side column
MAIN_W, SIDE_W = 3.9, 3.0
BOX_H = 1.05


def box(
    ax: Axes,
    centre: tuple[float, float],
    size: tuple[float, float],
    title: str,
    body: str,
    *,
    fill: str,
    dashed: bool = False,
) -> None:
    """A rounded box centred on ``centre``: a bold title over smaller lines."""
    (x, y), (w, h) = centre, size
    ax.add_patch(
        FancyBboxPatch(
            (x - w / 2, y - h / 2),
            w,
            h,
            boxstyle="round,pad=0,rounding_size=0.12",
            facecolor=fill,
            edgecolor=INK,
            linewidth=1.4,
            linestyle="--" if dashed else "-",
        )
    )
    top = y + h / 2
    ax.text(x, top - 0.13, title, ha="center", va="top", fontsize=13, fontweight="bold", color=INK)
    ax.text(x, top - 0.5, body, ha="center", va="top", fontsize=11.5, color=INK, linespacing=1.3)


def arrow(
    ax: Axes,
    start: tuple[float, float],
    end: tuple[float, float],
    label: tuple[str, str],
    *,
    dashed: bool = False,
) -> None:
    """An arrow from ``start`` to ``end``, labelled with the subsystem and its call.

    The label goes beside a vertical arrow and above and below a horizontal one.
    """
    ax.add_patch(
        FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=22,
            linewidth=1.8,
            color=INK,
            linestyle="--" if dashed else "-",
            shrinkA=0,
            shrinkB=0,
        )
    )
    who, what = label
    mx, my = (start[0] + end[0]) / 2, (start[1] + end[1]) / 2
    subsystem: dict[str, Any] = {"fontsize": 12, "fontweight": "bold", "color": STEP}
    call: dict[str, Any] = {"fontsize": 11, "color": STEP, "family": "monospace"}
    if start[0] == end[0]:
        ax.text(mx + 0.18, my + 0.02, who, ha="left", va="bottom", **subsystem)
        ax.text(mx + 0.18, my - 0.02, what, ha="left", va="top", **call)
    else:
        ax.text(mx, my + 0.1, who, ha="center", va="bottom", **subsystem)
        ax.text(mx, my - 0.1, what, ha="center", va="top", **call)


# The main line, top to bottom: what flows from the folder to the class.
MAIN = {
    "folder": ("lessons folder", "notebooks, requirements.txt,\nenvironment.yml, runtime.txt"),
    "context": (
        "build context",
        "Dockerfile, the jupyterhub/ files,\ndependency files, then the lessons",
    ),
    "image": (
        "workshop image",
        "Python, JupyterLab, JupyterHub,\nthe workshop's packages and lessons",
    ),
    "report": ("lessons report", "each cell's verdict, output drift,\nthe kernel's peak memory"),
    "class": ("classroom", "JupyterHub, a server and a home\nper learner; one join URL + QR code"),
}
ROWS = {"folder": 10.45, "context": 8.7, "image": 6.95, "report": 5.2, "class": 3.45}
# Who turns one into the next, and with what call.
STEPS = [
    ("folder", "context", "build", "Workshop, render_context"),
    ("context", "image", "build", "Image.build"),
    ("image", "report", "lessons", "test_lessons"),
    ("report", "class", "planning, classroom", "plan_classroom, Classroom.start"),
]


def draw() -> None:
    """Draw the picture and write it to OUT."""
    fig = plt.figure(figsize=(WIDTH, HEIGHT))
    ax = fig.add_axes((0, 0, 1, 1))
    ax.set_xlim(0, WIDTH)
    ax.set_ylim(0, HEIGHT)
    ax.axis("off")
    title = "wiw: from a folder of lessons to a class"
    ax.text(
        WIDTH / 2,
        12.05,
        title,
        ha="center",
        va="center",
        fontsize=16,
        fontweight="bold",
        color=INK,
    )
    order = "layers, lowest first: engine < build < lessons < lab < classroom < deploy < cli"
    ax.text(WIDTH / 2, 11.62, order, ha="center", va="center", fontsize=12, color=INK)

    # The command line calls every part; nothing calls it.
    left, top, bottom = 0.2, 11.2, 3.35
    ax.add_patch(
        FancyBboxPatch(
            (left, bottom),
            0.75,
            top - bottom,
            boxstyle="round,pad=0,rounding_size=0.12",
            facecolor=LAYER_FILL,
            edgecolor=INK,
            linewidth=1.4,
        )
    )
    cli = "cli: the wiw command, calls every part"
    ax.text(
        left + 0.375,
        (top + bottom) / 2,
        cli,
        rotation=90,
        ha="center",
        va="center",
        fontsize=13,
        fontweight="bold",
        color=INK,
    )

    for key, (name, body) in MAIN.items():
        fill = RUN_FILL if key == "class" else DATA_FILL
        box(ax, (MAIN_X, ROWS[key]), (MAIN_W, BOX_H), name, body, fill=fill)
    gap = BOX_H / 2
    for a, b, who, what in STEPS:
        arrow(ax, (MAIN_X, ROWS[a] - gap), (MAIN_X, ROWS[b] + gap), (who, what))

    # Beside it: the hub-side code shipped in, one learner's lab, Kubernetes.
    right_edge, side_left = MAIN_X + MAIN_W / 2, SIDE_X - SIDE_W / 2
    hub_side = "hub-side code: hub config,\nproxy, login, wiw-sync;\nruns inside the image"
    box(
        ax,
        (SIDE_X, ROWS["context"]),
        (SIDE_W, 1.3),
        "jupyterhub/",
        hub_side,
        fill=DATA_FILL,
        dashed=True,
    )
    arrow(ax, (side_left, ROWS["context"]), (right_edge, ROWS["context"]), ("", ""), dashed=True)
    box(
        ax,
        (SIDE_X, ROWS["image"]),
        (SIDE_W, BOX_H),
        "one learner's lab",
        "JupyterLab on a token URL",
        fill=RUN_FILL,
    )
    arrow(ax, (right_edge, ROWS["image"]), (side_left, ROWS["image"]), ("lab", "Lab.run"))
    box(
        ax,
        (SIDE_X, ROWS["class"]),
        (SIDE_W, BOX_H),
        "Zero-to-JupyterHub",
        "Helm values: the pushed\nimage, the class options",
        fill=DATA_FILL,
    )
    arrow(ax, (right_edge, ROWS["class"]), (side_left, ROWS["class"]), ("deploy", "z2jh_values"))

    # Below everything: the engine boundary and the foundation.
    engine = (
        "build, lessons, lab and classroom reach containers only through it:\n"
        "the ContainerEngine protocol; Engine drives Docker or Podman"
    )
    box(
        ax,
        (5.1, 1.95),
        (9.6, 1.25),
        "engine: the only way to the container engine",
        engine,
        fill=LAYER_FILL,
    )
    box(
        ax,
        (5.1, 0.65),
        (9.6, 0.95),
        "foundation, used by every part",
        "errors, waiting, events, qr, planning, network, resources",
        fill=BASE_FILL,
    )

    fig.savefig(OUT, dpi=180, metadata={"Software": None})
    plt.close(fig)


if __name__ == "__main__":
    draw()
