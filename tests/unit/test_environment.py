"""Binder-style dependency files are detected and rendered without an engine."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from wiw import errors
from wiw.build.context import describe_build, render_context
from wiw.build.workshop import UNSUPPORTED, Workshop


def workshop_with(
    folder: Path, files: dict[str, str], *, executable: tuple[str, ...] = ()
) -> Path:
    """A workshop folder with one lesson plus ``files`` (paths relative to it)."""
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=[new_code_cell("1")]), folder / "lesson01.ipynb")
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        if name in executable:
            path.chmod(0o755)
    return folder


def test_no_dependency_files_render_empty_layers(tmp_path: Path) -> None:
    """Without dependency files every workshop layer installs nothing."""
    context = render_context(Workshop(workshop_with(tmp_path / "w", {})))
    assert context.read("workshop/requirements.txt") == b""
    assert context.read("workshop/apt.txt") == b""
    assert "workshop/package/postBuild" not in context.files
    assert "PYTHON" not in context.build_args


def test_all_binder_files_are_rendered(tmp_path: Path) -> None:
    """requirements.txt, apt.txt, postBuild and runtime.txt each find their place."""
    folder = workshop_with(
        tmp_path / "w",
        {
            "requirements.txt": "qrcode\n",
            "apt.txt": "cowsay\n",
            "postBuild": "#!/bin/sh\necho hi\n",
            "runtime.txt": "python-3.11\n",
            "data.csv": "x\n",
        },
        executable=("postBuild",),
    )
    workshop = Workshop(folder)
    env = workshop.environment
    assert env.python == "3.11"
    context = render_context(workshop)
    assert context.read("workshop/apt.txt") == b"cowsay\n"
    assert context.read("workshop/package/postBuild").startswith(b"#!/bin/sh")
    assert "workshop/lessons/postBuild" not in context.files
    assert "workshop/lessons/data.csv" in context.files
    assert "workshop/lessons/requirements.txt" not in context.files


def test_binder_folder_takes_precedence(tmp_path: Path) -> None:
    """Files in binder/ win over those at the top, which are then lesson content."""
    folder = workshop_with(
        tmp_path / "w",
        {"requirements.txt": "top-level\n", "binder/requirements.txt": "from-binder\n"},
    )
    context = render_context(Workshop(folder))
    assert context.read("workshop/requirements.txt") == b"from-binder\n"
    assert not any(name.startswith("workshop/lessons/binder") for name in context.files)


def test_dot_binder_folder_is_recognised(tmp_path: Path) -> None:
    """.binder/ works like binder/."""
    folder = workshop_with(tmp_path / "w", {".binder/apt.txt": "cowsay\n"})
    assert render_context(Workshop(folder)).read("workshop/apt.txt") == b"cowsay\n"


@pytest.mark.parametrize("name", ["setup.py", "pyproject.toml"])
def test_own_package_is_installed_without_notebooks(tmp_path: Path, name: str) -> None:
    """The folder's package goes to workshop/package/ without notebooks: lesson edits are cheap."""
    folder = workshop_with(tmp_path / "w", {name: "# package\n", "helpers/__init__.py": "X = 1\n"})
    workshop = Workshop(folder)
    assert workshop.environment.package == folder / name
    context = render_context(workshop)
    assert f"workshop/package/{name}" in context.files
    assert "workshop/package/helpers/__init__.py" in context.files
    assert not any(
        n.startswith("workshop/package/") and n.endswith(".ipynb") for n in context.files
    )


def test_own_dockerfile_is_built_as_is(tmp_path: Path) -> None:
    """A workshop with a Dockerfile is its own build context."""
    folder = workshop_with(tmp_path / "w", {"Dockerfile": "FROM scratch\n"})
    context = render_context(Workshop(folder))
    assert context.dockerfile == "FROM scratch\n"
    assert "lesson01.ipynb" in context.files
    assert not any(name.startswith("wiw/") for name in context.files)


@pytest.mark.parametrize("name", sorted(UNSUPPORTED))
def test_unsupported_formats_name_the_file_and_the_alternative(tmp_path: Path, name: str) -> None:
    """environment.yml and friends raise UnsupportedFile naming the file and what to use."""
    folder = workshop_with(tmp_path / "w", {name: "x\n"})
    with pytest.raises(errors.UnsupportedFile) as caught:
        Workshop(folder)
    assert name in str(caught.value)
    assert "Instead" in str(caught.value)


