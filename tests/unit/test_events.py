"""The machine-readable event stream (--events): one JSON object per line."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from wiw import errors
from wiw.cli.main import main
from wiw.events import EventStream


def lines(text: str) -> list[dict[str, object]]:
    """Parse JSON lines; every non-empty line must be one JSON object."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_stdout_carries_only_json_lines(capsys: pytest.CaptureFixture[str]) -> None:
    """With --events, stdout is pure JSON lines; the QR drawing goes to stderr."""
    url = "http://127.0.0.1:8888/lab?token=abc123"
    assert main(["--events", "qr", url]) == 0
    captured = capsys.readouterr()
    events = lines(captured.out)
    assert [e["event"] for e in events] == ["ready"]
    assert events[0]["url"] == url
    assert "█" in captured.err


def test_failure_is_an_event_with_type_hint_and_no_secret(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A failing command emits 'failed' with the error's type and hint, and exits 2."""
    assert main(["--events", "build", str(tmp_path / "missing")]) == 2
    events = lines(capsys.readouterr().out)
    assert events[-1]["event"] == "failed"
    assert events[-1]["error"] == "WorkshopNotFound"
    assert events[-1]["hint"]


def test_failed_event_redacts_tokens() -> None:
    """A token in an error message never reaches the stream."""
    buffer = io.StringIO()
    EventStream(buffer).failed(errors.HubExited("died at http://h:1/lab?token=deadbeef42"))
    assert "deadbeef42" not in buffer.getvalue()
    assert lines(buffer.getvalue())[0]["error"] == "HubExited"


def test_unknown_events_are_refused() -> None:
    """Only documented events are written."""
    with pytest.raises(ValueError, match="unknown event"):
        EventStream(io.StringIO()).emit("exploded")  # type: ignore[arg-type]


def test_an_event_carries_its_name_an_aware_time_and_its_fields() -> None:
    """Each line: the event, the UTC time in ISO 8601, then the fields; paths as text."""
    buffer = io.StringIO()
    EventStream(buffer).emit("built", image="wiw/intro:latest", context=Path("/tmp/ctx"))
    (event,) = lines(buffer.getvalue())
    assert list(event) == ["event", "time", "image", "context"]
    assert (event["event"], event["image"], event["context"]) == (
        "built",
        "wiw/intro:latest",
        "/tmp/ctx",
    )
    sent = datetime.fromisoformat(str(event["time"]))
    assert sent.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - sent) < timedelta(minutes=1)


def test_failed_event_carries_the_redacted_message_hint_and_exit_code() -> None:
    """The message and hint are kept (secrets masked), with the failed process's exit code."""
    buffer = io.StringIO()
    error = errors.HubExited(
        "died at http://h:1/lab?token=deadbeef42", hint="see the logs", exit_code=137
    )
    EventStream(buffer).failed(error)
    (event,) = lines(buffer.getvalue())
    assert event["message"] == errors.redact(error.message)
    assert str(event["message"]).startswith("died at http://h:1/lab?token=")
    assert event["hint"] == "see the logs"
    assert event["exit_code"] == 137
