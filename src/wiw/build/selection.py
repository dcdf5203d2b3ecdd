"""Which files of a workshop folder go into its image, and which never do.

Lessons and the files they use go in. Never: version-control and by-product
folders, hidden files and folders (``.env``, ``.ssh/``, ``.aws/`` …; except
``binder/``/``.binder/``, which wiw reads), symbolic links that point outside
the folder, and whatever ``.dockerignore`` or ``.wiwignore`` names (the
same syntax: ``/solutions``, ``*.key``, ``!keep.csv``). What was left out, and
why, is listed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pathspec

from wiw import errors

__all__ = [
    "BY_PRODUCTS",
    "HOME_FILES",
    "HOME_MARKERS",
    "IGNORE_FILES",
    "Excluded",
    "Selection",
    "ignore_spec",
    "refuse_home",
    "select",
]

BINDER_DIRS = ("binder", ".binder")
IGNORE_FILES = (".dockerignore", ".wiwignore")
# Never content, hidden or not.
BY_PRODUCTS = frozenset(
    {".git", ".hg", ".svn", ".ipynb_checkpoints", "__pycache__", ".DS_Store", ".venv"}
)
# What only a home directory holds: a shell's history or start-up files, or
# two or more stores of credentials. A folder with these is not a workshop.
HOME_FILES = (".bash_history", ".zsh_history", ".bashrc", ".zshrc", ".profile")
HOME_MARKERS = (".ssh", ".aws", ".gnupg", ".kube", ".netrc", ".docker", ".azure", ".config")


@dataclass(frozen=True)
class Excluded:
    """A file or folder left out of the image, and why.

    Attributes:
        path: Its path within the workshop folder.
        reason: ``hidden``, ``by-product``, ``ignored`` (by an ignore file) or
            ``link outside``.
    """

    path: str
    reason: str


@dataclass(frozen=True)
class Selection:
    """The workshop's content files and what was left out."""

    files: tuple[Path, ...]
    excluded: tuple[Excluded, ...]

    @property
    def size(self) -> int:
        """The content's size in bytes."""
        return sum(p.stat().st_size for p in self.files)


def ignore_spec(root: Path) -> pathspec.PathSpec[Any]:
    """The patterns of the folder's ``.dockerignore`` and ``.wiwignore``, anchored at its top.

    As in ``.dockerignore``, a pattern is relative to the folder's top
    (``solutions`` is ``/solutions``), ``**`` matches any folders, ``!``
    brings a path back, and ``#`` starts a comment.
    """
    lines: list[str] = []
    for name in IGNORE_FILES:
        path = root / name
        if path.is_file():
            lines += path.read_text(encoding="utf-8", errors="replace").splitlines()
    anchored = []
    for line in (raw.strip() for raw in lines):
        if not line or line.startswith("#"):
            continue
        negate, pattern = ("!", line[1:]) if line.startswith("!") else ("", line)
        pattern = pattern.removeprefix("./")
        if not pattern.startswith(("/", "**")):
            pattern = "/" + pattern
        anchored.append(negate + pattern)
    return pathspec.PathSpec.from_lines("gitignore", anchored)


def _reason(entry: Path, root: Path, spec: pathspec.PathSpec[Any], *, top: bool) -> str | None:
    """Why ``entry`` is left out, or None when it is content."""
    rel = entry.relative_to(root).as_posix()
    if entry.name in BY_PRODUCTS:
        return "by-product"
    if entry.is_symlink() and not entry.resolve().is_relative_to(root):
        return "link outside"
    if entry.name.startswith(".") and not (top and entry.name in BINDER_DIRS):
        return "hidden"
    if entry.is_dir():
        # A folder is left out whole unless a '!' pattern may bring back
        # something inside it; then its files are judged one by one.
        if spec.match_file(rel + "/") and not _negates(spec):
            return "ignored"
        return None
    return "ignored" if spec.match_file(rel) else None


def _negates(spec: pathspec.PathSpec[Any]) -> bool:
    """Whether the ignore patterns bring anything back ('!pattern')."""
    return any(getattr(p, "include", None) is False for p in spec.patterns)


def select(root: Path, skip_at_top: frozenset[str] = frozenset()) -> Selection:
    """Walk the workshop folder: its content files, and what was left out and why.

    Args:
        root: The workshop folder (resolved).
        skip_at_top: Names at the top that are not content (dependency files).
    """
    spec = ignore_spec(root)
    files: list[Path] = []
    excluded: list[Excluded] = []
    folders = [(root, True)]
    while folders:
        folder, top = folders.pop()
        for entry in sorted(folder.iterdir()):
            if top and (entry.name in skip_at_top or entry.name in BINDER_DIRS):
                continue
            if reason := _reason(entry, root, spec, top=top):
                excluded.append(Excluded(entry.relative_to(root).as_posix(), reason))
            elif entry.is_dir():
                folders.append((entry, False))
            elif entry.is_file():
                files.append(entry)
    return Selection(tuple(sorted(files)), tuple(sorted(excluded, key=lambda e: e.path)))


def refuse_home(root: Path) -> None:
    """Refuse a folder that looks like someone's home directory.

    Raises:
        wiw.errors.PrivateFolder: It holds a shell's history or start-up
            files, or two or more credential stores (``.ssh``, ``.aws``…).
    """
    shells = [name for name in HOME_FILES if (root / name).exists()]
    stores = [name for name in HOME_MARKERS if (root / name).exists()]
    found = shells + stores
    if shells or len(stores) >= 2:  # noqa: PLR2004 - one store may be a project's own
        raise errors.PrivateFolder(
            f"{root} looks like a home directory (it holds {', '.join(found)}), not a workshop.",
            hint="Give the folder that holds the lessons. If this really is the workshop, "
            "move those files out, or pass --allow-home (API: allow_home=True); they are "
            "still left out of the image.",
        )
