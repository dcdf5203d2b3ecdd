"""Keep each learner on the Swarm node that holds their home.

A learner's home is a named volume on the node where their server first ran.
Were their service rescheduled to another node (a restart, a node drained or
lost), it would start on an empty volume there: their work not lost, but out
of their sight. So the spawner pins every learner to one node, chosen when
they first start (the node with the fewest learners, so that a class spreads
over the swarm), remembered in the spawner's state (it survives hub restarts
in the hub's database), and given to Swarm as a placement constraint.

When that node is down or drained, the learner gets a sentence saying so
instead of a server, and the hub's poll treats their running server as gone,
so nobody ever sees an empty home in place of theirs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from tornado import web

if TYPE_CHECKING:  # the pinning is put before SwarmSpawner
    from dockerspawner import SwarmSpawner as _Spawner
else:
    _Spawner = object

__all__ = ["NodeUnavailable", "PinnedToNode", "choose_node", "node_problem"]

NOT_FOUND = 404  # what the Docker API answers for a node that left the swarm


SERVICE_UNAVAILABLE = 503


class NodeUnavailable(web.HTTPError):
    """The learner's node cannot run their server now; the message is for them.

    An HTTP error, so that the hub shows the message as it is: it replaces
    other exceptions raised early in a start by "Unhandled error".
    """

    def __init__(self, message: str) -> None:
        super().__init__(SERVICE_UNAVAILABLE, message)  # tornado escapes its % signs
        self.jupyterhub_message = message  # what the hub's pages show the learner


def node_problem(node: Mapping[str, Any] | None) -> str | None:
    """Why a node (as ``docker node inspect`` gives it) cannot run servers, or None."""
    if node is None:
        return "it has left the swarm"
    state = node.get("Status", {}).get("State", "unknown")
    if state != "ready":
        return f"it is {state}"
    availability = node.get("Spec", {}).get("Availability", "active")
    if availability != "active":
        return f"it is set to {availability}"
    return None


def choose_node(nodes: Iterable[Mapping[str, Any]], pins: Mapping[str, str]) -> str | None:
    """The usable node holding the fewest learners' homes (ties: by hostname), or None."""
    held: dict[str, int] = {}
    for node_id in pins.values():
        held[node_id] = held.get(node_id, 0) + 1
    usable = [n for n in nodes if node_problem(n) is None]
    if not usable:
        return None
    best = min(usable, key=lambda n: (held.get(n["ID"], 0), _hostname(n), n["ID"]))
    return str(best["ID"])


def _hostname(node: Mapping[str, Any]) -> str:
    return str(node.get("Description", {}).get("Hostname", ""))


class PinnedToNode(_Spawner):
    """Put before SwarmSpawner: start each learner on the node that holds their home."""

    node_id = ""
    node_name = ""
    # Every learner's node, as this hub knows it (filled from the spawners' states).
    pins: dict[str, str] = {}  # noqa: RUF012 - shared by the hub's spawners on purpose

    async def _node(self, node_id: str) -> dict[str, Any] | None:
        try:
            found: dict[str, Any] = await self.docker("inspect_node", node_id)
        except Exception as exc:  # docker.errors.NotFound when it left the swarm
            if getattr(exc, "status_code", None) == NOT_FOUND:
                return None
            raise
        return found

    async def _pick(self) -> str:
        nodes = await self.docker("nodes")
        chosen = choose_node(nodes, {u: n for u, n in self.pins.items() if u != self._who})
        if chosen is None:
            raise NodeUnavailable("No machine of this class can start a server now.")
        return chosen

    async def settle_on(self, node_id: str) -> None:
        """Make ``node_id`` this learner's node from now on (that of the seat they took)."""
        self.node_id = node_id
        self.node_name = _hostname(await self._node(node_id) or {})
        self.pins[self._who] = node_id

    @property
    def _who(self) -> str:
        return str(self.user.name)

    async def start(self) -> tuple[str, int]:
        """Start on the learner's node (chosen now if they have none), or say why not."""
        if not self.node_id:
            self.node_id = await self._pick()
        node = await self._node(self.node_id)
        problem = node_problem(node)
        if problem is not None:
            where = f"'{self.node_name}'" if self.node_name else "its machine"
            raise NodeUnavailable(
                f"Your files are kept on the class machine {where}, and {problem}. "
                "Nothing is lost: ask your instructor to bring it back, then reload this page."
            )
        self.node_name = _hostname(node or {})
        self.pins[self._who] = self.node_id
        self.extra_placement_spec = {"constraints": [f"node.id=={self.node_id}"]}
        return await super().start()

    @property
    def _failed(self) -> BaseException | bool | None:
        """The last start's failure, unless it was only the node being away.

        JupyterHub stops starting a server on a visit once its last start
        failed, until the learner presses "Relaunch". A node that was away
        may be back: a reload (which starts the server again) then tries it.
        """
        failure = super()._failed
        return None if isinstance(failure, NodeUnavailable) else failure

    async def poll(self) -> int | None:
        """A server whose node is gone counts as stopped, so the hub stops routing to it."""
        if self.node_id and node_problem(await self._node(self.node_id)) is not None:
            return 1
        return await super().poll()

    def get_state(self) -> dict[str, Any]:
        """The spawner's state, with the learner's node."""
        state = super().get_state()
        if self.node_id:
            state.update(node_id=self.node_id, node_name=self.node_name)
        return state

    def load_state(self, state: dict[str, Any]) -> None:
        """Read the learner's node back (also at every hub start)."""
        super().load_state(state)
        self.node_id = state.get("node_id", "")
        self.node_name = state.get("node_name", "")
        if self.node_id:
            self.pins[self._who] = self.node_id

    def clear_state(self) -> None:
        """Forget the service when the server stops, never the node: the home stays there."""
        node_id, node_name = self.node_id, self.node_name
        super().clear_state()
        self.node_id, self.node_name = node_id, node_name
