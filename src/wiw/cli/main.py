"""The wiw command: build, test, serve and share Jupyter workshops."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import getpass
import json
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import FrameType
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from wiw import classroom, errors
from wiw._version import __version__
from wiw.build.context import render_context
from wiw.build.image import Image
from wiw.build.progress import BuildProgress
from wiw.build.targets import resolve_target, resolve_workshop
from wiw.build.workshop import Workshop
from wiw.classroom.lifecycle import Classroom, ClassroomOptions
from wiw.classroom.state import TLSFiles
from wiw.cli import doctor
from wiw.cli.args import (
    CommandParser,
    count,
    decimal,
    email,
    host_name,
    k8s_name,
    memory,
    port,
    seconds,
)
from wiw.deploy.z2jh import (
    EXTERNAL_IP,
    NAMESPACE,
    LetsEncrypt,
    PreviousValues,
    RegistryLogin,
    changed_settings,
    check_secret,
    helm_command,
    instructor_url,
    join_url,
    read_previous,
    write_z2jh_values,
    z2jh_values,
)
from wiw.engine import default_engine
from wiw.engine import labels as _labels
from wiw.events import EventName, EventStream
from wiw.lab import Lab
from wiw.lab.smoke import check_lab
from wiw.lessons.report import LessonReport
from wiw.lessons.runner import test_lessons
from wiw.planning import GIB, LearnerLimits, format_bytes, plan_classroom
from wiw.qr import qr_terminal, save_qr

__all__ = ["main"]

# soft_wrap: URLs, paths and QR drawings broken across lines would be useless.
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
# With --events, JSON lines go to stdout and everything for people to stderr.
events: EventStream | None = None


class UsageError(errors.WiwError):
    """A command-line mistake found after parsing (e.g. a missing confirmation)."""


def emit(event: EventName, **fields: Any) -> None:
    """Send an event to the machine-readable stream, if one was asked for."""
    if events is not None:
        events.emit(event, **fields)


def _target(args: argparse.Namespace) -> tuple[Image, Workshop | None]:
    """The image a command runs: a workshop folder's or repository's, or one named."""
    return resolve_target(
        args.target, tag=args.tag, ref=getattr(args, "ref", None),
        allow_home=getattr(args, "allow_home", False),
    )  # fmt: skip


def _workshop(args: argparse.Namespace) -> Workshop:
    """The workshop a command works on: a folder, or a git repository at --ref."""
    return resolve_workshop(args.folder, ref=args.ref, allow_home=args.allow_home)


LARGE_CONTEXT = 40 * 2**20  # above this, a build context deserves a word
SHOW_EXCLUDED = 12


def _describe_context(workshop: Workshop) -> None:
    """Say how big the build context is, and what was left out of it."""
    size = workshop.size
    err.print(f"Build context: {len(list(workshop.content_files()))} files, {format_bytes(size)}.")
    shown = workshop.excluded[:SHOW_EXCLUDED]
    if shown:
        left = ", ".join(f"{e.path} ({e.reason})" for e in shown)
        rest = len(workshop.excluded) - len(shown)
        more = f" and {rest} more" if rest else ""
        err.print(f"Left out of the image: {left}{more}.", markup=False)
    if size > LARGE_CONTEXT:
        err.print(
            f"[yellow]warning:[/] the lessons take {format_bytes(size)}: every build and every "
            "machine that pulls the image carries them. Leave large data out with a "
            ".wiwignore file and fetch it in a lesson, or keep it on a shared volume."
        )


def cmd_build(args: argparse.Namespace) -> int:
    """Build a workshop's image."""
    workshop = _workshop(args)
    _describe_context(workshop)
    if args.dry_run:
        context = render_context(workshop, base_image=args.base_image)
        out.print(context.dockerfile, markup=False)
        for name in sorted(context.files):
            out.print(f"  {name}", markup=False)
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
    out.print(f"[green]built[/] {image.ref}  size {format_bytes(image.size)}")
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


def _draw_qr(url: str) -> None:
    """Draw the QR code: in explicit black and white on a colour terminal, else as text."""
    if out.is_terminal and out.color_system is not None:
        out.print(Text.from_ansi(qr_terminal(url)), end="")
    else:
        out.print(qr_terminal(url, color=False), markup=False, end="")


def _announce(url: str, qr_path: str | None) -> None:
    emit("ready", url=url)
    _draw_qr(url)
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
    """Run a workshop image for one learner and serve it until Ctrl-C."""
    image, _ = _target(args)
    emit("starting", image=image.ref, mode="lab")
    with (
        _interrupt_on_termination(),
        Lab.run(image, port=args.port, public=args.public, host=args.host) as lab,
    ):
        _announce(lab.wait_for_token(timeout=args.timeout), args.qr)
        err.print("Serving; press Ctrl-C to stop and remove the container.")
        try:
            threading.Event().wait()
        except KeyboardInterrupt:
            err.print("Stopping.")
    emit("stopped", image=image.ref)
    return 0


