"""Swarm: whether this engine manages one, its nodes, services and one-off jobs."""

from __future__ import annotations

import contextlib

from wiw import errors
from wiw.engine.client import EngineClient
from wiw.engine.failures import translate
from wiw.engine.types import (
    JobSpec,
    NodeInfo,
)
from wiw.waiting import WaitTimeout, poll

__all__ = ["SwarmCommands"]


class SwarmCommands(EngineClient):
    """What the engine does on a Swarm."""

    def swarm_manager(self) -> bool:
        """Whether this engine is an active Swarm manager."""
        with translate("read engine info"):
            swarm = self._client.system.info().swarm
        return bool(swarm and swarm.local_node_state == "active" and swarm.control_available)

    def services_labelled(self, label: str) -> list[str]:
        """Return the ids of the Swarm services carrying ``label`` (none outside a swarm)."""
        if not self.swarm_manager():
            return []
        with translate("list services"):
            return [str(s.id) for s in self._client.service.list(filters=[("label", label)])]

    def service_remove(self, sid: str) -> None:
        """Remove a Swarm service; no error if it is gone."""
        with contextlib.suppress(errors.EngineError), translate("remove the service"):
            self._client.service.remove(sid)

    def nodes(self) -> dict[str, NodeInfo]:
        """The swarm's nodes by id (this engine must be a manager)."""
        fields = "{{.ID}}\t{{.Hostname}}\t{{.Status}}\t{{.Availability}}"
        _, out = self._run(["node", "ls", "--format", fields], what="list the swarm's nodes")
        found = {}
        for line in out.splitlines():
            ident, host, state, availability = line.split("\t")
            found[ident] = NodeInfo(ident, host, state.lower(), availability.lower())
        return found

    def run_job(self, job: JobSpec, *, timeout: float) -> str:
        """Run a one-off task on one node of the swarm; return what it printed.

        Raises:
            wiw.errors.EngineError: The task failed or did not finish in time
                (the error carries the engine's account of it).
        """
        args = ["service", "create", "--detach", "--quiet", "--mode", "replicated-job",
                "--name", job.name, "--restart-condition", "none", "--constraint",
                f"node.id=={job.node}", "--entrypoint", job.command[0]]  # fmt: skip
        for key, value in sorted(job.labels.items()):
            args += ["--label", f"{key}={value}", "--container-label", f"{key}={value}"]
        for volume, path in job.volumes:
            args += ["--mount", f"type=volume,source={volume},target={path},readonly"]
        self._run([*args, job.image, *job.command[1:]], what="start a task on a swarm node")
        try:
            self._wait_job(job.name, timeout)
            return self._run(["service", "logs", "--raw", "--no-task-ids", job.name],
                             what="read the task's output")[1]  # fmt: skip
        finally:
            self._run(["service", "rm", job.name], what="remove the task", check=False)

    def _wait_job(self, name: str, timeout: float) -> None:
        """Wait (bounded) for a job's task to complete; raise with its error if it does not."""
        cmd = ["service", "ps", name, "--no-trunc", "--format", "{{.CurrentState}}\t{{.Error}}"]

        def finished() -> str | None:
            states = self._run(cmd, what="follow the task")[1].strip()
            return states if states.startswith(("Complete", "Failed", "Rejected")) else None

        try:
            outcome = poll(finished, timeout=timeout, what=f"task {name}", interval=0.5)
        except WaitTimeout:
            outcome = self._run(cmd, what="follow the task")[1].strip() or "not scheduled"
        if not outcome.startswith("Complete"):
            raise errors.EngineError(
                f"The task {name} on a swarm node did not complete: {outcome}",
                command=[*self.client_call, *cmd],
                hint="Check that the node is up ('docker node ls') and has the image.",
            )
