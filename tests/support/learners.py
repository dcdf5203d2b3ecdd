"""A simulated learner: a browser's cookie jar, JupyterLab's REST API and a kernel websocket.

One implementation, used by the integration tests and by the benchmarks'
simulated class (``benchmarks/loadgen.py``):

- :class:`Learner` is the learner itself, asynchronous, so that a benchmark
  can send a whole class at once on one event loop;
- :class:`SimLearner` is the same learner for tests written as plain
  functions: each call runs the learner's coroutine on one event loop of its
  own thread (so it works beside another running loop, e.g. Playwright's), and
  ``http`` is a synchronous client sharing the learner's cookie jar.

Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from typing import Any, TypeVar
from urllib.parse import quote, unquote, urlsplit

import httpx
from websockets.asyncio.client import connect

from wiw.waiting import Deadline, WaitTimeout

__all__ = [
    "KernelDied",
    "Learner",
    "SimLearner",
    "collect_output",
    "execute_request",
    "join_and_write",
]

T = TypeVar("T")


class KernelDied(RuntimeError):
    """The kernel died (or was restarted) while running the cell."""


class Learner:
    """One learner with their own cookie jar, joining through the join URL (asynchronous).

    Args:
        join_url: The classroom's join URL, as its QR code says.
        verify: Whether (or with which context) to check the hub's certificate.
        headers: Headers sent with every request (e.g. the Accept-Encoding a browser sends).
    """

    def __init__(
        self,
        join_url: str,
        *,
        verify: ssl.SSLContext | bool = True,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self.join_url = join_url
        parts = urlsplit(join_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.base_path = parts.path  # /SECRET/
        self.verify = verify
        self.http = httpx.AsyncClient(
            follow_redirects=True, timeout=60, verify=verify, headers=headers
        )
        self.name = ""
        self.fetched = 0  # bytes of the page's assets received, as sent (compressed or not)

    async def close(self) -> None:
        """Forget the browser."""
        await self.http.aclose()

    @property
    def server(self) -> str:
        """This learner's server URL."""
        return f"{self.origin}{self.base_path}user/{quote(self.name)}/"

    async def join(self, name: str = "") -> httpx.Response:
        """Open the join URL as a scan of the QR code would; remember who we became.

        When the hub asks for a name, ``name`` is given (empty: the hub picks one).
        """
        response = await self.http.get(self.join_url)
        if response.url.path.endswith("/hub/join"):
            response = await self.claim(str(response.url), name)
        self._note_name(response)
        return response

    async def claim(self, page: str, name: str) -> httpx.Response:
        """Send the join page's form with ``name``."""
        return await self.http.post(page, data={"name": name, **self._xsrf_field(page)})

    def _xsrf_field(self, url: str) -> dict[str, str]:
        return {"_xsrf": self._xsrf(url)["X-XSRFToken"]}

    def _note_name(self, response: httpx.Response) -> None:
        path = response.url.path
        for marker in ("/user/", "/spawn-pending/"):
            if marker in path:
                self.name = unquote(path.split(marker, 1)[1].split("/", 1)[0])

    def _xsrf(self, url: str | None = None) -> dict[str, str]:
        """The XSRF header for this learner's server, or for ``url`` (the hub has its own)."""
        path = urlsplit(url or self.server).path
        token = next(
            (
                c.value
                for c in self.http.cookies.jar
                if c.name == "_xsrf" and path.startswith(c.path)
            ),
            "",
        )
        return {"X-XSRFToken": token or ""}

    async def wait_for_lab(self, timeout: float = 120) -> httpx.Response:
        """Poll until this learner's JupyterLab page answers 200 (bounded)."""

        async def ready() -> httpx.Response | None:
            response = await self.http.get(f"{self.server}lab")
            return (
                response if response.status_code == 200 and "/user/" in response.url.path else None
            )

        return await poll(ready, timeout=timeout, interval=0.5, what=f"{self.name}'s JupyterLab")

    async def load_page(self, assets: list[str]) -> int:
        """Fetch what a browser fetches on JupyterLab's first load, a few at a time.

        Returns:
            The bytes received so far for the page, as sent (compressed or not).
        """
        limit = asyncio.Semaphore(6)  # a browser's connections per host

        async def fetch(path: str) -> None:
            async with limit, self.http.stream("GET", f"{self.server}{path}") as response:
                async for chunk in response.aiter_raw():
                    self.fetched += len(chunk)

        await asyncio.gather(*(fetch(path) for path in assets))
        return self.fetched

    async def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Call this learner's Jupyter server REST API with their cookies."""
        return await self.http.request(
            method, f"{self.server}api/{path}", headers=self._xsrf(), **kwargs
        )

    async def get(self, path: str) -> httpx.Response:
        """GET a path of this learner's server (``lab/api/settings/…``) with their cookies."""
        return await self.http.get(f"{self.server}{path}", headers=self._xsrf())

    async def stop_server(self) -> None:
        """Stop this learner's own server through the hub, as its control panel does."""
        url = f"{self.origin}{self.base_path}hub/api/users/{quote(self.name)}/server"
        await self.http.get(f"{self.origin}{self.base_path}hub/home")  # sets the hub's XSRF cookie
        response = await self.http.delete(url, headers=self._xsrf(url))
        assert response.status_code in (202, 204), response.text

    async def rejoin(self, timeout: float = 120) -> None:
        """Scan the code again until this learner's JupyterLab answers (bounded)."""

        async def landed() -> bool | None:
            response = await self.join()
            return (response.status_code == 200 and "/lab" in response.url.path) or None

        await poll(
            landed, timeout=timeout, interval=1, what=f"{self.name}'s server to start again"
        )

    async def files(self) -> set[str]:
        """Names at the top of this learner's home."""
        response = await self.api("GET", "contents/")
        response.raise_for_status()
        return {item["name"] for item in response.json()["content"]}

    async def start_kernel(self, name: str = "python3") -> str:
        """Start a kernel (by default Python's) and return its id."""
        response = await self.api("POST", "kernels", json={"name": name})
        response.raise_for_status()
        return str(response.json()["id"])

    async def execute(
        self, kernel: str, code: str, timeout: float = 60, *, raise_on_error: bool = False
    ) -> str:
        """Run ``code`` in ``kernel`` over the websocket; return its stdout.

        An error in the cell is returned as ``"ename: evalue"`` after the output,
        or raised as a RuntimeError with ``raise_on_error``.
        """
        url = f"{self.server}api/kernels/{kernel}/channels".replace("http", "ws", 1)
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies.jar)
        headers = {"Cookie": cookies, "Origin": self.origin}
        msg_id = uuid.uuid4().hex
        context = self.verify if isinstance(self.verify, ssl.SSLContext) else None
        secure = context if url.startswith("wss:") else None
        async with connect(url, additional_headers=headers, open_timeout=30, ssl=secure) as ws:
            await ws.send(json.dumps(execute_request(code, msg_id)))
            deadline = time.monotonic() + timeout
            return await collect_output(ws, msg_id, deadline, raise_on_error=raise_on_error)