def cmd_smoke(args: argparse.Namespace) -> int:
    """Run the image, check JupyterLab answers and lists the lessons, then clean up."""
    image, workshop = _target(args)
    expected = (
        sorted({p.relative_to(workshop.path).parts[0] for p in workshop.lessons})
        if workshop
        else []
    )
    with Lab.run(image) as lab:
        result = check_lab(lab.wait_for_token(timeout=args.timeout), expected)
    out.print(f"JupyterLab answered {result.lab_status}; home lists: {', '.join(result.files)}")
    if not result.ok:
        err.print(f"[red]smoke failed[/]: missing lessons {result.missing}")
        return 1
    out.print("[green]smoke passed[/]")
    return 0


def _current_image(workshop: Workshop, args: argparse.Namespace) -> Image:
    """The workshop's image, built first when it is missing or the folder changed since."""
    image = Image(args.tag or Image.default_ref(workshop))
    digest = render_context(workshop, base_image=args.base_image).digest
    info = image.engine.image_info(image.ref)
    if info is not None and info.labels.get(_labels.CONTEXT) == digest:
        return image
    why = "it is not built yet" if info is None else "the folder changed since it was built"
    if args.no_build:
        raise errors.ImageOutdated(
            f"{image.ref} cannot be tested as the folder is: {why}.",
            hint=f"Build it ('wiw build {args.folder or '.'}'), or leave out --no-build.",
        )
    err.print(f"Building {image.ref} first: {why}.")
    return Image.build(
        workshop,
        tag=image.ref,
        base_image=args.base_image,
        on_progress=_build_events,
        show_progress=None if events is None else False,
    )


def _print_lessons(report: LessonReport) -> None:
    """Every failing cell (with its traceback), the errors meant, and changed outputs."""
    for result in report.results:
        for f in result.failures:
            note = f" ({f.note})" if f.note else ""
            out.print(f"[red]{result.lesson}[/], cell {f.cell}: {f.kind}{note}")
            if f.traceback:
                out.print(f.traceback, markup=False, highlight=False)
        if result.stopped:
            out.print(f"{result.lesson}: {result.stopped}", markup=False)
        for e in result.expected:
            out.print(f"{result.lesson}, cell {e.cell}: {e.ename}, expected error, {e.how}",
                      markup=False)  # fmt: skip
        for d in result.drift:
            out.print(f"[yellow]{result.lesson}, cell {d.cell}: the output changed[/]")
            out.print(d.diff, markup=False, highlight=False)


def cmd_test(args: argparse.Namespace) -> int:
    """Run every lesson inside the workshop's image and report."""
    workshop = _workshop(args)
    image = _current_image(workshop, args)
    emit("testing", image=image.ref, lessons=len(workshop.lessons))
    with err.status(f"Running {len(workshop.lessons)} lessons in {image.ref}"):
        report = test_lessons(
            workshop,
            image,
            cell_timeout=args.cell_timeout,
            parallel=args.parallel,
            memory=args.memory,
            strict_errors=args.strict_errors,
            compare_outputs=args.compare_outputs,
        )
    drift = sum(len(r.drift) for r in report.results)
    emit("tested", ok=report.ok, failed=[r.lesson for r in report.failed], drift=drift)
    out.print(report.table())
    _print_lessons(report)
    if args.json:
        Path(args.json).write_text(report.to_json())
    return 0 if report.ok and not drift else 1


def _workshop_name(text: str) -> str:
    """A workshop folder's name, or the name given as is."""
    return Workshop(text).name if Path(text).is_dir() else text


def _plan(image: Image, args: argparse.Namespace) -> LearnerLimits:
    """Check the class fits this machine; return the limits to give each learner."""
    memory_total, cpus = image.engine.host_resources()
    peak = None
    if args.report:
        data = json.loads(Path(args.report).read_text())
        peak = data.get("lesson_peak") or data.get("peak_memory")
    plan = plan_classroom(
        learners=args.learners or args.max_learners or 30,
        host_memory=memory_total,
        host_cpus=cpus,
        lesson_peak=peak,
        cpus=args.cpus,
        arrival_window=args.arrival_window,
    )
    if not args.force:
        plan.require_fit()
    style = "green" if plan.fits and not plan.queues else "bold yellow"
    err.print(f"[{style}]{plan.summary()}[/]")
    return LearnerLimits(memory=args.memory or plan.limits.memory, cpus=args.cpus)


