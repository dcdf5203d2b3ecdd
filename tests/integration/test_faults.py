"""Faults injected against the real engine, each with the error or recovery promised.

A registry vanishing mid-push, the engine dying mid-build, and the engine
restarting while a class runs.

Some of these tests stop the engine; each brings it back before it ends,
whatever happens, so they run in any order. They need ``WIW_ENGINE_STOP`` and
``WIW_ENGINE_START`` (commands that stop and start this machine's engine;
``.ci/run`` sets them); without them it is skipped, except in CI, where that fails.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import wiw
from tests.support.engine import free_port
from tests.support.learners import SimLearner
from tests.support.registry import start_registry
from tests.support.workshops import EXAMPLE, build_named
from wiw.classroom.lifecycle import Classroom
from wiw.waiting import poll


def in_background(work: Callable[[], object]) -> tuple[threading.Thread, list[BaseException]]:
    """Run ``work`` in a thread, keeping what it raised."""
    raised: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:
            raised.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, raised


def wait_for(event: threading.Event, what: str, seconds: float = 180) -> None:
    """Wait (bounded) for an event raised by the background work."""
    if not event.wait(timeout=seconds):
        pytest.fail(f"timed out waiting for {what}")


def test_registry_vanishing_mid_push_is_a_typed_error(
    example_image: wiw.Image, tmp_path_factory: pytest.TempPathFactory, run_id: str,
    made_images: list[str],
) -> None:  # fmt: skip
    """The registry dies while layers upload: the push fails with a typed error and evidence."""
    registry_gen = start_registry(tmp_path_factory.mktemp("vanishing"))
    registry = next(registry_gen)
    repository = f"{registry.address}/wiw-test/vanishing"
    made_images.append(f"{repository}:{run_id}")
    thread, raised = in_background(lambda: example_image.push(repository, run_id))
    # The registry writes each layer being uploaded to an _uploads folder:
    # wait until one holds data, so the fault hits an upload in progress.
    uploads = registry.storage / "docker" / "registry" / "v2" / "repositories"
    poll(lambda: next((f for f in uploads.rglob("_uploads/*/data") if f.stat().st_size), None),
         timeout=180, interval=0.05, what="a layer upload to start")  # fmt: skip
    registry.process.kill()
    thread.join(timeout=300)
    registry_gen.close()
    assert not thread.is_alive(), "the push never gave up"
    assert raised, "the push succeeded although the registry died"
    error = raised[0]
    assert isinstance(error, wiw.RegistryUnreachable), repr(error)
    assert error.command is not None
    assert error.command[-2:] == ["push", f"{repository}:{run_id}"]
    assert any("connection refused" in line for line in error.log_tail)
    assert "Check the registry's address" in error.hint


def test_engine_dying_mid_build_is_a_typed_error(
    example_image: wiw.Image, workshop_copy: Path, run_id: str, made_images: list[str],
    engine_restart: tuple[Callable[[], None], Callable[[], None]],
) -> None:  # fmt: skip
    """The engine is killed during a build: a typed error with evidence, and no image."""
    stop, start = engine_restart
    ref = f"wiw-test/engine-dies:{run_id}"
    made_images.append(ref)
    installing = threading.Event()

    def progress(event: wiw.BuildProgress) -> None:
        if "pip install" in event.description:
            installing.set()

    workshop = wiw.Workshop(workshop_copy)
    engine = example_image.engine
    before = engine.inventory()
    thread, raised = in_background(
        lambda: wiw.Image.build(
            workshop, tag=ref, no_cache=True, engine=example_image.engine,
            on_progress=progress, show_progress=False,
        )
    )  # fmt: skip
    wait_for(installing, "the build to reach its pip step")
    stop()
    thread.join(timeout=120)
    assert not thread.is_alive(), "the build never noticed the engine died"
    assert raised, "the build succeeded although the engine died"
    error = raised[0]
    assert isinstance(error, wiw.EngineUnavailable), f"{error!r}\n{error}"
    assert error.command is not None
    assert "build" in error.command
    assert "Start the engine" in error.hint
    start()
    assert not wiw.Image(ref, engine=example_image.engine).exists
    assert example_image.exists
    # The builder's own step container dies with the engine. It is not wiw's
    # (it carries no wiw label) and wiw cannot reach it while the engine is
    # down: that much is the engine's to clean up, so the test does.
    debris = engine.inventory().minus(before).get("containers", [])
    infos = [engine.container_info(cid) for cid in debris]
    assert not [i for i in infos if i and "org.wiw.managed" in i.labels]
    for cid in debris:
        engine.container_remove(cid)


def write_work(learner: SimLearner, n: int) -> bytes:
    """Have a learner write a file of their own (several KB, distinct) and return its bytes."""
    content = f"{learner.name} wrote this, part {n}\n" * 200
    code = f"open('work.txt', 'w').write({content!r}); print('saved')"
    assert learner.execute(learner.start_kernel(), code) == "saved\n"
    return content.encode()


def read_work(learner: SimLearner) -> bytes:
    """The learner's file as their server serves it, byte for byte."""
    response = learner.api("GET", "contents/work.txt?content=1&format=text&type=file")
    response.raise_for_status()
    return str(response.json()["content"]).encode()


