"""JupyterHub configuration of a wiw classroom.

The hub runs in its own container from the workshop image and starts one
container per learner from the same image (DockerSpawner). wiw decides every
name, label, path and setting (wiw.classroom.contract) and passes them as WIW_*
environment variables, read strictly here: a missing one stops the hub.
Secrets are files on the hub's state volume, in WIW_STATE_DIR.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import socket
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aiohttp.resolver import ThreadedResolver
from docker.types import Mount
from dockerspawner import DockerSpawner, SwarmSpawner
from jupyterhub.handlers.static import CacheControlStaticFilesHandler
from jupyterhub.utils import wait_for_http_server
from traitlets import default

sys.path.insert(0, str(Path(__file__).parent))
from wiw_auth import JoinAuthenticator, PasswordAuthenticator
from wiw_contract import RUNTIME, SEAT_LABEL, SEATS_STATUS, hub_roles, seat_prefix
from wiw_seats import (
    LEARNER_SHARES,
    confinement,
    forget_taken,
    hand_over,
    record_taken,
    seat_address,
    seat_key,
    service_key,
    service_node,
    take_service_seat,
)
from wiw_seats import take_seat as ready_seats
from wiw_static import precompressed
from wiw_swarm import NOT_FOUND, PinnedToNode

if TYPE_CHECKING:  # the start queue is put before a DockerSpawner class
    from aiohttp.abc import ResolveResult
    from dockerspawner import DockerSpawner as _Spawner
else:
    _Spawner = object

c = get_config()  # type: ignore[name-defined]  # noqa: F821


def need(name: str) -> str:
    """A setting wiw must have passed; its absence is an error, never a default."""
    try:
        return os.environ[name]
    except KeyError:
        sys.exit(f"wiw: the hub setting {name} is missing; start classrooms with 'wiw up'")


WORKSHOP = need("WIW_WORKSHOP")
HOME = need("WIW_HOME")
STATE_DIR = Path(need("WIW_STATE_DIR"))
HOME_VOLUME = need("WIW_HOME_VOLUME")
NETWORK = need("WIW_NETWORK")
LEARNER_LABELS = json.loads(need("WIW_LEARNER_LABELS"))
HOME_LABELS = json.loads(need("WIW_HOME_LABELS"))
LEARNER_LABEL = need("WIW_LEARNER_LABEL")  # on each home volume: whose it is
STATE = json.loads((STATE_DIR / "state.json").read_text())
SWARM = need("WIW_BACKEND") == "swarm"
TLS = need("WIW_TLS") == "1"
SECRET = STATE["join_secret"]

# One origin, under an unguessable path: the join URL is http(s)://HOST:PORT/SECRET/
c.JupyterHub.bind_url = f"{'https' if TLS else 'http'}://0.0.0.0:{need('WIW_HUB_PORT')}/{SECRET}/"
if TLS:  # the proxy serves HTTPS with the instructor's certificate
    c.JupyterHub.ssl_cert = str(STATE_DIR / "tls.crt")
    c.JupyterHub.ssl_key = str(STATE_DIR / "tls.key")
if STATE.get("public_url"):  # a reverse proxy in front serves the class at this URL
    c.JupyterHub.public_url = f"{STATE['public_url'].rstrip('/')}/{SECRET}/"
# The pure-Python proxy, adapted: HTTPS, compression passed through, streaming.
# The hub's pages' scripts and styles go out as their precompressed siblings.
c.JupyterHub.tornado_settings = {
    "static_handler_class": precompressed(CacheControlStaticFilesHandler)
}
c.ConfigurableHTTPProxy.command = [sys.executable, str(Path(__file__).with_name("wiw_proxy.py"))]
need("WIW_SHORT_URL")  # the proxy reads it, with the short address from the state file
c.JupyterHub.hub_ip = "0.0.0.0"  # noqa: S104 - reachable by learners' containers only
c.JupyterHub.hub_connect_ip = need("WIW_HUB_NAME")

# State that must survive the hub's container: learners keep their accounts.
c.JupyterHub.db_url = f"sqlite:///{STATE_DIR.parent}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{STATE_DIR.parent}/jupyterhub_cookie_secret"
c.ConfigurableHTTPProxy.pid_file = "/tmp/jupyterhub-proxy.pid"  # noqa: S108
c.JupyterHub.cleanup_servers = False  # a restarted hub finds learners' servers still running

# Capacity: say "full" (HTTP 429) beyond the cap on running servers; below it,
# learners queue for one of a few start slots instead of all booting at once.
c.JupyterHub.active_server_limit = int(need("WIW_MAX_LEARNERS"))
c.JupyterHub.concurrent_spawn_limit = 0  # the queue below does the limiting
CONCURRENT_SPAWNS = int(need("WIW_CONCURRENT_SPAWNS"))
SEATS = int(need("WIW_SEATS"))  # spare seats to keep ready (wiw_seats.py); 0: none
(STATE_DIR / SEATS_STATUS).unlink(missing_ok=True)  # the last hub's count: this one counts anew
_SEATING = asyncio.Lock()  # one seat is taken at a time: never the same seat twice


def current_image() -> str:
    """The image learners' servers start from now: the one 'wiw update' last switched to."""
    switched = STATE_DIR / "image"
    return switched.read_text().strip() if switched.exists() else need("WIW_IMAGE")


