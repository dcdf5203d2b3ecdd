"""The commands on one machine: build, run, smoke, test, doctor, prune and qr."""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

from rich.markup import escape

from wiw import errors
from wiw.build.context import describe_build, render_context
from wiw.build.data import DataFile, fetch_all
from wiw.build.image import Image
from wiw.build.workshop import Workshop
from wiw.cli import doctor
from wiw.cli.args import (
    count,
    decimal,
    host_name,
    memory,
    output_file,
    port,
    qr_text,
    workshop_text,
)
from wiw.cli.output import Output
from wiw.cli.shared import (
    BASE_IMAGE,
    BUILD_TAG,
    FOLDER,
    IMAGE_TAG,
    PYTHON,
    QR,
    image_arguments,
    interrupt_on_termination,
    target,
    workshop,
)
from wiw.cli.table import Argument, Command
from wiw.engine import labels as _labels
from wiw.lab import Lab
from wiw.lab.smoke import check_lab
from wiw.lessons.internet import save_last
from wiw.lessons.report import LessonReport
from wiw.lessons.runner import test_lessons
from wiw.planning import GIB, format_bytes
from wiw.qr import save_qr

__all__ = ["BUILD_COMMANDS"]

LARGE_CONTEXT = 40 * 2**20  # above this, a build context deserves a word
SHOW_EXCLUDED = 12


def _describe_context(workshop: Workshop, output: Output) -> None:
    """Say how big the build context is, and what was left out of it."""
    size = workshop.size
    files = len(list(workshop.content_files()))
    output.err.print(f"Build context: {files} files, {format_bytes(size)}.")
    shown = workshop.excluded[:SHOW_EXCLUDED]
    if shown:
        left = ", ".join(f"{e.path} ({e.reason})" for e in shown)
        rest = len(workshop.excluded) - len(shown)
        more = f" and {rest} more" if rest else ""
        output.err.print(f"Left out of the image: {left}{more}.", markup=False)
    if size > LARGE_CONTEXT:
        output.err.print(
            f"[yellow]warning:[/] the lessons take {format_bytes(size)}: every build and every "
            "machine that pulls the image carries them. Leave large data out with a "
            ".wiwignore file and fetch it in a lesson, or keep it on a shared volume."
        )


def cmd_build(args: argparse.Namespace, output: Output) -> int:
    """Build a workshop's image (with --dry-run, print its build context)."""
    found = workshop(args)
    _describe_context(found, output)
    if args.dry_run:
        context = render_context(found, base_image=args.base_image)
        output.out.print(context.dockerfile, markup=False)
        for name in sorted(context.files):
            output.out.print(f"  {name}", markup=False)
        for line in describe_build(found, context, base_image=args.base_image):
            output.out.print(line, markup=False)
        return 0
    _fetch_data(found, output)
    image = Image.build(
        found,
        tag=args.tag,
        base_image=args.base_image,
        no_cache=args.no_cache,
        min_free=int(args.min_free_gib * GIB),
        on_progress=output.build_progress,
        show_progress=output.show_progress,
        engine=output.engine,
    )
    output.emit("built", image=image.ref, bytes=image.size)
    output.out.print(f"[green]built[/] {image.ref}  size {format_bytes(image.size)}")
    if record := image.last_build:
        output.out.print(
            f"in {record.duration:.1f} s ({record.cached_steps}/{record.steps} steps cached)"
        )
    return 0


def _fetch_data(found: Workshop, output: Output) -> None:
    """Fetch what data.txt lists before the build, saying so for each file not yet cached."""

    def say(entry: DataFile, is_cached: bool) -> None:
        if not is_cached:
            output.err.print(f"Fetching {entry.url} for {entry.name}", markup=False)

    fetch_all(found.environment.data, say=say)


def cmd_run(args: argparse.Namespace, output: Output) -> int:
    """Run a workshop image for one learner and serve it until Ctrl-C."""
    image, _ = target(args, output.engine)
    output.emit("starting", image=image.ref, mode="lab")
    with (
        interrupt_on_termination(),
        Lab.run(image, port=args.port, public=args.public, host=args.host) as lab,
    ):
        output.announce(lab.wait_for_token(timeout=args.timeout), args.qr)
        output.err.print("Serving; press Ctrl-C to stop and remove the container.")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            output.err.print("Stopping.")
    output.emit("stopped", image=image.ref)
    return 0


