"""The classroom hub on a real engine: simulated learners, limits, restarts, caps, culling.

The tests of this module share one classroom and run in order: five learners
join first, then the hub is tested with them in it.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

import wiw
from tests.integration.conftest import free_port
from tests.integration.learners import KernelDied, SimLearner
from wiw import classroom as cls
from wiw.classroom import ClassroomOptions, LearnerLimits
from wiw.cli import main

OPTIONS = ClassroomOptions(
    max_learners=6,
    concurrent_spawns=3,
    limits=LearnerLimits(memory="384m", cpus=1.0, pids=256),
)


def build_named(source: Path, name: str, engine: wiw.Engine, made: list[str]) -> wiw.Image:
    """Build the example workshop under another workshop name (all but the last layers cached)."""
    ref = f"wiw-test/{name}:latest"
    made.append(ref)
    return wiw.Image.build(
        wiw.Workshop(source, name=name), tag=ref, engine=engine, show_progress=False
    )


@dataclass
class Class:
    """The shared classroom and who is in it."""

    image: wiw.Image
    hub: cls.Classroom
    port: int
    learners: list[SimLearner] = field(default_factory=list)

    def restart(self) -> None:
        """Start the classroom again (after it was stopped or its hub died)."""
        self.hub = wiw.Hub.run(self.image, mode="classroom", classroom=OPTIONS, port=self.port)
        self.hub.wait_for_token(timeout=120)


@pytest.fixture(scope="module")
def klass(
    example_image: wiw.Image, tmp_path_factory: pytest.TempPathFactory, run_id: str,
    made_images: list[str],
) -> Iterator[Class]:  # fmt: skip
    """A running classroom of this run's own workshop; destroyed, volumes and all, at the end."""
    from tests.integration.conftest import EXAMPLE

    image = build_named(EXAMPLE, f"classroom-{run_id}", example_image.engine, made_images)
    port = free_port()
    hub = wiw.Hub.run(image, mode="classroom", classroom=OPTIONS, port=port)
    state = Class(image, hub, port)
    try:
        hub.wait_for_token(timeout=120)
        yield state
    finally:
        for learner in state.learners:
            learner.close()
        cls.destroy(state.hub.names.workshop, confirm=True, engine=image.engine)


def join_and_write(join_url: str) -> SimLearner:
    """Join, wait for the server, and write a file of one's own from a kernel."""
    learner = SimLearner(join_url)
    learner.join()
    learner.wait_for_lab()
    kernel = learner.start_kernel()
    code = f"open('mine-{learner.name}.txt', 'w').write('{learner.name}'); print('written')"
    assert learner.execute(kernel, code) == "written\n"
    return learner


def test_five_learners_each_get_their_own_server_and_files(klass: Class) -> None:
    """Five learners join at once; each gets a container, runs a cell, sees only their files."""
    assert klass.hub.url is not None
    with ThreadPoolExecutor(max_workers=5) as pool:
        joining = [pool.submit(join_and_write, klass.hub.join_url) for _ in range(5)]
        klass.learners = [future.result() for future in joining]
    names = {learner.name for learner in klass.learners}
    assert len(names) == 5
    for learner in klass.learners:
        files = learner.files()
        assert f"mine-{learner.name}.txt" in files
        assert {"lesson01.ipynb", "lesson02.ipynb", "lesson03.ipynb"} <= files
        assert not {f"mine-{other}.txt" for other in names - {learner.name}} & files
    running = {c for c in klass.image.engine.containers_labelled("org.wiw.role=learner")}
    assert len(running) >= 5
    # Without the join URL's secret path, the port gives nothing away.
    for path in ("", "hub/login", "hub/api"):
        assert httpx.get(f"http://127.0.0.1:{klass.port}/{path}", timeout=10).status_code == 404


def test_a_learner_cannot_open_another_learners_server(klass: Class) -> None:
    """One learner's cookies do not open another learner's files."""
    alice, bob = klass.learners[:2]
    response = alice.http.get(f"{bob.server}api/contents/", follow_redirects=False)
    assert response.status_code in (302, 403, 404)
    followed = alice.http.get(f"{bob.server}api/contents/")
    assert f"mine-{bob.name}.txt" not in followed.text


