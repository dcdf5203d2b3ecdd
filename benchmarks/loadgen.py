"""A simulated class: learners arriving at a classroom hub, as browsers would.

Each learner has their own cookie jar (an ``httpx.AsyncClient`` that accepts
gzip, as Chromium does over HTTP), opens the join URL, gives a name, waits for
their server, fetches what a browser fetches on JupyterLab's first load (the
list ``browser.py`` recorded with Chromium), starts a kernel, runs a cell over
the kernel websocket, then runs the first code cell of a real lesson. Every
wait is bounded; all traffic goes to the hub on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from websockets.asyncio.client import connect

PHASES = ("join", "server", "page", "kernel", "first_output", "lesson_cell")
ACCEPT = {"Accept-Encoding": "gzip, deflate"}  # what Chromium sends over plain HTTP


@dataclass
class Outcome:
    """What happened to one simulated learner (seconds since their arrival)."""

    arrival: float
    phases: dict[str, float] = field(default_factory=dict)
    status: str = "pending"  # ok | full (429) | error
    error: str = ""
    name: str = ""
    bytes: int = 0  # what the page's assets weighed on the wire


class Learner:
    """One simulated learner."""

    def __init__(self, join_url: str, timeout: float) -> None:
        self.join_url = join_url
        parts = urlsplit(join_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.base = parts.path
        self.timeout = timeout
        self.http = httpx.AsyncClient(follow_redirects=True, timeout=60, headers=ACCEPT)
        self.name = ""
        self.fetched = 0  # bytes received for the page, as sent (compressed or not)

    @property
    def server(self) -> str:
        """This learner's server URL."""
        return f"{self.origin}{self.base}user/{self.name}/"

    async def join(self) -> int:
        """Open the join URL, give no name (one is picked); return the final HTTP status."""
        response = await self.http.get(self.join_url)
        if response.url.path.endswith("/hub/join"):
            xsrf = next((c.value for c in self.http.cookies.jar if c.name == "_xsrf"), "")
            response = await self.http.post(str(response.url), data={"name": "", "_xsrf": xsrf})
        for marker in ("/user/", "/spawn-pending/"):
            if marker in response.url.path:
                self.name = response.url.path.split(marker, 1)[1].split("/", 1)[0]
        return response.status_code

    async def load_page(self, assets: list[str]) -> None:
        """Fetch what a browser fetches on JupyterLab's first load, a few at a time."""
        limit = asyncio.Semaphore(6)  # a browser's connections per host

        async def fetch(path: str) -> None:
            async with limit, self.http.stream("GET", f"{self.server}{path}") as response:
                async for chunk in response.aiter_raw():
                    self.fetched += len(chunk)

        await asyncio.gather(*(fetch(path) for path in assets))

    async def wait_for_server(self, deadline: float) -> None:
        """Poll the learner's lab until it answers (bounded by ``deadline``)."""
        while True:
            response = await self.http.get(f"{self.server}lab")
            if response.status_code == 200 and "/user/" in response.url.path:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"server not ready ({response.status_code})")
            await asyncio.sleep(0.5)  # polling interval within a bounded wait

    def _xsrf(self) -> dict[str, str]:
        path = urlsplit(self.server).path
        for cookie in self.http.cookies.jar:
            if cookie.name == "_xsrf" and path.startswith(cookie.path):
                return {"X-XSRFToken": cookie.value or ""}
        return {}

    async def start_kernel(self) -> str:
        """Start a kernel; return its id."""
        response = await self.http.post(
            f"{self.server}api/kernels", json={"name": "python3"}, headers=self._xsrf()
        )
        response.raise_for_status()
        return str(response.json()["id"])

    async def execute(self, kernel: str, code: str, deadline: float) -> str:
        """Run code over the kernel websocket; return stdout."""
        url = f"{self.server}api/kernels/{kernel}/channels".replace("http", "ws", 1)
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies.jar)
        headers = {"Cookie": cookies, "Origin": self.origin}
        msg_id = uuid.uuid4().hex
        async with connect(url, additional_headers=headers, open_timeout=30) as ws:
            await ws.send(json.dumps(execute_request(code, msg_id)))
            return await output(ws, msg_id, deadline)

    async def close(self) -> None:
        """Close the browser."""
        await self.http.aclose()


