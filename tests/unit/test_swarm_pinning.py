"""Learners stay on the Swarm node that holds their home (jupyterhub/hub/wiw_swarm.py).

The spawner logic runs here over a stand-in for SwarmSpawner that answers
the two Docker calls it makes the way the Docker API does; the multi-node
test (tests/integration/test_multinode.py) runs it on a real swarm.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.support.hubside import load_support_module

SWARM = load_support_module("wiw_swarm")


def node(
    ident: str, host: str, state: str = "ready", availability: str = "active"
) -> dict[str, Any]:
    """A node as 'docker node inspect' describes it (the fields that matter here)."""
    return {"ID": ident, "Description": {"Hostname": host}, "Status": {"State": state},
            "Spec": {"Availability": availability}}  # fmt: skip


class NotFound(Exception):
    """docker.errors.NotFound, as far as the spawner looks at it."""

    status_code = 404


class FakeSwarmSpawner:
    """Records what SwarmSpawner would have been asked; the nodes are the test's."""

    nodes: dict[str, dict[str, Any]] = {}  # noqa: RUF012

    def __init__(self, user: str) -> None:
        self.user = SimpleNamespace(name=user)
        self.extra_placement_spec: dict[str, Any] = {}
        self.started_with: list[dict[str, Any]] = []
        self.object_id = ""
        self.last_failure: BaseException | None = None

    async def docker(self, method: str, *args: Any) -> Any:
        """``nodes`` or ``inspect_node``, as docker-py's APIClient answers them."""
        if method == "nodes":
            return list(self.nodes.values())
        assert method == "inspect_node", method
        if args[0] not in self.nodes:
            raise NotFound(f"node {args[0]} not found")
        return self.nodes[args[0]]

    async def start(self) -> tuple[str, int]:
        """Record the placement the service would have been created with."""
        self.started_with.append(dict(self.extra_placement_spec))
        self.object_id = "service-id"
        return "10.0.0.5", 8888

    async def poll(self) -> int | None:
        """Running, as far as Swarm knows."""
        return None

    @property
    def _failed(self) -> BaseException | None:
        """The last start's exception, as JupyterHub's Spawner keeps it."""
        return self.last_failure

    def get_state(self) -> dict[str, Any]:
        """The service id, as DockerSpawner keeps it."""
        return {"object_id": self.object_id} if self.object_id else {}

    def load_state(self, state: dict[str, Any]) -> None:
        """Read the service id back."""
        self.object_id = state.get("object_id", "")

    def clear_state(self) -> None:
        """Forget the service."""
        self.object_id = ""


@pytest.fixture
def spawner_class(monkeypatch: pytest.MonkeyPatch) -> Any:
    """A pinned spawner over the stand-in, with a three-node swarm and no pins yet."""
    monkeypatch.setattr(SWARM.PinnedToNode, "pins", {})
    monkeypatch.setattr(FakeSwarmSpawner, "nodes", {
        "m": node("m", "manager"), "a": node("a", "worker-a"), "b": node("b", "worker-b"),
    })  # fmt: skip
    return type("Spawner", (SWARM.PinnedToNode, FakeSwarmSpawner), {})


def test_a_class_spreads_over_the_nodes(spawner_class: Any) -> None:
    """Six learners starting one after another land two on each node, each pinned."""
    spawners = [spawner_class(f"learner{i}") for i in range(6)]
    for spawner in spawners:
        asyncio.run(spawner.start())
    placed = [s.started_with[-1]["constraints"] for s in spawners]
    assert sorted(c[0] for c in placed) == sorted(["node.id==a", "node.id==b", "node.id==m"] * 2)
    assert {s.node_name for s in spawners} == {"manager", "worker-a", "worker-b"}


def test_the_node_survives_stop_and_hub_restart(spawner_class: Any) -> None:
    """Stopping clears the service, not the node; a new hub reads the node back."""
    asyncio.run(spawner_class("grace").start())  # on the manager: Ada gets worker-a
    first = spawner_class("ada")
    asyncio.run(first.start())
    first.clear_state()
    state = first.get_state()
    assert "object_id" not in state
    assert state == {"node_id": "a", "node_name": "worker-a"}
    SWARM.PinnedToNode.pins.clear()  # a new hub process
    again = spawner_class("ada")
    again.load_state(state)
    assert (again.node_id, again.node_name) == ("a", "worker-a")
    assert SWARM.PinnedToNode.pins == {"ada": "a"}
    for other in ("b1", "b2", "b3"):  # others arriving must not move her
        asyncio.run(spawner_class(other).start())
    asyncio.run(again.start())
    assert again.started_with[-1] == {"constraints": [f"node.id=={state['node_id']}"]}


@pytest.mark.parametrize(
    ("change", "words"),
    [({"Status": {"State": "down"}}, "it is down"),
     ({"Spec": {"Availability": "drain"}}, "it is set to drain"),
     (None, "it has left the swarm")],
)  # fmt: skip
def test_a_learner_whose_node_is_gone_is_told_not_given_an_empty_home(
    spawner_class: Any, change: dict[str, Any] | None, words: str
) -> None:
    """No server elsewhere: a sentence naming their machine and what to do."""
    ada = spawner_class("ada")
    asyncio.run(ada.start())
    assert asyncio.run(ada.poll()) is None  # running, on a node that is there
    where = ada.node_id
    if change is None:
        del FakeSwarmSpawner.nodes[where]
    else:
        FakeSwarmSpawner.nodes[where] = {**FakeSwarmSpawner.nodes[where], **change}
    assert asyncio.run(ada.poll()) == 1  # the hub stops routing to it
    with pytest.raises(SWARM.NodeUnavailable) as caught:
        asyncio.run(ada.start())
    message = caught.value.jupyterhub_message
    assert f", and {words}. Nothing is lost" in message
    assert f"'{ada.node_name}'" in message
    assert message.endswith(
        ". Nothing is lost: ask your instructor to bring it back, then reload this page."
    )
    assert len(ada.started_with) == 1  # never started anywhere else


