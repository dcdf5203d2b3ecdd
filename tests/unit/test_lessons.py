"""Reading the lesson runner's report, without an engine."""

from __future__ import annotations

import json

from wiw.image import Image
from wiw.lessons import MARKER, parse_report, runner_spec

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
    report = parse_report(f"copying lessons\nwarning: x\n{report_line()}\n", "img")
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
    assert parse_report("Killed\n", "img") is None


def test_json_round_trip() -> None:
    """The JSON form holds every result and the overall verdict."""
    report = parse_report(report_line(), "img")
    assert report is not None
    data = json.loads(report.to_json())
    assert data["ok"] is False
    assert data["results"][1]["failure"]["ename"] == "ModuleNotFoundError"


def test_runner_runs_as_the_learner_with_limits() -> None:
    """The throwaway container runs the runner script with the options, limited and labelled."""
    spec = runner_spec(
        Image("wiw/x:1"), ["a.ipynb"], workshop="x", cell_timeout=7, parallel=3, memory="1g"
    )
    assert spec.command[:2] == ("python3", "-c")
    assert "--marker" in spec.command[2]
    assert list(spec.command[3:]) == [
        "--timeout", "7", "--parallel", "3", "--marker", MARKER, "--", "a.ipynb"
    ]  # fmt: skip
    assert spec.memory == "1g"
    assert spec.labels["org.wiw.managed"] == "true"
    assert not spec.publish
