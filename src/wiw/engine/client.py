"""The engine's client: how commands reach Docker or Podman, and what the host offers."""

from __future__ import annotations

import functools
import os
import subprocess
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import python_on_whales as pow

from wiw import errors
from wiw.engine.failures import engine_error, translate

DOCKER_SOCKET = "/var/run/docker.sock"
_TIMEOUT = 120.0

__all__ = ["DOCKER_SOCKET", "EngineClient"]


class EngineClient:
    """A container engine's command-line client: the base every resource's commands share.

    Args:
        client_call: The client command, e.g. ``["docker"]``, ``["podman"]``
            or ``["docker", "--context", "remote"]``.
    """

    def __init__(self, client_call: Sequence[str] = ("docker",)) -> None:
        self.client_call = list(client_call)
        self._client = pow.DockerClient(client_call=self.client_call)

    def __repr__(self) -> str:
        return f"Engine({self.client_call!r})"

    @property
    def is_podman(self) -> bool:
        """Whether the client is podman (which builds without buildx)."""
        return Path(self.client_call[0]).name.startswith("podman")

    @functools.cached_property
    def has_buildx(self) -> bool:
        """Whether ``docker buildx`` is available to build with BuildKit."""
        if self.is_podman:
            return False
        return self._run(["buildx", "version"], what="ask for buildx", check=False)[0] == 0

    def _run(
        self,
        args: Sequence[str],
        *,
        what: str,
        check: bool = True,
        stdin: str | None = None,
        timeout: float = _TIMEOUT,
    ) -> tuple[int, str]:
        """Run one client command; return its exit status and stdout."""
        cmd = [*self.client_call, *args]
        try:
            done = subprocess.run(
                cmd, input=stdin, capture_output=True, text=True, check=False, timeout=timeout
            )
        except FileNotFoundError as exc:
            raise errors.EngineMissing(
                f"The container engine client {self.client_call[0]!r} was not found."
            ) from exc
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise errors.EngineUnavailable(
                f"The container engine client did not answer: {exc}", command=cmd
            ) from exc
        if check and done.returncode != 0:
            raise engine_error(done.stderr, what=what, command=cmd, exit_code=done.returncode)
        return done.returncode, done.stdout

    def api_socket(self) -> str:
        """The path of this engine's API socket on its machine, for the classroom's hub.

        Docker's is /var/run/docker.sock (or DOCKER_HOST's unix path); Podman's
        is its API service's socket, which must be running.

        Raises:
            wiw.errors.EngineUnavailable: Podman's API service is not running.
        """
        if not self.is_podman:
            host = os.environ.get("DOCKER_HOST", "")
            return host.removeprefix("unix://") if host.startswith("unix://") else DOCKER_SOCKET
        fields = "{{.Host.RemoteSocket.Path}}\t{{.Host.RemoteSocket.Exists}}"
        path, exists = self._podman_info(fields)
        if exists != "true":
            raise errors.EngineUnavailable(
                f"Podman's API service is not running (its socket {path} is missing); the "
                "classroom's hub starts learners' servers through it.",
                hint="Start it: 'sudo systemctl enable --now podman.socket' (or run "
                f"'podman system service --time=0 unix://{path}').",
            )
        return path.removeprefix("unix://")

    def ping(self) -> None:
        """Check that the engine answers, raising the matching error if not."""
        version = "{{.Version.Version}}" if self.is_podman else "{{.ServerVersion}}"
        self._run(["info", "--format", version], what="answer")

    def stream(
        self, args: Sequence[str], *, env: Mapping[str, str] | None = None, what: str = "run"
    ) -> Iterator[str]:
        """Run a client command and yield its output lines (stdout and stderr merged).

        Raises:
            wiw.errors.EngineError: The command exited non-zero; the error
                carries the last 40 lines of its output.
        """
        cmd = [*self.client_call, *args]
        tail: deque[str] = deque(maxlen=40)
        try:
            proc = subprocess.Popen(
                cmd,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                errors="replace",
                env={**os.environ, **(env or {})},
            )
        except FileNotFoundError as exc:
            raise errors.EngineMissing(f"{self.client_call[0]!r} was not found.") from exc
        except OSError as exc:
            raise errors.EngineUnavailable(f"Cannot run the engine client: {exc}") from exc
        with proc:
            try:
                for raw in proc.stdout or ():
                    line = raw.rstrip("\n")
                    tail.append(line)
                    yield line
            finally:
                if proc.poll() is None:
                    proc.kill()
            code = proc.wait()
        if code != 0:
            raise engine_error(
                "\n".join(tail), what=what, command=cmd, exit_code=code, log_tail=tail
            )

    def _podman_info(self, fields: str) -> list[str]:
        """The fields of ``podman info`` that ``fields`` (a tab-separated template) asks for."""
        out = self._run(["info", "--format", fields], what="read engine info")[1]
        return [field.strip() for field in out.split("\t")]

    def data_root(self) -> str | None:
        """Return the engine's data directory, for disk checks."""
        if self.is_podman:
            return self._podman_info("{{.Store.GraphRoot}}")[0] or None
        with translate("read engine info"):
            info = self._client.system.info()
        return getattr(info, "docker_root_dir", None) or None

    def host_resources(self) -> tuple[int, int]:
        """Return the engine's total memory in bytes and its CPU count."""
        if self.is_podman:
            memory, cpus = self._podman_info("{{.Host.MemTotal}}\t{{.Host.CPUs}}")
            return int(memory), int(cpus) or 1
        with translate("read engine info"):
            info = self._client.system.info()
        return int(info.mem_total or 0), int(info.n_cpu or 1)