def test_a_post_build_without_its_executable_bit_is_run_as_well(tmp_path: Path) -> None:
    """As in Binder: the build marks it executable before it runs it (a Git checkout may not)."""
    folder = workshop_with(tmp_path / "w", {"postBuild": "#!/bin/sh\n"})
    workshop = Workshop(folder)
    assert workshop.environment.post_build == folder / "postBuild"
    context = render_context(workshop)
    assert context.read("workshop/package/postBuild") == b"#!/bin/sh\n"
    assert "chmod +x postBuild && ./postBuild" in context.dockerfile


@pytest.mark.parametrize(("text", "version"), [("python-3.11", "3.11"), ("python-3", "3")])
def test_runtime_versions_the_base_offers_are_honoured(
    tmp_path: Path, text: str, version: str
) -> None:
    """runtime.txt naming the base's Python builds with it."""
    workshop = Workshop(workshop_with(tmp_path / "w", {"runtime.txt": text}))
    assert workshop.environment.python == version
    assert "PYTHON" not in render_context(workshop).build_args


@pytest.mark.parametrize(
    ("runtime", "base", "version"),
    [
        ("python-3.11", "debian:bookworm-slim", None),
        ("python-3", "debian:bookworm-slim", None),
        ("python-3.13", "debian:trixie-slim", "3.13"),
        ("python-3.13.1", "debian:trixie-slim", "3.13"),
        ("python-3.12", "python:3.12-slim", "3.12"),
        ("python-3.14", "python:3.14-slim", "3.14"),
    ],
)
def test_runtime_chooses_a_base_that_has_that_python(
    tmp_path: Path, runtime: str, base: str, version: str | None
) -> None:
    """The Debian release that ships the Python, else the official python image."""
    workshop = Workshop(workshop_with(tmp_path / "w", {"runtime.txt": runtime}))
    args = render_context(workshop).build_args
    assert args["BASE_IMAGE"] == base
    assert args.get("PYTHON_VERSION") == version


@pytest.mark.parametrize("runtime", ["python-2.7", "python-3.99"])
def test_a_python_no_base_offers_is_a_clear_error(tmp_path: Path, runtime: str) -> None:
    """An impossible Python is refused before building, listing what is possible."""
    workshop = Workshop(workshop_with(tmp_path / "w", {"runtime.txt": runtime}))
    with pytest.raises(errors.UnsupportedPython) as caught:
        render_context(workshop)
    version = runtime.removeprefix("python-")
    assert caught.value.message == (
        f"runtime.txt asks for Python {version}, which no base image wiw knows offers "
        "with JupyterHub's runtime."
    )
    assert caught.value.hint == (
        "Write one of python-3.11, python-3.12, python-3.13, python-3.14 in runtime.txt, or "
        f"give a base image whose apt offers python{version} (--base-image)."
    )


@pytest.mark.parametrize(("version", "when"), [("3.10", "October 2026"), ("3.7", "June 2023")])
def test_an_end_of_life_python_says_so_and_how_to_build_anyway(
    tmp_path: Path, version: str, when: str
) -> None:
    """Past its end of life: said, with the supported ones and --python to build anyway."""
    workshop = Workshop(workshop_with(tmp_path / "w", {"runtime.txt": f"python-{version}"}))
    with pytest.raises(errors.UnsupportedPython) as caught:
        render_context(workshop)
    assert caught.value.message == (
        f"runtime.txt asks for Python {version}, which reached its end of life in {when}: "
        "wiw builds with supported Pythons only (3.11, 3.12, 3.13, 3.14)."
    )
    assert caught.value.hint == (
        "Build with a supported one instead: --python 3.11 (or 3.14); then 'wiw test' shows "
        "whether the lessons still run. Or write python-3.11 in runtime.txt."
    )


