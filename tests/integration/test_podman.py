"""The single-machine path on Podman: build, run, smoke, lesson tests and a classroom.

Podman runs rootful beside the Docker engine (``.ci/podman.sh`` sets it up,
with its Docker-compatible API socket, which the classroom's hub spawns
learners through). Everything here talks to Podman only, and checks that
everything it made on Podman is gone afterwards. Slow (a whole build on a
second engine): ``nox -s podman`` runs it alone.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

import wiw
from tests.support.engine import free_port, need_tool, require
from tests.support.learners import SimLearner
from tests.support.workshops import EXAMPLE
from wiw import classroom as cls
from wiw.classroom.lifecycle import Classroom, ClassroomOptions
from wiw.engine import default_engine
from wiw.engine import labels as _labels
from wiw.planning import LearnerLimits

pytestmark = pytest.mark.podman
LESSONS = {"lesson01.ipynb", "lesson02.ipynb", "lesson03.ipynb"}


@pytest.fixture(scope="module")
def podman() -> Iterator[wiw.Engine]:
    """Podman as wiw's engine; the run fails if it leaves anything on Podman."""
    engine = wiw.Engine([need_tool("podman", "the Podman tests drive it")])
    try:
        engine.ping()
        socket = engine.api_socket()
    except wiw.WiwError as exc:
        require(False, f"Podman does not answer (.ci/podman.sh starts it): {exc.message}")
    require(Path(socket).is_socket(), f"Podman's API socket {socket} is missing")
    before = engine.inventory()
    yield engine
    after = engine.inventory()
    left = {
        "containers": sorted(after.containers - before.containers),
        "networks": sorted(after.networks - before.networks),
        "volumes": sorted(after.volumes - before.volumes),
    }
    assert not any(left.values()), f"left behind on Podman: {left}"


@pytest.fixture(scope="module")
def image(podman: wiw.Engine, run_id: str) -> Iterator[wiw.Image]:
    """The example workshop built by Podman; removed at the end."""
    built = wiw.Image.build(
        wiw.Workshop(EXAMPLE), tag=f"wiw-test/podman:{run_id}", engine=podman, show_progress=False
    )
    try:
        yield built
    finally:
        built.remove()


def test_podman_builds_an_image_wiw_knows_as_its_own(image: wiw.Image) -> None:
    """The build has wiw's labels and the workshop's fingerprint, as Docker's does."""
    assert image.exists
    assert image.engine.is_podman
    assert image.labels[_labels.MANAGED] == "true"
    assert image.labels[_labels.CONTEXT]
    assert image.workshop == "example-workshop"


def test_podman_runs_the_lab_and_the_url_opens_the_lessons(image: wiw.Image) -> None:
    """Lab.run on Podman: wait_for_token's URL opens JupyterLab; stopping removes the container."""
    with wiw.Lab.run(image) as hub:
        url = hub.wait_for_token(timeout=90)
        assert urlsplit(url).hostname == "127.0.0.1"
        with httpx.Client(timeout=30, follow_redirects=True) as client:
            page = client.get(url)
            assert page.status_code == 200
            assert "JupyterLab" in page.text
        running = image.engine.containers_labelled("org.wiw.workshop=example-workshop")
        assert running
    assert not image.engine.containers_labelled("org.wiw.workshop=example-workshop")


def test_podman_runs_every_lesson(image: wiw.Image) -> None:
    """Lesson testing inside the Podman-built image: all pass, with the peak memory read."""
    workshop = wiw.Workshop(EXAMPLE)
    report = wiw.test_lessons(workshop, image)
    assert report.ok, report.to_json()
    assert [r.lesson for r in report.results] == [p.name for p in workshop.lessons]
    assert report.peak_memory is not None


def test_podman_classroom_keeps_learners_apart_and_collects_their_work(
    image: wiw.Image, tmp_path: Path
) -> None:
    """Two learners join through Podman's API socket with their own files; collect; destroy."""
    options = ClassroomOptions(max_learners=3, limits=LearnerLimits(memory="384m", pids=256))
    room = Classroom.start(image, options, port=free_port())
    learners = [SimLearner(room.join_url), SimLearner(room.join_url)]
    try:
        room.wait_until_ready(timeout=120)
        for learner in learners:
            learner.join()
            learner.wait_for_lab()
            code = f"open('mine.txt', 'w').write({learner.name!r}); print('ok')"
            assert learner.execute(learner.start_kernel(), code) == "ok\n"
            assert learner.files() >= LESSONS
        seen = {learner.name: learner for learner in room.learners()}
        assert set(seen) == {learner.name for learner in learners}
        assert all(learner.memory for learner in seen.values()), seen
        folders = room.collect_work(tmp_path / "work")
        written = {(folder / "mine.txt").read_text() for folder in folders}
        assert written == {learner.name for learner in learners}
    finally:
        for learner in learners:
            learner.close()
        removed = cls.destroy(room.names.workshop, confirm=True, engine=image.engine)
    assert removed, "destroy removed no learner volume"
    assert not cls.learner_volumes(room.names.workshop, engine=image.engine)


def test_podman_is_what_wiw_picks_when_asked_and_what_it_measures(
    podman: wiw.Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """WIW_ENGINE=podman makes the default engine Podman; its memory, CPUs and disk are read."""
    monkeypatch.setenv("WIW_ENGINE", "podman")
    chosen = default_engine()
    assert chosen.is_podman
    assert os.path.basename(chosen.client_call[0]) == "podman"
    memory, cpus = chosen.host_resources()
    assert memory > 2**30
    assert cpus == os.cpu_count()
    root = chosen.data_root()
    assert root is not None
    assert Path(root).is_dir()
