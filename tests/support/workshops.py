"""Workshop folders for tests: the example, copies of it, and small ones made on the spot."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

import wiw
from wiw.engine.protocol import ContainerEngine

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "example_workshop"
CASES = ROOT / "tests" / "cases"


def write_lesson(folder: Path, name: str = "lesson01.ipynb", *cells: str) -> Path:
    """Write a notebook with ``cells`` (by default one that prints) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    sources = cells or ("print('hello')",)
    nbformat.write(new_notebook(cells=[new_code_cell(s) for s in sources]), path)
    return path


def workshop_folder(
    folder: Path, files: dict[str, str | bytes] | None = None, mode: int = 0o644
) -> Path:
    """A workshop folder with one valid lesson plus ``files``."""
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=[new_code_cell("1")]), folder / "lesson01.ipynb")
    for name, content in (files or {}).items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
        path.chmod(mode)
    return folder


def build_named(source: Path, name: str, engine: ContainerEngine, made: list[str]) -> wiw.Image:
    """Build the workshop in ``source`` under another workshop name.

    All but the last layers come from the cache; the reference is added to
    ``made``, for removal at the end of the run.
    """
    ref = f"wiw-test/{name}:latest"
    made.append(ref)
    return wiw.Image.build(
        wiw.Workshop(source, name=name), tag=ref, engine=engine, show_progress=False
    )
