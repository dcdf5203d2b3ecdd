"""A Docker Swarm of several nodes on this one machine, for the multi-node tests.

Each node is a container running its own Docker engine (Debian's docker.io on
the base image the project uses), on a bridge network the test makes. One
node is the manager; its engine's socket is reachable from this machine
through a bind-mounted folder, and the port the classroom publishes inside it
is published again on this machine's loopback, so the class is joined at
``http://127.0.0.1:PORT/`` as on a single machine. Images reach the nodes
from a registry: the loopback one pushes go to, and the same storage served
on the test network's gateway for the nodes to pull from.

Nested engines cannot run privileged here (this machine's bounding set lacks
CAP_SYS_RESOURCE), so the nodes get every other capability instead, the
host's cgroup filesystem (cgroup v1) writable, and a cgroup parent of their
own, whose folders are removed afterwards. Everything made is removed at the
end, even when the test fails.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import wiw
from tests.support.registry import start_registry
from wiw.engine.protocol import ContainerEngine
from wiw.waiting import poll

NODE_IMAGE = "wiw-test/swarm-node:1"
NODE_DOCKERFILE = """\
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN apt-get update \\
 && apt-get install -y --no-install-recommends docker.io iptables ca-certificates \\
 && rm -rf /var/lib/apt/lists/*
CMD ["dockerd"]
"""
# What a nested engine needs here, short of --privileged (see the module docstring).
NODE_RIGHTS = [
    "--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE",
    "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
    "--security-opt", "systempaths=unconfined", "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw",
]  # fmt: skip
TEST_LABEL = "org.wiw.test=multinode"
CGROUPS = Path("/sys/fs/cgroup")


def docker(engine: ContainerEngine, *args: str, stdin: bytes | None = None) -> str:
    """Run one client command on ``engine``; its output, or an AssertionError with stderr."""
    done = subprocess.run(
        [*engine.client_call, *args], input=stdin, capture_output=True, check=False, timeout=600
    )
    assert done.returncode == 0, f"docker {' '.join(args)}: {done.stderr.decode()[-2000:]}"
    return done.stdout.decode()


def node_image(engine: wiw.Engine, base: str = "debian:bookworm-slim") -> str:
    """Build the node image (an engine on the base image) unless it exists; its name."""
    if engine.image_info(NODE_IMAGE) is None:
        args = ["build", "--force-rm", "--label", TEST_LABEL, "--build-arg", f"BASE_IMAGE={base}"]
        docker(engine, *args, "-t", NODE_IMAGE, "-", stdin=NODE_DOCKERFILE.encode())
    return NODE_IMAGE


@dataclass
class Node:
    """One node: its container on this machine, its name and address on the test network."""

    name: str
    container: str
    address: str = ""

    def docker(self, host: wiw.Engine, *args: str) -> str:
        """Run a docker command on the node's own engine."""
        return docker(host, "exec", self.container, "docker", *args)


@dataclass
class Swarm:
    """A running swarm: its nodes, the manager's engine and where images come from."""

    host: wiw.Engine
    run: str
    nodes: list[Node] = field(default_factory=list)
    manager_engine: wiw.Engine | None = None
    pull_from: str = ""  # the registry address the nodes pull from
    hub_port: int = 0

    @property
    def manager(self) -> Node:
        """The manager node (the first)."""
        return self.nodes[0]

    def node(self, name: str) -> Node:
        """A node by its name."""
        return next(n for n in self.nodes if n.name == name)

    def node_ids(self) -> dict[str, str]:
        """Each node's Swarm id, by its host name."""
        out = self.manager.docker(self.host, "node", "ls", "--format", "{{.Hostname}} {{.ID}}")
        return dict(line.split() for line in out.splitlines())

    def ready_nodes(self) -> set[str]:
        """Host names of the nodes the manager sees as ready."""
        out = self.manager.docker(self.host, "node", "ls", "--format", "{{.Hostname}} {{.Status}}")
        return {name for name, status in (line.split() for line in out.splitlines())
                if status == "Ready"}  # fmt: skip

    def wait_ready(self, names: set[str], timeout: float = 120) -> None:
        """Wait (bounded) until exactly these nodes are ready."""
        poll(lambda: self.ready_nodes() == names or None, timeout=timeout,
             what=f"nodes {sorted(names)} ready", interval=1)  # fmt: skip

    def stop_node(self, name: str) -> None:
        """Stop a node's container, as a machine switched off would be."""
        docker(self.host, "stop", "--time", "20", self.node(name).container)

    def start_node(self, name: str) -> None:
        """Start a stopped node again; its engine and swarm membership come back."""
        docker(self.host, "start", self.node(name).container)
        wait_engine(self.host, self.node(name))


def wait_engine(host: wiw.Engine, node: Node, timeout: float = 120) -> None:
    """Wait (bounded) until a node's own engine answers."""

    def answers() -> bool | None:
        done = subprocess.run([*host.client_call, "exec", node.container, "docker", "info"],
                              capture_output=True, check=False, timeout=30)  # fmt: skip
        return done.returncode == 0 or None

    poll(answers, timeout=timeout, what=f"the engine of node {node.name}", interval=0.5)


def _address(host: wiw.Engine, container: str, network: str) -> str:
    info = json.loads(docker(host, "inspect", container))[0]
    return str(info["NetworkSettings"]["Networks"][network]["IPAddress"])


def _start_node(host: wiw.Engine, swarm: Swarm, name: str, network: str, socket_dir: Path) -> Node:
    """Start one node's container and wait for its engine."""
    container = f"wiw-test-node-{name}-{swarm.run}"
    args = ["run", "-d", "--name", container, "--hostname", name, "--network", network,
            "--label", TEST_LABEL, *NODE_RIGHTS, "-v", f"{container}:/var/lib/docker"]  # fmt: skip
    engine_args = ["--host", "unix:///var/run/docker.sock", "--cgroup-parent", f"/{container}",
                   "--insecure-registry", swarm.pull_from]  # fmt: skip
    if name == "manager":
        args += ["-v", f"{socket_dir}:/run/wiw-node",
                 "-p", f"127.0.0.1:{swarm.hub_port}:{swarm.hub_port}"]  # fmt: skip
        engine_args += ["--host", "unix:///run/wiw-node/docker.sock"]
    docker(host, *args, NODE_IMAGE, "dockerd", *engine_args)
    node = Node(name, container)
    swarm.nodes.append(node)  # from now on, removed at the end whatever happens
    wait_engine(host, node)
    node.address = _address(host, container, network)
    return node


def _form(swarm: Swarm) -> None:
    """Make the manager a swarm and join the workers to it."""
    manager = swarm.manager
    manager.docker(swarm.host, "swarm", "init", "--advertise-addr", manager.address)
    token = manager.docker(swarm.host, "swarm", "join-token", "-q", "worker").strip()
    for worker in swarm.nodes[1:]:
        worker.docker(swarm.host, "swarm", "join", "--token", token, f"{manager.address}:2377")
    swarm.wait_ready({n.name for n in swarm.nodes})


def _remove(host: wiw.Engine, swarm: Swarm, network: str) -> None:
    """Remove the nodes, their volumes and cgroup folders, and the network."""
    for node in swarm.nodes:
        subprocess.run([*host.client_call, "rm", "-f", "-v", node.container],
                       capture_output=True, check=False, timeout=120)  # fmt: skip
        subprocess.run([*host.client_call, "volume", "rm", node.container],
                       capture_output=True, check=False, timeout=60)  # fmt: skip
        for folder in CGROUPS.glob(f"*/{node.container}"):
            for sub in sorted(folder.rglob("*"), key=lambda p: -len(p.parts)):
                if sub.is_dir():
                    sub.rmdir()
            folder.rmdir()
    subprocess.run([*host.client_call, "network", "rm", network],
                   capture_output=True, check=False, timeout=60)  # fmt: skip


