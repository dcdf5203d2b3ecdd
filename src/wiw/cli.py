"""The ``wiw`` command: build, run, check and prune workshop images."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from rich.console import Console
from rich.table import Table

from wiw import classroom, doctor, errors
from wiw._context import DEFAULT_BASE_IMAGE, render_context
from wiw._docker import default_engine
from wiw._progress import BuildProgress
from wiw._smoke import check_lab
from wiw._version import __version__
from wiw.events import EventStream
from wiw.export import write_z2jh_values, z2jh_values
from wiw.hub import Hub
from wiw.image import GIB, Image
from wiw.qr import qr_terminal, save_qr
from wiw.workshop import Workshop

__all__ = ["main"]

# soft_wrap: URLs, paths and QR drawings broken across lines would be useless.
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
# With --events, JSON lines go to stdout and everything for people to stderr.
events: EventStream | None = None


def emit(event: str, **fields: Any) -> None:
    """Send an event to the machine-readable stream, if one was asked for."""
    if events is not None:
        events.emit(event, **fields)


def _target(text: str, tag: str | None) -> tuple[Image, Workshop | None]:
    """Resolve a workshop folder (built as ``tag``) or an image reference to an image."""
    if Path(text).is_dir():
        workshop = Workshop(text)
        return Image(tag or Image.default_ref(workshop)), workshop
    return Image(text), None


def cmd_build(args: argparse.Namespace) -> int:
    """Build a workshop's image."""
    workshop = Workshop(args.folder)
    if args.dry_run:
        context = render_context(workshop, base_image=args.base_image)
        out.print(context.dockerfile)
        for name in sorted(context.files):
            out.print(f"  {name}")
        return 0
    image = Image.build(
        workshop,
        tag=args.tag,
        base_image=args.base_image,
        no_cache=args.no_cache,
        min_free=int(args.min_free_gib * GIB),
        on_progress=_build_events,
        show_progress=None if events is None else False,
    )
    emit("built", image=image.ref, bytes=image.size)
    out.print(f"[green]built[/] {image.ref}  size {image.size / 1e6:.0f} MB")
    if record := image.last_build:
        out.print(
            f"in {record.duration:.1f} s ({record.cached_steps}/{record.steps} steps cached)"
        )
    return 0


def _build_events(progress: BuildProgress) -> None:
    if events is not None and progress.line.startswith(("Step ", "#")):
        emit(
            "building", step=progress.step, total=progress.total, description=progress.description
        )


def _announce(url: str, qr_path: str | None) -> None:
    emit("ready", url=url)
    out.print(qr_terminal(url), markup=False)
    out.print(f"[bold]Workshop URL:[/] {url}")
    if qr_path:
        out.print(f"QR code saved to {save_qr(url, qr_path)}")


@contextlib.contextmanager
def _interrupt_on_termination() -> Iterator[None]:
    """Treat SIGTERM and SIGHUP (a closed terminal) like Ctrl-C while serving, so cleanup runs."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def cmd_run(args: argparse.Namespace) -> int:
    """Run a workshop image and serve it until Ctrl-C."""
    image, _ = _target(args.target, args.tag)
    emit("starting", image=image.ref, mode="lab")
    with _interrupt_on_termination(), Hub.run(image, port=args.port, public=args.public) as hub:
        _announce(hub.wait_for_token(timeout=args.timeout), args.qr)
        err.print("Serving; press Ctrl-C to stop and remove the container.")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            err.print("Stopping.")
    emit("stopped", image=image.ref)
    return 0


def cmd_smoke(args: argparse.Namespace) -> int:
    """Run the image, check JupyterLab answers and lists the lessons, then clean up."""
    image, workshop = _target(args.target, args.tag)
    expected = (
        sorted({p.relative_to(workshop.path).parts[0] for p in workshop.lessons})
        if workshop
        else []
    )
    with Hub.run(image) as hub:
        result = check_lab(hub.wait_for_token(timeout=args.timeout), expected)
    out.print(f"JupyterLab answered {result.lab_status}; home lists: {', '.join(result.files)}")
    if not result.ok:
        err.print(f"[red]smoke failed[/]: missing lessons {result.missing}")
        return 1
    out.print("[green]smoke passed[/]")
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    """Run every lesson inside the workshop's image and report."""
    workshop = Workshop(args.folder)
    image = Image(args.tag or Image.default_ref(workshop))
    emit("testing", image=image.ref, lessons=len(workshop.lessons))
    with err.status(f"Running {len(workshop.lessons)} lessons in {image.ref}"):
        report = workshop.test(
            image, cell_timeout=args.cell_timeout, parallel=args.parallel, memory=args.memory
        )
    emit("tested", ok=report.ok, failed=[r.lesson for r in report.failed])
    out.print(report.table())
    for result in report.failed:
        if result.failure:
            out.print(f"[red]{result.lesson}[/], cell {result.failure.cell}:")
            out.print(result.failure.traceback, markup=False, highlight=False)
    if args.json:
        Path(args.json).write_text(report.to_json())
    return 0 if report.ok else 1


