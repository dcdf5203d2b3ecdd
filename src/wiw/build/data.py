"""Data fetched at build time: ``data.txt``, so that the class needs no internet on the day.

A lesson that downloads its data set while it runs works at home and fails
in a room without internet. ``data.txt`` lists each such file once: its URL,
its SHA-256, and where it goes among the lessons::

    # URL                                         SHA-256                 path (optional)
    https://example.org/penguins.csv              sha256:3f5a…            data/penguins.csv

wiw downloads each file on the building machine, checks its SHA-256, keeps
it in a cache by that digest (``$XDG_CACHE_HOME/wiw/data``: later builds
need no network), and puts it at its path among the lessons, in an image
layer of its own before the lessons' (editing a lesson copies no data
again). Learners get it in their home with the lessons; the lesson reads
the file instead of the URL. The path defaults to ``data/`` and the URL's
file name. A ``data.txt`` whose first line is not a URL is the lessons' own
data, not such a list (:func:`is_manifest`).
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

from wiw import errors
from wiw.resources import cache_dir

__all__ = [
    "DataFile",
    "cache_root",
    "cached",
    "fetch",
    "fetch_all",
    "is_manifest",
    "parse_data",
    "read_data",
]

_SHA = re.compile(r"^sha256:([0-9a-fA-F]{64})$")
_MANIFEST_LINE = re.compile(r"^(?:https?|file)://\S+\s", re.IGNORECASE)
_SCHEMES = ("https", "http", "file")
_TIMEOUT = 60.0  # seconds without a byte before a download is given up
_CHUNK = 1 << 16
_URL_AND_DIGEST = 2  # the fields every line has; a third gives the path


@dataclass(frozen=True)
class DataFile:
    """One file ``data.txt`` lists.

    Attributes:
        url: Where it is downloaded from.
        sha256: Its SHA-256, 64 lower-case hex digits.
        name: Its path among the lessons, e.g. ``data/penguins.csv``.
        line: The line of ``data.txt`` it is on, for messages.
    """

    url: str
    sha256: str
    name: str
    line: int = 0


def cache_root() -> Path:
    """Where fetched data is kept, by SHA-256 (``$XDG_CACHE_HOME/wiw/data``)."""
    return cache_dir("data")


def _refuse(where: str, text: str, why: str) -> errors.DataError:
    return errors.DataError(f"{where}: {text[:200]!r} {why}.")


def _name(url: str, given: str | None, where: str, text: str) -> str:
    """The path a file takes among the lessons: the one given, or data/ and the URL's name."""
    if given is None:
        last = unquote(PurePosixPath(urlsplit(url).path).name)
        if not last:
            raise _refuse(where, text, "has no file name in its URL: give the path it takes")
        given = f"data/{last}"
    path = PurePosixPath(given)
    if path.is_absolute() or ".." in path.parts or given.endswith("/") or not path.parts:
        raise _refuse(where, text, "must give a path inside the lessons' folder, e.g. data/x.csv")
    if any(part.startswith(".") for part in path.parts):
        raise _refuse(where, text, "gives a hidden path: wiw leaves hidden files out of lessons")
    return path.as_posix()


def _entry(text: str, where: str, number: int) -> DataFile:
    """One line of data.txt, read and checked."""
    fields = text.split()
    if len(fields) not in (_URL_AND_DIGEST, _URL_AND_DIGEST + 1):
        raise _refuse(where, text, "is not 'URL sha256:DIGEST [PATH]'")
    url, digest = fields[0], _SHA.match(fields[1])
    if urlsplit(url).scheme.lower() not in _SCHEMES:
        raise _refuse(where, text, f"has a URL wiw does not fetch (use {', '.join(_SCHEMES)})")
    if digest is None:
        raise _refuse(where, text, "has no 'sha256:' and 64 hex digits after its URL")
    name = _name(url, fields[2] if len(fields) > _URL_AND_DIGEST else None, where, text)
    return DataFile(url, digest[1].lower(), name, number)


