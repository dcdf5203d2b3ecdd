"""The classroom's commands word for word: up, url, status, update, down, collect and destroy.

Each test runs ``wiw`` in-process on a fake engine, sealed from the real one,
and checks what a person sees (each line, the tables' cells, the colours on a
colour terminal), what a script reads (events, ``--json``), and what the
classroom was started with. Only the hub's HTTP side is stood in for: the
hub is taken as ready once started, and who joined is what the test says.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.fakeengine import FakeEngine
from tests.support.offline import Ran, events, run_cli, seal, workshop_engine
from tests.support.workshops import EXAMPLE, write_lesson
from wiw import classroom as classroom_module
from wiw import planning
from wiw._version import __version__
from wiw.build import sources
from wiw.build.image import Image
from wiw.build.sources import Source
from wiw.classroom.contract import Names
from wiw.classroom.delivery import Delivered
from wiw.classroom.lifecycle import Classroom, ClassroomOptions, Learner
from wiw.classroom.seats import Seats
from wiw.classroom.state import TLSFiles
from wiw.cli.class_commands import PASSWORD_ENV, STATUS_SCHEMA, _internet_warning
from wiw.engine import labels as _labels
from wiw.engine.types import ContainerSpec
from wiw.lessons.report import LessonReport, LessonResult, NetworkUse
from wiw.planning import LearnerLimits, format_bytes, plan_classroom

class_commands = importlib.import_module("wiw.cli.class_commands")
cli_main = importlib.import_module("wiw.cli.main")

IMAGE = "wiw/intro:latest"
CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
KEY = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n"
GIB = 2**30


def planned(learners: int = 30, **settings: Any) -> str:
    """The plan 'wiw up' prints for ``learners`` on the fake engine (16 GiB, 4 CPUs)."""
    return plan_classroom(
        learners=learners, host_memory=16 * GIB, host_cpus=4, **settings
    ).summary()


def workshop_image(fake: FakeEngine, workshop: str = "intro", tag: str = "latest") -> Image:
    """An image of ``workshop`` as wiw labels the images it builds."""
    ref = f"wiw/{workshop}:{tag}"
    fake.add_image(ref, {**_labels.labels_for(workshop, "image", __version__), _labels.REF: ref})
    return Image(ref, engine=fake)


def start_class(fake: FakeEngine, workshop: str = "intro", **kwargs: Any) -> Classroom:
    """Start the class of ``workshop`` on ``fake`` (from a new image of it)."""
    return Classroom.start(workshop_image(fake, workshop), engine=fake, **kwargs)


def table_rows(text: str) -> list[list[str]]:
    """The cells of the table in ``text``, row by row, the header first."""
    rows = []
    for line in text.splitlines():
        for bar in ("┃", "│"):
            if line.startswith(bar):
                rows.append([cell.strip() for cell in line.strip(bar).split(bar)])
    return rows


# 'wiw up': a fake engine, the hub's HTTP side stood in for.


@dataclass
class Up:
    """The engine 'wiw up' runs on, and what it started classes with.

    Attributes:
        fake: The engine.
        folder: The test's own folder (the current one).
        starts: For each start: the image's reference, the options and the other arguments.
        timeouts: How long each start waited for the hub.
        seats: What waiting for the seats returns, and the progress callbacks it was given.
    """

    fake: FakeEngine
    folder: Path
    starts: list[tuple[str, ClassroomOptions, dict[str, Any]]] = field(default_factory=list)
    timeouts: list[float] = field(default_factory=list)
    seats: Seats | None = None
    progress: list[Callable[[Seats], None] | None] = field(default_factory=list)

    def run(self, *argv: str) -> Ran:
        """Run ``wiw ARGV`` on the engine."""
        return run_cli(*argv, engine=self.fake)

    @property
    def options(self) -> ClassroomOptions:
        """The options of the last start."""
        return self.starts[-1][1]

    @property
    def kwargs(self) -> dict[str, Any]:
        """The other arguments of the last start."""
        return self.starts[-1][2]

    def hub_running(self, workshop: str = "intro") -> bool:
        """Whether the class's hub runs."""
        return bool(self.fake.container_running(Names(workshop).hub))


class CtrlC:
    """Stands in for threading: waiting forever ends with Ctrl-C at once."""

    class Event:
        """An event whose wait is interrupted."""

        def wait(self) -> bool:
            """Ctrl-C."""
            raise KeyboardInterrupt


