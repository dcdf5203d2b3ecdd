"""The doctor on a ready machine."""

from __future__ import annotations

from pathlib import Path

import pytest

import wiw
from tests.support.workshops import EXAMPLE
from wiw.cli.doctor import run_doctor
from wiw.cli.main import main


def test_ready_machine_gets_a_clean_report(engine: wiw.Engine) -> None:
    """Engine, disk and capacity are fine and the example workshop is valid."""
    findings = {f.check: f for f in run_doctor(workshop=str(EXAMPLE), engine=engine)}
    for check in ("client", "engine", "disk", "workshop", "capacity"):
        assert findings[check].ok, findings[check]
    assert "images build with" in findings["engine"].detail


def test_broken_workshop_is_a_blocker(
    engine: wiw.Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder without lessons makes 'wiw doctor FOLDER' exit 1 with advice."""
    assert main(["doctor", str(tmp_path)]) == 1
    printed = capsys.readouterr().out
    assert "No lesson notebooks" in printed
    assert "Add at least one Jupyter notebook" in printed
