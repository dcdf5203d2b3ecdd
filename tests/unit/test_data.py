"""data.txt: which files a workshop fetches at build time, and fetching them safely."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from tests.support.httpstub import SLOW, StubServer, serving
from wiw import errors
from wiw.build import data as data_module
from wiw.build.context import add_data, describe_build, render_context
from wiw.build.data import (
    DataFile,
    cache_root,
    cached,
    fetch,
    fetch_all,
    is_manifest,
    parse_data,
    read_data,
)
from wiw.build.workshop import Workshop

DIGEST = "ab" * 32
CHANGED = b"changed\n"


def sha(data: bytes) -> str:
    """The SHA-256 of ``data``, as data.txt writes it (without its prefix)."""
    return hashlib.sha256(data).hexdigest()


def test_lines_give_url_digest_and_path_with_comments_aside() -> None:
    """Paths default to data/ and the URL's (unquoted) name; # comments, blank lines skipped."""
    text = (
        "# course data\n\n"
        f"https://example.test/sets/penguins.csv sha256:{DIGEST}\n"
        f"  http://example.test/a%20b.txt   sha256:{DIGEST.upper()}  notes/ab.txt  # note\n"
        f"file:///srv/x/points.csv#part sha256:{'cd' * 32}\n"
    )
    assert parse_data(text) == (
        DataFile("https://example.test/sets/penguins.csv", DIGEST, "data/penguins.csv", 3),
        DataFile("http://example.test/a%20b.txt", DIGEST, "notes/ab.txt", 4),
        DataFile("file:///srv/x/points.csv#part", "cd" * 32, "data/points.csv", 5),
    )


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("https://example.test/x.csv", "is not 'URL sha256:DIGEST [PATH]'"),
        (f"https://example.test/x.csv sha256:{DIGEST} a b", "is not 'URL sha256:DIGEST [PATH]'"),
        ("https://example.test/x.csv md5:abc", "has no 'sha256:' and 64 hex digits after its URL"),
        (
            f"https://example.test/x.csv sha256:{DIGEST[:-1]}",
            "has no 'sha256:' and 64 hex digits after its URL",
        ),
        (
            f"ftp://example.test/x.csv sha256:{DIGEST}",
            "has a URL wiw does not fetch (use https, http, file)",
        ),
        (
            f"example.test/x.csv sha256:{DIGEST}",
            "has a URL wiw does not fetch (use https, http, file)",
        ),
        (
            f"https://example.test/ sha256:{DIGEST}",
            "has no file name in its URL: give the path it takes",
        ),
        (
            f"https://example.test/x sha256:{DIGEST} /etc/x",
            "must give a path inside the lessons' folder, e.g. data/x.csv",
        ),
        (
            f"https://example.test/x sha256:{DIGEST} ../x",
            "must give a path inside the lessons' folder, e.g. data/x.csv",
        ),
        (
            f"https://example.test/x sha256:{DIGEST} data/",
            "must give a path inside the lessons' folder, e.g. data/x.csv",
        ),
        (
            f"https://example.test/x sha256:{DIGEST} .secret/x",
            "gives a hidden path: wiw leaves hidden files out of lessons",
        ),
    ],
)
def test_a_malformed_line_is_refused_naming_it(line: str, says: str) -> None:
    """The file, the line number, the line itself, and what is wrong with it."""
    with pytest.raises(errors.DataError) as caught:
        parse_data(f"# first\n{line}\n", file="data.txt")
    assert caught.value.message == f"data.txt, line 2: {line!r} {says}."
    assert "sha256:" in (caught.value.hint or "")


def test_two_lines_for_one_path_are_refused() -> None:
    """Both fetched to data/x.csv: the second line names the first."""
    text = f"https://a.test/x.csv sha256:{DIGEST}\nhttps://b.test/x.csv sha256:{DIGEST}\n"
    with pytest.raises(
        errors.DataError, match=r"^data.txt, line 2: .* gives data/x.csv, as line 1"
    ):
        parse_data(text)


def test_a_file_is_fetched_checked_and_cached_by_digest(tmp_path: Path) -> None:
    """Downloaded once into the cache under its SHA-256; later, the cache answers alone."""
    source = tmp_path / "points.csv"
    source.write_bytes(b"x,y\n1,2\n")
    entry = DataFile(source.as_uri(), sha(b"x,y\n1,2\n"), "data/points.csv", 1)
    cache = tmp_path / "cache"
    seen: list[int] = []
    path = fetch(entry, cache=cache, progress=seen.append)
    assert path == cache / entry.sha256
    assert path.read_bytes() == b"x,y\n1,2\n"
    assert sum(seen) == len(b"x,y\n1,2\n")
    source.unlink()  # no network, no source: the cache still gives it
    assert fetch(entry, cache=cache) == path
    assert cached(entry, cache=cache) == path
    assert [p.name for p in cache.iterdir()] == [entry.sha256]  # no scratch left


