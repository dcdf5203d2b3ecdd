"""Seats: learners' servers prepared before anyone arrives, so a class can come in at once.

A seat is a learner's container started ahead, from the workshop image, with
the same limits as every learner's: its home volume holds the lessons
already, and in it a process (``wiw-seat``) has imported the server's code
and waits. When a learner joins, the hub's spawner takes a ready seat: it
renames the container to the learner's, hands the waiting process the
learner's settings (their token, their URL), and the process starts their
server at once. The seat's home is the learner's from then on, recorded in
the spawner's state and in ``seats-taken.json`` (where ``wiw`` reads whose
home it is); a seat once taken is never offered again, since it no longer
has a seat's name.

On a swarm (``wiw up --swarm``) a seat is a service instead, placed on the
node that holds the fewest learners and seats, so that the seats spread over
the nodes (and each node has pulled the image before the class arrives). A
service cannot be renamed: a taken seat keeps its name, and
``seats-taken.json`` alone says it is taken. The spawner reaches it by that
name, as it reaches every learner's service.

This file runs twice in the hub's container: as the hub's managed service
``wiw-seats`` (``python wiw_seats.py``), which keeps spare seats ready, and
imported by the hub's configuration, whose spawner takes them. Their only
shared state is the engine and two files on the hub's volume: the service
writes ``seats.json`` (which seats are ready), the spawner ``seats-taken.json``.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
import urllib.request
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from wiw_contract import (
    HOME,
    RUNTIME,
    SEAT_LABEL,
    SEAT_PATH,
    SEAT_PORT,
    SEATS_STATUS,
    SEATS_TAKEN,
    seat_prefix,
)
from wiw_swarm import choose_node

if TYPE_CHECKING:
    from docker import APIClient

__all__ = [
    "Seat",
    "SeatPool",
    "SwarmSeatPool",
    "confinement",
    "read_taken",
    "ready_seats",
    "record_taken",
    "seat_command",
    "seats_to_start",
    "service_seats",
    "swarm_seat",
    "take_service_seat",
]

log = logging.getLogger("wiw-seats")
SEAT_SCRIPT = "/usr/local/bin/wiw-seat"
TICK = 1.0  # seconds between the service's looks at the seats
PROBE_TIMEOUT = 2.0
LEARNER_SHARES = 1024  # every learner's CPU weight (the engine's default, made explicit)
SEAT_SHARES = 2  # a free seat's: the lowest; the CPUs go to learners first
HAND_OVER_TIMEOUT = 10.0
ACCEPTED = 202


class Seat(NamedTuple):
    """A seat's container as the engine lists it.

    Attributes:
        id: The seat's id (its label), also the end of its names.
        container: The container's id.
        name: The container's name now: a seat's while free, the learner's once taken.
        image: The image id it runs.
        created: When it was made (seconds since the epoch).
    """

    id: str
    container: str
    name: str
    image: str
    created: int


def confinement(pids: int) -> dict[str, Any]:
    """What every learner's container gets beyond its memory and CPU: seats the same.

    Its CPU weight too, set explicitly: a seat starts at the lowest
    (``SEAT_SHARES``), so that starting seats never slows a learner, and gets
    a learner's when taken.
    """
    return {"pids_limit": pids, "security_opt": ["no-new-privileges:true"], "cap_drop": ["ALL"],
            "cpu_shares": LEARNER_SHARES}  # fmt: skip


def seat_command() -> list[str]:
    """What a seat runs (after the image's entry point has delivered the lessons)."""
    return [f"{RUNTIME}/bin/python", SEAT_SCRIPT]


def seats_of(listed: Iterable[Mapping[str, Any]]) -> list[Seat]:
    """The seats among containers as the engine's API lists them, oldest first."""
    labelled = [c for c in listed if c.get("Labels", {}).get(SEAT_LABEL)]
    seats = [
        Seat(
            id=str(c["Labels"][SEAT_LABEL]),
            container=str(c["Id"]),
            name=name_of(c),
            image=str(c.get("ImageID", "")),
            created=int(c.get("Created", 0)),
        )
        for c in labelled
    ]
    return sorted(seats, key=lambda s: (s.created, s.id))


def name_of(listed: Mapping[str, Any]) -> str:
    """A container's name as the engine's API lists it (``/name``), without the slash."""
    return str((listed.get("Names") or ["/"])[0]).lstrip("/")


def service_seats(listed: Iterable[Mapping[str, Any]]) -> list[Seat]:
    """The seats among Swarm services as the engine's API lists them, oldest first.

    Each keeps its seat's name for good (a service cannot be renamed), and its
    image is named as the class gave it, without the digest Swarm may pin.
    """
    seats = []
    for service in listed:
        spec = service.get("Spec") or {}
        sid = (spec.get("Labels") or {}).get(SEAT_LABEL)
        if sid:
            image = (spec.get("TaskTemplate") or {}).get("ContainerSpec", {}).get("Image", "")
            seats.append(Seat(id=str(sid), container=str(service["ID"]),
                              name=str(spec.get("Name", "")), image=str(image).partition("@")[0],
                              created=_seconds(str(service.get("CreatedAt", "")))))  # fmt: skip
    return sorted(seats, key=lambda s: (s.created, s.id))


def _seconds(stamp: str) -> int:
    """Seconds since the epoch of the engine's ``2026-12-06T04:05:06.123456789Z`` (0 if odd)."""
    try:
        when = datetime.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S").replace(tzinfo=UTC)
    except ValueError:
        return 0
    return int(when.timestamp())


def service_node(service: Mapping[str, Any]) -> str:
    """The node a service is placed on (its ``node.id==`` constraint), or ``""``."""
    task = (service.get("Spec") or {}).get("TaskTemplate") or {}
    for rule in (task.get("Placement") or {}).get("Constraints") or []:
        key, _, value = str(rule).replace(" ", "").partition("==")
        if key == "node.id":
            return value
    return ""


def service_key(service: Mapping[str, Any]) -> str:
    """The secret a seat's service takes its learner's settings with, from its environment."""
    task = (service.get("Spec") or {}).get("TaskTemplate") or {}
    return _key_of(task.get("ContainerSpec", {}).get("Env"))


def free(seats: Iterable[Seat], workshop: str) -> list[Seat]:
    """The seats nobody has taken: those that still have a seat's name."""
    return [s for s in seats if s.name == seat_prefix(workshop) + s.id]


def ready_seats(
    seats: Iterable[Seat], workshop: str, image: str, ready: Iterable[str]
) -> list[Seat]:
    """The seats a learner may take now: free, running ``image``, and answering."""
    answering = set(ready)
    return [s for s in free(seats, workshop) if s.image == image and s.id in answering]


def seats_to_start(*, spare: int, cap: int, learners: int, waiting: int, starting: int) -> int:
    """How many new seats to start now.

    Args:
        spare: Seats to keep free (``wiw up --seats``).
        cap: Learners' servers allowed at once (0: no cap); seats count
            against it, so a full class leaves no spare seat.
        learners: Learners' servers running now (taken seats included).
        waiting: Free seats, ready or still starting.
        starting: Free seats still starting (they cost CPU: a few at a time).
    """
    wanted = spare if cap == 0 else max(0, min(spare, cap - learners))
    return max(0, min(wanted - waiting, MAX_STARTING - starting))


MAX_STARTING = 2  # seats starting at once: each one's imports take a CPU for a few seconds


def read_taken(folder: Path) -> dict[str, str]:
    """Each taken seat's learner (seat id -> learner's name); empty before the first."""
    try:
        taken = json.loads((folder / SEATS_TAKEN).read_text())
    except (OSError, ValueError):
        return {}
    return {str(k): str(v) for k, v in taken.items()} if isinstance(taken, dict) else {}


def record_taken(folder: Path, seat: str, learner: str) -> None:
    """Record that ``learner`` took ``seat`` (whole file replaced at once, never half-written)."""
    taken = {**read_taken(folder), seat: learner}
    write_json(folder / SEATS_TAKEN, taken)


def forget_taken(folder: Path, seat: str) -> None:
    """Forget a seat that could not be handed over after all."""
    taken = read_taken(folder)
    taken.pop(seat, None)
    write_json(folder / SEATS_TAKEN, taken)


def write_json(path: Path, data: Mapping[str, Any]) -> None:
    """Write ``data`` as JSON, replacing the file at once, readable by root only."""
    part = path.with_name(f".{path.name}.{os.getpid()}")
    part.write_text(json.dumps(data, sort_keys=True))
    part.chmod(0o600)
    part.replace(path)


def read_ready(folder: Path) -> list[str]:
    """The ids of the seats the service last found answering."""
    try:
        status = json.loads((folder / SEATS_STATUS).read_text())
    except (OSError, ValueError):
        return []
    return [str(s) for s in status.get("ready_ids", [])] if isinstance(status, dict) else []


def seat_filter(learner_labels: Mapping[str, str]) -> dict[str, list[str]]:
    """The engine's filter for this class's seats: a learner's labels and a seat's."""
    return {"label": [SEAT_LABEL, *(f"{k}={v}" for k, v in sorted(learner_labels.items()))]}


def seat_address(inspected: Mapping[str, Any], network: str) -> str:
    """A container's address on the classroom's network, as ``docker inspect`` gives it."""
    return str(inspected["NetworkSettings"]["Networks"][network]["IPAddress"])


def seat_key(inspected: Mapping[str, Any]) -> str:
    """The secret a seat takes its learner's settings with, from its environment."""
    return _key_of(inspected["Config"]["Env"])


def _key_of(env: Iterable[str] | None) -> str:
    for line in env or []:
        if line.startswith("WIW_SEAT_KEY="):
            return str(line.split("=", 1)[1])
    return ""


def hand_over(address: str, key: str, env: Mapping[str, str], port: int = SEAT_PORT) -> None:
    """Give a waiting seat its learner's settings; it starts their server at once.

    Raises:
        OSError: The seat did not take them (it stopped, or answered otherwise).
    """
    request = urllib.request.Request(
        f"http://{address}:{port}{SEAT_PATH}",
        data=json.dumps({"env": dict(env)}).encode(),
        headers={"Authorization": f"token {key}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=HAND_OVER_TIMEOUT) as answer:  # noqa: S310
        if answer.status != ACCEPTED:
            raise OSError(f"the seat answered {answer.status}")


async def take_seat(
    call: Callable[..., Awaitable[Any]],
    *,
    labels: Mapping[str, str],
    workshop: str,
    image: str,
    state_dir: Path,
) -> AsyncIterator[Mapping[str, Any]]:
    """The ready seats a learner may take, each as ``docker inspect`` shows it, best first.

    ``call`` is the spawner's way to the engine (``DockerSpawner.docker``).
    """
    listed = seats_of(await call("containers", filters=seat_filter(labels)))
    for seat in ready_seats(listed, workshop, image, read_ready(state_dir)):
        try:
            yield await call("inspect_container", seat.container)
        except Exception:  # noqa: S112 - gone since it was listed: the next one
            continue


async def take_service_seat(
    call: Callable[..., Awaitable[Any]],
    *,
    labels: Mapping[str, str],
    image: str,
    state_dir: Path,
) -> AsyncIterator[Mapping[str, Any]]:
    """On a swarm: the ready seats' services a learner may take, as the engine lists them.

    Free is what ``seats-taken.json`` does not name (a taken seat keeps its
    name); ``call`` is the spawner's way to the engine (``SwarmSpawner.docker``).
    """
    found = await call("services", filters=seat_filter(labels))
    by_id = {str(s["ID"]): s for s in found}
    taken, answering = read_taken(state_dir), set(read_ready(state_dir))
    wanted = image.partition("@")[0]
    for seat in service_seats(found):
        if seat.id not in taken and seat.id in answering and seat.image == wanted:
            yield by_id[seat.container]


class Settings(NamedTuple):
    """What the service needs, from the hub's ``WIW_*`` settings."""

    workshop: str
    network: str
    state_dir: Path
    spare: int
    cap: int
    memory: int
    cpus: float
    pids: int
    learner_labels: dict[str, str]
    home_labels: dict[str, str]
    image: Callable[[], str]

    @classmethod
    def from_env(cls, env: Mapping[str, str], image: Callable[[], str]) -> Settings:
        """Read them from the environment the hub gives its service."""
        return cls(
            workshop=env["WIW_WORKSHOP"], network=env["WIW_NETWORK"],
            state_dir=Path(env["WIW_STATE_DIR"]), spare=int(env["WIW_SEATS"]),
            cap=int(env["WIW_MAX_LEARNERS"]), memory=int(env["WIW_MEM_LIMIT"]),
            cpus=float(env["WIW_CPU_LIMIT"]), pids=int(env["WIW_PIDS_LIMIT"]),
            learner_labels=json.loads(env["WIW_LEARNER_LABELS"]),
            home_labels=json.loads(env["WIW_HOME_LABELS"]), image=image,
        )  # fmt: skip


class SeatPool:
    """The service: keeps ``spare`` free seats ready, refilling as learners take them."""

    def __init__(self, client: APIClient, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        self.answering: set[str] = set()

    def listed(self) -> list[Seat]:
        """Every seat of this class on the engine, free or taken."""
        found = self.client.containers(all=True, filters=seat_filter(self.settings.learner_labels))
        return seats_of(found)

    def learners_running(self) -> int:
        """Learners' servers running now, taken seats included (free seats not)."""
        everyone = self.client.containers(
            filters={"label": [f"{k}={v}" for k, v in self.settings.learner_labels.items()]}
        )
        prefix = seat_prefix(self.settings.workshop)
        return sum(1 for c in everyone if not name_of(c).startswith(prefix))

    def tick(self) -> dict[str, Any]:
        """Look once: retire seats of an old image, probe the rest, start what is missing."""
        image = self.settings.image()
        waiting = []
        for seat in self.free_seats(self.listed()):
            if seat.image != image:  # 'wiw update' switched the image: a seat of the new one
                self.retire(seat)
            else:
                waiting.append(seat)
        self.answering = {s.id for s in waiting if s.id in self.answering or self.probe(s)}
        starting = len(waiting) - len(self.answering)
        more = seats_to_start(
            spare=self.settings.spare, cap=self.settings.cap,
            learners=self.learners_running(), waiting=len(waiting), starting=starting,
        )  # fmt: skip
        for _ in range(more):
            self.start_seat(image)
        taken = read_taken(self.settings.state_dir)
        status = {
            "spare": self.settings.spare, "ready": len(self.answering),
            "starting": starting + more, "taken": len(taken),
            "ready_ids": sorted(self.answering),
        }  # fmt: skip
        write_json(self.settings.state_dir / SEATS_STATUS, status)
        return status

    def free_seats(self, seats: Iterable[Seat]) -> list[Seat]:
        """The seats nobody took (a taken seat has its learner's name)."""
        return free(seats, self.settings.workshop)

    def retire(self, seat: Seat) -> None:
        """Remove a free seat of an image the class no longer runs."""
        self.client.remove_container(seat.container, force=True)

    def address(self, seat: Seat) -> str:
        """Where the hub reaches a seat: its address on the class's network."""
        return seat_address(self.client.inspect_container(seat.container), self.settings.network)

    def probe(self, seat: Seat) -> bool:
        """Whether the seat's process has done its imports and waits (it answers its address)."""
        try:
            url = f"http://{self.address(seat)}:{SEAT_PORT}{SEAT_PATH}"
            with urllib.request.urlopen(url, timeout=PROBE_TIMEOUT) as answer:
                return bool(answer.status == 200)  # noqa: PLR2004
        except Exception:
            return False

    def start_seat(self, image: str) -> str:
        """Start a seat: its home volume (a free seat's from before, or new) and container."""
        sid = self.unused_home() or secrets.token_hex(6)
        name = seat_prefix(self.settings.workshop) + sid
        labels = {**self.settings.home_labels, SEAT_LABEL: sid}
        if not self.client.volumes(filters={"name": name}).get("Volumes"):
            self.client.create_volume(name=name, labels=labels)  # labelled on Podman too
        host = self.client.create_host_config(
            auto_remove=True,
            mem_limit=self.settings.memory,
            cpu_period=100_000,
            cpu_quota=int(self.settings.cpus * 100_000),
            network_mode=self.settings.network,
            mounts=[{"Type": "volume", "Source": name, "Target": HOME}],
            **{**confinement(self.settings.pids), "cpu_shares": SEAT_SHARES},
        )
        created = self.client.create_container(
            image=image, name=name, command=seat_command(), ports=[SEAT_PORT],
            environment={"WIW_SEAT_KEY": secrets.token_urlsafe(32)},
            labels={**self.settings.learner_labels, SEAT_LABEL: sid}, host_config=host,
        )  # fmt: skip
        self.client.start(created["Id"])
        log.info("started seat %s", sid)
        return sid

    def unused_home(self) -> str | None:
        """A seat's home volume that nobody took and no seat uses: a class restarted."""
        workshop = self.settings.workshop
        volumes = self.client.volumes(filters={"label": [SEAT_LABEL]}).get("Volumes") or []
        in_use = {s.id for s in self.listed()} | set(read_taken(self.settings.state_dir))
        for volume in volumes:
            sid = (volume.get("Labels") or {}).get(SEAT_LABEL, "")
            if volume["Name"] == seat_prefix(workshop) + sid and sid not in in_use:
                return str(sid)
        return None

    def run(self) -> None:
        """Look at the seats every second, for as long as the hub runs."""
        while True:
            try:
                self.tick()
            except Exception:
                log.exception("seats: this look failed; trying again")
            time.sleep(TICK)


class SwarmSeatPool(SeatPool):
    """On a swarm: each seat a service, on the node with the fewest learners and seats."""

    def listed(self) -> list[Seat]:
        """Every seat of this class on the swarm, free or taken."""
        return service_seats(self.services(seat_filter(self.settings.learner_labels)))

    def services(self, filters: Mapping[str, list[str]]) -> list[dict[str, Any]]:
        """The swarm's services that match ``filters``."""
        return list(self.client.services(filters=dict(filters)))

    def learner_services(self) -> list[dict[str, Any]]:
        """Every learner's service of this class, seats included."""
        labels = self.settings.learner_labels
        return self.services({"label": [f"{k}={v}" for k, v in sorted(labels.items())]})

    def free_seats(self, seats: Iterable[Seat]) -> list[Seat]:
        """The seats ``seats-taken.json`` does not name."""
        taken = read_taken(self.settings.state_dir)
        return [s for s in seats if s.id not in taken]

    def retire(self, seat: Seat) -> None:
        """Remove a free seat's service."""
        self.client.remove_service(seat.container)

    def address(self, seat: Seat) -> str:
        """The seat's service name: the class's network resolves it to its task."""
        return seat.name

    def learners_running(self) -> int:
        """Learners' services now, taken seats included (free seats not)."""
        everyone = self.learner_services()
        free_ids = {s.id for s in self.free_seats(service_seats(everyone))}
        labels = [s.get("Spec", {}).get("Labels") or {} for s in everyone]
        return sum(1 for found in labels if found.get(SEAT_LABEL) not in free_ids)

    def start_seat(self, image: str) -> str:
        """Start a seat's service on the node holding the fewest learners and seats.

        Raises:
            RuntimeError: No node of the swarm can take it now (the next look tries again).
        """
        placed = {str(s["ID"]): service_node(s) for s in self.learner_services()}
        node = choose_node(self.client.nodes(), {k: v for k, v in placed.items() if v})
        if node is None:
            raise RuntimeError("no node of the swarm can start a seat now")
        sid = secrets.token_hex(6)
        self.client.create_service(**swarm_seat(self.settings, image, sid, node))
        log.info("started seat %s on node %s", sid, node)
        return sid


def swarm_seat(settings: Settings, image: str, sid: str, node: str) -> dict[str, Any]:
    """A seat's service: what SwarmSpawner makes for every learner, placed on ``node``.

    The image's entry point runs first (it delivers the lessons); ``Args``
    keeps it, where ``Command`` would replace it.
    """
    name = seat_prefix(settings.workshop) + sid
    labels = {**settings.learner_labels, SEAT_LABEL: sid}
    home = {"Type": "volume", "Source": name, "Target": HOME,
            "VolumeOptions": {"Labels": {**settings.home_labels, SEAT_LABEL: sid}}}  # fmt: skip
    container = {"Image": image, "Args": seat_command(), "Labels": labels,
                 "Env": [f"WIW_SEAT_KEY={secrets.token_urlsafe(32)}"],
                 "Mounts": [home], "CapabilityDrop": ["ALL"]}  # fmt: skip
    return {
        "name": name,
        "labels": labels,
        "task_template": {
            "ContainerSpec": container,
            "Resources": {
                "Limits": {"NanoCPUs": int(settings.cpus * 1e9), "MemoryBytes": settings.memory}
            },
            "Placement": {"Constraints": [f"node.id=={node}"]},
            "Networks": [{"Target": settings.network}],
        },
        "endpoint_spec": {"Mode": "dnsrr"},  # as every learner's: the hub reaches the task
    }


def pool_class(env: Mapping[str, str]) -> type[SeatPool]:
    """The seats' keeper for the class's backend (``WIW_BACKEND``)."""
    return SwarmSeatPool if env.get("WIW_BACKEND") == "swarm" else SeatPool


def main() -> None:
    """The managed service: keep the class's spare seats ready."""
    import docker  # noqa: PLC0415 - the hub's image has it (DockerSpawner's); tests do not

    logging.basicConfig(level=logging.INFO, format="[wiw-seats] %(message)s")
    state_dir = Path(os.environ["WIW_STATE_DIR"])

    def image() -> str:
        switched = state_dir / "image"
        return switched.read_text().strip() if switched.exists() else os.environ["WIW_IMAGE"]

    client = docker.APIClient(base_url="unix:///var/run/docker.sock")
    pool_class(os.environ)(client, Settings.from_env(os.environ, image)).run()


if __name__ == "__main__":
    main()