class StartQueue(_Spawner):
    """Boots at most WIW_CONCURRENT_SPAWNS learners' servers at once; others wait their turn.

    A slot is held until the server answers HTTP, because booting the server
    (importing Jupyter) is what costs CPU; its container starting is cheap.
    """

    _slots: asyncio.Semaphore | None = None

    def home_labels(self) -> dict[str, str]:
        """The home volume's labels, naming whose home it is."""
        return {**HOME_LABELS, LEARNER_LABEL: self.user.name}

    @property
    def home_volume(self) -> str:
        """The learner's home volume's name (on their node, on Swarm)."""
        return self.format_volume_name(HOME_VOLUME, self)

    async def start(self) -> tuple[str, int]:
        """Start the learner's server and wait until it answers, holding a start slot."""
        self.image = current_image()  # 'wiw update' may have switched it
        if StartQueue._slots is None:
            StartQueue._slots = asyncio.Semaphore(CONCURRENT_SPAWNS)
        async with StartQueue._slots:
            ip, port = await super().start()
            # The hub gives the spawner its server before it starts it.
            url = f"http://{ip}:{port}{self.server.base_url}api"  # type: ignore[union-attr]
            await wait_for_http_server(url, timeout=self.http_timeout)
        return ip, port


class SeatHome(_Spawner):
    """A learner's home: the home of the seat they took, if they took one.

    A seat's home becomes the learner's for good: its volume's name is kept
    in the spawner's state (the hub's database), so every later start of
    theirs mounts it.
    """

    seat_home = ""  # the home volume of the seat this learner took, if they took one
    _to_seat = False  # set at a start that may take a seat

    @property
    def home_volume(self) -> str:
        """The learner's home volume: their seat's, or one named after them."""
        return self.seat_home or super().home_volume  # type: ignore[misc]

    def took_seat(self, sid: str) -> None:
        """Record that this learner took seat ``sid``: its home is theirs from now on."""
        self.seat_home = seat_prefix(WORKSHOP) + sid
        self.log.info("%s took seat %s", self.user.name, sid)

    def get_state(self) -> dict[str, Any]:
        """The state, with the seat's home when the learner took one (kept after stops too)."""
        state = super().get_state()
        if self.seat_home:
            state["seat_home"] = self.seat_home
        return state

    def load_state(self, state: dict[str, Any]) -> None:
        """Restore the state: the seat's home too, so that it stays theirs."""
        super().load_state(state)
        self.seat_home = str(state.get("seat_home", ""))

    async def create_object(self) -> dict[str, Any]:
        """The learner's server: a ready seat's, taken, or a new one."""
        if self._to_seat:
            self._to_seat = False
            async with _SEATING:
                seat = await self.take_a_seat()
            if seat is not None:
                return seat
            await self.no_seat()
        return await super().create_object()

    async def take_a_seat(self) -> dict[str, Any] | None:
        """Take a ready seat for this learner; what the engine knows of it, or None."""
        raise NotImplementedError

    async def no_seat(self) -> None:
        """Prepare a server of the learner's own: no seat was ready."""


