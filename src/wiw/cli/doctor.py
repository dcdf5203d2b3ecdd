"""The night-before check: is this machine ready to run the workshop?"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from wiw import errors, planning
from wiw.build.image import DEFAULT_MIN_FREE, Image, free_disk
from wiw.build.targets import resolve_workshop
from wiw.build.workshop import Workshop
from wiw.engine import default_engine
from wiw.engine.protocol import ContainerEngine
from wiw.lessons.runner import test_lessons
from wiw.planning import format_bytes, plan_classroom

__all__ = ["Finding", "run_doctor"]

IMAGE_ESTIMATE = 600 * 2**20  # what a workshop image typically needs on disk


@dataclass(frozen=True)
class Finding:
    """One thing the doctor checked.

    Attributes:
        check: What was checked.
        ok: Whether it is fine.
        detail: What was found.
        advice: What to do about it, when it is not fine.
        blocker: Whether the workshop cannot run until it is fixed.
    """

    check: str
    ok: bool
    detail: str
    advice: str = ""
    blocker: bool = True


def _engine(engine: ContainerEngine) -> Finding:
    try:
        engine.ping()
    except errors.EngineError as exc:
        return Finding("engine", False, exc.message, exc.hint)
    kind = "podman" if engine.is_podman else "docker"
    builder = "BuildKit (buildx)" if engine.has_buildx else "the legacy builder"
    return Finding("engine", True, f"{kind} answers; images build with {builder}")


def _disk(engine: ContainerEngine) -> Finding:
    found = free_disk(engine)
    if found is None:
        return Finding(
            "disk", True, "the engine's disk is not on this machine; not measured", blocker=False
        )
    free, inodes = found
    need = DEFAULT_MIN_FREE + IMAGE_ESTIMATE
    detail = (
        f"{format_bytes(free)} and {inodes} inodes free for images; "
        f"a build needs ~{format_bytes(need)}"
    )
    if free >= need:
        return Finding("disk", True, detail)
    reclaim = Image.prune(keep=1, dry_run=True, engine=engine).reclaimed
    return Finding(
        "disk", False, detail, f"'wiw prune' frees ~{format_bytes(reclaim)}; or free space."
    )


def _ports(ports: Sequence[int]) -> Finding:
    taken = []
    for port in ports:
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                taken.append(port)
    if not taken:
        return Finding("ports", True, f"{', '.join(map(str, ports))} free", blocker=False)
    return Finding(
        "ports",
        False,
        f"{', '.join(map(str, taken))} in use",
        "Leave --port out (wiw then picks a free one) or stop what listens there.",
        blocker=False,
    )


def _workshop(
    workshop_path: str, ref: str | None, engine: ContainerEngine, build: bool
) -> tuple[list[Finding], int | None]:
    try:
        workshop = resolve_workshop(workshop_path, ref=ref)
    except errors.WorkshopError as exc:
        return [Finding("workshop", False, exc.message, exc.hint)], None
    warnings = _dependency_warnings(workshop)
    if not build:
        detail = f"{workshop.name}: {len(workshop.lessons)} lesson(s), dependency files valid"
        return [Finding("workshop", True, detail), *warnings], None
    try:
        image = Image.build(workshop, engine=engine, show_progress=False)
        report = test_lessons(workshop, image)
    except errors.WiwError as exc:
        return [Finding("workshop", False, exc.message, exc.hint), *warnings], None
    if not report.ok:
        failed = ", ".join(r.lesson for r in report.failed)
        found = Finding(
            "workshop", False, f"lessons fail: {failed}", "Run 'wiw test' for details."
        )
        return [found, *warnings], None
    found = Finding("workshop", True, f"builds; all {len(report.results)} lessons pass")
    return [found, *warnings], report.lesson_peak


def _dependency_warnings(workshop: Workshop) -> list[Finding]:
    """What pip accepts in the dependency files but the instructor should know, as warnings."""
    return [
        Finding("packages", False, f"{w.file} line {w.number}: {w.problem}", w.advice, False)
        for w in workshop.dependency_warnings
    ]


def _capacity(engine: ContainerEngine, learners: int, peak: int | None) -> Finding:
    memory, cpus = engine.host_resources()
    plan = plan_classroom(learners=learners, host_memory=memory, host_cpus=cpus, lesson_peak=peak,
                          cpu_speed=planning.cpu_speed())  # fmt: skip
    advice = "" if plan.fits else "Use a bigger machine, or several (see docs/deploy.md)."
    return Finding("capacity", plan.fits, plan.summary(), advice)


def run_doctor(
    *,
    workshop: str | None = None,
    ref: str | None = None,
    build: bool = False,
    learners: int = 30,
    ports: Sequence[int] = (8888, 8000),
    engine: ContainerEngine | None = None,
    report: Callable[[Finding], None] | None = None,
) -> list[Finding]:
    """Check this machine for a workshop and return what was found.

    Args:
        workshop: A workshop folder or git URL to check (and, with ``build``,
            build and test).
        ref: With a git URL, the branch, tag or commit.
        build: Build the workshop's image and run its lessons.
        learners: The expected class size.
        ports: Host ports the instructor means to use.
        engine: The engine; the default engine if omitted.
        report: Called with each finding as soon as it is known.

    Returns:
        Every finding; those with ``blocker`` and not ``ok`` stop a workshop.
    """
    engine = engine or default_engine()
    findings: list[Finding] = []

    def add(finding: Finding) -> None:
        findings.append(finding)
        if report:
            report(finding)

    client = shutil.which(engine.client_call[0])
    found = client or f"{engine.client_call[0]} not on PATH"
    add(Finding("client", client is not None, found, errors.EngineMissing.hint))
    add(
        _engine(engine)
        if client
        else Finding("engine", False, "no client", errors.EngineMissing.hint)
    )
    if not findings[-1].ok:
        return findings
    add(_disk(engine))
    add(_ports(ports))
    peak = None
    if workshop is not None:
        checked, peak = _workshop(workshop, ref, engine, build)
        for finding in checked:
            add(finding)
    add(_capacity(engine, learners, peak))
    return findings