def cmd_smoke(args: argparse.Namespace, output: Output) -> int:
    """Run the image, check JupyterLab answers and lists the lessons, then clean up."""
    image, found = target(args, output.engine)
    expected = sorted({p.relative_to(found.path).parts[0] for p in found.lessons}) if found else []
    with Lab.run(image) as lab:
        result = check_lab(lab.wait_for_token(timeout=args.timeout), expected)
    output.out.print(
        f"JupyterLab answered {result.lab_status}; home lists: {', '.join(result.files)}",
        markup=False,
    )
    if not result.ok:
        output.err.print(f"[red]smoke failed[/]: missing lessons {escape(str(result.missing))}")
        return 1
    output.out.print("[green]smoke passed[/]")
    return 0


def _current_image(found: Workshop, args: argparse.Namespace, output: Output) -> Image:
    """The workshop's image, built first when it is missing or the folder changed since."""
    image = Image(args.tag or Image.default_ref(found), engine=output.engine)
    digest = render_context(found, base_image=args.base_image).digest
    info = image.engine.image_info(image.ref)
    if info is not None and info.labels.get(_labels.CONTEXT) == digest:
        return image
    why = "it is not built yet" if info is None else "the folder changed since it was built"
    if args.no_build:
        raise errors.ImageOutdated(
            f"{image.ref} cannot be tested as the folder is: {why}.",
            hint=f"Build it ('wiw build {args.workshop or '.'}'), or leave out --no-build.",
        )
    output.err.print(f"Building {image.ref} first: {why}.")
    return Image.build(
        found,
        tag=image.ref,
        base_image=args.base_image,
        on_progress=output.build_progress,
        show_progress=output.show_progress,
        engine=output.engine,
    )


def _print_lessons(report: LessonReport, output: Output) -> None:
    """What the lessons ran with; every failing cell, the errors meant, and changed outputs."""
    out = output.out
    if report.environment():
        out.print(report.environment(), markup=False)
    for result in report.results:
        for f in result.failures:
            note = f" ({f.note})" if f.note else ""
            out.print(f"[red]{escape(result.lesson)}[/], cell {f.cell}: {f.kind}{escape(note)}")
            if f.traceback:
                out.print(f.traceback, markup=False, highlight=False)
        if result.stopped:
            out.print(f"{result.lesson}: {result.stopped}", markup=False)
        if result.note:
            out.print(f"{result.lesson}: {result.note}", markup=False)
        for e in result.expected:
            meant = f"{result.lesson}, cell {e.cell}: {e.ename}, expected error, {e.how}"
            out.print(meant, markup=False)
        for d in result.drift:
            out.print(f"[yellow]{escape(result.lesson)}, cell {d.cell}: the output changed[/]")
            out.print(d.diff, markup=False, highlight=False)
    _print_internet(report, output)


def _print_internet(report: LessonReport, output: Output) -> None:
    """The cells that reached for the network, and whether they failed without it."""
    failed = {(r.lesson, f.cell) for r in report.results for f in r.failures}
    for lesson, use in report.needs_internet:
        hosts = ", ".join(use.hosts)
        where = f"{escape(lesson)}, cell {use.cell}"
        if (lesson, use.cell) in failed and report.offline:
            output.out.print(f"[red]{where}: needs the internet[/] (tried {escape(hosts)})")
        else:
            output.out.print(f"[yellow]{where}: reaches for the internet[/] ({escape(hosts)})")
    if report.needs_internet and not report.offline:
        output.out.print("Check what they do without it: wiw test --offline.")


def _keep_report(report: LessonReport, image: Image, output: Output) -> None:
    """Keep the report as the image's last, for 'wiw up' to read."""
    info = image.engine.image_info(image.ref)
    if info is None:
        return
    try:
        save_last(report, info.id)
    except OSError as exc:  # a read-only cache costs the warning in 'wiw up' only
        output.err.print(f"Could not keep the report for 'wiw up': {exc}", markup=False)


