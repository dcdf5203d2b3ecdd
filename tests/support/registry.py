"""A real container registry (Debian's docker-registry) on a loopback port, for push tests."""

from __future__ import annotations

import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.engine import free_port, need_tool
from wiw._wait import WaitTimeout, poll


@dataclass(frozen=True)
class Registry:
    """A running registry: its address, its process, and the login it wants (if any)."""

    address: str
    process: subprocess.Popen[bytes]
    storage: Path
    user: str | None = None
    password: str | None = None


def start_registry(folder: Path, *, login: tuple[str, str] | None = None) -> Iterator[Registry]:
    """Run Debian's registry on a loopback port until the generator is closed."""
    binary = need_tool("docker-registry", ".ci/registry.sh installs it")
    if login:
        need_tool("htpasswd", ".ci/registry.sh installs it")
    port = free_port()
    config = [
        "version: 0.1",
        "log: {level: warn}",
        f"storage: {{filesystem: {{rootdirectory: {folder / 'data'}}}}}",
        f"http: {{addr: 127.0.0.1:{port}}}",
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
        wait_until_answers(f"http://127.0.0.1:{port}/v2/", proc)
        yield Registry(f"127.0.0.1:{port}", proc, folder / "data", *(login or (None, None)))
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
