"""Execute lesson notebooks inside a workshop container and report as JSON.

wiw passes this file's text to the image's own Python (``python3 -c``), as
the learner, in a throwaway container whose home holds a fresh copy of the
lessons; so a runner change never invalidates an image. It prints one line,
the marker wiw gives followed by the JSON report, at the end. Only the
standard library, nbformat and nbclient (both in every wiw image) are used,
and Jupytext for text lessons (in the images of workshops that have them).

Each lesson runs cell by cell in a kernel of its own:

- a cell tagged ``raises-exception`` may raise;
- a cell whose *saved* outputs show an error is expected to raise an error of
  the same name (unless ``--strict-errors``): it passes if it does, and is
  reported if it runs cleanly or raises another error;
- any other error is a failure; the lesson goes on after it (the kernel keeps
  its state), up to ``--max-failures`` failures;
- with ``--compare-outputs``, text and stream outputs are compared with the
  saved ones, once what always differs is set aside (addresses, timings,
  dates, temporary paths); images by presence and size.

The kernel's peak memory (its high-water mark) is measured per lesson.
"""

from __future__ import annotations

import argparse
import base64
import copy
import difflib
import importlib
import importlib.metadata
import json
import multiprocessing
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import traceback
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")
TAG = "raises-exception"
# The image's kernel for each language a notebook may say it is in.
LANGUAGE_KERNELS = {"python": "python3", "r": "ir"}
TEXT_SUFFIXES = (".md", ".py")  # text lessons (wiw.build.text_lessons.TEXT_SUFFIXES)
KERNEL_STARTUP = 180  # seconds a kernel may take to answer at first
STARTUP_DEATH = "Kernel died before replying to kernel_info"  # jupyter_client's words
LESSONS_ENV = Path("/opt/lessons")  # the lessons' environment (wiw.contract.LESSONS_ENV)
# What always differs between two runs of the same cell, and what it becomes.
NOISE = (
    (re.compile(r"0x[0-9a-fA-F]{6,}"), "0x…"),
    (re.compile(r"\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"), "DATE"),
    (re.compile(r"\b\d{1,2}:\d{2}:\d{2}(?:\.\d+)?\b"), "TIME"),
    (re.compile(r"\b\d+(?:\.\d+)?\s?(?:ns|µs|us|ms|s|sec|seconds|min)\b"), "N s"),
    (re.compile(r"(?:/tmp|/var/tmp|/var/folders)/[^\s'\"]*"), "TMP/…"),
    (re.compile(r"[ \t]+$", re.MULTILINE), ""),
)  # fmt: skip


def strip_ansi(text: str) -> str:
    """Remove terminal colour codes."""
    return ANSI.sub("", text)


def normalise(text: str) -> str:
    """Text with what always differs between runs set aside."""
    for pattern, replacement in NOISE:
        text = pattern.sub(replacement, text)
    return text.strip()


def source_of(cell: Any) -> str:
    """A cell's source as one string."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def saved_error(outputs: list[Any]) -> str | None:
    """The name of the error a cell's saved outputs show, if any."""
    return next((str(o.get("ename")) for o in outputs if o.get("output_type") == "error"), None)


def failure(
    kind: str,
    index: int | None,
    cell: Any,
    *,
    ename: str,
    evalue: str = "",
    tb: str = "",
    note: str = "",
) -> dict[str, Any]:
    """A failing cell (1-based number, counting every cell), ready for the report."""
    return {
        "kind": kind,
        "cell": None if index is None else index + 1,
        "source": source_of(cell)[:400] if cell is not None else "",
        "ename": strip_ansi(ename),
        "evalue": strip_ansi(evalue)[:1000],
        "traceback": strip_ansi(tb)[-4000:],
        "note": note,
    }


