"""The classroom hub on a real engine: simulated learners, limits, restarts, caps, culling.

The tests of this module share one classroom of five learners (a module
fixture), and each starts from the same state: the hub running and every
learner's server answering. A test that stops or kills something brings it
back through the ``klass`` fixture, so any test can run alone or in any order.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

import httpx
import pytest

import wiw
from tests.support.engine import free_port
from tests.support.learners import KernelDied, SimLearner, join_and_write
from tests.support.workshops import EXAMPLE, build_named
from wiw import classroom as cls
from wiw.classroom.lifecycle import Classroom, ClassroomOptions
from wiw.cli.main import main
from wiw.engine.protocol import ContainerEngine
from wiw.engine.types import ContainerInfo
from wiw.planning import LearnerLimits
from wiw.waiting import poll

OPTIONS = ClassroomOptions(
    max_learners=6,
    concurrent_spawns=3,
    limits=LearnerLimits(memory="384m", cpus=1.0, pids=256),
)
LEARNERS = 5


@dataclass
class Class:
    """The shared classroom and who is in it."""

    image: wiw.Image
    room: Classroom
    port: int
    learners: list[SimLearner] = field(default_factory=list)

    @property
    def engine(self) -> ContainerEngine:
        """The engine the class runs on."""
        return self.image.engine

    def restart(self) -> None:
        """Start the classroom again (after it was stopped or its hub died)."""
        self.room = Classroom.start(self.image, OPTIONS, port=self.port)
        self.room.wait_until_ready(timeout=120)

    def ready(self) -> Class:
        """The hub runs and every learner's server answers (started again if it was stopped)."""
        if not self.engine.container_running(self.room.names.hub):
            self.restart()
        for learner in self.learners:
            learner.join()
            learner.wait_for_lab()
        return self


@pytest.fixture(scope="module")
def shared_class(example_image: wiw.Image, run_id: str, made_images: list[str]) -> Iterator[Class]:
    """A classroom of this run's own workshop with five learners who each wrote a file.

    It is destroyed, volumes and all, at the end.
    """
    image = build_named(EXAMPLE, f"classroom-{run_id}", example_image.engine, made_images)
    port = free_port()
    state = Class(image, Classroom.start(image, OPTIONS, port=port), port)
    try:
        state.room.wait_until_ready(timeout=120)
        with ThreadPoolExecutor(max_workers=LEARNERS) as pool:
            joining = [pool.submit(join_and_write, state.room.join_url) for _ in range(LEARNERS)]
            state.learners = [future.result() for future in joining]
        yield state
    finally:
        for learner in state.learners:
            learner.close()
        cls.destroy(state.room.names.workshop, confirm=True, engine=image.engine)


@pytest.fixture
def klass(shared_class: Class) -> Class:
    """The shared classroom, running, with every learner's server answering."""
    return shared_class.ready()


def test_five_learners_each_get_their_own_server_and_files(klass: Class) -> None:
    """Five learners joined at once; each has a container and sees only their own files."""
    names = {learner.name for learner in klass.learners}
    assert len(names) == LEARNERS
    for learner in klass.learners:
        files = learner.files()
        assert f"mine-{learner.name}.txt" in files
        assert {"lesson01.ipynb", "lesson02.ipynb", "lesson03.ipynb"} <= files
        assert not {f"mine-{other}.txt" for other in names - {learner.name}} & files
    workshop = klass.room.names.workshop
    running = klass.engine.containers_labelled(f"org.wiw.workshop={workshop}")
    assert len(running) >= LEARNERS + 1  # theirs and the hub's
    # Published on loopback only, as the engine reports the binding; the join
    # URL's path is a 192-bit secret (32 URL-safe characters).
    hub = klass.engine.container_info(klass.room.names.hub)
    assert hub is not None
    assert hub.ports["8000/tcp"] == [("127.0.0.1", klass.port)]
    secret = urlsplit(klass.room.join_url).path.strip("/")
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", secret)
    # Without the join URL's secret path, the port gives nothing away.
    for path in ("", "hub/login", "hub/api", "user/", "hub/health"):
        assert httpx.get(f"http://127.0.0.1:{klass.port}/{path}", timeout=10).status_code == 404


