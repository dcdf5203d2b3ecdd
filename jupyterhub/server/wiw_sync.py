#!/usr/bin/env python3
"""Deliver the workshop's lessons into a learner's home without ever losing their work.

Run as the learner, when their server starts (by ``wiw-start``) and when the
instructor updates the lessons during a class (by ``wiw update``). It keeps a
manifest, ``~/.wiw/delivered.json``, of the exact content (SHA-256) of every
file it delivered, so "changed by the learner" is decided by content, never by
timestamps:

- a lesson the learner does not have, and never had: copied in;
- a lesson the learner never changed: replaced by the new version;
- a lesson the learner changed: kept as it is; the new version is placed
  beside it (``lesson02.updated.ipynb``), never over it or over a file of theirs;
- a lesson the learner deleted: not brought back (unless ``--restore-deleted``);
- a file the learner has that wiw never delivered (an older home): kept, the
  lesson beside it when they differ.

The manifest records, for each lesson, the version last offered to the
learner (in its place, or beside their own); a version is offered once.

Nothing is ever deleted. It prints one line of JSON saying what it did, and
errors go to standard error (the server's log); it exits 1 only when some
file could not be delivered.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

MANIFEST = Path(".wiw") / "delivered.json"
UPDATED = "updated"


def digest(path: Path) -> str:
    """The SHA-256 of a file's content."""
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            sha.update(block)
    return sha.hexdigest()


def copy_atomically(source: Path, target: Path) -> None:
    """Put ``source``'s content at ``target`` in one step (a reader sees old or new, whole)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".wiw")
    os.close(fd)
    try:
        shutil.copyfile(source, tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def beside_name(rel: str, n: int) -> str:
    """``lesson02.ipynb`` -> ``lesson02.updated.ipynb`` (``.updated-2`` and on after that)."""
    path = Path(rel)
    mark = UPDATED if n == 1 else f"{UPDATED}-{n}"
    return str(path.with_name(f"{path.stem}.{mark}{path.suffix}"))


class Delivery:
    """One delivery of the lessons into one home."""

    def __init__(self, home: Path, lessons: Path, *, restore_deleted: bool) -> None:
        self.home, self.lessons, self.restore = home, lessons, restore_deleted
        self.manifest: dict[str, str] = self._read_manifest()
        self.done: dict[str, list[str]] = {
            "new": [], "updated": [], "kept": [], "beside": [], "deleted": [], "errors": [],
        }  # fmt: skip

    def _read_manifest(self) -> dict[str, str]:
        try:
            data = json.loads((self.home / MANIFEST).read_text())
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.get("files", {}).items()}

    def write_manifest(self) -> None:
        """Save what was delivered, atomically."""
        target = self.home / MANIFEST
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(".tmp")
        tmp.write_text(json.dumps({"files": self.manifest}, indent=1, sort_keys=True))
        os.replace(tmp, target)

    def run(self) -> None:
        """Deliver every lesson file."""
        for source in sorted(p for p in self.lessons.rglob("*") if p.is_file()):
            rel = source.relative_to(self.lessons).as_posix()
            try:
                self.deliver(rel, source)
            except OSError as exc:
                self.done["errors"].append(f"{rel}: {exc}")
                print(f"wiw-sync: could not deliver {rel}: {exc}", file=sys.stderr)

    def deliver(self, rel: str, source: Path) -> None:
        """Deliver one lesson file by the rules above."""
        new, target = digest(source), self.home / rel
        delivered = self.manifest.get(rel)
        if not target.exists():
            if delivered is not None and not self.restore:
                self.done["deleted"].append(rel)  # the learner deleted it: not forced back
                return
            copy_atomically(source, target)
            self.manifest[rel] = new
            self.done["new"].append(rel)
            return
        current = digest(target)
        if current == new:
            self.manifest[rel] = new
        elif delivered is not None and current == delivered:
            copy_atomically(source, target)  # theirs, untouched: the new version
            self.manifest[rel] = new
            self.done["updated"].append(rel)
        elif new != delivered:  # their own version, and a version they have not been offered
            self.done["kept"].append(rel)
            self.place_beside(rel, source, new)
            self.manifest[rel] = new

    def place_beside(self, rel: str, source: Path, new: str) -> None:
        """Put the new version next to the learner's own, never over a file of theirs."""
        n = 1
        while True:
            name = beside_name(rel, n)
            target, delivered = self.home / name, self.manifest.get(name)
            if not target.exists() or digest(target) in (new, delivered):
                if not target.exists() or digest(target) != new:
                    copy_atomically(source, target)
                self.manifest[name] = new
                self.done["beside"].append(name)
                return
            n += 1  # a file of theirs has that name: try the next


def main(argv: list[str] | None = None) -> int:
    """Deliver the lessons into the home and print what was done, as JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=Path.home())
    parser.add_argument("--lessons", type=Path, default=Path("/srv/wiw/lessons"))
    parser.add_argument("--restore-deleted", action="store_true")
    args = parser.parse_args(argv)
    if not args.lessons.is_dir():
        print(json.dumps({"lessons": None}))
        return 0
    delivery = Delivery(args.home, args.lessons, restore_deleted=args.restore_deleted)
    delivery.run()
    try:
        delivery.write_manifest()
    except OSError as exc:
        delivery.done["errors"].append(f"{MANIFEST}: {exc}")
        print(f"wiw-sync: could not save {MANIFEST}: {exc}", file=sys.stderr)
    print(json.dumps(delivery.done), flush=True)
    return 1 if delivery.done["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
