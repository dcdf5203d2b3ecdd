"""Homes packed on Swarm nodes come back into the collect folder, and nowhere else."""

from __future__ import annotations

import base64
import hashlib
import io
import tarfile
from pathlib import Path

import pytest

from wiw.classroom.swarm import BEGIN, END, unpack


def _archive(tmp_path: Path) -> bytes:
    """A packed home with a lesson, a folder, a link out and a path climbing out of it."""
    source = tmp_path / "home"
    (source / "work").mkdir(parents=True)
    (source / "lesson01.ipynb").write_text("{}")
    (source / "work" / "notes.txt").write_text("mine")
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        archive.add(source / "lesson01.ipynb", "lesson01.ipynb")
        archive.add(source / "work", "work")
        link = tarfile.TarInfo("escape")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        archive.addfile(link)
        climb = tarfile.TarInfo("../outside.txt")
        archive.addfile(climb, io.BytesIO(b""))
    return buffer.getvalue()


@pytest.mark.parametrize("filters", [True, False], ids=["with-filters", "python-3.11.2"])
def test_a_packed_home_unpacks_inside_its_folder_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, filters: bool
) -> None:
    """Files and folders come back; links and paths out of the folder never do, on any 3.11."""
    data = _archive(tmp_path)
    if not filters:  # as on Debian 12's Python 3.11.2, which has no extraction filters
        monkeypatch.delattr(tarfile, "data_filter")
    output = f"{BEGIN} {hashlib.sha256(data).hexdigest()}\n{base64.b64encode(data).decode()}\n"
    dest = tmp_path / "collected" / "ada"
    if filters:
        with pytest.raises(tarfile.TarError):  # the data filter refuses the whole archive
            unpack(output + END + "\n", dest)
        return
    unpack(output + END + "\n", dest)
    found = sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*"))
    assert found == ["lesson01.ipynb", "work", "work/notes.txt"]
    assert not (tmp_path / "collected" / "outside.txt").exists()
