"""Each of the doctor's checks, word for word, on the fake engine: no Docker, no real disk."""

from __future__ import annotations

import shutil
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.fakeengine import GIB, FakeEngine
from tests.support.workshops import workshop_folder
from wiw import errors, planning
from wiw._version import __version__
from wiw.build.image import Image
from wiw.build.workshop import Workshop
from wiw.cli import doctor
from wiw.cli.doctor import Finding, run_doctor
from wiw.engine import labels as _labels
from wiw.lessons.report import LessonReport, LessonResult
from wiw.planning import plan_classroom

BASE = "debian:bookworm-slim"
MIB = 2**20
NEED = 2**30 + 600 * MIB  # the disk a build needs, 1.6 GiB
HINT = errors.EngineMissing.hint
MACHINE = "this machine (16.0 GiB, 4 CPUs)"


class PodmanWithBuildx(FakeEngine):
    """The fake, speaking Podman's dialect and building with BuildKit."""

    @property
    def is_podman(self) -> bool:
        """Podman."""
        return True

    @property
    def has_buildx(self) -> bool:
        """BuildKit."""
        return True


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeEngine:
    """A fake engine holding the base image, whose client is on PATH; the plan's machine speed."""
    monkeypatch.setattr(shutil, "which", lambda name: f"/usr/bin/{name}")
    monkeypatch.setattr(planning, "cpu_speed", lambda: 1.0)
    engine = FakeEngine()
    engine.add_image(BASE)
    return engine


def free_ports(count: int) -> list[int]:
    """``count`` ports nothing listens on (the system's own pick, then released)."""
    socks = [socket.socket() for _ in range(count)]
    try:
        for sock in socks:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in socks]
    finally:
        for sock in socks:
            sock.close()


@pytest.fixture
def listening() -> Iterator[list[int]]:
    """Two ports something listens on while the test runs."""
    socks = [socket.socket(), socket.socket()]
    for sock in socks:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
    yield [sock.getsockname()[1] for sock in socks]
    for sock in socks:
        sock.close()


def capacity(learners: int = 30, peak: int | None = None) -> str:
    """The capacity summary the doctor gives for the fake's 16 GiB and 4 CPUs."""
    return plan_classroom(
        learners=learners, host_memory=16 * GIB, host_cpus=4, lesson_peak=peak
    ).summary()


# The engine and its client -------------------------------------------------------------


def test_a_ready_machine_without_a_workshop_gets_five_findings(fake: FakeEngine) -> None:
    """Client, engine, disk, ports and capacity, in that order, each with its words."""
    ports = free_ports(2)
    seen: list[Finding] = []
    findings = run_doctor(ports=ports, engine=fake, report=seen.append)
    assert findings == [
        Finding("client", True, "/usr/bin/fake-engine", HINT),
        Finding("engine", True, "docker answers; images build with the legacy builder"),
        Finding(
            "disk", True, "the engine's disk is not on this machine; not measured", blocker=False
        ),
        Finding("ports", True, f"{ports[0]}, {ports[1]} free", blocker=False),
        Finding("capacity", True, capacity()),
    ]
    assert seen == findings
    assert fake.called("ping") == [""]


def test_podman_with_buildx_is_named_so() -> None:
    """The engine finding says which engine answers and which builder builds."""
    engine = PodmanWithBuildx()
    finding = doctor._engine(engine)
    assert finding == Finding(
        "engine", True, "podman answers; images build with BuildKit (buildx)"
    )


