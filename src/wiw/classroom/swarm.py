"""Learners' homes on the nodes of a swarm: where each one is, and copying them out.

On Swarm, a learner's home is a volume on the node that ran their server
first; the hub keeps them on that node and records it in their server's
state (``jupyterhub/hub/wiw_swarm.py``). A manager cannot read other nodes'
volumes, so collecting runs a one-off task on each learner's node that packs
their home and prints it with its checksum; wiw checks it and unpacks it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import secrets
import tarfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from wiw import errors
from wiw._version import __version__
from wiw.classroom.contract import HOME
from wiw.engine import labels as _labels
from wiw.engine.protocol import ContainerEngine
from wiw.engine.types import JobSpec

__all__ = [
    "Placement",
    "collect_from_nodes",
    "pack_command",
    "placements",
    "plain_members",
    "unpack",
]

BEGIN, END = "WIW-HOME-BEGIN", "WIW-HOME-END"


def pack_command(home: str = HOME) -> tuple[str, ...]:
    """The task's command: pack ``home``, print the archive's SHA-256, then the archive."""
    script = (
        f"set -e; tar -C {home} -czf /tmp/home.tgz . && "
        f"echo {BEGIN} $(sha256sum /tmp/home.tgz | cut -c1-64) && "
        f"base64 /tmp/home.tgz && echo {END}"
    )
    return ("sh", "-c", script)


@dataclass(frozen=True)
class Placement:
    """Where one learner's home is: the node (id and host name) and the volume."""

    learner: str
    node_id: str
    node_name: str
    volume: str


def placements(users: Iterable[Mapping[str, Any]]) -> list[Placement]:
    """Each learner's home, from the hub's users (with their servers' state)."""
    found = []
    for user in users:
        server = (user.get("servers") or {}).get("", {})
        state = server.get("state") or {}
        if state.get("node_id") and state.get("home_volume"):
            found.append(Placement(user["name"], state["node_id"], state.get("node_name", ""),
                                   state["home_volume"]))  # fmt: skip
    return found


def plain_members(archive: tarfile.TarFile, dest: Path) -> Iterator[tarfile.TarInfo]:
    """The archive's files and folders that land inside ``dest``; links and devices left out."""
    root = dest.resolve()
    for member in archive.getmembers():
        target = (root / member.name).resolve()
        if (member.isfile() or member.isdir()) and target.is_relative_to(root):
            member.mode &= 0o755  # no set-uid, set-gid or sticky bits, as the data filter
            yield member


def unpack(output: str, dest: Path) -> None:
    """Check a packed home against its checksum and unpack it into ``dest``.

    Raises:
        wiw.errors.EngineError: The output is cut short or does not match its checksum.
    """
    lines = output.splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.startswith(BEGIN))
        end = lines.index(END, start)
        data = base64.b64decode("".join(lines[start + 1 : end]), validate=True)
    except (StopIteration, ValueError, binascii.Error):
        raise errors.EngineError(
            "A learner's packed home came back incomplete.",
            hint="Run 'wiw collect' again; check the node's disk and the task's logs.",
        ) from None
    if hashlib.sha256(data).hexdigest() != lines[start].split()[-1]:
        raise errors.EngineError(
            "A learner's packed home does not match its checksum.",
            hint="Run 'wiw collect' again.",
        )
    dest.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        if hasattr(tarfile, "data_filter"):  # Python 3.11.4 and later
            archive.extractall(dest, filter="data")  # no links or paths out of dest
        else:  # Debian 12's Python 3.11.2 has no filters: check each member here
            members = plain_members(archive, dest)
            archive.extractall(dest, members=members)  # noqa: S202 - each member checked


def collect_from_nodes(
    engine: ContainerEngine,
    workshop: str,
    image: str,
    homes: list[Placement],
    folders: Mapping[str, Path],
    *,
    timeout: float = 300,
) -> list[Path]:
    """Copy each learner's home from their node into their folder; return the folders.

    Raises:
        wiw.errors.CollectIncomplete: Some learners' nodes are unavailable;
            everyone else's work was collected first.
    """
    nodes = engine.nodes()
    done, missing = [], []
    for home in homes:
        node = nodes.get(home.node_id)
        if node is None or not node.usable:
            why = "has left the swarm" if node is None else f"is {node.state}/{node.availability}"
            missing.append(f"{home.learner} (on {home.node_name or home.node_id}, which {why})")
            continue
        job = JobSpec(
            image=image,
            name=f"wiw-{workshop}-collect-{secrets.token_hex(4)}",
            labels=_labels.labels_for(workshop, "helper", __version__),
            node=home.node_id,
            command=pack_command(),
            volumes=[(home.volume, HOME)],
        )
        unpack(engine.run_job(job, timeout=timeout), folders[home.learner])
        done.append(folders[home.learner])
    if missing:
        raise errors.CollectIncomplete(
            f"Collected {len(done)} learner(s); could not reach the homes of: "
            + "; ".join(missing)
            + ".",
            collected=done,
        )
    return done
