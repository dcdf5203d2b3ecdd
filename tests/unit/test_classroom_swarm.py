"""Learners' homes on Swarm nodes: where each one is, the task that packs it, and collecting.

The packing script is run for real with ``sh`` on a folder here, and its output
unpacked again, so what the node prints and what wiw reads are tested together.
"""

from __future__ import annotations

import base64
import hashlib
import io
import shutil
import subprocess
import tarfile
from pathlib import Path
from typing import Any

import pytest

from tests.support.fakeengine import FakeEngine
from wiw import errors
from wiw._version import __version__
from wiw.classroom.swarm import (
    BEGIN,
    END,
    Placement,
    collect_from_nodes,
    pack_command,
    placements,
    plain_members,
    unpack,
)
from wiw.engine.types import ContainerSpec, JobSpec, NodeInfo

NEEDS_TOOLS = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("sh", "tar", "sha256sum", "base64", "cut")),
    reason="the packing script needs sh, tar, sha256sum, base64 and cut",
)


def _packed(files: dict[str, bytes]) -> bytes:
    """A gzip'd tar archive of ``files`` (relative path -> content)."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            info.mode = 0o644
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _output(data: bytes, *, checksum: str | None = None, before: str = "") -> str:
    """What a node's task prints for the archive ``data``."""
    digest = checksum if checksum is not None else hashlib.sha256(data).hexdigest()
    encoded = base64.encodebytes(data).decode()  # 76-character lines, as base64(1) prints
    return f"{before}{BEGIN} {digest}\n{encoded}{END}\n"


# pack_command ------------------------------------------------------------------------------


def test_the_pack_command_is_one_shell_script_over_the_home() -> None:
    """The task runs sh -c with a script that packs the home, its checksum, then the archive."""
    assert pack_command() == (
        "sh",
        "-c",
        "set -e; tar -C /home/learner -czf /tmp/home.tgz . && "
        "echo WIW-HOME-BEGIN $(sha256sum /tmp/home.tgz | cut -c1-64) && "
        "base64 /tmp/home.tgz && echo WIW-HOME-END",
    )
    assert pack_command("/data")[2].startswith("set -e; tar -C /data -czf /tmp/home.tgz . && ")


@NEEDS_TOOLS
def test_what_the_pack_command_prints_unpacks_to_the_same_home(tmp_path: Path) -> None:
    """A home packed by the task's own script comes back file for file, with its checksum."""
    home = tmp_path / "home"
    (home / "work").mkdir(parents=True)
    (home / "lesson01.ipynb").write_text('{"cells": []}')
    (home / "work" / "data.bin").write_bytes(bytes(range(256)) * 40)  # several base64 lines
    command = pack_command(str(home))
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=60)
    lines = done.stdout.splitlines()
    assert lines[0].startswith(f"{BEGIN} ")
    assert len(lines[0].split()[-1]) == 64
    assert lines[-1] == END
    dest = tmp_path / "collected" / "ada"
    unpack(done.stdout, dest)
    assert (dest / "lesson01.ipynb").read_text() == '{"cells": []}'
    assert (dest / "work" / "data.bin").read_bytes() == bytes(range(256)) * 40


# placements ---------------------------------------------------------------------------------


def test_placements_come_from_the_state_the_hub_keeps_for_each_server() -> None:
    """A learner's node id, node name and home volume are read from their server's state."""
    users: list[dict[str, Any]] = [
        {"name": "ada", "servers": {"": {"state": {
            "node_id": "n1", "node_name": "pi-1", "home_volume": "wiw-intro-home-ada"}}}},
        {"name": "bob", "servers": {"": {"state": {
            "node_id": "n2", "home_volume": "wiw-intro-home-bob"}}}},
    ]  # fmt: skip
    assert placements(users) == [
        Placement("ada", "n1", "pi-1", "wiw-intro-home-ada"),
        Placement("bob", "n2", "", "wiw-intro-home-bob"),
    ]


