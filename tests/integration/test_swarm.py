"""The classroom on Docker Swarm: learners' servers are Swarm services.

A single-node swarm stands in for a set of machines; the engine is left as it
was found (a swarm this test made is left again, with its bridge network).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

import wiw
from tests.support.engine import free_port, require
from tests.support.learners import SimLearner
from tests.support.workshops import EXAMPLE, build_named
from wiw.classroom.lifecycle import Classroom, ClassroomOptions


def _docker(engine: wiw.Engine, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*engine.client_call, *args], capture_output=True, text=True, check=False
    )


@pytest.fixture(scope="module")
def swarm(engine: wiw.Engine) -> Iterator[wiw.Engine]:
    """A single-node swarm on loopback, made here and left again: the engine as found.

    The engine must not be in a swarm already (it would not be left as found);
    outside CI that skips, in CI it fails.
    """
    require(not engine.swarm_manager(), "the engine is already in a swarm")
    networks = set(_docker(engine, "network", "ls", "--format", "{{.Name}}").stdout.split())
    made = _docker(engine, "swarm", "init", "--advertise-addr", "127.0.0.1")
    assert made.returncode == 0, made.stderr
    try:
        yield engine
    finally:
        left = _docker(engine, "swarm", "leave", "--force")
        removed = (
            _docker(engine, "network", "rm", "docker_gwbridge")
            if "docker_gwbridge" not in networks
            else None
        )
    assert left.returncode == 0, left.stderr
    assert removed is None or removed.returncode == 0, removed.stderr
    assert not engine.swarm_manager()
    after = set(_docker(engine, "network", "ls", "--format", "{{.Name}}").stdout.split())
    assert after == networks


def test_swarm_mode_needs_a_manager(engine: wiw.Engine, example_image: wiw.Image) -> None:
    """Outside a swarm, a Swarm classroom is refused with the command that fixes it."""
    require(not engine.swarm_manager(), "the engine is already in a swarm")
    with pytest.raises(wiw.HubError) as caught:
        Classroom.start(example_image, ClassroomOptions(backend="swarm"))
    assert "docker swarm init" in str(caught.value)


def test_swarm_classroom_serves_learners_and_keeps_files_across_a_hub_restart(
    swarm: wiw.Engine, example_image: wiw.Image, run_id: str, made_images: list[str]
) -> None:
    """A learner gets a Swarm service, writes a file, and finds it after the hub is re-created."""
    image = build_named(EXAMPLE, f"swarm-{run_id}", swarm, made_images)
    options = ClassroomOptions(backend="swarm", max_learners=3)
    port = free_port()
    room = Classroom.start(image, options, port=port)
    learner = SimLearner(room.wait_until_ready(timeout=120))
    try:
        learner.join()
        learner.wait_for_lab()
        assert learner.execute(learner.start_kernel(), "open('swarm.txt', 'w'); print(1)") == "1\n"
        services = swarm.services_labelled(f"org.wiw.workshop={room.names.workshop}")
        assert len(services) == 1
        swarm.container_kill(room.names.hub)
        room = Classroom.start(image, options, port=port)
        room.wait_until_ready(timeout=120)
        learner.wait_for_lab()
        assert "swarm.txt" in learner.files()
        assert [r.name for r in room.learners()] == [learner.name]
    finally:
        learner.close()
        room.destroy(confirm=True)
    assert not swarm.services_labelled(f"org.wiw.workshop={room.names.workshop}")
