"""Courses of other kinds in a classroom: what their learners get, beyond the lesson runner.

tests/cases/ proves each kind's lessons run in its image (``wiw test``);
here the same images serve a class, and a learner works in them as in class.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import wiw
from tests.support.engine import free_port
from tests.support.httpstub import StubServer, serving
from tests.support.learners import SimLearner
from tests.support.workshops import write_lesson
from wiw import classroom as cls
from wiw.classroom.lifecycle import Classroom, ClassroomOptions
from wiw.cli.class_commands import _internet_warning
from wiw.cli.main import main
from wiw.lessons.internet import last_report

CASES = Path(__file__).parents[1] / "cases"


def case_image(case: str, engine: wiw.Engine, run_id: str, made_images: list[str]) -> wiw.Image:
    """The image of tests/cases/CASE, under the name test_cases gives it (built once a run)."""
    workshop = wiw.Workshop(CASES / case)
    ref = f"wiw-test/case-{workshop.name}:{run_id}"
    made_images.append(ref)
    return wiw.Image.build(workshop, tag=ref, engine=engine, show_progress=False)


@contextmanager
def one_learner(image: wiw.Image) -> Iterator[SimLearner]:
    """A classroom of ``image`` with one learner whose JupyterLab answers; all removed after."""
    room = Classroom.start(image, ClassroomOptions(max_learners=2), port=free_port())
    learner = None
    try:
        room.wait_until_ready(timeout=120)
        learner = SimLearner(room.join_url)
        learner.join()
        learner.wait_for_lab()
        yield learner
    finally:
        if learner is not None:
            learner.close()
        cls.destroy(room.names.workshop, confirm=True, engine=image.engine)


def test_an_r_course_serves_its_lessons_in_the_classroom(
    engine: wiw.Engine, run_id: str, made_images: list[str]
) -> None:
    """A learner of the R course gets its lesson and an R kernel with the course's packages."""
    with one_learner(case_image("r_debian", engine, run_id, made_images)) as learner:
        assert "lesson01.ipynb" in learner.files()
        kernel = learner.start_kernel("ir")
        code = 'cat(as.character(glue::glue("{6 * 7} from R {R.version$major}")))'
        assert learner.execute(kernel, code) == "42 from R 4"
        # A learner may add R packages as they may pip-install: the library is theirs.
        assert learner.execute(kernel, "cat(file.access(.libPaths()[1], 2) == 0)") == "TRUE"


def test_text_lessons_open_as_notebooks_and_are_saved_as_text(
    engine: wiw.Engine, run_id: str, made_images: list[str]
) -> None:
    """MyST and percent lessons open as notebooks, by default, and a learner's edit stays text."""
    with one_learner(case_image("text_notebooks", engine, run_id, made_images)) as learner:
        assert {"lesson01.md", "lesson02.py", "helpers.py", "README.md"} <= learner.files()
        opened = learner.api("GET", "contents/lesson01.md", params={"type": "notebook"})
        assert opened.status_code == 200, opened.text
        notebook = opened.json()["content"]
        assert [c["cell_type"] for c in notebook["cells"]][:2] == ["markdown", "code"]
        notebook["cells"][1]["source"] = "squares = [n * n for n in range(5)]  # mine\n"
        saved = learner.api("PUT", "contents/lesson01.md",
                            json={"type": "notebook", "content": notebook})  # fmt: skip
        assert saved.status_code == 200, saved.text
        text = learner.api(
            "GET", "contents/lesson01.md", params={"type": "file", "format": "text"}
        )
        assert text.json()["content"].startswith("---\njupytext:")
        assert "squares = [n * n for n in range(5)]  # mine" in text.json()["content"]
        assert '"cells"' not in text.json()["content"]  # text, not notebook JSON
        settings = learner.get("lab/api/settings/@jupyterlab/docmanager-extension:plugin")
        schema = json.loads(settings.text)["schema"]  # the defaults, with the image's overrides
        viewers = schema["properties"]["defaultViewers"]["default"]
        assert viewers["myst"] == viewers["python"] == "Jupytext Notebook"