def execute_request(code: str, msg_id: str) -> dict[str, Any]:
    """The Jupyter message that runs ``code``, as JupyterLab sends it."""
    header = {"msg_id": msg_id, "username": "learner", "session": uuid.uuid4().hex,
              "msg_type": "execute_request", "version": "5.3"}  # fmt: skip
    content = {"code": code, "silent": False, "store_history": True, "allow_stdin": False}
    return {"header": header, "parent_header": {}, "metadata": {}, "content": content,
            "channel": "shell", "buffers": []}  # fmt: skip


async def output(ws: Any, msg_id: str, deadline: float) -> str:
    """Collect the stdout of request ``msg_id`` until the kernel is idle again."""
    out: list[str] = []
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no reply from the kernel")
        msg = json.loads(await asyncio.wait_for(ws.recv(), remaining))
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])
        elif msg["msg_type"] == "error":
            raise RuntimeError(f"{msg['content']['ename']}: {msg['content']['evalue']}")
        elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return "".join(out)


async def _one(
    join_url: str, outcome: Outcome, work: tuple[str, list[str]], timeout: float
) -> None:
    lesson_code, assets = work
    await asyncio.sleep(outcome.arrival)
    start = time.monotonic()
    deadline = start + timeout
    learner = Learner(join_url, timeout)

    def mark(phase: str) -> None:
        outcome.phases[phase] = round(time.monotonic() - start, 3)

    try:
        status = await learner.join()
        mark("join")
        if status == 429:
            outcome.status = "full"
            return
        outcome.name = learner.name
        await learner.wait_for_server(deadline)
        mark("server")
        await learner.load_page(assets)
        mark("page")
        outcome.bytes = learner.fetched
        kernel = await learner.start_kernel()
        mark("kernel")
        await learner.execute(kernel, "print('hello')", deadline)
        mark("first_output")
        await learner.execute(kernel, lesson_code, deadline)
        mark("lesson_cell")
        outcome.status = "ok"
    except Exception as exc:
        outcome.status, outcome.error = "error", f"{type(exc).__name__}: {exc}"[:300]
    finally:
        await learner.close()


async def simulate(
    join_url: str,
    *,
    learners: int,
    window: float,
    seed: int,
    lesson_code: str,
    assets: list[str],
    timeout: float,
) -> list[Outcome]:
    """Send ``learners`` learners, arriving at seeded random times over ``window`` seconds."""
    rng = random.Random(seed)
    outcomes = [Outcome(arrival=round(rng.uniform(0, window), 3)) for _ in range(learners)]
    work = (lesson_code, assets)
    await asyncio.gather(*(_one(join_url, o, work, timeout) for o in outcomes))
    return outcomes


def summarise(outcomes: list[Outcome]) -> dict[str, Any]:
    """Per-phase p50/p95/max and the counts of successes, 429s and errors."""
    phases: dict[str, dict[str, float]] = {}
    for phase in PHASES:
        values = sorted(o.phases[phase] for o in outcomes if phase in o.phases)
        if values:
            phases[phase] = {
                "p50": _percentile(values, 50),
                "p95": _percentile(values, 95),
                "max": values[-1],
                "n": len(values),
            }
    sent = [o.bytes for o in outcomes if o.bytes]
    return {
        "phases": phases,
        "page_bytes_mean": round(sum(sent) / len(sent)) if sent else 0,
        "ok": sum(o.status == "ok" for o in outcomes),
        "full_429": sum(o.status == "full" for o in outcomes),
        "errors": sum(o.status == "error" for o in outcomes),
        "error_samples": sorted({o.error for o in outcomes if o.error})[:5],
    }


def _percentile(values: list[float], pct: float) -> float:
    index = min(len(values) - 1, max(0, round(pct / 100 * len(values) + 0.5) - 1))
    return values[index]