async def poll(
    check: Callable[[], Awaitable[T | None]], *, timeout: float, what: str, interval: float
) -> T:
    """``wiw.waiting.poll`` for a coroutine: await ``check`` until it is not None (bounded)."""
    deadline = Deadline(timeout)
    while True:
        found = await check()
        if found is not None:
            return found
        if deadline.passed:
            raise WaitTimeout(what, timeout)
        await asyncio.sleep(min(interval, deadline.remaining))


def execute_request(code: str, msg_id: str) -> dict[str, Any]:
    """A Jupyter messaging protocol execute_request, as JupyterLab sends it."""
    return {
        "header": {
            "msg_id": msg_id,
            "username": "learner",
            "session": uuid.uuid4().hex,
            "msg_type": "execute_request",
            "version": "5.3",
        },
        "parent_header": {},
        "metadata": {},
        "content": {"code": code, "silent": False, "store_history": True, "allow_stdin": False},
        "channel": "shell",
        "buffers": [],
    }


async def collect_output(
    ws: Any, msg_id: str, deadline: float, *, raise_on_error: bool = False
) -> str:
    """Gather stdout and errors for ``msg_id`` until the kernel is idle again.

    Raises:
        KernelDied: The kernel restarted or died meanwhile.
        RuntimeError: The cell failed, with ``raise_on_error``.
        TimeoutError: No reply before ``deadline`` (monotonic seconds).
    """
    out: list[str] = []
    while (remaining := deadline - time.monotonic()) > 0:
        msg = json.loads(await asyncio.wait_for(ws.recv(), max(0.1, remaining)))
        kind, content = msg["msg_type"], msg["content"]
        if kind == "status" and content.get("execution_state") in ("restarting", "dead"):
            raise KernelDied(content["execution_state"])
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        if kind == "stream":
            out.append(content["text"])
        elif kind == "error":
            failure = f"{content['ename']}: {content['evalue']}"
            if raise_on_error:
                raise RuntimeError(failure)
            out.append(failure)
        elif kind == "status" and content["execution_state"] == "idle":
            return "".join(out)
    raise TimeoutError("no reply from the kernel")


