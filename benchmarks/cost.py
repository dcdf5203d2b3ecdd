"""What a learner costs: CPU-seconds and memory of containers, read from the host's cgroups.

The engine's cgroups are read on this machine (cgroup v1 with the cgroupfs
driver, or v2), so measuring adds no work inside the containers. A removed
container's last reading is kept by the caller.
"""

from __future__ import annotations

from pathlib import Path

import psutil

CGROUPS = Path("/sys/fs/cgroup")
# What a process is, by a word of its command line; the first match wins.
ROLES = (("ipykernel", "kernel"), ("wiw_proxy", "proxy"), ("configurable-http-proxy", "proxy"),
         ("jupyterhub-singleuser", "server"), ("jupyter-lab", "server"),
         ("jupyter_server", "server"), ("jupyterhub", "hub"))  # fmt: skip


def cpu_seconds(container_id: str) -> float | None:
    """CPU-seconds a container has used so far (user and system), if its cgroup is found."""
    v1 = CGROUPS / "cpuacct" / "docker" / container_id / "cpuacct.usage"
    if v1.exists():
        return int(v1.read_text()) / 1e9
    for v2 in (CGROUPS / "system.slice" / f"docker-{container_id}.scope" / "cpu.stat",
               CGROUPS / "docker" / container_id / "cpu.stat"):  # fmt: skip
        if v2.exists():
            usage = next(line for line in v2.read_text().splitlines() if line.startswith("usage"))
            return int(usage.split()[1]) / 1e6
    return None


def memory_bytes(container_id: str) -> int | None:
    """A container's memory use now (v1: usage minus page cache; v2: current)."""
    v1 = CGROUPS / "memory" / "docker" / container_id
    if (v1 / "memory.usage_in_bytes").exists():
        used = int((v1 / "memory.usage_in_bytes").read_text())
        stats = dict(line.split() for line in (v1 / "memory.stat").read_text().splitlines())
        return used - int(stats.get("total_inactive_file", 0))
    v2 = CGROUPS / "system.slice" / f"docker-{container_id}.scope" / "memory.current"
    return int(v2.read_text()) if v2.exists() else None


class Meter:
    """CPU-seconds of a set of containers between two moments, per container."""

    def __init__(self) -> None:
        self.start: dict[str, float] = {}
        self.last: dict[str, float] = {}

    def read(self, container_ids: list[str]) -> None:
        """Read every container's counter; the first reading of each is its start."""
        for cid in container_ids:
            value = cpu_seconds(cid)
            if value is None:
                continue
            self.start.setdefault(cid, value)
            self.last[cid] = value

    def used(self, container_id: str) -> float:
        """CPU-seconds the container used between its first and last reading."""
        return self.last.get(container_id, 0.0) - self.start.get(container_id, 0.0)


def _pids(container_id: str) -> list[int]:
    for procs in (CGROUPS / "cpuacct" / "docker" / container_id / "cgroup.procs",
                  CGROUPS / "system.slice" / f"docker-{container_id}.scope" / "cgroup.procs",
                  CGROUPS / "docker" / container_id / "cgroup.procs"):  # fmt: skip
        if procs.exists():
            return [int(line) for line in procs.read_text().split()]
    return []


def role(cmdline: list[str]) -> str:
    """What a process in a classroom is: hub, proxy, server, kernel or other."""
    text = " ".join(cmdline)
    return next((name for word, name in ROLES if word in text), "other")


def by_role(container_id: str) -> dict[str, float]:
    """CPU-seconds the container's living processes (and their reaped children) used, by role."""
    used: dict[str, float] = {}
    for pid in _pids(container_id):
        try:
            process = psutil.Process(pid)
            times = process.cpu_times()
            name = role(process.cmdline())
        except psutil.Error:
            continue
        spent = times.user + times.system + times.children_user + times.children_system
        used[name] = used.get(name, 0.0) + spent
    return used
