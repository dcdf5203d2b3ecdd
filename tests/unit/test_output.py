"""What a command shows when a URL is ready: its QR code, the URL, and where the PNG went.

``Output.announce`` is how ``wiw run``, ``wiw up`` and ``wiw qr`` tell people
a server or a class can be joined. The drawing must scan (explicit black and
white only where a terminal shows colours), the URL must stay on one line to
be copied, and a PNG that cannot be written warns without stopping anything.
"""

from __future__ import annotations

import errno
import json
import os
import re
from pathlib import Path

import pytest

from wiw import errors
from wiw.cli import output as output_module
from wiw.cli.output import Output
from wiw.qr import qr_terminal

URL = "http://127.0.0.1:8000/join/abc"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture
def colour_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Standard output and error are taken for a terminal that shows 256 colours."""
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)


def test_without_a_terminal_the_code_is_text_and_the_url_follows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Piped output: the plain drawing, then the URL line, nothing else and no colour."""
    Output().announce(URL, None)
    captured = capsys.readouterr()
    assert captured.out == qr_terminal(URL, color=False) + f"Workshop URL: {URL}\n"
    assert captured.err == ""


def test_on_a_colour_terminal_the_code_is_black_and_white_cells(
    capsys: pytest.CaptureFixture[str], colour_terminal: None
) -> None:
    """The coloured drawing's cells and colours, then the label in bold and the URL plain."""
    Output().announce(URL, None)
    out = capsys.readouterr().out
    *drawing, url_line = out.splitlines()
    assert any("\x1b[38;5;16;48;5;231m" in line for line in drawing)
    assert "██" not in out
    assert ANSI.sub("", out).splitlines()[:-1] == ANSI.sub("", qr_terminal(URL)).splitlines()
    assert url_line == f"\x1b[1mWorkshop URL:\x1b[0m {URL}"


def test_a_terminal_without_colours_gets_the_text_drawing(
    capsys: pytest.CaptureFixture[str], colour_terminal: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A terminal that shows no colours (TERM=dumb) gets the drawing that needs none."""
    monkeypatch.setenv("TERM", "dumb")
    Output().draw_qr(URL)
    assert capsys.readouterr().out == qr_terminal(URL, color=False)


def test_a_long_url_stays_on_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """However narrow the terminal, the URL is one line, to copy and to click."""
    monkeypatch.setenv("COLUMNS", "40")
    url = "http://127.0.0.1:8000/join/" + "s" * 90
    Output().announce(url, None)
    assert capsys.readouterr().out.splitlines()[-1] == f"Workshop URL: {url}"


def test_the_png_is_saved_and_its_path_said(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """With a path, the PNG is written (folders made) and its path is the last line."""
    png = tmp_path / "qr" / "join.png"
    Output().announce(URL, str(png))
    last = capsys.readouterr().out.splitlines()[-2:]
    assert last == [f"Workshop URL: {URL}", f"QR code saved to {png}"]
    assert png.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")


def test_an_unwritable_png_warns_with_the_reason(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The system's reason, no mention of a later command when none was given, no save line."""
    (tmp_path / "file.txt").write_text("a file, not a folder")
    path = str(tmp_path / "file.txt" / "j.png")
    Output().announce(URL, path)
    captured = capsys.readouterr()
    reason = os.strerror(errno.EEXIST)  # a file where the folder should be made
    assert captured.err == f"warning: could not save the QR code to {path}: {reason}.\n"
    assert "QR code saved" not in captured.out
    Output().announce(URL, path, again="wiw qr")
    later = "; 'wiw qr' saves it later"
    assert (
        capsys.readouterr().err
        == f"warning: could not save the QR code to {path}: {reason}{later}.\n"
    )


def test_a_png_refused_by_wiw_warns_with_its_message(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A wiw error while saving is a warning carrying its message; the URL was shown."""

    def refuse(url: str, path: str) -> Path:
        raise errors.InvalidOption("the disk said no", hint="Free some space.")

    monkeypatch.setattr(output_module, "save_qr", refuse)
    path = str(tmp_path / "j.png")
    Output().announce(URL, path)
    captured = capsys.readouterr()
    assert captured.err == f"warning: could not save the QR code to {path}: the disk said no.\n"
    assert captured.out.endswith(f"Workshop URL: {URL}\n")


def test_with_events_the_ready_event_is_alone_on_standard_output(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--events: one 'ready' event with the URL on stdout; the drawing and URL on stderr."""
    Output(events=True).announce(URL, None)
    captured = capsys.readouterr()
    [event] = [json.loads(line) for line in captured.out.splitlines()]
    assert (event["event"], event["url"]) == ("ready", URL)
    assert captured.err == qr_terminal(URL, color=False) + f"Workshop URL: {URL}\n"


def test_a_url_with_an_ipv6_address_is_announced_whole(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """'[fd00::10]' is the URL's host, not markup: printed as written, the PNG's path too."""
    output = Output()
    url = "https://[fd00::10]/SECRET/"
    output.announce(url, str(tmp_path / "[class]" / "join.png"))
    out = capsys.readouterr().out
    assert f"Workshop URL: {url}" in out.splitlines()
    assert f"QR code saved to {tmp_path / '[class]' / 'join.png'}" in out
