"""Reading the lesson runner's report, without an engine."""

from __future__ import annotations

import json

from wiw.build.image import Image
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