@pytest.mark.parametrize(
    "user",
    [
        {"name": "new"},
        {"name": "new", "servers": None},
        {"name": "new", "servers": {}},
        {"name": "new", "servers": {"": {}}},
        {"name": "new", "servers": {"": {"state": None}}},
        {"name": "new", "servers": {"named": {"state": {"node_id": "n1", "home_volume": "v"}}}},
        {"name": "new", "servers": {"": {"state": {"node_id": "n1"}}}},
        {"name": "new", "servers": {"": {"state": {"home_volume": "v"}}}},
        {"name": "new", "servers": {"": {"state": {"node_id": "", "home_volume": "v"}}}},
        {"name": "new", "servers": {"": {"state": {"node_id": "n1", "home_volume": ""}}}},
    ],
    ids=["no-servers", "servers-null", "servers-empty", "no-state", "state-null",
         "named-server-only", "no-volume", "no-node", "empty-node", "empty-volume"],
)  # fmt: skip
def test_a_learner_whose_server_never_ran_has_no_placement(user: dict[str, Any]) -> None:
    """Without both a node and a volume in the default server's state, nothing is placed."""
    placed = {"name": "ada", "servers": {"": {"state": {"node_id": "n1", "home_volume": "v"}}}}
    assert placements([user, placed]) == [Placement("ada", "n1", "", "v")]


# unpack ---------------------------------------------------------------------------------------


def test_unpack_writes_the_archive_into_a_new_folder(tmp_path: Path) -> None:
    """The folder and its parents are made; lines before the marker are skipped."""
    data = _packed({"lesson01.ipynb": b"{}", "work/notes.txt": b"mine"})
    dest = tmp_path / "a" / "b" / "ada"
    unpack(_output(data, before="Unable to find image locally\npulling\n"), dest)
    assert (dest / "lesson01.ipynb").read_bytes() == b"{}"
    assert (dest / "work" / "notes.txt").read_bytes() == b"mine"


def test_unpack_into_a_folder_that_exists_already(tmp_path: Path) -> None:
    """Collecting again into the same folder works: it is not an error that it exists."""
    data = _packed({"lesson01.ipynb": b"{}"})
    dest = tmp_path / "ada"
    dest.mkdir()
    unpack(_output(data), dest)
    assert (dest / "lesson01.ipynb").read_bytes() == b"{}"


@pytest.mark.parametrize(
    "output",
    [
        "",
        "pulling the image\n",
        f"{BEGIN} abc\nAAAA\n",  # cut short: no end marker
        f"{END}\n{BEGIN} abc\nAAAA\n",  # the end marker only before the start
        f"{BEGIN} abc\n!!!!\n{END}\n",  # not base64
    ],
    ids=["empty", "no-marker", "no-end", "end-before-begin", "not-base64"],
)
def test_unpack_refuses_output_cut_short(tmp_path: Path, output: str) -> None:
    """Output without both markers, or that is not base64, says the home came back incomplete."""
    with pytest.raises(errors.EngineError) as caught:
        unpack(output, tmp_path / "ada")
    assert caught.value.message == "A learner's packed home came back incomplete."
    assert caught.value.hint == (
        "Run 'wiw collect' again; check the node's disk and the task's logs."
    )
    assert caught.value.__cause__ is None
    assert caught.value.__suppress_context__
    assert not (tmp_path / "ada").exists()


def test_unpack_refuses_a_home_that_does_not_match_its_checksum(tmp_path: Path) -> None:
    """A checksum that is not the archive's is refused before anything is written."""
    data = _packed({"lesson01.ipynb": b"{}"})
    with pytest.raises(errors.EngineError) as caught:
        unpack(_output(data, checksum=hashlib.sha256(b"other").hexdigest()), tmp_path / "ada")
    assert caught.value.message == "A learner's packed home does not match its checksum."
    assert caught.value.hint == "Run 'wiw collect' again."
    assert not (tmp_path / "ada").exists()


def test_unpack_refuses_a_marker_line_without_a_checksum(tmp_path: Path) -> None:
    """A start marker alone (the node's sha256sum printed nothing) is a checksum mismatch."""
    data = _packed({"a.txt": b"a"})
    encoded = base64.encodebytes(data).decode()
    with pytest.raises(errors.EngineError) as caught:
        unpack(f"{BEGIN}\n{encoded}{END}\n", tmp_path / "ada")
    assert caught.value.message == "A learner's packed home does not match its checksum."


