"""What ``wiw build --dry-run`` says, case by case, and what the context it describes holds.

The dry run is how an instructor learns, before building, which base image,
which R and which files an image gets. Each case below is a workshop an
instructor could have: an R course on a base they chose, an R package, a
workshop whose own Dockerfile has no FROM, data files, an environment.yml
with nothing for pip.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.support.workshops import workshop_folder
from wiw import errors
from wiw.build.context import BuildContext, add_data, choose_base, describe_build, render_context
from wiw.build.data import fetch_all
from wiw.build.workshop import Workshop

R_LESSON = {"install.R": 'install.packages("glue")\n'}


def r_course(folder: Path, files: dict[str, str | bytes]) -> Workshop:
    """A workshop folder whose install.R names one package, with ``files`` beside it."""
    return Workshop(workshop_folder(folder, {**R_LESSON, **files}))


def test_a_base_image_asked_for_wins_over_the_r_version(tmp_path: Path) -> None:
    """--base-image with runtime.txt's R: the base given, its apt's R, and no 'nearest' note."""
    workshop = r_course(tmp_path / "c", {"runtime.txt": "r-4.3\n"})
    context = render_context(workshop, base_image="ubuntu:24.04")
    assert context.build_args == {"BASE_IMAGE": "ubuntu:24.04"}
    lines = describe_build(workshop, context, base_image="ubuntu:24.04")
    assert lines[0] == "Base image: ubuntu:24.04 (as asked; its python3)."
    said = "R lessons: the R of ubuntu:24.04's apt; runtime.txt asks for R 4.3, with the IRkernel."
    assert said in lines
    assert not [line for line in lines if line.startswith("note:")]


def test_an_r_course_without_a_version_says_the_default_and_no_note(tmp_path: Path) -> None:
    """No runtime.txt: the default base for Python's sake, Debian's R, the packages' sources."""
    workshop = r_course(tmp_path / "c", {})
    lines = describe_build(workshop, render_context(workshop))
    assert lines[0] == "Base image: debian:bookworm-slim (the default, with Debian's Python 3.11)."
    assert lines[3:] == [
        "R lessons: R 4.2 (Debian's, in debian:bookworm-slim), with the IRkernel.",
        "R packages (install.R): glue: Debian's r-cran-* binaries where Debian has them, "
        "else CRAN at build time.",
    ]


def test_a_workshops_r_package_goes_to_r_cmd_install_without_notebooks(tmp_path: Path) -> None:
    """DESCRIPTION, NAMESPACE and R's folders are the package; lessons and other files not."""
    workshop = Workshop(
        workshop_folder(
            tmp_path / "pkg",
            {
                "DESCRIPTION": "Package: pkg\nVersion: 0.1\n",
                "NAMESPACE": "export(hello)\n",
                "R/hello.R": "hello <- function() 1\n",
                "inst/extdata/points.csv": "x\n1\n",
                "notes.md": "not R\n",
            },
        )
    )
    nested = workshop_folder(tmp_path / "pkg" / "inst")  # a notebook inside inst/
    assert (nested / "lesson01.ipynb").is_file()
    context = render_context(Workshop(workshop.path))
    package = {n: context.read(n) for n in context.files if n.startswith("workshop/r/package/")}
    assert package == {
        "workshop/r/package/DESCRIPTION": b"Package: pkg\nVersion: 0.1\n",
        "workshop/r/package/NAMESPACE": b"export(hello)\n",
        "workshop/r/package/R/hello.R": b"hello <- function() 1\n",
        "workshop/r/package/inst/extdata/points.csv": b"x\n1\n",
    }
    assert "R package: the workshop's own (DESCRIPTION), installed with R CMD INSTALL." in (
        describe_build(Workshop(workshop.path), context)
    )


def test_a_python_package_brings_its_files_but_the_notebooks(tmp_path: Path) -> None:
    """pyproject.toml makes the folder a package: its files are copied, lessons are not."""
    folder = workshop_folder(
        tmp_path / "w", {"pyproject.toml": "[project]\nname = 'w'\n", "w/__init__.py": "X = 1\n"}
    )
    context = render_context(Workshop(folder))
    assert context.read("workshop/package/w/__init__.py") == b"X = 1\n"
    assert context.read("workshop/package/pyproject.toml") == b"[project]\nname = 'w'\n"
    assert "workshop/package/lesson01.ipynb" not in context.files


