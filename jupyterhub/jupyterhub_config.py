"""JupyterHub configuration of a wiw classroom.

The hub runs in its own container from the workshop image and starts one
container per learner from the same image (DockerSpawner). wiw passes every
setting as an environment variable (WIW_*); see wiw.classroom.
"""

import asyncio
import hashlib
import json
import os
import sys

from docker.types import Mount
from dockerspawner import DockerSpawner, SwarmSpawner
from jupyterhub.utils import wait_for_http_server
from traitlets import default

c = get_config()  # type: ignore[name-defined]  # noqa: F821
env = os.environ

workshop = env["WIW_WORKSHOP"]
labels = json.loads(env.get("WIW_LABELS", "{}"))
HOME_VOLUME = f"wiw-{workshop}-home-{{username}}"
HOME_LABELS = {**labels, "org.wiw.role": "learner-home"}

# One origin, under an unguessable path: the join URL is http://HOST:PORT/SECRET/
c.JupyterHub.bind_url = f"http://0.0.0.0:8000/{env['WIW_JOIN_SECRET']}/"
c.JupyterHub.hub_ip = "0.0.0.0"  # noqa: S104 - reachable by learners' containers only
c.JupyterHub.hub_connect_ip = env["WIW_HUB_NAME"]

# State that must survive the hub's container: learners keep their accounts.
c.JupyterHub.db_url = "sqlite:////srv/wiw-hub/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "/srv/wiw-hub/jupyterhub_cookie_secret"  # noqa: S105
c.ConfigurableHTTPProxy.pid_file = "/tmp/jupyterhub-proxy.pid"  # noqa: S108
c.JupyterHub.cleanup_servers = False  # a restarted hub finds learners' servers still running

# Capacity: say "full" (HTTP 429) beyond the cap on running servers; below it,
# learners queue for one of a few start slots instead of all booting at once.
c.JupyterHub.active_server_limit = int(env.get("WIW_MAX_LEARNERS", "0"))
c.JupyterHub.concurrent_spawn_limit = 0  # the queue below does the limiting


class StartQueue:
    """Boots at most WIW_CONCURRENT_SPAWNS learners' servers at once; others wait their turn.

    A slot is held until the server answers HTTP, because booting the server
    (importing Jupyter) is what costs CPU; its container starting is cheap.
    """

    _slots: asyncio.Semaphore | None = None

    async def start(self):  # type: ignore[no-untyped-def]
        """Start the learner's server and wait until it answers, holding a start slot."""
        if StartQueue._slots is None:
            StartQueue._slots = asyncio.Semaphore(int(env.get("WIW_CONCURRENT_SPAWNS", "4")))
        async with StartQueue._slots:
            ip, port = await super().start()  # type: ignore[misc]
            url = f"http://{ip}:{port}{self.server.base_url}api"  # type: ignore[attr-defined]
            await wait_for_http_server(url, timeout=self.http_timeout)  # type: ignore[attr-defined]
        return ip, port


class QueuedDockerSpawner(StartQueue, DockerSpawner):
    """A container per learner on this engine."""


class QueuedSwarmSpawner(StartQueue, SwarmSpawner):
    """A Swarm service per learner, on whichever node the swarm places it."""

    @default("object_name")
    def _object_name_default(self):  # type: ignore[no-untyped-def]
        """Service names are DNS labels (63 characters at most): hash the learner's name."""
        digest = hashlib.sha256(self.user.name.encode()).hexdigest()[:16]
        return f"wiw-{workshop[:36]}-{digest}".strip("-")

    @property
    def mounts(self):  # type: ignore[no-untyped-def]
        """The learner's home as a labelled named volume (SwarmSpawner only binds paths)."""
        return [
            Mount(
                target="/home/learner",
                source=self.format_volume_name(HOME_VOLUME, self),
                type="volume",
                labels=HOME_LABELS,
            )
        ]


# Logins.
c.Authenticator.allow_all = True  # tmpauthenticator needs it on JupyterHub >= 5
if env.get("WIW_AUTH", "temporary") == "shared-password":
    c.JupyterHub.authenticator_class = "shared-password"
    c.SharedPasswordAuthenticator.user_password = env["WIW_PASSWORD"]
else:
    c.JupyterHub.authenticator_class = "tmpauthenticator.TmpAuthenticator"

# A container (or Swarm service) per learner, from the workshop image,
# non-root and limited. Settings on DockerSpawner apply to both.
swarm = env.get("WIW_BACKEND") == "swarm"
c.JupyterHub.spawner_class = QueuedSwarmSpawner if swarm else QueuedDockerSpawner
c.DockerSpawner.image = env["WIW_IMAGE"]
c.DockerSpawner.pull_policy = "skip" if swarm else "never"  # nodes pull what they lack
c.DockerSpawner.network_name = env["WIW_NETWORK"]
c.DockerSpawner.use_internal_ip = True
c.DockerSpawner.remove = True  # files live on the learner's volume, not in the container
c.DockerSpawner.name_template = f"wiw-{workshop}-learner-{{username}}"
c.DockerSpawner.cmd = ["jupyterhub-singleuser"]
c.DockerSpawner.notebook_dir = "/home/learner"
c.DockerSpawner.mounts = [
    {"type": "volume", "source": HOME_VOLUME, "target": "/home/learner", "labels": HOME_LABELS}
]
c.DockerSpawner.mem_limit = int(env.get("WIW_MEM_LIMIT", str(2**30)))  # bytes
c.DockerSpawner.cpu_limit = float(env.get("WIW_CPU_LIMIT", "1.0"))
c.DockerSpawner.extra_host_config = {
    "pids_limit": int(env.get("WIW_PIDS_LIMIT", "512")),
    "security_opt": ["no-new-privileges:true"],
    "cap_drop": ["ALL"],
}
learner_labels = {**labels, "org.wiw.role": "learner"}
if swarm:
    c.SwarmSpawner.extra_container_spec = {"labels": learner_labels, "cap_drop": ["ALL"]}
    c.SwarmSpawner.extra_create_kwargs = {"labels": learner_labels}
    # The hub reaches each learner's task directly: DNS round-robin needs no
    # virtual-IP load balancing (IPVS), which not every node's kernel offers.
    c.SwarmSpawner.extra_endpoint_spec = {"mode": "dnsrr"}
else:
    c.DockerSpawner.extra_create_kwargs = {"labels": learner_labels}
c.Spawner.default_url = "/lab"
c.JupyterHub.implicit_spawn_seconds = 2  # a culled learner's open tab restarts their server
c.Spawner.start_timeout = 900  # includes the wait in the start queue
c.Spawner.http_timeout = 120

# wiw itself reads who is active; the culler stops idle servers (files stay).
c.JupyterHub.services = [
    {"name": "wiw", "api_token": env["WIW_API_TOKEN"]},
    {
        "name": "idle-culler",
        "command": [
            sys.executable,
            "-m",
            "jupyterhub_idle_culler",
            f"--timeout={int(env.get('WIW_CULL_AFTER', '3600'))}",
            f"--cull-every={max(5, min(300, int(env.get('WIW_CULL_AFTER', '3600')) // 2))}",
        ],
    },
]
c.JupyterHub.load_roles = [
    {
        "name": "wiw-instructor",
        "services": ["wiw"],
        "scopes": ["list:users", "read:users", "read:servers", "read:users:activity"],
    },
    {
        "name": "idle-culler",
        "services": ["idle-culler"],
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
    },
]
