"""Running a workshop image and reaching JupyterLab through the URL wiw returns."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

import wiw
from tests.support.workshops import EXAMPLE
from wiw.cli.main import main
from wiw.engine.labels import WORKSHOP
from wiw.engine.protocol import ContainerEngine

LESSONS = {"lesson01.ipynb", "lesson02.ipynb", "lesson03.ipynb"}


def workshop_containers(engine: ContainerEngine) -> list[str]:
    """Ids of the containers of the example workshop, running or not."""
    return engine.containers_labelled(f"{WORKSHOP}=example-workshop")


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A loopback port some other program is listening on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


def test_url_opens_jupyterlab_with_the_lessons(example_image: wiw.Image) -> None:
    """wait_for_token gives a host URL; JupyterLab answers 200 and lists the three lessons."""
    with wiw.Lab.run(example_image) as hub:
        url = hub.wait_for_token(timeout=60)
        parts = urlsplit(url)
        assert parts.hostname == "127.0.0.1"
        assert parts.port == hub.port
        token = parse_qs(parts.query)["token"][0]
        with httpx.Client(timeout=30, follow_redirects=True) as client:
            page = client.get(url)
            assert page.status_code == 200
            assert "JupyterLab" in page.text
            listing = client.get(
                f"http://127.0.0.1:{hub.port}/api/contents/",
                headers={"Authorization": f"token {token}"},
            )
        assert listing.status_code == 200
        assert {item["name"] for item in listing.json()["content"]} >= LESSONS
        assert hub.container_id in workshop_containers(hub.engine)
        # Published on loopback only, as the engine itself reports the binding.
        info = hub.engine.container_info(hub.container_id)
        assert info is not None
        assert info.ports["8888/tcp"] == [("127.0.0.1", hub.port)]
        # The token came through the environment, never the command line.
        assert token not in " ".join(info.env.get(k, "") for k in info.env if k != "JUPYTER_TOKEN")
        assert info.env["JUPYTER_TOKEN"] == token
    assert hub.container_id not in workshop_containers(hub.engine)


def test_port_in_use_raises_and_leaves_nothing(example_image: wiw.Image, taken_port: int) -> None:
    """Asking for a taken port raises PortInUse naming it, and no container remains."""
    before = workshop_containers(example_image.engine)
    with pytest.raises(wiw.PortInUse) as caught:
        wiw.Lab.run(example_image, port=taken_port)
    assert str(taken_port) in str(caught.value)
    assert workshop_containers(example_image.engine) == before


def test_missing_image_raises_image_not_found(engine: wiw.Engine, run_id: str) -> None:
    """Running an image that does not exist raises ImageNotFound and creates nothing."""
    with pytest.raises(wiw.ImageNotFound):
        wiw.Lab.run(f"wiw-test/never-built:{run_id}", engine=engine)


def test_server_exiting_at_once_raises_hub_exited(example_image: wiw.Image) -> None:
    """A server that exits before printing a URL raises HubExited with its code and log."""
    before = workshop_containers(example_image.engine)
    with (
        pytest.raises(wiw.HubExited) as caught,
        wiw.Lab.run(
            example_image, command=["sh", "-c", "echo lesson server crashed; exit 3"]
        ) as hub,
    ):
        hub.wait_for_token(timeout=30)
    assert caught.value.exit_code == 3
    assert any("lesson server crashed" in line for line in caught.value.log_tail)
    assert workshop_containers(example_image.engine) == before


def test_server_that_never_prints_a_url_times_out(example_image: wiw.Image) -> None:
    """A server printing no URL raises TokenTimeout after the deadline, then is removed."""
    before = workshop_containers(example_image.engine)
    with (
        pytest.raises(wiw.TokenTimeout) as caught,
        wiw.Lab.run(example_image, command=["sh", "-c", "echo warming up; sleep 600"]) as hub,
    ):
        hub.wait_for_token(timeout=3)
    assert "warming up" in caught.value.log_tail
    assert workshop_containers(example_image.engine) == before


def test_cli_smoke_passes_on_the_example(example_image: wiw.Image) -> None:
    """'wiw smoke FOLDER --tag IMAGE' checks JupyterLab and the lessons, exit status 0."""
    assert main(["smoke", str(EXAMPLE), "--tag", example_image.ref, "--timeout", "60"]) == 0
