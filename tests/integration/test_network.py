"""The classroom on a real network: phones on networks of their own, a URL that stays, HTTPS.

The "phones" are network namespaces joined to this machine by veth pairs
with addresses of a private test subnet (tests/support/netns.py); Chromium
runs inside them. Nothing is sent to any address outside this machine.
"""

from __future__ import annotations

import re
import socket
import ssl
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import psutil
import pytest
import trustme
import zxingcpp
from PIL import Image as PILImage
from playwright.sync_api import Page, expect, sync_playwright

import wiw
from tests.support.engine import free_port, need_tool, require
from tests.support.learners import SimLearner
from tests.support.netns import Device, device
from tests.support.workshops import EXAMPLE, build_named
from wiw.classroom.lifecycle import Classroom
from wiw.cli.main import main

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture(scope="module")
def image(example_image: wiw.Image, run_id: str, made_images: list[str]) -> wiw.Image:
    """This module's own workshop, so that its classrooms are its own."""
    return build_named(EXAMPLE, f"network-{run_id}", example_image.engine, made_images)


@pytest.fixture
def phones() -> Iterator[tuple[Device, Device]]:
    """Two learners' devices, each on a network of its own."""
    with device(1) as first, device(2) as second:
        yield first, second


def scan(png: Path) -> str:
    """Read the join URL out of the QR PNG, as a phone's camera would (no inversion)."""
    with PILImage.open(png) as picture:
        found = zxingcpp.read_barcodes(picture.convert("RGB"), try_invert=False)
    assert len(found) == 1
    return str(found[0].text)


def run_a_cell_in_lab(page: Page, url: str) -> str:
    """Open the join URL, land in JupyterLab, run a cell in a new notebook; return the server."""
    page.goto(url)
    page.get_by_role("button", name="Join").click()  # a name is picked for us
    page.wait_for_url(re.compile(r".*/user/[^/]+/lab.*"), timeout=120_000)
    expect(page.locator(".jp-DirListing-content")).to_be_visible(timeout=60_000)
    server = page.url.split("/lab", 1)[0] + "/"
    page.locator(".jp-LauncherCard[title='Python 3 (ipykernel)']").first.click()
    idle = page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle$"))
    expect(idle).to_have_count(1, timeout=60_000)
    cell = page.locator(".jp-Notebook .jp-Cell .cm-content").first
    cell.click()
    page.keyboard.type("print(6 * 7)")
    expect(cell).to_have_text("print(6 * 7)")
    page.keyboard.press("Shift+Enter")
    expect(page.locator(".jp-OutputArea-output").first).to_have_text("42", timeout=60_000)
    return server