def test_learner_containers_are_confined(klass: Class) -> None:
    """Non-root, limited, no new privileges, no capabilities and never the engine's socket."""
    engine = klass.image.engine
    for cid in engine.containers_labelled("org.wiw.role=learner"):
        info = engine.client.container.inspect(cid)
        assert info.config.user not in ("", "0", "root")
        assert not str(info.config.user).startswith("0:")
        host = info.host_config
        assert host.memory == 384 * 2**20
        assert host.pids_limit == 256
        assert host.cpu_quota == 100_000
        assert any("no-new-privileges" in opt for opt in host.security_opt or [])
        assert "ALL" in (host.cap_drop or [])
        assert not [m for m in info.mounts or [] if "docker.sock" in str(m.source)]


def test_exhausting_memory_kills_only_that_learners_kernel(klass: Class) -> None:
    """A cell allocating past the limit kills that kernel; the learner and the others carry on."""
    hog, other = klass.learners[0], klass.learners[1]
    kernel = hog.start_kernel()
    with pytest.raises(KernelDied):
        hog.execute(kernel, "hog = b'x' * (1024 * 2**20)", timeout=60)
    assert other.execute(other.start_kernel(), "print(6 * 7)") == "42\n"
    assert hog.execute(hog.start_kernel(), "print('back')") == "back\n"
    assert f"mine-{hog.name}.txt" in hog.files()


def test_rescanning_the_qr_code_keeps_the_account(klass: Class) -> None:
    """Opening the join URL again lands the same learner on their own server."""
    learner = klass.learners[2]
    before = learner.name
    learner.join()
    assert learner.name == before
    assert f"mine-{before}.txt" in learner.files()


def test_killed_hub_comes_back_with_everyone(klass: Class) -> None:
    """SIGKILL the hub, start it again: every learner is still themselves, with their files."""
    join_url = klass.hub.join_url
    klass.image.engine.client.container.kill(klass.hub.names.hub)
    klass.restart()
    assert klass.hub.join_url == join_url
    for learner in klass.learners:
        learner.wait_for_lab()
        assert f"mine-{learner.name}.txt" in learner.files()


def test_a_flood_past_the_cap_gets_429_while_the_hub_answers(klass: Class) -> None:
    """Learners past max_learners get HTTP 429 ("full, try again"); /hub/health keeps answering."""
    latecomers = [SimLearner(klass.hub.join_url) for _ in range(4)]
    try:
        with ThreadPoolExecutor(max_workers=5) as pool:
            joins = [pool.submit(learner.join) for learner in latecomers]
            health = pool.submit(httpx.get, f"{klass.hub.join_url}hub/health", timeout=30)
            statuses = [future.result().status_code for future in joins]
            assert health.result().status_code == 200
        assert statuses.count(429) >= 2, statuses
        assert all(status in (200, 429) for status in statuses), statuses
        full = next(f.result() for f in joins if f.result().status_code == 429)
        assert "limit" in full.text.lower() or "try again" in full.text.lower()
    finally:
        for learner in latecomers:
            learner.close()
    running = [r for r in klass.hub.learners() if r.running]
    assert len(running) <= OPTIONS.max_learners


def test_learners_lists_who_is_active(klass: Class) -> None:
    """The instructor sees every learner who joined and whose server runs."""
    seen = {learner.name: learner for learner in klass.hub.learners()}
    for learner in klass.learners:
        assert seen[learner.name].running
        assert seen[learner.name].last_activity


def test_cli_status_and_destroy_refusal(klass: Class, capsys: pytest.CaptureFixture[str]) -> None:
    """'wiw status' lists the learners of a running class; 'wiw destroy' without --yes refuses."""
    workshop = klass.hub.names.workshop
    assert main(["status", workshop]) == 0
    printed = capsys.readouterr().out
    assert all(learner.name[:8] in printed for learner in klass.learners)
    assert main(["destroy", workshop]) == 2
    assert "InvalidOption" in capsys.readouterr().err
    assert cls.learner_volumes(workshop, engine=klass.image.engine)


