"""``wiw list`` and ``wiw logs``: which classes there are, and what a hub or server said."""

from __future__ import annotations

import argparse

from rich.table import Table

from wiw import errors
from wiw.classroom.contract import Names
from wiw.classroom.listing import class_logs, class_name, learner_container, list_classes
from wiw.cli.class_commands import JSON_OUT, STATUS_SCHEMA
from wiw.cli.output import Output
from wiw.cli.shared import WORKSHOP, interrupt_on_termination
from wiw.cli.table import Argument, Command
from wiw.waiting import Deadline

__all__ = ["WATCH_COMMANDS"]

FOREVER = 365 * 24 * 3600.0  # --follow reads until Ctrl-C


def cmd_list(args: argparse.Namespace, output: Output) -> int:
    """List the classes on this engine, running and stopped."""
    classes = list_classes(output.engine)
    if args.json:
        data = {"schema": STATUS_SCHEMA, "classes": [c.to_dict() for c in classes]}
        output.out.print_json(data=data)
        return 0
    if not classes:
        output.err.print("No classes on this engine. Start one with 'wiw up WORKSHOP'.")
        return 0
    table = Table(title="Classes")
    for column in ("class", "state", "URL", "learners", "image", "since"):
        table.add_column(column)
    for c in classes:
        state = "running" if c.running else "stopped"
        table.add_row(
            c.name, state, c.join_url or "", str(c.learners), c.image or "", c.since or ""
        )
    output.out.print(table)
    return 0


def cmd_logs(args: argparse.Namespace, output: Output) -> int:
    """Print a class's hub log, or a learner's server's, with secrets redacted."""
    name = class_name(args.workshop)
    output.out.print(class_logs(output.engine, name, learner=args.learner), end="", markup=False)
    if not args.follow:
        return 0
    cid = learner_container(output.engine, name, args.learner) if args.learner else Names(name).hub
    stream = output.engine.follow_logs(cid)
    try:
        with interrupt_on_termination():
            for line in stream.lines(Deadline(FOREVER)):
                output.out.print(errors.redact(line), markup=False, highlight=False)
    except KeyboardInterrupt:
        pass
    finally:
        stream.close()
    return 0


WATCH_COMMANDS = (
    Command(
        "list",
        help="List the classes on this engine, running and stopped.",
        description="List the classes on this engine, running and stopped: each one's join URL, "
        "how many learners have a home in it, its image and since when it runs.",
        handler=cmd_list,
        arguments=(JSON_OUT,),
    ),
    Command(
        "logs",
        help="Show a class's hub log, or a learner's server's, secrets hidden.",
        description="Show what a class's hub (and its proxy) printed, or with --learner what a "
        "learner's server printed; join secrets and tokens are hidden.",
        handler=cmd_logs,
        arguments=(
            WORKSHOP,
            Argument("--learner", "a learner's server instead, by their name", metavar="NAME"),
            Argument("--follow", "keep printing new lines until Ctrl-C", action="store_true"),
        ),
    ),
)