PASSWORD_ENV = "WIW_CLASS_PASSWORD"  # noqa: S105 - the variable's name


def _class_password(args: argparse.Namespace) -> str | None:
    """The class password: from a file, the environment, a prompt, or (warned) the flag."""
    if args.password_file:
        hint = "Give a file that holds the class password on its first line."
        text = _read_secret_file(args.password_file, "--password-file", hint)
        return text.splitlines()[0] if text.strip() else ""
    if args.ask_password:
        return getpass.getpass("Class password: ")
    if args.password is not None:
        err.print(
            "[yellow]warning:[/] --password is visible to every user of this machine in the "
            f"process list; prefer --password-file, {PASSWORD_ENV} or --ask-password."
        )
        return str(args.password)
    return os.environ.get(PASSWORD_ENV) or None


def _tls(args: argparse.Namespace) -> TLSFiles | bool | None:
    """The certificate to serve HTTPS with, False to stop, None to keep what was used."""
    if args.no_tls:
        return False
    if bool(args.tls_cert) != bool(args.tls_key):
        raise UsageError(
            "--tls-cert and --tls-key go together.",
            hint="Give the certificate (with its chain) and its private key, both PEM files.",
        )
    return TLSFiles(Path(args.tls_cert), Path(args.tls_key)) if args.tls_cert else None


def cmd_up(args: argparse.Namespace) -> int:
    """Start the classroom hub: one join URL, a server per learner."""
    image, _ = _target(args)
    password = _class_password(args)
    options = ClassroomOptions(
        max_learners=args.max_learners,
        cull_after=args.cull_after,
        auth="shared-password" if password is not None else "temporary",
        password=password,
        backend="swarm" if args.swarm else "docker",
    )
    options = dataclasses.replace(options, limits=_plan(image, args))
    with _interrupt_on_termination():
        return _serve_classroom(image, options, args)


def _serve_classroom(image: Image, options: ClassroomOptions, args: argparse.Namespace) -> int:
    emit("starting", image=image.ref, mode="classroom")
    room = Classroom.start(
        image,
        options,
        port=args.port,
        public=args.public,
        host=args.host,
        public_url=args.public_url,
        tls=_tls(args),
    )
    try:
        for notice in room.notices:
            err.print(f"[bold yellow]{notice}[/]")
        _announce(room.wait_until_ready(timeout=args.timeout), args.qr)
        err.print(
            f"Instructor URL (for you only, not in the QR code): {room.instructor_url}",
            markup=False,
        )
        if args.detach:
            err.print(f"Running. Stop with 'wiw down {room.names.workshop}' (files are kept).")
            return 0
        err.print("Serving; Ctrl-C stops the hub and learners' servers (their files are kept).")
        threading.Event().wait()
    except KeyboardInterrupt:
        err.print("Stopping.")
    except BaseException:
        room.stop()
        raise
    room.stop()
    emit("stopped", workshop=room.names.workshop)
    return 0


def cmd_url(args: argparse.Namespace) -> int:
    """Show a running classroom's join URL and QR code again."""
    room = Classroom.attach(_workshop_name(args.workshop), engine=default_engine())
    if args.instructor:
        out.print(room.instructor_url, markup=False)
        return 0
    _announce(room.join_url, args.qr)
    return 0


def cmd_update(args: argparse.Namespace) -> int:
    """Rebuild a workshop and ship its lessons to the running class, losing no edit."""
    workshop = _workshop(args)
    room = Classroom.attach(workshop.name, engine=default_engine())
    image = Image.build(
        workshop,
        tag=args.tag,
        on_progress=_build_events,
        show_progress=None if events is None else False,
    )
    emit("updating", workshop=workshop.name, image=image.ref)
    with err.status(f"Delivering the lessons of {image.ref} to every learner"):
        delivered = room.update(image, restore_deleted=args.restore_deleted)
    table = Table(title=f"Lessons delivered to {workshop.name}")
    for column in ("learner", "new", "updated", "kept (changed)", "placed beside", "deleted"):
        table.add_column(column)
    for d in delivered:
        table.add_row(d.learner, *(", ".join(x) for x in (d.new, d.updated, d.kept, d.beside,
                                                             d.deleted)))  # fmt: skip
    out.print(table)
    failed = [d for d in delivered if d.errors]
    for d in failed:
        err.print(f"[red]{d.learner}[/]: " + "; ".join(d.errors), markup=True)
    emit("updated", workshop=workshop.name, learners=[d.summary() for d in delivered])
    out.print(f"Servers started from now on run {image.ref}; running ones keep their kernels.")
    return 1 if failed else 0


