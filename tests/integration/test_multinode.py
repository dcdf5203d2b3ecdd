"""A class on a Swarm of three nodes, all on this machine: spread, pinned, restarted, collected.

The nodes are containers running their own Docker engine (tests/support/nodes.py).
Six learners join through the manager; their servers spread over the three
nodes; a worker is switched off and on again; nobody's files are lost or
hidden, and a learner whose machine is off is told so; 'wiw collect' gathers
every home from every node. Slow (a node image, three engines, a registry):
``nox -s multinode`` runs it alone.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import wiw
from tests.support.engine import free_port, require
from tests.support.learners import SimLearner, join_and_write
from tests.support.nodes import NODE_IMAGE, Swarm, docker, node_image, three_node_swarm
from tests.support.registry import Registry, start_registry
from wiw.classroom.lifecycle import Classroom, ClassroomOptions
from wiw.classroom.seats import Seats, taken_seats
from wiw.contract import SEAT_LABEL
from wiw.waiting import poll

pytestmark = pytest.mark.multinode
LEARNERS = 6
NOT_RUNNING = 424  # JupyterHub's answer for a stopped server's address


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """The loopback registry images are pushed to."""
    yield from start_registry(tmp_path_factory.mktemp("registry"))


@pytest.fixture(scope="module")
def swarm(engine: wiw.Engine, run_id: str, registry: Registry) -> Iterator[Swarm]:
    """Three nodes in a swarm; the node image is removed again afterwards."""
    try:
        node_image(engine)
    except AssertionError as exc:
        require(False, f"the node image could not be built: {exc}")
    try:
        with three_node_swarm(engine, run_id[:8], hub_port=free_port(),
                              registry_data=registry.storage) as formed:  # fmt: skip
            yield formed
    finally:
        docker(engine, "image", "rm", NODE_IMAGE)


@pytest.fixture(scope="module")
def image(example_image: wiw.Image, registry: Registry, swarm: Swarm, run_id: str) -> wiw.Image:
    """The example image, pushed to the registry and pulled by the manager as nodes name it."""
    repository = f"{registry.address}/wiw-test/multinode"
    example_image.push(repository, run_id)
    docker(example_image.engine, "image", "rm", f"{repository}:{run_id}")
    ref = f"{swarm.pull_from}/wiw-test/multinode:{run_id}"
    assert swarm.manager_engine is not None
    docker(swarm.manager_engine, "pull", ref)
    return wiw.Image(ref, engine=swarm.manager_engine)


def _nodes_of(room: Classroom) -> dict[str, str | None]:
    """Each learner's node, as the hub records it."""
    return {learner.name: learner.node for learner in room.learners()}


def _write(learner: SimLearner) -> str:
    """Have the learner save a file of their own; its name."""
    name = f"work-of-{learner.name}.txt"
    code = f"open({name!r}, 'w').write({learner.name!r}); print('saved')"
    assert learner.execute(learner.start_kernel(), code) == "saved\n"
    return name


def _visit(learner: SimLearner) -> str:
    """What a returning learner's browser shows.

    The lab's address, and then, as JupyterHub's "not running" page does by
    script, the address that starts their server.
    """
    page = learner.http.get(f"{learner.server}lab")
    if page.status_code == NOT_RUNNING:
        page = learner.http.get(f"{learner.origin}{learner.base_path}hub/spawn/{learner.name}")
    return page.text


def _told(learner: SimLearner) -> str | None:
    """The page a returning learner gets, once it says their machine is off."""
    page = _visit(learner)
    return page if "Nothing is lost" in page else None


def _running(room: Classroom, name: str) -> bool:
    return next(lr.running for lr in room.learners() if lr.name == name)


