"""What several commands share: the WORKSHOP argument, finding its image, serving until stopped.

Every command names the workshop it works on the same way: a positional
``WORKSHOP`` (a folder, a git URL, an image or a classroom's name, as the
command's help says), held in ``args.workshop``.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

from wiw.build.image import Image
from wiw.build.targets import resolve_target, resolve_workshop
from wiw.build.workshop import Workshop
from wiw.cli.args import (
    count,
    decimal,
    image_ref,
    output_file,
    python_version,
    seconds,
    workshop_text,
)
from wiw.cli.table import Argument
from wiw.engine.protocol import ContainerEngine

__all__ = [
    "BASE_IMAGE",
    "BUILD_TAG",
    "FOLDER",
    "IMAGE_TAG",
    "LEARNER_LIMITS",
    "PYTHON",
    "QR",
    "TARGET",
    "WORKSHOP",
    "image_arguments",
    "interrupt_on_termination",
    "target",
    "workshop",
    "workshop_source",
]

_REF = Argument(
    "--ref",
    "with a git URL: the branch, tag or commit (default: the repository's default branch)",
    metavar="REF",
)
_ALLOW_HOME = Argument(
    "--allow-home",
    "accept a folder that looks like a home directory (.ssh, .aws, ...); "
    "those files are still left out",
    action="store_true",
)
_DEFAULT_FOLDER = " (default: the current folder, if it holds lessons)"


#: A workshop folder or a git URL, with --ref and --allow-home.
FOLDER = (
    Argument(
        "workshop",
        "the workshop folder, or a git repository's URL" + _DEFAULT_FOLDER,
        type=workshop_text,
        nargs="?",
        metavar="WORKSHOP",
    ),
    _REF,
    _ALLOW_HOME,
)
#: As FOLDER, or an image reference.
TARGET = (
    Argument(
        "workshop",
        "the workshop folder, or a git repository's URL, or an image reference" + _DEFAULT_FOLDER,
        type=workshop_text,
        nargs="?",
        metavar="WORKSHOP",
    ),
    _REF,
    _ALLOW_HOME,
)
#: A classroom's workshop: its folder or its name.
# A learner's CPU limit and how long their server may idle: 'up' and 'export' alike.
LEARNER_LIMITS = (
    Argument(
        "--cpus",
        "CPU limit per learner",
        type=decimal(0.05, 1024),
        default=1.0,
        metavar="N",
    ),
    Argument(
        "--cull-after",
        "idle seconds before a learner's server is stopped",
        type=count(10, 7 * 24 * 3600),
        default=3600,
        metavar="SECONDS",
    ),
)

WORKSHOP = Argument(
    "workshop", "the workshop's folder or name", type=workshop_text, metavar="WORKSHOP"
)
IMAGE_TAG = Argument(
    "--tag", "the workshop's image, if not wiw/FOLDER:latest", type=image_ref, metavar="IMAGE"
)
BUILD_TAG = Argument(
    "--tag", "image reference (default: wiw/FOLDER:latest)", type=image_ref, metavar="IMAGE"
)
BASE_IMAGE = Argument(
    "--base-image",
    "image to start from (default: the one with the Python runtime.txt names, "
    "else debian:bookworm-slim)",
    type=image_ref,
    metavar="IMAGE",
)
PYTHON = Argument(
    "--python",
    "build with this Python (X.Y) instead of the one runtime.txt names, e.g. one that "
    "reached its end of life",
    type=python_version,
    metavar="X.Y",
)
QR = Argument(
    "--qr",
    "also save the QR code as a PNG file (in a folder that exists)",
    check=output_file,
    metavar="FILE",
)


def image_arguments(*, timeout: float) -> tuple[Argument, ...]:
    """The arguments of a command that starts an image: TARGET, --tag and --timeout."""
    return (
        *TARGET,
        IMAGE_TAG,
        Argument(
            "--timeout",
            "seconds to wait for the server",
            type=seconds,
            default=timeout,
            metavar="SECONDS",
        ),
    )


def target(args: argparse.Namespace, engine: ContainerEngine) -> tuple[Image, Workshop | None]:
    """The image a command runs, on ``engine``: a workshop's, or one named."""
    image, found = resolve_target(
        args.workshop,
        tag=args.tag,
        ref=getattr(args, "ref", None),
        allow_home=getattr(args, "allow_home", False),
    )
    return Image(image.ref, engine=engine), found


def workshop(args: argparse.Namespace) -> Workshop:
    """The workshop a command works on: a folder, or a git repository at --ref."""
    return resolve_workshop(
        args.workshop,
        ref=args.ref,
        allow_home=args.allow_home,
        python=getattr(args, "python", None),
    )


def workshop_source(found: Workshop | None, text: str | None) -> str | None:
    """Where a class comes from: its repository, or its folder's absolute path.

    Args:
        found: The workshop the command read, if it read one.
        text: The ``WORKSHOP`` given (None: the current folder).
    """
    if found is not None and found.source:
        return found.source.rpartition("@")[0] or found.source
    folder = Path(text or ".")
    return str(folder.resolve()) if folder.is_dir() else None


@contextlib.contextmanager
def interrupt_on_termination() -> Iterator[None]:
    """Treat SIGTERM and SIGHUP (a closed terminal) like Ctrl-C while serving, so cleanup runs."""

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = {sig: signal.signal(sig, interrupt) for sig in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
