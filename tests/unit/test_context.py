"""The build context is decided as data, before any engine call."""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from tests.support.fakeengine import FakeEngine
from tests.support.pins import pins, runtime_lock
from wiw.build.context import build_arg_flags, describe_build, render_context
from wiw.build.image import Image, build_command
from wiw.build.workshop import Workshop
from wiw.cli.main import main
from wiw.resources import support_dir


def make_workshop(folder: Path, *, requirements: str | None = "qrcode\n") -> Workshop:
    """A workshop with one lesson, a data file and optionally requirements."""
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=[new_code_cell("1")]), folder / "lesson01.ipynb")
    (folder / "data").mkdir()
    (folder / "data" / "points.csv").write_text("x,y\n")
    if requirements is not None:
        (folder / "requirements.txt").write_text(requirements)
    return Workshop(folder)


def test_context_holds_support_files_dependencies_and_lessons(tmp_path: Path) -> None:
    """Support files go under wiw/, dependency files under workshop/, lessons last."""
    context = render_context(make_workshop(tmp_path / "ws"))
    assert set(context.files) == {
        "Dockerfile",
        "wiw/requirements.lock",
        "wiw/wiw-install",
        "wiw/wiw_precompress.py",
        "wiw/wiw_static.py",
        "wiw/wiw_swarm.py",
        "wiw/wiw_seats.py",
        "wiw/wiw_seat.py",
        "wiw/page_config.json",
        "wiw/text-lessons-viewers.json",
        "wiw/jupyter_server_config.py",
        "wiw/jupyterhub_config.py",
        "wiw/wiw_proxy.py",
        "wiw/wiw_auth.py",
        "wiw/wiw_sync.py",
        "wiw/lab-overrides.json",
        "wiw/wiw-start",
        "wiw/wiw_contract.py",
        "wiw/wiw-r-install",
        "workshop/requirements.txt",
        "workshop/apt.txt",
        "workshop/r-kernel",
        "workshop/r/packages.txt",
        "workshop/r/install.R",
        "workshop/text-lessons.lock",
        "workshop/data/",
        "workshop/data.txt",
        "workshop/package/.wiw-package",
        "workshop/lessons/lesson01.ipynb",
        "workshop/lessons/data/points.csv",
    }
    assert context.read("workshop/requirements.txt") == b"qrcode\n"
    assert context.build_args == {"BASE_IMAGE": "debian:bookworm-slim"}
    # No R: the R layers read empty lists, the same for every workshop (cached).
    # No text lessons either: no Jupytext.
    for name in ("workshop/r-kernel", "workshop/r/packages.txt", "workshop/r/install.R",
                 "workshop/text-lessons.lock"):  # fmt: skip
        assert context.read(name) == b""


def test_missing_requirements_render_as_empty_file(tmp_path: Path) -> None:
    """Without requirements.txt the dependency layer installs nothing."""
    context = render_context(make_workshop(tmp_path / "ws", requirements=None))
    assert context.read("workshop/requirements.txt") == b""


def test_base_image_is_a_build_argument(tmp_path: Path) -> None:
    """The base image can be swapped without editing the Dockerfile."""
    context = render_context(make_workshop(tmp_path / "ws"), base_image="ubuntu:24.04")
    assert context.build_args["BASE_IMAGE"] == "ubuntu:24.04"
    assert "ARG BASE_IMAGE=" in context.dockerfile
    assert "FROM ${BASE_IMAGE}" in context.dockerfile


def test_dockerfile_installs_dependencies_before_lessons() -> None:
    """Editing a lesson must not invalidate the dependency layers."""
    dockerfile = (support_dir() / "Dockerfile").read_text()
    order = [
        dockerfile.index("wiw/requirements.lock"),
        dockerfile.index("workshop/requirements.txt"),
        dockerfile.index("workshop/lessons/"),
    ]
    assert order == sorted(order)
    assert "workshop/lessons/" not in dockerfile[: order[1]]


