"""The exported chart's hub, at the JupyterHub it runs, serves the workshop image's learners.

The released Zero-to-JupyterHub chart's hub runs JupyterHub 5, while the
workshop image's single-user server is JupyterHub 6 (wiw's runtime lock).
Here a hub of each JupyterHub an export may deploy (the chart's own, and the
patch release wiw's hub image moves it to) runs the exported hub values, with
DockerSpawner standing in for KubeSpawner on a network of the test's own: a
learner joins by name, gets JupyterLab from the workshop image and runs code
in it, and the instructor's door opens the admin page.
"""

from __future__ import annotations

import contextlib
import shlex
from collections.abc import Iterator

import httpx
import pytest
from packaging.version import Version
from python_on_whales import DockerClient, DockerException

import wiw
from tests.support.chart import HUB_FILES, chart_config
from tests.support.engine import free_port
from tests.support.learners import SimLearner
from tests.support.pins import runtime_lock
from wiw.deploy import chart
from wiw.deploy.z2jh import z2jh_values
from wiw.waiting import WaitTimeout, poll

SECRET = "chart-hub-join_0123456789"
KEY = "chart-hub-key_0123456789abcdef"
VERSIONS = sorted({chart.CHART_JUPYTERHUB, chart.HUB_JUPYTERHUB}, key=Version)


def hub_dockerfile(workshop: str, version: str) -> str:
    """A hub of JupyterHub ``version`` beside the workshop image's own (a venv of its own)."""
    lock = runtime_lock()
    packages = [f"jupyterhub=={version}", f"dockerspawner=={lock['dockerspawner']}",
                f"configurable-http-proxy=={lock['configurable-http-proxy']}"]  # fmt: skip
    return (
        f"FROM {workshop}\nUSER root\n"
        "RUN python3 -m venv /opt/hub && /opt/hub/bin/pip install --no-cache-dir "
        f"--cert /etc/ssl/certs/ca-certificates.crt {shlex.join(packages)}\n"
    )


@pytest.fixture(scope="module", params=VERSIONS)
def hub_image(
    request: pytest.FixtureRequest, example_image: wiw.Image, run_id: str, made_images: list[str],
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[str, str]:  # fmt: skip
    """The hub's image for one JupyterHub version, and that version; removed after the run."""
    version = str(request.param)
    ref = f"wiw-test/chart-hub:{version}-{run_id}"
    folder = tmp_path_factory.mktemp(f"hub-{version}")
    (folder / "Dockerfile").write_text(hub_dockerfile(example_image.ref, version))
    made_images.append(ref)
    DockerClient().legacy_build(folder, tags=[ref])
    return ref, version


def prelude(image: str, network: str, hub_name: str, prefix: str) -> str:
    """What the chart sets itself; DockerSpawner (for KubeSpawner) as the singleuser values say."""
    user = z2jh_values("registry.example.org/course/intro:1")["singleuser"]
    return f"""
c.JupyterHub.bind_url = "http://0.0.0.0:8000/{SECRET}/"
c.JupyterHub.hub_bind_url = "http://0.0.0.0:8081"
c.JupyterHub.hub_connect_url = "http://{hub_name}:8081"
{HUB_FILES}
c.JupyterHub.spawner_class = "docker"
c.DockerSpawner.image = {image!r}
c.DockerSpawner.pull_policy = "never"
c.DockerSpawner.network_name = {network!r}
c.DockerSpawner.use_internal_ip = True
c.DockerSpawner.remove = True
c.DockerSpawner.prefix = {prefix!r}
c.DockerSpawner.cmd = [{user["cmd"]!r}]
c.DockerSpawner.default_url = {user["defaultUrl"]!r}
c.DockerSpawner.notebook_dir = {user["storage"]["homeMountPath"]!r}
c.DockerSpawner.extra_create_kwargs = {{"user": "{user["uid"]}:{user["fsGid"]}"}}
"""


@pytest.fixture
def chart_hub(
    hub_image: tuple[str, str], example_image: wiw.Image, run_id: str
) -> Iterator[tuple[str, str]]:
    """A running hub of the exported values: its join URL and container's name.

    The hub, the learners' containers and the network are removed afterwards.
    """
    docker = DockerClient()
    ref, version = hub_image
    name = f"wiw-test-chart-{run_id}-{version.replace('.', '')}"
    values = z2jh_values("registry.example.org/course/intro:1", join_secret=SECRET,
                         instructor_key=KEY)  # fmt: skip
    config = chart_config(values["hub"], prelude(example_image.ref, name, name, f"{name}-user"))
    script = f"cat > /tmp/hub.py <<'WIW'\n{config}\nWIW\nexec jupyterhub -f /tmp/hub.py"
    port = free_port()
    docker.network.create(name)
    try:
        docker.container.run(
            ref, ["-c", script], entrypoint="sh", name=name, detach=True, user="root",
            networks=[name], publish=[(f"127.0.0.1:{port}", 8000)],
            envs={"PATH": "/opt/hub/bin:/usr/local/bin:/usr/bin:/bin"},
            volumes=[("/var/run/docker.sock", "/var/run/docker.sock")],
        )  # fmt: skip
        yield f"http://127.0.0.1:{port}/{SECRET}/", name
    finally:
        remove_everything(docker, name)


def remove_everything(docker: DockerClient, name: str) -> None:
    """The hub first (so it starts nothing more), every learner's container, then the network.

    A learner's container may be on its way out already (DockerSpawner removes
    what it stops): what counts is that none is left, within a bounded wait.
    """
    for container in sorted(docker.container.list(all=True, filters=[("name", name)]),
                            key=lambda c: c.name != name):  # fmt: skip
        with contextlib.suppress(DockerException):
            container.remove(force=True, volumes=True)
    poll(lambda: not docker.container.list(all=True, filters=[("name", name)]) or None,
         timeout=60, what="the chart hub's containers to go")  # fmt: skip
    docker.network.remove(name)


def wait_healthy(base: str, name: str) -> None:
    """Poll the hub's health endpoint (bounded); fail with its log if it never answers."""
    try:
        poll(lambda: httpx.get(f"{base}hub/health", timeout=5).status_code == 200 or None,
             timeout=90, what="the chart hub's health", retry_on=(httpx.HTTPError,))  # fmt: skip
    except WaitTimeout:
        log = str(DockerClient().container.logs(name))
        pytest.fail(f"hub never became healthy:\n{log[-3000:]}")


def test_a_learner_gets_a_working_lab_from_the_chart_hub(
    chart_hub: tuple[str, str], hub_image: tuple[str, str]
) -> None:
    """The hub runs the version it should; a learner's lab (JupyterHub 6) runs code through it."""
    base, name = chart_hub
    wait_healthy(base, name)
    assert httpx.get(f"{base}hub/api/", timeout=10).json()["version"] == hub_image[1]
    ada = SimLearner(base)
    teacher = httpx.Client(follow_redirects=True, timeout=30)
    try:
        ada.join("Ada")
        assert ada.http.get(f"{base}hub/api/user").json()["name"] == "Ada"
        ada.wait_for_lab(timeout=180)
        kernel = ada.start_kernel()
        code = "import jupyterhub, os; print(jupyterhub.__version__, os.getuid())"
        printed = ada.execute(kernel, code)
        assert printed.split() == [runtime_lock()["jupyterhub"], "1000"]
        landed = teacher.get(f"{base}hub/instructor/{KEY}")
        assert landed.status_code == 200, landed.text[:500]
        assert landed.url.path.endswith("/hub/admin")
    finally:
        ada.close()
        teacher.close()
