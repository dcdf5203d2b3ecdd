"""The lesson runner's judging (jupyterhub/lessons/run_lessons.py), without a kernel.

``wiw test`` runs this file inside the workshop image; here its decisions are
checked on cells built with nbformat: what a cell may raise, how each outcome
is recorded, what counts as drift, and what a lesson whose kernel is missing
or whose notebook is unreadable reports.
"""

from __future__ import annotations

import argparse
import base64
import struct
import sys
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbclient.exceptions import CellExecutionError
from nbformat.v4 import new_code_cell, new_notebook, new_output

from tests.support.hubside import load_support_module
from wiw.contract import LESSONS_ENV

RUN = load_support_module("run_lessons")


def options(**changes: Any) -> argparse.Namespace:
    """The runner's command-line options, as ``main`` parses them by default."""
    values = {"timeout": 120, "kernel": None, "strict_errors": False, "compare_outputs": False,
              "max_failures": 10, **changes}  # fmt: skip
    return argparse.Namespace(**values)


def error(ename: str, evalue: str = "boom") -> Any:
    """An error output, as a cell's saved outputs hold it."""
    return new_output("error", ename=ename, evalue=evalue, traceback=[f"{ename}: {evalue}"])


def cell(
    source: str = "x", *, tags: list[str] | None = None, outputs: list[Any] | None = None
) -> Any:
    """A code cell, tagged and with outputs as given."""
    made = new_code_cell(source, outputs=outputs or [])
    if tags:
        made.metadata["tags"] = tags
    return made


def judged(raised: Any, saved: list[Any], *, tags: list[str] | None = None,
           strict: bool = False, kind: str = "error") -> Any:  # fmt: skip
    """A lesson after judging one cell (the third) that raised ``raised`` (None: ran cleanly)."""
    lesson = RUN.Lesson("lesson.ipynb", options(strict_errors=strict))
    code = cell("print(undefined)", tags=tags, outputs=saved)
    lesson.judge(2, code, raised, expected=RUN.expectation(code, saved, strict), kind=kind)
    return lesson


# --- What a cell may raise ---------------------------------------------------


def test_a_tagged_cell_may_raise_anything() -> None:
    """The raises-exception tag allows any error, whatever the saved outputs say."""
    tagged = cell(tags=["raises-exception"])
    assert RUN.expectation(tagged, [error("KeyError")], False) == ("*", "tagged raises-exception")
    assert RUN.expectation(tagged, [], True) == ("*", "tagged raises-exception")


def test_a_saved_error_is_expected_again_unless_strict() -> None:
    """A cell saved with an error is expected to raise that error; --strict-errors expects none."""
    saved = [new_output("stream", name="stdout", text="before\n"), error("NameError")]
    assert RUN.expectation(cell(), saved, False) == ("NameError", "as saved")
    assert RUN.expectation(cell(), saved, True) == (None, "")
    assert RUN.expectation(cell(), [], False) == (None, "")


def test_the_saved_error_is_the_first_error_output() -> None:
    """Only error outputs name an error; the first one counts."""
    assert RUN.saved_error([error("ValueError"), error("KeyError")]) == "ValueError"
    assert RUN.saved_error([new_output("stream", name="stdout", text="ok")]) is None
    assert RUN.saved_error([]) is None


# --- Each outcome, recorded --------------------------------------------------


def test_a_clean_cell_with_no_expectation_records_nothing() -> None:
    """Most cells: ran, nothing expected, nothing to say."""
    lesson = judged(None, [])
    assert (lesson.failures, lesson.expected) == ([], [])


def test_a_tagged_cell_that_runs_cleanly_is_fine() -> None:
    """The tag allows an error; it does not demand one."""
    lesson = judged(None, [], tags=["raises-exception"])
    assert (lesson.failures, lesson.expected) == ([], [])


def test_a_tagged_cell_that_raises_is_expected() -> None:
    """An error in a tagged cell is listed as expected, with how that was known."""
    lesson = judged("ZeroDivisionError", [], tags=["raises-exception"])
    assert lesson.failures == []
    assert lesson.expected == [
        {"cell": 3, "ename": "ZeroDivisionError", "how": "tagged raises-exception"}
    ]


def test_the_saved_error_raised_again_is_expected() -> None:
    """The same error as saved: expected, not a failure."""
    lesson = judged("NameError", [error("NameError")])
    assert lesson.failures == []
    assert lesson.expected == [{"cell": 3, "ename": "NameError", "how": "as saved"}]


