"""Naming and fetching workshops kept in git, without a network."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from wiw import errors
from wiw.build import sources
from wiw.build.sources import Source


@pytest.mark.parametrize(
    ("text", "is_url"),
    [("https://github.com/org/course.git", True), ("git://host/course", True),
     ("git@github.com:org/course.git", True), ("file:///srv/course", True),
     ("ssh://git@host/course", True), ("course", False), ("wiw/intro:latest", False),
     ("./lessons", False), ("python@sha256:" + "0" * 64, False)],
)  # fmt: skip
def test_git_urls_are_told_from_folders_and_images(text: str, is_url: bool) -> None:
    """URLs (and scp-like addresses) are repositories; folders and images (pinned too) are not."""
    assert sources.is_git_url(text) is is_url


@pytest.mark.parametrize(
    ("url", "name"),
    [("https://github.com/org/Intro-Course.git", "intro-course"),
     ("git@github.com:org/course.git", "course"), ("git://host/a/b/", "b")],
)  # fmt: skip
def test_the_workshop_is_named_after_the_repository(url: str, name: str) -> None:
    """The image is named after the repository, without .git."""
    assert Source(url, None, "c" * 40, Path("/x")).name == name
    assert Source(url, None, "c" * 40, Path("/x")).label == f"{url}@{'c' * 40}"


def make_repo(folder: Path) -> str:
    """A repository with a lesson, tagged v1 and then changed; returns the v1 commit."""
    folder.mkdir()

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(folder), "-c", "user.email=a@b",
                               "-c", "user.name=a", *args], capture_output=True, text=True,
                              check=True)  # fmt: skip
        return done.stdout.strip()

    git("init", "-q", "-b", "main")
    (folder / "lesson.ipynb").write_text("v1")
    git("add", ".")
    git("commit", "-qm", "one")
    git("tag", "v1")
    first = git("rev-parse", "HEAD")
    (folder / "lesson.ipynb").write_text("v2")
    git("commit", "-qam", "two")
    return first


def test_a_branch_a_tag_and_a_commit_are_fetched(tmp_path: Path) -> None:
    """The default branch, a tag and a commit, each checked out with its commit recorded."""
    first = make_repo(tmp_path / "repo")
    url = f"file://{tmp_path / 'repo'}"
    cache = tmp_path / "cache"
    latest = sources.fetch(url, cache=cache)
    assert (latest.folder / "lesson.ipynb").read_text() == "v2"
    tagged = sources.fetch(url, "v1", cache=cache)
    assert tagged.commit == first
    assert (tagged.folder / "lesson.ipynb").read_text() == "v1"
    assert sources.fetch(url, first, cache=cache).commit == first


def test_a_ref_that_does_not_exist_is_a_typed_error(tmp_path: Path) -> None:
    """A missing ref is SourceRefNotFound, with git's words as evidence."""
    make_repo(tmp_path / "repo")
    with pytest.raises(errors.SourceRefNotFound) as caught:
        sources.fetch(f"file://{tmp_path / 'repo'}", "no-such-branch", cache=tmp_path / "c")
    assert caught.value.stderr
    assert "--ref" in caught.value.hint


def test_git_errors_are_classified(tmp_path: Path) -> None:
    """Credentials wanted, refs missing and the rest map to their error classes."""
    cases = {
        "fatal: could not read Username for 'https://h': terminal prompts disabled":
            errors.SourceAuthRequired,
        "remote: HTTP Basic: Access denied\nfatal: Authentication failed for 'https://h/'":
            errors.SourceAuthRequired,
        "fatal: couldn't find remote ref refs/heads/x": errors.SourceRefNotFound,
        "fatal: unable to access 'https://h/': Could not resolve host: h": errors.SourceError,
    }  # fmt: skip
    for stderr, cls in cases.items():
        found = sources._git_error(stderr, "https://h/x.git", ["git", "fetch"], 128)
        assert type(found) is cls, stderr
