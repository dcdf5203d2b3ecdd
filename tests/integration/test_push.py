"""Pushing to a real registry on loopback: round trip by digest, and its failures."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

import wiw
from tests.integration.conftest import free_port


@dataclass(frozen=True)
class Registry:
    """A running registry: its address, its process, and the login it wants (if any)."""

    address: str
    process: subprocess.Popen[bytes]
    user: str | None = None
    password: str | None = None


def start_registry(folder: Path, *, login: tuple[str, str] | None = None) -> Iterator[Registry]:
    """Run Debian's registry on a loopback port until the generator is closed."""
    binary = shutil.which("docker-registry")
    if binary is None or (login and not shutil.which("htpasswd")):
        message = "docker-registry and htpasswd are needed (.ci/registry.sh installs them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
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
        yield Registry(f"127.0.0.1:{port}", proc, *(login or (None, None)))
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)


def wait_until_answers(url: str, proc: subprocess.Popen[bytes]) -> None:
    """Wait (bounded) until the registry answers HTTP at all."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert proc.poll() is None, "the registry exited"
        try:
            urllib.request.urlopen(url, timeout=2)  # noqa: S310
            return
        except urllib.error.HTTPError:
            return  # 401 from a registry that wants a login: it answers
        except OSError:
            time.sleep(0.1)  # polling interval within a bounded wait
    pytest.fail(f"registry at {url} did not answer")


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """An open registry on loopback for this module."""
    yield from start_registry(tmp_path_factory.mktemp("registry"))


@pytest.fixture(scope="module")
def locked_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Registry]:
    """A registry that wants a login."""
    yield from start_registry(tmp_path_factory.mktemp("locked"), login=("teacher", "s3cret-pw"))


def test_push_round_trips_by_digest(
    example_image: wiw.Image, registry: Registry, run_id: str, made_images: list[str]
) -> None:
    """A pushed image comes back by digest as the very same image."""
    repository = f"{registry.address}/wiw-test/example"
    made_images.append(f"{repository}:{run_id}")
    lines: list[str] = []
    pushed = example_image.push(repository, run_id, on_line=lines.append)
    assert pushed.startswith(f"{repository}@sha256:")
    assert any("digest: sha256:" in line for line in lines)
    wiw.Image(f"{repository}:{run_id}", engine=example_image.engine).remove()
    engine = example_image.engine
    subprocess.run([*engine.client_call, "pull", pushed], check=True, capture_output=True)
    assert wiw.Image(pushed, engine=engine).id == example_image.id
    subprocess.run([*engine.client_call, "rmi", pushed], check=True, capture_output=True)


def test_latest_alone_is_refused(example_image: wiw.Image, registry: Registry) -> None:
    """Pushing only 'latest' is refused before anything is sent."""
    with pytest.raises(wiw.InvalidName) as caught:
        example_image.push(f"{registry.address}/wiw-test/example", "latest")
    assert "latest" in str(caught.value)


def test_unreachable_registry(
    example_image: wiw.Image, run_id: str, made_images: list[str]
) -> None:
    """A registry that is not there gives RegistryUnreachable with the engine's words."""
    repository = f"127.0.0.1:{free_port()}/wiw-test/example"
    made_images.append(f"{repository}:{run_id}")
    with pytest.raises(wiw.RegistryUnreachable) as caught:
        example_image.push(repository, run_id)
    assert caught.value.log_tail
    assert caught.value.hint


def test_registry_refusing_the_login(
    example_image: wiw.Image, locked_registry: Registry, run_id: str, made_images: list[str]
) -> None:
    """A push without credentials, and a login with wrong ones, give RegistryAuthFailed."""
    repository = f"{locked_registry.address}/wiw-test/example"
    made_images.append(f"{repository}:{run_id}")
    with pytest.raises(wiw.RegistryAuthFailed):
        example_image.push(repository, run_id)
    with pytest.raises(wiw.RegistryAuthFailed) as caught:
        example_image.engine.login(locked_registry.address, "teacher", "not-the-password")
    assert "not-the-password" not in str(caught.value)


def test_pushing_an_image_that_does_not_exist(registry: Registry, engine: wiw.Engine) -> None:
    """Pushing a tag that does not exist gives ImageNotFound and sends nothing."""
    with pytest.raises(wiw.ImageNotFound):
        wiw.Image("wiw-test/never-built:nope", engine=engine).push(
            f"{registry.address}/wiw-test/never", "1"
        )