def _workshop_name(text: str) -> str:
    """A workshop folder's name, or the name given as is."""
    return Workshop(text).name if Path(text).is_dir() else text


def _plan(image: Image, args: argparse.Namespace) -> classroom.ClassPlan:
    memory, cpus = image.engine.host_resources()
    peak = json.loads(Path(args.report).read_text()).get("peak_memory") if args.report else None
    plan = classroom.plan_classroom(
        learners=args.learners or args.max_learners or 30,
        host_memory=memory,
        host_cpus=cpus,
        lesson_peak=peak,
        cpus=args.cpus,
    )
    if not plan.fits and not args.force:
        raise errors.ClassTooBig(plan.summary())
    style = "green" if plan.fits else "bold yellow"
    err.print(f"[{style}]{plan.summary()}[/]")
    return plan


def cmd_up(args: argparse.Namespace) -> int:
    """Start the classroom hub: one join URL, a server per learner."""
    image, _ = _target(args.target, args.tag)
    options = classroom.ClassroomOptions(
        max_learners=args.max_learners,
        cull_after=args.cull_after,
        auth="shared-password" if args.password else "temporary",
        password=args.password,
        backend="swarm" if args.swarm else "docker",
    )
    plan = _plan(image, args)
    limits = classroom.LearnerLimits(memory=args.memory or plan.limits.memory, cpus=args.cpus)
    with _interrupt_on_termination():
        return _serve_classroom(image, dataclasses.replace(options, limits=limits), args)


def _serve_classroom(
    image: Image, options: classroom.ClassroomOptions, args: argparse.Namespace
) -> int:
    emit("starting", image=image.ref, mode="classroom")
    hub = Hub.run(image, mode="classroom", classroom=options, port=args.port, public=args.public)
    try:
        _announce(hub.wait_for_token(timeout=args.timeout), args.qr)
        if args.detach:
            err.print(f"Running. Stop with 'wiw down {hub.names.workshop}' (files are kept).")
            return 0
        err.print("Serving; Ctrl-C stops the hub and learners' servers (their files are kept).")
        threading.Event().wait()
    except KeyboardInterrupt:
        err.print("Stopping.")
    except BaseException:
        hub.stop()
        raise
    hub.stop()
    emit("stopped", workshop=hub.names.workshop)
    return 0


def cmd_down(args: argparse.Namespace) -> int:
    """Stop a classroom; every learner's files stay on their volumes."""
    workshop = _workshop_name(args.workshop)
    classroom.down(workshop, engine=default_engine())
    emit("stopped", workshop=workshop)
    out.print("stopped; learners' files are kept (see 'wiw collect' and 'wiw destroy')")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """Show who has joined a running classroom and whose server runs."""
    hub = classroom.attach(_workshop_name(args.workshop), engine=default_engine())
    table = Table(title=f"Classroom {hub.names.workshop}")
    for column in ("learner", "server", "last seen"):
        table.add_column(column)
    for learner in hub.learners():
        state = "running" if learner.running else (learner.pending or "stopped")
        table.add_row(learner.name, state, learner.last_activity or "")
    out.print(table)
    return 0


def cmd_collect(args: argparse.Namespace) -> int:
    """Copy every learner's files into a folder."""
    folders = classroom.collect_work(
        _workshop_name(args.workshop), args.dest, engine=default_engine()
    )
    out.print(f"collected the work of {len(folders)} learner(s) into {args.dest}")
    return 0


def cmd_destroy(args: argparse.Namespace) -> int:
    """Stop a classroom and delete every learner's files (needs --yes)."""
    removed = classroom.destroy(
        _workshop_name(args.workshop), confirm=args.yes, engine=default_engine()
    )
    out.print(f"removed {len(removed)} volume(s)")
    return 0


