"""The commands on one machine (wiw.cli.build_commands), word for word.

build (its context, the dry run, the data fetched, what reaches the build and
what it says after), run and smoke (on a stand-in for the lab: what it is
started with, what is printed, Ctrl-C and SIGTERM), test (when the image is
rebuilt or refused, what reaches the runner, the report and the exit
status), doctor's lines, prune's lines. Everything printed from a workshop
or a report (file names, tracebacks, diffs, hosts) is printed as it is,
never read as rich markup: the ``[b]`` in the names checks that.
"""

from __future__ import annotations

import argparse
import io
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from rich.console import Console

from tests.support.fakeengine import FakeEngine
from tests.support.offline import Status, events, run_cli, sealed_engine
from tests.support.workshops import workshop_folder, write_lesson
from wiw import errors
from wiw.build.context import describe_build, render_context
from wiw.build.data import DataFile
from wiw.build.image import BuildRecord, Image, PruneResult
from wiw.build.workshop import Workshop
from wiw.cli import build_commands, doctor
from wiw.cli.output import Output
from wiw.engine import labels as _labels
from wiw.lab.smoke import SmokeResult
from wiw.lessons.report import (
    CellFailure,
    ExpectedError,
    LessonReport,
    LessonResult,
    NetworkUse,
    OutputDrift,
)
from wiw.planning import GIB, format_bytes

IMAGE = "wiw/intro:latest"
URL = "http://127.0.0.1:8123/lab?token=abc"


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> FakeEngine:
    """A fake engine with workshop images; the test runs sealed, in a folder of its own."""
    return sealed_engine(monkeypatch, tmp_path)


class FakeLab:
    """Stands for wiw.lab.Lab: records how it was started and waited for; hands out URL."""

    def __init__(self) -> None:
        self.runs: list[tuple[str, dict[str, object]]] = []
        self.waits: list[float] = []

    @contextmanager
    def run(self, image: Image, **options: object) -> Iterator[FakeLab]:
        """Start the 'lab' of ``image`` with ``options``."""
        self.runs.append((image.ref, options))
        yield self

    def wait_for_token(self, *, timeout: float) -> str:
        """The lab's URL, as if it answered within ``timeout``."""
        self.waits.append(timeout)
        return URL


@pytest.fixture
def lab(monkeypatch: pytest.MonkeyPatch) -> FakeLab:
    """The lab the commands start: a stand-in."""
    stand_in = FakeLab()
    monkeypatch.setattr(build_commands, "Lab", stand_in)
    return stand_in


# wiw build: the build context