def test_a_learner_cannot_open_another_learners_server(klass: Class) -> None:
    """One learner's cookies do not open another learner's files, even through the consent form.

    As an attacker would: open a page of the other learner's server (a page,
    not the API: only a page sends a visitor without the server's cookie
    through the hub's OAuth, where access is decided), follow every redirect,
    and where JupyterHub offers its "authorize access" form, submit it. The
    hub must refuse (403), and no file of the other learner may come back,
    from the page or from the API afterwards.
    """
    alice, bob = klass.learners[:2]
    page = alice.http.get(f"{bob.server}lab", follow_redirects=True)
    if page.status_code == HTTPStatus.OK and "oauth2/authorize" in str(page.url):
        page = submit_form(alice, page)  # the consent page: an attacker presses "Authorize"
    assert page.status_code == HTTPStatus.FORBIDDEN, (page.url, page.text[:300])
    assert "/hub/" in page.url.path  # refused by the hub, which decides access
    files = alice.http.get(f"{bob.server}api/contents/", follow_redirects=True)
    assert files.status_code == HTTPStatus.FORBIDDEN, (files.url, files.text[:300])
    assert f"mine-{bob.name}.txt" not in page.text + files.text


def submit_form(learner: SimLearner, page: httpx.Response) -> httpx.Response:
    """Post a page's first form with every field it carries (hidden ones, checkboxes)."""
    action = re.search(r'<form[^>]*action="([^"]*)"', page.text)
    fields = re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', page.text)
    target = urljoin(str(page.url), html.unescape(action.group(1))) if action else str(page.url)
    data: dict[str, list[str]] = {}
    for name, value in fields:
        data.setdefault(name, []).append(html.unescape(value))
    return learner.http.post(target, data=data, follow_redirects=True)


# Run in a learner's kernel: what the tokens in their server's environment reach.
PROBE = """
import json, os, socket, urllib.request, urllib.error
api, token = os.environ["JUPYTERHUB_API_URL"], os.environ["JUPYTERHUB_API_TOKEN"]
me = os.environ["JUPYTERHUB_USER"]
def status(path):
    request = urllib.request.Request(f"{api}{path}", headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status
    except urllib.error.HTTPError as exc:
        return exc.code
def reach(host, port):
    try:
        socket.create_connection((host, port), timeout=3).close()
        return "open"
    except OSError:
        return "closed"
hub = api.split("//")[1].split("/")[0].split(":")[0]
routes = [line.split() for line in open("/proc/net/route").read().splitlines()[1:]]
gateway = next(socket.inet_ntoa(bytes.fromhex(r[2])[::-1]) for r in routes if r[1] == "00000000")
print(json.dumps({
    "self": status(f"/users/{me}"),
    "users": status("/users"),
    "other": status("/users/OTHER"),
    "other_server": status("/users/OTHER/server"),
    "proxy_api": reach(hub, 8001),
    "engine_socket": os.path.exists("/var/run/docker.sock"),
    "engine_tcp": [reach(host, port) for host in (hub, gateway) for port in (2375, 2376)],
}))
"""


def test_a_learners_tokens_reach_nothing_beyond_their_own(klass: Class) -> None:
    """From inside a learner's server: their token sees only them; no proxy API, no engine."""
    alice, bob = klass.learners[:2]
    code = PROBE.replace("OTHER", quote(bob.name))
    found = json.loads(alice.execute(alice.start_kernel(), code))
    assert found["self"] == HTTPStatus.OK  # the probe itself works: the token is real
    assert found["users"] == HTTPStatus.FORBIDDEN
    assert found["other"] in (HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND)
    assert found["other_server"] in (HTTPStatus.FORBIDDEN, HTTPStatus.NOT_FOUND)
    assert found["proxy_api"] == "closed"
    assert found["engine_socket"] is False
    assert found["engine_tcp"] == ["closed"] * 4


def learner_containers(engine: ContainerEngine, workshop: str) -> list[ContainerInfo]:
    """The learners' containers of a workshop, as the engine reports them."""
    found = [engine.container_info(c) for c in engine.containers_labelled(
        f"org.wiw.workshop={workshop}")]  # fmt: skip
    return [i for i in found if i is not None and i.labels.get("org.wiw.role") == "learner"]


