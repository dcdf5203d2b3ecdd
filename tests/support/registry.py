"""A real container registry (Debian's docker-registry) on a loopback port, for push tests."""

from __future__ import annotations

import subprocess
import urllib.error
import urllib.request
from collections.abc import Generator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.engine import free_port, need_tool
from wiw.waiting import WaitTimeout, poll


@dataclass(frozen=True)
class Registry:
    """A running registry: its address, its process, and the login it wants (if any)."""

    address: str
    process: subprocess.Popen[bytes]
    storage: Path
    user: str | None = None
    password: str | None = None


def start_registry(
    folder: Path,
    *,
    login: tuple[str, str] | None = None,
    listen: str = "127.0.0.1",
    data: Path | None = None,
) -> Generator[Registry, None, None]:
    """Run Debian's registry on a loopback port until the generator is closed.

    ``listen`` may instead be an address of a network the test made itself
    (its gateway), and ``data`` another registry's storage, served again there.
    """
    binary = need_tool("docker-registry", ".ci/registry.sh installs it")
    if login:
        need_tool("htpasswd", ".ci/registry.sh installs it")
    port = free_port()
    storage = data or folder / "data"
    config = [
        "version: 0.1",
        "log: {level: warn}",
        f"storage: {{filesystem: {{rootdirectory: {storage}}}}}",
        f"http: {{addr: {listen}:{port}}}",
    ]
    if login:
        hashed = subprocess.run(
            ["htpasswd", "-Bbn", *login], capture_output=True, text=True, check=True
        ).stdout
        (folder / "htpasswd").write_text(hashed)
        config.append(f"auth: {{htpasswd: {{realm: wiw-tests, path: {folder / 'htpasswd'}}}}}")
    (folder / "config.yml").write_text("\n".join(config) + "\n")
    proc = subprocess.Popen([binary, "serve", str(folder / "config.yml")])
    try:
        wait_until_answers(f"http://{listen}:{port}/v2/", proc)
        yield Registry(f"{listen}:{port}", proc, storage, *(login or (None, None)))
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)


def wait_until_answers(url: str, proc: subprocess.Popen[bytes]) -> None:
    """Wait (bounded) until the registry answers HTTP at all."""

    def answers() -> bool | None:
        assert proc.poll() is None, "the registry exited"
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310
                return True
        except urllib.error.HTTPError:
            return True  # 401 from a registry that wants a login: it answers
        except OSError:
            return None

    try:
        poll(answers, timeout=30, what="the registry", interval=0.1)
    except WaitTimeout:
        pytest.fail(f"registry at {url} did not answer")