class _Loop:
    """One event loop on a daemon thread, where every SimLearner's calls run."""

    _lock = threading.Lock()
    _loop: asyncio.AbstractEventLoop | None = None

    @classmethod
    def run(cls, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` there and wait for its result (or its exception)."""
        with cls._lock:
            if cls._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="learners", daemon=True)
                thread.start()
                cls._loop = loop
        return asyncio.run_coroutine_threadsafe(coro, cls._loop).result()


class SimLearner:
    """One learner with their own cookie jar, joining through the join URL.

    The synchronous face of :class:`Learner`: the same methods, called plainly.
    ``http`` is a synchronous client sharing the learner's cookies, for
    requests a test makes itself.
    """

    def __init__(self, join_url: str, *, verify: ssl.SSLContext | bool = True) -> None:
        self.learner = Learner(join_url, verify=verify)
        self.http = httpx.Client(
            follow_redirects=True, timeout=60, verify=verify, cookies=self.learner.http.cookies.jar
        )

    @property
    def join_url(self) -> str:
        """The join URL this learner scans."""
        return self.learner.join_url

    @property
    def origin(self) -> str:
        """Scheme, host and port of the hub."""
        return self.learner.origin

    @property
    def base_path(self) -> str:
        """The join URL's path: the classroom's secret prefix."""
        return self.learner.base_path

    @property
    def verify(self) -> ssl.SSLContext | bool:
        """How the hub's certificate is checked."""
        return self.learner.verify

    @property
    def name(self) -> str:
        """Who this learner became on joining (empty before)."""
        return self.learner.name

    @name.setter
    def name(self, name: str) -> None:
        self.learner.name = name

    @property
    def server(self) -> str:
        """This learner's server URL."""
        return self.learner.server

    def close(self) -> None:
        """Forget the browser."""
        self.http.close()
        _Loop.run(self.learner.close())

    def join(self, name: str = "") -> httpx.Response:
        """Open the join URL as a scan of the QR code would; remember who we became.

        When the hub asks for a name, ``name`` is given (empty: the hub picks one).
        """
        return _Loop.run(self.learner.join(name))

    def claim(self, page: str, name: str) -> httpx.Response:
        """Send the join page's form with ``name``."""
        return _Loop.run(self.learner.claim(page, name))

    def wait_for_lab(self, timeout: float = 120) -> httpx.Response:
        """Poll until this learner's JupyterLab page answers 200 (bounded)."""
        return _Loop.run(self.learner.wait_for_lab(timeout))

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Call this learner's Jupyter server REST API with their cookies."""
        return _Loop.run(self.learner.api(method, path, **kwargs))

    def get(self, path: str) -> httpx.Response:
        """GET a path of this learner's server (``lab/api/settings/…``) with their cookies."""
        return _Loop.run(self.learner.get(path))

    def stop_server(self) -> None:
        """Stop this learner's own server through the hub, as its control panel does."""
        _Loop.run(self.learner.stop_server())

    def rejoin(self, timeout: float = 120) -> None:
        """Scan the code again until this learner's JupyterLab answers (bounded)."""
        _Loop.run(self.learner.rejoin(timeout))

    def files(self) -> set[str]:
        """Names at the top of this learner's home."""
        return _Loop.run(self.learner.files())

    def start_kernel(self, name: str = "python3") -> str:
        """Start a kernel (by default Python's) and return its id."""
        return _Loop.run(self.learner.start_kernel(name))

    def execute(self, kernel: str, code: str, timeout: float = 60) -> str:
        """Run ``code`` in ``kernel`` over the websocket; return its stdout (or the error)."""
        return _Loop.run(self.learner.execute(kernel, code, timeout))


def join_and_write(join_url: str, name: str = "") -> SimLearner:
    """Join (under ``name``, or one picked), and write a file of one's own from a kernel."""
    learner = SimLearner(join_url)
    learner.join(name)
    learner.wait_for_lab()
    code = f"open('mine-{learner.name}.txt', 'w').write('{learner.name}'); print('written')"
    assert learner.execute(learner.start_kernel(), code) == "written\n"
    return learner
