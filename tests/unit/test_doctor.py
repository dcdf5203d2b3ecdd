"""The doctor's findings on a machine without an engine."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from tests.support.fakeengine import FakeEngine
from wiw.cli.doctor import Finding, _ports, run_doctor
from wiw.cli.main import main


def test_no_engine_is_a_blocker_with_advice() -> None:
    """Without an engine client the doctor says so, says what to install, and stops there."""
    findings = run_doctor()
    assert [f.check for f in findings] == ["client", "engine"]
    assert all(not f.ok and f.blocker and f.advice for f in findings)


def test_cli_exits_non_zero_when_not_ready(capsys: pytest.CaptureFixture[str]) -> None:
    """'wiw doctor' prints each finding and exits 1 on a blocker."""
    assert main(["doctor"]) == 1
    printed = capsys.readouterr().out
    assert "Install Docker" in printed
    assert "not ready" in printed


def test_taken_ports_are_a_warning_not_a_blocker() -> None:
    """A taken port is reported with what to do, but does not stop a workshop."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        finding = _ports([port])
    assert not finding.ok
    assert not finding.blocker
    assert str(port) in finding.detail


def test_bad_workshop_is_reported(tmp_path: Path) -> None:
    """The workshop check is skipped without an engine; the engine finding comes first."""
    findings = run_doctor(workshop=str(tmp_path))
    assert findings[-1].check == "engine"


def checked(folder: Path, monkeypatch: pytest.MonkeyPatch) -> list[Finding]:
    """The doctor's findings for a workshop folder, on the fake engine."""
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    return run_doctor(workshop=str(folder), ports=(), engine=FakeEngine())


def lessons_with(folder: Path, requirements: str) -> Path:
    """A workshop folder with one lesson and ``requirements``."""
    folder.mkdir()
    nbformat.write(new_notebook(cells=[new_code_cell("1")]), folder / "lesson.ipynb")
    (folder / "requirements.txt").write_text(requirements)
    return folder


def test_plain_http_and_direct_urls_are_warnings_not_blockers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each line that deserves a word is a 'packages' warning, with what to do; still ready."""
    folder = lessons_with(
        tmp_path / "w",
        "numpy==2.1.3\n--index-url http://pypi.example.org/simple\n"
        "mylib @ git+https://github.com/org/mylib@v1\n",
    )
    findings = checked(folder, monkeypatch)
    workshop = next(f for f in findings if f.check == "workshop")
    assert workshop.ok
    packages = [f for f in findings if f.check == "packages"]
    assert [(f.ok, f.blocker) for f in packages] == [(False, False), (False, False)]
    assert packages[0].detail.startswith("requirements.txt line 2: --index-url http://")
    assert "plain HTTP" in packages[0].detail
    assert packages[0].advice == "Use its https:// address."
    assert packages[1].detail.startswith("requirements.txt line 3: mylib @ git+https://")
    assert "direct URL" in packages[1].detail
    assert not [f for f in findings if f.blocker and not f.ok]


def test_nonsense_in_requirements_is_a_blocker_naming_the_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'foo bar baz' stops the workshop the night before, not during the build."""
    folder = lessons_with(tmp_path / "w", "numpy\nfoo bar baz\n")
    (workshop,) = [f for f in checked(folder, monkeypatch) if f.check == "workshop"]
    assert not workshop.ok
    assert workshop.blocker
    assert "Line 2 of" in workshop.detail
    assert "foo bar baz" in workshop.detail
    assert workshop.advice.startswith("Put one package per line")