def cmd_test(args: argparse.Namespace, output: Output) -> int:
    """Run every lesson inside the workshop's image and report."""
    found = workshop(args)
    image = _current_image(found, args, output)
    output.emit("testing", image=image.ref, lessons=len(found.lessons))
    with output.err.status(f"Running {len(found.lessons)} lessons in {image.ref}"):
        report = test_lessons(
            found,
            image,
            cell_timeout=args.cell_timeout,
            parallel=args.parallel,
            memory=args.memory,
            strict_errors=args.strict_errors,
            compare_outputs=args.compare_outputs,
            offline=args.offline,
        )
    _keep_report(report, image, output)
    drift = sum(len(r.drift) for r in report.results)
    output.emit("tested", ok=report.ok, failed=[r.lesson for r in report.failed], drift=drift)
    output.out.print(report.table())
    _print_lessons(report, output)
    if args.json:
        Path(args.json).write_text(report.to_json())
    return 0 if report.ok and not drift else 1


def cmd_doctor(args: argparse.Namespace, output: Output) -> int:
    """Check this machine the night before: engine, disk, ports, lessons, capacity."""

    def show(finding: doctor.Finding) -> None:
        mark = (
            "[green]ok[/]"
            if finding.ok
            else ("[red]FAIL[/]" if finding.blocker else "[yellow]warn[/]")
        )
        output.out.print(f"{mark:>16}  {finding.check:<9} {escape(finding.detail)}")
        if not finding.ok and finding.advice:
            output.out.print(f"{'':>7}  {'':<9} [dim]→ {escape(finding.advice)}[/]")

    findings = doctor.run_doctor(
        workshop=args.workshop,
        ref=args.ref,
        build=args.build,
        learners=args.learners,
        engine=output.engine,
        report=show,
    )
    blockers = [f for f in findings if f.blocker and not f.ok]
    output.out.print("[red]not ready[/]" if blockers else "[green]ready[/]")
    return 1 if blockers else 0


def cmd_prune(args: argparse.Namespace, output: Output) -> int:
    """Remove old images wiw built that no tag or container uses."""
    result = Image.prune(
        keep=args.keep, workshop=args.workshop, dry_run=args.dry_run, engine=output.engine
    )
    verb = "would remove" if args.dry_run else "removed"
    for name in result.removed:
        output.out.print(f"{verb} {name}", markup=False)
    for name in result.skipped:
        output.out.print(f"[yellow]skipped[/] {escape(name)} (in use)")
    output.out.print(
        f"{verb} {len(result.removed)} image(s), {format_bytes(result.reclaimed)}; "
        f"kept {len(result.kept)}"
    )
    return 0


def cmd_qr(args: argparse.Namespace, output: Output) -> int:
    """Print a URL's QR code, and save it as PNG."""
    output.announce(args.url, None)
    if args.qr:
        output.out.print(f"QR code saved to {save_qr(args.url, args.qr)}", markup=False)
    return 0