def test_no_usable_node_is_said_plainly(spawner_class: Any) -> None:
    """With every node drained, a first start is refused with a sentence."""
    for key, value in list(FakeSwarmSpawner.nodes.items()):
        FakeSwarmSpawner.nodes[key] = {**value, "Spec": {"Availability": "drain"}}
    with pytest.raises(SWARM.NodeUnavailable) as caught:
        asyncio.run(spawner_class("ada").start())
    assert caught.value.jupyterhub_message == "No machine of this class can start a server now."


def test_other_errors_from_the_manager_are_not_hidden(spawner_class: Any) -> None:
    """Only 'not found' means gone; any other error reaches the hub's log."""

    class Broken(spawner_class):  # type: ignore[misc]
        async def docker(self, method: str, *args: Any) -> Any:
            """The manager does not answer."""
            raise RuntimeError("manager unreachable")

    spawner = Broken("ada")
    spawner.node_id = "a"
    with pytest.raises(RuntimeError, match="manager unreachable"):
        asyncio.run(spawner.poll())


@given(st.lists(st.sampled_from(["a", "b", "c", "gone"]), max_size=30),
       st.sets(st.sampled_from(["a", "b", "c"]), min_size=1))  # fmt: skip
def test_the_choice_is_a_usable_node_holding_the_fewest(
    pinned: list[str], usable: set[str]
) -> None:
    """Whatever the pins, the chosen node is usable and no usable node holds fewer."""
    nodes = [node(n, f"host-{n}", "ready" if n in usable else "down") for n in "abc"]
    pins = {f"learner{i}": n for i, n in enumerate(pinned)}
    chosen = SWARM.choose_node(nodes, pins)
    assert chosen in usable
    assert all(pinned.count(chosen) <= pinned.count(n) for n in usable)


def test_a_node_away_does_not_stop_the_next_visit_from_trying_again(spawner_class: Any) -> None:
    """A failed start stops JupyterHub from starting again on a visit; a node away does not."""
    ada = spawner_class("ada")
    ada.last_failure = SWARM.NodeUnavailable("Your files are kept on 'worker-a', and it is down.")
    assert ada._failed is None
    ada.last_failure = RuntimeError("the image is missing")
    assert ada._failed is ada.last_failure


def test_a_node_known_by_id_only_is_called_its_machine(spawner_class: Any) -> None:
    """A state without the node's name (or a node without one): the sentence still reads."""
    ada = spawner_class("ada")
    ada.load_state({})  # a learner never started: no node
    assert not ada.node_id
    assert SWARM.PinnedToNode.pins == {}
    ada.load_state({"node_id": "a"})
    assert ada.get_state() == {"node_id": "a", "node_name": ""}
    FakeSwarmSpawner.nodes["a"] = {**FakeSwarmSpawner.nodes["a"], "Status": {"State": "down"}}
    with pytest.raises(SWARM.NodeUnavailable) as caught:
        asyncio.run(ada.start())
    assert caught.value.jupyterhub_message.startswith(
        "Your files are kept on the class machine its machine, and it is down."
    )


def test_a_message_with_a_percent_sign_is_shown_as_it_is() -> None:
    """The hub shows the sentence untouched; tornado's log line of it reads the same.

    tornado logs an HTTPError as ``"%d %s: " + log_message`` formatted with %.
    """
    error = SWARM.NodeUnavailable("the node is 100% full")
    assert error.jupyterhub_message == "the node is 100% full"
    assert error.status_code == 503
    assert ("%d %s: " + error.log_message) % (503, "GET") == "503 GET: the node is 100% full"


def test_a_node_missing_fields_counts_as_unknown_or_active() -> None:
    """No state reported is not ready; no availability set is active."""
    assert SWARM.node_problem({"Spec": {"Availability": "active"}}) == "it is unknown"
    assert SWARM.node_problem({"Status": {"State": "ready"}}) is None
    assert SWARM.node_problem({"Status": {}}) == "it is unknown"


def test_a_node_without_a_hostname_sorts_first_among_equals() -> None:
    """Ties go by hostname; a node that reports none has the empty one."""
    nameless = {"ID": "z", "Status": {"State": "ready"}}
    named = node("y", "A-node")
    assert SWARM.choose_node([named, nameless], {}) == "z"
    assert SWARM.choose_node([named, nameless], {"ada": "z"}) == "y"


def test_a_learner_who_takes_a_seat_settles_on_its_node(spawner_class: Any) -> None:
    """The seat's node becomes theirs: named, pinned, kept in the state, counted by others."""
    ada = spawner_class("ada")
    asyncio.run(ada.settle_on("b"))
    assert (ada.node_id, ada.node_name) == ("b", "worker-b")
    assert SWARM.PinnedToNode.pins == {"ada": "b"}
    asyncio.run(ada.start())
    assert ada.started_with[-1] == {"constraints": ["node.id==b"]}
    assert ada.get_state() == {"object_id": "service-id", "node_id": "b", "node_name": "worker-b"}
    gone = spawner_class("bob")
    asyncio.run(gone.settle_on("x"))  # a node that left since: no name, still pinned
    assert (gone.node_id, gone.node_name) == ("x", "")
    assert SWARM.PinnedToNode.pins == {"ada": "b", "bob": "x"}
