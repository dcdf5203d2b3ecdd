"""The classroom's commands: up, down, status, destroy, url, update and collect."""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import json
import os
import threading
from pathlib import Path

from rich.table import Table

from wiw import classroom
from wiw.build.image import Image
from wiw.classroom.lifecycle import Classroom, ClassroomOptions
from wiw.classroom.state import TLSFiles
from wiw.cli.args import count, decimal, memory, port, seconds
from wiw.cli.output import Output
from wiw.cli.shared import (
    BUILD_TAG,
    FOLDER,
    QR,
    image_arguments,
    interrupt_on_termination,
    target,
    workshop,
    workshop_name,
)
from wiw.cli.table import Argument, Command
from wiw.deploy.export import UsageError, read_secret_file
from wiw.engine import default_engine
from wiw.planning import LearnerLimits, format_bytes, plan_classroom

__all__ = ["CLASS_COMMANDS", "PASSWORD_ENV"]

PASSWORD_ENV = "WIW_CLASS_PASSWORD"  # noqa: S105 - the variable's name
DELIVERED = ("learner", "new", "updated", "kept (changed)", "placed beside", "deleted")


def _plan(image: Image, args: argparse.Namespace, output: Output) -> LearnerLimits:
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
    output.err.print(f"[{style}]{plan.summary()}[/]")
    # The plan caps the CPU limit at the machine's CPUs: a learner cannot use more.
    return LearnerLimits(memory=args.memory or plan.limits.memory, cpus=plan.limits.cpus)