def test_another_error_than_the_saved_one_fails_naming_both() -> None:
    """The failure is the error raised; its note names the one expected."""
    lesson = judged("TypeError", [error("NameError")])
    assert lesson.expected == []
    (found,) = lesson.failures
    assert found["kind"] == "error"
    assert found["cell"] == 3
    assert found["ename"] == "TypeError"
    assert found["note"] == "expected NameError, as saved"
    assert found["source"] == "print(undefined)"


def test_a_saved_error_that_does_not_happen_again_fails() -> None:
    """The cell ran cleanly where its saved outputs show an error: reported."""
    lesson = judged(None, [error("NameError")])
    (found,) = lesson.failures
    assert found["kind"] == "no-error"
    assert found["ename"] == "NameError"
    assert found["note"] == "expected NameError, as saved; it ran without error"


def test_an_error_nothing_expected_fails_without_a_note() -> None:
    """An error in an ordinary cell is a plain failure."""
    lesson = judged("ValueError", [])
    (found,) = lesson.failures
    assert (found["kind"], found["ename"], found["note"]) == ("error", "ValueError", "")


def test_strict_errors_fail_even_the_saved_error() -> None:
    """With --strict-errors a saved error is no excuse."""
    lesson = judged("NameError", [error("NameError")], strict=True)
    assert lesson.expected == []
    (found,) = lesson.failures
    assert (found["ename"], found["note"]) == ("NameError", "")


def test_a_timeout_is_never_the_expected_error() -> None:
    """A cell saved with a KeyboardInterrupt that now times out has failed, as a timeout."""
    lesson = judged("KeyboardInterrupt", [error("KeyboardInterrupt")], kind="timeout")
    (found,) = lesson.failures
    assert found["kind"] == "timeout"
    assert found["note"] == "expected KeyboardInterrupt, as saved"


def test_a_cell_execution_error_gives_its_name_value_and_traceback() -> None:
    """What nbclient raised is reported as the kernel described it, colours removed."""
    raised = CellExecutionError("\x1b[31mTraceback\x1b[0m ...\nTypeError: no", "TypeError", "no")
    lesson = judged(raised, [error("NameError")])
    (found,) = lesson.failures
    assert (found["ename"], found["evalue"]) == ("TypeError", "no")
    assert found["traceback"].startswith("Traceback ...")
    assert found["note"] == "expected NameError, as saved"


def test_a_cell_execution_error_that_was_saved_is_expected() -> None:
    """The saved error's name in nbclient's error: expected."""
    raised = CellExecutionError("tb", "NameError", "name 'undefined' is not defined")
    lesson = judged(raised, [error("NameError")])
    assert lesson.failures == []
    assert lesson.expected == [{"cell": 3, "ename": "NameError", "how": "as saved"}]


# --- A cell run against a stand-in client ------------------------------------


class Client:
    """Runs cells as told: raise this error, or leave these outputs."""

    def __init__(self, *, raises: CellExecutionError | None = None,
                 outputs: list[Any] | None = None) -> None:  # fmt: skip
        self.raises, self.outputs = raises, outputs or []

    def execute_cell(self, code: Any, index: int) -> Any:
        """Leave the outputs in the cell, then raise if told to (as nbclient does)."""
        code.outputs = list(self.outputs)
        if self.raises is not None:
            raise self.raises
        return code


def test_a_tagged_cell_records_its_error_without_raising() -> None:
    """A tagged cell's error comes back as an output, not raised: expected, by name."""
    lesson = RUN.Lesson("lesson.ipynb", options())
    code = cell(tags=["raises-exception"])
    assert lesson.cell(Client(outputs=[error("KeyError")]), 0, code, [])
    assert lesson.expected == [{"cell": 1, "ename": "KeyError", "how": "tagged raises-exception"}]


def test_the_lesson_stops_after_the_most_failures_allowed() -> None:
    """--max-failures: the lesson goes on after a failure, until there are that many."""
    lesson = RUN.Lesson("lesson.ipynb", options(max_failures=2))
    failing = Client(raises=CellExecutionError("tb", "ValueError", "bad"))
    assert lesson.cell(failing, 0, cell(), [])
    assert not lesson.cell(failing, 1, cell(), [])
    assert lesson.stopped == "stopped after 2 failing cells"


def test_compare_outputs_records_drift() -> None:
    """With --compare-outputs a cell whose text output changed is listed, with a diff."""
    lesson = RUN.Lesson("lesson.ipynb", options(compare_outputs=True))
    saved = [new_output("stream", name="stdout", text="42\n")]
    now = Client(outputs=[new_output("stream", name="stdout", text="43\n")])
    assert lesson.cell(now, 4, cell("print(answer)"), saved)
    (changed,) = lesson.drift
    assert changed["cell"] == 5
    assert "-[stdout] 42" in changed["diff"]
    assert "+[stdout] 43" in changed["diff"]


