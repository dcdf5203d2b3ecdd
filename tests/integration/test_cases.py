"""Each folder under tests/cases/ is a workshop plus the outcome it must have.

``expected.json`` says what happens: ``passes`` (it builds and every lesson
passes), ``fails`` (a given lesson fails at a given cell with a given error
while the others still pass), ``build-fails`` (the build fails with a given
text in its log tail, at the step ``step`` names, by default requirements.txt's, and
with ``names`` in its message) or ``invalid`` (opening the folder raises a given error).
Optional keys: ``strict_errors`` and ``compare_outputs`` (how cells are
judged), ``expected_errors`` (cells that raised as meant) and
``expected_how`` (how each was known: its tag, or its saved error),
``lessons`` (the files run as lessons, in order), ``offline`` (run with no network),
``hosts`` (what the failing cell tried to reach), ``internet_cells`` (every cell that did),
``lesson_note`` (the note of the one lesson: a kernel the image lacks, replaced),
``more`` (a further case of a kind CI already builds one of: only in ``nox -s courses``),
``note`` (what the failing cell was expected to raise), ``also_failing``
(other lessons that fail, each at a cell with an error), ``failing_cells``
(every failing cell of the failing lesson) and ``drift_cells`` (cells whose
output changed; the same run without comparing reports none).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import wiw

CASES = Path(__file__).parents[1] / "cases"


def load(case: str) -> dict[str, Any]:
    """The expected outcome of a case."""
    data: dict[str, Any] = json.loads((CASES / case / "expected.json").read_text())
    return data


def cases() -> list[Any]:
    """Every case; those marked ``"more"`` (a further case of a kind) only in nox -s courses."""
    return [
        pytest.param(p.name, marks=[pytest.mark.courses] if load(p.name).get("more") else [])
        for p in sorted(CASES.iterdir())
        if p.is_dir()
    ]


@pytest.mark.parametrize("case", cases())
def test_case(
    case: str, engine: wiw.Engine, run_id: str, made_images: list[str], example_image: wiw.Image
) -> None:
    """The workshop in tests/cases/CASE has the outcome its expected.json states."""
    expected = load(case)
    if expected["outcome"] == "invalid":
        with pytest.raises(getattr(wiw.errors, expected["error"])) as caught:
            wiw.Workshop(CASES / case)
        assert expected["names"] in str(caught.value)
        return
    workshop = wiw.Workshop(CASES / case)
    ref = f"wiw-test/case-{workshop.name}:{run_id}"
    made_images.append(ref)
    if expected["outcome"] == "build-fails":
        with pytest.raises(wiw.BuildFailed) as built:
            wiw.Image.build(workshop, tag=ref, engine=engine, show_progress=False)
        assert any(expected["log_contains"] in line for line in built.value.log_tail)
        # The message names the failing step, and what failed when wiw's own step says.
        assert expected.get("step", "requirements.txt") in built.value.message
        assert expected.get("names", "") in built.value.message
        assert not wiw.Image(ref, engine=engine).exists
        return
    image = wiw.Image.build(workshop, tag=ref, engine=engine, show_progress=False)
    before = sorted(p.relative_to(CASES / case) for p in (CASES / case).rglob("*"))
    options = {
        "cell_timeout": expected.get("cell_timeout", 60),
        "memory": expected.get("memory"),
        "strict_errors": expected.get("strict_errors", False),
        "compare_outputs": expected.get("compare_outputs", False),
        "offline": expected.get("offline", False),
    }
    report = wiw.test_lessons(workshop, image, **options)
    check_report(report, expected, len(workshop.lessons))
    if "lesson_note" in expected:  # how the lesson was run when not as it asks
        assert [r.note for r in report.results] == [expected["lesson_note"]]
    if "internet_cells" in expected:  # every cell that reached for a host, failed or not
        assert [u.cell for _, u in report.needs_internet] == expected["internet_cells"]
    if "drift_cells" in expected:
        assert [d.cell for r in report.results for d in r.drift] == expected["drift_cells"]
        plain = wiw.test_lessons(workshop, image, **{**options, "compare_outputs": False})
        assert not [d for r in plain.results for d in r.drift]
    # Files the lessons wrote stayed in the throwaway container, which is gone.
    assert sorted(p.relative_to(CASES / case) for p in (CASES / case).rglob("*")) == before
    assert not engine.containers_labelled("org.wiw.role=lesson-test")


def check_report(report: wiw.LessonReport, expected: dict[str, Any], lessons: int) -> None:
    """Compare a lesson report with a case's expectations."""
    # Which files are lessons (text ones among them), in order.
    assert [r.lesson for r in report.results][: len(expected.get("lessons", []))] == (
        expected.get("lessons", [])
    )
    assert len(report.results) == lessons
    if "expected_errors" in expected:
        assert [e.cell for r in report.results for e in r.expected] == expected["expected_errors"]
        hows = expected.get("expected_how", ["as saved"] * len(expected["expected_errors"]))
        assert [e.how for r in report.results for e in r.expected] == hows
    if expected["outcome"] == "passes":
        assert report.ok, report.to_json()
        return
    failed = {r.lesson: r for r in report.failed}
    also = expected.get("also_failing", {})
    assert sorted(failed) == sorted([expected["lesson"], *also]), report.to_json()
    check_others(failed, also)
    failure = failed[expected["lesson"]].failure
    assert failure is not None
    # note: both errors named, the one raised and the one expected; hosts: what the
    # failing cell tried to reach, seen, not parsed.
    for key, field in (("cell", "cell"), ("kind", "kind"), ("missing_module", "missing_module"),
                       ("error", "ename"), ("hosts", "hosts"), ("note", "note")):  # fmt: skip
        if key in expected:
            assert getattr(failure, field) == expected[key], report.to_json()
    if "evalue" in expected:
        assert expected["evalue"] in failure.evalue
    if "failing_cells" in expected:
        cells = [f.cell for f in failed[expected["lesson"]].failures]
        assert cells == expected["failing_cells"], report.to_json()
    assert "\x1b[" not in failure.traceback
    if expected.get("others_pass"):
        assert all(r.passed for r in report.results if r.lesson != expected["lesson"])


def check_others(failed: dict[str, wiw.LessonResult], also: dict[str, Any]) -> None:
    """Other lessons that fail, each for a reason of its own (no expectation noted)."""
    for lesson, want in also.items():
        other = failed[lesson].failure
        assert other is not None
        assert (other.cell, other.ename, other.note) == (want["cell"], want["error"], "")
