"""The simulated learner of the tests and the benchmarks, against a made-up hub on 127.0.0.1.

The hub is a small tornado application that answers as JupyterHub and a
learner's Jupyter server do, just enough for a learner to join, wait for their
server, list their files, start a kernel, run cells and stop their server. The
same learner drives the integration tests (``SimLearner``) and the benchmarks'
simulated class (``benchmarks/loadgen.py``).
"""

from __future__ import annotations

import asyncio
import importlib
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from tornado import httpserver, netutil, web, websocket

from tests.support.learners import KernelDied, Learner, SimLearner

SECRET = "/s3cret/"
HUB_XSRF, LAB_XSRF = "hub-xsrf", "lab-xsrf"
ASSET = b"x" * 1000
BENCHMARKS = Path(__file__).parents[2] / "benchmarks"


class Hub:
    """What the made-up hub knows: who joined, whose server answered, how many may join."""

    def __init__(self, seats: int) -> None:
        self.seats = seats
        self.learners: list[str] = []
        self.started: set[str] = set()
        self.stopped: list[str] = []


class Base(web.RequestHandler):
    """A handler of the made-up hub, checking the learner's session cookie where needed."""

    def initialize(self, hub: Hub) -> None:
        """Handlers share the hub's state."""
        self.hub = hub

    def check_xsrf_cookie(self) -> None:
        """The XSRF checks are the handlers' own, below."""

    def signed_in(self, name: str) -> None:
        """Refuse a request without ``name``'s session cookie."""
        if self.get_cookie("session") != name:
            raise web.HTTPError(403)

    def xsrf_header(self, expected: str) -> None:
        """Refuse a request without the expected XSRF header."""
        if self.request.headers.get("X-XSRFToken") != expected:
            raise web.HTTPError(403)


class Join(Base):
    """The join URL, the join page and its form."""

    def get(self) -> None:
        """The join URL leads to the join page; both set the hub's XSRF cookie."""
        self.set_cookie("_xsrf", HUB_XSRF, path=f"{SECRET}hub/")
        if self.request.path == SECRET:
            self.redirect(f"{SECRET}hub/join")
        else:
            self.write("<form>name</form>")

    def post(self) -> None:
        """Seat the learner under the name given, or one picked, unless the class is full."""
        if self.get_body_argument("_xsrf") != HUB_XSRF:
            raise web.HTTPError(403)
        if len(self.hub.learners) >= self.hub.seats:
            raise web.HTTPError(429)
        name = self.get_body_argument("name") or f"learner-{len(self.hub.learners) + 1}"
        self.hub.learners.append(name)
        self.set_cookie("session", name, path=SECRET)
        self.redirect(f"{SECRET}user/{name}/lab")


class Lab(Base):
    """A learner's JupyterLab page: 503 on the first request, while the server starts."""

    def get(self, name: str) -> None:
        """The page, once the server has started."""
        self.signed_in(name)
        if name not in self.hub.started:
            self.hub.started.add(name)
            raise web.HTTPError(503)
        self.set_cookie("_xsrf", LAB_XSRF, path=f"{SECRET}user/{name}/")
        self.write("<html>JupyterLab</html>")


class Contents(Base):
    """The top of a learner's home."""

    def get(self, name: str) -> None:
        """Two names."""
        self.signed_in(name)
        self.write({"content": [{"name": "lesson01.ipynb"}, {"name": "data"}]})


class Kernels(Base):
    """Starting a kernel, XSRF header required."""

    def post(self, name: str) -> None:
        """Kernel k1."""
        self.signed_in(name)
        self.xsrf_header(LAB_XSRF)
        self.set_status(201)
        self.write({"id": "k1", "name": json.loads(self.request.body)["name"]})


class Asset(Base):
    """One of the page's static files."""

    def get(self, name: str, path: str) -> None:
        """A thousand bytes."""
        self.signed_in(name)
        self.write(ASSET)


class Home(Base):
    """The hub's home page, which sets the hub's XSRF cookie."""

    def get(self) -> None:
        """The page, with the cookie."""
        self.set_cookie("_xsrf", HUB_XSRF, path=f"{SECRET}hub/")
        self.write("home")


class Server(Base):
    """Stopping one's own server through the hub's API."""

    def delete(self, name: str) -> None:
        """Note the server stopped."""
        self.signed_in(name)
        self.xsrf_header(HUB_XSRF)
        self.hub.stopped.append(name)
        self.set_status(204)


class Channels(websocket.WebSocketHandler):
    """A kernel: 'die' restarts it, '1/0' fails, anything else prints 'ran <code>'."""

    def initialize(self, hub: Hub) -> None:
        """The kernel shares the hub's state."""
        self.hub = hub

    def send(self, kind: str, content: dict[str, Any], parent: str | None) -> None:
        """One message of the Jupyter protocol, in reply to ``parent`` (or to none)."""
        header = {"msg_id": parent} if parent else {}
        self.write_message(json.dumps({"msg_type": kind, "content": content,
                                       "parent_header": header}))  # fmt: skip

    def on_message(self, message: str | bytes) -> None:
        """Run an execute_request: another's output first, then busy, the cell, idle."""
        request = json.loads(message)
        code, parent = request["content"]["code"], request["header"]["msg_id"]
        self.send("stream", {"name": "stdout", "text": "someone else's\n"}, "another")
        self.send("status", {"execution_state": "busy"}, parent)
        if code == "die":
            self.send("status", {"execution_state": "restarting"}, None)
            return
        if code == "1/0":
            self.send("error", {"ename": "ZeroDivisionError", "evalue": "division by zero"},
                      parent)  # fmt: skip
        else:
            self.send("stream", {"name": "stdout", "text": f"ran {code}\n"}, parent)
        self.send("status", {"execution_state": "idle"}, parent)


