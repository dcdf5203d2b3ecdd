"""Workshops kept in git: fetch a course's repository, at a branch, tag or commit.

``wiw build https://github.com/org/course --ref v2`` clones the repository
shallowly into a cache (``~/.cache/wiw/sources``), checks out the ref, and
builds the folder as any other workshop, named after the repository, with the
URL and commit in the image's labels. git never asks for a password here: a
repository that wants one is a clear error instead of a command that hangs.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from wiw import errors
from wiw.build.workshop import slugify
from wiw.resources import cache_dir

__all__ = ["Source", "cache_root", "fetch", "is_git_url"]

_URL = re.compile(r"^(?:(?:https?|git|ssh|file)://|[\w.-]+@[\w.-]+:)")
# An image pinned by digest ('python@sha256:...') has the shape of an scp-like address.
_DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
_TIMEOUT = 600.0
# git's own words for "that ref does not exist" and "this wants credentials".
_NO_REF = ("couldn't find remote ref", "not our ref", "unknown revision", "no such ref",
           "did not match any", "invalid refspec")  # fmt: skip
_AUTH = ("could not read username", "could not read password", "authentication failed",
         "terminal prompts disabled", "permission denied (publickey", "403 forbidden",
         "requested url returned error: 401", "requested url returned error: 403")  # fmt: skip


@dataclass(frozen=True)
class Source:
    """A workshop fetched from git.

    Attributes:
        url: The repository's URL.
        ref: The branch, tag or commit asked for (None: the default branch).
        commit: The commit checked out.
        folder: Where it is checked out.
    """

    url: str
    ref: str | None
    commit: str
    folder: Path

    @property
    def name(self) -> str:
        """The workshop's name: the repository's, without ``.git``."""
        last = self.url.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]
        return slugify(last.removesuffix(".git"))

    @property
    def label(self) -> str:
        """What the image's source label says: ``URL@COMMIT``."""
        return f"{self.url}@{self.commit}"


def is_git_url(text: str) -> bool:
    """Whether ``text`` names a git repository rather than a folder or an image."""
    if _DIGEST.search(text):
        return False
    return bool(_URL.match(text)) or (text.endswith(".git") and not Path(text).exists())


def cache_root() -> Path:
    """Where fetched repositories are kept (``$XDG_CACHE_HOME/wiw/sources``)."""
    return cache_dir("sources")


def _git(args: list[str], *, cwd: Path, url: str) -> str:
    """Run git without ever prompting; turn its failures into typed errors."""
    env = {
        **os.environ,
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "",
        "SSH_ASKPASS": "",
        "GIT_SSH_COMMAND": os.environ.get("GIT_SSH_COMMAND", "ssh -o BatchMode=yes"),
    }
    cmd = ["git", "-c", "credential.interactive=never", *args]
    try:
        done = subprocess.run(
            cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=_TIMEOUT,
            stdin=subprocess.DEVNULL, check=False,
        )  # fmt: skip
    except FileNotFoundError as exc:
        raise errors.SourceError(
            "git is not installed; it is needed to fetch a workshop from a repository.",
            hint="Install git, or clone the repository yourself and give its folder.",
        ) from exc
    except subprocess.TimeoutExpired as exc:
        raise errors.SourceError(f"Fetching {url} took longer than {_TIMEOUT:g} s.") from exc
    if done.returncode != 0:
        raise _git_error(done.stderr, url, cmd, done.returncode)
    return done.stdout.strip()


def _git_error(stderr: str, url: str, cmd: list[str], code: int) -> errors.SourceError:
    lowered = stderr.lower()
    cls: type[errors.SourceError] = errors.SourceError
    message = f"Fetching {url} failed."
    if any(needle in lowered for needle in _AUTH):
        cls, message = errors.SourceAuthRequired, f"{url} asks for credentials."
    elif any(needle in lowered for needle in _NO_REF):
        cls, message = errors.SourceRefNotFound, f"{url} has no such branch, tag or commit."
    return cls(message, command=cmd, exit_code=code, stderr=stderr.strip()[-1500:])


def fetch(url: str, ref: str | None = None, *, cache: Path | None = None) -> Source:
    """Fetch ``ref`` of the repository at ``url`` (shallowly) into the cache.

    Args:
        url: The repository, e.g. ``https://github.com/org/course.git``.
        ref: A branch, tag or full commit; the remote's default branch if None.
        cache: Where to keep checkouts; :func:`cache_root` if omitted.

    Returns:
        The checkout, with the commit it is at.

    Raises:
        wiw.errors.SourceRefNotFound: The ref is not in the repository.
        wiw.errors.SourceAuthRequired: The repository asks for credentials.
        wiw.errors.SourceError: It could not be fetched otherwise.
    """
    key = hashlib.sha256(url.encode()).hexdigest()[:16]
    folder = (cache or cache_root()) / key
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / ".git").exists():
        _git(["init", "--quiet"], cwd=folder, url=url)
    _git(["fetch", "--quiet", "--depth", "1", "--force", url, ref or "HEAD"], cwd=folder, url=url)
    _git(["checkout", "--quiet", "--force", "--detach", "FETCH_HEAD"], cwd=folder, url=url)
    _git(["clean", "-fdxq"], cwd=folder, url=url)
    commit = _git(["rev-parse", "HEAD"], cwd=folder, url=url)
    return Source(url=url, ref=ref, commit=commit, folder=folder)