def test_python_asked_for_replaces_runtime_txts(tmp_path: Path) -> None:
    """--python builds with a supported Python; the dry run says it replaced runtime.txt's."""
    folder = workshop_with(tmp_path / "w", {"runtime.txt": "python-3.10"})
    workshop = Workshop(folder, python="3.12")
    assert (workshop.environment.python, workshop.environment.runtime_python) == ("3.12", "3.10")
    context = render_context(workshop)
    assert context.build_args == {"BASE_IMAGE": "python:3.12-slim", "PYTHON_VERSION": "3.12"}
    assert describe_build(workshop, context)[0] == (
        "Base image: python:3.12-slim (it has Python 3.12, asked for with --python instead of "
        "runtime.txt's 3.10)."
    )
    alone = Workshop(workshop_with(tmp_path / "x", {}), python="3.13")
    assert describe_build(alone, render_context(alone))[0] == (
        "Base image: debian:trixie-slim (it has Python 3.13, asked for with --python)."
    )


def test_an_end_of_life_python_asked_for_names_the_flag(tmp_path: Path) -> None:
    """--python 3.9 is refused as runtime.txt's would be, naming --python."""
    workshop = Workshop(workshop_with(tmp_path / "w", {}), python="3.9")
    with pytest.raises(errors.UnsupportedPython, match=r"^--python asks for Python 3\.9, "):
        render_context(workshop)


@pytest.mark.parametrize("text", ["3", "3.12.1", "python-3.12", "4.0", "3.x", ""])
def test_a_python_version_is_major_and_minor(tmp_path: Path, text: str) -> None:
    """Only X.Y of Python 3: anything else is an InvalidOption saying the form."""
    with pytest.raises(errors.InvalidOption, match=r"not a Python version such as 3\.12"):
        Workshop(workshop_with(tmp_path / "w", {}), python=text)


def test_runtime_with_another_base_becomes_a_build_argument(tmp_path: Path) -> None:
    """With a base given, runtime.txt selects that Python's Debian package in it."""
    workshop = Workshop(workshop_with(tmp_path / "w", {"runtime.txt": "python-3.12"}))
    args = render_context(workshop, base_image="ubuntu:24.04").build_args
    assert args == {"BASE_IMAGE": "ubuntu:24.04", "PYTHON_VERSION": "3.12"}


@pytest.mark.parametrize("text", ["r-four", "python3.11", "", "python-x"])
def test_malformed_runtime_is_refused(tmp_path: Path, text: str) -> None:
    """runtime.txt must name a Python or an R version."""
    with pytest.raises(errors.WorkshopError) as caught:
        Workshop(workshop_with(tmp_path / "w", {"runtime.txt": text}))
    assert "runtime.txt" in str(caught.value)


def test_a_package_brings_its_setup_files_and_a_marker(tmp_path: Path) -> None:
    """pyproject.toml, setup.py and setup.cfg go with the package, each as it is on disk."""
    files = {"pyproject.toml": "[project]\n", "setup.py": "# setup\n", "setup.cfg": "[metadata]\n"}
    context = render_context(Workshop(workshop_with(tmp_path / "w", files)))
    for name, text in files.items():
        assert context.read(f"workshop/package/{name}") == text.encode()
    assert context.read("workshop/package/.wiw-package") == b""


def test_an_own_dockerfile_context_is_the_folder_with_its_dependency_files(
    tmp_path: Path,
) -> None:
    """The Dockerfile at the top, the content by its path, dependency files by their name."""
    folder = workshop_with(tmp_path / "w", {
        "Dockerfile": "FROM scratch\n", "requirements.txt": "qrcode\n", "data/a.csv": "1,2\n",
    })  # fmt: skip
    (folder / "runtime.txt").mkdir()  # a folder with a dependency file's name is no file
    context = render_context(Workshop(folder))
    assert set(context.files) == {"Dockerfile", "lesson01.ipynb", "requirements.txt", "data/a.csv"}
    assert context.read("Dockerfile") == b"FROM scratch\n"
    assert context.read("requirements.txt") == b"qrcode\n"
    assert context.read("data/a.csv") == b"1,2\n"


def test_written_contexts_have_fixed_modes(tmp_path: Path) -> None:
    """Executable sources are written 0755, everything else 0644, whatever the umask."""
    folder = workshop_with(
        tmp_path / "w", {"postBuild": "#!/bin/sh\n", "notes.txt": "n\n"}, executable=("postBuild",)
    )
    out = tmp_path / "out"
    render_context(Workshop(folder)).write(out)
    assert (out / "workshop/package/postBuild").stat().st_mode & 0o777 == 0o755
    assert (out / "workshop/lessons/notes.txt").stat().st_mode & 0o777 == 0o644
    assert (out / "workshop/package/.wiw-package").stat().st_mode & 0o777 == 0o644