def from_exception(exc: BaseException, kind: str, index: int | None, cell: Any) -> dict[str, Any]:
    """A failure made from an exception nbclient raised."""
    ename = getattr(exc, "ename", None) or type(exc).__name__
    evalue = getattr(exc, "evalue", None)
    if evalue is None:
        lines = str(exc).strip().splitlines()
        evalue = lines[-1] if lines else ""
    tb = getattr(exc, "traceback", None)
    text = tb if isinstance(tb, str) else "".join(traceback.format_exception(exc))
    return failure(kind, index, cell, ename=str(ename), evalue=str(evalue), tb=text)


def error_output(cell: Any) -> dict[str, Any] | None:
    """The error output a cell produced when it ran, if any."""
    return next((o for o in cell.get("outputs", []) if o.get("output_type") == "error"), None)


def png_size(data: str) -> tuple[int, int] | None:
    """Width and height of a base64 PNG, from its header."""
    try:
        head = base64.b64decode(data[:44])
        return struct.unpack(">II", head[16:24])
    except (ValueError, struct.error):
        return None


def comparable(outputs: list[Any]) -> list[str]:
    """What of a cell's outputs is compared: text (normalised) and images by size."""
    found = []
    for out in outputs:
        kind = out.get("output_type")
        if kind == "stream":
            text = source_of({"source": out.get("text")})
            found.append(f"[{out.get('name')}] {normalise(text)}")
        elif kind in ("execute_result", "display_data"):
            data = out.get("data", {})
            if "image/png" in data:
                found.append(f"[image/png {png_size(str(data['image/png']))}]")
            elif "text/plain" in data:
                found.append(normalise(source_of({"source": data["text/plain"]})))
    return found


def drift(index: int, cell: Any, saved: list[Any]) -> dict[str, Any] | None:
    """How a cell's output differs from its saved output, if it does."""
    before, after = comparable(saved), comparable(cell.get("outputs", []))
    if before == after or not saved:
        return None
    diff = difflib.unified_diff("\n".join(before).splitlines(), "\n".join(after).splitlines(),
                                "saved", "now", lineterm="", n=1)  # fmt: skip
    return {"cell": index + 1, "source": source_of(cell)[:200], "diff": "\n".join(list(diff)[:20])}


def expectation(cell: Any, saved: list[Any], strict: bool) -> tuple[str | None, str]:
    """Whether a cell may raise, and how that is known: the tag, or its saved error."""
    if TAG in cell.get("metadata", {}).get("tags", []):
        return "*", "tagged raises-exception"
    if not strict and (name := saved_error(saved)):
        return name, "as saved"
    return None, ""


def read_lesson(path: str) -> Any:
    """A lesson as a notebook: an ``.ipynb`` as it is, a text lesson through Jupytext.

    Images whose workshop has text lessons (MyST Markdown, percent scripts)
    carry Jupytext in the runtime, where this runner runs.
    """
    if Path(path).suffix in TEXT_SUFFIXES:
        return importlib.import_module("jupytext").read(path)
    return nbformat.read(path, as_version=4)


# Put in the kernels' IPython startup folder: each kernel appends every host its
# lesson's Python looks up or connects to (its own machine aside) to a log of
# its own, WIW_NETWORK/PID.log, so each cell's use of the network is seen
# whether or not the error it raises names the host.
NETWORK_HOOK = """\
def _wiw_watch_network():
    import ipaddress, os, socket, sys
    folder = os.environ.get("WIW_NETWORK")
    if not folder:
        return
    log = os.path.join(folder, f"{os.getpid()}.log")
    local = {"", "localhost", "0.0.0.0", "::", socket.gethostname()}

    def named(host):
        try:
            ipaddress.ip_address(host)
        except ValueError:
            return True
        return False

    def hook(event, args):
        # Names looked up; a name connected to directly (an address there
        # follows a lookup already logged, unless the lesson gave it itself).
        if event in ("socket.getaddrinfo", "socket.gethostbyname"):
            host = args[0]
        elif event == "socket.connect" and isinstance(args[1], tuple) and args[1]:
            host = args[1][0]
            if not isinstance(host, str) or not named(host):
                return
        else:
            return
        host = host.decode(errors="replace") if isinstance(host, bytes) else str(host or "")
        if host in local or host.startswith("127.") or host == "::1":
            return
        with open(log, "a", encoding="utf-8") as out:
            out.write(host + "\\n")

    sys.addaudithook(hook)


_wiw_watch_network()
del _wiw_watch_network
"""