class Served:
    """The made-up hub, served on 127.0.0.1 by a loop on a thread of its own."""

    def __init__(self, seats: int) -> None:
        self.hub = Hub(seats)
        self.loop = asyncio.new_event_loop()
        sockets = netutil.bind_sockets(0, "127.0.0.1")
        self.join_url = f"http://127.0.0.1:{sockets[0].getsockname()[1]}{SECRET}"
        user = f"{SECRET}user/([^/]+)/"
        routes: list[Any] = [
            (f"{SECRET}(?:hub/join)?", Join), (f"{user}lab", Lab),
            (f"{user}api/contents/", Contents), (f"{user}api/kernels", Kernels),
            (f"{user}api/kernels/k1/channels", Channels), (f"{user}(static/.*)", Asset),
            (f"{SECRET}hub/home", Home), (f"{SECRET}hub/api/users/([^/]+)/server", Server),
        ]  # fmt: skip
        app = web.Application([(path, handler, {"hub": self.hub}) for path, handler in routes])

        async def start() -> httpserver.HTTPServer:
            server = httpserver.HTTPServer(app)
            server.add_sockets(sockets)
            return server

        self.server = self.loop.run_until_complete(start())
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Stop the server and its loop."""

        async def stop() -> None:
            self.server.stop()
            await self.server.close_all_connections()

        asyncio.run_coroutine_threadsafe(stop(), self.loop).result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@pytest.fixture
def served() -> Iterator[Served]:
    """A made-up hub with two seats."""
    hub = Served(seats=2)
    try:
        yield hub
    finally:
        hub.close()


def test_a_learner_joins_waits_runs_cells_and_stops_their_server(served: Served) -> None:
    """Joining without a name gives the hub's; the lab, files, kernel and cells follow."""
    learner = SimLearner(served.join_url)
    try:
        learner.join()
        assert learner.name == "learner-1"
        assert learner.server == f"{served.join_url}user/learner-1/"
        assert learner.wait_for_lab(timeout=10).status_code == 200
        assert learner.files() == {"lesson01.ipynb", "data"}
        kernel = learner.start_kernel()
        assert learner.execute(kernel, "print('hi')") == "ran print('hi')\n"
        assert learner.execute(kernel, "1/0") == "ZeroDivisionError: division by zero"
        learner.stop_server()
        assert served.hub.stopped == ["learner-1"]
    finally:
        learner.close()


def test_the_learners_own_requests_carry_the_same_cookies(served: Served) -> None:
    """What a test sends through ``http`` is signed in as the learner, and the other way round."""
    learner = SimLearner(served.join_url)
    try:
        learner.join("Ada")
        assert learner.name == "Ada"
        assert learner.http.get(f"{learner.server}api/contents/").status_code == 200
    finally:
        learner.close()
    grace = SimLearner(served.join_url)
    try:
        page = grace.http.get(served.join_url)  # the join form, filled in by the test itself
        grace.http.post(str(page.url), data={"name": "Grace", "_xsrf": HUB_XSRF})
        grace.name = "Grace"
        grace.wait_for_lab(timeout=10)
        assert grace.files() == {"lesson01.ipynb", "data"}
    finally:
        grace.close()


def test_a_kernel_restarting_mid_cell_is_kernel_died(served: Served) -> None:
    """The kernel restarting while a cell runs raises KernelDied through the plain learner."""
    learner = SimLearner(served.join_url)
    try:
        learner.join()
        learner.wait_for_lab(timeout=10)
        with pytest.raises(KernelDied, match="restarting"):
            learner.execute(learner.start_kernel(), "die")
    finally:
        learner.close()


def test_the_asynchronous_learner_can_raise_a_cells_error(served: Served) -> None:
    """With raise_on_error a failing cell is a RuntimeError naming the exception."""

    async def run() -> None:
        learner = Learner(served.join_url)
        try:
            await learner.join()
            await learner.wait_for_lab(timeout=10)
            kernel = await learner.start_kernel()
            with pytest.raises(RuntimeError, match=r"^ZeroDivisionError: division by zero$"):
                await learner.execute(kernel, "1/0", raise_on_error=True)
            assert await learner.load_page(["static/a.js", "static/b.js"]) == 2 * len(ASSET)
        finally:
            await learner.close()

    asyncio.run(run())


def test_the_benchmarks_simulated_class_uses_the_same_learner(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    """benchmarks/loadgen.py sends a class of these learners: seated ones finish, one is full."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    loadgen: Any = importlib.import_module("loadgen")
    assert loadgen.Learner is Learner
    outcomes = asyncio.run(
        loadgen.simulate(served.join_url, learners=3, window=0.2, seed=1, lesson_code="x = 1",
                         assets=["static/a.js"], timeout=30)
    )  # fmt: skip
    summary = loadgen.summarise(outcomes)
    assert (summary["ok"], summary["full_429"], summary["errors"]) == (2, 1, 0)
    assert set(summary["phases"]) == set(loadgen.PHASES)
    assert summary["page_bytes_mean"] == len(ASSET)
