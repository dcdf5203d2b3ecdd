"""The example workshop's lessons all run inside its image."""

from __future__ import annotations

import json
from pathlib import Path

import wiw
from tests.support.workshops import EXAMPLE
from wiw.cli import main


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
