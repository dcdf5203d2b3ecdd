"""What a command's first argument names: a workshop folder, a git repository, or an image."""

from __future__ import annotations

from pathlib import Path

from wiw import errors
from wiw.build import sources
from wiw.build.image import Image
from wiw.build.workshop import Workshop

__all__ = ["LESSON_FOLDERS", "looks_like_workshop", "resolve_target", "resolve_workshop"]

# Where courses keep their notebooks when not at the top.
LESSON_FOLDERS = ("lessons", "notebooks", "content", "chapters", "episodes")


def looks_like_workshop(folder: Path) -> bool:
    """Whether ``folder`` has notebooks at its top or in a lessons folder."""
    if any(folder.glob("*.ipynb")):
        return True
    return any(any((folder / name).rglob("*.ipynb")) for name in LESSON_FOLDERS)


def resolve_workshop(
    text: str | None,
    *,
    ref: str | None = None,
    allow_home: bool = False,
    python: str | None = None,
) -> Workshop:
    """The workshop a command works on.

    Args:
        text: A folder, or a git repository's URL; None for the current
            folder, which must then look like a workshop.
        ref: With a URL: the branch, tag or commit.
        allow_home: Accept a folder that looks like a home directory.
        python: Build with this Python instead of runtime.txt's (``--python``).

    Raises:
        wiw.errors.WorkshopNotFound: No folder was given and ``.`` holds no lessons.
    """
    if text is None:
        here = Path.cwd()
        if not looks_like_workshop(here):
            raise errors.WorkshopNotFound(
                f"No workshop folder given, and the current folder ({here}) holds no lessons.",
                hint="Give the folder that holds the lessons, e.g. 'wiw build my_course', or "
                "run the command from inside it (notebooks at its top or in lessons/).",
            )
        text = "."
    if sources.is_git_url(text):
        source = sources.fetch(text, ref)
        return Workshop(
            source.folder,
            name=source.name,
            source=source.label,
            allow_home=allow_home,
            python=python,
        )
    return Workshop(text, allow_home=allow_home, python=python)


def resolve_target(
    text: str | None, *, tag: str | None, ref: str | None = None, allow_home: bool = False
) -> tuple[Image, Workshop | None]:
    """A workshop (built as ``tag``) or an image reference, resolved to an image.

    An existing folder or a git URL is a workshop. Otherwise a reference with
    a tag, a digest or a path (``wiw/intro:latest``, ``wiw/intro``) is an
    image, and a single word is a folder that is missing.
    """
    if text is None or Path(text).is_dir() or sources.is_git_url(text):
        workshop = resolve_workshop(text, ref=ref, allow_home=allow_home)
        return Image(tag or Image.default_ref(workshop)), workshop
    if any(mark in text for mark in ":/@") and not Path(text).exists():
        try:
            return Image(text), None
        except errors.InvalidName:
            pass
    raise errors.WorkshopNotFound(
        f"Workshop folder not found: {text}",
        hint="Give the folder that holds the lessons, or an image reference with its tag, "
        "e.g. wiw/intro:latest.",
    )