def watch_network(folder: Path, ipython: Path) -> None:
    """Make every IPython kernel started from now on log the hosts it reaches into ``folder``."""
    startup = ipython / "profile_default" / "startup"
    startup.mkdir(parents=True, exist_ok=True)
    (startup / "00-wiw-network.py").write_text(NETWORK_HOOK)
    folder.mkdir(parents=True, exist_ok=True)
    os.environ["WIW_NETWORK"] = str(folder)


def hosts_logged(log: Path, offset: int) -> tuple[list[str], int]:
    """The hosts a kernel logged after ``offset`` (in order, once each) and the new offset."""
    try:
        with log.open("rb") as handle:
            handle.seek(offset)
            data = handle.read()
    except OSError:
        return [], offset
    hosts = [h for h in dict.fromkeys(data.decode("utf-8", "replace").splitlines()) if h]
    return hosts, offset + len(data)


def installed_kernels() -> set[str]:
    """The kernels this image offers, by name (none known when they cannot be listed)."""
    try:
        return set(KernelSpecManager().find_kernel_specs())
    except Exception:  # a broken kernelspec folder: go by the notebook's name
        return set()


def kernel_pid(client: NotebookClient) -> int | None:
    """The process id of a client's kernel, when it runs on this machine."""
    pid = getattr(getattr(client.km, "provisioner", None), "pid", None)
    return pid if isinstance(pid, int) else None


def kernel_peak(client: NotebookClient) -> int | None:
    """The kernel's peak memory (VmHWM) in bytes, read while it runs."""
    try:
        pid = client.km.provisioner.pid  # type: ignore[union-attr]
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (AttributeError, OSError, ValueError, IndexError):
        return None
    return None