def test_the_context_says_its_files_and_size_and_what_was_left_out(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Files and size; the first 12 left out, each with why, then how many more."""
    hidden: dict[str, str | bytes] = {f".h[b]{n:02}": "x" for n in range(13)}
    found = Workshop(workshop_folder(tmp_path / "ws", {"data.csv": "1,2\n", **hidden}))
    build_commands._describe_context(found, Output())
    captured = capsys.readouterr()
    shown = ", ".join(f".h[b]{n:02} (hidden)" for n in range(12))
    assert captured.err == (
        f"Build context: 2 files, {format_bytes(found.size)}.\n"
        f"Left out of the image: {shown} and 1 more.\n"
    )
    assert captured.out == ""


def test_twelve_left_out_are_all_named(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """Twelve left out: each named, no 'and more'."""
    hidden: dict[str, str | bytes] = {f".h{n:02}": "x" for n in range(12)}
    found = Workshop(workshop_folder(tmp_path / "ws", hidden))
    build_commands._describe_context(found, Output())
    left = capsys.readouterr().err.splitlines()[1]
    assert (
        left
        == "Left out of the image: " + ", ".join(f".h{n:02} (hidden)" for n in range(12)) + "."
    )


def test_nothing_left_out_says_nothing_of_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A workshop with nothing left out: only the files and the size."""
    found = Workshop(workshop_folder(tmp_path / "ws"))
    build_commands._describe_context(found, Output())
    assert capsys.readouterr().err == f"Build context: 1 files, {format_bytes(found.size)}.\n"


def test_a_context_above_the_limit_gets_a_warning(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Above LARGE_CONTEXT bytes: a warning with the size and what to do; at it, none."""
    found = Workshop(workshop_folder(tmp_path / "ws"))
    monkeypatch.setattr(build_commands, "LARGE_CONTEXT", found.size)
    build_commands._describe_context(found, Output())
    assert "warning" not in capsys.readouterr().err
    monkeypatch.setattr(build_commands, "LARGE_CONTEXT", found.size - 1)
    build_commands._describe_context(found, Output())
    assert capsys.readouterr().err.splitlines()[1] == (
        f"warning: the lessons take {format_bytes(found.size)}: every build and every machine "
        "that pulls the image carries them. Leave large data out with a .wiwignore file and "
        "fetch it in a lesson, or keep it on a shared volume."
    )


# wiw build --dry-run


def test_a_dry_run_prints_the_workshops_dockerfile_files_and_base_as_they_are(
    fake: FakeEngine, tmp_path: Path
) -> None:
    """Its own Dockerfile, the files sorted and indented, the base it names: no engine."""
    folder = workshop_folder(
        tmp_path / "ws", {"Dockerfile": "FROM ubuntu:[b]24\nRUN echo [b]hi\n", "z[b].txt": "z"}
    )
    ran = run_cli("build", str(folder), "--dry-run", engine=fake)
    assert ran.code == 0, ran.err
    assert ran.out.splitlines() == [
        "FROM ubuntu:[b]24",
        "RUN echo [b]hi",
        "",
        "  Dockerfile",
        "  lesson01.ipynb",
        "  z[b].txt",
        "Base image: ubuntu:[b]24 (the FROM of the workshop's own Dockerfile).",
        "Build arguments: none.",
    ]
    assert fake.calls == []


def test_a_dry_run_uses_the_base_image_asked_for(fake: FakeEngine, tmp_path: Path) -> None:
    """--base-image reaches the context and the description; the output is exactly theirs."""
    folder = workshop_folder(tmp_path / "ws")
    ran = run_cli("build", str(folder), "--dry-run", "--base-image", "python:3.12", engine=fake)
    assert ran.code == 0, ran.err
    found = Workshop(folder)
    context = render_context(found, base_image="python:3.12")
    lines = describe_build(found, context, base_image="python:3.12")
    files = [f"  {name}" for name in sorted(context.files)]
    assert ran.out == "\n".join([context.dockerfile, *files, *lines]) + "\n"
    assert "  --build-arg BASE_IMAGE=python:3.12" in lines
    assert fake.calls == []


# wiw build


@pytest.mark.parametrize("with_events", [False, True], ids=["people", "events"])
def test_a_build_gets_every_option_and_says_what_it_built(
    fake: FakeEngine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    with_events: bool,
) -> None:
    """The data first; --tag, --base-image, --no-cache, --min-free-gib in bytes, the progress.

    With --events the build shows no progress bar (None: one on a terminal).
    """
    data = f"https://example.org/p.csv sha256:{'a' * 64} data/p.csv\n"
    folder = workshop_folder(Path("ws"), {"data.txt": data})
    fake.add_image("wiw/ws:2")
    asked: list[tuple[Workshop, dict[str, object]]] = []

    def fetch_all(entries: list[DataFile], *, say: Any) -> None:
        for entry in entries:
            say(entry, False)

    def build(found: Workshop, **options: object) -> Image:
        asked.append((found, options))
        image = Image("wiw/ws:2", engine=fake)
        image.last_build = BuildRecord(duration=12.345, steps=5, cached_steps=3, log_tail=[])
        return image

    monkeypatch.setattr(build_commands, "fetch_all", fetch_all)
    monkeypatch.setattr(Image, "build", build)
    output = Output(events=with_events, engine=fake)
    args = argparse.Namespace(
        workshop="ws",
        ref=None,
        allow_home=False,
        python=None,
        dry_run=False,
        tag="wiw/ws:2",
        base_image="python:3.12",
        no_cache=True,
        min_free_gib=2.5,
    )
    assert build_commands.cmd_build(args, output) == 0
    [(found, options)] = asked
    assert found.path == folder.resolve()
    assert options == {
        "tag": "wiw/ws:2",
        "base_image": "python:3.12",
        "no_cache": True,
        "min_free": int(2.5 * GIB),
        "on_progress": output.build_progress,
        "show_progress": False if with_events else None,
        "engine": fake,
    }
    captured = capsys.readouterr()
    assert "\nFetching https://example.org/p.csv for data/p.csv\n" in captured.err
    people = captured.err if with_events else captured.out
    assert people.endswith("built wiw/ws:2  size 500 MiB\nin 12.3 s (3/5 steps cached)\n")


def test_a_build_on_the_engine_sends_its_steps_and_what_it_built(fake: FakeEngine) -> None:
    """With --events: a 'building' event per step, then 'built' with the image and its bytes."""
    folder = workshop_folder(Path("ws"))
    ran = run_cli("--events", "build", str(folder), engine=fake)
    assert ran.code == 0, ran.err
    sent = events(ran.out)
    assert [e["step"] for e in sent if e["event"] == "building"] == [1, 2, 3]
    assert sent[-1] == {"event": "built", "image": "wiw/ws:latest", "bytes": 500 * 2**20}
    assert "\nbuilt wiw/ws:latest  size 500 MiB\nin " in ran.err
    assert ran.err.endswith(" s (0/3 steps cached)\n")


def test_a_build_without_a_record_says_only_what_it_built(
    fake: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An image built with no record of its steps: the image and its size only."""
    fake.add_image("wiw/ws:latest")
    monkeypatch.setattr(Image, "build", lambda found, **_: Image("wiw/ws:latest", engine=fake))
    ran = run_cli("build", str(workshop_folder(Path("ws"))), engine=fake)
    assert ran.out == "built wiw/ws:latest  size 500 MiB\n"


def test_the_data_listed_is_fetched_before_the_build_naming_what_is_not_cached(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Every data.txt entry goes to the fetch; each not yet cached is named with its URL."""
    data = (
        f"https://example.org/[b]p.csv sha256:{'a' * 64} data/p.csv\n"
        f"https://example.org/q.csv sha256:{'b' * 64} data/q.csv\n"
    )
    found = Workshop(workshop_folder(tmp_path / "ws", {"data.txt": data}))
    fetched: list[list[DataFile]] = []

    def fetch_all(entries: list[DataFile], *, say: Any) -> None:
        fetched.append(list(entries))
        first, second = entries
        say(first, False)
        say(second, True)

    monkeypatch.setattr(build_commands, "fetch_all", fetch_all)
    build_commands._fetch_data(found, Output())
    assert fetched == [list(found.environment.data)]
    assert [e.name for e in fetched[0]] == ["data/p.csv", "data/q.csv"]
    assert capsys.readouterr().err == "Fetching https://example.org/[b]p.csv for data/p.csv\n"


# wiw run


def test_run_serves_until_terminated_and_says_so(
    fake: FakeEngine,
    lab: FakeLab,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The lab gets --port, --public, --host; --timeout; SIGTERM stops it like Ctrl-C."""

    class Event:
        def wait(self) -> None:
            os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(build_commands, "threading", SimpleNamespace(Event=Event))
    args = argparse.Namespace(
        workshop=IMAGE,
        tag=None,
        port=8123,
        public=True,
        host="class.example.org",
        timeout=33.0,
        qr="join.png",
    )
    assert build_commands.cmd_run(args, Output(events=True, engine=fake)) == 0
    assert lab.runs == [(IMAGE, {"port": 8123, "public": True, "host": "class.example.org"})]
    assert lab.waits == [33.0]
    captured = capsys.readouterr()
    assert events(captured.out) == [
        {"event": "starting", "image": IMAGE, "mode": "lab"},
        {"event": "ready", "url": URL},
        {"event": "stopped", "image": IMAGE},
    ]
    assert captured.err.endswith(
        f"Workshop URL: {URL}\nQR code saved to join.png\n"
        "Serving; press Ctrl-C to stop and remove the container.\nStopping.\n"
    )
    assert Path("join.png").is_file()


# wiw smoke


def test_smoke_checks_the_top_level_lessons_and_passes(
    fake: FakeEngine,
    lab: FakeLab,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Expected: each lesson's first part, once, sorted; the lab waited for --timeout."""
    folder = workshop_folder(Path("ws"))
    write_lesson(folder / "part2", "b.ipynb")
    write_lesson(folder / "part2", "a.ipynb")
    checked: list[tuple[str, list[str]]] = []

    def check_lab(url: str, expected: list[str]) -> SmokeResult:
        checked.append((url, expected))
        return SmokeResult(200, ["lesson01.ipynb", "part2"], [])

    monkeypatch.setattr(build_commands, "check_lab", check_lab)
    args = argparse.Namespace(workshop="ws", tag=None, ref=None, allow_home=False, timeout=9.0)
    assert build_commands.cmd_smoke(args, Output(engine=fake)) == 0
    assert lab.runs == [("wiw/ws:latest", {})]
    assert lab.waits == [9.0]
    assert checked == [(URL, ["lesson01.ipynb", "part2"])]
    assert capsys.readouterr().out == (
        "JupyterLab answered 200; home lists: lesson01.ipynb, part2\nsmoke passed\n"
    )


def test_smoke_of_an_image_expects_nothing_and_fails_on_a_missing_lesson(
    fake: FakeEngine,
    lab: FakeLab,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An image reference: no lessons expected; a result not ok fails with status 1."""
    checked: list[list[str]] = []

    def check_lab(url: str, expected: list[str]) -> SmokeResult:
        checked.append(expected)
        return SmokeResult(404, ["a"], ["part2"])

    monkeypatch.setattr(build_commands, "check_lab", check_lab)
    args = argparse.Namespace(workshop=IMAGE, tag=None, timeout=9.0)
    assert build_commands.cmd_smoke(args, Output(engine=fake)) == 1
    assert checked == [[]]
    captured = capsys.readouterr()
    assert captured.out == "JupyterLab answered 404; home lists: a\n"
    assert captured.err == "smoke failed: missing lessons ['part2']\n"


# wiw test: the image it runs


def current_args(**given: object) -> argparse.Namespace:
    """The arguments of 'wiw test ws' that _current_image reads, with ``given``."""
    return argparse.Namespace(
        **{"workshop": "ws", "tag": None, "base_image": None, "no_build": False, **given}
    )


def digest_of(found: Workshop, base_image: str | None = None) -> str:
    """The digest a build of ``found`` labels its image with."""
    return render_context(found, base_image=base_image).digest


def test_an_image_built_from_the_folder_as_it_is_is_used(
    fake: FakeEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    """The image's context label matches the folder: no build, nothing said."""
    found = Workshop(workshop_folder(Path("ws")))
    fake.add_image("wiw/ws:latest", {_labels.CONTEXT: digest_of(found)})
    image = build_commands._current_image(found, current_args(), Output(engine=fake))
    assert (image.ref, image.engine) == ("wiw/ws:latest", fake)
    assert fake.called("stream") == []
    assert capsys.readouterr() == ("", "")


def test_the_tag_and_base_image_asked_for_are_the_image_checked(fake: FakeEngine) -> None:
    """--tag names the image; --base-image is part of the context it must match."""
    found = Workshop(workshop_folder(Path("ws")))
    fake.add_image("wiw/ws:7", {_labels.CONTEXT: digest_of(found, "python:3.12")})
    args = current_args(tag="wiw/ws:7", base_image="python:3.12", no_build=True)
    image = build_commands._current_image(found, args, Output(engine=fake))
    assert image.ref == "wiw/ws:7"
    assert fake.called("stream") == []


@pytest.mark.parametrize(
    ("labels", "why"),
    [
        (None, "it is not built yet"),
        ({_labels.CONTEXT: "sha256:other"}, "the folder changed since it was built"),
        ({}, "the folder changed since it was built"),
    ],
    ids=["missing", "changed", "unlabelled"],
)
@pytest.mark.parametrize(("workshop", "shown"), [("ws", "ws"), (None, ".")], ids=["ws", "here"])
def test_no_build_refuses_a_missing_or_outdated_image(
    fake: FakeEngine,
    labels: dict[str, str] | None,
    why: str,
    workshop: str | None,
    shown: str,
) -> None:
    """--no-build: the refusal says which image, why, and the build command to run."""
    found = Workshop(workshop_folder(Path("ws")))
    if labels is not None:
        fake.add_image("wiw/ws:latest", labels)
    args = current_args(no_build=True, workshop=workshop)
    with pytest.raises(errors.ImageOutdated) as refused:
        build_commands._current_image(found, args, Output(engine=fake))
    assert refused.value.message == f"wiw/ws:latest cannot be tested as the folder is: {why}."
    assert refused.value.hint == f"Build it ('wiw build {shown}'), or leave out --no-build."
    assert fake.called("stream") == []


def test_a_missing_image_is_built_first_with_the_base_asked_for(
    fake: FakeEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    """Built as the tag, from the base asked for, its steps sent as events; said first."""
    found = Workshop(workshop_folder(Path("ws")))
    fake.add_image("python:3.12")
    output = Output(events=True, engine=fake)
    args = current_args(tag="wiw/ws:7", base_image="python:3.12")
    image = build_commands._current_image(found, args, output)
    assert (image.ref, image.engine) == ("wiw/ws:7", fake)
    assert fake.called("stream") == ["build"]
    assert image.labels[_labels.CONTEXT] == digest_of(found, "python:3.12")
    captured = capsys.readouterr()
    assert captured.err.startswith("Building wiw/ws:7 first: it is not built yet.\n")
    assert [e["event"] for e in events(captured.out)] == ["building"] * 3


def test_the_build_before_a_test_shows_no_progress_bar_with_events(
    fake: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build 'wiw test' starts gets the tag, the base, the output's progress, the engine."""
    found = Workshop(workshop_folder(Path("ws")))
    asked: list[dict[str, object]] = []

    def build(workshop: Workshop, **options: object) -> Image:
        asked.append(options)
        return Image("wiw/ws:7", engine=fake)

    monkeypatch.setattr(Image, "build", build)
    output = Output(events=True, engine=fake)
    args = current_args(tag="wiw/ws:7", base_image="python:3.12")
    assert build_commands._current_image(found, args, output).ref == "wiw/ws:7"
    assert asked == [
        {
            "tag": "wiw/ws:7",
            "base_image": "python:3.12",
            "on_progress": output.build_progress,
            "show_progress": False,
            "engine": fake,
        }
    ]


def test_an_outdated_image_is_rebuilt_saying_why(
    fake: FakeEngine, capsys: pytest.CaptureFixture[str]
) -> None:
    """An image of an older folder: rebuilt, after saying the folder changed."""
    found = Workshop(workshop_folder(Path("ws")))
    fake.add_image("wiw/ws:latest", {_labels.CONTEXT: "sha256:older"})
    image = build_commands._current_image(found, current_args(), Output(engine=fake))
    assert image.labels[_labels.CONTEXT] == digest_of(found)
    assert capsys.readouterr().err.startswith(
        "Building wiw/ws:latest first: the folder changed since it was built.\n"
    )


# wiw test: the report


FAILING = LessonResult(
    "intro.ipynb",
    passed=False,
    duration=2.0,
    failures=[
        CellFailure("error", 3, "x", "NameError", "name 'y'", "Traceback [b]\n  y", note=""),
        CellFailure("no-error", 5, "z", "", "", "", note="expected ValueError, as saved"),
    ],
    expected=[ExpectedError(2, "ZeroDivisionError", "tagged [b]raises-exception")],
    drift=[OutputDrift(4, "print(1)", "-[b]1\n+2")],
    stopped="stopped after [b]5 failures",
    note="ran with [b]python3",
    internet=[NetworkUse(3, ["[b]pypi.org", "files.pythonhosted.org"])],
)
PASSING = LessonResult(
    "more.ipynb", passed=True, duration=1.0, internet=[NetworkUse(1, ["example.org"])]
)


def lessons_printed(capsys: pytest.CaptureFixture[str], report: LessonReport) -> list[str]:
    """What _print_lessons prints of ``report``, line by line."""
    build_commands._print_lessons(report, Output())
    return capsys.readouterr().out.splitlines()


def test_every_failure_error_meant_and_change_is_printed_as_it_is(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The environment, then per lesson its failures, stop, note, errors meant and changes."""
    report = LessonReport("wiw/ws:1", [FAILING], python="3.12[b]")
    assert lessons_printed(capsys, report) == [
        "The lessons ran with Python 3.12[b].",
        "intro.ipynb, cell 3: error",
        "Traceback [b]",
        "  y",
        "intro.ipynb, cell 5: no-error (expected ValueError, as saved)",
        "intro.ipynb: stopped after [b]5 failures",
        "intro.ipynb: ran with [b]python3",
        "intro.ipynb, cell 2: ZeroDivisionError, expected error, tagged [b]raises-exception",
        "intro.ipynb, cell 4: the output changed",
        "-[b]1",
        "+2",
        "intro.ipynb, cell 3: reaches for the internet ([b]pypi.org, files.pythonhosted.org)",
        "Check what they do without it: wiw test --offline.",
    ]


def test_a_lessons_name_and_error_in_brackets_are_printed_as_written(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """'[draft]' stays and '[/]' is no markup error: the course's text, in lines and table."""
    name = "lessons/[draft]intro [/].ipynb"
    failure = CellFailure("error", 1, "x", "KeyError", "'[/]'", "", note="[b]note")
    use = NetworkUse(1, ["example.org"])
    result = LessonResult(name, passed=False, duration=1.0, failures=[failure], internet=[use],
                          drift=[OutputDrift(2, "x", "-1\n+2")])  # fmt: skip
    report = LessonReport("wiw/ws:1", [result], offline=True)
    assert lessons_printed(capsys, report) == [
        f"{name}, cell 1: error ([b]note)",
        f"{name}, cell 2: the output changed",
        "-1",
        "+2",
        f"{name}, cell 1: needs the internet (tried example.org)",
    ]
    wide = Console(file=io.StringIO(), width=200)
    wide.print(report.table())
    assert isinstance(wide.file, io.StringIO)
    table = wide.file.getvalue()
    assert name in table
    assert "KeyError: '[/]'" in table


def test_tracebacks_and_diffs_are_not_coloured_on_a_colour_terminal() -> None:
    """On a colour terminal, the traceback's and the diff's own text, without colours added."""
    output = Output()
    output.out = Console(
        file=io.StringIO(), force_terminal=True, color_system="standard", highlight=False
    )
    failure = CellFailure("error", 1, "x", "E", "e", 'File "a.py", line 3, in <module>')
    drift = OutputDrift(2, "x", "-'old' 1\n+'new' 2")
    result = LessonResult("a.ipynb", passed=False, duration=1.0, failures=[failure], drift=[drift])
    build_commands._print_lessons(LessonReport("wiw/ws:1", [result]), output)
    assert isinstance(output.out.file, io.StringIO)
    lines = output.out.file.getvalue().splitlines()
    assert 'File "a.py", line 3, in <module>' in lines
    assert lines[-2:] == ["-'old' 1", "+'new' 2"]


def test_a_report_without_python_or_anything_to_say_prints_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """No environment known and a lesson that passed quietly: not a line."""
    quiet = LessonResult("more.ipynb", passed=True, duration=1.0)
    assert lessons_printed(capsys, LessonReport("wiw/ws:1", [quiet])) == []


def test_offline_a_failing_cell_needs_the_internet_and_a_passing_one_reaches_for_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """--offline: the cell that failed needs it (with the hosts tried); no advice to go offline."""
    report = LessonReport("wiw/ws:1", [FAILING, PASSING], offline=True)
    printed = lessons_printed(capsys, report)
    assert printed[-2:] == [
        "intro.ipynb, cell 3: needs the internet (tried [b]pypi.org, files.pythonhosted.org)",
        "more.ipynb, cell 1: reaches for the internet (example.org)",
    ]


def test_online_no_cell_needs_the_internet_but_offline_is_advised(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Online, a failing cell only reaches for the internet; the advice follows once."""
    printed = lessons_printed(capsys, LessonReport("wiw/ws:1", [PASSING]))
    assert printed == [
        "more.ipynb, cell 1: reaches for the internet (example.org)",
        "Check what they do without it: wiw test --offline.",
    ]


def test_the_report_is_kept_for_the_images_id(
    fake: FakeEngine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The report is saved under the image's id; a cache that refuses it costs a line."""
    kept: list[tuple[LessonReport, str]] = []
    monkeypatch.setattr(build_commands, "save_last", lambda r, i: kept.append((r, i)))
    report = LessonReport(IMAGE)
    info = fake.image_info(IMAGE)
    assert info is not None
    build_commands._keep_report(report, Image(IMAGE, engine=fake), Output())
    assert kept == [(report, info.id)]

    def refuse(report: LessonReport, image_id: str) -> None:
        raise OSError(30, "Read-only [b] file system")

    monkeypatch.setattr(build_commands, "save_last", refuse)
    build_commands._keep_report(report, Image(IMAGE, engine=fake), Output())
    assert capsys.readouterr().err == (
        "Could not keep the report for 'wiw up': [Errno 30] Read-only [b] file system\n"
    )


def test_no_report_is_kept_for_an_image_gone(
    fake: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An image no longer on the engine: nothing saved."""
    kept: list[str] = []
    monkeypatch.setattr(build_commands, "save_last", lambda r, i: kept.append(i))
    build_commands._keep_report(
        LessonReport("wiw/gone:1"), Image("wiw/gone:1", engine=fake), Output()
    )
    assert kept == []


# wiw test


@pytest.fixture
def tested(
    fake: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> tuple[list[tuple[Workshop, Image, dict[str, object]]], list[LessonReport]]:
    """A folder 'ws' of two lessons whose image is up to date; the runner a stand-in.

    Returns:
        The runs asked for, and the reports the stand-in returns (the test puts one in).
    """
    folder = workshop_folder(Path("ws"))
    write_lesson(folder, "lesson02.ipynb")
    fake.add_image("wiw/ws:latest", {_labels.CONTEXT: digest_of(Workshop(folder))})
    runs: list[tuple[Workshop, Image, dict[str, object]]] = []
    reports: list[LessonReport] = []

    def run(found: Workshop, image: Image, **options: object) -> LessonReport:
        runs.append((found, image, options))
        return reports[0]

    monkeypatch.setattr(build_commands, "test_lessons", run)
    monkeypatch.setattr(build_commands, "save_last", lambda report, image_id: Path("kept"))
    return runs, reports


def args_of_test(**given: object) -> argparse.Namespace:
    """The arguments of 'wiw test ws', with ``given``."""
    return argparse.Namespace(
        **{
            "workshop": "ws",
            "ref": None,
            "allow_home": False,
            "python": None,
            "tag": None,
            "base_image": None,
            "no_build": True,
            "cell_timeout": 60,
            "parallel": 2,
            "memory": "2g",
            "strict_errors": True,
            "compare_outputs": True,
            "offline": True,
            "json": None,
            **given,
        }
    )


def test_test_runs_the_lessons_with_every_option_and_reports(
    fake: FakeEngine,
    tested: tuple[list[tuple[Workshop, Image, dict[str, object]]], list[LessonReport]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The options reach the runner; the status line, the events, the table; status 0."""
    runs, reports = tested
    reports.append(LessonReport("wiw/ws:latest", [PASSING], python="3.12"))
    output = Output(events=True, engine=fake)
    status = Status()
    monkeypatch.setattr(output.err, "status", status)
    assert build_commands.cmd_test(args_of_test(json="report.json"), output) == 0
    [(found, image, options)] = runs
    assert found.path == Path("ws").resolve()
    assert (image.ref, image.engine) == ("wiw/ws:latest", fake)
    assert options == {
        "cell_timeout": 60,
        "parallel": 2,
        "memory": "2g",
        "strict_errors": True,
        "compare_outputs": True,
        "offline": True,
    }
    assert status.shown == ["Running 2 lessons in wiw/ws:latest"]
    captured = capsys.readouterr()
    assert events(captured.out) == [
        {"event": "testing", "image": "wiw/ws:latest", "lessons": 2},
        {"event": "tested", "ok": True, "failed": [], "drift": 0},
    ]
    assert "Lessons in wiw/ws:latest" in captured.err
    assert "The lessons ran with Python 3.12." in captured.err
    assert Path("report.json").read_text() == reports[0].to_json()


def test_a_failed_lesson_is_status_1_and_named_in_the_event(
    fake: FakeEngine,
    tested: tuple[list[tuple[Workshop, Image, dict[str, object]]], list[LessonReport]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A lesson that failed: 'tested' names it, with the changes counted; status 1."""
    _, reports = tested
    failed = LessonResult("intro.ipynb", passed=False, duration=1.0)
    reports.append(LessonReport("wiw/ws:latest", [failed, PASSING]))
    assert build_commands.cmd_test(args_of_test(), Output(events=True, engine=fake)) == 1
    assert events(capsys.readouterr().out)[-1] == {
        "event": "tested",
        "ok": False,
        "failed": ["intro.ipynb"],
        "drift": 0,
    }
    assert not Path("report.json").exists()


def test_a_changed_output_alone_is_status_1(
    fake: FakeEngine,
    tested: tuple[list[tuple[Workshop, Image, dict[str, object]]], list[LessonReport]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Lessons that passed with outputs changed: the changes counted; status 1."""
    _, reports = tested
    drift = [OutputDrift(1, "a", "-1\n+2"), OutputDrift(2, "b", "-3\n+4")]
    changed = LessonResult("intro.ipynb", passed=True, duration=1.0, drift=drift)
    reports.append(LessonReport("wiw/ws:latest", [changed, PASSING]))
    assert build_commands.cmd_test(args_of_test(), Output(events=True, engine=fake)) == 1
    assert events(capsys.readouterr().out)[-1] == {
        "event": "tested",
        "ok": True,
        "failed": [],
        "drift": 2,
    }


def test_the_report_of_a_test_is_kept_for_wiw_up(
    fake: FakeEngine,
    tested: tuple[list[tuple[Workshop, Image, dict[str, object]]], list[LessonReport]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """'wiw test' keeps its report under the id of the image it ran."""
    _, reports = tested
    reports.append(LessonReport("wiw/ws:latest", [PASSING]))
    kept: list[tuple[LessonReport, str]] = []
    monkeypatch.setattr(build_commands, "save_last", lambda r, i: kept.append((r, i)))
    build_commands.cmd_test(args_of_test(), Output(engine=fake))
    info = fake.image_info("wiw/ws:latest")
    assert info is not None
    assert kept == [(reports[0], info.id)]


def test_a_test_whose_report_cannot_be_kept_says_so(
    fake: FakeEngine,
    tested: tuple[list[tuple[Workshop, Image, dict[str, object]]], list[LessonReport]],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A cache that refuses the report: a line on stderr, and the test still reports."""
    _, reports = tested
    reports.append(LessonReport("wiw/ws:latest", [PASSING]))

    def refuse(report: LessonReport, image_id: str) -> None:
        raise OSError(13, "Permission denied")

    monkeypatch.setattr(build_commands, "save_last", refuse)
    assert build_commands.cmd_test(args_of_test(), Output(engine=fake)) == 0
    captured = capsys.readouterr()
    assert "Could not keep the report for 'wiw up': [Errno 13] Permission denied\n" in captured.err
    assert "Lessons in wiw/ws:latest" in captured.out


# wiw doctor


def doctor_run(
    monkeypatch: pytest.MonkeyPatch, fake: FakeEngine, findings: list[doctor.Finding]
) -> tuple[int, list[dict[str, object]]]:
    """Run 'wiw doctor' on a doctor that reports ``findings``; its status and what it was asked."""
    asked: list[dict[str, object]] = []

    def run_doctor(**options: Any) -> list[doctor.Finding]:
        asked.append({k: v for k, v in options.items() if k != "report"})
        for finding in findings:
            options["report"](finding)
        return findings

    monkeypatch.setattr(doctor, "run_doctor", run_doctor)
    args = argparse.Namespace(workshop="ws", ref="v2", build=True, learners=12)
    return build_commands.cmd_doctor(args, Output(engine=fake)), asked


def test_doctor_prints_each_finding_its_advice_and_not_ready(
    fake: FakeEngine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Marks aligned, the check in 9 columns, advice under a finding not ok; a blocker: 1."""
    findings = [
        doctor.Finding("engine", True, "docker 27", advice="never shown"),
        doctor.Finding("disk", False, "2 GiB free", advice="free some", blocker=False),
        doctor.Finding("ports", False, "8888 [b]in use", advice="stop [b]it"),
        doctor.Finding("lessons", False, "1 failed"),
    ]
    code, asked = doctor_run(monkeypatch, fake, findings)
    assert code == 1
    assert asked == [
        {"workshop": "ws", "ref": "v2", "build": True, "learners": 12, "engine": fake}
    ]
    assert capsys.readouterr().out.splitlines() == [
        "    ok  engine    docker 27",
        " warn  disk      2 GiB free",
        " " * 19 + "→ free some",
        "    FAIL  ports     8888 [b]in use",  # a finding's words as written, never markup
        " " * 19 + "→ stop [b]it",
        "    FAIL  lessons   1 failed",
        "not ready",
    ]


def test_doctor_with_warnings_only_is_ready(
    fake: FakeEngine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Findings fine, or not fine but no blocker: ready, status 0."""
    findings = [
        doctor.Finding("engine", True, "docker 27"),
        doctor.Finding("disk", False, "2 GiB free", blocker=False),
    ]
    code, _ = doctor_run(monkeypatch, fake, findings)
    assert code == 0
    assert capsys.readouterr().out.splitlines()[-1] == "ready"


# wiw prune


RESULT = PruneResult(
    removed=["sha256:aaa", "sha256:bbb"], kept=["sha256:ccc"], skipped=["sha256:ddd"],
    reclaimed=3 * 2**20,
)  # fmt: skip


@pytest.mark.parametrize(
    ("dry_run", "verb"), [(True, "would remove"), (False, "removed")], ids=["dry-run", "for-real"]
)
def test_prune_says_what_goes_what_stays_and_what_it_frees(
    fake: FakeEngine,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    dry_run: bool,
    verb: str,
) -> None:
    """--keep, --workshop, --dry-run reach the prune; each image, then the sums."""
    asked: list[dict[str, object]] = []

    def prune(**options: object) -> PruneResult:
        asked.append(options)
        return RESULT

    monkeypatch.setattr(Image, "prune", prune)
    args = argparse.Namespace(keep=3, workshop="intro", dry_run=dry_run)
    assert build_commands.cmd_prune(args, Output(engine=fake)) == 0
    assert asked == [{"keep": 3, "workshop": "intro", "dry_run": dry_run, "engine": fake}]
    assert capsys.readouterr().out == (
        f"{verb} sha256:aaa\n{verb} sha256:bbb\nskipped sha256:ddd (in use)\n"
        f"{verb} 2 image(s), 3 MiB; kept 1\n"
    )