@contextlib.contextmanager
def three_node_swarm(
    host: wiw.Engine, run: str, *, hub_port: int, registry_data: Path
) -> Iterator[Swarm]:
    """A manager and two workers, formed into a swarm, removed again on exit.

    Args:
        host: This machine's engine, which runs the nodes.
        run: A short id making every name of this run unique.
        hub_port: The port the classroom will publish (also published on loopback).
        registry_data: The storage of the loopback registry images are pushed
            to; it is served to the nodes on the test network's gateway.
    """
    network = f"wiw-test-swarm-{run}"
    docker(host, "network", "create", "--label", TEST_LABEL, network)
    gateway = json.loads(docker(host, "network", "inspect", network))[0]["IPAM"]["Config"][0]
    swarm = Swarm(host, run, hub_port=hub_port)
    with tempfile.TemporaryDirectory(prefix="wiw-node-") as tmp:
        served = start_registry(Path(tmp), listen=gateway["Gateway"], data=registry_data)
        try:
            swarm.pull_from = next(served).address
            (Path(tmp) / "socket").mkdir()
            for name in ("manager", "worker-a", "worker-b"):
                _start_node(host, swarm, name, network, Path(tmp) / "socket")
            _form(swarm)
            swarm.manager_engine = wiw.Engine(
                [*host.client_call, "-H", f"unix://{tmp}/socket/docker.sock"]
            )
            yield swarm
        finally:
            _remove(host, swarm, network)
            served.close()
