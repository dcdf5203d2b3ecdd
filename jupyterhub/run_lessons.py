"""Execute lesson notebooks inside a workshop container and report as JSON.

wiw passes this file's text to the image's own Python (``python3 -c``), as
the learner, in a throwaway container whose home holds a fresh copy of the
lessons; so a runner change never invalidates an image. It prints one line
``WIW-REPORT {...}`` at the end. Only the standard library, nbformat and
nbclient (both in every wiw image) are used.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import re
import sys
import time
import traceback
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")


def strip_ansi(text: str) -> str:
    """Remove terminal colour codes."""
    return ANSI.sub("", text)


def failure_of(
    exc: BaseException, notebook: object, cell_index: int | None, kind: str
) -> dict[str, object]:
    """Describe a failed lesson: which cell (1-based, all cells), what error, the traceback."""
    cells = getattr(notebook, "cells", [])
    source = cells[cell_index].get("source", "") if cell_index is not None else ""
    ename = getattr(exc, "ename", None) or type(exc).__name__
    evalue = getattr(exc, "evalue", None)
    if evalue is None:
        lines = str(exc).strip().splitlines()
        evalue = lines[-1] if lines else ""
    tb = getattr(exc, "traceback", None)
    text = tb if isinstance(tb, str) else "".join(traceback.format_exception(exc))
    return {
        "kind": kind,
        "cell": None if cell_index is None else cell_index + 1,
        "source": source[:400],
        "ename": strip_ansi(str(ename)),
        "evalue": strip_ansi(str(evalue))[:1000],
        "traceback": strip_ansi(text)[-4000:],
    }


def _kind(exc: BaseException, read: bool) -> str:
    names = {c.__name__ for c in type(exc).__mro__}
    if "CellTimeoutError" in names:
        return "timeout"
    if "DeadKernelError" in names:
        return "kernel-died"
    if "NoSuchKernel" in names:
        return "no-kernel"
    return "error" if read else "unreadable"


def run_one(path: str, timeout: int, kernel: str | None) -> dict[str, object]:
    """Execute one notebook in its own folder; never raises."""
    started = time.monotonic()
    result: dict[str, object] = {"lesson": path, "passed": False, "failure": None}
    notebook, current = None, {"index": None}
    try:
        notebook = nbformat.read(path, as_version=4)
        client = NotebookClient(
            notebook,
            timeout=timeout,
            kernel_name=kernel or notebook.metadata.get("kernelspec", {}).get("name", "python3"),
            resources={"metadata": {"path": str(Path(path).parent)}},
            on_cell_execute=lambda cell, cell_index: current.update(index=cell_index),
        )
        client.execute()
        result["passed"] = True
    except Exception as exc:  # every failure is reported, never raised
        kind = _kind(exc, notebook is not None)
        result["failure"] = failure_of(exc, notebook, current["index"], kind)
    result["duration"] = round(time.monotonic() - started, 3)
    return result


def peak_memory() -> int | None:
    """The container's peak memory use in bytes, from its cgroup (v2 or v1)."""
    for name in ("/sys/fs/cgroup/memory.peak", "/sys/fs/cgroup/memory/memory.max_usage_in_bytes"):
        try:
            return int(Path(name).read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue
    return None


def outcome(future: Future[dict[str, object]], path: str) -> dict[str, object]:
    """The result of one lesson, even when its worker process died."""
    try:
        return future.result()
    except Exception as exc:  # a worker killed (e.g. out of memory) breaks the pool
        failure = failure_of(exc, None, None, "runner-died")
        return {"lesson": path, "passed": False, "failure": failure, "duration": 0.0}


def main() -> None:
    """Run the lessons given on the command line and print the report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("lessons", nargs="+")
    parser.add_argument("--timeout", type=int, default=120)
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument("--kernel")
    parser.add_argument("--marker", required=True)
    args = parser.parse_args()
    os.chdir(Path.home())
    started = time.monotonic()
    # fork: this script arrives as `python3 -c`, so workers cannot re-import it.
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=max(1, args.parallel), mp_context=context) as pool:
        futures = [pool.submit(run_one, p, args.timeout, args.kernel) for p in args.lessons]
        results = [outcome(f, p) for f, p in zip(futures, args.lessons, strict=True)]
    report = {
        "results": results,
        "duration": round(time.monotonic() - started, 3),
        "peak_memory": peak_memory(),
        "python": sys.version.split()[0],
    }
    print(args.marker + json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
