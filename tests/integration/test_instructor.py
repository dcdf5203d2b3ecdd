"""The instructor's seat on a real engine: names, the instructor's URL, lessons updated mid-class.

Simulated learners (a cookie jar each, JupyterLab's REST API and kernel
websockets) join a classroom of this module's own workshop.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import httpx
import nbformat
import pytest

import wiw
from tests.support.learners import SimLearner
from tests.support.workshops import EXAMPLE
from wiw.classroom.lifecycle import Classroom, ClassroomOptions
from wiw.cli.main import main
from wiw.qr import qr_for_url

NAMES = ("Ada Lovelace", "Grace", "Zoë")


@dataclass
class NamedClass:
    """A classroom whose three learners joined with names, and its workshop folder."""

    folder: Path
    image: wiw.Image
    room: Classroom
    learners: dict[str, SimLearner]


@pytest.fixture(scope="module")
def named(
    example_image: wiw.Image, run_id: str, made_images: list[str],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[NamedClass]:  # fmt: skip
    """Three learners who joined with names, each with a kernel holding x = 42."""
    folder = tmp_path_factory.mktemp("course") / f"instructor-{run_id}"
    shutil.copytree(EXAMPLE, folder)
    workshop = wiw.Workshop(folder)
    made_images.append(wiw.Image.default_ref(workshop))
    image = wiw.Image.build(workshop, engine=example_image.engine, show_progress=False)
    room = Classroom.start(image, ClassroomOptions(max_learners=6))
    learners: dict[str, SimLearner] = {}
    try:
        join_url = room.wait_until_ready(timeout=120)
        for name in NAMES:
            learner = SimLearner(join_url)
            learners[name] = learner
            learner.join(name)
            learner.wait_for_lab()
        yield NamedClass(folder, image, room, learners)
    finally:
        for learner in learners.values():
            learner.close()
        room.destroy(confirm=True)


def test_learners_are_known_by_the_names_they_gave(
    named: NamedClass, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Names reach the hub, 'wiw status' and 'wiw collect'; a second browser cannot take one."""
    assert {learner.name for learner in named.learners.values()} == set(NAMES)
    listed = {learner.name: learner for learner in named.room.learners()}
    assert set(listed) == set(NAMES)  # the instructor's own account is not a learner
    assert all(listed[n].running and (listed[n].memory or 0) > 10 * 2**20 for n in NAMES)
    workshop = named.room.names.workshop
    assert main(["status", workshop]) == 0
    table = capsys.readouterr().out
    for name in NAMES:
        assert name in table
    assert re.search(r"\d+ MiB", table)
    assert main(["collect", workshop, str(tmp_path / "work")]) == 0
    assert sorted(p.name for p in (tmp_path / "work").iterdir()) == sorted(NAMES)
    impostor = SimLearner(named.room.join_url)
    try:
        page = impostor.http.get(named.room.join_url)
        assert page.url.path.endswith("/hub/join")
        taken = impostor.claim(str(page.url), "grace")  # names are unique whatever the case
        assert taken.status_code == 409
        assert "already in the class" in taken.text
        assert "/user/" not in str(taken.url)
        picked = impostor.join()  # no name: one is picked
        assert picked.status_code == 200
        assert impostor.name.startswith("learner-")
    finally:
        impostor.close()


def instructor(room: Classroom) -> httpx.Client:
    """A browser that opened the instructor's URL."""
    client = httpx.Client(follow_redirects=True, timeout=60)
    landed = client.get(room.instructor_url)
    assert landed.status_code == 200, landed.text[:500]
    assert landed.url.path.endswith("/hub/admin")
    return client


def authorize(client: httpx.Client, response: httpx.Response) -> httpx.Response:
    """Confirm JupyterHub's "authorize access to another user's server" page, if shown."""
    if "/oauth2/authorize" not in str(response.url):
        return response
    scopes = re.findall(r'name="scopes" value="([^"]+)"', response.text)
    xsrf = re.search(r'name="_xsrf" value="([^"]+)"', response.text)
    assert xsrf is not None
    return client.post(str(response.url), data={"_xsrf": xsrf[1], "scopes": scopes})


def test_the_instructor_sees_and_opens_every_learner(named: NamedClass) -> None:
    """The instructor's URL opens the admin view, lists learners, and opens Ada's notebook."""
    ada = named.learners["Ada Lovelace"]
    marker = "Ada's answer: 1842"
    kernel = ada.start_kernel()
    code = (f"import nbformat; nb = nbformat.read('lesson01.ipynb', 4); "
            f"nb.cells.append(nbformat.v4.new_markdown_cell({marker!r})); "
            f"nbformat.write(nb, 'lesson01.ipynb'); print('ok')")  # fmt: skip
    assert ada.execute(kernel, code) == "ok\n"
    base = named.room.join_url
    teacher = instructor(named.room)
    try:
        users = teacher.get(f"{base}hub/api/users").json()
        assert set(NAMES) <= {u["name"] for u in users}
        server = f"{base}user/{quote(ada.name)}/"
        lab = authorize(teacher, teacher.get(f"{server}lab"))  # as a browser: the page first
        assert lab.status_code == 200
        assert lab.url.path.endswith("/lab")
        opened = teacher.get(f"{server}api/contents/lesson01.ipynb")
        assert opened.status_code == 200
        assert marker in opened.text
    finally:
        teacher.close()


