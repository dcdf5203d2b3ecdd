"""What several commands share: the workshop argument, finding its image, serving until stopped."""

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
from wiw.cli.args import seconds
from wiw.cli.table import Argument

__all__ = [
    "BASE_IMAGE",
    "BUILD_TAG",
    "FOLDER",
    "IMAGE_TAG",
    "QR",
    "TARGET",
    "image_arguments",
    "interrupt_on_termination",
    "target",
    "workshop",
    "workshop_name",
]

_REF = Argument(
    "--ref",
    "with a git URL: the branch, tag or commit (default: the repository's default branch)",
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
        "folder", "the workshop folder, or a git repository's URL" + _DEFAULT_FOLDER, nargs="?"
    ),
    _REF,
    _ALLOW_HOME,
)
#: As FOLDER, or an image reference.
TARGET = (
    Argument(
        "target",
        "the workshop folder, or a git repository's URL, or an image reference" + _DEFAULT_FOLDER,
        nargs="?",
    ),
    _REF,
    _ALLOW_HOME,
)
IMAGE_TAG = Argument("--tag", "the workshop's image, if not wiw/FOLDER:latest")
BUILD_TAG = Argument("--tag", "image reference (default: wiw/FOLDER:latest)")
BASE_IMAGE = Argument(
    "--base-image",
    "image to start from (default: the one with the Python runtime.txt names, "
    "else debian:bookworm-slim)",
)
QR = Argument("--qr", "also save the QR code here", metavar="PNG")


def image_arguments(*, timeout: float) -> tuple[Argument, ...]:
    """The arguments of a command that starts an image: TARGET, --tag and --timeout."""
    return (
        *TARGET,
        IMAGE_TAG,
        Argument("--timeout", "seconds to wait for the server", type=seconds, default=timeout),
    )


def target(args: argparse.Namespace) -> tuple[Image, Workshop | None]:
    """The image a command runs: a workshop folder's or repository's, or one named."""
    return resolve_target(
        args.target,
        tag=args.tag,
        ref=getattr(args, "ref", None),
        allow_home=getattr(args, "allow_home", False),
    )


def workshop(args: argparse.Namespace) -> Workshop:
    """The workshop a command works on: a folder, or a git repository at --ref."""
    return resolve_workshop(args.folder, ref=args.ref, allow_home=args.allow_home)


def workshop_name(text: str) -> str:
    """A workshop folder's name, or the name given as is."""
    return Workshop(text).name if Path(text).is_dir() else text


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
