"""Reading the lesson runner's report, without an engine."""

from __future__ import annotations

import json

import pytest

from wiw.build.image import Image
from wiw.lessons.report import CellFailure
from wiw.lessons.runner import MARKER, Judging, parse_report, runner_spec

FAILURE = {
    "kind": "error",
    "cell": 4,
    "source": "import pandas",
    "ename": "ModuleNotFoundError",
    "evalue": "No module named 'pandas'",
    "traceback": "Traceback ...",
}


def report_line(**overrides: object) -> str:
    """A report line as the runner prints it."""
    data = {
        "results": [
            {"lesson": "a.ipynb", "passed": True, "duration": 1.5, "failure": None},
            {"lesson": "b.ipynb", "passed": False, "duration": 0.5, "failure": FAILURE},
        ],
        "duration": 2.0,
        "peak_memory": 123456789,
        **overrides,
    }
    return MARKER + json.dumps(data)


def test_report_line_is_found_after_other_output() -> None:
    """The report is read from the last marker line, whatever came before."""
    report = parse_report(f"copying lessons\nwarning: x\n{report_line()}\n", "img", MARKER)
    assert report is not None
    assert not report.ok
    assert [r.lesson for r in report.failed] == ["b.ipynb"]
    failure = report.failed[0].failure
    assert failure is not None
    assert failure.cell == 4
    assert failure.missing_module == "pandas"
    assert report.peak_memory == 123456789


def test_no_report_line_gives_none() -> None:
    """Output without a report (a crashed runner) gives None."""
    assert parse_report("Killed\n", "img", MARKER) is None


def test_json_round_trip() -> None:
    """The JSON form holds every result and the overall verdict."""
    report = parse_report(report_line(), "img", MARKER)
    assert report is not None
    data = json.loads(report.to_json())
    assert data["ok"] is False
    assert data["results"][1]["failures"][0]["ename"] == "ModuleNotFoundError"


def test_runner_runs_as_the_learner_with_limits() -> None:
    """The throwaway container runs the runner script with the options, limited and labelled."""
    spec = runner_spec(
        Image("wiw/x:1"), ["a.ipynb"], workshop="x", cell_timeout=7, parallel=3, memory="1g"
    )
    assert spec.command[:2] == ("/opt/wiw/bin/python", "-c")  # the runtime's: nbclient
    assert "--marker" in spec.command[2]
    assert list(spec.command[3:]) == [
        "--timeout", "7", "--parallel", "3", "--marker", MARKER, "--max-failures", "10", "--",
        "a.ipynb",
    ]  # fmt: skip
    assert spec.memory == "1g"
    assert spec.labels["org.wiw.managed"] == "true"
    assert not spec.publish


def test_every_failing_cell_and_each_lessons_memory_are_read() -> None:
    """Every failing cell, the errors meant, the drift and each lesson's memory are read.

    The class plan uses the largest lesson's kernel, not the whole container.
    """
    second = {**FAILURE, "cell": 9, "ename": "TypeError", "evalue": "bad", "note": ""}
    results = [
        {"lesson": "a.ipynb", "passed": True, "duration": 1.0, "failures": [],
         "expected": [{"cell": 3, "ename": "NameError", "how": "as saved"}],
         "drift": [{"cell": 5, "source": "print(41)", "diff": "-42\n+41"}],
         "peak_memory": 300 * 2**20, "stopped": ""},
        {"lesson": "b.ipynb", "passed": False, "duration": 0.5,
         "failures": [FAILURE, second], "expected": [], "drift": [],
         "peak_memory": 80 * 2**20, "stopped": ""},
    ]  # fmt: skip
    report = parse_report(report_line(results=results, peak_memory=900 * 2**20), "i", MARKER)
    assert report is not None
    assert [f.cell for f in report.results[1].failures] == [4, 9]
    assert report.results[0].expected[0].how == "as saved"
    assert report.results[0].drift[0].diff == "-42\n+41"
    assert report.lesson_peak == 300 * 2**20
    assert report.peak_memory == 900 * 2**20
    table = report.table()
    assert table.row_count == 2