def test_phones_on_their_own_networks_scan_the_code_and_run_a_cell(
    image: wiw.Image, phones: tuple[Device, Device], tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """Two phones scan the code of 'wiw up --public --host ADDRESS' and run a cell.

    Each lands in JupyterLab on a server of its own; the URL is the same after
    'wiw down' and 'wiw up', and 'wiw url' draws the same code.
    """
    require(Path(CHROMIUM).exists(), f"{CHROMIUM} is missing (.ci/browser.sh installs it)")
    first, second = phones
    png = tmp_path / "join.png"
    up = ["up", image.ref, "--public", "--host", first.host_address, "--detach", "--qr", str(png)]
    try:
        assert main([*up, "--max-learners", "4"]) == 0
        url = scan(png)
        assert urlsplit(url).hostname == first.host_address
        assert f"Workshop URL: {url}" in capsys.readouterr().out
        servers = []
        with sync_playwright() as playwright:
            for phone in (first, second):
                browser = playwright.chromium.launch(
                    executable_path=str(phone.wrapper(CHROMIUM, tmp_path)), args=FLAGS
                )
                try:
                    # The second phone's network reaches this machine at its own address.
                    phone_url = url.replace(first.host_address, phone.host_address)
                    servers.append(run_a_cell_in_lab(browser.new_page(), phone_url))
                finally:
                    browser.close()
        assert servers[0] != servers[1]
        assert main(["down", image.workshop]) == 0
        assert main([*up[:-2], "--max-learners", "4"]) == 0  # as before, without --qr
        assert f"Workshop URL: {url}" in capsys.readouterr().out
        assert main(["url", image.workshop, "--qr", str(tmp_path / "again.png")]) == 0
        assert scan(tmp_path / "again.png") == url
    finally:
        main(["destroy", image.workshop, "--yes"])


def test_the_join_url_survives_down_up_and_an_engine_restart(
    image: wiw.Image, engine_restart: tuple[Callable[[], None], Callable[[], None]]
) -> None:
    """The join URL stays the same after down and up, and after the engine restarts.

    Without --port, the port (and so the URL) is remembered; it answers each time.
    """
    stop, start = engine_restart
    room = Classroom.start(image)
    try:
        url = room.wait_until_ready(timeout=120)
        room.stop()
        room = Classroom.start(image)
        assert room.wait_until_ready(timeout=120) == url
        stop()
        start()
        room = Classroom.start(image)
        assert room.wait_until_ready(timeout=120) == url
        assert httpx.get(f"{url}hub/health", timeout=10).status_code == 200
    finally:
        room.destroy(confirm=True)


def test_a_taken_port_says_what_holds_it(image: wiw.Image) -> None:
    """When the remembered port is taken, the error names it and what listens there."""
    room = Classroom.start(image)
    try:
        room.wait_until_ready(timeout=120)
        port = room.port
        room.stop()
        with socket.socket() as holder:
            # The hub's connections may linger in TIME_WAIT on the port: reuse it anyway.
            holder.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            holder.bind(("127.0.0.1", port))
            holder.listen()
            with pytest.raises(wiw.PortInUse) as caught:
                Classroom.start(image)
        message = str(caught.value)
        assert f"Port {port}" in message
        assert "python" in message  # this test's own process holds it
        assert "--port" in caught.value.hint
        assert not image.engine.container_running(room.names.hub)
    finally:
        room.destroy(confirm=True)


def test_the_class_password_from_a_file_is_never_in_sight(
    image: wiw.Image, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--password-file: the password is in no process list, container, log or image."""
    password = "purple elephant 1987"
    secret_file = tmp_path / "password.txt"
    secret_file.write_text(password + "\n")
    try:
        assert main(["up", image.ref, "--detach", "--password-file", str(secret_file)]) == 0
        url = re.search(r"Workshop URL: (\S+)", capsys.readouterr().out)
        assert url is not None
        learner = SimLearner(url[1])
        page = learner.http.get(f"{url[1]}hub/login")
        xsrf = next(c.value for c in learner.http.cookies.jar if c.name == "_xsrf")
        signed = learner.http.post(str(page.url), data={
            "username": "grace", "password": password, "_xsrf": xsrf})  # fmt: skip
        assert "/user/grace/" in signed.url.path or "/spawn-pending/grace" in signed.url.path
        learner.close()
        engine = image.engine
        seen = [" ".join(p.info["cmdline"] or []) for p in psutil.process_iter(["cmdline"])]
        for cid in engine.containers_labelled(f"org.wiw.workshop={image.workshop}"):
            info = engine.container_info(cid)
            assert info is not None
            seen += [repr(info.env), engine.container_logs(cid)]
        seen += [engine.image_history(image.ref), capsys.readouterr().err]
        assert not [text for text in seen if password in text]
    finally:
        main(["destroy", image.workshop, "--yes"])


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[trustme.CA, Path, Path]:
    """A throwaway CA and a certificate it signed for 127.0.0.1."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    folder = tmp_path_factory.mktemp("tls")
    cert.private_key_pem.write_to_path(str(folder / "key.pem"))
    cert.cert_chain_pems[0].write_to_path(str(folder / "cert.pem"))
    for blob in cert.cert_chain_pems[1:]:
        with (folder / "cert.pem").open("ab") as chain:
            chain.write(blob.bytes())
    return ca, folder / "cert.pem", folder / "key.pem"


def test_https_with_the_instructors_certificate(
    image: wiw.Image, certificate: tuple[trustme.CA, Path, Path], tmp_path: Path
) -> None:
    """With --tls-cert and --tls-key the class is served over HTTPS.

    The join URL is https, a client trusting the CA gets JupyterLab, and plain
    HTTP on the port serves nothing of the hub.
    """
    ca, cert, key = certificate
    trust = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(trust))
    room = Classroom.start(image, tls=wiw.TLSFiles(cert, key), port=free_port())
    try:
        url = room.wait_until_ready(timeout=120)
        assert url.startswith("https://127.0.0.1:")
        context = ssl.create_default_context(cafile=str(trust))
        learner = SimLearner(url, verify=context)
        try:
            learner.join()
            assert learner.wait_for_lab().status_code == 200
            assert learner.execute(learner.start_kernel(), "print('over tls')") == "over tls\n"
        finally:
            learner.close()
        with pytest.raises(httpx.HTTPError):
            httpx.get(url.replace("https://", "http://"), timeout=10)
        with pytest.raises(httpx.ConnectError):  # not trusted without the CA
            httpx.get(url, timeout=10)
    finally:
        room.destroy(confirm=True)


def test_public_with_only_loopback_is_refused_with_a_hint(image: wiw.Image) -> None:
    """'wiw up --public' with loopback as the only network refuses, pointing to --host.

    The machine is a network namespace of its own (the engine's socket, a
    file, is still reachable).
    """
    need_tool("unshare", "util-linux")
    before = image.engine.inventory()
    done = subprocess.run(
        ["unshare", "--net", sys.executable, "-m", "wiw", "up", image.ref, "--public",
         "--detach", "--force"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "no network address other devices could use" in done.stderr
    assert "--host" in done.stderr
    assert image.engine.inventory().minus(before) == {}