def test_engine_restart_during_a_class_keeps_every_learner(
    example_image: wiw.Image, run_id: str, made_images: list[str],
    engine_restart: tuple[Callable[[], None], Callable[[], None]],
) -> None:  # fmt: skip
    """The engine restarts mid-class; 'up' again gives each learner their account and files."""
    stop, start = engine_restart
    image = build_named(EXAMPLE, f"faults-{run_id}", example_image.engine, made_images)
    options, port = wiw.ClassroomOptions(max_learners=4), free_port()
    room = Classroom.start(image, options, port=port)
    join_url = room.wait_until_ready(timeout=120)
    learners = [SimLearner(join_url) for _ in range(3)]
    try:
        written = {}
        for n, learner in enumerate(learners):
            learner.join()
            learner.wait_for_lab()
            written[learner.name] = write_work(learner, n)
        stop()
        start()
        room = Classroom.start(image, options, port=port)
        assert room.wait_until_ready(timeout=120) == join_url
        for learner in learners:
            name = learner.name
            learner.rejoin()
            assert learner.name == name
            assert read_work(learner) == written[name]
    finally:
        for learner in learners:
            learner.close()
        room.destroy(confirm=True)


@pytest.fixture
def small_engine() -> Iterator[wiw.Engine]:
    """A second engine whose disk holds 700 MB: enough to start a build, not to finish it."""
    command = os.environ.get("WIW_SMALL_ENGINE")
    if not command:
        if os.environ.get("CI"):
            pytest.fail("WIW_SMALL_ENGINE is not set: CI must fill a disk during a build")
        pytest.skip("WIW_SMALL_ENGINE is not set")
    started = subprocess.run(
        [*shlex.split(command), "start", "700"], capture_output=True, text=True, check=False
    )
    try:
        assert started.returncode == 0, started.stderr
        yield wiw.Engine(["docker", "-H", started.stdout.strip()])
    finally:
        subprocess.run([*shlex.split(command), "stop"], capture_output=True, check=False)


def test_disk_filling_up_during_a_build(small_engine: wiw.Engine, workshop_copy: Path) -> None:
    """Too little disk is refused up front; when it runs out part-way, the build fails cleanly."""
    workshop = wiw.Workshop(workshop_copy)
    with pytest.raises(wiw.NotEnoughDisk) as refused:
        wiw.Image.build(workshop, tag="wiw-test/disk-full:1", engine=small_engine)
    assert refused.value.free < refused.value.required
    with pytest.raises(wiw.BuildFailed) as caught:
        wiw.Image.build(
            workshop, tag="wiw-test/disk-full:1", engine=small_engine, min_free=0,
            network="host", show_progress=False,
        )  # fmt: skip
    assert "no space left on device" in str(caught.value).lower()
    assert not wiw.Image("wiw-test/disk-full:1", engine=small_engine).exists
    assert not small_engine.inventory().containers
