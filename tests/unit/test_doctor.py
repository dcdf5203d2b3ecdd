"""The doctor's findings on a machine without an engine."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from wiw.cli.doctor import _ports, run_doctor
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
