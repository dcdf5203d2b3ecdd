"""Text lessons: which Markdown files and scripts are lessons, and what their images get."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from wiw import errors
from wiw.build.context import render_context
from wiw.build.text_lessons import read_header
from wiw.build.workshop import Workshop
from wiw.resources import support_dir

MYST = (
    "---\njupytext:\n  text_representation:\n    extension: .md\n    format_name: myst\n"
    "kernelspec:\n  display_name: Python 3\n  language: python\n  name: python3\n---\n\n# One\n"
)
MARKDOWN = (
    "---\njupyter:\n  jupytext:\n    text_representation:\n      format_name: markdown\n"
    "  kernelspec:\n    language: R\n    name: ir\n---\n\n# Two\n"
)
PERCENT = (
    "# ---\n# jupyter:\n#   jupytext:\n#     text_representation:\n#       extension: .py\n"
    "#       format_name: percent\n#\n#   kernelspec:\n#     language: python\n"
    "#     name: python3\n# ---\n\n# %%\nprint(1)\n"
)


@pytest.mark.parametrize(
    ("name", "text", "format_name", "language"),
    [
        ("a.md", MYST, "myst", "python"),
        ("b.md", MARKDOWN, "markdown", "r"),
        ("c.py", PERCENT, "percent", "python"),
    ],
)
def test_a_jupytext_header_makes_a_text_lesson(
    tmp_path: Path, name: str, text: str, format_name: str, language: str
) -> None:
    """MyST front matter, Jupytext's Markdown one, a percent script's commented one."""
    path = tmp_path / name
    path.write_text(text)
    header = read_header(path)
    assert header is not None
    assert (header.format_name, header.language) == (format_name, language)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("README.md", "# A course\n\nNo header.\n"),
        ("post.md", "---\ntitle: A blog post's front matter\n---\n\nText.\n"),
        ("helpers.py", '"""A module."""\n\n\ndef f() -> int:\n    return 1\n'),
        ("late.md", "\n" + MYST),  # the header must open the file
        ("open.md", MYST.replace("---\n\n# One", "\n# One")),  # never closed
        ("broken.md", "---\njupytext: [unclosed\n---\n"),  # not YAML
        ("list.md", "---\n- jupytext\n---\n"),  # YAML, not a mapping
        ("notes.txt", MYST),  # not a kind of text lesson
        ("mixed.py", PERCENT.replace("#   kernelspec", "  kernelspec")),  # uncommented line
    ],
)
def test_files_without_a_jupytext_header_are_content(tmp_path: Path, name: str, text: str) -> None:
    """READMEs, other front matter, modules, misplaced or broken headers: not lessons."""
    path = tmp_path / name
    path.write_text(text)
    assert read_header(path) is None


def test_a_missing_file_has_no_header(tmp_path: Path) -> None:
    """A file that cannot be read is not a lesson (no error)."""
    assert read_header(tmp_path / "gone.md") is None


def test_a_header_without_jupytext_metadata_reads_empty(tmp_path: Path) -> None:
    """A header that names jupytext but no format or kernel: a lesson, format and language ''."""
    path = tmp_path / "bare.md"
    path.write_text("---\njupytext: {}\nkernelspec: python3\n---\n")
    header = read_header(path)
    assert header is not None
    assert (header.format_name, header.language) == ("", "")


def course(folder: Path, files: dict[str, str], *, notebook: bool = False) -> Path:
    """A workshop folder with ``files`` (and a notebook lesson when asked)."""
    folder.mkdir(parents=True)
    if notebook:
        nbformat.write(new_notebook(cells=[new_code_cell("1")]), folder / "lesson00.ipynb")
    for name, text in files.items():
        (folder / name).write_text(text)
    return folder


def test_text_lessons_are_lessons_and_their_image_gets_jupytext(tmp_path: Path) -> None:
    """The lessons are the notebooks and the text lessons; the image gets the Jupytext lock."""
    folder = course(tmp_path / "c", {"lesson01.md": MYST, "lesson02.py": PERCENT,
                                      "README.md": "# Hi\n", "helpers.py": "X = 1\n"},
                    notebook=True)  # fmt: skip
    workshop = Workshop(folder)
    assert [p.name for p in workshop.lessons] == ["lesson00.ipynb", "lesson01.md", "lesson02.py"]
    assert [p.name for p in workshop.text_lessons] == ["lesson01.md", "lesson02.py"]
    context = render_context(workshop)
    lock = context.read("workshop/text-lessons.lock").decode()
    assert lock == (support_dir() / "text-lessons.lock").read_text()
    assert "\njupytext==" in lock
    for name in ("README.md", "helpers.py", "lesson01.md"):
        assert f"workshop/lessons/{name}" in context.files  # delivered as they are


def test_a_workshop_of_notebooks_only_gets_no_jupytext(tmp_path: Path) -> None:
    """No text lesson: the Jupytext layer reads an empty file and installs nothing."""
    workshop = Workshop(course(tmp_path / "c", {"README.md": "# Hi\n"}, notebook=True))
    assert workshop.text_lessons == []
    assert render_context(workshop).read("workshop/text-lessons.lock") == b""


def test_a_text_lesson_in_r_brings_r(tmp_path: Path) -> None:
    """A Markdown lesson whose header names the R kernel: the image gets R and the IRkernel."""
    workshop = Workshop(course(tmp_path / "c", {"lesson.md": MARKDOWN}))
    assert workshop.environment.r is not None
    assert render_context(workshop).read("workshop/r-kernel") == b"IRkernel\n"


def test_text_alone_without_headers_is_no_lesson(tmp_path: Path) -> None:
    """A folder of Markdown without Jupytext headers has no lessons, and says what counts."""
    with pytest.raises(errors.NoLessons) as caught:
        Workshop(course(tmp_path / "c", {"README.md": "# Hi\n", "notes.py": "X = 1\n"}))
    assert "text notebooks with a Jupytext header" in caught.value.message


def test_the_jupytext_lock_keeps_the_runtimes_pins() -> None:
    """Every package the Jupytext lock shares with the runtime's lock has the same pin."""

    def pins(name: str) -> dict[str, str]:
        lines = (support_dir() / name).read_text().splitlines()
        found = [line.split(";")[0].strip() for line in lines if "==" in line]
        return dict(line.split("==") for line in found if not line.startswith("#"))

    runtime, text = pins("requirements.lock"), pins("text-lessons.lock")
    assert "jupytext" in text
    assert "jupytext" not in runtime  # images without text lessons do not carry it
    assert {k: v for k, v in text.items() if k in runtime} == {
        k: runtime[k] for k in text if k in runtime
    }
    assert len([k for k in text if k in runtime]) >= 5


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("spaces.md", MYST.replace("---\n", "--- \n")),  # an editor's trailing spaces
        ("spaces.py", PERCENT.replace("# ---\n", "# ---  \n")),
        ("bare.py", PERCENT.replace("#\n", "#no space\n")),  # read as a blank line
    ],
)
def test_headers_as_editors_leave_them_are_read(tmp_path: Path, name: str, text: str) -> None:
    """Trailing spaces after the markers, a commented line without its space: still a header."""
    path = tmp_path / name
    path.write_text(text)
    assert read_header(path) is not None


def test_an_empty_file_or_bytes_that_are_not_utf8_do_not_stop_the_reading(tmp_path: Path) -> None:
    """An empty .md is no lesson; a Latin-1 byte after the header leaves the header read."""
    (tmp_path / "empty.md").write_bytes(b"")
    assert read_header(tmp_path / "empty.md") is None
    (tmp_path / "latin.md").write_bytes(MYST.encode() + "Caf\u00e9\n".encode("latin-1"))
    header = read_header(tmp_path / "latin.md")
    assert header is not None
    assert header.format_name == "myst"