def test_dockerfile_meets_runtime_requirements() -> None:
    """Non-root learner, an init process, no package caches, and the security floors."""
    dockerfile = (support_dir() / "Dockerfile").read_text()
    installer = (support_dir() / "build" / "wiw-install").read_text()
    floors = (support_dir() / "requirements.txt").read_text()
    assert "tini" in dockerfile
    assert "rm -rf /var/lib/apt/lists/*" in dockerfile
    assert "--no-cache-dir" in installer
    assert "--no-cache " in installer
    final_user = [line for line in dockerfile.splitlines() if line.startswith("USER ")][-1]
    assert "root" not in final_user
    versions = pins(floors)
    assert tuple(map(int, versions["jupyterhub"].split(".")[:3])) >= (5, 5, 1)
    assert tuple(map(int, versions["jupyter-server"].split(".")[:2])) >= (2, 20)


def test_written_context_matches_rendered_files(tmp_path: Path) -> None:
    """Writing the context reproduces each file and makes the entry point executable."""
    context = render_context(make_workshop(tmp_path / "ws"))
    dest = tmp_path / "ctx"
    context.write(dest)
    for name in context.files:
        if name.endswith("/"):  # a folder the Dockerfile copies from, even when empty
            assert (dest / name).is_dir()
            assert context.read(name) == b""
        else:
            assert (dest / name).read_bytes() == context.read(name)
    assert list((dest / "workshop" / "data").iterdir()) == []  # no data.txt: an empty folder
    assert (dest / "wiw/wiw-start").stat().st_mode & 0o111
    assert not (dest / "Dockerfile").stat().st_mode & 0o111


def test_lock_pins_what_requirements_name() -> None:
    """Every runtime pin is in the lock at the same version; the trimmed packages are not."""
    top = pins((support_dir() / "requirements.txt").read_text())
    locked = runtime_lock()
    assert {name: locked.get(name) for name in top} == top
    assert len(locked) > 3 * len(top)  # transitive dependencies are pinned too
    assert "rfc3987-syntax" not in locked
    assert "lark" not in locked


def build_args_passed(workshop: Workshop, base_image: str | None = None) -> list[str]:
    """The ``--build-arg`` pairs a real build passes, from a build on the fake engine."""
    fake = FakeEngine()
    fake.add_image(render_context(workshop, base_image=base_image).build_args["BASE_IMAGE"], {})
    seen: list[list[str]] = []
    stream = fake.stream

    def spy(args: Sequence[str], **kwargs: Any) -> Iterator[str]:
        seen.append(list(args))
        return stream(args, **kwargs)

    fake.stream = spy  # type: ignore[method-assign]
    Image.build(workshop, base_image=base_image, engine=fake, show_progress=False)
    (args,) = [a for a in seen if a[0] in ("build", "buildx")]
    pairs = itertools.pairwise(args)
    return [f"  {flag} {value}" for flag, value in pairs if flag == "--build-arg"]


@pytest.mark.parametrize(
    ("runtime", "base", "python"),
    [
        (None, "debian:bookworm-slim", None),
        ("python-3.11", "debian:bookworm-slim", None),
        ("python-3.12", "python:3.12-slim", "3.12"),
        ("python-3.13", "debian:trixie-slim", "3.13"),
        ("python-3.14", "python:3.14-slim", "3.14"),
    ],
)
def test_the_dry_run_shows_the_base_really_chosen_and_the_args_the_build_passes(
    tmp_path: Path, runtime: str | None, base: str, python: str | None
) -> None:
    """Not the Dockerfile's ARG default: the base runtime.txt leads to, as the build passes it."""
    workshop = make_workshop(tmp_path / "ws")
    if runtime:
        (workshop.path / "runtime.txt").write_text(runtime + "\n")
        workshop = Workshop(workshop.path)
    lines = describe_build(workshop, render_context(workshop))
    assert lines[0].startswith(f"Base image: {base} (")
    flags = [line for line in lines if line.startswith("  --build-arg ")]
    expected = [f"  --build-arg BASE_IMAGE={base}"]
    expected += [f"  --build-arg PYTHON_VERSION={python}"] if python else []
    assert flags == expected
    assert flags == build_args_passed(workshop)