def parse_data(text: str, *, file: str = "data.txt") -> tuple[DataFile, ...]:
    """The files a ``data.txt`` lists; ``#`` starts a comment.

    Raises:
        wiw.errors.DataError: A line is malformed, or two lines give one path.
    """
    found: dict[str, DataFile] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = re.sub(r"\s+#.*$", "", raw.strip())  # a comment; a URL's #fragment stays
        if not line or line.startswith("#"):
            continue
        entry = _entry(line, f"{file}, line {number}", number)
        if entry.name in found:
            earlier = found[entry.name].line
            raise _refuse(
                f"{file}, line {number}", line, f"gives {entry.name}, as line {earlier} does"
            )
        found[entry.name] = entry
    return tuple(found.values())


def is_manifest(text: str) -> bool:
    """Whether a ``data.txt`` lists files to fetch: its first line (comments aside) is a URL.

    Lessons often keep data of their own in a file of that name; such a file
    is content, delivered with the lessons, not a list of downloads.
    """
    for raw in text.splitlines():
        line = raw.strip()
        if line and not line.startswith("#"):
            return bool(_MANIFEST_LINE.match(line))
    return False


def read_data(path: Path) -> tuple[DataFile, ...]:
    """The files the ``data.txt`` at ``path`` lists (see :func:`parse_data`)."""
    return parse_data(path.read_text(encoding="utf-8", errors="replace"), file=path.name)


def cached(entry: DataFile, *, cache: Path | None = None) -> Path | None:
    """The cached copy of ``entry``, if it was fetched before."""
    path = (cache or cache_root()) / entry.sha256
    return path if path.is_file() else None


def _download(entry: DataFile, target: Path, progress: Callable[[int], None] | None) -> str:
    """Stream ``entry``'s URL into ``target``; return the SHA-256 of what came."""
    sha = hashlib.sha256()
    request = urllib.request.Request(entry.url, headers={"User-Agent": "wiw"})  # noqa: S310
    with urllib.request.urlopen(request, timeout=_TIMEOUT) as answer, target.open("wb") as out:  # noqa: S310
        while chunk := answer.read(_CHUNK):
            sha.update(chunk)
            out.write(chunk)
            if progress:
                progress(len(chunk))
    return sha.hexdigest()


def fetch(
    entry: DataFile, *, cache: Path | None = None, progress: Callable[[int], None] | None = None
) -> Path:
    """The file ``entry`` names, from the cache or downloaded, its SHA-256 checked.

    Args:
        entry: The file.
        cache: Where fetched files are kept; :func:`cache_root` if omitted.
        progress: Called with the size of each chunk as it arrives.

    Returns:
        Its path in the cache.

    Raises:
        wiw.errors.DataFetchFailed: It could not be downloaded.
        wiw.errors.DataMismatch: It was, but its SHA-256 is another.
    """
    folder = cache or cache_root()
    if (found := cached(entry, cache=folder)) is not None:
        return found
    folder.mkdir(parents=True, exist_ok=True)
    fd, scratch = tempfile.mkstemp(dir=folder, prefix=".fetching-")
    os.close(fd)
    try:
        got = _download(entry, Path(scratch), progress)
        if got != entry.sha256:
            raise errors.DataMismatch(
                f"{entry.url} (data.txt, line {entry.line}) has SHA-256 {got}, not {entry.sha256}."
            )
        shutil.move(scratch, folder / entry.sha256)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise errors.DataFetchFailed(
            f"{entry.url} (data.txt, line {entry.line}) could not be fetched: {exc}."
        ) from exc
    finally:
        Path(scratch).unlink(missing_ok=True)
    return folder / entry.sha256


def fetch_all(
    entries: Iterable[DataFile],
    *,
    cache: Path | None = None,
    say: Callable[[DataFile, bool], None] | None = None,
) -> dict[str, Path]:
    """Every file, fetched (or found in the cache): each path among the lessons, and its copy.

    ``say`` is told of each file before it is fetched, and whether it is cached.
    """
    found = {}
    for entry in entries:
        if say:
            say(entry, cached(entry, cache=cache) is not None)
        found[entry.name] = fetch(entry, cache=cache)
    return found
