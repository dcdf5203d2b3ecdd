"""Pushing to a real registry on loopback: round trip by digest, and its failures."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

import wiw
from tests.support.engine import free_port
from tests.support.registry import Registry, start_registry


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