def test_the_dry_run_of_the_cli_prints_the_base_and_the_build_arguments(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """'wiw build --dry-run' on a python-3.13 workshop says trixie, not bookworm."""
    workshop = make_workshop(tmp_path / "ws")
    (workshop.path / "runtime.txt").write_text("python-3.13\n")
    assert main(["build", str(workshop.path), "--dry-run"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert (
        "Base image: debian:trixie-slim (it has the Python 3.13 runtime.txt asks for)." in printed
    )
    assert "  --build-arg BASE_IMAGE=debian:trixie-slim" in printed
    assert "  --build-arg PYTHON_VERSION=3.13" in printed


def test_a_base_image_asked_for_is_said_so(tmp_path: Path) -> None:
    """--base-image wins, with runtime.txt's Python from its apt."""
    workshop = make_workshop(tmp_path / "ws")
    (workshop.path / "runtime.txt").write_text("python-3.12\n")
    workshop = Workshop(workshop.path)
    lines = describe_build(
        workshop, render_context(workshop, base_image="ubuntu:24.04"), base_image="ubuntu:24.04"
    )
    assert lines[0] == (
        "Base image: ubuntu:24.04 "
        "(as asked; its python3.12, from its apt unless it brings its own)."
    )
    assert lines[2:] == [
        "  --build-arg BASE_IMAGE=ubuntu:24.04",
        "  --build-arg PYTHON_VERSION=3.12",
    ]
    assert lines[2:] == build_args_passed(workshop, "ubuntu:24.04")


def test_an_own_dockerfile_names_its_from_and_passes_nothing(tmp_path: Path) -> None:
    """A workshop's own Dockerfile decides its base; wiw passes no build arguments."""
    workshop = make_workshop(tmp_path / "ws")
    (workshop.path / "Dockerfile").write_text(
        "# mine\nFROM --platform=linux/amd64 rocker/r-ver:4\n"
    )
    workshop = Workshop(workshop.path)
    lines = describe_build(workshop, render_context(workshop))
    assert lines == [
        "Base image: rocker/r-ver:4 (the FROM of the workshop's own Dockerfile).",
        "Build arguments: none.",
    ]


def test_the_dry_run_names_what_the_dependency_files_deserve(tmp_path: Path) -> None:
    """Plain-HTTP indexes and direct URLs end the dry run as warnings."""
    workshop = make_workshop(
        tmp_path / "ws",
        requirements="--extra-index-url http://pypi.example.org/simple\n"
        "mylib @ git+https://github.com/org/mylib@v1\n",
    )
    warnings = [
        line for line in describe_build(workshop, render_context(workshop)) if "warn" in line
    ]
    assert len(warnings) == 2
    assert warnings[0].startswith("warning: requirements.txt line 1: --extra-index-url http://")
    assert "plain HTTP" in warnings[0]
    assert warnings[1].startswith("warning: requirements.txt line 2: mylib @ git+https://")
    assert "direct URL" in warnings[1]


def test_build_arguments_are_passed_sorted_by_name() -> None:
    """The flags the dry run prints are the ones build_command puts on the command line."""
    args, _ = build_command(
        FakeEngine(),
        Path("/ctx"),
        ref="wiw/x:latest",
        labels={},
        build_args={"PYTHON_VERSION": "3.13", "BASE_IMAGE": "debian:trixie-slim"},
        iidfile=Path("/iid"),
    )
    assert build_arg_flags({"PYTHON_VERSION": "3.13", "BASE_IMAGE": "debian:trixie-slim"}) == [
        "--build-arg",
        "BASE_IMAGE=debian:trixie-slim",
        "--build-arg",
        "PYTHON_VERSION=3.13",
    ]
    assert args[-5:-1] == build_arg_flags(
        {"BASE_IMAGE": "debian:trixie-slim", "PYTHON_VERSION": "3.13"}
    )
