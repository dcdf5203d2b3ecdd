"""Compressed static files on a real tornado server.

Written by jupyterhub/build/wiw_precompress.py, served by
jupyterhub/shared/wiw_static.py. The handler class is the one JupyterLab and
JupyterHub use (tornado's ``StaticFileHandler``), made precompressed, serving
a temporary folder on 127.0.0.1; the requests ask for codings the way
browsers do.
"""

from __future__ import annotations

import asyncio
import gzip
import os
import sys
import types
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tornado import httpclient, httpserver, netutil, web

from tests.support.hubside import load_support_module

STATIC = load_support_module("wiw_static")
PRECOMPRESS = load_support_module("wiw_precompress")
SCRIPT = ("function lesson() { return 'hello, learner'; }\n" * 400).encode()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A static folder with a script precompressed the way the image build does it."""
    (tmp_path / "app.js").write_bytes(SCRIPT)
    (tmp_path / "plain.js").write_bytes(SCRIPT)
    how = {".gz": lambda d: gzip.compress(d, mtime=0), ".br": lambda d: b"BR" + zlib.compress(d)}
    PRECOMPRESS.compress(tmp_path / "app.js", how)
    return tmp_path


class Served:
    """A real tornado server for ``folder`` and a client that never decompresses."""

    def __init__(self, folder: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.folder = folder
        sockets = netutil.bind_sockets(0, "127.0.0.1")
        self.port = sockets[0].getsockname()[1]
        handler = STATIC.precompressed(web.StaticFileHandler)

        async def start() -> httpserver.HTTPServer:
            app = web.Application([(r"/static/(.*)", handler, {"path": str(folder)})])
            server = httpserver.HTTPServer(app)
            server.add_sockets(sockets)
            return server

        self.server = self.loop.run_until_complete(start())

    def get(self, path: str, method: str = "GET", **headers: str) -> httpclient.HTTPResponse:
        """One request; errors are returned, not raised."""

        async def fetch() -> httpclient.HTTPResponse:
            client = httpclient.AsyncHTTPClient()
            return await client.fetch(
                f"http://127.0.0.1:{self.port}/static/{path}", method=method, headers=headers,
                decompress_response=False, raise_error=False,
            )  # fmt: skip

        return self.loop.run_until_complete(fetch())

    def close(self) -> None:
        """Stop the server and its loop."""
        self.server.stop()
        self.loop.run_until_complete(self.server.close_all_connections())
        self.loop.close()


@pytest.fixture
def served(folder: Path) -> Iterator[Served]:
    """The folder, served."""
    server = Served(folder)
    try:
        yield server
    finally:
        server.close()


def test_gzip_is_sent_to_a_browser_on_plain_http(served: Served) -> None:
    """Chromium over http:// offers gzip and deflate: it gets the .gz, typed as the script."""
    reply = served.get("app.js", **{"Accept-Encoding": "gzip, deflate"})
    assert reply.code == 200
    assert reply.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in reply.headers.get_list("Vary")
    assert reply.headers["Content-Type"].startswith(("application/javascript", "text/javascript"))
    assert gzip.decompress(reply.body) == SCRIPT
    assert int(reply.headers["Content-Length"]) == len(reply.body) < len(SCRIPT) / 4


def test_brotli_wins_when_offered(served: Served) -> None:
    """Over HTTPS browsers offer br too; the smaller sibling is chosen."""
    reply = served.get("app.js", **{"Accept-Encoding": "gzip, deflate, br, zstd"})
    assert reply.headers["Content-Encoding"] == "br"
    assert reply.body.startswith(b"BR")


@pytest.mark.parametrize("offer", ["", "identity", "gzip;q=0, br;q=0", "deflate"])
def test_identity_when_no_sibling_is_acceptable(served: Served, offer: str) -> None:
    """No offer, or refusals, get the file itself, still marked as varying."""
    reply = served.get("app.js", **({"Accept-Encoding": offer} if offer else {}))
    assert reply.code == 200
    assert "Content-Encoding" not in reply.headers
    assert reply.body == SCRIPT
    assert "Accept-Encoding" in reply.headers.get_list("Vary")