def cmd_down(args: argparse.Namespace) -> int:
    """Stop a classroom; every learner's files stay on their volumes."""
    workshop = _workshop_name(args.workshop)
    classroom.down(workshop, engine=default_engine())
    emit("stopped", workshop=workshop)
    out.print("stopped; learners' files are kept (see 'wiw collect' and 'wiw destroy')")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """Show who has joined a running classroom and whose server runs."""
    room = Classroom.attach(_workshop_name(args.workshop), engine=default_engine())
    table = Table(title=f"Classroom {room.names.workshop}")
    learners = room.learners()
    on_nodes = any(learner.node for learner in learners)  # a Swarm: say where homes are
    for column in ("learner", "server", "last seen", "memory", *(("node",) if on_nodes else ())):
        table.add_column(column)
    for learner in learners:
        state = "running" if learner.running else (learner.pending or "stopped")
        memory = format_bytes(learner.memory) if learner.memory is not None else ""
        node = (learner.node or "",) if on_nodes else ()
        table.add_row(learner.name, state, learner.last_activity or "", memory, *node)
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
    workshop = _workshop_name(args.workshop)
    if not args.yes:
        raise UsageError(
            f"Refusing to delete the files of every learner of {workshop} without --yes.",
            hint=f"Collect their work first ('wiw collect {workshop} DEST'), then run "
            f"'wiw destroy {workshop} --yes'.",
        )
    removed = classroom.destroy(workshop, confirm=True, engine=default_engine())
    out.print(f"removed {len(removed)} volume(s)")
    return 0


def cmd_push(args: argparse.Namespace) -> int:
    """Push a workshop image to a registry under an explicit version tag."""
    image, _ = _target(args)
    emit("pushing", image=image.ref, to=f"{args.repository}:{args.version}")
    with err.status(f"pushing {image.ref} to {args.repository}:{args.version}") as status:
        pushed = image.push(args.repository, args.version, on_line=status.update)
    digest = pushed.split("@", 1)[1]
    emit("pushed", image=f"{args.repository}:{args.version}", digest=digest)
    out.print(f"pushed {args.repository}:{args.version}@{digest}")
    return 0


def _read_secret_file(path: str, flag: str, hint: str) -> str:
    """The text of a file a secret is given in (never on the command line), or a UsageError."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
        raise UsageError(f"Cannot read {flag} {path}: {reason}.", hint=hint) from exc


def _file_secret(path: str, flag: str) -> str:
    """A secret given in a file: the file's text, line ends off."""
    hint = f"Give {flag} a file that holds the secret alone."
    text = _read_secret_file(path, flag, hint).rstrip("\r\n")
    if not text.strip():
        raise UsageError(f"{flag} {path} is empty.", hint=f"Give {flag} a file that holds it.")
    return text


def _export_join_secret(args: argparse.Namespace, previous: PreviousValues | None) -> str | None:
    """The join secret: the previous file's (--update), one given in a file, or a new one."""
    if args.join_secret_file is None:
        return previous.join_secret if previous else None
    if previous is not None:
        raise UsageError(
            f"--update keeps the join secret of {args.update}; --join-secret-file gives another.",
            hint="Give one of them: --update alone keeps the URL learners already have.",
        )
    secret = _file_secret(args.join_secret_file, "--join-secret-file").strip()
    return check_secret(secret, f"The secret in --join-secret-file {args.join_secret_file}")


def _export_tls(args: argparse.Namespace, previous: PreviousValues | None) -> LetsEncrypt | None:
    """HTTPS for --host with --tls-email; with --update, the previous file's HTTPS."""
    if args.tls_email:
        if not args.host:
            raise UsageError(
                "--tls-email needs --host: Let's Encrypt certifies a DNS name.",
                hint="Point a DNS name at the proxy-public service's address, then give "
                "--host NAME --tls-email EMAIL.",
            )
        return LetsEncrypt(args.host, args.tls_email)
    kept = previous.tls if previous else None
    if kept is not None and args.host and args.host != kept.host:
        return LetsEncrypt(args.host, kept.email)  # the same HTTPS, for the new name
    return kept