def cmd_push(args: argparse.Namespace) -> int:
    """Push a workshop image to a registry under an explicit version tag."""
    image, _ = _target(args.target, args.tag)
    emit("pushing", image=image.ref, to=f"{args.repository}:{args.version}")
    with err.status(f"pushing {image.ref} to {args.repository}:{args.version}") as status:
        pushed = image.push(args.repository, args.version, on_line=status.update)
    digest = pushed.split("@", 1)[1]
    emit("pushed", image=f"{args.repository}:{args.version}", digest=digest)
    out.print(f"pushed {args.repository}:{args.version}@{digest}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write Zero-to-JupyterHub values that serve a pushed image as a classroom."""
    limits = classroom.LearnerLimits(memory=args.memory, cpus=args.cpus)
    options = classroom.ClassroomOptions(
        max_learners=args.max_learners, cull_after=args.cull_after, limits=limits
    )
    values = z2jh_values(args.image, options=options)
    path = write_z2jh_values(values, args.out)
    out.print(f"wrote {path}; learners will join at https://YOUR-HOST{values['hub']['baseUrl']}")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    """Check this machine the night before: engine, disk, ports, lessons, capacity."""

    def show(finding: doctor.Finding) -> None:
        mark = (
            "[green]ok[/]"
            if finding.ok
            else ("[red]FAIL[/]" if finding.blocker else "[yellow]warn[/]")
        )
        out.print(f"{mark:>16}  {finding.check:<9} {finding.detail}")
        if not finding.ok and finding.advice:
            out.print(f"{'':>7}  {'':<9} [dim]→ {finding.advice}[/]")

    findings = doctor.run_doctor(
        workshop=args.workshop, build=args.build, learners=args.learners, report=show
    )
    blockers = [f for f in findings if f.blocker and not f.ok]
    out.print("[red]not ready[/]" if blockers else "[green]ready[/]")
    return 1 if blockers else 0


def cmd_prune(args: argparse.Namespace) -> int:
    """Remove old wiw images, keeping the newest per workshop."""
    result = Image.prune(keep=args.keep, workshop=args.workshop, dry_run=args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    for name in result.removed:
        out.print(f"{verb} {name}")
    for name in result.skipped:
        out.print(f"[yellow]skipped[/] {name} (in use)")
    out.print(
        f"{verb} {len(result.removed)} image(s), {result.reclaimed / 1e6:.0f} MB; "
        f"kept {len(result.kept)}"
    )
    return 0


def cmd_qr(args: argparse.Namespace) -> int:
    """Print a URL's QR code, and save it as PNG."""
    _announce(args.url, args.png)
    return 0


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="wiw", description=__doc__)
    parser.add_argument("--version", action="version", version=f"wiw {__version__}")
    parser.add_argument(
        "--events", action="store_true", help="write progress as JSON lines on stdout"
    )
    sub = parser.add_subparsers(dest="command", required=True)

    build = sub.add_parser("build", help=cmd_build.__doc__)
    build.add_argument("folder", nargs="?", default=".", help="the workshop folder")
    build.add_argument("--tag", help="image reference (default: wiw/FOLDER:latest)")
    build.add_argument("--base-image", default=DEFAULT_BASE_IMAGE, help="image to start from")
    build.add_argument("--no-cache", action="store_true", help="rebuild every step")
    build.add_argument("--min-free-gib", type=float, default=1.0, help="free disk needed")
    build.add_argument("--dry-run", action="store_true", help="show the build context only")
    build.set_defaults(func=cmd_build)

    for name, func in (("run", cmd_run), ("smoke", cmd_smoke)):
        cmd = sub.add_parser(name, help=func.__doc__)
        cmd.add_argument("target", nargs="?", default=".", help="workshop folder or image")
        cmd.add_argument(
            "--timeout", type=float, default=120.0, help="seconds to wait for the URL"
        )
        cmd.add_argument("--tag", help="the workshop's image, if not wiw/FOLDER:latest")
        cmd.set_defaults(func=func)
        if name == "run":
            cmd.add_argument("--port", type=int, help="host port (default: a free one)")
            cmd.add_argument("--public", action="store_true", help="listen on all interfaces")
            cmd.add_argument("--qr", metavar="PNG", help="also save the QR code here")

    test = sub.add_parser("test", help=cmd_test.__doc__)
    test.add_argument("folder", nargs="?", default=".", help="the workshop folder")
    test.add_argument("--tag", help="the workshop's image, if not wiw/FOLDER:latest")
    test.add_argument("--cell-timeout", type=int, default=120, help="seconds a cell may run")
    test.add_argument("--parallel", type=int, default=4, help="lessons run at once")
    test.add_argument("--memory", help="memory limit for the run, e.g. 2g")
    test.add_argument("--json", metavar="FILE", help="also write the report as JSON")
    test.set_defaults(func=cmd_test)

    _classroom_parsers(sub)
    doc = sub.add_parser("doctor", help=cmd_doctor.__doc__)
    doc.add_argument("workshop", nargs="?", help="a workshop folder to check too")
    doc.add_argument("--build", action="store_true", help="also build it and run its lessons")
    doc.add_argument("--learners", type=int, default=30, help="expected class size")
    doc.set_defaults(func=cmd_doctor)
    _deploy_parsers(sub)

    prune = sub.add_parser("prune", help=cmd_prune.__doc__)
    prune.add_argument("--keep", type=int, default=1, help="newest images to keep per workshop")
    prune.add_argument("--workshop", help="only this workshop's images")
    prune.add_argument("--dry-run", action="store_true", help="only say what would go")
    prune.set_defaults(func=cmd_prune)

    qr = sub.add_parser("qr", help=cmd_qr.__doc__)
    qr.add_argument("url")
    qr.add_argument("--png", help="save the QR code as this PNG file")
    qr.set_defaults(func=cmd_qr)
    return parser


def _classroom_parsers(sub: Any) -> None:
    up = sub.add_parser("up", help=cmd_up.__doc__)
    up.add_argument("target", nargs="?", default=".", help="workshop folder or image")
    up.add_argument("--tag", help="the workshop's image, if not wiw/FOLDER:latest")
    up.add_argument("--port", type=int, help="host port (default: a free one)")
    up.add_argument("--public", action="store_true", help="listen on the LAN, not only here")
    up.add_argument("--max-learners", type=int, default=30, help="servers running at once")
    up.add_argument("--learners", type=int, help="expected class size, to check it fits")
    up.add_argument("--memory", help="memory limit per learner (default: from the plan)")
    up.add_argument("--cpus", type=float, default=1.0, help="CPU limit per learner")
    up.add_argument("--cull-after", type=int, default=3600, help="idle seconds before culling")
    up.add_argument("--password", help="shared class password instead of temporary logins")
    up.add_argument("--report", help="lesson report JSON ('wiw test --json') for sizing")
    up.add_argument("--qr", metavar="PNG", help="also save the QR code here")
    up.add_argument("--detach", action="store_true", help="leave the classroom running")
    up.add_argument("--swarm", action="store_true", help="learners as services of this swarm")
    up.add_argument("--force", action="store_true", help="start even if the class does not fit")
    up.add_argument("--timeout", type=float, default=180.0, help="seconds to wait for the hub")
    up.set_defaults(func=cmd_up)
    for name, func in (("down", cmd_down), ("status", cmd_status), ("destroy", cmd_destroy)):
        cmd = sub.add_parser(name, help=func.__doc__)
        cmd.add_argument("workshop", help="workshop folder or name")
        cmd.set_defaults(func=func)
        if name == "destroy":
            cmd.add_argument("--yes", action="store_true", help="yes, delete learners' files")
    collect = sub.add_parser("collect", help=cmd_collect.__doc__)
    collect.add_argument("workshop", help="workshop folder or name")
    collect.add_argument("dest", help="folder to copy every learner's files into")
    collect.set_defaults(func=cmd_collect)


def _deploy_parsers(sub: Any) -> None:
    push = sub.add_parser("push", help=cmd_push.__doc__)
    push.add_argument("target", help="workshop folder or image")
    push.add_argument("repository", help="e.g. registry.example.org/course/intro")
    push.add_argument("version", help="an explicit tag, e.g. 2026-11-25 (not 'latest')")
    push.add_argument("--tag", help="the workshop's image, if not wiw/FOLDER:latest")
    push.set_defaults(func=cmd_push)
    export = sub.add_parser("export", help=cmd_export.__doc__)
    export.add_argument("kind", choices=["z2jh"], help="what to export for")
    export.add_argument("image", help="the pushed image, repository:tag[@sha256:...]")
    export.add_argument("--out", default="values.yaml", help="file to write")
    export.add_argument("--max-learners", type=int, default=30)
    export.add_argument("--memory", default="1g", help="memory limit per learner")
    export.add_argument("--cpus", type=float, default=1.0, help="CPU limit per learner")
    export.add_argument("--cull-after", type=int, default=3600, help="idle seconds")
    export.set_defaults(func=cmd_export)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``wiw`` command line; return its exit status."""
    global events, out
    args = _parser().parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    events, out = None, Console(highlight=False, soft_wrap=True)
    if args.events:
        events, out = EventStream(sys.stdout), err
    try:
        return func(args)
    except errors.WiwError as exc:
        if events is not None:
            events.failed(exc)
        err.print(f"[bold red]error:[/] {type(exc).__name__}", markup=True)
        err.print(str(exc), markup=False)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
