"""Building, tagging and pruning images on a real engine."""

from __future__ import annotations

import json
import subprocess
import tarfile
from pathlib import Path

import nbformat
import pytest

import wiw
from wiw.cli.main import main
from wiw.engine.labels import MANAGED, WORKSHOP
from wiw.engine.protocol import ContainerEngine
from wiw.engine.types import ContainerSpec


def test_example_workshop_builds_with_labels(example_image: wiw.Image) -> None:
    """The example image exists, carries wiw's labels and a plausible size."""
    assert example_image.exists
    assert example_image.labels[MANAGED] == "true"
    assert example_image.labels[WORKSHOP] == "example-workshop"
    assert 100e6 < example_image.size < 2e9
    record = example_image.last_build
    assert record is not None
    assert record.steps > 10


def edit_first_lesson(folder: Path) -> None:
    """Add a markdown cell to lesson 1, as an instructor fixing a typo would."""
    path = folder / "lesson01.ipynb"
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_markdown_cell("One more note."))
    nbformat.write(notebook, path)


def test_lesson_edit_rebuilds_from_cache(
    example_image: wiw.Image, workshop_copy: Path, run_id: str, made_images: list[str]
) -> None:
    """Editing one lesson reinstalls nothing: every dependency step comes from the cache."""
    edit_first_lesson(workshop_copy)
    ref = f"wiw-test/example-workshop:edited-{run_id}"
    made_images.append(ref)
    lines: list[str] = []
    image = wiw.Image.build(
        wiw.Workshop(workshop_copy),
        tag=ref,
        engine=example_image.engine,
        on_progress=lambda event: lines.append(event.line),
        show_progress=False,
    )
    record = image.last_build
    assert record is not None
    assert image.id != example_image.id
    assert not [
        line for line in lines if line.startswith(("Collecting ", "Successfully installed"))
    ]
    copy_step = next(i for i, line in enumerate(lines) if "workshop/lessons/" in line)
    # Every step before the lessons' COPY was served from the cache.
    assert record.cached_steps >= sum(1 for line in lines[:copy_step] if "pip install" in line)
    assert any("Using cache" in line or "CACHED" in line for line in lines[:copy_step])
    assert not any(" ---> Running in" in line for line in lines[:copy_step] if "RUN" in line)


def build_variant(folder: Path, name: str, tag: str, engine: ContainerEngine, n: int) -> wiw.Image:
    """Build the workshop in ``folder`` under ``name`` with lesson content variant ``n``."""
    (folder / "variant.txt").write_text(f"variant {n}\n")
    return wiw.Image.build(
        wiw.Workshop(folder, name=name), tag=tag, engine=engine, show_progress=False
    )


def import_unlabelled(engine: ContainerEngine, ref: str, tmp_path: Path) -> None:
    """Create an image wiw did not make: an empty filesystem imported under ``ref``."""
    archive = tmp_path / "empty.tar"
    (tmp_path / "hello.txt").write_text("not wiw's")
    with tarfile.open(archive, "w") as tar:
        tar.add(tmp_path / "hello.txt", arcname="hello.txt")
    subprocess.run(
        [*engine.client_call, "import", str(archive), ref], check=True, capture_output=True
    )


def test_prune_keeps_what_a_tag_or_a_container_uses_through_build_edit_revert(  # noqa: PLR0917
    example_image: wiw.Image,
    workshop_copy: Path,
    run_id: str,
    made_images: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Build, edit and build, revert and build: prune keeps what the tag points at.

    The cache hands back the first image, with its old creation time, and the
    tag points at it again. Prune keeps it, counts the edit's build as an
    'other' image, spares that while a container uses it, and never touches an
    image wiw did not make.
    """
    engine, name, tag = example_image.engine, f"prune-{run_id}", f"wiw-test/prune:{run_id}"
    made_images.append(tag)
    first = build_variant(workshop_copy, name, tag, engine, 0).id
    edited = build_variant(workshop_copy, name, tag, engine, 1).id
    reverted = build_variant(workshop_copy, name, tag, engine, 0).id
    assert reverted == first != edited
    stranger = f"wiw-test/not-ours:{run_id}"
    made_images.append(stranger)
    import_unlabelled(engine, stranger, tmp_path)

    assert main(["prune", "--keep", "1", "--workshop", name, "--dry-run"]) == 0
    assert "would remove 0 image(s)" in capsys.readouterr().out
    dry = wiw.Image.prune(keep=0, workshop=name, dry_run=True, engine=engine)
    assert dry.removed == [edited]
    assert tag in dry.kept

    user = engine.container_create(ContainerSpec(image=edited, name=f"uses-{run_id}",
                                                 labels={}, command=("true",)))  # fmt: skip
    try:
        in_use = wiw.Image.prune(keep=0, workshop=name, engine=engine)
        assert in_use.removed == []
        assert wiw.Image(edited, engine=engine).exists
    finally:
        engine.container_remove(user)
    result = wiw.Image.prune(keep=0, workshop=name, engine=engine)
    assert result.removed == [edited]
    assert not wiw.Image(edited, engine=engine).exists
    assert wiw.Image(tag, engine=engine).id == first
    assert wiw.Image(stranger, engine=engine).exists
    assert example_image.exists


def test_tag_and_remove(example_image: wiw.Image, run_id: str, made_images: list[str]) -> None:
    """Tagging adds a reference to the same image; removing it leaves the original."""
    ref = f"wiw-test/tagged:{run_id}"
    made_images.append(ref)
    tagged = example_image.tag(ref)
    assert tagged.id == example_image.id
    tagged.remove()
    assert not tagged.exists
    assert example_image.exists


def test_not_enough_disk_refuses_before_building(
    example_image: wiw.Image, workshop_copy: Path, run_id: str
) -> None:
    """With too little free disk the build is refused, saying what is free and reclaimable."""
    ref = f"wiw-test/too-big:{run_id}"
    with pytest.raises(wiw.NotEnoughDisk) as caught:
        wiw.Image.build(
            wiw.Workshop(workshop_copy), tag=ref, min_free=2**60, engine=example_image.engine
        )
    err = caught.value
    assert 0 < err.free < err.required
    assert "GiB" in str(err)
    assert "wiw prune" in str(err)
    assert not wiw.Image(ref, engine=example_image.engine).exists


# What a learner's server must not load as it starts: the language servers, which the
# server's configuration switches off, and the optional format checks the image leaves
# out. A version bump that brings one back fails here. (The classic notebook's shim is
# off too, but JupyterLab imports its module, a millisecond.)
NOT_AT_START = ("jupyter_lsp", "rfc3987_syntax", "lark")
SERVER_START = """
import json, sys
from jupyter_server.serverapp import ServerApp
app = ServerApp()
app.initialize(argv=[], new_httpserver=False)
print(json.dumps({"modules": sorted({m.split(".")[0] for m in sys.modules}),
                  "extensions": sorted(app.extension_manager.extension_apps)}))
"""


def test_a_learners_server_starts_without_what_no_workshop_uses(example_image: wiw.Image) -> None:
    """The image's server, configured and its extensions loaded: none of NOT_AT_START imported."""
    ran = subprocess.run(
        [*example_image.engine.client_call, "run", "--rm", "--entrypoint", "/opt/wiw/bin/python",
         example_image.ref, "-c", SERVER_START],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-2000:]
    started = json.loads(ran.stdout.strip().splitlines()[-1])
    assert {"jupyterlab", "jupyter_server_terminals"} <= set(started["extensions"])
    assert {"jupyterlab", "jupyter_server_terminals", "tornado"} <= set(started["modules"])
    assert not set(NOT_AT_START) & set(started["modules"])
