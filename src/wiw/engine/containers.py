"""Containers: create, start, inspect, stop, remove, copy files and follow logs."""

from __future__ import annotations

import contextlib
import queue
import subprocess
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from pathlib import Path

from python_on_whales.exceptions import NoSuchContainer

from wiw import errors
from wiw.engine.client import EngineClient
from wiw.engine.failures import translate
from wiw.engine.types import (
    ContainerInfo,
    ContainerSpec,
    size_bytes,
    to_container_info,
)
from wiw.waiting import Deadline

__all__ = ["ContainerCommands", "LogFollower"]


class ContainerCommands(EngineClient):
    """What the engine does with containers."""

    def container_create(self, spec: ContainerSpec) -> str:
        """Create (not start) a container and return its id."""
        with translate("create the container"):
            container = self._client.container.create(
                spec.image,
                list(spec.command),
                name=spec.name,
                labels=dict(spec.labels),
                publish=spec.publish_args(),
                envs=dict(spec.envs),
                memory=spec.memory,
                pids_limit=spec.pids_limit,
                volumes=list(spec.volumes),
                networks=[spec.network] if spec.network else [],
                user=spec.user,
                workdir=spec.workdir,
                entrypoint=spec.entrypoint,
            )
        return str(container.id)

    def container_start(self, cid: str) -> None:
        """Start a created container."""
        with translate("start the container"):
            self._client.container.start(cid)

    def container_info(self, name: str) -> ContainerInfo | None:
        """Return what the engine knows of a container, or None when there is none."""
        with translate("inspect the container"):
            try:
                return to_container_info(self._client.container.inspect(name))
            except NoSuchContainer:  # never made, or removed a moment ago
                return None

    def container_state(self, cid: str) -> tuple[bool, int | None]:
        """Return ``(running, exit_code)`` of a container."""
        with translate("inspect the container"):
            state = self._client.container.inspect(cid).state
        return bool(state.running), state.exit_code

    def container_port(self, cid: str, container_port: int) -> int | None:
        """Return the host port published for ``container_port``, if any."""
        with translate("inspect the container"):
            info = to_container_info(self._client.container.inspect(cid))
        return info.host_port(container_port)

    def container_logs(self, cid: str) -> str:
        """Return all output of a container so far."""
        with translate("read container logs"):
            return str(self._client.container.logs(cid))

    def container_kill(self, cid: str) -> None:
        """Kill a container's main process (SIGKILL), as a crash would."""
        with translate("kill the container"):
            self._client.container.kill(cid)

    def container_stop(self, cid: str, *, timeout: int = 10) -> None:
        """Stop a container (SIGTERM, then SIGKILL after ``timeout`` seconds)."""
        with translate("stop the container"):
            self._client.container.stop(cid, time=timeout)

    def container_remove(self, cid: str) -> None:
        """Stop and remove a container, keeping its volumes; no error if it is gone."""
        with contextlib.suppress(errors.EngineError), translate("remove the container"):
            self._client.container.remove(cid, force=True, volumes=False)

    def containers_labelled(self, label: str) -> list[str]:
        """Return the ids of all containers (running or not) carrying ``label``."""
        with translate("list containers"):
            found = self._client.container.list(all=True, filters=[("label", label)])
        return [str(c.id) for c in found]

    def container_running(self, name: str) -> bool | None:
        """Whether the container ``name`` runs (None when there is no such container)."""
        info = self.container_info(name)
        return None if info is None else info.running

    def run_to_end(self, spec: ContainerSpec, *, timeout: float = 300.0) -> tuple[int, str]:
        """Run a short-lived container to its end; return its exit status and output.

        The container is removed afterwards, whatever happens.
        """
        cid = self.container_create(spec)
        try:
            self.container_start(cid)
            code = int(self._run(["wait", cid], what="wait for the container", timeout=timeout)[1])
            return code, self.container_logs(cid)
        finally:
            self.container_remove(cid)

    def port_user(self, port: int) -> str | None:
        """The name of the running container that publishes host ``port``, if one does."""
        with translate("list containers"):
            running = self._client.container.list()
        for raw in running:
            info = to_container_info(raw)
            if any(p == port for bindings in info.ports.values() for _, p in bindings):
                return f"the container {info.name}"
        return None

    def memory_usage(self, cids: Sequence[str]) -> dict[str, int]:
        """Return the memory each running container uses now, in bytes, by container id."""
        if not cids:
            return {}
        args = ["stats", "--no-stream", "--no-trunc", "--format", "{{.ID}}\t{{.MemUsage}}"]
        code, out = self._run([*args, *cids], what="read container statistics", check=False)
        if code != 0:
            # One may have stopped since it was listed (a culled server): ask again without it.
            alive = [cid for cid in cids if (info := self.container_info(cid)) and info.running]
            if len(alive) == len(cids):
                self._run([*args, *cids], what="read container statistics")  # raises, typed
            return self.memory_usage(alive)
        used = {}
        for line in out.splitlines():
            ident, _, usage = line.partition("\t")
            used[ident.strip()] = size_bytes(usage.split("/")[0])
        return {cid: size for cid in cids for full, size in used.items() if full.startswith(cid)}

    def copy_from(self, cid: str, path: str, dest: Path) -> None:
        """Copy ``path`` out of a container (which need not be running) into ``dest``."""
        with translate("copy files out of the container"):
            self._client.container.copy((cid, path), dest)

    def copy_to(self, cid: str, source: Path, path: str) -> None:
        """Copy ``source`` into a container (which need not be running) at ``path``."""
        with translate("copy files into the container"):
            self._client.container.copy(source, (cid, path))

    def follow_logs(self, cid: str) -> LogFollower:
        """Start reading a container's output line by line as it is written."""
        return LogFollower([*self.client_call, "logs", "--follow", cid])


class LogFollower:
    """Reads a container's output incrementally in a background thread.

    The stream ends when the container stops, which lets waiters fail fast
    instead of waiting out their deadline.
    """

    def __init__(self, cmd: Sequence[str]) -> None:
        self._lines: queue.Queue[str | None] = queue.Queue()
        self.seen: deque[str] = deque(maxlen=200)
        self.ended = False
        try:
            self._proc = subprocess.Popen(
                list(cmd),
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
            )
        except OSError as exc:
            raise errors.EngineUnavailable(f"Cannot follow logs: {exc}", command=cmd) from exc
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()

    def _pump(self) -> None:
        # close() may close the pipe under us: that simply ends the stream.
        with contextlib.suppress(ValueError, OSError):
            for line in self._proc.stdout or ():
                self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def lines(self, deadline: Deadline) -> Iterator[str]:
        """Yield new lines until the stream ends or ``deadline`` passes."""
        while not self.ended:
            if deadline.passed:
                return
            try:
                line = self._lines.get(timeout=min(deadline.remaining, 0.5))
            except queue.Empty:
                continue
            if line is None:
                self.ended = True
                return
            self.seen.append(line)
            yield line

    def close(self) -> None:
        """Stop following."""
        if self._proc.poll() is None:
            self._proc.kill()
        self._proc.wait()
        self._thread.join(timeout=5)
        if self._proc.stdout is not None:
            self._proc.stdout.close()