def test_a_file_with_another_digest_is_refused_and_not_kept(tmp_path: Path) -> None:
    """The error shows both digests; the cache keeps nothing of it."""
    source = tmp_path / "points.csv"
    source.write_bytes(CHANGED)
    entry = DataFile(source.as_uri(), DIGEST, "data/points.csv", 4)
    cache = tmp_path / "cache"
    with pytest.raises(errors.DataMismatch) as caught:
        fetch(entry, cache=cache)
    assert caught.value.message == (
        f"{source.as_uri()} (data.txt, line 4) has SHA-256 {sha(CHANGED)}, not {DIGEST}."
    )
    assert list(cache.iterdir()) == []


def test_a_file_that_cannot_be_fetched_is_named(tmp_path: Path) -> None:
    """A missing source: DataFetchFailed naming the URL and line; nothing left in the cache."""
    entry = DataFile((tmp_path / "gone.csv").as_uri(), DIGEST, "data/gone.csv", 2)
    with pytest.raises(errors.DataFetchFailed) as caught:
        fetch(entry, cache=tmp_path / "cache")
    assert not isinstance(caught.value, errors.DataMismatch)
    assert caught.value.message.startswith(f"{entry.url} (data.txt, line 2) could not be fetched")
    assert list((tmp_path / "cache").iterdir()) == []


def test_fetch_all_says_which_are_cached(tmp_path: Path) -> None:
    """Each file is announced before it is fetched, with whether the cache has it."""
    source = tmp_path / "a.csv"
    source.write_bytes(b"a\n")
    entry = DataFile(source.as_uri(), sha(b"a\n"), "data/a.csv", 1)
    said: list[tuple[str, bool]] = []
    for _ in range(2):
        found = fetch_all([entry], cache=tmp_path / "c", say=lambda e, c: said.append((e.name, c)))
        assert found == {"data/a.csv": tmp_path / "c" / entry.sha256}
    assert said == [("data/a.csv", False), ("data/a.csv", True)]


def test_the_cache_lives_under_xdg_cache_home(monkeypatch: pytest.MonkeyPatch) -> None:
    """$XDG_CACHE_HOME/wiw/data, as wiw's other caches."""
    monkeypatch.setenv("XDG_CACHE_HOME", "/somewhere")
    assert cache_root() == Path("/somewhere/wiw/data")


def course(folder: Path, data: str, *, extra: dict[str, str] | None = None) -> Workshop:
    """A workshop with one lesson, a data.txt and ``extra`` files."""
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(new_notebook(cells=[new_code_cell("1")]), folder / "lesson.ipynb")
    (folder / "data.txt").write_text(data)
    for name, text in (extra or {}).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    return Workshop(folder)


def test_the_context_knows_the_data_by_digest_and_the_build_adds_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """data.txt is not content; its digests and paths count in the context's digest."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    source = tmp_path / "points.csv"
    source.write_bytes(b"x\n")
    digest = sha(b"x\n")
    line = f"{source.as_uri()} sha256:{digest}\n"
    workshop = course(tmp_path / "w", line)
    context = render_context(workshop)
    assert "workshop/lessons/data.txt" not in context.files
    assert context.read("workshop/data.txt") == f"{digest} data/points.csv\n".encode()
    assert "  data/points.csv <- " + source.as_uri() + " (to fetch)" in describe_build(
        workshop, context
    )
    built = add_data(context, fetch_all(workshop.environment.data))
    assert built.read("workshop/data/data/points.csv") == b"x\n"
    assert "  data/points.csv <- " + source.as_uri() + " (cached)" in describe_build(
        workshop, context
    )
    other = course(tmp_path / "w2", line.replace("\n", " data/other.csv\n"))
    assert render_context(other).digest != context.digest  # another path: another build


def test_a_data_path_the_workshop_has_already_is_refused(tmp_path: Path) -> None:
    """Fetching over one of the workshop's own files would hide one of them."""
    with pytest.raises(errors.DataError, match=r"line 1: data/points.csv is a file of the work"):
        course(tmp_path / "w", f"https://example.test/points.csv sha256:{DIGEST}\n",
               extra={"data/points.csv": "x\n"})  # fmt: skip