# --- What counts as a change in output ---------------------------------------


def png(width: int, height: int) -> str:
    """The base64 of a PNG's signature and header, which is all png_size reads."""
    header = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + struct.pack(">II", width, height)
    return base64.b64encode(header + b"\x08\x06\x00\x00\x00").decode()


def test_images_compare_by_size() -> None:
    """A PNG is compared by its width and height, read from its header."""
    assert RUN.png_size(png(640, 480)) == (640, 480)
    assert RUN.png_size("not base64 at all!") is None
    shown = new_output("display_data", data={"image/png": png(10, 20), "text/plain": "<Figure>"})
    assert RUN.comparable([shown]) == ["[image/png (10, 20)]"]


def test_what_always_differs_is_set_aside() -> None:
    """Addresses, dates, times, durations and temporary paths do not count as drift."""
    first = [new_output("execute_result", data={"text/plain": "<Obj at 0x7f3a2b1c9d40>"},
                        execution_count=1),
             new_output("stream", name="stdout",
                        text="2024-05-01 10:11:12 took 3.2 ms in /tmp/abc123/x  \n")]  # fmt: skip
    second = [new_output("execute_result", data={"text/plain": "<Obj at 0x55d1e2f3a4b0>"},
                         execution_count=7),
              new_output("stream", name="stdout",
                         text="2025-12-31 23:59:01 took 41 ms in /tmp/zz9/x\n")]  # fmt: skip
    assert RUN.comparable(first) == RUN.comparable(second)
    assert RUN.drift(0, cell(outputs=second), first) is None


def test_no_saved_output_is_no_drift() -> None:
    """A cell saved without outputs (a cleared notebook) is never reported as changed."""
    assert RUN.drift(0, cell(outputs=[new_output("stream", name="stdout", text="hi")]), []) is None


def test_changed_text_is_drift() -> None:
    """A different result is reported with the cell's number and source."""
    saved = [new_output("execute_result", data={"text/plain": "3"}, execution_count=1)]
    now = cell("1 + 1", outputs=[new_output("execute_result", data={"text/plain": "2"},
                                            execution_count=1)])  # fmt: skip
    changed = RUN.drift(1, now, saved)
    assert changed is not None
    assert (changed["cell"], changed["source"]) == (2, "1 + 1")
    assert changed["diff"].splitlines()[-2:] == ["-3", "+2"]


# --- Lessons that cannot run -------------------------------------------------


@pytest.fixture
def jupyter_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Jupyter's folders, empty, under the test's own folder: no kernel is found."""
    for name in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR"):
        monkeypatch.setenv(name, str(tmp_path / name.lower()))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter_path"))
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")


def test_a_missing_kernel_is_reported_as_such(tmp_path: Path, jupyter_dirs: None) -> None:
    """A lesson asking for a kernel the image lacks fails as no-kernel; nothing else runs."""
    notebook = new_notebook(cells=[new_code_cell("1 + 1")])
    notebook.metadata["kernelspec"] = {"name": "wiw-no-such-kernel", "display_name": "none"}
    path = tmp_path / "lesson.ipynb"
    nbformat.write(notebook, path)
    result = RUN.run_one(str(path), options())
    assert result["passed"] is False
    assert result["failure"]["kind"] == "no-kernel"
    assert result["failure"]["cell"] is None
    assert "wiw-no-such-kernel" in result["failure"]["evalue"]
    assert result["expected"] == []


def test_an_unreadable_notebook_is_reported(tmp_path: Path) -> None:
    """A lesson that is not a notebook fails as unreadable, and the runner goes on."""
    path = tmp_path / "broken.ipynb"
    path.write_text("{ not json")
    result = RUN.run_one(str(path), options())
    assert result["passed"] is False
    assert result["failure"]["kind"] == "unreadable"
    assert result["failures"] == [result["failure"]]


def test_a_dead_worker_is_a_failed_lesson() -> None:
    """A worker process killed (out of memory) still gives a result for its lesson."""
    future: Future[dict[str, Any]] = Future()
    future.set_exception(RuntimeError("A process in the process pool was terminated abruptly"))
    result = RUN.outcome(future, "lesson.ipynb")
    assert result["passed"] is False
    assert result["failure"]["kind"] == "runner-died"
    assert "terminated abruptly" in result["failure"]["evalue"]


def test_no_kernel_no_peak() -> None:
    """Without a running kernel's process the peak memory is unknown, not an error."""
    assert RUN.kernel_peak(Client()) is None


