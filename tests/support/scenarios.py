"""Engine scenarios that run the same calls against the fake and the real engine.

Each scenario takes an engine, a prefix that names everything it makes, and
an image that can run ``sleep``; it asserts what the engine answers (results
and error classes) and removes what it made, even when it fails. The unit
suite runs them on :class:`tests.support.fakeengine.FakeEngine`, the
integration suite on the real engine: where they agree, a unit test that
drives the fake drives what the real engine would do.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from wiw import errors
from wiw.engine.protocol import ContainerEngine
from wiw.engine.types import ContainerSpec

__all__ = ["SCENARIOS", "Scenario"]

Scenario = Callable[[ContainerEngine, str, str, Path], None]
SLEEP = ("sleep", "300")
ON_80 = [("127.0.0.1", None, 80)]  # a free host port for the container's port 80


@contextlib.contextmanager
def made(engine: ContainerEngine, prefix: str) -> Iterator[None]:
    """Remove every container, network and volume named with ``prefix`` afterwards."""
    try:
        yield
    finally:
        before = engine.inventory()
        for cid in before.containers:
            info = engine.container_info(cid)
            if info is not None and info.name.startswith(prefix):
                engine.container_remove(cid)
        for network in engine.inventory().networks:
            if network.startswith(prefix):
                engine.network_remove(network)
        for volume in engine.inventory().volumes:
            if volume.startswith(prefix):
                engine.volume_remove(volume)


def spec(prefix: str, name: str, image: str, **more: object) -> ContainerSpec:
    """A container of the scenario, labelled so that it can be found."""
    return ContainerSpec(
        image=image,
        name=f"{prefix}-{name}",
        labels={"wiw.scenario": prefix},
        command=SLEEP,
        **more,  # type: ignore[arg-type]
    )


def volumes_keep_files(engine: ContainerEngine, prefix: str, image: str, tmp: Path) -> None:
    """A volume's labels and files outlive the containers that mount it; in use, it stays."""
    volume = f"{prefix}-home"
    with made(engine, prefix):
        assert engine.volume_labels(volume) is None
        engine.volume_create(volume, {"wiw.scenario": prefix, "wiw.learner": "Ada"})
        assert engine.volume_labels(volume) == {"wiw.scenario": prefix, "wiw.learner": "Ada"}
        assert volume in engine.volumes_labelled(f"wiw.scenario={prefix}")
        assert volume not in engine.volumes_labelled("wiw.scenario=someone-else")
        (tmp / "notes.txt").write_text("kept")
        writer = engine.container_create(spec(prefix, "writer", image, volumes=[(volume, "/h")]))
        engine.copy_to(writer, tmp / "notes.txt", "/h/notes.txt")
        with pytest.raises(errors.EngineError):
            engine.volume_remove(volume)  # a container still mounts it
        engine.container_remove(writer)
        reader = engine.container_create(spec(prefix, "reader", image, volumes=[(volume, "/h")]))
        engine.copy_from(reader, "/h/notes.txt", tmp / "back.txt")
        assert (tmp / "back.txt").read_text() == "kept"
        engine.container_remove(reader)
        engine.volume_remove(volume)
        assert engine.volume_labels(volume) is None
        with pytest.raises(errors.EngineError):
            engine.volume_remove(volume)


def networks_are_made_once(engine: ContainerEngine, prefix: str, image: str, tmp: Path) -> None:
    """``network_ensure`` says whether it made the network; removing twice is no error."""
    network = f"{prefix}-net"
    with made(engine, prefix):
        assert engine.network_ensure(network, {"wiw.scenario": prefix}) is True
        assert engine.network_ensure(network, {"wiw.scenario": prefix}) is False
        assert network in engine.inventory().networks
        engine.network_remove(network)
        engine.network_remove(network)
        assert network not in engine.inventory().networks


