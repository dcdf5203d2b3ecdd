"""R lessons: reading install.R, DESCRIPTION and runtime.txt, and what the build gets."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from wiw import errors
from wiw.build.context import describe_build, render_context
from wiw.build.rlang import (
    R_BASES,
    RSetup,
    choose_r_base,
    debian_package,
    parse_r_runtime,
    read_description,
    read_install_r,
)
from wiw.build.workshop import Workshop


def test_install_r_names_literal_packages_in_order_once_each() -> None:
    """Single names and c(...) lists, over lines; comments, R's own packages and repeats not."""
    text = (
        'install.packages("tidyverse")\n'
        "install.packages(c(\"ggplot2\", 'data.table',\n"
        '   "stats", "ggplot2"), repos = "https://cran.example")  # c("not.this")\n'
        '# install.packages("commented.out")\n'
        'remotes::install_github("someone/thing")\n'
        "install.packages (  'R6' )\n"
    )
    assert read_install_r(text) == ["tidyverse", "ggplot2", "data.table", "R6"]


def test_install_r_without_install_calls_names_nothing() -> None:
    """An install.R of other calls only: no names (it still runs at build time)."""
    assert read_install_r('library(x)\nprint("install.packages")\n') == []


def test_description_reads_depends_and_imports_across_lines() -> None:
    """Depends and Imports, continued lines and version constraints; R, base and Suggests not."""
    text = (
        "Package: course\n"
        "Depends: R (>= 4.0), dplyr\n"
        "Imports:\n"
        "    ggplot2 (>= 3.0),\n"
        "    jsonlite,\n"
        "    methods, dplyr\n"
        "Suggests: testthat\n"
    )
    assert read_description(text) == ["dplyr", "ggplot2", "jsonlite"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("r-4.3-2023-10-01", ("4.3", "2023-10-01")),
        ("r-4.3", ("4.3", None)),
        ("r-4.3.1", ("4.3", None)),
        ("r-2023-10-01\n", (None, "2023-10-01")),
        ("python-3.11", None),
        ("r-", None),
        ("r-four", None),
    ],
)
def test_runtime_names_an_r_version_and_date(
    text: str, expected: tuple[str | None, str | None] | None
) -> None:
    """repo2docker's three forms of an R runtime.txt; anything else is not R."""
    assert parse_r_runtime(text) == expected


@pytest.mark.parametrize(
    ("asked", "base", "r"),
    [
        (None, "debian:bookworm-slim", "4.2"),
        ("3.6", "debian:bookworm-slim", "4.2"),
        ("4.2", "debian:bookworm-slim", "4.2"),
        ("4.3", "debian:trixie-slim", "4.5"),
        ("4.5", "debian:trixie-slim", "4.5"),
        ("4.10", "debian:trixie-slim", "4.5"),
    ],
)
def test_the_base_whose_r_is_nearest_at_or_above_the_one_asked(
    asked: str | None, base: str, r: str
) -> None:
    """The oldest R at least as new as asked; the newest when none is (4.10 is after 4.5)."""
    assert choose_r_base(asked) == (base, r)
    assert R_BASES[base] == r


def test_debian_names_are_r_cran_and_lower_case() -> None:
    """data.table is r-cran-data.table, R6 is r-cran-r6."""
    assert [debian_package(p) for p in ("data.table", "R6")] == [
        "r-cran-data.table",
        "r-cran-r6",
    ]


def test_the_package_list_starts_with_the_irkernel_once() -> None:
    """The build's list: the IRkernel first, then the course's, without a second IRkernel."""
    assert RSetup(packages=("glue", "IRkernel")).packages_text() == "IRkernel\nglue\n"
    assert RSetup().packages_text() == "IRkernel\n"


def course(folder: Path, files: dict[str, str], *, language: str = "python") -> Workshop:
    """A workshop of one lesson in ``language`` with ``files`` beside it."""
    folder.mkdir(parents=True)
    notebook = new_notebook(cells=[new_code_cell("1")])
    notebook.metadata["kernelspec"] = {"name": "ir", "display_name": "R", "language": language}
    nbformat.write(notebook, folder / "lesson01.ipynb")
    for name, text in files.items():
        (folder / name).write_text(text)
    return Workshop(folder)