@pytest.mark.parametrize(
    ("text", "listed"),
    [
        ("1 2 3\n4 5 6\n", False),  # numbers a lesson loads
        ("# temperatures\n12.5\n", False),
        ("", False),
        ("see https://example.test/x.csv sha256:00\n", False),  # a URL, but not first
        (f"# data\n\nhttps://example.test/x.csv sha256:{DIGEST}\n", True),
        (f"FILE:///srv/x.csv sha256:{DIGEST}\n", True),
    ],
)
def test_a_data_txt_is_a_list_to_fetch_only_when_it_starts_with_a_url(
    text: str, listed: bool, tmp_path: Path
) -> None:
    """Lessons keep their own data in data.txt too: then it is content, delivered as it is."""
    assert is_manifest(text) is listed
    workshop = course(tmp_path / "w", text)
    content = {p.name for p in workshop.content_files()}
    assert ("data.txt" in content) is not listed
    assert bool(workshop.environment.data) is listed


def test_a_list_in_binder_leaves_the_lessons_data_txt_as_content(tmp_path: Path) -> None:
    """binder/data.txt lists the downloads; the data.txt at the top is the lessons' own."""
    workshop_folder = tmp_path / "w"
    (workshop_folder / "binder").mkdir(parents=True)
    (workshop_folder / "binder" / "data.txt").write_text(
        f"https://example.test/x.csv sha256:{DIGEST}\n"
    )
    workshop = course(workshop_folder, "1 2 3\n")
    assert [d.name for d in workshop.environment.data] == ["data/x.csv"]
    assert "data.txt" in {p.name for p in workshop.content_files()}


def test_a_long_line_is_shown_cut_at_200_characters() -> None:
    """A refused line of 300 characters: its first 200 in the message, enough to find it."""
    line = "https://example.test/" + "x" * 280
    with pytest.raises(errors.DataError) as caught:
        parse_data(line)
    assert (
        caught.value.message
        == f"data.txt, line 1: {line[:200]!r} is not 'URL sha256:DIGEST [PATH]'."
    )


def test_a_data_file_is_read_as_utf8_and_named_in_its_errors(tmp_path: Path) -> None:
    """read_data: bytes that are not UTF-8 in a comment are no error; a refusal names the file."""
    listed = tmp_path / "data.txt"
    listed.write_bytes(b"# caf\xe9\nhttps://example.test/a.csv sha256:" + DIGEST.encode() + b"\n")
    assert read_data(listed) == (DataFile("https://example.test/a.csv", DIGEST, "data/a.csv", 2),)
    other = tmp_path / "more-data.txt"
    other.write_text("https://example.test/a.csv\n")
    with pytest.raises(errors.DataError, match=r"^more-data\.txt, line 1: "):
        read_data(other)


@pytest.fixture
def web(monkeypatch: pytest.MonkeyPatch) -> Iterator[StubServer]:
    """A web server on loopback that answers as each test says."""
    with serving(monkeypatch, StubServer()) as server:
        yield server


def test_a_download_says_it_is_wiw_and_comes_in_chunks(web: StubServer, tmp_path: Path) -> None:
    """The server sees wiw's User-Agent; progress is told as the file arrives, not once."""
    body = bytes(range(256)) * 1024  # 256 KiB
    web.routes["/big.bin"] = (200, body)
    entry = DataFile(f"{web.root}/big.bin", sha(body), "data/big.bin", 1)
    seen: list[int] = []
    path = fetch(entry, cache=tmp_path / "cache", progress=seen.append)
    assert path.read_bytes() == body
    assert [headers.get("User-Agent") for _, headers in web.seen] == ["wiw"]
    assert len(seen) > 1
    assert sum(seen) == len(body)


def test_a_server_that_stops_answering_is_given_up(
    web: StubServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No byte within the timeout: DataFetchFailed, and no scratch file left in the cache."""
    monkeypatch.setattr(data_module, "_TIMEOUT", 0.2)
    web.routes["/slow.csv"] = SLOW
    entry = DataFile(f"{web.root}/slow.csv", DIGEST, "data/slow.csv", 3)
    with pytest.raises(errors.DataFetchFailed, match="timed out"):
        fetch(entry, cache=tmp_path / "cache")
    assert list((tmp_path / "cache").iterdir()) == []


def test_a_download_in_progress_is_a_hidden_scratch_file_in_the_cache(tmp_path: Path) -> None:
    """While it comes, a '.fetching-' file is in the cache, never a file under its digest."""
    cache = tmp_path / "cache"
    during: list[tuple[str, list[str]]] = []
    for name in ("a.csv", "b.csv"):  # the second into the cache folder the first made
        (tmp_path / name).write_bytes(name.encode())
        entry = DataFile((tmp_path / name).as_uri(), sha(name.encode()), f"data/{name}", 1)

        def look(_: int, digest: str = entry.sha256) -> None:
            during.append((digest, os.listdir(cache)))

        fetch(entry, cache=cache, progress=look)
    assert len(during) == 2
    for digest, names in during:
        assert digest not in names
        assert [n for n in names if n.startswith(".fetching-")] != []
    assert sorted(os.listdir(cache)) == sorted([sha(b"a.csv"), sha(b"b.csv")])
