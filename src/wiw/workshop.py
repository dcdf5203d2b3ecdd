"""A workshop: a folder of Jupyter lesson notebooks and its dependency files."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import nbformat

from wiw import errors

__all__ = ["Workshop"]

# Files that describe the environment rather than being lesson content.
DEPENDENCY_FILES = frozenset({"requirements.txt"})
# Never copied into an image: version control, editor and Jupyter by-products.
_IGNORED_NAMES = frozenset(
    {".git", ".hg", ".svn", ".ipynb_checkpoints", "__pycache__", ".DS_Store", ".venv"}
)
_MAX_NOTEBOOK_BYTES = 50 * 1024 * 1024


def slugify(text: str) -> str:
    """Turn a folder name into a valid image-name component.

    Args:
        text: Any name, e.g. ``"My Workshop (2026)"``.

    Returns:
        Lowercase letters, digits and single dashes, e.g. ``"my-workshop-2026"``;
        ``"workshop"`` when nothing usable is left.
    """
    slug = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return slug[:64].strip("-") or "workshop"


@dataclass(frozen=True)
class Workshop:
    """A folder of lesson notebooks plus the files that describe their needs.

    Creating one validates the folder: it must exist, hold at least one
    notebook, and every notebook must be valid nbformat JSON.

    Args:
        path: The workshop folder.
        name: A name for images and labels; defaults to the folder's name.

    Raises:
        wiw.errors.WorkshopNotFound: ``path`` is not a folder.
        wiw.errors.NoLessons: The folder holds no ``*.ipynb`` file.
        wiw.errors.InvalidNotebook: A notebook cannot be read; the error
            names the file.
    """

    path: Path
    name: str

    def __init__(self, path: str | Path, *, name: str | None = None) -> None:
        folder = Path(path).expanduser()
        if not folder.is_dir():
            raise errors.WorkshopNotFound(f"Workshop folder not found: {folder}")
        object.__setattr__(self, "path", folder.resolve())
        object.__setattr__(self, "name", slugify(name or self.path.name))
        lessons = self.lessons
        if not lessons:
            raise errors.NoLessons(f"No lesson notebooks (*.ipynb) in {self.path}")
        for notebook in lessons:
            _check_notebook(notebook)

    @property
    def lessons(self) -> list[Path]:
        """The lesson notebooks, sorted by their path within the folder."""
        return sorted(p for p in self.content_files() if p.suffix == ".ipynb")

    @property
    def requirements(self) -> Path | None:
        """The pip ``requirements.txt`` file, if the workshop has one."""
        candidate = self.path / "requirements.txt"
        return candidate if candidate.is_file() else None

    def content_files(self) -> Iterator[Path]:
        """Yield the files that are lesson content (everything but dependency files).

        Hidden and by-product folders are skipped, and so is any symbolic
        link that points outside the workshop folder.
        """
        yield from self._walk(self.path, top=True)

    def _walk(self, folder: Path, *, top: bool) -> Iterator[Path]:
        for entry in sorted(folder.iterdir()):
            if entry.name in _IGNORED_NAMES or (top and entry.name in DEPENDENCY_FILES):
                continue
            if entry.is_symlink() and not entry.resolve().is_relative_to(self.path):
                continue
            if entry.is_dir():
                yield from self._walk(entry, top=False)
            elif entry.is_file():
                yield entry


def _check_notebook(path: Path) -> None:
    """Raise InvalidNotebook unless ``path`` holds a valid notebook."""
    if path.stat().st_size > _MAX_NOTEBOOK_BYTES:
        raise errors.InvalidNotebook(
            f"Notebook {path} is larger than {_MAX_NOTEBOOK_BYTES // 2**20} MiB."
        )
    try:
        with path.open(encoding="utf-8") as fh:
            notebook = nbformat.read(fh, as_version=nbformat.NO_CONVERT)
        nbformat.validate(notebook)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise errors.InvalidNotebook(f"Notebook {path} is not JSON text: {exc}") from exc
    except nbformat.ValidationError as exc:
        raise errors.InvalidNotebook(
            f"Notebook {path} is not a valid notebook: {exc.message}"
        ) from exc
    except Exception as exc:  # nbformat raises bare errors for odd JSON shapes
        raise errors.InvalidNotebook(f"Notebook {path} cannot be read: {exc}") from exc
