"""A simulated learner: a browser's cookie jar, JupyterLab's REST API and a kernel websocket."""

from __future__ import annotations

import json
import ssl
import time
import uuid
from typing import Any
from urllib.parse import quote, unquote, urlsplit

import httpx
from websockets.sync.client import connect

from wiw.waiting import poll


class KernelDied(RuntimeError):
    """The kernel died (or was restarted) while running the cell."""


class SimLearner:
    """One learner with their own cookie jar, joining through the join URL."""

    def __init__(self, join_url: str, *, verify: ssl.SSLContext | bool = True) -> None:
        self.join_url = join_url
        parts = urlsplit(join_url)
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.base_path = parts.path  # /SECRET/
        self.verify = verify
        self.http = httpx.Client(follow_redirects=True, timeout=60, verify=verify)
        self.name = ""

    def close(self) -> None:
        """Forget the browser."""
        self.http.close()

    def join(self, name: str = "") -> httpx.Response:
        """Open the join URL as a scan of the QR code would; remember who we became.

        When the hub asks for a name, ``name`` is given (empty: the hub picks one).
        """
        response = self.http.get(self.join_url)
        if response.url.path.endswith("/hub/join"):
            response = self.claim(str(response.url), name)
        self._note_name(response)
        return response

    def claim(self, page: str, name: str) -> httpx.Response:
        """Send the join page's form with ``name``."""
        return self.http.post(page, data={"name": name, **self._xsrf_field(page)})

    def _xsrf_field(self, url: str) -> dict[str, str]:
        return {"_xsrf": self._xsrf(url)["X-XSRFToken"]}

    def _note_name(self, response: httpx.Response) -> None:
        path = response.url.path
        for marker in ("/user/", "/spawn-pending/"):
            if marker in path:
                self.name = unquote(path.split(marker, 1)[1].split("/", 1)[0])

    @property
    def server(self) -> str:
        """This learner's server URL."""
        return f"{self.origin}{self.base_path}user/{quote(self.name)}/"

    def wait_for_lab(self, timeout: float = 120) -> httpx.Response:
        """Poll until this learner's JupyterLab page answers 200 (bounded)."""

        def ready() -> httpx.Response | None:
            response = self.http.get(f"{self.server}lab")
            return (
                response if response.status_code == 200 and "/user/" in response.url.path else None
            )

        return poll(ready, timeout=timeout, interval=0.5, what=f"{self.name}'s JupyterLab")

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

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Call this learner's Jupyter server REST API with their cookies."""
        return self.http.request(
            method, f"{self.server}api/{path}", headers=self._xsrf(), **kwargs
        )

    def stop_server(self) -> None:
        """Stop this learner's own server through the hub, as its control panel does."""
        url = f"{self.origin}{self.base_path}hub/api/users/{quote(self.name)}/server"
        self.http.get(f"{self.origin}{self.base_path}hub/home")  # sets the hub's XSRF cookie
        response = self.http.delete(url, headers=self._xsrf(url))
        assert response.status_code in (202, 204), response.text

    def rejoin(self, timeout: float = 120) -> None:
        """Scan the code again until this learner's JupyterLab answers (bounded)."""

        def landed() -> bool | None:
            response = self.join()
            return (response.status_code == 200 and "/lab" in response.url.path) or None

        poll(landed, timeout=timeout, interval=1, what=f"{self.name}'s server to start again")

    def files(self) -> set[str]:
        """Names at the top of this learner's home."""
        response = self.api("GET", "contents/")
        response.raise_for_status()
        return {item["name"] for item in response.json()["content"]}

    def start_kernel(self) -> str:
        """Start a Python kernel and return its id."""
        response = self.api("POST", "kernels", json={"name": "python3"})
        response.raise_for_status()
        return str(response.json()["id"])

    def execute(self, kernel: str, code: str, timeout: float = 60) -> str:
        """Run ``code`` in ``kernel`` over the websocket; return its stdout (or the error)."""
        url = f"{self.server}api/kernels/{kernel}/channels".replace("http", "ws", 1)
        cookies = "; ".join(f"{c.name}={c.value}" for c in self.http.cookies.jar)
        headers = {"Cookie": cookies, "Origin": self.origin}
        msg_id = uuid.uuid4().hex
        context = self.verify if isinstance(self.verify, ssl.SSLContext) else None
        secure = context if url.startswith("wss:") else None
        with connect(url, additional_headers=headers, open_timeout=30, ssl=secure) as ws:
            ws.send(json.dumps(execute_request(code, msg_id)))
            return collect_output(ws, msg_id, time.monotonic() + timeout)


def execute_request(code: str, msg_id: str) -> dict[str, Any]:
    """A Jupyter messaging protocol execute_request."""
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


def collect_output(ws: Any, msg_id: str, deadline: float) -> str:
    """Gather stdout and errors for ``msg_id`` until the kernel is idle again."""
    out: list[str] = []
    while time.monotonic() < deadline:
        msg = json.loads(ws.recv(timeout=max(0.1, deadline - time.monotonic())))
        kind, content = msg["msg_type"], msg["content"]
        if kind == "status" and content.get("execution_state") in ("restarting", "dead"):
            raise KernelDied(content["execution_state"])
        if msg.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        if kind == "stream":
            out.append(content["text"])
        elif kind == "error":
            out.append(f"{content['ename']}: {content['evalue']}")
        elif kind == "status" and content["execution_state"] == "idle":
            return "".join(out)
    raise TimeoutError("no reply from the kernel")
