"""Serve JupyterLab's and JupyterHub's static files compressed, compressed once.

The image keeps a ``.br`` and a ``.gz`` beside each large static file
(``wiw_precompress.py`` writes them at build time), and the handlers made here
send the best one the browser accepts, with ``Content-Encoding`` and
``Vary: Accept-Encoding``: a learner's first load over a crowded Wi-Fi carries
a quarter of the bytes, and no CPU is spent compressing per request. Browsers
offer brotli over HTTPS only, so a plain-HTTP classroom gets gzip. Everything
else (paths checked, ``Last-Modified``, ranges, ``HEAD``, ``304``) is the
handler's own; a link, or a sibling older than its file, is never served.
"""

from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING

from tornado import web

if TYPE_CHECKING:  # put before a StaticFileHandler class
    import datetime
    from typing import TypeVar

    _Handler = web.StaticFileHandler
    _H = TypeVar("_H", bound=web.StaticFileHandler)
else:
    _Handler = object

__all__ = ["ENCODINGS", "accepted", "choose", "precompressed"]

# Content codings with the suffix of their sibling file, best first.
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))


def accepted(header: str | None) -> dict[str, float]:
    """The codings an ``Accept-Encoding`` header names, with their quality (``q=0`` refuses)."""
    found: dict[str, float] = {}
    for part in (header or "").split(","):
        name, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        name = name.strip().lower()
        if name:
            found["gzip" if name == "x-gzip" else name] = quality
    return found


def choose(header: str | None, available: list[str]) -> str | None:
    """The coding to send: the best of ``available`` the header accepts, or None (identity)."""
    qualities = accepted(header)
    best, best_q = None, 0.0
    for coding, _ in ENCODINGS:
        if coding not in available:
            continue
        quality = qualities.get(coding, qualities.get("*", 0.0))
        if quality > best_q:
            best, best_q = coding, quality
    return best


def _siblings(path: str, original: os.stat_result) -> dict[str, tuple[str, os.stat_result]]:
    """Each coding's regular-file sibling of ``path`` no older than the original."""
    found = {}
    for coding, suffix in ENCODINGS:
        try:
            sibling = os.lstat(path + suffix)  # a link is never followed
        except OSError:
            continue
        if stat.S_ISREG(sibling.st_mode) and sibling.st_mtime >= original.st_mtime:
            found[coding] = (path + suffix, sibling)
    return found


class _Precompressed(_Handler):
    """Put before a tornado StaticFileHandler class (see :func:`precompressed`)."""

    _coding: str | None = None
    _has_siblings = False
    _identity: str | None = None
    _identity_stat: os.stat_result | None = None

    def validate_absolute_path(self, root: str, absolute_path: str) -> str | None:
        """Check the original path as the handler does, then choose a sibling if wanted."""
        path: str | None = super().validate_absolute_path(root, absolute_path)
        self._coding, self._has_siblings = None, False
        if path is None:
            return path
        original = os.stat(path)
        siblings = _siblings(path, original)
        self._has_siblings = bool(siblings)
        coding = choose(self.request.headers.get("Accept-Encoding"), list(siblings))
        if coding is None:
            return path
        self._coding, self._identity, self._identity_stat = coding, path, original
        served, self._stat_result = siblings[coding]  # what tornado sizes and serves
        return served

    def get_content_type(self) -> str:
        """The original file's type (a ``.js`` stays JavaScript)."""
        if self._coding is None:
            return str(super().get_content_type())
        served = self.absolute_path
        self.absolute_path = self._identity
        try:
            return str(super().get_content_type())
        finally:
            self.absolute_path = served

    def get_modified_time(self) -> datetime.datetime | None:
        """The original file's time, so that revalidation is the same for every coding."""
        if self._coding is None:
            return super().get_modified_time()
        served = self._stat_result
        self._stat_result = self._identity_stat or served  # set with the coding
        try:
            return super().get_modified_time()
        finally:
            self._stat_result = served

    def set_headers(self) -> None:
        """The handler's headers, and the coding's."""
        super().set_headers()
        if self._has_siblings:
            self.add_header("Vary", "Accept-Encoding")
        if self._coding is not None:
            self.set_header("Content-Encoding", self._coding)


def precompressed(handler: type[_H]) -> type[_H]:
    """``handler``, serving the compressed sibling of a file to browsers that accept it."""
    return type(f"Precompressed{handler.__name__}", (_Precompressed, handler), {})