def test_unpack_takes_only_a_gzipped_archive(tmp_path: Path) -> None:
    """The task packs with gzip; a plain tar, even with its checksum, is not read."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        archive.addfile(tarfile.TarInfo("a.txt"), io.BytesIO(b""))
    with pytest.raises(tarfile.ReadError):
        unpack(_output(buffer.getvalue()), tmp_path / "ada")
    assert not (tmp_path / "ada" / "a.txt").exists()


def test_unpack_takes_the_checksum_from_the_marker_line_it_starts_at(tmp_path: Path) -> None:
    """A line merely containing the marker later on is data, not the start."""
    data = _packed({"a.txt": b"a"})
    unpack(f"note: {BEGIN} printed by someone\n" + _output(data), tmp_path / "ada")
    assert (tmp_path / "ada" / "a.txt").read_bytes() == b"a"


def test_plain_members_keep_files_and_folders_inside_and_drop_special_bits(
    tmp_path: Path,
) -> None:
    """Links, devices and paths out of the folder are left out; set-uid bits are cleared."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        folder = tarfile.TarInfo("work")
        folder.type, folder.mode = tarfile.DIRTYPE, 0o3777
        archive.addfile(folder)
        plain = tarfile.TarInfo("work/run.sh")
        plain.mode = 0o6755
        archive.addfile(plain, io.BytesIO(b""))
        private = tarfile.TarInfo("work/notes.txt")
        private.mode = 0o600
        archive.addfile(private, io.BytesIO(b""))
        link = tarfile.TarInfo("escape")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        archive.addfile(link)
        fifo = tarfile.TarInfo("pipe")
        fifo.type = tarfile.FIFOTYPE
        archive.addfile(fifo)
        archive.addfile(tarfile.TarInfo("../outside.txt"), io.BytesIO(b""))
        archive.addfile(tarfile.TarInfo("/etc/absolute.txt"), io.BytesIO(b""))
    buffer.seek(0)
    dest = tmp_path / "ada"
    with tarfile.open(fileobj=buffer) as archive:
        kept = [(m.name, m.mode) for m in plain_members(archive, dest)]
    assert kept == [("work", 0o755), ("work/run.sh", 0o755), ("work/notes.txt", 0o600)]


def test_plain_members_resolve_the_folder_itself(tmp_path: Path) -> None:
    """A folder given through a link still keeps what lands inside it."""
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "alias").symlink_to(real)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        archive.addfile(tarfile.TarInfo("a.txt"), io.BytesIO(b""))
    buffer.seek(0)
    with tarfile.open(fileobj=buffer) as archive:
        assert [m.name for m in plain_members(archive, tmp_path / "alias")] == ["a.txt"]


# collect_from_nodes ---------------------------------------------------------------------------


class JobEngine(FakeEngine):
    """The fake engine, keeping every job it was given and its timeout."""

    def __init__(self) -> None:
        super().__init__()
        self.jobs: list[tuple[JobSpec, float]] = []

    def run_job(self, job: JobSpec, *, timeout: float) -> str:
        """Record the job, then run it as the fake does."""
        self.jobs.append((job, timeout))
        return super().run_job(job, timeout=timeout)


def _swarm(nodes: list[NodeInfo], homes: dict[str, dict[str, bytes]]) -> JobEngine:
    """A swarm of ``nodes`` whose collect tasks print the home of the volume they mount."""
    engine = JobEngine()
    engine.node_list = {node.id: node for node in nodes}

    def script(spec: ContainerSpec) -> tuple[int, str]:
        job = next(j for j, _ in reversed(engine.jobs) if j.name == spec.name)
        return 0, _output(_packed(homes[job.volumes[0][0]]))

    engine.scripts["wiw-intro-collect-"] = script
    return engine


READY = NodeInfo("n1", "pi-1", "ready", "active")