def _class_password(args: argparse.Namespace, output: Output) -> str | None:
    """The class password: from a file, the environment, a prompt, or (warned) the flag."""
    if args.password_file:
        hint = "Give a file that holds the class password on its first line."
        text = read_secret_file(args.password_file, "--password-file", hint)
        return text.splitlines()[0] if text.strip() else ""
    if args.ask_password:
        return getpass.getpass("Class password: ")
    if args.password is not None:
        output.err.print(
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


def cmd_up(args: argparse.Namespace, output: Output) -> int:
    """Start the classroom hub: one join URL, a server per learner."""
    image, _ = target(args)
    password = _class_password(args, output)
    options = ClassroomOptions(
        max_learners=args.max_learners,
        cull_after=args.cull_after,
        auth="shared-password" if password is not None else "temporary",
        password=password,
        backend="swarm" if args.swarm else "docker",
    )
    options = dataclasses.replace(options, limits=_plan(image, args, output))
    with interrupt_on_termination():
        return _serve_classroom(image, options, args, output)


def _serve_classroom(
    image: Image, options: ClassroomOptions, args: argparse.Namespace, output: Output
) -> int:
    """Start the hub, say where to join, and serve until Ctrl-C (or leave it, --detach)."""
    output.emit("starting", image=image.ref, mode="classroom")
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
            output.err.print(f"[bold yellow]{notice}[/]")
        output.announce(room.wait_until_ready(timeout=args.timeout), args.qr)
        output.err.print(
            f"Instructor URL (for you only, not in the QR code): {room.instructor_url}",
            markup=False,
        )
        if args.detach:
            stop = f"wiw down {room.names.workshop}"
            output.err.print(f"Running. Stop with '{stop}' (files are kept).")
            return 0
        output.err.print(
            "Serving; Ctrl-C stops the hub and learners' servers (their files are kept)."
        )
        threading.Event().wait()
    except KeyboardInterrupt:
        output.err.print("Stopping.")
    except BaseException:
        room.stop()
        raise
    room.stop()
    output.emit("stopped", workshop=room.names.workshop)
    return 0


def cmd_url(args: argparse.Namespace, output: Output) -> int:
    """Show a running classroom's join URL and QR code again."""
    room = Classroom.attach(workshop_name(args.workshop), engine=default_engine())
    if args.instructor:
        output.out.print(room.instructor_url, markup=False)
        return 0
    output.announce(room.join_url, args.qr)
    return 0


def cmd_update(args: argparse.Namespace, output: Output) -> int:
    """Rebuild a workshop and ship its lessons to the running class, losing no edit."""
    found = workshop(args)
    room = Classroom.attach(found.name, engine=default_engine())
    image = Image.build(
        found,
        tag=args.tag,
        on_progress=output.build_progress,
        show_progress=output.show_progress,
    )
    output.emit("updating", workshop=found.name, image=image.ref)
    with output.err.status(f"Delivering the lessons of {image.ref} to every learner"):
        delivered = room.update(image, restore_deleted=args.restore_deleted)
    table = Table(title=f"Lessons delivered to {found.name}")
    for column in DELIVERED:
        table.add_column(column)
    for d in delivered:
        lessons = (d.new, d.updated, d.kept, d.beside, d.deleted)
        table.add_row(d.learner, *(", ".join(names) for names in lessons))
    output.out.print(table)
    failed = [d for d in delivered if d.errors]
    for d in failed:
        output.err.print(f"[red]{d.learner}[/]: " + "; ".join(d.errors), markup=True)
    output.emit("updated", workshop=found.name, learners=[d.summary() for d in delivered])
    output.out.print(
        f"Servers started from now on run {image.ref}; running ones keep their kernels."
    )
    return 1 if failed else 0


def cmd_down(args: argparse.Namespace, output: Output) -> int:
    """Stop a classroom; every learner's files stay on their volumes."""
    name = workshop_name(args.workshop)
    classroom.down(name, engine=default_engine())
    output.emit("stopped", workshop=name)
    output.out.print("stopped; learners' files are kept (see 'wiw collect' and 'wiw destroy')")
    return 0


def cmd_status(args: argparse.Namespace, output: Output) -> int:
    """Show who has joined a running classroom and whose server runs."""
    room = Classroom.attach(workshop_name(args.workshop), engine=default_engine())
    table = Table(title=f"Classroom {room.names.workshop}")
    learners = room.learners()
    on_nodes = any(learner.node for learner in learners)  # a Swarm: say where homes are
    for column in ("learner", "server", "last seen", "memory", *(("node",) if on_nodes else ())):
        table.add_column(column)
    for learner in learners:
        state = "running" if learner.running else (learner.pending or "stopped")
        used = format_bytes(learner.memory) if learner.memory is not None else ""
        node = (learner.node or "",) if on_nodes else ()
        table.add_row(learner.name, state, learner.last_activity or "", used, *node)
    output.out.print(table)
    return 0


def cmd_collect(args: argparse.Namespace, output: Output) -> int:
    """Copy every learner's files into a folder."""
    folders = classroom.collect_work(
        workshop_name(args.workshop), args.dest, engine=default_engine()
    )
    output.out.print(f"collected the work of {len(folders)} learner(s) into {args.dest}")
    return 0


def cmd_destroy(args: argparse.Namespace, output: Output) -> int:
    """Stop a classroom and delete every learner's files (needs --yes)."""
    name = workshop_name(args.workshop)
    if not args.yes:
        raise UsageError(
            f"Refusing to delete the files of every learner of {name} without --yes.",
            hint=f"Collect their work first ('wiw collect {name} DEST'), then run "
            f"'wiw destroy {name} --yes'.",
        )
    removed = classroom.destroy(name, confirm=True, engine=default_engine())
    output.out.print(f"removed {len(removed)} volume(s)")
    return 0


_WORKSHOP = Argument("workshop", "workshop folder or name")

_UP_SERVING = (
    *image_arguments(timeout=180.0),
    Argument("--port", "host port (default: the last one, or a free one)", type=port),
    Argument(
        "--public",
        "listen on the network, not only here (default: as last time; --no-public for "
        "loopback only)",
        action=argparse.BooleanOptionalAction,
    ),
    Argument(
        "--host",
        "the DNS name or address the join URL and QR code use (default: this machine's address "
        "on the network)",
    ),
    Argument(
        "--public-url",
        "the URL a reverse proxy in front serves the class at, e.g. https://workshop.example.org/",
        metavar="URL",
    ),
    Argument("--tls-cert", "serve HTTPS with this certificate", metavar="PEM"),
    Argument("--tls-key", "... and this private key", metavar="PEM"),
    Argument("--no-tls", "serve plain HTTP again", action="store_true"),
)
_UP_SIZING = (
    Argument(
        "--max-learners",
        "servers running at once (0: no cap)",
        type=count(0, 10_000),
        default=30,
    ),
    Argument("--learners", "expected class size, to check it fits", type=count(1, 10_000)),
    Argument(
        "--arrival-window",
        "seconds in which the class arrives (to check the CPUs keep up)",
        type=seconds,
        default=60.0,
    ),
    Argument("--memory", "memory limit per learner (default: from the plan)", type=memory),
    Argument("--cpus", "CPU limit per learner", type=decimal(0.05, 1024), default=1.0),
    Argument(
        "--cull-after",
        "idle seconds before a learner's server is stopped",
        type=count(10, 7 * 24 * 3600),
        default=3600,
    ),
)
_UP_LOGIN_AND_MORE = (
    Argument(
        "--password-file",
        "a shared class password (first line of FILE) instead of temporary logins; or set "
        f"{PASSWORD_ENV}",
        metavar="FILE",
    ),
    Argument("--ask-password", "ask for the class password on the terminal", action="store_true"),
    Argument(
        "--password",
        "the class password itself (visible to other users; prefer --password-file)",
    ),
    Argument("--report", "lesson report JSON ('wiw test --json') for sizing"),
    QR,
    Argument("--detach", "leave the classroom running", action="store_true"),
    Argument("--swarm", "learners as services of this swarm", action="store_true"),
    Argument("--force", "start even if the class does not fit", action="store_true"),
)

CLASS_COMMANDS = (
    Command(
        "up",
        help="Start the classroom hub: one join URL, a server per learner.",
        description="Start the classroom: one join URL and QR code for the whole class; each "
        "learner who opens it gets their own server, and keeps their files.",
        handler=cmd_up,
        arguments=(*_UP_SERVING, *_UP_SIZING, *_UP_LOGIN_AND_MORE),
    ),
    Command(
        "down",
        help="Stop a classroom; every learner's files stay on their volumes.",
        description="Stop a classroom: its hub and learners' servers. Every learner's files are "
        "kept; 'wiw up' brings the class back.",
        handler=cmd_down,
        arguments=(_WORKSHOP,),
    ),
    Command(
        "status",
        help="Show who has joined a running classroom and whose server runs.",
        description="Show who has joined a running classroom and whose server runs.",
        handler=cmd_status,
        arguments=(_WORKSHOP,),
    ),
    Command(
        "destroy",
        help="Stop a classroom and delete every learner's files (needs --yes).",
        description="Stop a classroom and DELETE EVERY LEARNER'S FILES, with the hub's state "
        "and the join secret. Needs --yes. Collect the work first.",
        handler=cmd_destroy,
        arguments=(
            _WORKSHOP,
            Argument("--yes", "yes, delete every learner's files", action="store_true"),
        ),
    ),
    Command(
        "url",
        help="Show a running classroom's join URL and QR code again.",
        description="Show a running classroom's join URL and draw its QR code again (e.g. after "
        "'wiw up --detach').",
        handler=cmd_url,
        arguments=(
            _WORKSHOP,
            QR,
            Argument(
                "--instructor",
                "show the instructor's URL instead (keep it private)",
                action="store_true",
            ),
        ),
    ),
    Command(
        "update",
        help="Rebuild a workshop and ship its lessons to the running class, losing no edit.",
        description="Rebuild a workshop (only the lessons layer when only lessons changed) and "
        "ship its lessons to the running class: lessons a learner never changed are replaced, "
        "changed ones are kept with the new version beside them, deleted ones stay deleted. "
        "Servers started from now on use the new image.",
        handler=cmd_update,
        arguments=(
            *FOLDER,
            BUILD_TAG,
            Argument(
                "--restore-deleted", "bring back lessons learners deleted", action="store_true"
            ),
        ),
    ),
    Command(
        "collect",
        help="Copy every learner's files into a folder.",
        description="Copy every learner's files into a folder, one folder per learner. The "
        "classroom may be running or stopped.",
        handler=cmd_collect,
        arguments=(_WORKSHOP, Argument("dest", "folder to copy every learner's files into")),
    ),
)