def test_collect_work_then_down_and_up_keeps_files(klass: Class, tmp_path: Path) -> None:
    """collect_work gets every learner's files; stopping and starting again keeps them."""
    folders = klass.hub.collect_work(tmp_path / "work")
    collected = {p.name for folder in folders for p in folder.iterdir()}
    for learner in klass.learners:
        assert f"mine-{learner.name}.txt" in collected
    klass.hub.stop()
    engine = klass.image.engine
    assert not engine.containers_labelled(f"org.wiw.workshop={klass.hub.names.workshop}")
    assert len(cls.learner_volumes(klass.hub.names.workshop, engine=engine)) >= 5
    with pytest.raises(wiw.InvalidOption):
        cls.destroy(klass.hub.names.workshop, confirm=False, engine=engine)
    klass.restart()
    learner = klass.learners[3]
    learner.join()
    learner.wait_for_lab()
    assert f"mine-{learner.name}.txt" in learner.files()


def test_idle_servers_are_culled_and_keep_their_files(
    example_image: wiw.Image, run_id: str, made_images: list[str]
) -> None:
    """A learner idle past cull_after loses their server, not their volume."""
    from tests.integration.conftest import EXAMPLE

    image = build_named(EXAMPLE, f"cull-{run_id}", example_image.engine, made_images)
    options = ClassroomOptions(cull_after=10, max_learners=2)
    hub = wiw.Hub.run(image, mode="classroom", classroom=options)
    learner = SimLearner(hub.wait_for_token(timeout=120))
    try:
        learner.join()
        learner.wait_for_lab()
        assert learner.execute(learner.start_kernel(), "open('kept.txt', 'w'); print(1)") == "1\n"
        deadline = time.monotonic() + 90
        while any(r.running or r.pending for r in hub.learners()):
            assert time.monotonic() < deadline, "the idle server was not culled"
            time.sleep(1)  # polling interval within a bounded wait
        assert cls.learner_volumes(hub.names.workshop, engine=image.engine)
        learner.join()  # scanning the code again starts their server anew
        learner.wait_for_lab()
        assert "kept.txt" in learner.files()
    finally:
        learner.close()
        cls.destroy(hub.names.workshop, confirm=True, engine=image.engine)


def password_login(join_url: str, name: str, password: str) -> SimLearner:
    """Log in through the hub's login form, as on a new device."""
    learner = SimLearner(join_url)
    page = learner.http.get(f"{join_url}hub/login")
    xsrf = next(c.value for c in learner.http.cookies.jar if c.name == "_xsrf")
    response = learner.http.post(
        str(page.url), data={"username": name, "password": password, "_xsrf": xsrf}
    )
    if "/user/" in response.url.path or "/spawn-pending/" in response.url.path:
        learner.name = name
    return learner


def test_shared_password_lets_a_learner_return_from_another_device(
    example_image: wiw.Image, run_id: str, made_images: list[str]
) -> None:
    """With a class password, the same name on a second device reaches the same files."""
    from tests.integration.conftest import EXAMPLE

    image = build_named(EXAMPLE, f"password-{run_id}", example_image.engine, made_images)
    options = ClassroomOptions(auth="shared-password", password="open sesame 42", max_learners=2)
    hub = wiw.Hub.run(image, mode="classroom", classroom=options)
    devices: list[SimLearner] = []
    try:
        join_url = hub.wait_for_token(timeout=120)
        laptop = password_login(join_url, "ada", "open sesame 42")
        devices.append(laptop)
        laptop.wait_for_lab()
        assert laptop.execute(laptop.start_kernel(), "open('ada.txt', 'w'); print(1)") == "1\n"
        phone = password_login(join_url, "ada", "open sesame 42")
        devices.append(phone)
        phone.wait_for_lab()
        assert "ada.txt" in phone.files()
        stranger = password_login(join_url, "eve", "wrong password")
        devices.append(stranger)
        assert stranger.name == ""
        assert stranger.http.get(f"{join_url}user/ada/api/contents/").status_code != 200
        # Neither the password nor the join secret is in the image's layers or config.
        secret = join_url.rstrip("/").rsplit("/", 1)[1]
        engine = image.engine
        history = subprocess.run(
            [*engine.client_call, "history", "--no-trunc", image.ref],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
        config = engine.client.image.inspect(image.ref).config
        for text in (history, " ".join(config.env or []), repr(config.labels)):
            assert "open sesame 42" not in text
            assert secret not in text
    finally:
        for device in devices:
            device.close()
        cls.destroy(hub.names.workshop, confirm=True, engine=image.engine)
