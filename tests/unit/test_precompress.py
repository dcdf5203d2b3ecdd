"""The image build's precompression (jupyterhub/build/wiw_precompress.py): the siblings written."""

from __future__ import annotations

import gzip
import os
import sys
import types
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.support.hubside import load_support_module

PRECOMPRESS = load_support_module("wiw_precompress")
Squeeze = Callable[[bytes], bytes]


def test_gzip_siblings_are_the_smallest_and_the_same_at_every_build() -> None:
    """Level 9, no timestamp: two builds write the same bytes, so layers are reused."""
    data = b"function lesson() { return 'hello, learner'; }\n" * 200
    gz = PRECOMPRESS.compressors()[".gz"]
    assert gz(data) == gzip.compress(data, compresslevel=9, mtime=0)
    assert gz(data)[4:8] == b"\0\0\0\0"  # no modification time in the header


def test_brotli_siblings_are_written_when_brotli_is_there(monkeypatch: pytest.MonkeyPatch) -> None:
    """With brotli importable, ``.br`` siblings at the chosen quality; without, gzip alone."""
    monkeypatch.setitem(sys.modules, "brotli", None)  # import brotli fails
    assert list(PRECOMPRESS.compressors()) == [".gz"]
    brotli = types.ModuleType("brotli")
    brotli.compress = lambda data, quality: b"br%d:" % quality + data  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "brotli", brotli)
    how = PRECOMPRESS.compressors()
    assert list(how) == [".gz", ".br"]
    assert how[".br"](b"x") == b"br%d:x" % PRECOMPRESS.BROTLI_QUALITY


def halve(data: bytes) -> bytes:
    """A compressor that halves anything."""
    return data[: len(data) // 2]


def quarter(data: bytes) -> bytes:
    """A compressor that leaves a quarter of anything."""
    return data[: len(data) // 4]


def test_a_sibling_already_there_is_kept_and_the_others_written(tmp_path: Path) -> None:
    """A sibling as new as its file is an earlier layer's: left alone, the next one still made."""
    path = tmp_path / "app.js"
    path.write_bytes(b"a" * 100)
    (tmp_path / "app.js.gz").write_bytes(b"earlier")
    stamp = path.stat().st_mtime_ns
    os.utime(tmp_path / "app.js.gz", ns=(stamp, stamp))
    saved = PRECOMPRESS.compress(path, {".gz": halve, ".br": halve})
    assert saved == {".br": 50}
    assert (tmp_path / "app.js.gz").read_bytes() == b"earlier"
    assert (tmp_path / "app.js.br").read_bytes() == b"a" * 50
    assert (tmp_path / "app.js.br").stat().st_mtime_ns == stamp  # never newer than its file


def test_a_sibling_is_written_when_a_tenth_smaller_at_least(tmp_path: Path) -> None:
    """Exactly nine tenths is worth it; more is not, and the next compressor is still tried."""
    path = tmp_path / "app.css"
    path.write_bytes(b"c" * 100)

    def nine_tenths(data: bytes) -> bytes:
        return data[:90]

    def hardly(data: bytes) -> bytes:
        return data[:91]

    assert PRECOMPRESS.compress(path, {".gz": hardly, ".br": nine_tenths}) == {".br": 10}
    assert not (tmp_path / "app.css.gz").exists()
    assert (tmp_path / "app.css.br").read_bytes() == b"c" * 90


def run_main(
    monkeypatch: pytest.MonkeyPatch, folders: list[Path], how: dict[str, Squeeze], cpus: int | None
) -> list[int]:
    """Run main() with these compressors on ``cpus`` CPUs; the thread pool sizes it asked for."""
    sizes: list[int] = []
    pool = PRECOMPRESS.ThreadPoolExecutor

    def sized(max_workers: int) -> Any:
        sizes.append(max_workers)
        return pool(max_workers=max_workers)

    monkeypatch.setattr(PRECOMPRESS, "compressors", lambda: how)
    monkeypatch.setattr(PRECOMPRESS, "ThreadPoolExecutor", sized)
    monkeypatch.setattr(os, "cpu_count", lambda: cpus)
    assert PRECOMPRESS.main([str(folder) for folder in folders]) == 0
    return sizes


def test_large_text_files_of_every_folder_are_compressed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Text formats of 1 KiB and more, in each folder given; the MiB saved are printed."""
    lab, hub = tmp_path / "lab", tmp_path / "hub" / "static"
    (lab / "vendor.js").mkdir(parents=True)  # a folder, whatever its name
    hub.mkdir(parents=True)
    (lab / "main.js").write_bytes(b"j" * 2**20)
    (hub / "style.css").write_bytes(b"s" * 2**20)
    (lab / "edge.json").write_bytes(b"e" * 1024)
    (lab / "small.json").write_bytes(b"e" * 1023)
    (lab / "logo.png").write_bytes(b"p" * 4096)
    assert run_main(monkeypatch, [lab, hub], {".gz": quarter, ".br": halve}, 3) == [3]
    written = sorted(p.name for p in tmp_path.rglob("*.*") if p.suffix in (".gz", ".br"))
    assert written == [
        f"{n}{s}" for n in ("edge.json", "main.js", "style.css") for s in (".br", ".gz")
    ]
    out = capsys.readouterr().out
    assert out == "precompressed 3 static files (.gz: 1.5 MiB less, .br: 1.0 MiB less)\n"


def test_one_thread_when_the_cpus_cannot_be_counted(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """os.cpu_count() may not know: one thread then; nothing to do is said too."""
    assert run_main(monkeypatch, [tmp_path], {".gz": halve}, None) == [1]
    assert capsys.readouterr().out == "precompressed 0 static files (.gz: 0.0 MiB less)\n"
