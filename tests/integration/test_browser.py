"""A learner's view, in a real browser: scan the QR code, open a lesson, run it.

Playwright drives Debian's Chromium (``/usr/bin/chromium``; no browser is
downloaded). Every wait is on what the page shows, bounded by Playwright's
timeouts. Set ``WIW_SCREENSHOTS=DIR`` to keep the screenshots (the docs use them).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest
import zxingcpp
from nbformat.v4 import new_code_cell, new_notebook
from PIL import Image as PILImage
from playwright.sync_api import Browser, Page, Request, ViewportSize, expect, sync_playwright

import wiw
from tests.support.engine import require
from tests.support.learners import SimLearner
from tests.support.workshops import EXAMPLE, build_named
from wiw.classroom.lifecycle import Classroom

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium from Debian's packages."""
    require(Path(CHROMIUM).exists(), f"{CHROMIUM} is missing (.ci/browser.sh installs it)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


@pytest.fixture(scope="module")
def room(example_image: wiw.Image, run_id: str, made_images: list[str]) -> Iterator[Classroom]:
    """A running classroom of this module's own workshop."""
    image = build_named(EXAMPLE, f"browser-{run_id}", example_image.engine, made_images)
    classroom = Classroom.start(image, wiw.ClassroomOptions(max_learners=8))
    try:
        classroom.wait_until_ready(timeout=120)
        yield classroom
    finally:
        classroom.destroy(confirm=True)


@pytest.fixture
def join_png(room: Classroom, tmp_path: Path) -> Path:
    """The QR code PNG wiw writes for the classroom."""
    return wiw.save_qr(room.join_url, tmp_path / "join.png")


def scan(png: Path) -> str:
    """Read the join URL back out of the QR code image, as a phone camera would."""
    with PILImage.open(png) as picture:
        return str(zxingcpp.read_barcodes(picture.convert("RGB"))[0].text)


def join(page: Page, url: str, name: str = "") -> None:
    """Open the join URL and give a name on the join page (empty: one is picked)."""
    page.goto(url)
    field = page.get_by_label("Your name, as the instructor will see it")
    field.fill(name)
    page.get_by_role("button", name="Join").click()


def land(page: Page, url: str, name: str = "") -> str:
    """Join and wait for JupyterLab; return this learner's server URL."""
    join(page, url, name)
    page.wait_for_url(re.compile(r".*/user/[^/]+/lab.*"), timeout=120_000)
    expect(page.locator(".jp-DirListing-content")).to_be_visible(timeout=60_000)
    return page.url.split("/lab", 1)[0] + "/"


def keep(page: Page, name: str) -> None:
    """Save a screenshot when asked to (WIW_SCREENSHOTS=DIR)."""
    folder = os.environ.get("WIW_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / name))


def run_all_cells(page: Page) -> None:
    """Run every cell from JupyterLab's Run menu and wait until each has run."""
    kernel_idle = page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle$"))
    expect(kernel_idle).to_have_count(1, timeout=60_000)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    prompts = page.locator(".jp-CodeCell .jp-InputPrompt")
    expect(prompts.first).to_have_text(re.compile(r"\[\d+\]"), timeout=60_000)
    for index in range(prompts.count()):
        expect(prompts.nth(index)).to_have_text(re.compile(r"\[\d+\]"), timeout=60_000)
    expect(kernel_idle).to_have_count(1, timeout=60_000)


def test_a_learner_scans_runs_lesson_one_and_sees_the_qr_code(
    browser: Browser, join_png: Path
) -> None:
    """From the QR PNG to JupyterLab to lesson 1 run in full, with its QR code image shown."""
    url = scan(join_png)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    server = land(page, url)
    keep(page, "lab-home.png")
    page.goto(f"{server}lab/tree/lesson01.ipynb")
    run_all_cells(page)
    shown = page.locator(".jp-OutputArea-output img")
    expect(shown.first).to_be_visible()
    assert page.evaluate("(img) => img.naturalWidth", shown.first.element_handle()) > 100
    assert not page.locator(".jp-OutputArea-output[data-mime-type*='error']").count()
    shown.first.scroll_into_view_if_needed()
    keep(page, "lab-lesson01.png")
    files = {item["name"] for item in page.request.get(f"{server}api/contents/").json()["content"]}
    assert "jupyter.png" in files  # what lesson 1 saved

    other = browser.new_context().new_page()
    other_server = land(other, url)
    assert other_server != server
    theirs = {
        i["name"] for i in other.request.get(f"{other_server}api/contents/").json()["content"]
    }
    assert "jupyter.png" not in theirs
    assert "lesson01.ipynb" in theirs
    other.context.close()
    context.close()


PHONE: ViewportSize = {"width": 390, "height": 844}  # a phone in portrait, in CSS pixels


def test_a_phone_lands_on_lesson_one_alone_with_room_to_read_it(
    browser: Browser, join_png: Path
) -> None:
    """At 390 px the QR code leads to lesson 1 on its own: no file browser, cells 300+ px wide.

    Chromium keeps its desktop User-Agent here, so the window's width is what
    decides (the join page measures it). The first code cell is run, by touch.
    """
    context = browser.new_context(
        viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True
    )
    page = context.new_page()
    join(page, scan(join_png))
    page.wait_for_url(re.compile(r".*/user/[^/]+/doc/tree/lesson01\.ipynb"), timeout=120_000)
    cells = page.locator(".jp-Notebook .jp-Cell")
    expect(cells.first).to_be_visible(timeout=60_000)
    expect(page.locator("#jp-left-stack")).to_be_hidden()
    for index in range(min(cells.count(), 3)):
        box = cells.nth(index).bounding_box()
        assert box is not None
        assert box["width"] >= 300, box
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    kernel_idle = page.locator(".jp-StatusBar-TextItem", has_text=re.compile(r"\| Idle$"))
    expect(kernel_idle).to_have_count(1, timeout=60_000)  # a cell run before is dropped
    code = page.locator(".jp-CodeCell").first
    code.locator(".jp-InputArea-editor").tap()
    expect(code).to_have_class(re.compile(r"\bjp-mod-active\b"))
    page.locator('[data-command="notebook:run-cell-and-select-next"]').first.tap()
    expect(code.locator(".jp-InputPrompt")).to_have_text(re.compile(r"\[1\]"), timeout=60_000)
    keep(page, "phone-lesson01.png")
    context.close()


def test_the_instructor_opens_a_learners_notebook_from_their_own_browser(
    browser: Browser, room: Classroom
) -> None:
    """From the instructor's URL: the admin page lists Marie; her lesson opens in JupyterLab."""
    marie = SimLearner(room.join_url)
    try:
        marie.join("Marie")
        marie.wait_for_lab()
        note = "Marie's note: is this right?"
        code = (f"import nbformat; nb = nbformat.read('lesson01.ipynb', 4); "
                f"nb.cells.insert(0, nbformat.v4.new_markdown_cell({note!r})); "
                f"nbformat.write(nb, 'lesson01.ipynb'); print('saved')")  # fmt: skip
        assert marie.execute(marie.start_kernel(), code) == "saved\n"
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.goto(room.instructor_url)
        page.wait_for_url(re.compile(r".*/hub/admin.*"), timeout=60_000)
        expect(page.get_by_text("Marie", exact=True).first).to_be_visible(timeout=60_000)
        keep(page, "instructor-admin.png")
        page.goto(f"{marie.server}lab/tree/lesson01.ipynb")
        authorize = page.get_by_role("button", name="Authorize")
        if authorize.count():  # JupyterHub asks before opening another user's server
            authorize.click()
        page.wait_for_url(re.compile(r".*/user/Marie/lab.*"), timeout=120_000)
        rendered = page.locator(".jp-RenderedMarkdown", has_text=note)
        expect(rendered.first).to_be_visible(timeout=60_000)
        keep(page, "instructor-helps.png")
        context.close()
    finally:
        marie.close()


def _encoding(request: Request) -> str | None:
    """The content coding a finished request's response came in."""
    response = request.response()
    return response.headers.get("content-encoding") if response else None


def _wire_bytes(requests: list[Request]) -> int:
    """Bytes the responses took on the wire: headers and (compressed) bodies."""
    total = 0
    for request in requests:
        sizes = request.sizes()
        total += sizes["responseBodySize"] + sizes["responseHeadersSize"]
    return total


def test_a_first_load_is_compressed_and_a_reload_is_cheap(
    browser: Browser, room: Classroom
) -> None:
    """A first load through the classroom is compressed, and a reload costs little.

    Over plain HTTP Chromium offers gzip: JupyterLab's bundles and the hub's
    scripts come compressed, and a reload fetches a small fraction again.
    """
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    loads: list[list[Request]] = [[]]
    page.on("requestfinished", lambda r: loads[-1].append(r))  # noqa: PLW0108 - late bound
    land(page, room.join_url)
    page.wait_for_load_state("networkidle", timeout=60_000)
    scripts = [r for r in loads[0] if "/static/" in r.url and r.url.split("?")[0].endswith(".js")]
    assert any("/hub/static/" in r.url for r in scripts)
    big = [r for r in scripts if r.sizes()["responseBodySize"] > 5_000]
    assert any("/static/lab/" in r.url for r in big)
    encodings = {r.url: _encoding(r) for r in big}
    assert {u: e for u, e in encodings.items() if e not in ("br", "gzip")} == {}
    identity = {"Accept-Encoding": "identity"}
    decoded = sum(len(page.request.get(r.url, headers=identity).body()) for r in big)
    assert _wire_bytes(big) < decoded / 2.5
    loads.append([])
    page.reload()
    expect(page.locator(".jp-DirListing-content")).to_be_visible(timeout=60_000)
    page.wait_for_load_state("networkidle", timeout=60_000)
    assert _wire_bytes(loads[1]) < _wire_bytes(loads[0]) / 4
    context.close()


def test_a_learner_who_types_slowly_still_joins(browser: Browser, room: Classroom) -> None:
    """The browser's own /favicon.ico request, then a name typed over a second or two.

    The proxy answers the favicon with the hub's error page; the cookies the
    hub set on it (an XSRF cookie for the proxy's address) must not reach the
    browser, or the join form fails with a 403 once the token's second has passed.
    """
    context = browser.new_context()
    page = context.new_page()
    page.goto(room.join_url)
    origin = room.join_url.split("/", 3)
    assert page.request.get(f"{origin[0]}//{origin[2]}/favicon.ico").status == 404
    field = page.get_by_label("Your name, as the instructor will see it")
    field.press_sequentially("Slow Typist", delay=150)  # 1.6 s, as a person types
    page.get_by_role("button", name="Join").click()
    page.wait_for_url(re.compile(r".*/user/Slow%20Typist/lab.*"), timeout=120_000)
    expect(page.locator(".jp-DirListing-content")).to_be_visible(timeout=60_000)
    context.close()


WIDGETS = """
import ipywidgets
ipywidgets.IntSlider(value=7, min=0, max=10, description="seven")
"""


@pytest.fixture(scope="module")
def widgets_image(
    engine: wiw.Engine,
    run_id: str,
    made_images: list[str],
    tmp_path_factory: pytest.TempPathFactory,
) -> wiw.Image:
    """A course whose lesson shows an ipywidgets slider; ipywidgets only in its requirements."""
    folder = tmp_path_factory.mktemp("widgets")
    (folder / "requirements.txt").write_text("ipywidgets==8.1.5\n")
    kernel = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    lesson = new_notebook(cells=[new_code_cell(WIDGETS)], metadata={"kernelspec": kernel})
    nbformat.write(lesson, folder / "widgets.ipynb")
    ref = f"wiw-test/widgets:{run_id}"
    made_images.append(ref)
    return wiw.Image.build(wiw.Workshop(folder), tag=ref, engine=engine, show_progress=False)


def test_a_widget_from_the_lessons_environment_works_in_the_browser(
    browser: Browser, widgets_image: wiw.Image
) -> None:
    """Ipywidgets lives in the lessons' environment, yet JupyterLab draws its slider.

    JupyterLab (the runtime's) finds the prebuilt extension the lesson package
    ships; without it the output would be the text ``IntSlider(value=7, ...)``.
    """
    with wiw.Lab.run(widgets_image) as lab:
        url = lab.wait_for_token(timeout=120)
        page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        lab_url, _, token = url.partition("?")  # http://HOST:PORT/lab?token=...
        page.goto(f"{lab_url}/tree/widgets.ipynb?{token}")
        run_all_cells(page)
        slider = page.locator(".jp-OutputArea-output .widget-slider")
        expect(slider).to_be_visible(timeout=60_000)
        expect(page.locator(".widget-readout")).to_have_text("7")
        assert not page.get_by_text("Error displaying widget").count()
        keep(page, "lab-widgets.png")
        page.context.close()