def _export_pull(
    args: argparse.Namespace, previous: PreviousValues | None
) -> tuple[str | None, RegistryLogin | None]:
    """How the nodes pull a private image: a named secret, a login, or what --update kept."""
    if bool(args.registry_user) != bool(args.registry_password_file):
        raise UsageError(
            "--registry-user and --registry-password-file go together.",
            hint="Give the registry account and a file holding its password or token, "
            "or name an existing pull secret with --pull-secret.",
        )
    if args.pull_secret and args.registry_user:
        raise UsageError(
            "--pull-secret and --registry-user are two ways to the same pull secret.",
            hint="Name an existing secret with --pull-secret, or let the chart make one from "
            "--registry-user and --registry-password-file; not both.",
        )
    if args.pull_secret:
        return args.pull_secret, None
    if args.registry_user:
        password = _file_secret(args.registry_password_file, "--registry-password-file")
        return None, RegistryLogin(args.registry_user, password)
    return (previous.pull_secret, previous.registry_login) if previous else (None, None)


def cmd_export(args: argparse.Namespace) -> int:
    """Write Zero-to-JupyterHub values that serve a pushed image as a classroom."""
    previous = read_previous(args.update) if args.update else None
    limits = LearnerLimits(memory=args.memory, cpus=args.cpus)
    options = ClassroomOptions(
        max_learners=args.max_learners, cull_after=args.cull_after, limits=limits
    )
    pull_secret, registry_login = _export_pull(args, previous)
    values = z2jh_values(
        args.image,
        options=options,
        join_secret=_export_join_secret(args, previous),
        instructor_key=previous.instructor_key if previous else None,
        tls=_export_tls(args, previous),
        pull_secret=pull_secret,
        registry_login=registry_login,
    )
    target = args.out or args.update or "values.yaml"
    path = write_z2jh_values(values, target, namespace=args.namespace, host=args.host)
    _export_next_steps(values, path, args, previous)
    return 0


def _export_next_steps(
    values: dict[str, Any], path: Path, args: argparse.Namespace, previous: PreviousValues | None
) -> None:
    """Say what was written, what changed, and the commands that deploy it."""
    url = join_url(values, args.host)
    out.print(f"wrote {path} (mode 0600: it holds the join secret and the instructor's key)",
              markup=False)  # fmt: skip
    if previous is not None:
        changed = changed_settings(previous.values, values)
        out.print("changed: " + ", ".join(changed) if changed else "no setting changed; "
                  "the join URL is the same", markup=False)  # fmt: skip
    out.print("Next:", markup=False)
    out.print(f"  {helm_command(path, args.namespace)}", markup=False)
    if EXTERNAL_IP in url:
        out.print(f"  kubectl --namespace {args.namespace} get service proxy-public"
                  f"    # its {EXTERNAL_IP} goes into the URL", markup=False)  # fmt: skip
    out.print(f"  wiw qr {url} --png join.png", markup=False)
    out.print(f"Workshop URL: {url}", markup=False)
    err.print(
        f"Instructor URL (for you only, not in the QR code): {instructor_url(values, args.host)}",
        markup=False,
    )


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
        workshop=args.workshop, ref=args.ref, build=args.build, learners=args.learners,
        report=show,
    )  # fmt: skip
    blockers = [f for f in findings if f.blocker and not f.ok]
    out.print("[red]not ready[/]" if blockers else "[green]ready[/]")
    return 1 if blockers else 0


def cmd_prune(args: argparse.Namespace) -> int:
    """Remove old images wiw built that no tag or container uses."""
    result = Image.prune(keep=args.keep, workshop=args.workshop, dry_run=args.dry_run)
    verb = "would remove" if args.dry_run else "removed"
    for name in result.removed:
        out.print(f"{verb} {name}")
    for name in result.skipped:
        out.print(f"[yellow]skipped[/] {name} (in use)")
    out.print(
        f"{verb} {len(result.removed)} image(s), {format_bytes(result.reclaimed)}; "
        f"kept {len(result.kept)}"
    )
    return 0


def cmd_qr(args: argparse.Namespace) -> int:
    """Print a URL's QR code, and save it as PNG."""
    _announce(args.url, args.png)
    return 0