def test_a_file_without_siblings_is_untouched(served: Served) -> None:
    """No sibling: identity, and no Vary header to split caches for nothing."""
    reply = served.get("plain.js", **{"Accept-Encoding": "gzip"})
    assert reply.body == SCRIPT
    assert "Content-Encoding" not in reply.headers
    assert "Vary" not in reply.headers


def test_stale_or_linked_siblings_are_never_served(served: Served, folder: Path) -> None:
    """A sibling older than its file (the file was edited) or a symlink is ignored."""
    (folder / "app.js").write_bytes(SCRIPT + b"// edited\n")
    later = (folder / "app.js.gz").stat().st_mtime + 10
    os.utime(folder / "app.js", (later, later))
    reply = served.get("app.js", **{"Accept-Encoding": "gzip"})
    assert reply.body.endswith(b"// edited\n")
    (folder / "secret.txt").write_bytes(b"not for learners" * 100)
    (folder / "plain.js.gz").symlink_to(folder / "secret.txt")
    reply = served.get("plain.js", **{"Accept-Encoding": "gzip"})
    assert reply.body == SCRIPT


def test_head_range_and_revalidation_follow_the_sibling(served: Served) -> None:
    """HEAD sizes the coded body; a range is of the coded body; an unchanged file is a 304."""
    full = served.get("app.js", **{"Accept-Encoding": "gzip"})
    head = served.get("app.js", "HEAD", **{"Accept-Encoding": "gzip"})
    assert head.headers["Content-Length"] == full.headers["Content-Length"]
    assert head.headers["Content-Encoding"] == "gzip"
    part = served.get("app.js", **{"Accept-Encoding": "gzip", "Range": "bytes=0-9"})
    assert part.code == 206
    assert part.body == full.body[:10]
    since = full.headers["Last-Modified"]
    again = served.get("app.js", **{"Accept-Encoding": "gzip", "If-Modified-Since": since})
    assert again.code == 304
    identity = served.get("app.js")
    assert identity.headers["Last-Modified"] == since


def test_paths_outside_the_folder_stay_refused(served: Served) -> None:
    """The handler's own checks run first: no escaping the folder through a sibling."""
    assert served.get("../app.js.gz", **{"Accept-Encoding": "gzip"}).code in (403, 404)
    assert served.get("missing.js", **{"Accept-Encoding": "gzip"}).code == 404


@given(st.lists(st.sampled_from(["gzip", "br", "x-gzip", "*", "deflate", "zstd", "identity"]),
                max_size=5),
       st.lists(st.sampled_from([None, "0", "0.5", "1", "bogus"]), min_size=5, max_size=5),
       st.sets(st.sampled_from(["gzip", "br"])))  # fmt: skip
def test_choice_is_only_ever_an_accepted_sibling(
    names: list[str], qualities: list[str | None], available: set[str]
) -> None:
    """Whatever the header, the choice is available and was not refused."""
    header = ", ".join(
        n if q is None else f"{n};q={q}" for n, q in zip(names, qualities, strict=False)
    )
    chosen = STATIC.choose(header, sorted(available))
    offered = STATIC.accepted(header)
    if chosen is None:
        return
    assert chosen in available
    assert offered.get(chosen, offered.get("*", 0.0)) > 0


