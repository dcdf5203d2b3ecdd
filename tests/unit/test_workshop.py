"""A workshop folder is validated when it is opened."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.workshops import write_lesson
from wiw import errors
from wiw.workshop import Workshop, slugify


def test_valid_folder_lists_lessons_and_requirements(tmp_path: Path) -> None:
    """Lessons are found recursively and requirements.txt is recognised."""
    write_lesson(tmp_path, "b.ipynb")
    write_lesson(tmp_path / "part2", "a.ipynb")
    (tmp_path / "requirements.txt").write_text("qrcode\n")
    workshop = Workshop(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in workshop.lessons] == [
        "b.ipynb",
        "part2/a.ipynb",
    ]
    assert workshop.requirements == tmp_path / "requirements.txt"


def test_missing_folder_raises_workshop_not_found(tmp_path: Path) -> None:
    """A folder that does not exist is named in the error."""
    with pytest.raises(errors.WorkshopNotFound) as caught:
        Workshop(tmp_path / "nope")
    assert "nope" in str(caught.value)


def test_folder_without_notebooks_raises_no_lessons(tmp_path: Path) -> None:
    """A folder with no notebooks cannot be a workshop."""
    (tmp_path / "notes.md").write_text("hi")
    with pytest.raises(errors.NoLessons):
        Workshop(tmp_path)


@pytest.mark.parametrize(
    "content",
    [b"not json", b'{"cells": 3}', b"\xff\xfe\x00binary", b'{"nbformat": 4, "nbformat_minor": 5}'],
)
def test_invalid_notebook_is_named(tmp_path: Path, content: bytes) -> None:
    """A notebook that is not valid JSON or nbformat is named in the error."""
    write_lesson(tmp_path)
    (tmp_path / "broken.ipynb").write_bytes(content)
    with pytest.raises(errors.InvalidNotebook) as caught:
        Workshop(tmp_path)
    assert "broken.ipynb" in str(caught.value)


def test_by_products_and_outside_symlinks_are_not_content(tmp_path: Path) -> None:
    """Checkpoints, caches and links leaving the folder are never copied."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("private")
    ws = tmp_path / "ws"
    write_lesson(ws)
    write_lesson(ws / ".ipynb_checkpoints", "lesson01-checkpoint.ipynb")
    (ws / "__pycache__").mkdir()
    (ws / "__pycache__" / "x.pyc").write_bytes(b"x")
    os.symlink(outside / "secret.txt", ws / "link.txt")
    (ws / "data.csv").write_text("a,b\n")
    os.symlink(ws / "data.csv", ws / "inside-link.csv")
    names = sorted(p.name for p in Workshop(ws).content_files())
    assert names == ["data.csv", "inside-link.csv", "lesson01.ipynb"]


@pytest.mark.parametrize(
    ("text", "slug"),
    [("My Workshop (2026)", "my-workshop-2026"), ("éé", "workshop"), ("a__b", "a-b")],
)
def test_names_become_image_safe(text: str, slug: str) -> None:
    """Folder names are turned into lowercase, dash-separated image names."""
    assert slugify(text) == slug


def test_path_with_spaces_and_non_ascii(tmp_path: Path) -> None:
    """Folders with spaces and non-ASCII names work and get a safe name."""
    folder = tmp_path / "Atelier d'été 2026"
    write_lesson(folder, "leçon 1.ipynb")
    workshop = Workshop(folder)
    assert workshop.name == "atelier-d-t-2026"
    assert workshop.lessons[0].name == "leçon 1.ipynb"