COMMANDS: dict[str, tuple[Callable[[argparse.Namespace], int], str]] = {
    "build": (cmd_build, "Build a workshop folder into an image: the lessons, their "
              "dependency files (requirements.txt, apt.txt, postBuild, ...) and JupyterHub."),
    "run": (cmd_run, "Serve a workshop to one learner: JupyterLab on this machine, with a "
            "token URL and its QR code, until Ctrl-C. The container (and anything written in "
            "it) is removed when it stops."),
    "smoke": (cmd_smoke, "Start the workshop image, check that JupyterLab answers and lists "
              "the lessons, and remove it again."),
    "test": (cmd_test, "Run every lesson inside the workshop's image, as a learner would, "
             "and report every failing cell. Cells tagged raises-exception, or whose saved "
             "outputs show an error, may raise it. Builds the image first when it is missing "
             "or older than the folder. Exit status 1 if any lesson fails (or, with "
             "--compare-outputs, any output changed)."),
    "up": (cmd_up, "Start the classroom: one join URL and QR code for the whole class; "
           "each learner who opens it gets their own server, and keeps their files."),
    "url": (cmd_url, "Show a running classroom's join URL and draw its QR code again "
            "(e.g. after 'wiw up --detach')."),
    "update": (cmd_update, "Rebuild a workshop (only the lessons layer when only lessons "
               "changed) and ship its lessons to the running class: lessons a learner never "
               "changed are replaced, changed ones are kept with the new version beside them, "
               "deleted ones stay deleted. Servers started from now on use the new image."),
    "down": (cmd_down, "Stop a classroom: its hub and learners' servers. Every learner's "
             "files are kept; 'wiw up' brings the class back."),
    "status": (cmd_status, "Show who has joined a running classroom and whose server runs."),
    "collect": (cmd_collect, "Copy every learner's files into a folder, one folder per "
                "learner. The classroom may be running or stopped."),
    "destroy": (cmd_destroy, "Stop a classroom and DELETE EVERY LEARNER'S FILES, with the "
                "hub's state and the join secret. Needs --yes. Collect the work first."),
    "push": (cmd_push, "Push a workshop image to a registry under an explicit version tag "
             "(not only 'latest'), for Kubernetes or Swarm."),
    "export": (cmd_export, "Write Zero-to-JupyterHub (Helm chart) values that serve a pushed "
               "image as a classroom."),
    "prune": (cmd_prune, "Remove old images wiw built that no tag points at and no container "
              "uses, keeping the newest few per workshop. Never removes volumes, so never "
              "learners' files."),
    "doctor": (cmd_doctor, "Check this machine the night before: engine, disk, ports, the "
               "workshop (and with --build its lessons) and how many learners fit."),
    "qr": (cmd_qr, "Print any URL's QR code, and save it as a PNG."),
}  # fmt: skip


def _add(sub: Any, name: str) -> argparse.ArgumentParser:
    func, description = COMMANDS[name]
    cmd: argparse.ArgumentParser = sub.add_parser(name, help=func.__doc__, description=description)
    cmd.set_defaults(func=func)
    return cmd


def _image_args(cmd: argparse.ArgumentParser, *, timeout: float) -> None:
    _source_args(cmd, "target")
    cmd.add_argument("--tag", help="the workshop's image, if not wiw/FOLDER:latest")
    cmd.add_argument("--timeout", type=seconds, default=timeout,
                     help="seconds to wait for the server")  # fmt: skip