def test_an_edited_lesson_survives_a_server_restart(klass: Class) -> None:
    """A learner's edited lesson survives their server's removal, byte for byte.

    The untouched lessons are still the image's.
    """
    learner = klass.learners[4]
    lesson = learner.api("GET", "contents/lesson01.ipynb").json()
    lesson["content"]["cells"].insert(0, {
        "cell_type": "markdown", "metadata": {}, "source": f"My notes, {learner.name}",
    })  # fmt: skip
    saved = learner.api("PUT", "contents/lesson01.ipynb", json={
        "type": "notebook", "format": "json", "content": lesson["content"],
    })  # fmt: skip
    assert saved.status_code == 200, saved.text
    mine = learner.api("GET", "contents/lesson01.ipynb?content=1&format=text&type=file").json()
    learner.stop_server()
    poll(lambda: not any(s.env.get("JUPYTERHUB_USER") == learner.name
                         for s in learner_containers(klass.engine, klass.room.names.workshop))
         or None, timeout=60, what="the learner's container to go")  # fmt: skip
    learner.rejoin()
    again = learner.api("GET", "contents/lesson01.ipynb?content=1&format=text&type=file").json()
    assert again["content"] == mine["content"]
    assert f"My notes, {learner.name}" in again["content"]
    image_copy = (EXAMPLE / "lesson02.ipynb").read_text()
    lesson02 = learner.api("GET", "contents/lesson02.ipynb?content=1&format=text&type=file")
    assert lesson02.json()["content"] == image_copy


def test_learner_containers_are_confined(klass: Class) -> None:
    """Non-root, limited, no new privileges, no capabilities and never the engine's socket."""
    workshop = klass.room.names.workshop
    learners = klass.engine.containers_labelled(f"org.wiw.workshop={workshop}")
    checked = 0
    for cid in learners:
        info = klass.engine.container_info(cid)
        assert info is not None
        if info.labels.get("org.wiw.role") != "learner":
            continue
        checked += 1
        assert info.user not in ("", "0", "root")
        assert not info.user.startswith("0:")
        assert info.memory == 384 * 2**20
        assert info.pids_limit == 256
        assert info.cpu_quota == 100_000
        assert any("no-new-privileges" in opt for opt in info.security_opt)
        assert "ALL" in info.cap_drop
        assert not [m for m in info.mounts if "docker.sock" in m.source]
    assert checked >= LEARNERS


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
    join_url = klass.room.join_url
    klass.engine.container_kill(klass.room.names.hub)
    klass.restart()
    assert klass.room.join_url == join_url
    for learner in klass.learners:
        learner.wait_for_lab()
        assert f"mine-{learner.name}.txt" in learner.files()


def test_a_flood_past_the_cap_gets_429_while_the_hub_answers(klass: Class) -> None:
    """Learners past max_learners get HTTP 429 ("full, try again"); /hub/health keeps answering."""
    latecomers = [SimLearner(klass.room.join_url) for _ in range(4)]
    try:
        with ThreadPoolExecutor(max_workers=5) as pool:
            joins = [pool.submit(learner.join) for learner in latecomers]
            health = pool.submit(httpx.get, f"{klass.room.join_url}hub/health", timeout=30)
            statuses = [future.result().status_code for future in joins]
            assert health.result().status_code == 200
        assert statuses.count(429) >= 3, statuses  # 5 run already: one more fits the cap of 6
        assert all(status in (200, 429) for status in statuses), statuses
        full = next(f.result() for f in joins if f.result().status_code == 429)
        assert "limit" in full.text.lower() or "try again" in full.text.lower()
    finally:
        for learner in latecomers:
            learner.close()
    running = [r for r in klass.room.learners() if r.running]
    assert len(running) <= OPTIONS.max_learners


def test_learners_lists_who_is_active(klass: Class) -> None:
    """The instructor sees every learner who joined and whose server runs."""
    seen = {learner.name: learner for learner in klass.room.learners()}
    for learner in klass.learners:
        assert seen[learner.name].running
        assert seen[learner.name].last_activity


def test_cli_status_and_destroy_refusal(klass: Class, capsys: pytest.CaptureFixture[str]) -> None:
    """'wiw status' lists the learners of a running class; 'wiw destroy' without --yes refuses."""
    workshop = klass.room.names.workshop
    assert main(["status", workshop]) == 0
    printed = capsys.readouterr().out
    assert all(learner.name[:8] in printed for learner in klass.learners)
    assert main(["destroy", workshop]) == 2
    assert "--yes" in capsys.readouterr().err
    assert len(cls.learner_volumes(workshop, engine=klass.engine)) >= LEARNERS


def test_collect_work_then_down_and_up_keeps_files(klass: Class, tmp_path: Path) -> None:
    """collect_work gets every learner's files; stopping and starting again keeps them."""
    folders = klass.room.collect_work(tmp_path / "work")
    for learner in klass.learners:
        mine = [f / f"mine-{learner.name}.txt" for f in folders]
        assert [p.read_text() for p in mine if p.exists()] == [learner.name]
    klass.room.stop()
    assert not klass.engine.containers_labelled(f"org.wiw.workshop={klass.room.names.workshop}")
    assert len(cls.learner_volumes(klass.room.names.workshop, engine=klass.engine)) >= LEARNERS
    with pytest.raises(wiw.InvalidOption):
        cls.destroy(klass.room.names.workshop, confirm=False, engine=klass.engine)
    klass.restart()
    learner = klass.learners[3]
    learner.join()
    learner.wait_for_lab()
    assert f"mine-{learner.name}.txt" in learner.files()