def test_each_home_is_packed_on_its_own_node_and_unpacked_into_its_folder(
    tmp_path: Path,
) -> None:
    """One task per learner, on their node, mounting their volume at the home, as a helper."""
    engine = _swarm(
        [READY, NodeInfo("n2", "pi-2", "ready", "active")],
        {"vol-ada": {"a.txt": b"ada's"}, "vol-bob": {"b.txt": b"bob's"}},
    )
    homes = [Placement("ada", "n1", "pi-1", "vol-ada"), Placement("bob", "n2", "pi-2", "vol-bob")]
    folders = {"ada": tmp_path / "Ada", "bob": tmp_path / "Bob"}
    done = collect_from_nodes(engine, "intro", "reg/wiw/intro:2", homes, folders)
    assert done == [tmp_path / "Ada", tmp_path / "Bob"]
    assert (tmp_path / "Ada" / "a.txt").read_bytes() == b"ada's"
    assert (tmp_path / "Bob" / "b.txt").read_bytes() == b"bob's"
    assert [(job.node, list(job.volumes), timeout) for job, timeout in engine.jobs] == [
        ("n1", [("vol-ada", "/home/learner")], 300),
        ("n2", [("vol-bob", "/home/learner")], 300),
    ]
    for job, _ in engine.jobs:
        assert job.image == "reg/wiw/intro:2"
        assert job.command == pack_command()
        assert dict(job.labels) == {
            "org.wiw.managed": "true",
            "org.wiw.workshop": "intro",
            "org.wiw.role": "helper",
            "org.wiw.version": __version__,
        }
        prefix, _, token = job.name.rpartition("-")
        assert prefix == "wiw-intro-collect"
        assert len(token) == 8
        assert all(c in "0123456789abcdef" for c in token)
    assert engine.jobs[0][0].name != engine.jobs[1][0].name
    assert engine.called("nodes") == [""]


def test_the_timeout_reaches_each_task(tmp_path: Path) -> None:
    """A timeout given to collect is the one each node's task runs under."""
    engine = _swarm([READY], {"vol-ada": {"a.txt": b""}})
    homes = [Placement("ada", "n1", "pi-1", "vol-ada")]
    collect_from_nodes(engine, "intro", "img", homes, {"ada": tmp_path / "ada"}, timeout=42)
    assert [timeout for _, timeout in engine.jobs] == [42]


def test_homes_on_unusable_nodes_are_named_after_everyone_else_is_collected(
    tmp_path: Path,
) -> None:
    """A node gone, down or drained is reported with its learner; the others are collected."""
    engine = _swarm(
        [READY, NodeInfo("n2", "pi-2", "down", "active"),
         NodeInfo("n3", "pi-3", "ready", "drain")],
        {"vol-ada": {"a.txt": b"ada's"}},
    )  # fmt: skip
    homes = [
        Placement("bob", "n2", "pi-2", "vol-bob"),
        Placement("ada", "n1", "pi-1", "vol-ada"),
        Placement("cy", "n3", "", "vol-cy"),
        Placement("di", "n9", "pi-9", "vol-di"),
    ]
    folders = {who: tmp_path / who for who in ("ada", "bob", "cy", "di")}
    with pytest.raises(errors.CollectIncomplete) as caught:
        collect_from_nodes(engine, "intro", "img", homes, folders)
    assert caught.value.message == (
        "Collected 1 learner(s); could not reach the homes of: "
        "bob (on pi-2, which is down/active); cy (on n3, which is ready/drain); "
        "di (on pi-9, which has left the swarm)."
    )
    assert caught.value.collected == [str(tmp_path / "ada")]
    assert (tmp_path / "ada" / "a.txt").read_bytes() == b"ada's"
    assert [job.node for job, _ in engine.jobs] == ["n1"]


def test_no_homes_collects_nothing(tmp_path: Path) -> None:
    """A class where nobody's server ran yet collects no folder and runs no task."""
    engine = _swarm([READY], {})
    assert collect_from_nodes(engine, "intro", "img", [], {}) == []
    assert engine.jobs == []
