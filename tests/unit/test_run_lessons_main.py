"""The lesson runner's command line, report and runs (jupyterhub/lessons/run_lessons.py).

``main`` runs the lessons with a stand-in for ``run_one``, in threads instead
of forked processes: what it decides itself is checked (the options it gives
each lesson, the pool, the folder, the one line of report). A lesson's run
goes through a stand-in for nbclient's client that runs each cell as its
source says: which cells run, in which kernel, and what is reported.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import struct
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import nbformat
import pytest
from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from tests.support.hubside import load_support_module

RUN = load_support_module("run_lessons")


class Recorded:
    """What main gave the pool and each lesson."""

    def __init__(self) -> None:
        self.pools: list[tuple[int, str]] = []
        self.runs: list[tuple[str, argparse.Namespace, str]] = []


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Recorded:
    """main() over stand-ins for the pool, the lessons' run and the image's facts."""
    seen = Recorded()

    def pool(max_workers: int, mp_context: Any) -> ThreadPoolExecutor:
        seen.pools.append((max_workers, mp_context.get_start_method()))
        return ThreadPoolExecutor(max_workers=max_workers)

    def run_one(path: str, args: argparse.Namespace) -> dict[str, Any]:
        seen.runs.append((path, args, os.getcwd()))
        if path == "dies.ipynb":
            raise RuntimeError("A process in the process pool was terminated abruptly")
        return {"lesson": path, "passed": True}

    monkeypatch.setattr(RUN, "ProcessPoolExecutor", pool)
    monkeypatch.setattr(RUN, "run_one", run_one)
    monkeypatch.setattr(RUN, "container_peak", lambda: 2**30)
    monkeypatch.setattr(RUN, "lessons_environment", lambda: {"python": "3.12.1", "packages": []})
    monkeypatch.setattr(RUN, "r_version", lambda: "4.2.2")
    (tmp_path / "home").mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("IPYTHONDIR", raising=False)
    monkeypatch.setenv("WIW_NETWORK", "")  # main sets it for the kernels: restored after
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.chdir(tmp_path)  # restored after the test
    return seen


def run_main(monkeypatch: pytest.MonkeyPatch, *argv: str) -> None:
    """main() with this command line."""
    monkeypatch.setattr(sys, "argv", ["run_lessons", *argv])
    RUN.main()


def test_the_report_is_one_line_after_the_marker(
    recorded: Recorded, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each lesson's result in the order given, with the image's facts, after the marker."""
    monkeypatch.setattr(RUN, "time", Clock(0.1234567))
    run_main(monkeypatch, "b.ipynb", "a.ipynb", "--marker", "@@WIW@@")
    out = capsys.readouterr().out
    assert out.startswith("@@WIW@@")
    assert out.endswith("}\n")
    assert out.count("\n") == 1
    report = json.loads(out.removeprefix("@@WIW@@"))
    assert [r["lesson"] for r in report["results"]] == ["b.ipynb", "a.ipynb"]
    assert report["peak_memory"] == 2**30
    assert report["python"] == "3.12.1"
    assert report["packages"] == []
    assert report["r"] == "4.2.2"
    assert report["duration"] == 0.123


