"""The exported login works on a real JupyterHub (the workshop image's), as the chart runs it.

The hub is configured the way the chart's own jupyterhub_config.py reads the
values: ``hub.baseUrl`` as the base URL, ``hub.config`` as traitlets config,
``hub.loadRoles`` as roles, then every ``hub.extraConfig`` entry executed.
"""

from __future__ import annotations

import httpx
import pytest

import wiw
from tests.support.chart import HUB_FILES, chart_config
from tests.support.learners import SimLearner
from wiw.deploy.z2jh import z2jh_values
from wiw.waiting import WaitTimeout, poll

SECRET = "s3cret-join-path_0123456789"
KEY = "instructor-key_0123456789abcdef"

HUB_CONFIG = f"""
c.JupyterHub.bind_url = "http://0.0.0.0:8888/{SECRET}/"
{HUB_FILES}
# The chart uses KubeSpawner; here learners' servers run beside the hub.
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "/tmp/home-{{username}}"
"""


def wait_healthy(url: str, hub: wiw.Lab) -> None:
    """Poll the hub's health endpoint (bounded); fail with its log if it never answers."""
    try:
        poll(lambda: httpx.get(url, timeout=5).status_code == 200 or None, timeout=60,
             what="the hub's health", retry_on=(httpx.HTTPError,))  # fmt: skip
    except WaitTimeout:
        pytest.fail(f"hub never became healthy:\n{hub.logs()[-3000:]}")


def test_learners_join_by_name_and_the_instructor_through_the_door(
    example_image: wiw.Image,
) -> None:
    """The join page gives each learner their name; the instructor's URL opens the admin page."""
    hub_values = z2jh_values("registry.example.org/course/intro:1", join_secret=SECRET,
                             instructor_key=KEY)["hub"]  # fmt: skip
    assert hub_values["baseUrl"] == f"/{SECRET}/"
    config = chart_config(hub_values, HUB_CONFIG)
    script = f"cat > /tmp/hub.py <<'WIW'\n{config}\nWIW\nexec jupyterhub -f /tmp/hub.py"
    with wiw.Lab.run(example_image, command=["sh", "-c", script]) as hub:
        base = f"http://127.0.0.1:{hub.port}/{SECRET}/"
        wait_healthy(f"{base}hub/health", hub)
        grace, impostor = SimLearner(base), SimLearner(base)
        teacher = httpx.Client(follow_redirects=True, timeout=30)
        try:
            grace.join("Grace")
            assert grace.http.get(f"{base}hub/api/user").json()["name"] == "Grace"
            taken = impostor.claim(str(impostor.http.get(base).url), "grace")
            assert taken.status_code == 409
            assert grace.http.get(f"{base}hub/admin").status_code == 403
            landed = teacher.get(f"{base}hub/instructor/{KEY}")
            assert landed.status_code == 200, landed.text[:500]
            assert landed.url.path.endswith("/hub/admin")
            users = {u["name"] for u in teacher.get(f"{base}hub/api/users").json()}
            assert "Grace" in users
            wrong = httpx.get(f"{base}hub/instructor/{'x' * len(KEY)}", timeout=30)
            assert wrong.status_code == 404
        finally:
            for client in (grace, impostor):
                client.close()
            teacher.close()
        assert httpx.get(f"http://127.0.0.1:{hub.port}/", timeout=10).status_code == 404