def test_precompress_writes_worthwhile_siblings_with_the_files_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Large text files get siblings dated like them; small or incompressible ones do not."""
    fake: Any = types.SimpleNamespace(compress=lambda data, quality: zlib.compress(data, 9))
    monkeypatch.setitem(sys.modules, "brotli", fake)
    (tmp_path / "lab").mkdir()
    (tmp_path / "lab" / "big.js").write_bytes(SCRIPT)
    (tmp_path / "lab" / "tiny.css").write_bytes(b"a{}")
    (tmp_path / "lab" / "noise.json").write_bytes(os.urandom(4096))
    (tmp_path / "lab" / "font.woff2").write_bytes(SCRIPT)
    os.utime(tmp_path / "lab" / "big.js", (1_000_000, 1_000_000))
    assert PRECOMPRESS.main([str(tmp_path)]) == 0
    siblings = sorted(p.name for p in (tmp_path / "lab").iterdir())
    assert siblings == ["big.js", "big.js.br", "big.js.gz", "font.woff2", "noise.json", "tiny.css"]
    assert (tmp_path / "lab" / "big.js.gz").stat().st_mtime == 1_000_000
    assert gzip.decompress((tmp_path / "lab" / "big.js.gz").read_bytes()) == SCRIPT
    assert "precompressed 1 static files" in capsys.readouterr().out


def test_precompress_without_brotli_writes_gzip_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """No brotli module at build time: gzip siblings only, no failure."""
    monkeypatch.setitem(sys.modules, "brotli", None)
    assert list(PRECOMPRESS.compressors()) == [".gz"]


def test_precompress_leaves_an_earlier_layers_siblings(tmp_path: Path) -> None:
    """Run again over a folder (a later build layer): up-to-date siblings are kept as they are."""
    (tmp_path / "big.js").write_bytes(SCRIPT)
    how = {".gz": lambda d: gzip.compress(d, mtime=0)}
    assert PRECOMPRESS.compress(tmp_path / "big.js", how)
    (tmp_path / "big.js.gz").write_bytes(b"marker")
    os.utime(tmp_path / "big.js.gz", ns=(0, (tmp_path / "big.js").stat().st_mtime_ns))
    assert PRECOMPRESS.compress(tmp_path / "big.js", how) == {}
    assert (tmp_path / "big.js.gz").read_bytes() == b"marker"
    later = (tmp_path / "big.js").stat().st_mtime_ns + 10**9
    os.utime(tmp_path / "big.js", ns=(later, later))  # the file changed since: redone
    assert PRECOMPRESS.compress(tmp_path / "big.js", how)
    assert gzip.decompress((tmp_path / "big.js.gz").read_bytes()) == SCRIPT


@pytest.mark.parametrize(
    ("header", "found"),
    [
        (None, {}),
        ("br", {"br": 1.0}),
        ("gzip;q=0", {"gzip": 0.0}),
        ("gzip;q=0.5;level=1", {"gzip": 0.5}),
        ("GZIP ; Q=0.25", {"gzip": 0.25}),
        ("br;q=high", {"br": 0.0}),
        ("br;q=0.5=1", {"br": 0.0}),
        ("x-gzip", {"gzip": 1.0}),
        ("deflate, , *;q=0.1", {"deflate": 1.0, "*": 0.1}),
    ],
)
def test_accept_encoding_is_read_as_rfc_9110_says(
    header: str | None, found: dict[str, float]
) -> None:
    """Names in any case with their q (1 when absent); an unreadable q refuses; x-gzip is gzip."""
    assert STATIC.accepted(header) == found


@pytest.mark.parametrize(
    ("header", "available", "chosen"),
    [
        ("gzip, br", ["gzip"], "gzip"),
        ("*", ["gzip"], "gzip"),
        ("*;q=0.5, gzip;q=0.6", ["br", "gzip"], "gzip"),
        ("*;q=0.7, gzip;q=0.6", ["br", "gzip"], "br"),
        ("*;q=0", ["br", "gzip"], None),
    ],
)
def test_the_wildcard_stands_for_the_codings_not_named(
    header: str, available: list[str], chosen: str | None
) -> None:
    """``*`` gives its quality to every coding the header does not name."""
    assert STATIC.choose(header, available) == chosen


def test_a_gzip_sibling_alone_is_served(folder: Path) -> None:
    """Without a brotli sibling (no brotli at build time) the gzip one is still found."""
    (folder / "app.js.br").unlink()
    original = os.stat(folder / "app.js")
    found = STATIC._siblings(str(folder / "app.js"), original)
    assert list(found) == ["gzip"]
    assert found["gzip"][0] == str(folder / "app.js.gz")


def test_a_file_served_as_it_is_keeps_its_type(served: Served) -> None:
    """Identity: the handler's own content type."""
    reply = served.get("plain.js")
    assert reply.headers["Content-Type"].startswith(("application/javascript", "text/javascript"))


def test_the_original_files_time_is_sent_whatever_the_siblings(
    served: Served, folder: Path
) -> None:
    """A sibling newer than its file does not change Last-Modified: caches revalidate alike."""
    later = (folder / "app.js").stat().st_mtime + 3600
    os.utime(folder / "app.js.gz", (later, later))
    identity = served.get("app.js")
    coded = served.get("app.js", **{"Accept-Encoding": "gzip"})
    assert coded.headers["Content-Encoding"] == "gzip"
    assert coded.headers["Last-Modified"] == identity.headers["Last-Modified"]