@pytest.fixture
def up(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Up:
    """A sealed run in a folder of its own, on a fake engine with the workshops' images."""
    seal(monkeypatch)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    monkeypatch.setenv("COLUMNS", "300")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    made = Up(workshop_engine(), tmp_path)
    start = Classroom.start

    def recorded(
        image: Image, options: ClassroomOptions | None = None, **kwargs: Any
    ) -> Classroom:
        made.starts.append((image.ref, options or ClassroomOptions(), kwargs))
        return start(image, options, **kwargs)

    def ready(room: Classroom, timeout: float = 120.0) -> str:
        made.timeouts.append(timeout)
        return room.join_url

    def seats(
        room: Classroom, timeout: float = 300.0, progress: Callable[[Seats], None] | None = None
    ) -> Seats | None:
        made.progress.append(progress)
        if progress is not None and made.seats is not None:
            progress(made.seats)
        return made.seats

    monkeypatch.setattr(Classroom, "start", recorded)
    monkeypatch.setattr(Classroom, "wait_until_ready", ready)
    monkeypatch.setattr(Classroom, "wait_for_seats", seats)
    monkeypatch.setattr(class_commands, "threading", CtrlC)  # serving ends at once
    return made


def test_the_plan_is_made_at_this_machines_speed(up: Up, monkeypatch: pytest.MonkeyPatch) -> None:
    """Twice the benchmark machine's speed: half the CPU-seconds, twice the learners a minute."""
    monkeypatch.setattr(planning, "cpu_speed", lambda: 2.0)
    ran = up.run("up", IMAGE, "--detach")
    assert ran.code == 0, ran.err
    assert ran.err.splitlines()[0] == planned(30, cpu_speed=2.0)
    assert f"({planning.CPU_PER_LEARNER / 2:g} CPU-seconds each)" in ran.err


def test_up_detached_says_where_to_join_and_how_to_stop(up: Up) -> None:
    """The QR code, the join URL and short address; the plan, instructor URL and how to stop."""
    ran = up.run("up", IMAGE, "--detach")
    assert ran.code == 0, ran.err
    room = Classroom.attach("intro", engine=up.fake)
    assert room.short_url
    assert ran.out.splitlines()[-2:] == [
        f"Workshop URL: {room.join_url}",
        f"Or type: {room.short_url}",
    ]
    assert ran.err.splitlines() == [
        planned(),
        f"Instructor URL (for you only, not in the QR code): {room.instructor_url}",
        "Running. Stop with 'wiw down intro' (files are kept).",
    ]
    assert up.hub_running()
    assert up.timeouts == [180.0]


def test_up_starts_the_class_with_the_defaults(up: Up) -> None:
    """Without options: 30 learners, temporary logins, this engine, no seats, a short address."""
    assert up.run("up", IMAGE, "--detach").code == 0
    assert up.starts[0][0] == IMAGE
    assert up.options == ClassroomOptions(
        max_learners=30,
        cull_after=3600,
        auth="temporary",
        password=None,
        limits=LearnerLimits(memory="512m", cpus=1.0),
        backend="docker",
        seats=0,
        short_url=True,
        roster=(),
    )
    assert up.kwargs == {
        "port": None,
        "public": None,
        "host": None,
        "public_url": None,
        "tls": None,
        "source": None,
        "engine": up.fake,
    }


def test_up_passes_where_to_serve_and_what_it_is_asked(up: Up) -> None:
    """Port, network, host, caps and limits as given; --timeout is how long it waits."""
    ran = up.run(
        "up", IMAGE, "--detach", "--port", "8123", "--public", "--host", "class.example.org",
        "--max-learners", "12", "--cull-after", "600", "--cpus", "0.5", "--memory", "2g",
        "--no-short-url", "--timeout", "30",
    )  # fmt: skip
    assert ran.code == 0, ran.err
    assert up.kwargs == {
        "port": 8123,
        "public": True,
        "host": "class.example.org",
        "public_url": None,
        "tls": None,
        "source": None,
        "engine": up.fake,
    }
    options = up.options
    assert (options.max_learners, options.cull_after, options.short_url) == (12, 600, False)
    assert options.limits == LearnerLimits(memory="2g", cpus=0.5)
    assert up.timeouts == [30.0]
    assert "Or type:" not in ran.out
    assert ran.err.splitlines()[0] == planned(12, cpus=0.5)


def test_up_of_a_folder_remembers_where_the_class_comes_from(up: Up) -> None:
    """'wiw up FOLDER': the class's source is the folder's absolute path."""
    ran = up.run("up", str(EXAMPLE), "--detach")
    assert ran.code == 0, ran.err
    assert up.starts[0][0] == "wiw/example-workshop:latest"
    assert up.kwargs["source"] == str(EXAMPLE.resolve())
    assert "Running. Stop with 'wiw down example-workshop' (files are kept)." in ran.err


def test_up_of_a_git_repository_remembers_the_repository(
    up: Up, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'wiw up URL': the class's source is the repository's URL, without the commit."""
    url = "https://example.org/ada/intro-python.git"
    checkout = up.folder / "checkout"
    write_lesson(checkout)

    def fetch(asked: str, ref: str | None = None) -> Source:
        return Source(url=asked, ref=ref, commit="abc123", folder=checkout)

    monkeypatch.setattr(sources, "fetch", fetch)
    ran = up.run("up", url, "--ref", "v2", "--tag", IMAGE, "--detach")
    assert ran.code == 0, ran.err
    assert up.kwargs["source"] == url


def test_up_behind_a_proxy_prints_the_instructor_url_as_it_is(up: Up) -> None:
    """A public URL (an IPv6 address in brackets) is passed on; the instructor's URL kept whole."""
    ran = up.run("up", IMAGE, "--detach", "--public-url", "https://[fd00::10]/")
    assert ran.code == 0, ran.err
    assert up.kwargs["public_url"] == "https://[fd00::10]/"
    room = Classroom.attach("intro", engine=up.fake)
    assert room.instructor_url.startswith("https://[fd00::10]/")
    assert f"Instructor URL (for you only, not in the QR code): {room.instructor_url}" in (
        ran.err.splitlines()
    )


@pytest.mark.parametrize(
    ("argv", "learners"),
    [
        (["--learners", "5", "--max-learners", "12"], 5),
        (["--max-learners", "12"], 12),
        (["--max-learners", "0"], 30),
    ],
)
def test_the_plan_is_for_the_class_size_else_the_cap_else_30(
    up: Up, argv: list[str], learners: int
) -> None:
    """--learners sizes the plan; without it --max-learners; with no cap, 30."""
    ran = up.run("up", IMAGE, "--detach", *argv)
    assert ran.code == 0, ran.err
    assert ran.err.splitlines()[0] == planned(learners)


def test_the_plan_sizes_learners_by_the_reports_lesson_peak(up: Up) -> None:
    """--report's lesson peak sizes each learner, and their memory limit."""
    peak = 1200 * 2**20
    lesson = LessonResult("a.ipynb", True, 1.0, peak_memory=peak)
    (up.folder / "r.json").write_text(LessonReport(IMAGE, [lesson]).to_json())
    ran = up.run(
        "up", IMAGE, "--detach", "--learners", "5", "--report", "r.json", "--arrival-window", "90"
    )
    assert ran.code == 0, ran.err
    assert ran.err.splitlines()[0] == planned(5, lesson_peak=peak, arrival_window=90.0)
    plan = plan_classroom(learners=5, host_memory=16 * GIB, host_cpus=4, lesson_peak=peak)
    assert up.options.limits.memory == plan.limits.memory != "512m"


def test_a_class_too_big_is_refused_unless_forced(up: Up) -> None:
    """100 learners do not fit: refused before any start; --force starts it all the same."""
    refused = up.run("up", IMAGE, "--detach", "--learners", "100")
    assert refused.code == 2
    assert refused.err.startswith("error: ")
    assert up.starts == []
    forced = up.run("up", IMAGE, "--detach", "--learners", "100", "--force")
    assert forced.code == 0, forced.err
    assert forced.err.splitlines()[0] == planned(100)
    assert "100 learners does NOT fit: " in forced.err
    assert up.hub_running()


@pytest.mark.parametrize(
    ("argv", "colour"),
    [
        ([], "\x1b[32m"),  # fits: green
        (["--arrival-window", "5"], "\x1b[1;33m"),  # fits, but learners would queue
        (["--learners", "100", "--force"], "\x1b[1;33m"),  # does not fit
    ],
)
def test_the_plan_is_green_only_when_it_fits_without_a_queue(
    up: Up, monkeypatch: pytest.MonkeyPatch, argv: list[str], colour: str
) -> None:
    """On a colour terminal the plan is green when all is well, else bold yellow."""
    monkeypatch.setenv("FORCE_COLOR", "1")
    # 256 colours, as the other colour tests: rich keeps the codes it first wrote for a
    # style (the QR code's), whatever terminal prints it next in this process.
    monkeypatch.setenv("TERM", "xterm-256color")
    ran = up.run("up", IMAGE, "--detach", *argv)
    assert ran.code == 0, ran.err
    first = ran.err.splitlines()[0]
    assert first.startswith(colour)
    assert first.endswith("processes.\x1b[0m")
    room = Classroom.attach("intro", engine=up.fake)
    assert ran.out.splitlines()[-1] == f"\x1b[1mOr type:\x1b[0m {room.short_url}"


# The class password.


def test_a_password_file_gives_its_first_line(up: Up) -> None:
    """--password-file: the first line is the password; shared-password logins."""
    (up.folder / "pw.txt").write_text("correct horse\nsecond line\n")
    assert up.run("up", IMAGE, "--detach", "--password-file", "pw.txt").code == 0
    assert (up.options.auth, up.options.password) == ("shared-password", "correct horse")


def test_an_empty_password_file_is_refused_as_too_short(up: Up) -> None:
    """An empty file holds no password: refused as shorter than 8 characters; nothing starts."""
    (up.folder / "pw.txt").write_text("")
    ran = up.run("up", IMAGE, "--detach", "--password-file", "pw.txt")
    assert ran.code == 2
    assert ran.err.splitlines()[-2:] == [
        "error: A shared-password classroom needs a password of 8 characters or more.",
        "hint: Choose a class password of at least 8 characters.",
    ]
    assert up.starts == []


def test_a_password_file_that_is_not_text_is_refused_naming_the_flag(up: Up) -> None:
    """A file that is not UTF-8: its flag, its name, why, and what to give instead."""
    (up.folder / "pw.bin").write_bytes(b"\xff\xfe\x00pass")
    ran = up.run("up", IMAGE, "--detach", "--password-file", "pw.bin")
    assert ran.code == 2
    assert ran.err.splitlines() == [
        "error: Cannot read --password-file pw.bin: it is not UTF-8 text.",
        "hint: Give a file that holds the class password on its first line.",
    ]


def test_the_password_from_the_environment(up: Up, monkeypatch: pytest.MonkeyPatch) -> None:
    """WIW_CLASS_PASSWORD gives the class password, silently; empty means none."""
    monkeypatch.setenv(PASSWORD_ENV, "from the environment")
    ran = up.run("up", IMAGE, "--detach")
    assert ran.code == 0, ran.err
    assert (up.options.auth, up.options.password) == ("shared-password", "from the environment")
    assert "warning" not in ran.err
    up.run("down", "intro")
    monkeypatch.setenv(PASSWORD_ENV, "")
    assert up.run("up", IMAGE, "--detach").code == 0
    assert (up.options.auth, up.options.password) == ("temporary", None)


def test_a_password_on_the_command_line_is_used_with_a_warning(up: Up) -> None:
    """--password works, and warns (first, as written) that other users can see it."""
    ran = up.run("up", IMAGE, "--detach", "--password", "open sesame")
    assert ran.code == 0, ran.err
    assert (up.options.auth, up.options.password) == ("shared-password", "open sesame")
    assert ran.err.splitlines()[0] == (
        "warning: --password is visible to every user of this machine in the process list; "
        f"prefer --password-file, {PASSWORD_ENV} or --ask-password."
    )


def test_ask_password_prompts_for_it(up: Up, monkeypatch: pytest.MonkeyPatch) -> None:
    """--ask-password asks 'Class password: ' and uses what was typed."""
    prompts: list[str] = []

    def typed(prompt: str = "Password: ") -> str:
        prompts.append(prompt)
        return "typed in secret"

    monkeypatch.setattr("getpass.getpass", typed)
    assert up.run("up", IMAGE, "--detach", "--ask-password").code == 0
    assert prompts == ["Class password: "]
    assert up.options.password == "typed in secret"


def test_no_typed_password_says_what_else_to_give(up: Up, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-D at the prompt: the sentence and the other ways to give the password."""

    def eof(prompt: str = "") -> str:
        raise EOFError

    monkeypatch.setattr("getpass.getpass", eof)
    ran = up.run("up", IMAGE, "--detach", "--ask-password")
    assert ran.err.splitlines() == [
        "error: No class password was typed (--ask-password).",
        "hint: Type it at the prompt, or give it in a file (--password-file FILE) or in "
        f"{PASSWORD_ENV}.",
    ]


# The class list, HTTPS, seats and the Swarm.


def test_the_roster_is_one_name_a_line_without_blanks_or_comments(up: Up) -> None:
    """Names as written (spaces tidied), in order; blank lines and # comments left out."""
    (up.folder / "class.txt").write_text(
        "# the Tuesday group\nAda Lovelace\n\n  Grace   Hopper \n#absent\nZoë\n"
    )
    assert up.run("up", IMAGE, "--detach", "--roster", "class.txt").code == 0
    assert up.options.roster == ("Ada Lovelace", "Grace Hopper", "Zoë")


def test_a_roster_that_is_not_text_is_refused_naming_the_flag(up: Up) -> None:
    """A class list that is not UTF-8: --roster, the file, and what to give."""
    (up.folder / "class.bin").write_bytes(b"\xff\xfe\x00")
    ran = up.run("up", IMAGE, "--detach", "--roster", "class.bin")
    assert ran.err.splitlines() == [
        "error: Cannot read --roster class.bin: it is not UTF-8 text.",
        "hint: Give a text file with one name per line.",
    ]


def test_https_with_a_certificate_and_plain_http_again(up: Up) -> None:
    """--tls-cert and --tls-key are passed as the files; --no-tls asks for plain HTTP."""
    (up.folder / "cert.pem").write_text(CERT)
    (up.folder / "key.pem").write_text(KEY)
    ran = up.run("up", IMAGE, "--detach", "--tls-cert", "cert.pem", "--tls-key", "key.pem")
    assert ran.code == 0, ran.err
    assert up.kwargs["tls"] == TLSFiles(Path("cert.pem"), Path("key.pem"))
    up.run("down", "intro")
    assert up.run("up", IMAGE, "--detach", "--no-tls").code == 0
    assert up.kwargs["tls"] is False


def refusal(ran: Ran) -> list[str]:
    """The lines of a command line refused before anything ran."""
    assert (ran.code, ran.out) == (2, "")
    return ran.err.splitlines()


@pytest.mark.parametrize(
    ("argv", "error", "hint"),
    [
        (
            ["--no-tls", "--tls-key", "key.pem"],
            "--no-tls and --tls-key exclude each other",
            "Give --no-tls to serve plain HTTP again, or --tls-cert and --tls-key for HTTPS.",
        ),
        (
            ["--no-tls", "--tls-cert", "cert.pem", "--tls-key", "key.pem"],
            "--no-tls and --tls-cert exclude each other",
            "Give --no-tls to serve plain HTTP again, or --tls-cert and --tls-key for HTTPS.",
        ),
        (
            ["--tls-key", "key.pem"],
            "--tls-key needs --tls-cert: the two go together",
            "Give the certificate (with its chain) and its private key, both PEM files.",
        ),
        (
            ["--tls-cert", "cert.pem"],
            "--tls-cert needs --tls-key: the two go together",
            "Give the certificate (with its chain) and its private key, both PEM files.",
        ),
        (
            ["--seats", "13", "--max-learners", "12"],
            "--seats 13 is more than --max-learners 12",
            "Seats are learners' servers started ahead: keep --seats within --max-learners.",
        ),
    ],
)
def test_options_that_do_not_go_together_are_refused_word_for_word(
    up: Up, argv: list[str], error: str, hint: str
) -> None:
    """Each refusal: 'error: wiw up: ...', its own hint, and the usage between; no engine call."""
    (up.folder / "cert.pem").write_text(CERT)
    (up.folder / "key.pem").write_text(KEY)
    lines = refusal(up.run("up", IMAGE, *argv))
    assert lines[0] == f"error: {error}"
    assert lines[-1] == f"hint: {hint} See 'wiw up --help'."
    assert up.fake.calls == []


def test_seats_up_to_the_cap_are_taken(up: Up) -> None:
    """--seats equal to --max-learners is accepted, and with no cap any number is."""
    up.seats = Seats(ready=12, starting=0, taken=0, spare=12)
    assert up.run("up", IMAGE, "--detach", "--seats", "12", "--max-learners", "12").code == 0
    assert up.options.seats == 12
    up.run("down", "intro")
    ran = up.run("up", IMAGE, "--detach", "--seats", "40", "--max-learners", "0", "--force")
    assert ran.code == 0, ran.err


def test_a_swarm_class_asks_for_the_swarm_backend(up: Up) -> None:
    """--swarm starts the class as Swarm services (this engine is no manager: refused)."""
    ran = up.run("up", IMAGE, "--detach", "--swarm")
    assert up.options.backend == "swarm"
    assert ran.code == 2
    assert not up.hub_running()


# Serving: events, notices, seats, the QR code, Ctrl-C.


def test_up_with_events_says_starting_and_ready(up: Up) -> None:
    """--events: 'starting' (the image, classroom mode), then 'ready' with the join URL."""
    ran = up.run("--events", "up", IMAGE, "--detach")
    assert ran.code == 0, ran.err
    room = Classroom.attach("intro", engine=up.fake)
    assert events(ran.out) == [
        {"event": "starting", "image": IMAGE, "mode": "classroom"},
        {"event": "ready", "url": room.join_url},
    ]


def test_a_changed_join_url_is_said_before_the_url(up: Up) -> None:
    """A restart on another port: the notice that the join URL changed, with the old one."""
    assert up.run("up", IMAGE, "--detach", "--port", "8111").code == 0
    old = Classroom.attach("intro", engine=up.fake).join_url
    up.run("down", "intro")
    ran = up.run("up", IMAGE, "--detach", "--port", "8112")
    assert ran.err.splitlines()[1] == (
        f"The join URL changed (it was {old}): share the new QR code."
    )


def test_the_qr_code_is_saved_where_asked(up: Up) -> None:
    """--qr FILE saves the join URL's code there and says so."""
    ran = up.run("up", IMAGE, "--detach", "--qr", "join.png")
    assert ran.code == 0, ran.err
    assert (up.folder / "join.png").stat().st_size > 0
    assert "QR code saved to join.png" in ran.out.splitlines()


def test_a_qr_code_that_cannot_be_saved_says_how_to_save_it_later(
    up: Up, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The folder gone by the time the class is ready: a warning naming 'wiw url ... --qr'."""
    (up.folder / "codes").mkdir()
    ready = Classroom.wait_until_ready

    def folder_removed(room: Classroom, timeout: float = 120.0) -> str:
        (up.folder / "codes").rmdir()
        (up.folder / "codes").write_text("a file now")
        return ready(room, timeout)

    monkeypatch.setattr(Classroom, "wait_until_ready", folder_removed)
    ran = up.run("up", IMAGE, "--detach", "--qr", "codes/join.png")
    assert ran.code == 0, ran.err
    assert (
        "warning: could not save the QR code to codes/join.png: File exists; "
        "'wiw url intro --qr FILE' saves it later."
    ) in ran.err.splitlines()


def test_seats_are_waited_for_and_said_ready(up: Up) -> None:
    """--seats: after the URLs, 'Seats ready: N' and a 'seats' event; no progress lines."""
    up.seats = Seats(ready=3, starting=0, taken=1, spare=3)
    ran = up.run("--events", "up", IMAGE, "--detach", "--seats", "3")
    assert ran.code == 0, ran.err
    assert ran.err.splitlines()[0] == planned(30, seats=3)
    assert "30 learners and 3 seats fit: " in ran.err
    assert events(ran.out)[-1] == {
        "event": "seats", "ready": 3, "taken": 1, "total": 4, "starting": 0, "spare": 3,
    }  # fmt: skip
    assert ran.err.splitlines()[-2:] == [
        "Seats ready: 3 (learners who join now start at once).",
        "Running. Stop with 'wiw down intro' (files are kept).",
    ]
    assert up.progress == [None]


def test_on_a_swarm_the_seats_are_ready_before_the_url_goes_out(up: Up) -> None:
    """--swarm --seats: the seats (on every node, each pulling the image) come first."""
    up.fake.manager = True
    up.seats = Seats(ready=3, starting=0, taken=0, spare=3)
    ran = up.run("up", IMAGE, "--detach", "--swarm", "--seats", "3")
    assert ran.code == 0, ran.err
    assert up.options.backend == "swarm"
    assert up.options.seats == 3
    room = Classroom.attach("intro", engine=up.fake)
    lines = ran.err.splitlines()
    ready = lines.index("Seats ready: 3 (learners who join now start at once).")
    assert ready < lines.index(f"Instructor URL (for you only, not in the QR code): "
                               f"{room.instructor_url}")  # fmt: skip
    assert ran.out.splitlines()[-2] == f"Workshop URL: {room.join_url}"
    assert lines.count("Seats ready: 3 (learners who join now start at once).") == 1
    assert len(up.progress) == 1


def test_seats_not_reported_when_there_are_none(up: Up) -> None:
    """Seats asked for but none reported: no 'Seats ready' line; no seats, no wait at all."""
    up.seats = None
    ran = up.run("up", IMAGE, "--detach", "--seats", "3")
    assert ran.code == 0, ran.err
    assert "Seats ready" not in ran.err
    assert up.run("down", "intro").code == 0
    assert up.run("up", IMAGE, "--detach").code == 0
    assert len(up.progress) == 1  # waited once, for the class with seats


def test_seats_coming_along_are_said_for_people_not_in_events(up: Up) -> None:
    """Without --events, each count of the seats as it changes; the ready line after."""
    up.seats = Seats(ready=2, starting=1, taken=0, spare=3)
    ran = up.run("up", IMAGE, "--detach", "--seats", "3")
    assert ran.code == 0, ran.err
    lines = ran.err.splitlines()
    assert lines[-3:] == [
        "seats: 2 ready, 1 starting",
        "Seats ready: 2 (learners who join now start at once).",
        "Running. Stop with 'wiw down intro' (files are kept).",
    ]
    assert up.progress[0] is not None


def test_serving_until_ctrl_c_stops_the_class(up: Up) -> None:
    """Without --detach: 'Serving', then Ctrl-C stops hub and servers, a 'stopped' event, 0."""
    ran = up.run("--events", "up", IMAGE)
    assert ran.code == 0, ran.err
    assert ran.err.splitlines()[-2:] == [
        "Serving; Ctrl-C stops the hub and learners' servers (their files are kept).",
        "Stopping.",
    ]
    assert events(ran.out)[-1] == {"event": "stopped", "workshop": "intro"}
    assert not up.hub_running()
    assert Names("intro").hub_volume in up.fake.volumes  # the class's state is kept


def test_a_hub_that_fails_to_get_ready_is_stopped(up: Up, monkeypatch: pytest.MonkeyPatch) -> None:
    """An error while waiting for the hub stops the class, and is reported, status 2."""

    def never(room: Classroom, timeout: float = 120.0) -> str:
        raise KeyError("the hub never answered")

    monkeypatch.setattr(Classroom, "wait_until_ready", never)
    with pytest.raises(KeyError):
        up.run("up", IMAGE, "--detach")
    assert up.starts
    assert not up.hub_running()


def test_an_internet_warning_is_printed_as_written(up: Up) -> None:
    """Lessons that reach for the internet: one warning, brackets in lesson names as written."""
    used = [NetworkUse(3, ["data.example.org"])]
    results = [LessonResult("[draft] intro.ipynb", True, 1.0, internet=used)]
    (up.folder / "r.json").write_text(LessonReport(IMAGE, results, 2.0).to_json())
    ran = up.run("up", IMAGE, "--detach", "--report", "r.json")
    assert ran.code == 0, ran.err
    assert ran.err.splitlines()[1] == (
        "warning: The last lesson report says 1 cell(s) reach for the internet: [draft] "
        "intro.ipynb cell 3 (data.example.org). In a room without internet they fail: fetch "
        "their data at build time (data.txt), and check with 'wiw test --offline'."
    )


def test_an_image_wiw_does_not_know_has_no_internet_warning() -> None:
    """No report given and no image of that name: no warning (and no error)."""
    missing = Image("wiw/missing:1", engine=FakeEngine())
    assert _internet_warning(missing, argparse.Namespace(report=None)) == ""


# 'wiw url': the join URL again, or the instructor's.


def test_url_shows_the_join_url_and_short_address_again(up: Up) -> None:
    """'wiw url CLASS': the QR code, the join URL and the short address; --qr saves the code."""
    room = start_class(up.fake)
    ran = up.run("url", "Intro", "--qr", "again.png")
    assert ran.code == 0, ran.err
    assert ran.out.splitlines()[-3:] == [
        f"Workshop URL: {room.join_url}",
        "QR code saved to again.png",
        f"Or type: {room.short_url}",
    ]
    assert (up.folder / "again.png").stat().st_size > 0
    assert ran.err == ""


def test_url_of_a_class_without_a_short_address_has_none(up: Up) -> None:
    """A class started with --no-short-url: the join URL alone."""
    room = start_class(up.fake, options=ClassroomOptions(short_url=False))
    ran = up.run("url", "intro")
    assert ran.out.splitlines()[-1] == f"Workshop URL: {room.join_url}"
    assert "Or type" not in ran.out


def test_url_of_the_instructor_is_the_url_alone_as_it_is(up: Up) -> None:
    """--instructor prints only the instructor's URL, brackets and all, and no QR code."""
    room = start_class(up.fake, public_url="https://[fd00::10]/")
    ran = up.run("url", "intro", "--instructor")
    assert (ran.code, ran.out, ran.err) == (0, f"{room.instructor_url}\n", "")
    assert room.instructor_url.startswith("https://[fd00::10]/")


def test_url_of_a_class_not_running_says_how_to_start_it(up: Up) -> None:
    """No class of that name runs: an error naming it, status 2."""
    ran = up.run("url", "intro")
    assert ran.code == 2
    assert ran.err.splitlines()[0] == "error: No classroom of intro is running."


def test_url_refuses_qr_with_instructor_word_for_word(up: Up) -> None:
    """The instructor's URL is never drawn as a code: the refusal and what to do instead."""
    lines = refusal(up.run("url", "intro", "--instructor", "--qr", "i.png"))
    assert lines[0] == (
        "error: --qr and --instructor exclude each other: the instructor's URL is never put in "
        "a QR code"
    )
    assert lines[-1] == (
        "hint: Leave out --qr to print the instructor's URL, or --instructor for the join URL's "
        "code. See 'wiw url --help'."
    )


# 'wiw status': who joined, whose server runs.


def learners(monkeypatch: pytest.MonkeyPatch, *found: Learner, seats: Seats | None) -> None:
    """Make the hub say ``found`` joined, and the class's seats be ``seats``."""
    monkeypatch.setattr(Classroom, "learners", lambda room: list(found))
    monkeypatch.setattr(Classroom, "seats", lambda room: seats)


ADA = Learner("Ada", True, None, "2026-12-06T01:02:03Z", 300 * 2**20)
GRACE = Learner("Grace [TA]", False, "spawn", None)
ZOE = Learner("Zoë", False, None, None)


def test_status_shows_each_learner_and_the_seats(up: Up, monkeypatch: pytest.MonkeyPatch) -> None:
    """A row per learner: running, starting or stopped, last seen, memory; then the seats."""
    start_class(up.fake)
    learners(monkeypatch, ADA, GRACE, ZOE, seats=Seats(ready=4, starting=1, taken=26, spare=5))
    ran = up.run("status", "Intro")
    assert (ran.code, ran.err) == (0, "")
    assert ran.out.splitlines()[0].strip() == "Classroom intro"
    assert table_rows(ran.out) == [
        ["learner", "server", "last seen", "memory"],
        ["Ada", "running", "2026-12-06T01:02:03Z", format_bytes(300 * 2**20)],
        ["Grace [TA]", "spawn", "", ""],
        ["Zoë", "stopped", "", ""],
    ]
    assert ran.out.splitlines()[-1] == "seats: 4 ready, 26 taken of 31"


def test_status_on_a_swarm_says_where_each_home_is(
    up: Up, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Learners on nodes: a 'node' column (blank for one not placed); no seats, no seats line."""
    start_class(up.fake)
    placed = Learner("Ada", False, None, "2026-12-06T01:02:03Z", None, "node-2")
    learners(monkeypatch, placed, ZOE, seats=None)
    ran = up.run("status", "intro")
    assert table_rows(ran.out) == [
        ["learner", "server", "last seen", "memory", "node"],
        ["Ada", "stopped", "2026-12-06T01:02:03Z", "", "node-2"],
        ["Zoë", "stopped", "", "", ""],
    ]
    assert "seats" not in ran.out


def test_status_as_json_has_every_field(up: Up, monkeypatch: pytest.MonkeyPatch) -> None:
    """--json: schema, class, URLs, each learner's fields and the seats."""
    room = start_class(up.fake)
    learners(monkeypatch, ADA, GRACE, seats=Seats(ready=2, starting=0, taken=1, spare=2))
    ran = up.run("status", "intro", "--json")
    assert (ran.code, ran.err) == (0, "")
    assert json.loads(ran.out) == {
        "schema": STATUS_SCHEMA,
        "class": "intro",
        "join_url": room.join_url,
        "short_url": room.short_url,
        "learners": [
            {"name": "Ada", "running": True, "pending": None,
             "last_activity": "2026-12-06T01:02:03Z", "memory": 300 * 2**20, "node": None},
            {"name": "Grace [TA]", "running": False, "pending": "spawn",
             "last_activity": None, "memory": None, "node": None},
        ],
        "seats": {"ready": 2, "taken": 1, "total": 3, "starting": 0, "spare": 2},
    }  # fmt: skip


# 'wiw down', 'wiw collect', 'wiw destroy'.


def test_down_stops_the_class_and_says_files_are_kept(up: Up) -> None:
    """'wiw down' (any spelling): the hub stops, volumes stay; a 'stopped' event; the sentence."""
    start_class(up.fake)
    ran = up.run("--events", "down", "INTRO")
    assert ran.code == 0, ran.err
    assert events(ran.out) == [{"event": "stopped", "workshop": "intro"}]
    assert ran.err == "stopped; learners' files are kept (see 'wiw collect' and 'wiw destroy')\n"
    assert not up.hub_running()
    assert Names("intro").hub_volume in up.fake.volumes


def test_collect_copies_every_learners_files_and_counts_them(
    up: Up, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'wiw collect CLASS DEST': the class by its name, the folder given, how many learners."""
    asked: list[tuple[str, str, FakeEngine]] = []

    def collect_work(workshop: str, dest: str, *, engine: FakeEngine) -> list[Path]:
        asked.append((workshop, dest, engine))
        return [Path(dest) / "Ada", Path(dest) / "Grace"]

    monkeypatch.setattr(classroom_module, "collect_work", collect_work)
    ran = up.run("collect", "Intro", "work")
    assert (ran.code, ran.err) == (0, "")
    assert ran.out == "collected the work of 2 learner(s) into work\n"
    assert asked == [("intro", "work", up.fake)]
    (up.folder / "[day 1]").mkdir()
    into = up.run("collect", "Intro", "[day 1]/work")  # a folder's name, never markup
    assert into.code == 0, into.err
    assert into.out == "collected the work of 2 learner(s) into [day 1]/work\n"


def test_destroy_with_yes_removes_the_volumes_and_counts_them(
    up: Up, monkeypatch: pytest.MonkeyPatch
) -> None:
    """'wiw destroy CLASS --yes': the class by its name, confirmed; how many volumes went."""
    asked: list[tuple[str, bool, FakeEngine]] = []

    def destroy(workshop: str, *, confirm: bool, engine: FakeEngine) -> list[str]:
        asked.append((workshop, confirm, engine))
        return ["wiw-intro-hub", "wiw-intro-home-ada", "wiw-intro-home-grace"]

    monkeypatch.setattr(classroom_module, "destroy", destroy)
    ran = up.run("destroy", "Intro", "--yes")
    assert (ran.code, ran.out, ran.err) == (0, "removed 3 volume(s)\n", "")
    assert asked == [("intro", True, up.fake)]


def test_destroy_without_yes_says_to_collect_first(up: Up) -> None:
    """Without --yes: refused, naming the class, how to collect and how to confirm; no call."""
    ran = up.run("destroy", "Intro")
    assert ran.code == 2
    assert ran.err.splitlines() == [
        "error: Refusing to delete the files of every learner of intro without --yes.",
        "hint: Collect their work first ('wiw collect intro DEST'), then run "
        "'wiw destroy intro --yes'.",
    ]
    assert up.fake.calls == []


# 'wiw update': rebuild, deliver, report.

EXAMPLE_CLASS = "example-workshop"


def deliveries(fake: FakeEngine, reports: dict[str, dict[str, list[str]]]) -> None:
    """Give the class of the example a home per learner, and what delivering to it reports."""
    names = Names(EXAMPLE_CLASS)
    for learner in reports:
        labels = _labels.labels_for(EXAMPLE_CLASS, "learner-home", __version__)
        fake.volume_create(
            names.home_prefix + learner.lower(), {**labels, _labels.LEARNER: learner}
        )

    def sync(spec: ContainerSpec) -> tuple[int, str]:
        learner = spec.volumes[0][0].removeprefix(names.home_prefix)
        found = {name.lower(): report for name, report in reports.items()}
        return 0, "syncing\n" + json.dumps(found[learner])

    fake.scripts[f"wiw-{EXAMPLE_CLASS}-deliver-"] = sync


@pytest.fixture
def running_example(up: Up) -> Up:
    """The example workshop's class, running on the fake engine."""
    Classroom.start(Image(f"wiw/{EXAMPLE_CLASS}:latest", engine=up.fake), engine=up.fake)
    return up


def test_update_reports_what_each_learner_got(running_example: Up) -> None:
    """A row per learner: new, updated, kept, beside, deleted; failures in their words; 1."""
    up = running_example
    deliveries(up.fake, {
        "Ada": {"new": ["[draft]04.ipynb"], "updated": ["a.ipynb", "b.ipynb"]},
        "Grace": {"kept": ["k.ipynb"], "beside": ["k.updated.ipynb"], "deleted": ["d.ipynb"],
                  "errors": ["lesson02.ipynb: No space left on device", "x.csv: [busy] [/]"]},
    })  # fmt: skip
    ran = up.run("update", str(EXAMPLE), "--tag", f"wiw/{EXAMPLE_CLASS}:v2")
    assert ran.code == 1
    assert ran.out.splitlines()[0].strip() == f"Lessons delivered to {EXAMPLE_CLASS}"
    assert table_rows(ran.out) == [
        ["learner", "new", "updated", "kept (changed)", "placed beside", "deleted"],
        ["Ada", "[draft]04.ipynb", "a.ipynb, b.ipynb", "", "", ""],
        ["Grace", "", "", "k.ipynb", "k.updated.ipynb", "d.ipynb"],
    ]
    assert ran.out.splitlines()[-1] == (
        f"Servers started from now on run wiw/{EXAMPLE_CLASS}:v2; running ones keep their kernels."
    )
    assert ran.err == "Grace: lesson02.ipynb: No space left on device; x.csv: [busy] [/]\n"


def test_update_without_failures_exits_0_and_sends_events(running_example: Up) -> None:
    """--events: each build step, 'updating' (class, image), 'updated' (each learner); 0."""
    up = running_example
    deliveries(up.fake, {"Ada": {"new": ["lesson04.ipynb"]}, "Grace": {}})
    ran = up.run("--events", "update", str(EXAMPLE), "--tag", f"wiw/{EXAMPLE_CLASS}:v2")
    assert ran.code == 0, ran.err
    sent = events(ran.out)
    assert [e["event"] for e in sent] == ["building"] * 3 + ["updating", "updated"]
    assert sent[-2:] == [
        {"event": "updating", "workshop": EXAMPLE_CLASS, "image": f"wiw/{EXAMPLE_CLASS}:v2"},
        {"event": "updated", "workshop": EXAMPLE_CLASS,
         "learners": ["Ada: 1 new", "Grace: up to date"]},
    ]  # fmt: skip


def test_update_passes_restore_deleted(
    running_example: Up, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--restore-deleted is passed to the delivery, with the image just built."""
    asked: list[tuple[str, bool]] = []

    def update(room: Classroom, image: Image, *, restore_deleted: bool = False) -> list[Delivered]:
        asked.append((image.ref, restore_deleted))
        return []

    monkeypatch.setattr(Classroom, "update", update)
    up = running_example
    assert up.run("update", str(EXAMPLE), "--restore-deleted").code == 0
    assert up.run("update", str(EXAMPLE)).code == 0
    latest = f"wiw/{EXAMPLE_CLASS}:latest"
    assert asked == [(latest, True), (latest, False)]


class Terminal(io.StringIO):
    """Standard error as a terminal."""

    def isatty(self) -> bool:
        """A terminal."""
        return True


def test_update_on_a_colour_terminal_says_what_it_delivers(
    running_example: Up, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The status line names the image; with --events no build display is drawn on stderr."""
    up = running_example
    deliveries(up.fake, {"Ada": {}})
    monkeypatch.setenv("FORCE_COLOR", "1")
    err = Terminal()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = cli_main.main(["update", str(EXAMPLE), "--events"], engine=up.fake)
    assert code == 0
    shown = err.getvalue()
    assert f"Delivering the lessons of wiw/{EXAMPLE_CLASS}:latest to every learner" in shown
    assert "building wiw/" not in shown


def test_a_public_url_with_an_ipv6_address_is_printed_whole(up: Up) -> None:
    """'https://[fd00::10]/': the join URL and the short address keep their host."""
    ran = up.run("up", IMAGE, "--detach", "--public-url", "https://[fd00::10]/")
    assert ran.code == 0, ran.err
    room = Classroom.attach("intro", engine=up.fake)
    assert room.join_url.startswith("https://[fd00::10]/")
    assert room.short_url is not None
    assert f"Workshop URL: {room.join_url}" in ran.out.splitlines()
    assert f"Or type: {room.short_url}" in ran.out.splitlines()