def test_a_missing_client_stops_after_the_engine_finding(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """No client on PATH: its name and the install advice, then 'no client'; nothing more."""
    engine = FakeEngine()
    asked: list[str] = []

    def which(name: str) -> None:
        asked.append(name)

    monkeypatch.setattr(shutil, "which", which)
    seen: list[Finding] = []
    findings = run_doctor(engine=engine, report=seen.append)
    assert findings == [
        Finding("client", False, "fake-engine not on PATH", HINT),
        Finding("engine", False, "no client", HINT),
    ]
    assert seen == findings
    assert asked == ["fake-engine"]
    assert engine.calls == []


def test_an_engine_that_does_not_answer_stops_with_its_message(fake: FakeEngine) -> None:
    """The engine's own message and hint; disk, ports and capacity are not checked."""
    fake.fail("ping", errors.EngineUnavailable("The engine is asleep.", hint="Wake it."))
    findings = run_doctor(workshop="nowhere", engine=fake)
    assert findings[-1] == Finding("engine", False, "The engine is asleep.", "Wake it.")
    assert [f.check for f in findings] == ["client", "engine"]
    assert fake.called("ping") == [""]
    assert not fake.called("host_resources")


# The disk ------------------------------------------------------------------------------


def old_build(fake: FakeEngine, workshop: str) -> str:
    """An untagged image of ``workshop`` as wiw builds them (its tag has moved on)."""
    labels = _labels.labels_for(workshop, "image", __version__)
    image_id = fake.add_image(f"wiw/{workshop}:latest", labels)
    fake.images[image_id].tags.clear()
    return image_id


@pytest.mark.parametrize("free", [NEED, NEED + 1])
def test_enough_disk_is_fine(fake: FakeEngine, monkeypatch: pytest.MonkeyPatch, free: int) -> None:
    """At or above 1 GiB plus an image's 600 MiB, the disk is fine, with the numbers."""
    monkeypatch.setattr(doctor, "free_disk", lambda engine: (free, 1234))
    assert doctor._disk(fake) == Finding(
        "disk", True, "1.6 GiB and 1234 inodes free for images; a build needs ~1.6 GiB"
    )
    assert not fake.called("images_labelled")


def test_too_little_disk_is_a_blocker_naming_what_prune_frees(
    fake: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One byte short: what 'wiw prune' (keeping one) would free, and nothing removed to say so."""
    kept_back = [old_build(fake, "intro") for _ in range(3)]
    measured: list[FakeEngine] = []

    def free_disk(engine: FakeEngine) -> tuple[int, int]:
        measured.append(engine)
        return 800 * MIB, 99

    monkeypatch.setattr(doctor, "free_disk", free_disk)
    finding = doctor._disk(fake)
    assert finding == Finding(
        "disk",
        False,
        "800 MiB and 99 inodes free for images; a build needs ~1.6 GiB",
        "'wiw prune' frees ~1000 MiB; or free space.",
    )
    assert finding.blocker
    assert measured == [fake]
    assert set(kept_back) <= set(fake.images)
    assert not fake.called("image_remove")


def test_one_byte_short_is_too_little(fake: FakeEngine, monkeypatch: pytest.MonkeyPatch) -> None:
    """The need is a floor: one byte under it is not enough; nothing to prune frees 0 KiB."""
    monkeypatch.setattr(doctor, "free_disk", lambda engine: (NEED - 1, 5))
    finding = doctor._disk(fake)
    assert not finding.ok
    assert finding.advice == "'wiw prune' frees ~0 KiB; or free space."


def test_the_disk_finding_comes_from_the_engine_doctor_was_given(
    fake: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """run_doctor measures the disk of its own engine."""
    measured: list[object] = []

    def free_disk(engine: object) -> tuple[int, int]:
        measured.append(engine)
        return 5 * GIB, 10

    monkeypatch.setattr(doctor, "free_disk", free_disk)
    findings = run_doctor(ports=(), engine=fake)
    assert measured == [fake]
    assert findings[2] == Finding(
        "disk", True, "5.0 GiB and 10 inodes free for images; a build needs ~1.6 GiB"
    )


# The ports -----------------------------------------------------------------------------


def test_free_ports_are_named_free() -> None:
    """Ports nothing holds are listed, comma-separated; a warning at most, never a blocker."""
    ports = free_ports(3)
    assert doctor._ports(ports) == Finding(
        "ports", True, ", ".join(map(str, ports)) + " free", blocker=False
    )


def test_taken_ports_are_each_named_with_advice(listening: list[int]) -> None:
    """Only the taken ones are listed, in the order given, with what to do."""
    free = free_ports(1)
    finding = doctor._ports([listening[0], *free, listening[1]])
    assert finding == Finding(
        "ports",
        False,
        f"{listening[0]}, {listening[1]} in use",
        "Leave --port out (wiw then picks a free one) or stop what listens there.",
        blocker=False,
    )


def test_the_default_ports_are_8888_and_8000(
    fake: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without --port the doctor checks JupyterLab's and the hub's usual ports."""
    checked: list[list[int]] = []

    def ports(given: list[int]) -> Finding:
        checked.append(list(given))
        return Finding("ports", True, "", blocker=False)

    monkeypatch.setattr(doctor, "_ports", ports)
    run_doctor(engine=fake)
    assert checked == [[8888, 8000]]


# The workshop --------------------------------------------------------------------------


def test_a_workshop_not_built_is_counted(fake: FakeEngine, tmp_path: Path) -> None:
    """Without --build: its name, how many lessons, and that its files are valid."""
    folder = workshop_folder(tmp_path / "intro", {"lesson02.ipynb": "", "requirements.txt": ""})
    (folder / "lesson02.ipynb").write_bytes((folder / "lesson01.ipynb").read_bytes())
    findings = run_doctor(workshop=str(folder), ports=(), engine=fake)
    assert [f.check for f in findings] == ["client", "engine", "disk", "ports", "workshop",
                                           "capacity"]  # fmt: skip
    assert findings[4] == Finding("workshop", True, "intro: 2 lesson(s), dependency files valid")
    assert findings[5] == Finding("capacity", True, capacity())
    assert not fake.called("stream")


def test_a_missing_workshop_is_a_blocker_and_capacity_still_comes(
    fake: FakeEngine, tmp_path: Path
) -> None:
    """The workshop error's message and hint; then the capacity for a typical lesson."""
    findings = run_doctor(workshop=str(tmp_path / "nowhere"), ports=(), engine=fake)
    workshop = findings[4]
    with pytest.raises(errors.WorkshopError) as expected:
        Workshop(tmp_path / "nowhere")
    assert workshop == Finding("workshop", False, expected.value.message, expected.value.hint)
    assert findings[5] == Finding("capacity", True, capacity())
    assert len(findings) == 6


def test_the_ref_reaches_the_workshop(
    fake: FakeEngine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A branch or tag given for a git URL is passed on to fetch it."""
    asked: list[tuple[str, str | None]] = []

    def resolve(text: str, *, ref: str | None = None) -> Workshop:
        asked.append((text, ref))
        return Workshop(workshop_folder(tmp_path / "intro"))

    monkeypatch.setattr(doctor, "resolve_workshop", resolve)
    run_doctor(workshop="https://example.org/intro.git", ref="v2", ports=(), engine=fake)
    assert asked == [("https://example.org/intro.git", "v2")]


def report_of(*results: LessonResult) -> LessonReport:
    """A lesson report with ``results``."""
    return LessonReport(image="wiw/intro:latest", results=list(results))


@pytest.fixture
def lessons_ran(monkeypatch: pytest.MonkeyPatch) -> list[LessonReport]:
    """Make the lesson run answer with the reports put in the list, in order."""
    reports: list[LessonReport] = []

    def run(workshop: Workshop, image: Image) -> LessonReport:
        assert (workshop.name, image.ref, image.exists) == ("intro", "wiw/intro:latest", True)
        return reports.pop(0)

    monkeypatch.setattr(doctor, "test_lessons", run)
    return reports


def test_a_built_workshop_whose_lessons_pass_sizes_the_class_by_their_peak(
    fake: FakeEngine, tmp_path: Path, lessons_ran: list[LessonReport]
) -> None:
    """With --build: the image is built, the lessons pass, the capacity uses their peak."""
    folder = workshop_folder(tmp_path / "intro")
    lessons_ran.append(report_of(LessonResult("a.ipynb", True, 1.0, peak_memory=3 * GIB),
                                 LessonResult("b.ipynb", True, 1.0, peak_memory=GIB)))  # fmt: skip
    findings = run_doctor(workshop=str(folder), build=True, learners=3, ports=(), engine=fake)
    assert findings[4] == Finding("workshop", True, "builds; all 2 lessons pass")
    assert findings[5] == Finding("capacity", True, capacity(3, 3 * GIB))
    assert capacity(3, 3 * GIB) != capacity(3)
    assert fake.called("stream") == ["build"]
    assert fake.image_info("wiw/intro:latest") is not None


def test_failing_lessons_are_named_and_the_peak_is_not_used(
    fake: FakeEngine, tmp_path: Path, lessons_ran: list[LessonReport]
) -> None:
    """Each failing lesson is named, with what to run; capacity falls back to a typical kernel."""
    folder = workshop_folder(tmp_path / "intro")
    lessons_ran.append(report_of(LessonResult("a.ipynb", False, 1.0, peak_memory=3 * GIB),
                                 LessonResult("b.ipynb", True, 1.0),
                                 LessonResult("c.ipynb", False, 1.0)))  # fmt: skip
    findings = run_doctor(workshop=str(folder), build=True, ports=(), engine=fake)
    assert findings[4] == Finding(
        "workshop", False, "lessons fail: a.ipynb, c.ipynb", "Run 'wiw test' for details."
    )
    assert findings[5] == Finding("capacity", True, capacity())


def test_a_build_that_fails_is_a_blocker_with_its_error(
    fake: FakeEngine, tmp_path: Path, lessons_ran: list[LessonReport]
) -> None:
    """A build error's message and hint become the workshop finding; no lesson runs."""
    folder = workshop_folder(
        tmp_path / "intro", {"requirements.txt": "--index-url http://pypi.example.org/s\n"}
    )
    fake.build_fails_after = 3
    findings = run_doctor(workshop=str(folder), build=True, ports=(), engine=fake)
    workshop = findings[4]
    assert workshop.check == "workshop"
    assert workshop.ok is False
    assert workshop.detail.startswith("Building wiw/intro:latest failed at step 2/3")
    assert workshop.advice == errors.BuildFailed.hint
    assert [f.check for f in findings[5:]] == ["packages", "capacity"]
    assert findings[6] == Finding("capacity", True, capacity())


def test_the_build_shows_no_progress_bar(
    fake: FakeEngine,
    tmp_path: Path,
    lessons_ran: list[LessonReport],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Even on a terminal the doctor builds quietly: its findings are the output."""
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    lessons_ran.append(report_of(LessonResult("a.ipynb", True, 1.0)))
    run_doctor(workshop=str(workshop_folder(tmp_path / "intro")), build=True, ports=(),
               engine=fake)  # fmt: skip
    assert capsys.readouterr().err == ""


def test_dependency_warnings_follow_the_workshop_finding(
    fake: FakeEngine, tmp_path: Path, lessons_ran: list[LessonReport]
) -> None:
    """Each warning: its file, line and problem, with advice; never a blocker, never ok."""
    folder = workshop_folder(
        tmp_path / "intro", {"requirements.txt": "numpy\n--index-url http://pypi.example.org/s\n"}
    )
    (warning,) = Workshop(folder).dependency_warnings
    expected = Finding(
        "packages", False, f"requirements.txt line 2: {warning.problem}", warning.advice, False
    )
    plain = run_doctor(workshop=str(folder), ports=(), engine=fake)
    assert plain[4:6] == [plain[4], expected]
    assert plain[4].ok
    lessons_ran.append(report_of(LessonResult("a.ipynb", True, 1.0)))
    built = run_doctor(workshop=str(folder), build=True, ports=(), engine=fake)
    assert built[4:6] == [Finding("workshop", True, "builds; all 1 lessons pass"), expected]
    lessons_ran.append(report_of(LessonResult("a.ipynb", False, 1.0)))
    failed = run_doctor(workshop=str(folder), build=True, ports=(), engine=fake)
    assert failed[5] == expected


# The capacity --------------------------------------------------------------------------


def test_a_class_too_big_is_a_blocker_with_advice(fake: FakeEngine) -> None:
    """The plan's own summary, and where to read about several machines."""
    finding = run_doctor(learners=500, ports=(), engine=fake)[-1]
    assert finding == Finding(
        "capacity",
        False,
        capacity(500),
        "Use a bigger machine, or several (see docs/deploy.md).",
    )
    assert finding.detail.startswith("500 learners does NOT fit: " + MACHINE)
    assert fake.called("host_resources") == [""]


def test_the_class_size_given_is_planned(fake: FakeEngine) -> None:
    """--learners reaches the plan; 30 without it."""
    assert run_doctor(learners=7, ports=(), engine=fake)[-1].detail.startswith("7 learners fits")
    assert run_doctor(ports=(), engine=fake)[-1].detail.startswith("30 learners fits")


def test_the_plan_is_at_this_machines_speed(
    fake: FakeEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Twice the benchmark machine's speed: half the CPU-seconds a learner, in the finding."""
    monkeypatch.setattr(planning, "cpu_speed", lambda: 2.0)
    finding = run_doctor(ports=(), engine=fake)[-1]
    assert (
        finding.detail
        == plan_classroom(learners=30, host_memory=16 * GIB, host_cpus=4, cpu_speed=2.0).summary()
    )
    assert f"({planning.CPU_PER_LEARNER / 2:g} CPU-seconds each)" in finding.detail
