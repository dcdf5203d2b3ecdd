"""Building and running the workshop image: build times, size, start-up, lessons.

- P1: a rebuild after editing one lesson, over a cold build.
- P9: the runtime's install with uv, over the same with pip (same pinned
  lock, same run); the whole cold builds' ratio is kept beside it.
- P2: the image's size, over the 2018 tutorial's image (1.09 GB).
- P3: ``run`` to a working URL, over the floor (a container start and
  importing the server).
- P5: all lessons together, over the slowest single lesson.
"""

from __future__ import annotations

import re
import statistics
import subprocess
import time
import zlib
from dataclasses import replace
from pathlib import Path
from typing import Any

import httpx
import nbformat

import wiw
from wiw._version import __version__
from wiw.build.context import render_context
from wiw.build.progress import BuildProgress
from wiw.engine import labels as _labels
from wiw.lessons.runner import run_lessons

SEED_IMAGE_BYTES = 1.09e9  # the 2018 tutorial's image
INSTALL_TIME = re.compile(r"wiw-install: \w+ installed in (?P<seconds>[0-9.]+) s")


def timed_build(workshop: wiw.Workshop, tag: str, engine: wiw.Engine, **kw: Any) -> float:
    """Seconds one build takes."""
    started = time.monotonic()
    wiw.Image.build(workshop, tag=tag, engine=engine, show_progress=False, **kw)
    return round(time.monotonic() - started, 2)


def cold_build_with(
    installer: str, workshop: wiw.Workshop, tag: str, engine: wiw.Engine
) -> dict[str, Any]:
    """A cold build with the runtime installed by ``installer`` (uv or pip): seconds, per step."""
    context = render_context(workshop)
    context = replace(context, build_args={**context.build_args, "INSTALLER": installer})
    image = wiw.Image(tag, engine=engine)
    labels = {**_labels.labels_for(workshop.name, "image", __version__), _labels.REF: tag}
    starts: list[tuple[float, str]] = []
    installs: list[float] = []  # what wiw-install says each install took, in order

    def note(event: BuildProgress) -> None:
        if event.step and (not starts or starts[-1][1] != event.description):
            starts.append((time.monotonic(), event.description))
        said = INSTALL_TIME.search(event.line)
        if said:
            installs.append(float(said["seconds"]))

    started = time.monotonic()
    image._build(context, labels, True, None, note)
    ended = time.monotonic()
    ends = [at for at, _ in starts[1:]] + [ended]
    timed = [(what, round(end - at, 2)) for (at, what), end in zip(starts, ends, strict=True)]
    runtime = sum(seconds for what, seconds in timed if "wiw-install --no-deps" in what)
    steps = [{"step": what[:80], "s": seconds} for what, seconds in timed]
    return {"total_s": round(ended - started, 2), "runtime_step_s": round(runtime, 2),
            "runtime_install_s": installs[0] if installs else None, "steps": steps}  # fmt: skip


def measure_builds(folder: Path, tag: str, engine: wiw.Engine) -> dict[str, Any]:
    """Cold builds with uv and with pip, a warm build, and a rebuild after a lesson edit.

    P9 compares the runtime's installs (the rest of a cold build is the same
    work for both installers); the whole cold builds' ratio is kept beside it.
    """
    workshop = wiw.Workshop(folder)
    with_pip = cold_build_with("pip", workshop, tag, engine)
    with_uv = cold_build_with("uv", workshop, tag, engine)
    cold = timed_build(workshop, tag, engine, no_cache=True)
    warm = timed_build(workshop, tag, engine)
    lesson = folder / "lesson01.ipynb"
    notebook = nbformat.read(lesson, as_version=4)
    notebook.cells.append(nbformat.v4.new_markdown_cell("An instructor's last-minute note."))
    nbformat.write(notebook, lesson)
    content = timed_build(wiw.Workshop(folder), tag, engine)
    uv_s, pip_s = with_uv["runtime_step_s"], with_pip["runtime_step_s"]
    uv_install, pip_install = with_uv["runtime_install_s"], with_pip["runtime_install_s"]
    return {
        "cold_pip_s": with_pip["total_s"], "cold_uv_s": with_uv["total_s"], "cold_s": cold,
        "warm_s": warm, "content_s": content, "P1": round(content / cold, 4),
        "whole_build_ratio": round(with_uv["total_s"] / with_pip["total_s"], 3),
        "runtime_step_uv_s": uv_s, "runtime_step_pip_s": pip_s,
        "runtime_step_ratio": round(uv_s / pip_s, 3) if pip_s else None,
        "runtime_install_uv_s": uv_install, "runtime_install_pip_s": pip_install,
        "P9": round(uv_install / pip_install, 3) if uv_install and pip_install else None,
        "steps_uv": with_uv["steps"], "steps_pip": with_pip["steps"],
    }  # fmt: skip


def measure_size(image: wiw.Image) -> dict[str, Any]:
    """Uncompressed size, ``docker save | gzip`` size and the largest layers."""
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
    rows = (line.split("\t", 1) for line in history.splitlines())
    layers = sorted(((int(size), what[-90:]) for size, what in rows), reverse=True)[:5]
    return {
        "bytes": image.size,
        "gzip_bytes": total,
        "largest_layers": [{"bytes": s, "step": w} for s, w in layers],
        "P2": round(image.size / SEED_IMAGE_BYTES, 4),
    }


def measure_ready(image: wiw.Image, repeats: int) -> dict[str, Any]:
    """Seconds from ``run`` to a working URL, next to the floor on the same image."""
    ready, floor = [], []
    for _ in range(repeats):
        started = time.monotonic()
        with wiw.Lab.run(image) as hub:
            url = hub.wait_for_token(timeout=120)
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


def measure_lessons(image: wiw.Image, workshop: wiw.Workshop) -> dict[str, Any]:
    """All lessons together versus the slowest single lesson."""
    names = [p.relative_to(workshop.path) for p in workshop.lessons]
    together = run_lessons(image, names, workshop=workshop.name)
    assert together.ok, together.to_json()
    single = [run_lessons(image, [n], workshop=workshop.name).duration for n in names]
    return {
        "all_s": together.duration,
        "slowest_single_s": max(single),
        "lesson_peak_bytes": together.lesson_peak,
        "P5": round(together.duration / max(single), 3),
    }