def test_the_report_names_the_lessons_python_and_packages(tmp_path: Path) -> None:
    """The lessons' environment: its venv's Python and its packages, sorted by name."""
    (tmp_path / "pyvenv.cfg").write_text("home = /usr/bin\nversion = 3.11.2\n")
    site = tmp_path / "lib" / "python3.11" / "site-packages"
    for name, version in (("numpy", "1.26.4"), ("Bokeh", "3.4.1"), ("ipykernel", "6.29.5")):
        info = site / f"{name}-{version}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
        )
    found = RUN.lessons_environment(tmp_path)
    assert found == {
        "python": "3.11.2",
        "packages": ["Bokeh==3.4.1", "ipykernel==6.29.5", "numpy==1.26.4"],
    }


def test_an_image_with_one_environment_reports_the_runners_python(tmp_path: Path) -> None:
    """No lessons' environment (an older image): this Python, and no package list."""
    found = RUN.lessons_environment(tmp_path / "missing")
    assert found["packages"] == []
    assert found["python"] == sys.version.split()[0]


def test_the_runner_looks_where_the_image_puts_the_lessons_environment() -> None:
    """run_lessons.py cannot import the contract (it arrives as text): the same path, written."""
    assert str(RUN.LESSONS_ENV) == LESSONS_ENV


def test_text_lessons_are_read_through_jupytext_and_notebooks_as_they_are(tmp_path: Path) -> None:
    """A MyST lesson becomes cells with their tags; an .ipynb is read by nbformat unchanged."""
    myst = tmp_path / "lesson.md"
    myst.write_text(
        "---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
        "    format_version: 0.13\nkernelspec:\n"
        "  name: python3\n  language: python\n  display_name: Python 3\n---\n\n# Title\n\n"
        "```{code-cell} ipython3\n:tags: [raises-exception]\n\n1 / 0\n```\n"
    )
    notebook = RUN.read_lesson(str(myst))
    assert [c.cell_type for c in notebook.cells] == ["markdown", "code"]
    assert notebook.cells[1].metadata["tags"] == [RUN.TAG]
    assert notebook.metadata["kernelspec"]["name"] == "python3"
    plain = tmp_path / "lesson.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("x = 1")]), plain)
    assert [c.source for c in RUN.read_lesson(str(plain)).cells] == ["x = 1"]