class Lesson:
    """One lesson's run: its cells, what went wrong, what was expected."""

    def __init__(self, path: str, args: argparse.Namespace) -> None:
        self.path, self.args = path, args
        self.failures: list[dict[str, Any]] = []
        self.expected: list[dict[str, Any]] = []
        self.drift: list[dict[str, Any]] = []
        self.internet: list[dict[str, Any]] = []  # cells that reached for a host
        self.peak: int | None = None
        self.net: tuple[Path, int] | None = None  # the kernel's network log, read so far
        self.stopped = ""
        self.note = ""  # how the lesson was run, when not as it asks
        self.current: tuple[int, Any] | None = None  # the cell running now

    def run(self) -> None:
        """Execute every code cell, reporting as it goes; never raises."""
        notebook = read_lesson(self.path)
        saved = [copy.deepcopy(c.get("outputs", [])) for c in notebook.cells]
        # startup_timeout: lessons run side by side, and on a busy two-core machine a
        # kernel may take longer than nbclient's 60 s to answer for the first time.
        client = NotebookClient(
            notebook, timeout=self.args.timeout, interrupt_on_timeout=True,
            startup_timeout=KERNEL_STARTUP,
            kernel_name=self.kernel(notebook),
            resources={"metadata": {"path": str(Path(self.path).parent)}},
        )  # fmt: skip
        with client.setup_kernel():
            pid, folder = kernel_pid(client), os.environ.get("WIW_NETWORK")
            self.net = (Path(folder) / f"{pid}.log", 0) if pid and folder else None
            for index, cell in enumerate(notebook.cells):
                if cell.cell_type == "code" and not self.cell(client, index, cell, saved[index]):
                    break
            self.peak = kernel_peak(client)

    def kernel(self, notebook: Any) -> str:
        """The kernel to run the lesson in: the one asked for, or the notebook's.

        A notebook saved with a kernel the image lacks (a conda environment's,
        a course's own name) runs in the image's kernel for its language, and
        the lesson's note says so.
        """
        spec = notebook.metadata.get("kernelspec", {})
        name = str(self.args.kernel or spec.get("name") or "python3")
        if self.args.kernel:
            return name
        language = str(spec.get("language") or notebook.metadata.get("language_info", {})
                       .get("name") or "").lower()  # fmt: skip
        instead = LANGUAGE_KERNELS.get(language)
        known = installed_kernels()
        if name in known or instead not in known:
            return name
        self.note = f"its kernel {name!r} is not in the image: it ran in {instead!r}"
        return str(instead)

    def cell(self, client: NotebookClient, index: int, cell: Any, saved: list[Any]) -> bool:
        """Run one cell and judge it; return whether to go on."""
        expected, how = expectation(cell, saved, self.args.strict_errors)
        self.current = (index, cell)
        started = time.monotonic()
        try:
            client.execute_cell(cell, index)
        except CellExecutionError as exc:
            timed_out = time.monotonic() - started >= self.args.timeout
            kind = "timeout" if timed_out and exc.ename == "KeyboardInterrupt" else "error"
            self.judge(index, cell, exc, expected=(expected, how), kind=kind)
        else:
            raised = error_output(cell)  # a tagged cell records its error without raising
            self.judge(index, cell, raised.get("ename") if raised else None,
                       expected=(expected, how))  # fmt: skip
        self.note_network(index)
        if self.args.compare_outputs and (changed := drift(index, cell, saved)):
            self.drift.append(changed)
        if len(self.failures) >= self.args.max_failures:
            self.stopped = f"stopped after {len(self.failures)} failing cells"
            return False
        return True

    def note_network(self, index: int) -> None:
        """Record the hosts a cell reached for; a failure of that cell names them too."""
        if self.net is None:
            return
        hosts, offset = hosts_logged(*self.net)
        self.net = (self.net[0], offset)
        if not hosts:
            return
        self.internet.append({"cell": index + 1, "hosts": hosts})
        for found in self.failures:
            if found["cell"] == index + 1:
                found["hosts"] = hosts

    def judge(
        self, index: int, cell: Any, raised: CellExecutionError | str | None, *,
        expected: tuple[str | None, str], kind: str = "error",
    ) -> None:  # fmt: skip
        """Record a cell's outcome against what was expected of it."""
        wanted, how = expected
        ename = raised.ename if isinstance(raised, CellExecutionError) else raised
        if ename is None:
            if wanted not in (None, "*"):
                note = f"expected {wanted}, as saved; it ran without error"
                self.failures.append(failure("no-error", index, cell, ename=wanted, note=note))
            return
        if wanted == "*" or (wanted == ename and kind == "error"):
            self.expected.append({"cell": index + 1, "ename": ename, "how": how})
            return
        found = (from_exception(raised, kind, index, cell)
                 if isinstance(raised, CellExecutionError)
                 else failure(kind, index, cell, ename=ename))  # fmt: skip
        if wanted:
            found["note"] = f"expected {wanted}, {how}"
        self.failures.append(found)


def attempt(path: str, args: argparse.Namespace) -> tuple[Lesson, BaseException | None]:
    """Run one lesson once; return it, and what stopped it short (None when nothing did)."""
    lesson = Lesson(path, args)
    try:
        lesson.run()
    except Exception as exc:  # the kernel died, is missing, or the notebook is unreadable
        return lesson, exc
    return lesson, None