def test_judging_flags_reach_the_runner() -> None:
    """--strict-errors and --compare-outputs are passed to the runner when asked."""
    judging = Judging(strict_errors=True, compare_outputs=True, max_failures=3)
    spec = runner_spec(Image("wiw/x:1"), ["a.ipynb"], workshop="x", cell_timeout=7,
                       parallel=1, memory=None, judging=judging)  # fmt: skip
    assert list(spec.command[9:13]) == [
        "--max-failures",
        "3",
        "--strict-errors",
        "--compare-outputs",
    ]


def test_the_report_says_what_the_lessons_ran_with() -> None:
    """The lessons' Python and their environment's packages, read back from the runner's line."""
    line = MARKER + json.dumps(
        {"results": [], "duration": 1.0, "python": "3.11.2", "packages": ["numpy==1.26.4"]}
    )
    report = parse_report(line, "wiw/x:1", MARKER)
    assert report is not None
    assert (report.python, report.packages) == ("3.11.2", ["numpy==1.26.4"])
    assert report.environment() == (
        "The lessons ran with Python 3.11.2 and 1 packages of their own environment "
        "(the JSON report lists them)."
    )
    assert json.loads(report.to_json())["packages"] == ["numpy==1.26.4"]
    older = parse_report(MARKER + json.dumps({"results": [], "duration": 1.0}), "x", MARKER)
    assert older is not None
    assert (older.packages, older.environment()) == ([], "")


def test_the_table_has_a_line_per_lesson_with_its_first_failure() -> None:
    """Title, columns and each lesson's line: result, seconds, cell, error (cut), expected."""
    long = {**FAILURE, "ename": "ValueError", "evalue": "x" * 100}
    unread = {**FAILURE, "kind": "unreadable", "cell": None}
    results = [
        {"lesson": "a.ipynb", "passed": True, "duration": 1.0, "failures": [],
         "expected": [{"cell": 3, "ename": "NameError", "how": "as saved"}],
         "peak_memory": 300 * 2**20},
        {"lesson": "b.ipynb", "passed": False, "duration": 0.5, "failures": [FAILURE, long]},
        {"lesson": "c.ipynb", "passed": False, "duration": 2, "failures": [long, FAILURE]},
        {"lesson": "d.ipynb", "passed": False, "duration": 3, "failures": [unread, long, long]},
        {"lesson": "e.ipynb", "passed": False, "duration": 4.04, "failures": []},
        {"lesson": "f.ipynb", "passed": False, "duration": 1, "failures": [FAILURE]},
    ]  # fmt: skip
    report = parse_report(report_line(results=results, duration=7.04), "wiw/x:1", MARKER)
    assert report is not None
    table = report.table()
    assert table.title == "Lessons in wiw/x:1 (7.0 s; largest lesson 300 MiB)"
    assert [c.header for c in table.columns] == [
        "lesson", "result", "seconds", "where", "error", "expected",
    ]  # fmt: skip
    assert [list(c._cells) for c in table.columns] == [
        ["a.ipynb", "b.ipynb", "c.ipynb", "d.ipynb", "e.ipynb", "f.ipynb"],
        ["[green]pass[/]", "[red]error[/]", "[red]error[/]", "[red]unreadable[/]", "[red]fail[/]",
         "[red]error[/]"],
        ["1.0", "0.5", "2.0", "3.0", "4.0", "1.0"],
        ["", "cell 4 (+1)", "cell 4 (+1)", "(+2)", "", "cell 4"],
        ["", "ModuleNotFoundError: No module named 'pandas'",
         ("ValueError: " + "x" * 100)[:80], "ModuleNotFoundError: No module named 'pandas'", "",
         "ModuleNotFoundError: No module named 'pandas'"],
        ["1 as meant", "", "", "", "", ""],
    ]  # fmt: skip


def test_without_any_lesson_memory_the_table_says_so() -> None:
    """No lesson's kernel measured: no largest lesson, and 'n/a' in the title."""
    report = parse_report(report_line(), "img", MARKER)
    assert report is not None
    assert report.lesson_peak is None
    assert report.table().title == "Lessons in img (2.0 s; largest lesson n/a)"
    data = json.loads(report.to_json())
    assert (data["lesson_peak"], data["peak_memory"], data["image"]) == (None, 123456789, "img")
    assert (data["python"], data["packages"]) == ("", [])
    assert data["results"][0] == {
        "lesson": "a.ipynb", "passed": True, "duration": 1.5, "failures": [], "expected": [],
        "drift": [], "peak_memory": None, "stopped": "", "internet": [], "note": "",
    }  # fmt: skip