def test_a_class_on_three_nodes_keeps_everyones_work_through_a_worker_restart(
    swarm: Swarm, image: wiw.Image, tmp_path: Path
) -> None:
    """Spread over the nodes, pinned to them, told when theirs is off, collected from all."""
    options = ClassroomOptions(backend="swarm", max_learners=LEARNERS + 2)
    room = Classroom.start(image, options, port=swarm.hub_port, public=True, host="127.0.0.1",
                           engine=image.engine)  # fmt: skip
    learners = [SimLearner(room.wait_until_ready(timeout=240)) for _ in range(LEARNERS)]
    try:
        for index, learner in enumerate(learners):
            learner.join(f"learner{index}")
        files = {}
        for learner in learners:
            learner.wait_for_lab(timeout=300)
            files[learner.name] = _write(learner)
        where = _nodes_of(room)
        assert Counter(where.values()) == {"manager": 2, "worker-a": 2, "worker-b": 2}

        swarm.stop_node("worker-a")
        swarm.wait_ready({"manager", "worker-b"})
        off = [lr for lr in learners if where[lr.name] == "worker-a"]
        for learner in learners:
            if learner not in off:
                assert files[learner.name] in learner.files()
        poll(lambda: not any(_running(room, lr.name) for lr in off) or None, timeout=120,
             what="the hub to see those servers stop", interval=2)  # fmt: skip
        page = poll(lambda: _told(off[0]), timeout=120, what="a learner told", interval=2)
        assert "worker-a" in page

        swarm.start_node("worker-a")
        swarm.wait_ready({"manager", "worker-a", "worker-b"})
        for learner in off:  # they reload the page that told them
            assert "Nothing is lost" not in _visit(learner)
            learner.wait_for_lab(timeout=420)
            assert files[learner.name] in learner.files()
        assert _nodes_of(room) == where

        folders = room.collect_work(tmp_path / "collected")
        assert {f.name for f in folders} == set(files)
        for folder in folders:
            assert (folder / files[folder.name]).read_text() == folder.name
    finally:
        for learner in learners:
            learner.close()
        room.destroy(confirm=True)
    assert not image.engine.services_labelled(f"org.wiw.workshop={room.names.workshop}")


def _seat_nodes(swarm: Swarm, workshop: str) -> dict[str, str]:
    """Each seat's service (by seat id) and the node its task runs on."""

    def manager(*args: str) -> str:
        return swarm.manager.docker(swarm.host, *args)

    found = {}
    for name in manager("service", "ls", "--filter", f"label=org.wiw.workshop={workshop}",
                        "--format", "{{.Name}}").split():  # fmt: skip
        labels = json.loads(
            manager("service", "inspect", name, "--format", "{{json .Spec.Labels}}")
        )
        if SEAT_LABEL in labels:
            node = manager("service", "ps", name, "--filter", "desired-state=running",
                           "--format", "{{.Node}}")  # fmt: skip
            found[labels[SEAT_LABEL]] = node.strip()
    return found


def test_seats_on_a_swarm_are_ready_on_every_node_and_taken_by_name(
    swarm: Swarm, image: wiw.Image, tmp_path: Path
) -> None:
    """One seat on each node before anyone joins; three learners at once take them by name."""
    options = ClassroomOptions(backend="swarm", max_learners=5, seats=3)
    room = Classroom.start(image, options, port=swarm.hub_port, public=True, host="127.0.0.1",
                           engine=image.engine)  # fmt: skip
    learners: list[SimLearner] = []
    try:
        join_url = room.wait_until_ready(timeout=240)
        assert room.wait_for_seats(timeout=420) == Seats(ready=3, starting=0, taken=0, spare=3)
        before = _seat_nodes(swarm, room.names.workshop)
        assert sorted(before.values()) == ["manager", "worker-a", "worker-b"]
        names = ["Ada", "Grace", "Émilie"]
        with ThreadPoolExecutor(max_workers=len(names)) as pool:
            learners = list(pool.map(lambda name: join_and_write(join_url, name), names))
        taken = taken_seats(image.engine, room.names, lambda: image.ref)
        assert sorted(taken.values()) == sorted(names)  # each on a seat, none shared
        assert set(taken) <= set(before)
        where = _nodes_of(room)
        assert {where[who] for who in names} == {before[seat] for seat in taken}
        for learner in learners:
            files = learner.files()
            assert f"mine-{learner.name}.txt" in files
            assert "lesson01.ipynb" in files
            assert not {f"mine-{other}.txt" for other in names if other != learner.name} & files
        refilled = room.wait_for_seats(timeout=420)  # the cap leaves room for two spares
        assert refilled == Seats(ready=2, starting=0, taken=3, spare=3)
        folders = room.collect_work(tmp_path / "collected")
        assert {f.name for f in folders} == set(names)
        for folder in folders:
            assert (folder / f"mine-{folder.name}.txt").read_text() == folder.name
    finally:
        for learner in learners:
            learner.close()
        room.destroy(confirm=True)
    assert not image.engine.services_labelled(f"org.wiw.workshop={room.names.workshop}")


def test_the_swarm_is_what_the_test_made(swarm: Swarm) -> None:
    """Three nodes, one manager, every node ready (a check on the test's own setup)."""
    out = swarm.manager.docker(swarm.host, "node", "ls", "--format", "{{json .}}")
    nodes = [json.loads(line) for line in out.splitlines()]
    assert sorted(n["Hostname"] for n in nodes) == ["manager", "worker-a", "worker-b"]
    assert sum(1 for n in nodes if n["ManagerStatus"]) == 1