def run_one(path: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run one lesson in its own folder and describe the outcome; never raises.

    A kernel that dies before it first answers, before any cell ran, is
    started once more: kernels starting side by side may pick the same free
    port, and only one of them can have it.
    """
    started = time.monotonic()
    lesson, exc = attempt(path, args)
    if exc is not None and lesson.current is None and STARTUP_DEATH in str(exc):
        lesson, exc = attempt(path, args)
    if exc is not None:
        names = {c.__name__ for c in type(exc).__mro__}
        kind = ("timeout" if "CellTimeoutError" in names else "kernel-died"
                if "DeadKernelError" in names else "no-kernel" if "NoSuchKernel" in names
                else "unreadable")  # fmt: skip
        index, cell = lesson.current or (None, None)
        lesson.failures.append(from_exception(exc, kind, index, cell))
    return {
        "lesson": path,
        "passed": not lesson.failures,
        "duration": round(time.monotonic() - started, 3),
        "failure": lesson.failures[0] if lesson.failures else None,
        "failures": lesson.failures,
        "expected": lesson.expected,
        "drift": lesson.drift,
        "internet": lesson.internet,
        "peak_memory": lesson.peak,
        "stopped": lesson.stopped,
        "note": lesson.note,
    }


def container_peak() -> int | None:
    """The container's peak memory use in bytes, from its cgroup (v2 or v1)."""
    for name in ("/sys/fs/cgroup/memory.peak", "/sys/fs/cgroup/memory/memory.max_usage_in_bytes"):
        try:
            return int(Path(name).read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue
    return None


def outcome(future: Future[dict[str, Any]], path: str) -> dict[str, Any]:
    """The result of one lesson, even when its worker process died."""
    try:
        return future.result()
    except Exception as exc:  # a worker killed (e.g. out of memory) breaks the pool
        found = from_exception(exc, "runner-died", None, None)
        return {"lesson": path, "passed": False, "failure": found, "failures": [found],
                "expected": [], "drift": [], "duration": 0.0, "peak_memory": None,
                "stopped": ""}  # fmt: skip


def lessons_environment(prefix: Path = LESSONS_ENV) -> dict[str, Any]:
    """The Python and packages of the lessons' environment (the kernel's).

    Images of older wiw versions have one environment, this script's own: its
    Python, and no package list.
    """
    config = prefix / "pyvenv.cfg"
    if not config.is_file():
        return {"python": sys.version.split()[0], "packages": []}
    settings = dict(
        (key.strip(), value.strip())
        for key, _, value in (line.partition("=") for line in config.read_text().splitlines())
    )
    sites = [str(p) for p in sorted(prefix.glob("lib/python*/site-packages"))]
    found = {
        f"{dist.metadata['Name']}=={dist.version}"
        for dist in importlib.metadata.distributions(path=sites)
        if dist.metadata["Name"]
    }
    python = settings.get("version") or settings.get("version_info") or ""
    return {"python": python, "packages": sorted(found, key=str.lower)}


def r_version() -> str:
    """The version of the image's R (``"4.2.2"``), or "" when it has none."""
    found = shutil.which("R")
    if found is None:
        return ""
    try:
        said = subprocess.run(
            [found, "--version"], capture_output=True, text=True, timeout=60, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    match = re.match(r"R version (\S+)", said.stdout)
    return match.group(1) if match else ""


def main() -> None:
    """Run the lessons given on the command line and print the report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("lessons", nargs="+")
    parser.add_argument("--timeout", type=int, default=120)
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument("--kernel")
    parser.add_argument("--marker", required=True)
    parser.add_argument("--strict-errors", action="store_true")
    parser.add_argument("--compare-outputs", action="store_true")
    parser.add_argument("--max-failures", type=int, default=10)
    args = parser.parse_args()
    os.chdir(Path.home())
    ipython = Path(os.environ.get("IPYTHONDIR") or Path.home() / ".ipython")
    watch_network(Path(tempfile.mkdtemp(prefix="wiw-network-")), ipython)
    started = time.monotonic()
    # fork: this script arrives as `python3 -c`, so workers cannot re-import it.
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=max(1, args.parallel), mp_context=context) as pool:
        futures = [pool.submit(run_one, p, args) for p in args.lessons]
        results = [outcome(f, p) for f, p in zip(futures, args.lessons, strict=True)]
    report = {
        "results": results,
        "duration": round(time.monotonic() - started, 3),
        "peak_memory": container_peak(),
        **lessons_environment(),
        "r": r_version(),
    }
    print(args.marker + json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