def test_the_kernels_log_the_hosts_they_reach(
    recorded: Recorded, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """An IPython startup file in the learner's IPython folder; a fresh folder for the logs."""
    run_main(monkeypatch, "a.ipynb", "--marker", "M")
    startup = tmp_path / "home" / ".ipython" / "profile_default" / "startup"
    assert (startup / "00-wiw-network.py").read_text() == RUN.NETWORK_HOOK
    logs = Path(os.environ["WIW_NETWORK"])
    assert logs.parent == tmp_path
    assert logs.name.startswith("wiw-network-")
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    run_main(monkeypatch, "a.ipynb", "--marker", "M")
    assert (tmp_path / "ipython" / "profile_default" / "startup" / "00-wiw-network.py").exists()


def test_the_hosts_a_kernel_logged_are_read_once_each_from_an_offset(tmp_path: Path) -> None:
    """In order, once each, from where the last reading ended; bytes that are not UTF-8 too."""
    log = tmp_path / "kernel.log"
    log.write_bytes(b"pypi.org\nexample.org\npypi.org\n\n")
    hosts, offset = RUN.hosts_logged(log, 0)
    assert (hosts, offset) == (["pypi.org", "example.org"], len(log.read_bytes()))
    with log.open("ab") as handle:
        handle.write(b"caf\xe9.example\n")
    assert RUN.hosts_logged(log, offset) == (["caf\ufffd.example"], offset + 13)
    assert RUN.hosts_logged(tmp_path / "none.log", 5) == ([], 5)


def test_the_network_log_folder_is_made_as_deep_as_needed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both the log folder and IPython's startup folder, whatever exists yet."""
    monkeypatch.setenv("WIW_NETWORK", "")  # restored after the test
    RUN.watch_network(tmp_path / "logs" / "of" / "kernels", tmp_path / "ipython")
    assert (tmp_path / "logs" / "of" / "kernels").is_dir()
    assert os.environ["WIW_NETWORK"] == str(tmp_path / "logs" / "of" / "kernels")


def test_a_kernels_process_is_known_only_when_it_runs_here() -> None:
    """The provisioner's pid when it is a number; none for a remote or missing kernel."""
    here = SimpleNamespace(km=SimpleNamespace(provisioner=SimpleNamespace(pid=4242)))
    assert RUN.kernel_pid(here) == 4242
    remote = SimpleNamespace(km=SimpleNamespace(provisioner=SimpleNamespace(pid="remote")))
    assert RUN.kernel_pid(remote) is None
    assert RUN.kernel_pid(SimpleNamespace(km=SimpleNamespace())) is None


def test_the_defaults_each_lesson_runs_with(
    recorded: Recorded, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Two minutes a cell, four at once, the notebook's kernel, errors as saved, ten failures.

    Lessons run from the learner's home, in forked workers (the script
    arrives as ``python3 -c``: workers cannot import it).
    """
    run_main(monkeypatch, "a.ipynb", "--marker", "M")
    ((path, args, folder),) = recorded.runs
    assert path == "a.ipynb"
    assert folder == str(tmp_path / "home")
    assert (args.timeout, args.parallel, args.kernel) == (120, 4, None)
    assert (args.strict_errors, args.compare_outputs, args.max_failures) == (False, False, 10)
    assert recorded.pools == [(4, "fork")]


def test_the_options_given_reach_each_lesson(
    recorded: Recorded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every option of ``wiw test`` is passed on; at least one worker whatever is asked."""
    given = ["--timeout", "30", "--parallel", "0", "--kernel", "ir", "--strict-errors",
             "--compare-outputs", "--max-failures", "3"]  # fmt: skip
    run_main(monkeypatch, "a.ipynb", "--marker", "M", *given)
    ((_, args, _),) = recorded.runs
    assert (args.timeout, args.kernel) == (30, "ir")
    assert (args.strict_errors, args.compare_outputs, args.max_failures) == (True, True, 3)
    assert recorded.pools == [(1, "fork")]
    run_main(monkeypatch, "a.ipynb", "--marker", "M", "--parallel", "7")
    assert recorded.pools[-1] == (7, "fork")


def test_a_marker_and_a_lesson_are_required(
    recorded: Recorded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the marker wiw could not find the report; without lessons there is nothing."""
    with pytest.raises(SystemExit):
        run_main(monkeypatch, "a.ipynb")
    with pytest.raises(SystemExit):
        run_main(monkeypatch, "--marker", "M")
    assert recorded.runs == []


def test_a_lesson_whose_worker_died_is_reported_with_the_others(
    recorded: Recorded, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """One worker gone does not lose the other lessons' results."""
    run_main(monkeypatch, "dies.ipynb", "a.ipynb", "--marker", "M")
    report = json.loads(capsys.readouterr().out.removeprefix("M"))
    died, fine = report["results"]
    assert (died["lesson"], died["passed"], died["failure"]["kind"]) == (
        "dies.ipynb",
        False,
        "runner-died",
    )
    assert fine == {"lesson": "a.ipynb", "passed": True}


class CgroupFiles:
    """``Path`` for the cgroup files container_peak reads, with the test's contents."""

    def __init__(self, files: dict[str, str]) -> None:
        self.files = files

    def __call__(self, name: str) -> Any:
        """The file ``name``: read_text gives its content, or fails as a missing file does."""
        files = self.files

        class File:
            def read_text(self) -> str:
                if name not in files:
                    raise FileNotFoundError(name)
                return files[name]

        return File()


V2 = "/sys/fs/cgroup/memory.peak"
V1 = "/sys/fs/cgroup/memory/memory.max_usage_in_bytes"


@pytest.mark.parametrize(
    ("files", "peak"),
    [
        ({V2: "1234\n", V1: "99"}, 1234),
        ({V1: "5678\n"}, 5678),
        ({V2: "max\n", V1: "42"}, 42),
        ({V2: "", V1: "42"}, 42),
        ({V2: "", V1: "none"}, None),
        ({}, None),
    ],
)
def test_the_containers_peak_memory_comes_from_its_cgroup(
    monkeypatch: pytest.MonkeyPatch, files: dict[str, str], peak: int | None
) -> None:
    """The memory.peak of cgroup v2, else v1's max usage; unreadable or absent: unknown."""
    monkeypatch.setattr(RUN, "Path", CgroupFiles(files))
    assert RUN.container_peak() == peak


# --- A lesson run over a stand-in for nbclient ---------------------------------


class Clock:
    """time.monotonic for the runner: each reading ``step`` seconds after the last."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 100.0, step

    def monotonic(self) -> float:
        """The time now; the next reading is later."""
        self.now += self.step
        return self.now - self.step


class Kernel:
    """nbclient's NotebookClient, running each cell by its source instead of in a kernel.

    ``ok`` prints, ``boom`` raises ValueError, ``^C`` raises KeyboardInterrupt,
    ``dies`` loses the kernel; anything else runs quietly.
    """

    made: ClassVar[list[Kernel]] = []
    km = SimpleNamespace(provisioner=None)  # no kernel process to look at

    def __init__(self, notebook: Any, **options: Any) -> None:
        self.notebook, self.options = notebook, options
        self.ran: list[int] = []
        self.made.append(self)

    @contextlib.contextmanager
    def setup_kernel(self) -> Iterator[None]:
        """The kernel, started and stopped."""
        yield

    def execute_cell(self, cell: Any, index: int) -> Any:
        """Run the cell as its source says."""
        self.ran.append(index)
        cell.outputs = []
        if cell.source == "ok":
            cell.outputs = [new_output("stream", name="stdout", text="hello\n")]
        elif cell.source in ("boom", "^C"):
            ename = "ValueError" if cell.source == "boom" else "KeyboardInterrupt"
            raise CellExecutionError(f"Traceback: {ename}", ename, "bad")
        elif cell.source == "dies":
            raise DeadKernelError("Kernel died")
        return cell


def lesson_file(folder: Path, *sources: str, kernel: str | None = "ir") -> str:
    """A notebook of a markdown cell then code cells, each with a saved stream output."""
    notebook = new_notebook(cells=[new_markdown_cell("# Lesson")])
    for source in sources:
        saved = new_output("stream", name="stdout", text="hello\n")
        notebook.cells.append(new_code_cell(source, outputs=[saved]))
    if kernel:
        notebook.metadata["kernelspec"] = {"name": kernel, "display_name": kernel}
    path = folder / "lessons" / "intro.ipynb"
    path.parent.mkdir(exist_ok=True)
    nbformat.write(notebook, path)
    return str(path)


def options(**changes: Any) -> argparse.Namespace:
    """The runner's options, as ``main`` parses them by default."""
    values = {"timeout": 120, "kernel": None, "strict_errors": False, "compare_outputs": False,
              "max_failures": 10, **changes}  # fmt: skip
    return argparse.Namespace(**values)


@pytest.fixture
def kernel(monkeypatch: pytest.MonkeyPatch) -> type[Kernel]:
    """The stand-in client, its instances forgotten."""
    monkeypatch.setattr(RUN, "NotebookClient", Kernel)
    monkeypatch.setattr(Kernel, "made", [])
    return Kernel


def test_a_lesson_runs_its_code_cells_in_a_kernel_set_up_as_asked(
    kernel: type[Kernel], tmp_path: Path
) -> None:
    """The notebook's kernel, the timeout, interruption, the slow-start allowance, its folder."""
    path = lesson_file(tmp_path, "ok", "quiet")
    result = RUN.run_one(path, options(timeout=30))
    (client,) = kernel.made
    assert client.ran == [1, 2]  # code cells only, by their index among all cells
    assert [c.cell_type for c in client.notebook.cells] == ["markdown", "code", "code"]
    assert client.options == {
        "timeout": 30,
        "interrupt_on_timeout": True,
        "startup_timeout": RUN.KERNEL_STARTUP,
        "kernel_name": "ir",
        "resources": {"metadata": {"path": str(tmp_path / "lessons")}},
    }
    assert RUN.KERNEL_STARTUP == 180
    assert result["passed"] is True
    assert result["failures"] == []
    assert result["peak_memory"] is None  # the stand-in has no kernel process


def test_the_kernel_is_the_one_asked_for_else_the_notebooks_else_python(
    kernel: type[Kernel], tmp_path: Path
) -> None:
    """--kernel wins; a notebook without a kernelspec runs in python3."""
    RUN.run_one(lesson_file(tmp_path, "ok"), options(kernel="julia"))
    RUN.run_one(lesson_file(tmp_path, "ok", kernel=None), options())
    assert [k.options["kernel_name"] for k in kernel.made] == ["julia", "python3"]


def test_a_changed_output_is_drift_against_what_was_saved(
    kernel: type[Kernel], tmp_path: Path
) -> None:
    """The saved outputs are kept before the run replaces them: a quiet cell has drifted."""
    result = RUN.run_one(lesson_file(tmp_path, "ok", "quiet"), options(compare_outputs=True))
    (changed,) = result["drift"]
    assert changed["cell"] == 3
    assert changed["source"] == "quiet"
    assert changed["diff"] == "--- saved\n+++ now\n@@ -1 +0,0 @@\n-[stdout] hello"


def test_the_lesson_stops_at_the_most_failures_allowed(
    kernel: type[Kernel], tmp_path: Path
) -> None:
    """After max_failures failing cells no other cell runs, and the report says why."""
    result = RUN.run_one(lesson_file(tmp_path, "boom", "boom", "ok"), options(max_failures=2))
    (client,) = kernel.made
    assert client.ran == [1, 2]
    assert result["stopped"] == "stopped after 2 failing cells"
    assert [f["cell"] for f in result["failures"]] == [2, 3]
    assert result["failure"] == result["failures"][0]
    assert result["failure"]["kind"] == "error"
    assert result["failure"]["source"] == "boom"
    assert result["failure"]["ename"] == "ValueError"


def test_an_interrupt_is_a_timeout_only_when_the_time_was_up(
    kernel: type[Kernel], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client interrupts a cell at its timeout: KeyboardInterrupt after the time is a timeout.

    Exactly at the timeout counts; a cell that interrupts itself sooner is an error.
    """
    monkeypatch.setattr(RUN, "time", Clock(5.0))
    timed_out = RUN.run_one(lesson_file(tmp_path, "^C"), options(timeout=5))
    assert timed_out["failure"]["kind"] == "timeout"
    assert timed_out["failure"]["ename"] == "KeyboardInterrupt"
    early = RUN.run_one(lesson_file(tmp_path, "^C"), options(timeout=6))
    assert early["failure"]["kind"] == "error"
    boom = RUN.run_one(lesson_file(tmp_path, "boom"), options(timeout=5))
    assert boom["failure"]["kind"] == "error"


def test_a_kernel_that_dies_ends_the_lesson_naming_the_cell(
    kernel: type[Kernel], tmp_path: Path
) -> None:
    """The cell that was running when the kernel died is named; the rest is not run."""
    result = RUN.run_one(lesson_file(tmp_path, "ok", "dies", "ok"), options())
    (client,) = kernel.made
    assert client.ran == [1, 2]
    (found,) = result["failures"]
    assert (found["kind"], found["cell"], found["source"]) == ("kernel-died", 3, "dies")
    assert found["ename"] == "DeadKernelError"


def test_a_cell_over_its_time_is_a_timeout(
    kernel: type[Kernel], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The client's own timeout error (no interrupt possible) is reported as a timeout."""

    def too_slow(self: Kernel, cell: Any, index: int) -> Any:
        raise CellTimeoutError.error_from_timeout_and_cell("Cell timed out", 5, cell)

    monkeypatch.setattr(Kernel, "execute_cell", too_slow)
    result = RUN.run_one(lesson_file(tmp_path, "ok"), options())
    (found,) = result["failures"]
    assert (found["kind"], found["cell"], found["ename"]) == ("timeout", 2, "CellTimeoutError")


def test_a_lessons_report_names_every_field(
    kernel: type[Kernel], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report's fields, its duration in seconds to the millisecond."""
    monkeypatch.setattr(RUN, "time", Clock(0.1234567))
    path = lesson_file(tmp_path, "ok")
    monkeypatch.setattr(RUN.Lesson, "run", lambda self: None)
    report = RUN.run_one(path, options())
    assert report.items() >= {
        "lesson": path, "passed": True, "duration": 0.123, "failure": None, "failures": [],
        "expected": [], "drift": [], "peak_memory": None, "stopped": "", "internet": [],
    }.items()  # fmt: skip


def test_a_dead_workers_report_has_every_field() -> None:
    """The same fields as any lesson's, with nothing run."""
    future: Future[dict[str, Any]] = Future()
    future.set_exception(RuntimeError("terminated abruptly"))
    result = RUN.outcome(future, "lesson.ipynb")
    assert result.items() >= {
        "lesson": "lesson.ipynb", "passed": False, "failure": result["failure"],
        "failures": [result["failure"]], "expected": [], "drift": [], "duration": 0.0,
        "peak_memory": None, "stopped": "",
    }.items()  # fmt: skip
    assert result["failure"]["kind"] == "runner-died"


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="Linux's /proc")
def test_the_kernels_peak_memory_is_its_processes_high_water_mark() -> None:
    """VmHWM of the kernel's process, in bytes."""
    client = SimpleNamespace(km=SimpleNamespace(provisioner=SimpleNamespace(pid=os.getpid())))
    peak = RUN.kernel_peak(client)
    status = Path(f"/proc/{os.getpid()}/status").read_text()
    (line,) = [x for x in status.splitlines() if x.startswith("VmHWM:")]
    assert peak is not None
    assert peak == pytest.approx(int(line.split()[1]) * 1024, rel=0.05)
    assert peak % 1024 == 0


# --- What is compared of a cell's outputs --------------------------------------


def test_a_cells_source_is_one_string() -> None:
    """A list of lines joined as they are, a string as it is, no source as empty."""
    assert RUN.source_of({"source": ["a = 1\n", "b = 2"]}) == "a = 1\nb = 2"
    assert RUN.source_of({"source": "x"}) == "x"
    assert RUN.source_of({}) == ""


def test_a_cell_without_outputs_has_no_error_output() -> None:
    """No outputs at all (a cell never run) is no error."""
    assert RUN.error_output({}) is None


def png_header(width: int, height: int) -> str:
    """The first bytes of a PNG of this size, base64 as a notebook keeps it, and more."""
    head = b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + struct.pack(">II", width, height)
    return base64.b64encode(head + b"\x08\x06\0\0\0" + b"\0" * 40).decode()


def test_an_images_size_is_read_from_its_header() -> None:
    """Width and height from the IHDR chunk; what is not a PNG has no size."""
    assert RUN.png_size(png_header(640, 480)) == (640, 480)
    assert RUN.png_size("not base64!") is None


def test_outputs_without_data_compare_as_nothing() -> None:
    """A display without data (a widget's placeholder) is left out of the comparison."""
    assert RUN.comparable([{"output_type": "display_data"}]) == []


def test_drift_shows_the_changed_lines_with_one_line_around() -> None:
    """A unified diff from 'saved' to 'now', one line of context, at most 20 lines."""
    saved = [new_output("stream", name="stdout", text="".join(f"{n}\n" for n in range(30)))]
    now = "".join(f"{n}\n" if n != 5 else "five\n" for n in range(30))
    cell = new_code_cell("x" * 250, outputs=[new_output("stream", name="stdout", text=now)])
    found = RUN.drift(3, cell, saved)
    assert found is not None
    assert found["cell"] == 4
    assert found["source"] == "x" * 200
    assert found["diff"] == "\n".join(
        ["--- saved", "+++ now", "@@ -5,3 +5,3 @@", " 4", "-5", "+five", " 6"]
    )
    lines = [new_output("stream", name="stdout", text=f"{n}\n") for n in range(30)]
    changed = RUN.drift(0, new_code_cell("x", outputs=[]), lines)
    assert changed is not None
    assert len(changed["diff"].splitlines()) == 20


def test_a_cell_that_was_not_run_has_drifted_from_its_saved_output() -> None:
    """No outputs now, where some were saved: drift."""
    saved = [new_output("stream", name="stdout", text="hello\n")]
    found = RUN.drift(0, {"source": "print('hello')"}, saved)
    assert found is not None
    assert "-[stdout] hello" in found["diff"]


# --- The lessons' environment ---------------------------------------------------


def venv(folder: Path, config: str, packages: dict[str, str]) -> Path:
    """A virtual environment as the image holds the lessons' one: its config, its packages."""
    (folder / "pyvenv.cfg").write_text(config)
    site = folder / "lib" / "python3.12" / "site-packages"
    for name, version in packages.items():
        info = site / f"{name}-{version}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        )
    return folder


def test_packages_are_sorted_whatever_the_case_of_their_names(tmp_path: Path) -> None:
    """'attrs' before 'Bokeh' before 'zope': by name, not by capital letters first."""
    packages = {"zope": "5.0", "Bokeh": "3.4.1", "attrs": "23.2.0"}
    found = RUN.lessons_environment(venv(tmp_path, "version = 3.12.1\n", packages))
    assert found["packages"] == ["attrs==23.2.0", "Bokeh==3.4.1", "zope==5.0"]


@pytest.mark.parametrize(
    ("config", "python"),
    [
        ("home = /usr/bin\nversion_info = 3.12.1.final.0\n", "3.12.1.final.0"),  # uv's venvs
        ("version = 3.11.2\nversion_info = 3.11.2.final.0\n", "3.11.2"),
        ("home = /usr/bin\n", ""),
    ],
)
def test_the_lessons_python_is_read_from_either_version_key(
    tmp_path: Path, config: str, python: str
) -> None:
    """``version`` (venv) or ``version_info`` (uv); neither: not known."""
    assert RUN.lessons_environment(venv(tmp_path, config, {}))["python"] == python


# --- Failures as reported ------------------------------------------------------------


def test_a_failure_keeps_the_start_of_the_source_and_the_end_of_the_traceback() -> None:
    """400 characters of source, 1000 of the error's value, the last 4000 of the traceback."""
    cell = new_code_cell("s" * 500)
    found = RUN.failure("error", 0, cell, ename="E", evalue="v" * 1200, tb="a" * 10 + "t" * 4000)
    assert found["source"] == "s" * 400
    assert found["evalue"] == "v" * 1000
    assert found["traceback"] == "t" * 4000
    assert RUN.failure("no-error", 2, cell, ename="E")["evalue"] == ""
    nothing = RUN.failure("no-kernel", None, None, ename="NoSuchKernel")
    assert (nothing["cell"], nothing["source"], nothing["traceback"]) == (None, "", "")


def test_an_exception_without_a_message_has_an_empty_value() -> None:
    """Its value is the last line of its text: none here; its traceback is Python's."""
    try:
        raise ValueError
    except ValueError as exc:
        found = RUN.from_exception(exc, "unreadable", None, None)
    assert found["evalue"] == ""
    assert found["traceback"].startswith("Traceback (most recent call last):\n")
    assert found["traceback"].endswith("\nValueError\n")


def test_a_cell_without_metadata_has_no_expectation() -> None:
    """Neither tagged nor saved with an error: nothing is expected of it."""
    assert RUN.expectation({"cell_type": "code", "outputs": []}, [], False) == (None, "")


def test_drift_compares_every_output_of_a_cell() -> None:
    """Two outputs saved, the second changed: the diff shows that line."""
    first = new_output("stream", name="stdout", text="one\n")
    saved = [first, new_output("stream", name="stdout", text="two\n")]
    cell = new_code_cell("x", outputs=[first, new_output("stream", name="stdout", text="2\n")])
    found = RUN.drift(0, cell, saved)
    assert found is not None
    assert found["diff"].splitlines()[2:] == [
        "@@ -1,2 +1,2 @@",
        " [stdout] one",
        "-[stdout] two",
        "+[stdout] 2",
    ]


def saved_error_lesson(folder: Path, source: str) -> str:
    """A lesson whose one code cell was saved raising ValueError."""
    notebook = new_notebook(cells=[new_code_cell(source, outputs=[error_output("ValueError")])])
    path = folder / "saved-error.ipynb"
    nbformat.write(notebook, path)
    return str(path)


def error_output(ename: str) -> Any:
    """An error output, as a cell's saved outputs hold it."""
    return new_output("error", ename=ename, evalue="bad", traceback=[f"{ename}: bad"])


def test_a_saved_error_is_expected_again_unless_errors_are_strict(
    kernel: type[Kernel], tmp_path: Path
) -> None:
    """The same error raised again passes; with --strict-errors it fails."""
    path = saved_error_lesson(tmp_path, "boom")
    assert RUN.run_one(path, options())["expected"] == [
        {"cell": 1, "ename": "ValueError", "how": "as saved"}
    ]
    strict = RUN.run_one(path, options(strict_errors=True))
    assert strict["failure"]["kind"] == "error"


def test_a_saved_error_that_no_longer_happens_fails_naming_the_cell(
    kernel: type[Kernel], tmp_path: Path
) -> None:
    """The cell now runs cleanly: 'no-error', with its source."""
    result = RUN.run_one(saved_error_lesson(tmp_path, "ok"), options())
    (found,) = result["failures"]
    assert (found["kind"], found["cell"], found["source"]) == ("no-error", 1, "ok")


# --- The image's R ---------------------------------------------------------------------


def fake_r(folder: Path, script: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """An ``R`` on PATH running this shell script."""
    folder.mkdir(exist_ok=True)
    (folder / "R").write_text(f"#!/bin/sh\n{script}\n")
    (folder / "R").chmod(0o755)
    monkeypatch.setenv("PATH", str(folder))


def test_r_is_asked_its_version_and_read_whatever_its_exit_status(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``R --version``'s first line, even from an R that exits non-zero; other text: none."""
    answer = "echo 'R version 4.3.1 (2023-06-16) -- \"Beagle Scouts\"'"
    fake_r(tmp_path / "a", f'[ "$1" = "--version" ] && {answer}; exit 3', monkeypatch)
    assert RUN.r_version() == "4.3.1"
    fake_r(tmp_path / "b", "echo 'usage: R [options]'", monkeypatch)
    assert RUN.r_version() == ""


def test_an_r_that_hangs_is_given_a_minute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The report does not wait for an R that never answers: its version is then unknown."""
    fake_r(tmp_path, "sleep 600", monkeypatch)
    asked: list[dict[str, Any]] = []

    def run(command: list[str], **options: Any) -> Any:
        asked.append(options)
        raise subprocess.TimeoutExpired(command, options["timeout"])

    monkeypatch.setattr(RUN.subprocess, "run", run)
    assert RUN.r_version() == ""
    assert [o["timeout"] for o in asked] == [60]
