"""JupyterHub configuration of a wiw classroom.

The hub runs in its own container from the workshop image and starts one
container per learner from the same image (DockerSpawner). wiw passes every
setting as an environment variable (WIW_*); see wiw.classroom.
"""

import asyncio
import json
import os
import sys

from dockerspawner import DockerSpawner
from jupyterhub.utils import wait_for_http_server

c = get_config()  # type: ignore[name-defined]  # noqa: F821
env = os.environ

workshop = env["WIW_WORKSHOP"]
labels = json.loads(env.get("WIW_LABELS", "{}"))

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


class QueuedDockerSpawner(DockerSpawner):
    """Boots at most WIW_CONCURRENT_SPAWNS learners' servers at once; others wait their turn.

    A slot is held until the server answers HTTP, because booting the server
    (importing Jupyter) is what costs CPU; its container starting is cheap.
    """

    _slots: asyncio.Semaphore | None = None

    async def start(self):  # type: ignore[no-untyped-def]
        """Start the container and wait for its server, holding a start slot."""
        if QueuedDockerSpawner._slots is None:
            QueuedDockerSpawner._slots = asyncio.Semaphore(
                int(env.get("WIW_CONCURRENT_SPAWNS", "4"))
            )
        async with QueuedDockerSpawner._slots:
            ip, port = await super().start()
            url = f"http://{ip}:{port}{self.server.base_url}api"
            await wait_for_http_server(url, timeout=self.http_timeout)
        return ip, port


# Logins.
c.Authenticator.allow_all = True  # tmpauthenticator needs it on JupyterHub >= 5
if env.get("WIW_AUTH", "temporary") == "shared-password":
    c.JupyterHub.authenticator_class = "shared-password"
    c.SharedPasswordAuthenticator.user_password = env["WIW_PASSWORD"]
else:
    c.JupyterHub.authenticator_class = "tmpauthenticator.TmpAuthenticator"

# A container per learner, from the workshop image, non-root and limited.
c.JupyterHub.spawner_class = QueuedDockerSpawner
c.DockerSpawner.image = env["WIW_IMAGE"]
c.DockerSpawner.pull_policy = "never"
c.DockerSpawner.network_name = env["WIW_NETWORK"]
c.DockerSpawner.use_internal_ip = True
c.DockerSpawner.remove = True  # files live on the learner's volume, not in the container
c.DockerSpawner.name_template = f"wiw-{workshop}-learner-{{username}}"
c.DockerSpawner.cmd = ["jupyterhub-singleuser"]
c.DockerSpawner.notebook_dir = "/home/learner"
c.DockerSpawner.mounts = [
    {
        "type": "volume",
        "source": f"wiw-{workshop}-home-{{username}}",
        "target": "/home/learner",
        "labels": {**labels, "org.wiw.role": "learner-home"},
    }
]
c.DockerSpawner.mem_limit = int(env.get("WIW_MEM_LIMIT", str(2**30)))  # bytes
c.DockerSpawner.cpu_limit = float(env.get("WIW_CPU_LIMIT", "1.0"))
c.DockerSpawner.extra_host_config = {
    "pids_limit": int(env.get("WIW_PIDS_LIMIT", "512")),
    "security_opt": ["no-new-privileges:true"],
    "cap_drop": ["ALL"],
}
c.DockerSpawner.extra_create_kwargs = {"labels": {**labels, "org.wiw.role": "learner"}}
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
