"""The exported temporary login works on a real JupyterHub (the workshop image's)."""

from __future__ import annotations

import httpx
import pytest

import wiw
from wiw._wait import WaitTimeout, poll
from wiw.export import TEMPORARY_LOGIN

HUB_CONFIG = """
c.JupyterHub.bind_url = "http://0.0.0.0:8888/s3cret-path/"
c.JupyterHub.db_url = "sqlite:////tmp/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "/tmp/jupyterhub_cookie_secret"
c.ConfigurableHTTPProxy.pid_file = "/tmp/proxy.pid"
# The chart uses KubeSpawner; here learners' servers run beside the hub.
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "/tmp/home-{username}"
"""


def wait_healthy(url: str, hub: wiw.Hub) -> None:
    """Poll the hub's health endpoint (bounded); fail with its log if it never answers."""
    try:
        poll(lambda: httpx.get(url, timeout=5).status_code == 200 or None, timeout=60,
             what="the hub's health", retry_on=(httpx.HTTPError,))  # fmt: skip
    except WaitTimeout:
        pytest.fail(f"hub never became healthy:\n{hub.logs()[-3000:]}")


def test_each_new_visitor_gets_an_account_kept_by_their_cookie(example_image: wiw.Image) -> None:
    """Opening the base URL logs in a new learner; the same browser stays that learner."""
    config = HUB_CONFIG + TEMPORARY_LOGIN
    script = f"cat > /tmp/hub.py <<'WIW'\n{config}\nWIW\nexec jupyterhub -f /tmp/hub.py"
    with wiw.Hub.run(example_image, command=["sh", "-c", script]) as hub:
        base = f"http://127.0.0.1:{hub.port}/s3cret-path/"
        wait_healthy(f"{base}hub/health", hub)
        with httpx.Client(timeout=30) as first, httpx.Client(timeout=30) as second:
            for browser in (first, second):
                browser.get(base, follow_redirects=True)
            me = first.get(f"{base}hub/api/user").json()["name"]
            again = first.get(base, follow_redirects=True)
            assert first.get(f"{base}hub/api/user").json()["name"] == me
            assert second.get(f"{base}hub/api/user").json()["name"] != me
            assert len(me) == 36
            assert again.status_code < 500
        assert httpx.get(f"http://127.0.0.1:{hub.port}/", timeout=10).status_code == 404
