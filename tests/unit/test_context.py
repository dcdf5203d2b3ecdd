"""The build context is decided as data, before any engine call."""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from wiw.build.context import render_context
from wiw.build.workshop import Workshop
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
        "wiw/page_config.json",
        "wiw/jupyter_server_config.py",
        "wiw/jupyterhub_config.py",
        "wiw/wiw_proxy.py",
        "wiw/wiw_auth.py",
        "wiw/wiw_sync.py",
        "wiw/lab-overrides.json",
        "wiw/wiw-start",
        "wiw/wiw_contract.py",
        "workshop/requirements.txt",
        "workshop/apt.txt",
        "workshop/package/.wiw-package",
        "workshop/lessons/lesson01.ipynb",
        "workshop/lessons/data/points.csv",
    }
    assert context.read("workshop/requirements.txt") == b"qrcode\n"
    assert context.build_args == {"BASE_IMAGE": "debian:bookworm-slim"}


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


def _pins(text: str) -> dict[str, str]:
    lines = (line.split(";")[0].split("#")[0].strip() for line in text.splitlines())
    return dict(line.split("==") for line in lines if "==" in line)


def test_dockerfile_meets_runtime_requirements() -> None:
    """Non-root learner, an init process, no package caches, and the security floors."""
    dockerfile = (support_dir() / "Dockerfile").read_text()
    installer = (support_dir() / "wiw-install").read_text()
    pins = (support_dir() / "requirements.txt").read_text()
    assert "tini" in dockerfile
    assert "rm -rf /var/lib/apt/lists/*" in dockerfile
    assert "--no-cache-dir" in installer
    assert "--no-cache " in installer
    final_user = [line for line in dockerfile.splitlines() if line.startswith("USER ")][-1]
    assert "root" not in final_user
    versions = _pins(pins)
    assert tuple(map(int, versions["jupyterhub"].split(".")[:3])) >= (5, 5, 1)
    assert tuple(map(int, versions["jupyter-server"].split(".")[:2])) >= (2, 20)


def test_written_context_matches_rendered_files(tmp_path: Path) -> None:
    """Writing the context reproduces each file and makes the entry point executable."""
    context = render_context(make_workshop(tmp_path / "ws"))
    dest = tmp_path / "ctx"
    context.write(dest)
    for name in context.files:
        assert (dest / name).read_bytes() == context.read(name)
    assert (dest / "wiw/wiw-start").stat().st_mode & 0o111
    assert not (dest / "Dockerfile").stat().st_mode & 0o111


def test_lock_pins_what_requirements_name() -> None:
    """Every runtime pin is in the lock at the same version; the trimmed packages are not."""
    top = _pins((support_dir() / "requirements.txt").read_text())
    locked = _pins((support_dir() / "requirements.lock").read_text())
    assert {name: locked.get(name) for name in top} == top
    assert len(locked) > 3 * len(top)  # transitive dependencies are pinned too
    assert "rfc3987-syntax" not in locked
    assert "lark" not in locked
