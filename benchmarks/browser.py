"""What a learner's browser fetches: recorded with Chromium through a running classroom.

Debian's Chromium, driven by Playwright, opens the join URL, gives a name,
waits for JupyterLab's launcher and for the network to settle, and counts the
bytes each response carried on the wire (compressed, when it was). Then it
reloads the page, as a learner whose tab was closed would. The requests made
to the learner's own server are kept: the simulated class replays them.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Request, sync_playwright

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
LAUNCHER = ".jp-LauncherCard"


@dataclass
class Load:
    """One page load: requests, bytes on the wire, and how many were compressed."""

    requests: int = 0
    bytes: int = 0
    compressed: int = 0
    assets: list[str] = field(default_factory=list)

    def count(self, request: Request, server: str) -> None:
        """Add one finished request (after the load: sizes are asked of the browser)."""
        try:
            sizes = request.sizes()
            response = request.response()
        except Exception:
            return
        self.requests += 1
        self.bytes += sizes["responseBodySize"] + sizes["responseHeadersSize"]
        if response is not None and response.headers.get("content-encoding"):
            self.compressed += 1
        if request.method == "GET" and request.url.startswith(server):
            path = request.url.removeprefix(server)
            if not path.startswith(("api/kernels", "api/sessions", "api/events")):
                self.assets.append(path)

    def as_dict(self) -> dict[str, Any]:
        """For the JSON results."""
        return {"requests": self.requests, "bytes": self.bytes, "compressed": self.compressed}


def first_load_and_reload(join_url: str) -> dict[str, Any]:
    """Load JupyterLab through the join URL, then reload it; measure both."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            first: list[Request] = []
            again: list[Request] = []
            current = [first]
            # Only remembered here: asking the browser inside its own event would block.
            page.on("requestfinished", lambda r: current[0].append(r))  # noqa: PLW0108 - late bound
            page.goto(join_url)
            page.get_by_role("button", name="Join").click()
            try:
                page.wait_for_url(re.compile(r".*/user/[^/?]+/lab.*"), timeout=180_000)
            except PlaywrightError as exc:
                page.screenshot(path=str(Path(tempfile.gettempdir()) / "wiw-bench-join.png"))
                raise RuntimeError(f"JupyterLab never opened; the page is at {page.url}") from exc
            server = page.url.split("/lab", 1)[0] + "/"
            page.locator(LAUNCHER).first.wait_for(timeout=120_000)
            page.wait_for_load_state("networkidle", timeout=60_000)
            current[0] = again
            page.reload()
            page.locator(LAUNCHER).first.wait_for(timeout=120_000)
            page.wait_for_load_state("networkidle", timeout=60_000)
            loads = Load(), Load()
            for load, requests in zip(loads, (first, again), strict=True):
                for request in requests:
                    load.count(request, server)
        finally:
            browser.close()
    return {
        "first": loads[0].as_dict(),
        "reload": loads[1].as_dict(),
        "assets": sorted(set(loads[0].assets)),
    }