def test_an_own_dockerfile_without_from_says_none(tmp_path: Path) -> None:
    """A Dockerfile wiw cannot read a base from: 'none', never a guess."""
    workshop = Workshop(workshop_folder(tmp_path / "w", {"Dockerfile": "# nothing yet\n"}))
    lines = describe_build(workshop, render_context(workshop))
    assert lines[0] == "Base image: none (the FROM of the workshop's own Dockerfile)."


def test_the_build_arguments_are_introduced_as_what_the_build_passes(tmp_path: Path) -> None:
    """The line before the flags says they are the build's, over the Dockerfile's ARGs."""
    workshop = Workshop(workshop_folder(tmp_path / "w"))
    assert describe_build(workshop, render_context(workshop))[1:3] == [
        "Build arguments, as the build passes them (over the Dockerfile's ARGs):",
        "  --build-arg BASE_IMAGE=debian:bookworm-slim",
    ]


@pytest.mark.parametrize(
    ("base_image", "why"),
    [
        (None, "the default, with Debian's Python 3.11"),
        ("ubuntu:24.04", "as asked; its python3"),
    ],
)
def test_python_3_alone_is_the_bases_own(tmp_path: Path, base_image: str | None, why: str) -> None:
    """runtime.txt's 'python-3' names no version: the base's python3, said so."""
    workshop = Workshop(workshop_folder(tmp_path / "w", {"runtime.txt": "python-3\n"}))
    context = render_context(workshop, base_image=base_image)
    assert "PYTHON_VERSION" not in context.build_args
    lines = describe_build(workshop, context, base_image=base_image)
    assert lines[0] == f"Base image: {context.build_args['BASE_IMAGE']} ({why})."


def test_an_environment_with_nothing_for_pip_says_none(tmp_path: Path) -> None:
    """environment.yml naming only Python: the translation is shown as '(none)'."""
    folder = workshop_folder(tmp_path / "w", {"environment.yml": "dependencies:\n  - python\n"})
    workshop = Workshop(folder)
    lines = describe_build(workshop, render_context(workshop))
    at = lines.index("environment.yml, translated into the lessons' requirements:")
    assert lines[at + 1] == "  (none)"


def test_an_end_of_life_python_names_runtime_txt_by_default() -> None:
    """choose_base's message says who asked: runtime.txt unless told otherwise."""
    with pytest.raises(errors.UnsupportedPython) as refused:
        choose_base("3.8")
    assert refused.value.message.startswith("runtime.txt asks for Python 3.8, which reached")


def test_every_data_file_is_listed_and_added_with_the_build_arguments_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """data.txt's files, one line each in the context; the fetched context keeps its base."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    lines, digests = [], []
    for name in ("a.csv", "b.csv"):
        (tmp_path / name).write_bytes(name.encode())
        digests.append(hashlib.sha256(name.encode()).hexdigest())
        lines.append(f"{(tmp_path / name).as_uri()} sha256:{digests[-1]}\n")
    workshop = Workshop(workshop_folder(tmp_path / "w", {"data.txt": "".join(lines)}))
    context = render_context(workshop)
    assert context.read("workshop/data.txt") == (
        f"{digests[0]} data/a.csv\n{digests[1]} data/b.csv\n".encode()
    )
    built = add_data(context, fetch_all(workshop.environment.data))
    assert built.build_args == context.build_args == {"BASE_IMAGE": "debian:bookworm-slim"}
    assert built.read("workshop/data/data/b.csv") == b"b.csv"


def test_an_empty_folder_of_the_context_is_written_with_its_parents(tmp_path: Path) -> None:
    """A folder entry deep in the context exists after writing, even with nothing above it."""
    BuildContext({"Dockerfile": b"FROM x\n", "workshop/data/": b""}).write(tmp_path)
    assert (tmp_path / "workshop" / "data").is_dir()
    assert list((tmp_path / "workshop" / "data").iterdir()) == []
