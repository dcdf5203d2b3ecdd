"""Workshops from git and from folders with private files, as instructors keep them.

A course repository is served on loopback by ``git daemon``; a repository
that wants credentials by a small HTTP server that answers 401.
"""

from __future__ import annotations

import http.server
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import wiw
from tests.support.engine import free_port, need_tool
from tests.support.workshops import EXAMPLE
from wiw.build import sources
from wiw.cli.main import main
from wiw.engine.types import ContainerSpec


def git(folder: Path, *args: str) -> str:
    """Run git in ``folder`` as a test author."""
    done = subprocess.run(["git", "-C", str(folder), "-c", "user.email=t@example.org",
                           "-c", "user.name=t", *args], capture_output=True, text=True,
                          check=True)  # fmt: skip
    return done.stdout.strip()


@pytest.fixture
def course(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """The example course in a repository served by git daemon; (its URL, the v1 commit)."""
    need_tool("git", "the git package")
    served = tmp_path / "served"
    repo = served / "intro-course"
    shutil.copytree(EXAMPLE, repo)
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "the course")
    git(repo, "tag", "v1")
    first = git(repo, "rev-parse", "HEAD")
    (repo / "README.md").write_text("Changed after v1.\n")
    git(repo, "commit", "-qam", "after v1")
    port = free_port()
    daemon = subprocess.Popen(
        ["git", "daemon", "--reuseaddr", "--export-all", f"--base-path={served}",
         "--listen=127.0.0.1", f"--port={port}", str(served)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        yield f"git://127.0.0.1:{port}/intro-course", first
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)


def test_wiw_test_of_a_git_url_at_a_tag(
    course: tuple[str, str], made_images: list[str], tmp_path: Path,
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """'wiw test URL --ref v1' fetches, builds and runs every lesson of the tag.

    The image is named after the repository and records the URL and commit.
    """
    url, first = course
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    made_images.append("wiw/intro-course:latest")
    assert main(["test", url, "--ref", "v1", "--json", str(tmp_path / "r.json")]) == 0
    assert "Building wiw/intro-course:latest first" in capsys.readouterr().err
    assert json.loads((tmp_path / "r.json").read_text())["ok"] is True
    labels = wiw.Image("wiw/intro-course:latest").labels
    assert labels["org.wiw.source"] == f"{url}@{first}"
    assert labels["org.wiw.workshop"] == "intro-course"


def test_a_ref_the_repository_lacks_is_a_typed_error(
    course: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An unknown branch is SourceRefNotFound, before anything is built."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    with pytest.raises(wiw.SourceRefNotFound) as caught:
        sources.fetch(course[0], "no-such-branch")
    assert "no such branch" in str(caught.value)


class _WantsPassword(http.server.BaseHTTPRequestHandler):
    """A git server that asks every client for credentials."""

    def do_GET(self) -> None:
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="course"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        """Quiet."""


def test_a_repository_that_wants_credentials_fails_at_once(tmp_path: Path) -> None:
    """Git is never left waiting for a password: SourceAuthRequired, quickly."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _WantsPassword)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/private/course.git"
        with pytest.raises(wiw.SourceAuthRequired) as caught:
            sources.fetch(url, cache=tmp_path / "cache")
        assert "asks for credentials" in str(caught.value)
        assert "credential" in caught.value.hint
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_private_and_ignored_files_never_reach_the_image(
    example_image: wiw.Image, tmp_path: Path, made_images: list[str], run_id: str,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """Private and ignored files never reach the image; 'wiw build' lists what it left out.

    .ssh/id_rsa, .env and a .dockerignore'd solutions/ are absent from the
    image's files; a 50 MB data file is in, with a warning.
    """
    folder = tmp_path / f"private-{run_id}"
    shutil.copytree(EXAMPLE, folder)
    (folder / ".ssh").mkdir()
    (folder / ".ssh" / "id_rsa").write_text("-----BEGIN OPENSSH PRIVATE KEY----- wiw-canary-1")
    (folder / ".env").write_text("API_TOKEN=wiw-canary-2\n")
    (folder / ".dockerignore").write_text("solutions\n")
    (folder / "solutions").mkdir()
    (folder / "solutions" / "answers.txt").write_text("wiw-canary-3")
    (folder / "data").mkdir()
    with (folder / "data" / "measurements.bin").open("wb") as fh:
        fh.truncate(50 * 2**20)
    ref = f"wiw-test/private:{run_id}"
    made_images.append(ref)
    assert main(["build", str(folder), "--tag", ref]) == 0
    said = " ".join(capsys.readouterr().err.split())
    for left in (".ssh (hidden)", ".env (hidden)", ".dockerignore (hidden)",
                 "solutions (ignored)"):  # fmt: skip
        assert left in said
    assert re.search(r"warning: the lessons take 50 MiB", said)
    listing = ContainerSpec(image=ref, name=f"wiw-list-{run_id}", labels={},
                            command=("sh", "-c", "find /srv /home; grep -rl wiw-canary /srv "
                                     "/home /opt/wiw || true"))  # fmt: skip
    code, files = example_image.engine.run_to_end(listing, timeout=120)
    assert code == 0
    assert "/srv/wiw/lessons/data/measurements.bin" in files
    assert "/srv/wiw/lessons/lesson01.ipynb" in files
    for absent in (".ssh", "id_rsa", ".env", "solutions", "answers.txt", ".dockerignore",
                   "wiw-canary"):  # fmt: skip
        assert absent not in files, absent


def test_wiw_test_builds_when_the_folder_changed_and_refuses_with_no_build(
    example_image: wiw.Image, workshop_copy: Path, run_id: str, made_images: list[str],
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """An image older than its folder is rebuilt by 'wiw test', or refused with --no-build."""
    ref = f"wiw-test/current:{run_id}"
    made_images.append(ref)
    assert main(["build", str(workshop_copy), "--tag", ref]) == 0
    assert main(["test", str(workshop_copy), "--tag", ref, "--no-build"]) == 0
    capsys.readouterr()
    lesson = workshop_copy / "lesson03.ipynb"
    lesson.write_text(lesson.read_text().replace("QR", "QR code", 1))
    assert main(["test", str(workshop_copy), "--tag", ref, "--no-build"]) == 2
    assert "the folder changed since it was built" in capsys.readouterr().err
    assert main(["test", str(workshop_copy), "--tag", ref]) == 0
    assert "Building wiw-test/current" in capsys.readouterr().err
    assert main(["test", str(workshop_copy), "--tag", ref, "--no-build"]) == 0