def containers_start_and_go(engine: ContainerEngine, prefix: str, image: str, tmp: Path) -> None:
    """Missing is None; created is not running; started publishes; removed twice is fine."""
    with made(engine, prefix):
        assert engine.container_info(f"{prefix}-none") is None
        assert engine.container_running(f"{prefix}-none") is None
        cid = engine.container_create(spec(prefix, "one", image, publish=ON_80))
        assert engine.container_running(f"{prefix}-one") is False
        assert engine.container_state(cid) == (False, 0)
        assert engine.container_port(cid, 80) is None
        engine.container_start(cid)
        assert engine.container_state(cid) == (True, 0)  # Docker says 0 until it exits
        info = engine.container_info(f"{prefix}-one")
        assert info is not None
        assert info.id == cid
        assert info.labels["wiw.scenario"] == prefix  # with the image's labels, if it has any
        assert engine.containers_labelled(f"wiw.scenario={prefix}") == [cid]
        with pytest.raises(errors.EngineError) as clash:
            engine.container_create(spec(prefix, "one", image))
        assert type(clash.value) is errors.EngineError  # a name in use is no port or image error
        engine.container_remove(cid)
        engine.container_remove(cid)
        assert engine.container_info(cid) is None


def a_taken_port_is_port_in_use(
    engine: ContainerEngine, prefix: str, image: str, tmp: Path
) -> None:
    """A second container on a host port in use fails to start with PortInUse, and says who."""
    with made(engine, prefix):
        first = engine.container_create(spec(prefix, "a", image, publish=ON_80))
        engine.container_start(first)
        port = engine.container_port(first, 80)
        assert port is not None
        assert engine.port_user(port) == f"the container {prefix}-a"
        second = engine.container_create(
            spec(prefix, "b", image, publish=[("127.0.0.1", port, 80)])
        )
        with pytest.raises(errors.PortInUse):
            engine.container_start(second)
        assert engine.container_state(second)[0] is False


def images_by_tag_and_id(engine: ContainerEngine, prefix: str, image: str, tmp: Path) -> None:
    """Tags point at ids; removing one of two tags keeps the image; missing is ImageNotFound."""
    tag = f"wiw-scenario/{prefix}:extra"
    original = engine.image_info(image)
    assert original is not None
    assert engine.image_info(f"wiw-scenario/{prefix}:missing") is None
    try:
        engine.image_tag(image, tag)
        tagged = engine.image_info(tag)
        assert tagged is not None
        assert tagged.id == original.id
        assert tag in tagged.tags
    finally:
        engine.image_remove(tag)
    assert engine.image_info(tag) is None
    assert engine.image_info(image) is not None
    with pytest.raises(errors.ImageNotFound):
        engine.image_remove(f"wiw-scenario/{prefix}:missing")
    with made(engine, prefix):
        engine.container_create(spec(prefix, "user", image))
        assert original.id in engine.images_in_use()


def folders_copy_as_docker_cp(engine: ContainerEngine, prefix: str, image: str, tmp: Path) -> None:
    """A folder copied to a new path becomes it; ``PATH/.`` copies its contents out."""
    source = tmp / "state"
    (source / "sub").mkdir(parents=True)
    (source / "a.json").write_text("{}")
    (source / "sub" / "b.txt").write_text("b")
    volume = f"{prefix}-state"
    with made(engine, prefix):
        cid = engine.container_create(spec(prefix, "files", image, volumes=[(volume, "/data")]))
        engine.copy_to(cid, source, "/data/wiw")
        out = tmp / "out"
        out.mkdir()
        engine.copy_from(cid, "/data/wiw/.", out)
        assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [
            "a.json", "sub", "sub/b.txt",
        ]  # fmt: skip
        assert (out / "sub" / "b.txt").read_text() == "b"
        with pytest.raises(errors.EngineError):
            engine.copy_from(cid, "/data/nothing-here", tmp / "x")
        engine.container_remove(cid)


SCENARIOS: dict[str, Scenario] = {
    "volumes_keep_files": volumes_keep_files,
    "networks_are_made_once": networks_are_made_once,
    "containers_start_and_go": containers_start_and_go,
    "a_taken_port_is_port_in_use": a_taken_port_is_port_in_use,
    "images_by_tag_and_id": images_by_tag_and_id,
    "folders_copy_as_docker_cp": folders_copy_as_docker_cp,
}