class QueuedDockerSpawner(SeatHome, StartQueue, DockerSpawner):
    """A container per learner on this engine; a learner who joins takes a ready seat, if any."""

    async def start(self) -> tuple[str, int]:
        """Make the learner's home volume, labelled, before their first start.

        Docker would make it from the mount with its labels; Podman's Docker
        API makes it without them, and wiw finds homes by their labels. A
        learner without a home yet takes a seat instead, when one is ready.
        """
        if not await self._volume_exists(self.home_volume):
            self._to_seat = SEATS > 0
            if not self._to_seat:
                await self._create_home()
        return await super().start()

    async def _volume_exists(self, name: str) -> bool:
        try:
            await self.docker("inspect_volume", name)
        except Exception as exc:
            if getattr(exc, "status_code", None) != NOT_FOUND:
                raise
            return False
        return True

    async def _create_home(self) -> None:
        await self.docker("create_volume", name=self.home_volume, labels=self.home_labels())

    async def no_seat(self) -> None:
        """No seat was ready: the learner's own home, as without seats."""
        await self._create_home()

    async def take_a_seat(self) -> dict[str, Any] | None:
        """Take the first ready seat that accepts this learner's settings: rename it theirs."""
        env = self.get_env()
        async for seat in ready_seats(self.docker, labels=LEARNER_LABELS, workshop=WORKSHOP,
                                      image=self.image, state_dir=STATE_DIR):  # fmt: skip
            sid = seat["Config"]["Labels"][SEAT_LABEL]
            try:
                await self.docker("rename", seat["Id"], self.object_name)
            except Exception:  # noqa: S112 - another start took it first: the next
                continue
            record_taken(STATE_DIR, sid, self.user.name)
            try:  # a learner's CPU weight from now on, then their settings
                await self.docker("update_container", seat["Id"], cpu_shares=LEARNER_SHARES)
                await asyncio.to_thread(
                    hand_over, seat_address(seat, NETWORK), seat_key(seat), env
                )
            except OSError:
                self.log.warning("Seat %s did not start %s's server; removed", sid, self.user.name)
                forget_taken(STATE_DIR, sid)
                await self.docker("remove_container", seat["Id"], force=True)
                continue
            self.took_seat(sid)
            return dict(seat)
        return None

    @property
    def mounts(self) -> list[dict[str, Any]]:
        """The learner's home: a named volume labelled with whose it is."""
        return [{"type": "volume", "source": self.home_volume, "target": HOME,
                 "labels": self.home_labels()}]  # fmt: skip


class QueuedSwarmSpawner(SeatHome, StartQueue, PinnedToNode, SwarmSpawner):
    """A Swarm service per learner, always on the node that holds their home.

    A learner new to the class takes a ready seat's service, if any: it keeps
    its name (Swarm cannot rename a service), which the spawner's state keeps
    as the learner's server's, and its node becomes theirs.
    """

    async def start(self) -> tuple[str, int]:
        """A learner with no node yet may take a seat."""
        self._to_seat = SEATS > 0 and not self.node_id and not self.seat_home
        return await super().start()

    async def take_a_seat(self) -> dict[str, Any] | None:
        """Take the first ready seat that accepts this learner's settings."""
        env = self.get_env()
        async for seat in take_service_seat(self.docker, labels=LEARNER_LABELS,
                                            image=self.image, state_dir=STATE_DIR):  # fmt: skip
            sid, name = seat["Spec"]["Labels"][SEAT_LABEL], seat["Spec"]["Name"]
            record_taken(STATE_DIR, sid, self.user.name)
            try:
                await asyncio.to_thread(hand_over, name, service_key(seat), env)
            except OSError:
                self.log.warning("Seat %s did not start %s's server; removed", sid, self.user.name)
                forget_taken(STATE_DIR, sid)
                await self.docker("remove_service", seat["ID"])
                continue
            self.object_name = name  # the server's service from now on (in the state too)
            await self.settle_on(service_node(seat))
            self.took_seat(sid)
            return {"ID": seat["ID"]}
        return None

    def clear_state(self) -> None:
        """A stopped server's service is gone: the next start makes one of the learner's name."""
        super().clear_state()
        self.object_name = self._object_name_default()

    @default("object_name")
    def _object_name_default(self) -> str:
        """Service names are DNS labels (63 characters at most): hash the learner's name."""
        digest = hashlib.sha256(self.user.name.encode()).hexdigest()[:16]
        return f"wiw-{WORKSHOP[:36]}-{digest}".strip("-")

    @property
    def mounts(self) -> list[Mount]:
        """The learner's home as a labelled named volume (SwarmSpawner only binds paths)."""
        return [Mount(target=HOME, source=self.home_volume, type="volume",
                      labels=self.home_labels())]  # fmt: skip

    def get_state(self) -> dict[str, Any]:
        """The state, naming the home volume beside its node: 'wiw collect' reads both."""
        state = super().get_state()
        if state.get("node_id"):
            state["home_volume"] = self.home_volume
        return state


# Logins: learners join with a name (or a name and the class password); the
# instructor through a door of their own, with a role to see and help everyone.
INSTRUCTOR = need("WIW_INSTRUCTOR")
c.Authenticator.allow_all = True
if need("WIW_AUTH") == "shared-password":
    c.JupyterHub.authenticator_class = PasswordAuthenticator
    c.PasswordAuthenticator.user_password = (STATE_DIR / "password").read_text()