def test_an_r_course_renders_its_packages_install_r_and_runtime(tmp_path: Path) -> None:
    """install.R and DESCRIPTION give the list; runtime.txt's R picks the base and is said."""
    workshop = course(tmp_path / "c", {
        "install.R": 'install.packages(c("glue", "dplyr"))\n',
        "DESCRIPTION": "Package: c\nImports: jsonlite, glue\n",
        "runtime.txt": "r-4.3-2023-10-01\n",
    })  # fmt: skip
    r = workshop.environment.r
    assert r is not None
    assert (r.packages, r.version, r.sources) == (("glue", "dplyr", "jsonlite"), "4.3",
                                                   ("install.R", "DESCRIPTION"))  # fmt: skip
    assert workshop.environment.python is None  # an R runtime.txt names no Python
    context = render_context(workshop)
    assert context.read("workshop/r-kernel") == b"IRkernel\n"
    assert context.read("workshop/r/packages.txt") == b"IRkernel\nglue\ndplyr\njsonlite\n"
    assert context.read("workshop/r/install.R") == b'install.packages(c("glue", "dplyr"))\n'
    assert context.build_args == {"BASE_IMAGE": "debian:trixie-slim"}
    said = "\n".join(describe_build(workshop, context))
    assert "its R 4.5 is the nearest to runtime.txt's R 4.3" in said
    assert "R packages (install.R, DESCRIPTION): glue, dplyr, jsonlite" in said
    assert "note: no base wiw knows has R 4.3; the nearest is R 4.5" in said
    assert "snapshot date 2023-10-01 is not used" in said


@pytest.mark.parametrize("language", ["R", "r"])
def test_a_lesson_in_r_alone_brings_r_and_the_irkernel(tmp_path: Path, language: str) -> None:
    """Without install.R, an R notebook still gets R and its kernel, on the default base."""
    workshop = course(tmp_path / "c", {}, language=language)
    assert workshop.environment.r == RSetup()
    context = render_context(workshop)
    assert context.read("workshop/r/packages.txt") == b"IRkernel\n"
    assert context.read("workshop/r/install.R") == b""
    assert context.build_args == {"BASE_IMAGE": "debian:bookworm-slim"}
    assert "R lessons: R 4.2 (Debian's, in debian:bookworm-slim), with the IRkernel." in (
        describe_build(workshop, context)
    )


def test_a_python_course_gets_no_r(tmp_path: Path) -> None:
    """Python lessons and no R files: no R, and no R lines in the dry run."""
    workshop = course(tmp_path / "c", {"requirements.txt": "qrcode\n"}, language="python")
    assert workshop.environment.r is None
    assert not [line for line in describe_build(workshop, render_context(workshop))
                if "R " in line]  # fmt: skip


def test_python_asked_for_keeps_its_base_for_an_r_course(tmp_path: Path) -> None:
    """--python decides the base; the R of that base is what the R lessons get."""
    folder = tmp_path / "c"
    course(folder, {"runtime.txt": "r-4.5\n"})
    workshop = Workshop(folder, python="3.13")
    assert render_context(workshop).build_args["BASE_IMAGE"] == "debian:trixie-slim"
    older = Workshop(folder, python="3.11")
    assert render_context(older).build_args == {"BASE_IMAGE": "debian:bookworm-slim"}


def test_a_workshop_dockerfile_decides_about_r_itself(tmp_path: Path) -> None:
    """With a Dockerfile of its own, install.R is the Dockerfile's business."""
    workshop = course(tmp_path / "c", {"install.R": "install.packages('x')\n",
                                       "Dockerfile": "FROM scratch\n"}, language="R")  # fmt: skip
    assert workshop.environment.r is None
    assert "install.R" in render_context(workshop).files