BUILD_COMMANDS = (
    Command(
        "build",
        help="Build a workshop's image.",
        description="Build a workshop folder into an image: the lessons, their dependency files "
        "(requirements.txt, apt.txt, postBuild, ...) and JupyterHub.",
        handler=cmd_build,
        arguments=(
            *FOLDER,
            BUILD_TAG,
            BASE_IMAGE,
            PYTHON,
            Argument("--no-cache", "rebuild every step", action="store_true"),
            Argument(
                "--min-free-gib",
                "free disk (GiB) the engine must have to start",
                type=decimal(0, 10_000),
                default=1.0,
                metavar="GIB",
            ),
            Argument("--dry-run", "show the build context only", action="store_true"),
        ),
    ),
    Command(
        "run",
        help="Run a workshop image for one learner and serve it until Ctrl-C.",
        description="Serve a workshop to one learner: JupyterLab on this machine, with a token "
        "URL and its QR code, until Ctrl-C. The container (and anything written in it) is "
        "removed when it stops.",
        handler=cmd_run,
        arguments=(
            *image_arguments(timeout=120.0),
            Argument("--port", "host port (default: a free one)", type=port, metavar="PORT"),
            Argument("--public", "listen on the network, not only here", action="store_true"),
            Argument(
                "--host",
                "the DNS name or address the URL uses, without http:// (default: this "
                "machine's address on the network with --public)",
                type=host_name,
                metavar="HOST",
            ),
            QR,
        ),
    ),
    Command(
        "smoke",
        help="Run the image, check JupyterLab answers and lists the lessons, then clean up.",
        description="Start the workshop image, check that JupyterLab answers and lists the "
        "lessons, and remove it again.",
        handler=cmd_smoke,
        arguments=image_arguments(timeout=120.0),
    ),
    Command(
        "test",
        help="Run every lesson inside the workshop's image and report.",
        description="Run every lesson inside the workshop's image, as a learner would, and "
        "report every failing cell. Cells tagged raises-exception, or whose saved outputs show "
        "an error, may raise it. Builds the image first when it is missing or older than the "
        "folder. Exit status 1 if any lesson fails (or, with --compare-outputs, any output "
        "changed).",
        handler=cmd_test,
        arguments=(
            *FOLDER,
            IMAGE_TAG,
            BASE_IMAGE,
            PYTHON,
            Argument(
                "--no-build",
                "refuse instead of building when the image is missing or older than the folder",
                action="store_true",
            ),
            Argument(
                "--strict-errors",
                "only cells tagged raises-exception may raise (do not take errors shown in "
                "saved outputs as meant)",
                action="store_true",
            ),
            Argument(
                "--compare-outputs",
                "also report cells whose output differs from the saved one",
                action="store_true",
            ),
            Argument(
                "--offline",
                "run the lessons with no network at all, as in a room without internet, and "
                "name the cells that need it and the hosts they tried",
                action="store_true",
            ),
            Argument(
                "--cell-timeout",
                "seconds a cell may run",
                type=count(1, 86400),
                default=120,
                metavar="SECONDS",
            ),
            Argument(
                "--parallel", "lessons run at once", type=count(1, 64), default=4, metavar="N"
            ),
            Argument("--memory", "memory limit for the run, e.g. 2g", type=memory, metavar="SIZE"),
            Argument(
                "--json",
                "also write the report as JSON (the input of 'wiw up --report')",
                check=output_file,
                metavar="FILE",
            ),
        ),
    ),
    Command(
        "doctor",
        help="Check this machine the night before: engine, disk, ports, lessons, capacity.",
        description="Check this machine the night before: engine, disk, ports, the workshop "
        "(and with --build its lessons) and how many learners fit.",
        handler=cmd_doctor,
        arguments=(
            Argument(
                "workshop",
                "a workshop folder (or git URL) to check too",
                type=workshop_text,
                nargs="?",
                metavar="WORKSHOP",
            ),
            Argument("--ref", "with a git URL: the branch, tag or commit", metavar="REF"),
            Argument("--build", "also build it and run its lessons", action="store_true"),
            Argument(
                "--learners",
                "expected class size",
                type=count(1, 10_000),
                default=30,
                metavar="N",
            ),
        ),
    ),
    Command(
        "prune",
        help="Remove old images wiw built that no tag or container uses.",
        description="Remove old images wiw built that no tag points at and no container uses, "
        "keeping the newest few per workshop. Never removes volumes, so never learners' files.",
        handler=cmd_prune,
        arguments=(
            Argument(
                "--keep",
                "untagged images to keep per workshop, newest first",
                type=count(0, 1000),
                default=1,
                metavar="N",
            ),
            Argument("--workshop", "only this workshop's images", metavar="NAME"),
            Argument("--dry-run", "only say what would go", action="store_true"),
        ),
    ),
    Command(
        "qr",
        help="Print a URL's QR code, and save it as PNG.",
        description="Print any URL's QR code, and save it as a PNG (--qr FILE).",
        handler=cmd_qr,
        arguments=(
            Argument("url", "the URL to encode", type=qr_text, metavar="URL"),
            Argument(
                "--qr",
                "also save the QR code as a PNG file (in a folder that exists)",
                check=output_file,
                metavar="FILE",
                renamed_from=("--png",),
            ),
        ),
    ),
)