def test_an_all_passing_report_is_ok_and_says_so_in_json() -> None:
    """Ok is True only when every lesson passed; the JSON is indented."""
    results = [{"lesson": "a.ipynb", "passed": True, "duration": 1.0, "failures": []}]
    report = parse_report(report_line(results=results), "img", MARKER)
    assert report is not None
    assert (report.ok, report.failed) == (True, [])
    text = report.to_json()
    assert json.loads(text)["ok"] is True
    assert text.startswith('{\n  "image": "img",\n')


def test_the_last_report_line_counts_and_a_cut_one_gives_none() -> None:
    """Of two report lines the last is read; a line cut short while printing reads as none."""
    first = report_line(duration=1.0)
    assert parse_report(f"{first}\n{report_line(duration=5.0)}\n", "i", MARKER).duration == 5.0  # type: ignore[union-attr]
    assert parse_report(f"{first}\n{report_line()[:30]}\n", "i", MARKER) is None


def test_a_report_keeps_why_a_lesson_stopped_and_its_expected_errors() -> None:
    """stopped, expected and drift are read back; an older runner's single failure too."""
    results = [
        {"lesson": "a.ipynb", "passed": False, "duration": 1.0, "stopped": "too many failures",
         "failures": [FAILURE], "expected": [{"cell": 2, "ename": "E", "how": "as saved"}]},
        {"lesson": "b.ipynb", "passed": True, "duration": 1.0},
    ]  # fmt: skip
    report = parse_report(report_line(results=results), "i", MARKER)
    assert report is not None
    first, second = report.results
    assert first.stopped == "too many failures"
    assert [e.cell for e in first.expected] == [2]
    assert (second.failures, second.failure, second.stopped) == ([], None, "")


def test_the_environment_names_the_python_alone_without_packages() -> None:
    """A Python but no packages of the lessons' own: the Python alone."""
    line = MARKER + json.dumps({"results": [], "duration": 1.0, "python": "3.12.1"})
    report = parse_report(line, "x", MARKER)
    assert report is not None
    assert report.environment() == "The lessons ran with Python 3.12.1."


@pytest.mark.parametrize(
    ("ename", "evalue", "module"),
    [
        ("ModuleNotFoundError", "No module named 'pandas'", "pandas"),
        ("ImportError", 'No module named "scipy.stats"', "scipy.stats"),
        (
            "ModuleNotFoundError",
            "No module named 'a' No module named 'b'",
            "a' No module named 'b",
        ),
        ("ImportError", "cannot import name 'x' from 'y'", None),
        ("ValueError", "No module named 'pandas'", None),
    ],
)
def test_a_missing_module_is_read_from_an_import_error(
    ename: str, evalue: str, module: str | None
) -> None:
    """Only an import error saying 'No module named' names a module."""
    failure = CellFailure("error", 1, "import x", ename, evalue, "")
    assert failure.missing_module == module


@pytest.mark.parametrize("packages", [[], ["glue==1.6.2"]])
def test_the_report_names_the_r_of_r_lessons(packages: list[str]) -> None:
    """An image with R: the report says which R, after the Python, with or without packages."""
    data = {"results": [], "duration": 1.0, "python": "3.11.2", "packages": packages, "r": "4.2.2"}
    report = parse_report(MARKER + json.dumps(data), "wiw/x:1", MARKER)
    assert report is not None
    assert report.r == "4.2.2"
    assert report.environment().endswith(" R lessons ran with R 4.2.2.")
    assert report.environment().startswith("The lessons ran with Python 3.11.2")
    assert json.loads(report.to_json())["r"] == "4.2.2"
    without = parse_report(MARKER + json.dumps({**data, "r": ""}), "x", MARKER)
    assert without is not None
    assert "R lessons" not in without.environment()
