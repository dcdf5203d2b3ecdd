"""The classroom's commands: up, down, status, destroy, url, update and collect."""

from __future__ import annotations

import argparse
import dataclasses
import getpass
import os
import threading
from pathlib import Path

from rich.markup import escape
from rich.table import Table

from wiw import classroom, planning
from wiw.build.image import Image
from wiw.classroom.lifecycle import Classroom, ClassroomOptions
from wiw.classroom.listing import class_name
from wiw.classroom.seats import Seats
from wiw.classroom.state import TLSFiles
from wiw.cli.args import (
    count,
    host_name,
    http_url,
    lessons_report,
    memory,
    new_folder,
    or_empty,
    port,
    readable_file,
    refuse,
    seconds,
)
from wiw.cli.output import Output
from wiw.cli.shared import (
    BUILD_TAG,
    FOLDER,
    LEARNER_LIMITS,
    QR,
    WORKSHOP,
    image_arguments,
    interrupt_on_termination,
    target,
    workshop,
    workshop_source,
)
from wiw.cli.table import Argument, Command
from wiw.contract import clean_name
from wiw.deploy.export import read_secret_file
from wiw.errors import UsageError
from wiw.lessons.internet import internet_warning, last_report
from wiw.planning import LearnerLimits, format_bytes, plan_classroom

__all__ = ["CLASS_COMMANDS", "JSON_OUT", "PASSWORD_ENV", "STATUS_SCHEMA"]

PASSWORD_ENV = "WIW_CLASS_PASSWORD"  # noqa: S105 - the variable's name
DELIVERED = ("learner", "new", "updated", "kept (changed)", "placed beside", "deleted")


