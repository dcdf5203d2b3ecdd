"""The wiw command, for what needs no engine."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from tests.unit.test_workshop import write_lesson
from wiw.cli import main


def test_qr_command_prints_and_saves_png(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """'wiw qr URL --png FILE' draws the code and writes a PNG that decodes to the URL."""
    url = "http://127.0.0.1:49153/lab?token=" + "0123456789abcdef" * 3
    assert main(["qr", url, "--png", str(tmp_path / "q.png")]) == 0
    printed = capsys.readouterr().out
    assert "█" in printed
    assert any(url in line for line in printed.splitlines())  # whole, on one line
    with Image.open(tmp_path / "q.png") as image:
        assert zxingcpp.read_barcodes(image)[0].text == url


def test_build_dry_run_shows_context_without_engine(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """'wiw build --dry-run' prints the Dockerfile and file list, touching no engine."""
    write_lesson(tmp_path / "ws")
    assert main(["build", str(tmp_path / "ws"), "--dry-run"]) == 0
    printed = capsys.readouterr().out
    assert "FROM ${BASE_IMAGE}" in printed
    assert "workshop/lessons/lesson01.ipynb" in printed


def test_errors_print_message_and_hint_not_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bad folder gives the error's name, message and hint, and exit status 2."""
    assert main(["build", str(tmp_path / "missing")]) == 2
    printed = capsys.readouterr().err
    assert "WorkshopNotFound" in printed
    assert "hint:" in printed
    assert "Traceback" not in printed


def test_engine_missing_is_reported_cleanly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without an engine client, 'wiw prune' says so and exits 2."""
    assert main(["prune"]) == 2
    assert "EngineMissing" in capsys.readouterr().err


def test_python_dash_m_wiw_runs() -> None:
    """'python -m wiw --version' works."""
    result = subprocess.run(
        [sys.executable, "-m", "wiw", "--version"], capture_output=True, text=True, check=True
    )
    assert result.stdout.startswith("wiw ")