def test_idle_servers_are_culled_and_keep_their_files(
    example_image: wiw.Image, run_id: str, made_images: list[str]
) -> None:
    """A learner idle past cull_after loses their server, not their volume."""
    image = build_named(EXAMPLE, f"cull-{run_id}", example_image.engine, made_images)
    room = Classroom.start(image, ClassroomOptions(cull_after=10, max_learners=2))
    learner = SimLearner(room.wait_until_ready(timeout=120))
    try:
        learner.join()
        learner.wait_for_lab()
        assert learner.execute(learner.start_kernel(), "open('kept.txt', 'w'); print(1)") == "1\n"
        # The default limits, as applied to the learner's container.
        (server,) = learner_containers(image.engine, room.names.workshop)
        defaults = wiw.LearnerLimits()
        assert server.memory == defaults.memory_bytes == 2**30
        assert server.pids_limit == defaults.pids == 512
        assert server.cpu_quota == 100_000  # one CPU
        poll(
            lambda: not any(r.running or r.pending for r in room.learners()) or None,
            timeout=90, interval=1, what="the idle server to be culled",
        )  # fmt: skip
        assert cls.learner_volumes(room.names.workshop, engine=image.engine)
        learner.join()  # scanning the code again starts their server anew
        learner.wait_for_lab()
        assert "kept.txt" in learner.files()
    finally:
        learner.close()
        room.destroy(confirm=True)


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
    image = build_named(EXAMPLE, f"password-{run_id}", example_image.engine, made_images)
    options = ClassroomOptions(auth="shared-password", password="open sesame 42", max_learners=2)
    room = Classroom.start(image, options)
    devices: list[SimLearner] = []
    try:
        join_url = room.wait_until_ready(timeout=120)
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
        # Neither the password nor the join secret is in the image or the hub's environment.
        secret = join_url.rstrip("/").rsplit("/", 1)[1]
        engine = image.engine
        hub = engine.container_info(room.names.hub)
        assert hub is not None
        image_info = engine.image_info(image.ref)
        assert image_info is not None
        texts = [engine.image_history(image.ref), repr(image_info.labels), repr(hub.env)]
        for text in texts:
            assert "open sesame 42" not in text
            assert secret not in text
    finally:
        for device in devices:
            device.close()
        room.destroy(confirm=True)


def test_the_classroom_commands_as_an_instructor_runs_them(
    example_image: wiw.Image,
    run_id: str,
    made_images: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Wiw up --detach, status, collect, down, up again, destroy --yes: as a user would."""
    image = build_named(EXAMPLE, f"cli-{run_id}", example_image.engine, made_images)
    workshop = image.workshop
    assert main(["up", image.ref, "--detach", "--max-learners", "3", "--qr",
                 str(tmp_path / "join.png")]) == 0  # fmt: skip
    printed = capsys.readouterr().out
    url = re.search(r"Workshop URL: (\S+)", printed)
    assert url is not None, printed
    learner = SimLearner(url[1])
    try:
        learner.join()
        learner.wait_for_lab()
        content = f"{learner.name}'s answer: 42\n"
        code = f"open('answer.txt', 'w').write({content!r}); print('ok')"
        assert learner.execute(learner.start_kernel(), code) == "ok\n"
        assert main(["status", workshop]) == 0
        assert learner.name in capsys.readouterr().out
        dest = tmp_path / "work"
        assert main(["collect", workshop, str(dest)]) == 0
        assert "collected the work of 1 learner(s)" in capsys.readouterr().out
        assert [p.name for p in dest.iterdir()] == [learner.name]
        assert (dest / learner.name / "answer.txt").read_text() == content
        assert (dest / learner.name / "lesson01.ipynb").is_file()
        assert main(["down", workshop]) == 0
        assert not image.engine.containers_labelled(f"org.wiw.workshop={workshop}")
        assert main(["up", image.ref, "--detach", "--max-learners", "3"]) == 0
        assert f"Workshop URL: {url[1]}" in capsys.readouterr().out  # the same URL
    finally:
        learner.close()
        assert main(["destroy", workshop, "--yes"]) == 0
    assert not image.engine.containers_labelled(f"org.wiw.workshop={workshop}")
    assert not image.engine.volumes_labelled(f"org.wiw.workshop={workshop}")