def _parser() -> CommandParser:
    parser = CommandParser(prog="wiw", description=__doc__)
    parser.add_argument("--version", action="version", version=f"wiw {__version__}")
    parser.add_argument(
        "--events", action="store_true", help="write progress as JSON lines on stdout"
    )
    parser.add_argument(
        "--debug", action="store_true", help="on errors, also show the error's type and traceback"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _build_parsers(sub)
    _classroom_parsers(sub)
    _deploy_parsers(sub)
    return parser


def _source_args(cmd: argparse.ArgumentParser, what: str) -> None:
    """The workshop argument: a folder or a git URL, with --ref and --allow-home."""
    cmd.add_argument("folder" if what == "folder" else "target", nargs="?", default=None,
                     help="the workshop folder, or a git repository's URL" +
                     ("" if what == "folder" else ", or an image reference") +
                     " (default: the current folder, if it holds lessons)")  # fmt: skip
    cmd.add_argument("--ref", help="with a git URL: the branch, tag or commit (default: the "
                     "repository's default branch)")  # fmt: skip
    cmd.add_argument("--allow-home", action="store_true",
                     help="accept a folder that looks like a home directory (.ssh, .aws, ...); "
                     "those files are still left out")  # fmt: skip


BASE_HELP = ("image to start from (default: the one with the Python runtime.txt names, "
             "else debian:bookworm-slim)")  # fmt: skip


def _build_parsers(sub: Any) -> None:
    build = _add(sub, "build")
    _source_args(build, "folder")
    build.add_argument("--tag", help="image reference (default: wiw/FOLDER:latest)")
    build.add_argument("--base-image", help=BASE_HELP)
    build.add_argument("--no-cache", action="store_true", help="rebuild every step")
    build.add_argument("--min-free-gib", type=decimal(0, 10_000), default=1.0,
                       help="free disk (GiB) the engine must have to start")  # fmt: skip
    build.add_argument("--dry-run", action="store_true", help="show the build context only")

    run = _add(sub, "run")
    _image_args(run, timeout=120.0)
    run.add_argument("--port", type=port, help="host port (default: a free one)")
    run.add_argument("--public", action="store_true", help="listen on the network, not only here")
    run.add_argument("--host", help="the name or address the URL uses (default: this "
                     "machine's address on the network with --public)")  # fmt: skip
    run.add_argument("--qr", metavar="PNG", help="also save the QR code here")
    _image_args(_add(sub, "smoke"), timeout=120.0)

    test = _add(sub, "test")
    _source_args(test, "folder")
    test.add_argument("--tag", help="the workshop's image, if not wiw/FOLDER:latest")
    test.add_argument("--base-image", help=BASE_HELP)
    test.add_argument("--no-build", action="store_true",
                      help="refuse instead of building when the image is missing or older "
                      "than the folder")  # fmt: skip
    test.add_argument("--strict-errors", action="store_true",
                      help="only cells tagged raises-exception may raise (do not take errors "
                      "shown in saved outputs as meant)")  # fmt: skip
    test.add_argument(
        "--compare-outputs",
        action="store_true",
        help="also report cells whose output differs from the saved one",
    )
    test.add_argument("--cell-timeout", type=count(1, 86400), default=120,
                      help="seconds a cell may run")  # fmt: skip
    test.add_argument("--parallel", type=count(1, 64), default=4, help="lessons run at once")
    test.add_argument("--memory", type=memory, help="memory limit for the run, e.g. 2g")
    test.add_argument("--json", metavar="FILE", help="also write the report as JSON")

    doc = _add(sub, "doctor")
    doc.add_argument("workshop", nargs="?", help="a workshop folder (or git URL) to check too")
    doc.add_argument("--ref", help="with a git URL: the branch, tag or commit")
    doc.add_argument("--build", action="store_true", help="also build it and run its lessons")
    doc.add_argument("--learners", type=count(1, 10_000), default=30, help="expected class size")

    prune = _add(sub, "prune")
    prune.add_argument("--keep", type=count(0, 1000), default=1,
                       help="untagged images to keep per workshop, newest first")  # fmt: skip
    prune.add_argument("--workshop", help="only this workshop's images")
    prune.add_argument("--dry-run", action="store_true", help="only say what would go")

    qr = _add(sub, "qr")
    qr.add_argument("url", help="the URL to encode")
    qr.add_argument("--png", help="save the QR code as this PNG file")


def _classroom_parsers(sub: Any) -> None:
    up = _add(sub, "up")
    _image_args(up, timeout=180.0)
    up.add_argument("--port", type=port, help="host port (default: the last one, or a free one)")
    up.add_argument("--public", action=argparse.BooleanOptionalAction,
                    help="listen on the network, not only here (default: as last time; "
                    "--no-public for loopback only)")  # fmt: skip
    up.add_argument("--host", help="the DNS name or address the join URL and QR code use "
                    "(default: this machine's address on the network)")  # fmt: skip
    up.add_argument("--public-url", metavar="URL", help="the URL a reverse proxy in front "
                    "serves the class at, e.g. https://workshop.example.org/")  # fmt: skip
    up.add_argument("--tls-cert", metavar="PEM", help="serve HTTPS with this certificate")
    up.add_argument("--tls-key", metavar="PEM", help="... and this private key")
    up.add_argument("--no-tls", action="store_true", help="serve plain HTTP again")
    up.add_argument("--max-learners", type=count(0, 10_000), default=30,
                    help="servers running at once (0: no cap)")  # fmt: skip
    up.add_argument(
        "--learners", type=count(1, 10_000), help="expected class size, to check it fits"
    )
    up.add_argument(
        "--arrival-window",
        type=seconds,
        default=60.0,
        help="seconds in which the class arrives (to check the CPUs keep up)",
    )
    up.add_argument(
        "--memory", type=memory, help="memory limit per learner (default: from the plan)"
    )
    up.add_argument("--cpus", type=decimal(0.05, 1024), default=1.0, help="CPU limit per learner")
    up.add_argument("--cull-after", type=count(10, 7 * 24 * 3600), default=3600,
                    help="idle seconds before a learner's server is stopped")  # fmt: skip
    up.add_argument("--password-file", metavar="FILE",
                    help=f"a shared class password (first line of FILE) instead of temporary "
                    f"logins; or set {PASSWORD_ENV}")  # fmt: skip
    up.add_argument("--ask-password", action="store_true",
                    help="ask for the class password on the terminal")  # fmt: skip
    up.add_argument("--password", help="the class password itself (visible to other users; "
                    "prefer --password-file)")  # fmt: skip
    up.add_argument("--report", help="lesson report JSON ('wiw test --json') for sizing")
    up.add_argument("--qr", metavar="PNG", help="also save the QR code here")
    up.add_argument("--detach", action="store_true", help="leave the classroom running")
    up.add_argument("--swarm", action="store_true", help="learners as services of this swarm")
    up.add_argument("--force", action="store_true", help="start even if the class does not fit")
    for name in ("down", "status", "destroy", "url"):
        cmd = _add(sub, name)
        cmd.add_argument("workshop", help="workshop folder or name")
    sub.choices["url"].add_argument("--qr", metavar="PNG", help="also save the QR code here")
    sub.choices["url"].add_argument(
        "--instructor",
        action="store_true",
        help="show the instructor's URL instead (keep it private)",
    )
    update = _add(sub, "update")
    _source_args(update, "folder")
    update.add_argument("--tag", help="image reference (default: wiw/FOLDER:latest)")
    update.add_argument("--restore-deleted", action="store_true",
                        help="bring back lessons learners deleted")  # fmt: skip
    destroy = sub.choices["destroy"]
    destroy.add_argument("--yes", action="store_true", help="yes, delete every learner's files")
    collect = _add(sub, "collect")
    collect.add_argument("workshop", help="workshop folder or name")
    collect.add_argument("dest", help="folder to copy every learner's files into")


def _deploy_parsers(sub: Any) -> None:
    push = _add(sub, "push")
    push.add_argument("target", help="workshop folder or image")
    push.add_argument("repository", help="e.g. registry.example.org/course/intro")
    push.add_argument("version", help="an explicit tag, e.g. 2026-11-25 (not 'latest')")
    push.add_argument("--tag", help="the workshop's image, if not wiw/FOLDER:latest")
    _export_parser(sub)


def _export_parser(sub: Any) -> None:
    export = _add(sub, "export")
    # No abbreviations: a secret typed after "--registry-password" would be read as a file name.
    export.allow_abbrev = False
    export.add_argument("kind", choices=["z2jh"], help="what to export for")
    # rich reads [...] as markup: escaped, the digest's brackets show in the help.
    export.add_argument("image", help=r"the pushed image, repository:tag\[@sha256:...] "
                        "(an explicit version, not 'latest')")  # fmt: skip
    export.add_argument("--out", metavar="FILE", help="file to write "
                        "(default: the --update file, or values.yaml)")  # fmt: skip
    export.add_argument("--update", metavar="FILE", help="the values file the class runs "
                        "with: keep its join URL, instructor's key, HTTPS and pull "
                        "secret")  # fmt: skip
    export.add_argument("--join-secret-file", metavar="FILE",
                        help="keep a join URL: a file holding its secret path")  # fmt: skip
    export.add_argument("--host", type=host_name, help="the DNS name or address learners "
                        "open (default: the proxy's EXTERNAL-IP, found with kubectl)")  # fmt: skip
    export.add_argument("--tls-email", metavar="EMAIL", type=email, help="serve HTTPS for "
                        "--host with a Let's Encrypt certificate; its contact "
                        "address")  # fmt: skip
    export.add_argument("--namespace", type=k8s_name, default=NAMESPACE,
                        help="the Kubernetes namespace the helm commands use")  # fmt: skip
    export.add_argument("--pull-secret", metavar="NAME", type=k8s_name, help="an existing "
                        "docker-registry secret in the namespace to pull the image "
                        "with")  # fmt: skip
    export.add_argument("--registry-user", metavar="USER",
                        help="a registry account the chart makes a pull secret from")  # fmt: skip
    export.add_argument("--registry-password-file", metavar="FILE",
                        help="... and a file holding its password or token")  # fmt: skip
    export.add_argument("--max-learners", type=count(0, 10_000), default=30,
                        help="servers running at once (0: no cap)")  # fmt: skip
    export.add_argument("--memory", type=memory, default="1g", help="memory limit per learner")
    export.add_argument("--cpus", type=decimal(0.05, 1024), default=1.0,
                        help="CPU limit per learner")  # fmt: skip
    export.add_argument("--cull-after", type=count(10, 7 * 24 * 3600), default=3600,
                        help="idle seconds before a learner's server is stopped")  # fmt: skip


def report_error(exc: errors.WiwError, *, debug: bool) -> None:
    """Print an error for people: a sentence, the evidence, and what to do."""
    err.print(f"[bold red]error:[/] {errors.redact(exc.message)}", markup=True)
    for line in exc.evidence():
        err.print(line, markup=False)
    if exc.hint:
        err.print(f"hint: {errors.redact(exc.hint)}", markup=False)
    if debug:
        err.print(f"({type(exc).__module__}.{type(exc).__name__})", markup=False)
        err.print(errors.redact("".join(traceback.format_exception(exc))), markup=False)


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
        report_error(exc, debug=args.debug)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