def test_a_malformed_r_runtime_is_refused_naming_both_kinds(tmp_path: Path) -> None:
    """runtime.txt that is neither python-X.Y nor r-…: the hint shows both forms."""
    with pytest.raises(errors.WorkshopError) as caught:
        course(tmp_path / "c", {"runtime.txt": "R 4.3\n"})
    assert "not a Python or R version" in str(caught.value)
    assert "r-4.2" in (caught.value.hint or "")


def test_the_build_lists_are_plain_text_one_name_a_line(tmp_path: Path) -> None:
    """What the image's wiw-r-install reads: names only, one a line, nothing else."""
    workshop = course(tmp_path / "c", {"install.R": 'install.packages("glue")\n'})
    lines = render_context(workshop).read("workshop/r/packages.txt").decode().splitlines()
    assert lines == ["IRkernel", "glue"]


def test_a_description_beside_r_makes_the_workshop_an_r_package(tmp_path: Path) -> None:
    """DESCRIPTION naming its Package, at the top, beside R/: installed with R CMD INSTALL."""
    folder = tmp_path / "c"
    course(folder, {"DESCRIPTION": "Package: course\nVersion: 0.1\nImports: glue\n",
                    "NAMESPACE": "export(f)\n"}, language="R")  # fmt: skip
    (folder / "R").mkdir()
    (folder / "R" / "f.R").write_text("f <- function() 1\n")
    workshop = Workshop(folder)
    assert workshop.environment.r is not None
    assert workshop.environment.r.package
    context = render_context(workshop)
    assert {n for n in context.files if n.startswith("workshop/r/package/")} == {
        "workshop/r/package/DESCRIPTION",
        "workshop/r/package/NAMESPACE",
        "workshop/r/package/R/f.R",
    }
    assert "R package: the workshop's own (DESCRIPTION), installed with R CMD INSTALL." in (
        describe_build(workshop, context)
    )


@pytest.mark.parametrize(
    ("description", "r_folder"),
    [("Imports: glue\n", True), ("Package: course\n", False), ("Package:\n", True)],
)
def test_without_a_package_name_or_r_folder_it_is_no_package(
    tmp_path: Path, description: str, r_folder: bool
) -> None:
    """Only a DESCRIPTION with a Package name, and an R/ folder, make a package to install."""
    folder = tmp_path / "c"
    course(folder, {"DESCRIPTION": description})
    if r_folder:
        (folder / "R").mkdir()
        (folder / "R" / "f.R").write_text("f <- 1\n")
    workshop = Workshop(folder)
    assert workshop.environment.r is not None
    assert not workshop.environment.r.package
    assert not [n for n in render_context(workshop).files if n.startswith("workshop/r/package/")]


def test_a_commented_out_install_line_is_not_read_whatever_its_comment_holds() -> None:
    """Everything after the first '#' is a comment, a second '#' in it included."""
    text = '# install.packages("old") # not any more\ninstall.packages("new")  # kept\n'
    assert read_install_r(text) == ["new"]


def test_description_continuation_lines_need_one_space_only() -> None:
    """A field continued on a line indented by one space, or a stray indented first line."""
    text = " stray continuation\nImports: jsonlite,\n glue\nDepends: R (>= 4.1),\n\tcli\n"
    assert read_description(text) == ["cli", "jsonlite", "glue"]


def test_a_package_field_without_a_space_names_a_package(tmp_path: Path) -> None:
    """'Package:pkg' is a package name, as R reads DESCRIPTION; 'Package:' alone is none."""
    (tmp_path / "R").mkdir()
    (tmp_path / "R" / "f.R").write_text("f <- function() 1\n")
    (tmp_path / "DESCRIPTION").write_text("Package:pkg\nVersion: 1\n")
    nbformat.write(new_notebook(cells=[new_code_cell("1")]), tmp_path / "lesson.ipynb")
    r = Workshop(tmp_path).environment.r
    assert r is not None
    assert r.package
    (tmp_path / "DESCRIPTION").write_text("Package:\nVersion: 1\n")
    r = Workshop(tmp_path).environment.r
    assert r is not None
    assert not r.package
