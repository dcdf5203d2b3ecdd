"""``wiw init FOLDER``: a small workshop that works, to start from.

It copies the example workshop shipped with wiw (its lesson notebooks and
``requirements.txt``) into a new folder, and says what to run next.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
from pathlib import Path

from wiw.cli.output import Output
from wiw.cli.table import Argument, Command
from wiw.errors import FolderNotEmpty
from wiw.resources import example_dir

__all__ = ["INIT_COMMAND", "example_files", "init_workshop", "next_commands"]


def example_files(example: Path | None = None) -> list[Path]:
    """The files ``wiw init`` copies: the example's lessons, then its ``requirements.txt``.

    Args:
        example: The example workshop folder (default: the one shipped with wiw).

    Returns:
        Paths inside ``example``: every top-level ``*.ipynb``, by name, then
        ``requirements.txt``.
    """
    example = example or example_dir()
    return [*sorted(example.glob("*.ipynb")), example / "requirements.txt"]


def init_workshop(folder: str | Path, *, example: Path | None = None) -> list[Path]:
    """Write a small, working workshop into ``folder``, from the example shipped with wiw.

    Args:
        folder: Where to write it: a folder that does not exist yet (it is
            created, with its parents) or an empty one.
        example: The workshop to copy (default: the example shipped with wiw).

    Returns:
        The files written, in ``folder``.

    Raises:
        wiw.errors.FolderNotEmpty: ``folder`` is a file, or a
            folder that holds anything; nothing is written.
    """
    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise FolderNotEmpty(f"{target} is a file, not a folder; wiw init writes a new folder.")
    if target.is_dir() and any(target.iterdir()):
        raise FolderNotEmpty(
            f"{target} is not empty; wiw init writes only into a new or empty folder, "
            "so that it never overwrites a file.",
            hint=f"Pick a new folder's name, e.g. 'wiw init {shlex.quote(str(target))}-2', "
            "or build this folder as it is ('wiw build').",
        )
    sources = example_files(example)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sources:
        written.append(Path(shutil.copyfile(source, target / source.name)))
    return written


def next_commands(folder: str) -> list[tuple[str, str]]:
    """The commands to run on a new workshop, each with what it does.

    Args:
        folder: The folder as the user typed it (quoted for a shell if needed).
    """
    typed = shlex.quote(folder)
    return [
        (f"wiw build {typed}", "build its image"),
        (f"wiw test {typed}", "run every lesson inside the image"),
        (f"wiw run {typed}", "serve it to yourself: a URL and a QR code"),
        (f"wiw up {typed} --detach", "start the classroom: one URL for the whole class"),
    ]


def cmd_init(args: argparse.Namespace, output: Output) -> int:
    """Write a new workshop folder from the example, and say what to run next."""
    written = init_workshop(args.folder)
    *first, last = (path.name for path in written)
    listed = f"{', '.join(first)} and {last}" if first else last
    output.out.print(f"Created {args.folder} with {listed}.", markup=False)
    output.out.print("Edit the lessons in JupyterLab or any editor, then:", markup=False)
    commands = next_commands(args.folder)
    width = max(len(command) for command, _ in commands)
    for command, what in commands:
        output.out.print(f"  {command:<{width}}   # {what}", markup=False)
    return 0


INIT_COMMAND = Command(
    "init",
    help="Start a new workshop folder from the example: its lessons and requirements.txt.",
    description="Write a small workshop that works into a new (or empty) folder: the example "
    "workshop's lesson notebooks and its requirements.txt, to edit into your own. Never "
    "writes into a folder that holds files.",
    handler=cmd_init,
    arguments=(Argument("folder", "the folder to create (or an empty one)"),),
)