else:
    c.JupyterHub.authenticator_class = JoinAuthenticator
    # The class list, when the instructor gave one (wiw up --roster): names to choose from.
    ROSTER = STATE_DIR / "roster.json"
    c.JoinAuthenticator.roster = json.loads(ROSTER.read_text()) if ROSTER.exists() else []
for door in ("JoinAuthenticator", "PasswordAuthenticator"):
    c[door].instructor = INSTRUCTOR
    c[door].instructor_key = STATE.get("instructor_secret", "")

# A container (or Swarm service) per learner, from the workshop image,
# non-root and limited. Settings on DockerSpawner apply to both.
c.JupyterHub.spawner_class = QueuedSwarmSpawner if SWARM else QueuedDockerSpawner
c.DockerSpawner.image = need("WIW_IMAGE")
c.DockerSpawner.pull_policy = "skip" if SWARM else "never"  # nodes pull what they lack
c.DockerSpawner.network_name = NETWORK
c.DockerSpawner.use_internal_ip = True
c.DockerSpawner.remove = True  # files live on the learner's volume, not in the container
c.DockerSpawner.name_template = need("WIW_LEARNER_NAME")
# The runtime's server, whatever the lessons' environment (first on PATH) holds.
c.DockerSpawner.cmd = [f"{RUNTIME}/bin/jupyterhub-singleuser"]
c.DockerSpawner.notebook_dir = HOME
c.DockerSpawner.mem_limit = int(need("WIW_MEM_LIMIT"))  # bytes
c.DockerSpawner.cpu_limit = float(need("WIW_CPU_LIMIT"))
c.DockerSpawner.extra_host_config = confinement(int(need("WIW_PIDS_LIMIT")))  # seats too


class FreshLookups(ThreadedResolver):
    """Look a learner's service up anew at every connection.

    A service re-created (its node came back, its server restarted) has a new
    address under the same name. The hub's HTTP client would otherwise ask
    c-ares, which keeps answers for the TTL the engine's DNS gives (600 s),
    and wait for a server at the old address until it gives up.
    """

    def __init__(self) -> None:  # the event loop is the one running at each lookup
        pass

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Resolve through the system's resolver, in the running loop."""
        self._loop = asyncio.get_running_loop()
        return await super().resolve(host, port, family)


if SWARM:
    c.SwarmSpawner.extra_container_spec = {"labels": LEARNER_LABELS, "cap_drop": ["ALL"]}
    c.SwarmSpawner.extra_create_kwargs = {"labels": LEARNER_LABELS}
    # The hub reaches each learner's task directly: DNS round-robin needs no
    # virtual-IP load balancing (IPVS), which not every node's kernel offers.
    c.SwarmSpawner.extra_endpoint_spec = {"mode": "dnsrr"}
    c.SwarmSpawner.poll_interval = 15  # a lost node's learners are noticed soon
    c.JupyterHubHTTPClient.connector_options = {"resolver": FreshLookups(), "use_dns_cache": False}
else:
    c.DockerSpawner.extra_create_kwargs = {"labels": LEARNER_LABELS}
c.Spawner.default_url = "/lab"
c.JupyterHub.implicit_spawn_seconds = 2  # a culled learner's open tab restarts their server
c.Spawner.start_timeout = 900  # includes the wait in the start queue
# A Swarm node pulls the image at its first start, and a node that just came
# back takes a minute or two before the hub reaches its servers: wait longer.
c.Spawner.http_timeout = 300 if SWARM else 120

# wiw itself reads who is active; the culler stops idle servers (files stay).
CULL_AFTER = int(need("WIW_CULL_AFTER"))
c.JupyterHub.services = [
    {"name": "wiw", "api_token": STATE["api_token"]},
    {
        "name": "idle-culler",
        "command": [
            sys.executable,
            "-m",
            "jupyterhub_idle_culler",
            f"--timeout={CULL_AFTER}",
            f"--cull-every={max(5, min(300, CULL_AFTER // 2))}",
        ],
    },
]
if SEATS:  # keeps spare seats ready: learners take them as they join
    c.JupyterHub.services.append({
        "name": "wiw-seats",
        "command": [sys.executable, str(Path(__file__).with_name("wiw_seats.py"))],
        "environment": {k: v for k, v in os.environ.items() if k.startswith("WIW_")},
    })  # fmt: skip
# Roles decided in the contract: wiw's service, the instructor, the culler.
c.JupyterHub.load_roles = hub_roles(INSTRUCTOR)
