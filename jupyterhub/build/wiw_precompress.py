"""Write a ``.gz`` (and a ``.br``) beside each large static file of JupyterLab and JupyterHub.

Run once at build time, in the image's runtime layer. Only text formats that
compress well, and only when the result is at least a tenth smaller. Brotli
siblings are written when the ``brotli`` module can be imported (the build
puts it on the path for this step only). The files' times are copied onto the
siblings, so a sibling never looks newer than a file changed after it.
"""

from __future__ import annotations

import gzip
import os
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

TEXT = (".js", ".mjs", ".css", ".html", ".json", ".svg", ".txt", ".map", ".xml", ".wasm")
MIN_SIZE = 1024
BROTLI_QUALITY = 7  # within 3 % of the best brotli for a twentieth of its CPU


def compressors() -> dict[str, Callable[[bytes], bytes]]:
    """Each sibling suffix with its compressor: gzip always, brotli when available."""
    found: dict[str, Callable[[bytes], bytes]] = {
        ".gz": lambda data: gzip.compress(data, compresslevel=9, mtime=0)
    }
    try:
        import brotli  # noqa: PLC0415
    except ImportError:
        return found
    found[".br"] = lambda data: bytes(brotli.compress(data, quality=BROTLI_QUALITY))
    return found


def compress(path: Path, how: dict[str, Callable[[bytes], bytes]]) -> dict[str, int]:
    """Write ``path``'s siblings where worth it (and not already there); the bytes each saved."""
    data = path.read_bytes()
    stat = path.stat()
    saved = {}
    for suffix, squeeze in how.items():
        made = path.with_name(path.name + suffix)
        if made.exists() and made.stat().st_mtime_ns >= stat.st_mtime_ns:
            continue  # an earlier layer's
        packed = squeeze(data)
        if len(packed) > 0.9 * len(data):
            continue
        made.write_bytes(packed)
        os.utime(made, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        saved[suffix] = len(data) - len(packed)
    return saved


def main(folders: list[str]) -> int:
    """Compress the static files under each folder, on every CPU; print what was saved.

    Threads suffice: zlib and brotli compress outside the interpreter lock.
    """
    how = compressors()
    saved = dict.fromkeys(how, 0)
    paths = [path for folder in folders for path in Path(folder).rglob("*") if path.suffix in TEXT]
    paths = [path for path in paths if path.is_file() and path.stat().st_size >= MIN_SIZE]
    count = 0
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
        for done in pool.map(lambda path: compress(path, how), paths):
            count += bool(done)
            for suffix, value in done.items():
                saved[suffix] += value
    parts = ", ".join(f"{suffix}: {value / 2**20:.1f} MiB less" for suffix, value in saved.items())
    print(f"precompressed {count} static files ({parts})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