def test_a_workshop_without_text_lessons_carries_no_jupytext(example_image: wiw.Image) -> None:
    """Jupytext is in the images of text-lesson workshops only: the example's has none."""
    probe = "import importlib.util as u; print(u.find_spec('jupytext') is None)"
    found = subprocess.run(
        ["docker", "run", "--rm", "--entrypoint", "/opt/wiw/bin/python", example_image.ref,
         "-c", probe],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert found.stdout.strip() == "True"


@pytest.fixture
def own_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A cache folder of this test's own (where wiw keeps each image's last report)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path


def test_wiw_test_offline_names_the_cell_and_host_and_wiw_up_is_told(
    engine: wiw.Engine,
    run_id: str,
    made_images: list[str],
    own_cache: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`wiw test --offline`: the download fails, its cell and host are named, and kept for up."""
    image = case_image("needs_internet", engine, run_id, made_images)
    code = main(["test", str(CASES / "needs_internet"), "--tag", image.ref, "--no-build",
                 "--offline", "--json", str(own_cache / "r.json")], engine=engine)  # fmt: skip
    out = capsys.readouterr().out
    assert code == 1  # a lesson failed without the internet
    assert "lesson01.ipynb, cell 3: needs the internet (tried data.wiw-course.test)" in out
    assert "lesson01.ipynb, cell 4: reaches for the internet (10.255.255.1)" in out
    kept = last_report(image.id)
    assert kept is not None
    assert kept.offline
    said = _internet_warning(image, argparse.Namespace(report=None))
    assert "lesson01.ipynb cell 3 (data.wiw-course.test)" in said


def test_data_listed_in_data_txt_is_in_the_image_and_lessons_run_offline(
    engine: wiw.Engine,
    made_images: list[str],
    own_cache: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """data.txt's file is in the image, before the lessons: they read it with no network.

    It is fetched on this machine (a loopback server stands in for the web),
    checked and cached, then copied in a layer of its own.
    """
    body = b"x,y\n1,2\n3,4\n"
    folder = own_cache / "course"
    folder.mkdir()
    write_lesson(folder, "lesson01.ipynb",
                 "import csv\nrows = list(csv.DictReader(open('data/points.csv')))",
                 "assert sum(int(r['y']) for r in rows) == 6, rows")  # fmt: skip
    with serving(monkeypatch, StubServer()) as web:
        web.routes["/sets/points.csv"] = (200, body)
        digest = hashlib.sha256(body).hexdigest()
        (folder / "data.txt").write_text(f"{web.root}/sets/points.csv sha256:{digest}\n")
        workshop = wiw.Workshop(folder, name="data-course")
        ref = f"wiw-test/data-course:{secrets.token_hex(4)}"
        made_images.append(ref)
        image = wiw.Image.build(workshop, tag=ref, engine=engine, show_progress=False)
        assert [path for path, _ in web.seen] == ["/sets/points.csv"]  # fetched once, here
    report = wiw.test_lessons(workshop, image, offline=True)
    assert report.ok, report.to_json()
    assert report.needs_internet == []
    # Editing a lesson copies the data again no more (its layer is before the lessons'),
    # and needs no network: the cache has the file.
    write_lesson(folder, "lesson01.ipynb", "print(open('data/points.csv').read().count(','))")
    steps: dict[str, list[str]] = {}
    wiw.Image.build(
        wiw.Workshop(folder, name="data-course"),
        tag=ref,
        engine=engine,
        show_progress=False,
        on_progress=lambda e: steps.setdefault(e.description, []).append(e.line),
    )
    data_step = next(lines for step, lines in steps.items() if "workshop/data/" in step)
    lessons_step = next(lines for step, lines in steps.items() if "workshop/lessons/" in step)
    assert any("Using cache" in line for line in data_step), data_step
    assert not any("Using cache" in line for line in lessons_step), lessons_step
