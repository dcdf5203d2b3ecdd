"""A workshop folder is validated when it is opened."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.workshops import write_lesson
from wiw import errors
from wiw.build.workshop import Workshop, slugify


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


@pytest.mark.parametrize(
    ("text", "version"),
    [("python-3.10", "3.10"), ("python-3.12.4\n", "3.12"), ("  python-3  ", "3")],
)
def test_runtime_txt_gives_major_and_minor(tmp_path: Path, text: str, version: str) -> None:
    """runtime.txt's version is read without its patch level or surrounding blanks."""
    write_lesson(tmp_path)
    (tmp_path / "runtime.txt").write_text(text)
    assert Workshop(tmp_path).environment.python == version


@pytest.mark.parametrize("text", ["3.11", "python3.11", "python-3.x", "python-", "r-4", ""])
def test_a_runtime_txt_that_names_no_python_is_quoted(tmp_path: Path, text: str) -> None:
    """Anything but python-X[.Y[.Z]] or an R version is refused, quoting the file and the form."""
    write_lesson(tmp_path)
    (tmp_path / "runtime.txt").write_text(text)
    with pytest.raises(errors.WorkshopError) as caught:
        Workshop(tmp_path)
    assert f"says {text!r}, not a Python or R version" in caught.value.message
    assert "runtime.txt" in caught.value.message
    assert "'python-3.11'" in caught.value.hint


def test_a_notebook_over_50_mib_is_refused_with_what_to_do(tmp_path: Path) -> None:
    """A notebook just over the bound is refused before it is parsed; one at it is read."""
    write_lesson(tmp_path)
    big = tmp_path / "big.ipynb"
    big.write_bytes(b" " * (50 * 2**20 + 1))
    with pytest.raises(errors.InvalidNotebook) as caught:
        Workshop(tmp_path)
    assert "big.ipynb is larger than 50 MiB" in caught.value.message
    assert "Clear Outputs" in caught.value.hint
    big.write_bytes(b" " * (50 * 2**20))  # at the bound: read, and found not to be JSON
    with pytest.raises(errors.InvalidNotebook, match="is not JSON text"):
        Workshop(tmp_path)


@pytest.mark.parametrize(
    ("content", "words"),
    [(b"not json", "is not JSON text"), (b"\xff\xfe\x00binary", "is not JSON text"),
     (b'{"nbformat": 4, "nbformat_minor": 5}', "is not a valid notebook"),
     (b'{"cells": 3}', "is not a valid notebook"), (b"[1, 2]", "cannot be read")],
)  # fmt: skip
def test_each_kind_of_broken_notebook_says_what_is_wrong(
    tmp_path: Path, content: bytes, words: str
) -> None:
    """Not JSON, not nbformat, or not readable at all: each says which."""
    write_lesson(tmp_path)
    (tmp_path / "broken.ipynb").write_bytes(content)
    with pytest.raises(errors.InvalidNotebook) as caught:
        Workshop(tmp_path)
    assert f"broken.ipynb {words}" in caught.value.message


@pytest.mark.parametrize(
    ("text", "slug"),
    [("--Intro--", "intro"), ("A" * 70, "a" * 64), ("x" * 63 + "-y", "x" * 63),
     ("", "workshop"), ("Python 101", "python-101")],
)  # fmt: skip
def test_slugs_are_short_and_trimmed(text: str, slug: str) -> None:
    """At most 64 characters, never starting or ending with a dash, never empty."""
    assert slugify(text) == slug


def test_the_deprecated_test_method_forwards_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Workshop.test(image) warns and returns what wiw.test_lessons returns, options passed on."""
    from wiw.build import workshop as module

    calls: list[tuple[object, ...]] = []

    def tester(workshop: Workshop, image: object, **options: object) -> str:
        calls.append((workshop, image, options))
        return "the report"

    monkeypatch.setitem(module._LESSON_TESTER, "test", tester)
    write_lesson(tmp_path)
    workshop = Workshop(tmp_path)
    with pytest.warns(DeprecationWarning, match=r"^Workshop\.test\(image\)") as warned:
        assert workshop.test("an image", cell_timeout=5) == "the report"
    assert calls == [(workshop, "an image", {"cell_timeout": 5})]
    (warning,) = warned
    assert str(warning.message) == (
        "Workshop.test(image) is deprecated; use wiw.test_lessons(workshop, image)"
    )
    assert Path(warning.filename) != Path(module.__file__)  # the caller's line, not wiw's


def test_lesson_testing_registers_itself_for_the_deprecated_method(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """wiw.lessons hands Workshop.test its tester; registering replaces the one in use."""
    import wiw.lessons.runner
    from wiw.build import workshop as module

    assert module._LESSON_TESTER["test"] is wiw.lessons.test_lessons
    monkeypatch.setitem(module._LESSON_TESTER, "test", None)

    def other(*args: object, **kwargs: object) -> str:
        return "other"

    module.register_lesson_tester(other)
    assert {"test": other} == module._LESSON_TESTER


@pytest.mark.parametrize("package", ["pyproject.toml", "setup.py"])
def test_binder_folders_hold_the_environment_and_the_root_the_package(
    tmp_path: Path, package: str
) -> None:
    """With binder/, dependency files are read there; the workshop's own package at the top."""
    write_lesson(tmp_path)
    (tmp_path / "binder").mkdir()
    (tmp_path / "binder" / "requirements.txt").write_text("qrcode\n")
    (tmp_path / "requirements.txt").write_text("ignored-beside-binder\n")
    (tmp_path / package).write_text("")
    environment = Workshop(tmp_path).environment
    assert environment.folder == tmp_path / "binder"
    assert environment.requirements == tmp_path / "binder" / "requirements.txt"
    assert environment.package == tmp_path / package
