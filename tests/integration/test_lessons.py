"""The example workshop's lessons all run inside its image."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat

import wiw
from tests.support.workshops import EXAMPLE
from wiw.cli.main import main


def test_example_lessons_all_pass_with_timings_and_memory(example_image: wiw.Image) -> None:
    """Every example lesson passes; the report has durations and the container's peak memory."""
    workshop = wiw.Workshop(EXAMPLE)
    report = wiw.test_lessons(workshop, example_image)
    assert report.ok, report.to_json()
    assert [r.lesson for r in report.results] == [p.name for p in workshop.lessons]
    assert all(r.duration > 0 for r in report.results)
    assert report.peak_memory is not None
    assert 20 * 2**20 < report.peak_memory < 4 * 2**30


def test_cli_test_writes_json_and_exits_zero(example_image: wiw.Image, tmp_path: Path) -> None:
    """'wiw test FOLDER --json FILE' exits 0 and writes the report."""
    out = tmp_path / "report.json"
    assert main(["test", str(EXAMPLE), "--tag", example_image.ref, "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["ok"] is True
    assert len(data["results"]) == 3


def test_cli_test_exits_non_zero_on_a_failing_lesson(
    example_image: wiw.Image, workshop_copy: Path, run_id: str, made_images: list[str]
) -> None:
    """A lesson that fails in its image makes 'wiw test' exit 1."""
    lesson = workshop_copy / "lesson01.ipynb"
    lesson.write_text(lesson.read_text().replace("import qrcode", "import qrcodez", 1))
    ref = f"wiw-test/broken-lesson:{run_id}"
    made_images.append(ref)
    wiw.Image.build(
        wiw.Workshop(workshop_copy), tag=ref, engine=example_image.engine, show_progress=False
    )
    assert main(["test", str(workshop_copy), "--tag", ref]) == 1


def test_one_learner_is_sized_by_the_largest_lessons_kernel(
    example_image: wiw.Image, tmp_path: Path, run_id: str, made_images: list[str]
) -> None:
    """A lesson that holds 300 MB is measured at about 300 MB, its kernel's peak.

    Not the sum of four lessons running at once; the plan adds an idle server to it.
    """
    folder = tmp_path / "sizing"
    folder.mkdir()
    for n in range(3):
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]),
                       folder / f"light{n}.ipynb")  # fmt: skip
    heavy = "data = bytearray(300 * 2**20)\nfor i in range(0, len(data), 4096): data[i] = 1"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(heavy)]),
                   folder / "heavy.ipynb")  # fmt: skip
    workshop = wiw.Workshop(folder)
    ref = f"wiw-test/sizing:{run_id}"
    made_images.append(ref)
    image = wiw.Image.build(workshop, tag=ref, engine=example_image.engine, show_progress=False)
    report = wiw.test_lessons(workshop, image)
    assert report.ok, report.to_json()
    peaks = {r.lesson: r.peak_memory or 0 for r in report.results}
    assert 300 * 2**20 < peaks["heavy.ipynb"] < 420 * 2**20
    assert max(peaks[f"light{n}.ipynb"] for n in range(3)) < 150 * 2**20
    assert report.lesson_peak == peaks["heavy.ipynb"]
    plan = wiw.plan_classroom(learners=10, host_memory=16 * 2**30, host_cpus=2,
                              lesson_peak=report.lesson_peak)  # fmt: skip
    assert plan.per_learner < 600 * 2**20  # one learner: not four lessons at once