def _plan(image: Image, args: argparse.Namespace, output: Output) -> LearnerLimits:
    """Check the class fits this machine; return the limits to give each learner."""
    memory_total, cpus = image.engine.host_resources()
    peak = args.report.lesson_peak if args.report else None  # read and checked by the parser
    plan = plan_classroom(
        learners=args.learners or args.max_learners or 30,
        host_memory=memory_total,
        host_cpus=cpus,
        lesson_peak=peak,
        cpus=args.cpus,
        arrival_window=args.arrival_window,
        seats=args.seats,
        cpu_speed=planning.cpu_speed(),  # of the machine wiw runs on: the engine's, usually
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
        try:
            return getpass.getpass("Class password: ")
        except EOFError:  # Ctrl-D, or no terminal to ask on
            raise UsageError(
                "No class password was typed (--ask-password).",
                hint=f"Type it at the prompt, or give it in a file (--password-file FILE) or in "
                f"{PASSWORD_ENV}.",
            ) from None
    if args.password is not None:
        output.err.print(
            "[yellow]warning:[/] --password is visible to every user of this machine in the "
            f"process list; prefer --password-file, {PASSWORD_ENV} or --ask-password."
        )
        return str(args.password)
    return os.environ.get(PASSWORD_ENV) or None


def _roster(args: argparse.Namespace) -> tuple[str, ...]:
    """The class list from --roster: one name per line; blank lines and # comments skipped."""
    if not args.roster:
        return ()
    text = read_secret_file(args.roster, "--roster", "Give a text file with one name per line.")
    names = (clean_name(line) for line in text.splitlines())
    return tuple(name for name in names if name and not name.startswith("#"))


def _tls(args: argparse.Namespace) -> TLSFiles | bool | None:
    """The certificate to serve HTTPS with, False to stop, None to keep what was used.

    Raises:
        wiw.errors.InvalidOption: A file holds no PEM of its kind.
    """
    if args.no_tls:
        return False
    return TLSFiles(Path(args.tls_cert), Path(args.tls_key)) if args.tls_cert else None


def _tls_pair(args: argparse.Namespace) -> None:
    """Refuse --tls-cert without --tls-key (or the other way), and either with --no-tls."""
    if args.no_tls and (args.tls_cert or args.tls_key):
        given = "--tls-cert" if args.tls_cert else "--tls-key"
        refuse(
            f"--no-tls and {given} exclude each other",
            "Give --no-tls to serve plain HTTP again, or --tls-cert and --tls-key for HTTPS.",
        )
    if bool(args.tls_cert) != bool(args.tls_key):
        given, missing = (
            ("--tls-cert", "--tls-key") if args.tls_cert else ("--tls-key", "--tls-cert")
        )
        refuse(
            f"{given} needs {missing}: the two go together",
            "Give the certificate (with its chain) and its private key, both PEM files.",
        )


def _seats_fit(args: argparse.Namespace) -> None:
    """Refuse --seats beyond --max-learners."""
    if args.max_learners and args.seats > args.max_learners:
        refuse(
            f"--seats {args.seats} is more than --max-learners {args.max_learners}",
            "Seats are learners' servers started ahead: keep --seats within --max-learners.",
        )


def cmd_up(args: argparse.Namespace, output: Output) -> int:
    """Start the classroom hub: one join URL, a server per learner."""
    tls = _tls(args)  # the files' contents checked before anything starts
    image, found = target(args, output.engine)
    args.source = workshop_source(found, args.workshop)
    password = _class_password(args, output)
    options = ClassroomOptions(
        max_learners=args.max_learners,
        cull_after=args.cull_after,
        auth="shared-password" if password is not None else "temporary",
        password=password,
        backend="swarm" if args.swarm else "docker",
        seats=args.seats,
        short_url=not args.no_short_url,
        roster=_roster(args),
    )
    options = dataclasses.replace(options, limits=_plan(image, args, output))
    if warning := _internet_warning(image, args):
        output.err.print(f"[bold yellow]warning:[/] {escape(warning)}")
    with interrupt_on_termination():
        return _serve_classroom(image, options, tls, args, output)


def _internet_warning(image: Image, args: argparse.Namespace) -> str:
    """What the lesson report (--report, else the image's last) says of the internet."""
    if args.report is not None:
        return internet_warning(args.report.internet)
    info = image.engine.image_info(image.ref)
    last = last_report(info.id) if info else None
    if last is None:
        return ""
    return internet_warning((lesson, use.cell, use.hosts) for lesson, use in last.needs_internet)


def _serve_classroom(
    image: Image,
    options: ClassroomOptions,
    tls: TLSFiles | bool | None,
    args: argparse.Namespace,
    output: Output,
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
        tls=tls,
        source=args.source,
        engine=output.engine,
    )
    try:
        for notice in room.notices:
            output.err.print(f"[bold yellow]{escape(notice)}[/]")
        _say_where_to_join(room, options, args, output)
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


def _say_where_to_join(
    room: Classroom, options: ClassroomOptions, args: argparse.Namespace, output: Output
) -> None:
    """Once the hub answers: the join URL, the short address, the instructor's URL, the seats.

    On a Swarm the seats spread over the nodes, each node pulling the image:
    they are waited for before the URL goes out, so that nobody waits for a pull.
    """
    url = room.wait_until_ready(timeout=args.timeout)
    seats_first = bool(options.seats) and options.backend == "swarm"
    if seats_first:
        _wait_for_seats(room, output)
    output.announce(url, args.qr, again=f"wiw url {room.names.workshop} --qr FILE")
    _say_short_url(room, output)
    output.err.print(
        f"Instructor URL (for you only, not in the QR code): {room.instructor_url}",
        markup=False,
    )
    if options.seats and not seats_first:
        _wait_for_seats(room, output)


def _say_short_url(room: Classroom, output: Output) -> None:
    """The short address, for laptops that cannot scan the code."""
    if room.short_url:
        output.out.print(f"[bold]Or type:[/] {escape(room.short_url)}", highlight=False)


def _wait_for_seats(room: Classroom, output: Output) -> None:
    """Say how the seats come along, and when they are ready."""

    def progress(seats: Seats) -> None:
        output.err.print(f"seats: {seats.ready} ready, {seats.starting} starting", markup=False)

    seats = room.wait_for_seats(progress=progress if output.events is None else None)
    if seats is not None:
        output.emit("seats", **seats.to_dict())
        output.err.print(f"Seats ready: {seats.ready} (learners who join now start at once).")


def cmd_url(args: argparse.Namespace, output: Output) -> int:
    """Show a running classroom's join URL and QR code again."""
    room = Classroom.attach(class_name(args.workshop), engine=output.engine)
    if args.instructor:
        output.out.print(room.instructor_url, markup=False)
        return 0
    output.announce(room.join_url, args.qr)
    _say_short_url(room, output)
    return 0


def _no_instructor_qr(args: argparse.Namespace) -> None:
    """Refuse --qr with --instructor: the instructor's URL is never drawn as a code."""
    if args.instructor and args.qr:
        refuse(
            "--qr and --instructor exclude each other: the instructor's URL is never put in "
            "a QR code",
            "Leave out --qr to print the instructor's URL, or --instructor for the join URL's "
            "code.",
        )


def cmd_update(args: argparse.Namespace, output: Output) -> int:
    """Rebuild a workshop and ship its lessons to the running class, losing no edit."""
    found = workshop(args)
    room = Classroom.attach(found.name, engine=output.engine)
    image = Image.build(
        found,
        tag=args.tag,
        on_progress=output.build_progress,
        show_progress=output.show_progress,
        engine=output.engine,
    )
    output.emit("updating", workshop=found.name, image=image.ref)
    with output.err.status(f"Delivering the lessons of {image.ref} to every learner"):
        delivered = room.update(image, restore_deleted=args.restore_deleted)
    table = Table(title=f"Lessons delivered to {found.name}")
    for column in DELIVERED:
        table.add_column(column)
    for d in delivered:
        lessons = (d.new, d.updated, d.kept, d.beside, d.deleted)
        table.add_row(escape(d.learner), *(escape(", ".join(names)) for names in lessons))
    output.out.print(table)
    failed = [d for d in delivered if d.errors]
    for d in failed:
        output.err.print(f"[red]{escape(d.learner)}[/]: " + escape("; ".join(d.errors)))
    output.emit("updated", workshop=found.name, learners=[d.summary() for d in delivered])
    output.out.print(
        f"Servers started from now on run {image.ref}; running ones keep their kernels."
    )
    return 1 if failed else 0


def cmd_down(args: argparse.Namespace, output: Output) -> int:
    """Stop a classroom; every learner's files stay on their volumes."""
    name = class_name(args.workshop)
    classroom.down(name, engine=output.engine)
    output.emit("stopped", workshop=name)
    output.out.print("stopped; learners' files are kept (see 'wiw collect' and 'wiw destroy')")
    return 0


STATUS_SCHEMA = (
    1  # the version of 'wiw status --json' and 'wiw list --json'; fields only get added
)


def cmd_status(args: argparse.Namespace, output: Output) -> int:
    """Show who has joined a running classroom and whose server runs."""
    room = Classroom.attach(class_name(args.workshop), engine=output.engine)
    learners = room.learners()
    seats = room.seats()
    if args.json:
        data = {
            "schema": STATUS_SCHEMA,
            "class": room.names.workshop,
            "join_url": room.join_url,
            "short_url": room.short_url,
            "learners": [dataclasses.asdict(learner) for learner in learners],
            "seats": seats.to_dict() if seats else None,
        }
        output.out.print_json(data=data)
        return 0
    table = Table(title=f"Classroom {room.names.workshop}")
    on_nodes = any(learner.node for learner in learners)  # a Swarm: say where homes are
    for column in ("learner", "server", "last seen", "memory", *(("node",) if on_nodes else ())):
        table.add_column(column)
    for learner in learners:
        state = "running" if learner.running else (learner.pending or "stopped")
        used = format_bytes(learner.memory) if learner.memory is not None else ""
        node = (learner.node or "",) if on_nodes else ()
        table.add_row(learner.name, state, learner.last_activity or "", used, *node)
    output.out.print(table)
    if seats:
        output.out.print(f"seats: {seats.ready} ready, {seats.taken} taken of {seats.total}")
    return 0


def cmd_collect(args: argparse.Namespace, output: Output) -> int:
    """Copy every learner's files into a folder."""
    folders = classroom.collect_work(class_name(args.workshop), args.dest, engine=output.engine)
    output.out.print(
        f"collected the work of {len(folders)} learner(s) into {args.dest}", markup=False
    )
    return 0


def cmd_destroy(args: argparse.Namespace, output: Output) -> int:
    """Stop a classroom and delete every learner's files (needs --yes)."""
    name = class_name(args.workshop)
    if not args.yes:
        raise UsageError(
            f"Refusing to delete the files of every learner of {name} without --yes.",
            hint=f"Collect their work first ('wiw collect {name} DEST'), then run "
            f"'wiw destroy {name} --yes'.",
        )
    removed = classroom.destroy(name, confirm=True, engine=output.engine)
    output.out.print(f"removed {len(removed)} volume(s)")
    return 0


# Machine-readable output, for scripts and other teaching tools.
JSON_OUT = Argument(
    "--json", "print JSON instead of a table (a 'schema' field versions it)", action="store_true"
)

_UP_SERVING = (
    *image_arguments(timeout=180.0),
    Argument(
        "--port", "host port (default: the last one, or a free one)", type=port, metavar="PORT"
    ),
    Argument(
        "--public",
        "listen on the network, not only here (default: as last time; --no-public for "
        "loopback only)",
        action=argparse.BooleanOptionalAction,
    ),
    Argument(
        "--host",
        "the DNS name or address the join URL and QR code use, without http:// (default: this "
        "machine's address on the network; '' forgets the one remembered)",
        type=or_empty(host_name),
        metavar="HOST",
    ),
    Argument(
        "--public-url",
        "the URL a reverse proxy in front serves the class at, e.g. https://workshop.example.org/ "
        "('' forgets the one remembered)",
        type=or_empty(http_url),
        metavar="URL",
    ),
    Argument(
        "--tls-cert",
        "serve HTTPS with this certificate (a PEM file, with its chain)",
        check=readable_file,
        metavar="FILE",
    ),
    Argument(
        "--tls-key", "... and this private key (a PEM file)", check=readable_file, metavar="FILE"
    ),
    Argument("--no-tls", "serve plain HTTP again", action="store_true"),
    Argument(
        "--no-short-url",
        "no short address to type (k7mq-4xr-2h9) beside the join URL and its QR code",
        action="store_true",
    ),
)
_UP_SIZING = (
    Argument(
        "--max-learners",
        "servers running at once (0: no cap)",
        type=count(0, 10_000),
        default=30,
        metavar="N",
    ),
    Argument(
        "--learners",
        "expected class size, to check it fits",
        type=count(1, 10_000),
        metavar="N",
    ),
    Argument(
        "--arrival-window",
        "seconds in which the class arrives (to check the CPUs keep up)",
        type=seconds,
        default=60.0,
        metavar="SECONDS",
    ),
    Argument(
        "--memory",
        "memory limit per learner, e.g. 2g (default: from the plan)",
        type=memory,
        metavar="SIZE",
    ),
    Argument(
        "--seats",
        "learners' servers to start before the class arrives, refilled as learners take "
        "them (default: none)",
        type=count(0, 1000),
        default=0,
        metavar="N",
    ),
    *LEARNER_LIMITS,
)
_UP_LOGIN_AND_MORE = (
    Argument(
        "--password-file",
        "a shared class password (first line of FILE) instead of temporary logins; or set "
        f"{PASSWORD_ENV}",
        check=readable_file,
        metavar="FILE",
    ),
    Argument("--ask-password", "ask for the class password on the terminal", action="store_true"),
    Argument(
        "--roster",
        "the class list (one name per line): the join page offers its names and takes only "
        "them, each once",
        check=readable_file,
        metavar="FILE",
    ),
    Argument(
        "--password",
        "the class password itself (visible to other users; prefer --password-file)",
        metavar="PASSWORD",
    ),
    Argument(
        "--report",
        "the lesson report 'wiw test --json FILE' wrote, to size the class by its lessons",
        check=lessons_report,
        metavar="FILE",
    ),
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
        checks=(_tls_pair, _seats_fit),
    ),
    Command(
        "down",
        help="Stop a classroom; every learner's files stay on their volumes.",
        description="Stop a classroom: its hub and learners' servers. Every learner's files are "
        "kept; 'wiw up' brings the class back.",
        handler=cmd_down,
        arguments=(WORKSHOP,),
    ),
    Command(
        "status",
        help="Show who has joined a running classroom and whose server runs.",
        description="Show who has joined a running classroom and whose server runs.",
        handler=cmd_status,
        arguments=(WORKSHOP, JSON_OUT),
    ),
    Command(
        "destroy",
        help="Stop a classroom and delete every learner's files (needs --yes).",
        description="Stop a classroom and DELETE EVERY LEARNER'S FILES, with the hub's state "
        "and the join secret. Needs --yes. Collect the work first.",
        handler=cmd_destroy,
        arguments=(
            WORKSHOP,
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
            WORKSHOP,
            QR,
            Argument(
                "--instructor",
                "show the instructor's URL instead (keep it private; never in a QR code)",
                action="store_true",
            ),
        ),
        checks=(_no_instructor_qr,),
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
        arguments=(
            WORKSHOP,
            Argument(
                "dest",
                "the folder to copy every learner's files into (made if missing, in a folder "
                "that exists)",
                check=new_folder,
                metavar="FOLDER",
            ),
        ),
    ),
)