def test_learners_cannot_reach_the_instructors_powers_or_secret(named: NamedClass) -> None:
    """Learners reach neither the instructor's powers nor their secret.

    A learner's cookie opens neither the admin view nor another learner's
    server; the instructor secret is in no QR code, join URL or page a learner sees.
    """
    grace, zoe = named.learners["Grace"], named.learners["Zoë"]
    base, secret = named.room.join_url, named.room.state.instructor_secret
    admin = grace.http.get(f"{base}hub/admin")
    assert admin.status_code == 403
    assert grace.http.get(f"{base}hub/api/users").status_code == 403
    other = grace.http.get(f"{zoe.server}api/contents/", follow_redirects=True)
    assert other.status_code != 200 or "lesson01.ipynb" not in other.text
    wrong = httpx.get(named.room.instructor_url.replace(secret, "x" * len(secret)), timeout=30)
    assert wrong.status_code == 404
    pages = [grace.http.get(f"{base}hub/{p}").text for p in ("home", "join", "spawn")]
    pages.append(grace.http.get(f"{grace.server}lab").text)
    assert secret not in base
    assert not [p for p in pages if secret in p]
    import zxingcpp

    (code,) = zxingcpp.read_barcodes(qr_for_url(base))
    assert secret not in code.text


def lesson(path: Path) -> nbformat.NotebookNode:
    """A notebook read from disk."""
    notebook: nbformat.NotebookNode = nbformat.read(path, as_version=4)
    return notebook


def test_updating_lessons_mid_class_loses_no_edit(
    named: NamedClass, capsys: pytest.CaptureFixture[str]
) -> None:
    """Updating the lessons mid-class loses no edit and restarts no kernel.

    Ada changed lesson02, Grace did not, Zoë deleted lesson03; the instructor
    fixes lesson02 and adds lesson04. The update keeps every edit, kernels keep
    running, and a server started afterwards runs the new image, rebuilt from
    its lessons layer only.
    """
    ada, grace, zoe = (named.learners[n] for n in NAMES)
    kernels = {}
    for learner in (ada, grace):
        kernels[learner.name] = learner.start_kernel()
        assert learner.execute(kernels[learner.name], "x = 42; print(x)") == "42\n"
    assert (
        ada.execute(ada.start_kernel(), "open('lesson02.ipynb', 'a').write(' '); print(1)")
        == "1\n"
    )
    assert zoe.api("DELETE", "contents/lesson03.ipynb").status_code == 204
    notebook = lesson(named.folder / "lesson02.ipynb")
    notebook.cells.insert(0, nbformat.v4.new_markdown_cell("Fixed: the typo in step 2."))
    nbformat.write(notebook, named.folder / "lesson02.ipynb")
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(4)")]),
                   named.folder / "lesson04.ipynb")  # fmt: skip
    lines: list[str] = []
    image = wiw.Image.build(
        wiw.Workshop(named.folder), engine=named.image.engine, show_progress=False,
        on_progress=lambda e: lines.append(e.line),
    )  # fmt: skip
    lessons_step = next(i for i, line in enumerate(lines) if "workshop/lessons/" in line)
    assert not [line for line in lines[:lessons_step] if " ---> Running in" in line]
    delivered = {d.learner: d for d in named.room.update(image)}
    assert delivered[ada.name].kept == ["lesson02.ipynb"]
    assert delivered[ada.name].beside == ["lesson02.updated.ipynb"]
    assert delivered[grace.name].updated == ["lesson02.ipynb"]
    assert delivered[zoe.name].deleted == ["lesson03.ipynb"]
    assert all(d.new == ["lesson04.ipynb"] for d in delivered.values())
    fixed = "Fixed: the typo in step 2."
    assert fixed in grace.api("GET", "contents/lesson02.ipynb").text
    assert fixed not in ada.api("GET", "contents/lesson02.ipynb").text
    assert fixed in ada.api("GET", "contents/lesson02.updated.ipynb").text
    assert "lesson03.ipynb" not in zoe.files()
    for learner in (ada, grace):  # running servers: the new lesson is there, the kernel lives
        assert "lesson04.ipynb" in learner.files()
        assert learner.execute(kernels[learner.name], "print(x)") == "42\n"
    zoe.stop_server()
    zoe.rejoin()
    servers = named.image.engine.containers_labelled(f"org.wiw.workshop={image.workshop}")
    infos = [named.image.engine.container_info(c) for c in servers]
    zoes = [i for i in infos if i and i.env.get("JUPYTERHUB_USER") == zoe.name]
    assert [i.image_id for i in zoes] == [image.id]
    assert main(["update", str(named.folder)]) == 0  # again, nothing new: everyone up to date
    assert "Servers started from now on run" in capsys.readouterr().out