def test_r_version_is_read_from_r_itself_or_empty_without_r(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`R --version`'s first line gives the version; no R on PATH gives ''."""
    fake = tmp_path / "R"
    fake.write_text(
        "#!/bin/sh\necho 'R version 4.2.2 (2022-10-31) -- \"Innocent and Trusting\"'\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert RUN.r_version() == "4.2.2"
    monkeypatch.setenv("PATH", str(tmp_path / "nowhere"))
    assert RUN.r_version() == ""


def test_the_network_hook_logs_the_hosts_a_kernel_reaches(tmp_path: Path) -> None:
    """Run in a Python of its own: names looked up are logged, its own machine's are not."""
    import os
    import subprocess

    code = RUN.NETWORK_HOOK + (
        "import socket\n"
        "for host in ('localhost', '127.0.0.1', 'gone.wiw.test', 'gone.wiw.test'):\n"
        "    try:\n        socket.getaddrinfo(host, 80)\n    except OSError:\n        pass\n"
        "s = socket.socket()\ns.settimeout(0.1)\n"
        "for address in (('192.0.2.1', 9),):  # an address the lesson gives itself\n"
        "    try:\n        s.connect(address)\n    except OSError:\n        pass\n"
    )
    env = {**os.environ, "WIW_NETWORK": str(tmp_path)}
    subprocess.run([sys.executable, "-c", code], env=env, check=True, timeout=60)
    (log,) = tmp_path.glob("*.log")
    hosts, offset = RUN.hosts_logged(log, 0)
    assert hosts == ["gone.wiw.test"]  # once, its own machine and a bare address left out
    assert offset == log.stat().st_size
    assert RUN.hosts_logged(log, offset) == ([], offset)
    assert RUN.hosts_logged(tmp_path / "none.log", 0) == ([], 0)


def test_without_the_folder_setting_the_hook_logs_nothing(tmp_path: Path) -> None:
    """A kernel started without WIW_NETWORK (a learner's, in class) is not watched."""
    import os
    import subprocess

    code = RUN.NETWORK_HOOK + "import socket\ntry:\n    socket.getaddrinfo('x.wiw.test', 80)\n"
    code += "except OSError:\n    pass\nprint('ran')\n"
    env = {k: v for k, v in os.environ.items() if k != "WIW_NETWORK"}
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=tmp_path, check=True,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.stdout.strip() == "ran"
    assert list(tmp_path.iterdir()) == []


def test_watch_network_puts_the_hook_in_ipythons_startup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hook goes where IPython kernels run startup files; kernels learn the folder."""
    monkeypatch.delenv("WIW_NETWORK", raising=False)
    RUN.watch_network(tmp_path / "net", tmp_path / "ipython")
    startup = tmp_path / "ipython" / "profile_default" / "startup" / "00-wiw-network.py"
    assert startup.read_text() == RUN.NETWORK_HOOK
    assert (tmp_path / "net").is_dir()
    import os

    assert os.environ["WIW_NETWORK"] == str(tmp_path / "net")
    monkeypatch.delenv("WIW_NETWORK")


def test_a_cells_hosts_are_recorded_and_given_to_its_failure(tmp_path: Path) -> None:
    """What a cell reached for is noted for that cell, on its failure too, never on another."""
    lesson = RUN.Lesson("a.ipynb", options())
    log = tmp_path / "7.log"
    lesson.net = (log, 0)
    lesson.failures.append(RUN.failure("error", 2, new_code_cell("x"), ename="URLError"))
    log.write_text("data.wiw.test\ndata.wiw.test\n")
    lesson.note_network(2)
    lesson.note_network(3)  # nothing new after cell 3
    with log.open("a") as more:
        more.write("other.wiw.test\n")
    lesson.note_network(4)
    assert lesson.internet == [{"cell": 3, "hosts": ["data.wiw.test"]},
                               {"cell": 5, "hosts": ["other.wiw.test"]}]  # fmt: skip
    assert lesson.failures[0]["hosts"] == ["data.wiw.test"]
    unwatched = RUN.Lesson("b.ipynb", options())
    unwatched.note_network(0)
    assert unwatched.internet == []


KERNEL_CASES = [
    # (the notebook's kernelspec, the image's kernels, --kernel, the kernel used, a note?)
    ({"name": "python3", "language": "python"}, {"python3"}, None, "python3", False),
    ({"name": "conda-env-x-py", "language": "python"}, {"python3"}, None, "python3", True),
    ({"name": "phys-581", "language": "R"}, {"python3", "ir"}, None, "ir", True),
    ({"name": "julia-1.9", "language": "julia"}, {"python3"}, None, "julia-1.9", False),
    ({"name": "conda-env-x-py", "language": "python"}, set(), None, "conda-env-x-py", False),
    ({"name": "weird", "language": "python"}, {"python3"}, "mine", "mine", False),
    ({}, {"python3"}, None, "python3", False),
]


@pytest.mark.parametrize("case", KERNEL_CASES)
def test_a_kernel_the_image_lacks_gives_way_to_the_one_for_its_language(
    monkeypatch: pytest.MonkeyPatch,
    case: tuple[dict[str, str], set[str], str | None, str, bool],
) -> None:
    """A kernel the image lacks gives way to the image's kernel for the language, noted.

    That is a conda environment's kernel name, or a course's own; --kernel, a
    kernel the image has, or a language without a kernel stay as they are.
    """
    spec, known, asked, used, noted = case
    monkeypatch.setattr(RUN, "installed_kernels", lambda: known)
    lesson = RUN.Lesson("a.ipynb", options(kernel=asked))
    notebook = new_notebook()
    if spec:
        notebook.metadata["kernelspec"] = spec
    assert lesson.kernel(notebook) == used
    assert bool(lesson.note) == noted
    if noted:
        assert (
            lesson.note == f"its kernel {spec['name']!r} is not in the image: it ran in {used!r}"
        )


@pytest.mark.parametrize(
    ("deaths", "after_a_cell", "runs", "passed"),
    [(1, False, 2, True), (2, False, 2, False), (1, True, 1, False), (0, False, 1, True)],
)
def test_a_kernel_that_dies_before_it_answers_is_started_once_more(
    monkeypatch: pytest.MonkeyPatch, deaths: int, after_a_cell: bool, runs: int, passed: bool
) -> None:
    """Only a death before any cell ran, and only once: a second one is reported."""
    tries: list[int] = []

    def run(self: Any) -> None:
        tries.append(1)
        if after_a_cell:
            self.current = (0, new_code_cell("x"))
        if len(tries) <= deaths:
            raise RuntimeError(RUN.STARTUP_DEATH)

    monkeypatch.setattr(RUN.Lesson, "run", run)
    result = RUN.run_one("a.ipynb", options())
    assert len(tries) == runs
    assert result["passed"] is passed
    if not passed:
        assert result["failure"]["evalue"] == RUN.STARTUP_DEATH
