"""How people get into a wiw classroom: learners by name, the instructor by a URL of their own.

- ``JoinAuthenticator``: opening the join URL shows one small page asking for a
  name (optional: "Join" alone picks one). The name is the learner's account,
  unique in the class, and the hub's cookie keeps the browser logged in as it;
  a name in use cannot be taken by another browser.
- ``PasswordAuthenticator``: JupyterHub's shared-password login (names people
  type, one class password), for learners who come back from another device.
- Both add the instructor's door: ``hub/instructor/KEY``, where KEY is the
  instructor secret wiw keeps on the hub's volume, logs in the account
  ``instructor``, whose role lets it see and help every learner. No learner
  can take that name.

No name written here is a learner's: wiw passes the instructor's account and
secret in the state file (see jupyterhub_config.py).
"""

from __future__ import annotations

import asyncio
import hmac
import html
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jupyterhub import orm
from jupyterhub.auth import Authenticator
from jupyterhub.authenticators.shared import SharedPasswordAuthenticator
from jupyterhub.handlers import BaseHandler
from jupyterhub.utils import url_path_join
from tornado import web
from traitlets import List, Unicode
from traitlets.config import Configurable
from wiw_contract import LESSONS, MAX_NAME, clean_name, name_problem

_JOINING = asyncio.Lock()  # one name is claimed at a time: no two browsers get the same

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Join the workshop</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:26rem;margin:3rem auto;padding:0 1rem;
color:#222}}h1{{font-size:1.4rem}}label{{display:block;margin:1rem 0 .3rem}}
input{{font-size:1.1rem;padding:.5rem;width:100%;box-sizing:border-box}}
button{{font-size:1.1rem;padding:.6rem 1.2rem;margin-top:1rem;width:100%}}
.error{{color:#b00020}}.hint{{color:#555;font-size:.9rem}}
</style></head><body>
<h1>Join the workshop</h1>
<form method="post" action="{action}">
{xsrf}
<label for="name">Your name, as the instructor will see it</label>
<input id="name" name="name" maxlength="{max_name}" autocomplete="nickname" value="{name}"
 autofocus{listed}>
{roster}<input type="hidden" id="screen" name="screen" value="">
<p class="error" role="alert">{error}</p>
<button type="submit">Join</button>
<p class="hint">{hint}</p>
</form>
<script>
document.getElementById("screen").value =
  matchMedia("(max-width: {narrow}px)").matches ? "narrow" : "wide";
const field = document.getElementById("name");
if (!field.value) field.value = localStorage.getItem("wiw-name") || "";
document.forms[0].addEventListener("submit", () =>
  localStorage.setItem("wiw-name", field.value));
</script>
</body></html>
"""


NARROW = 759  # CSS pixels: at most this wide, a screen gets one document (JupyterLab's own
# phone breakpoint is 760 px); phones in portrait are 320 to 430 px wide.
TEXT_LESSON = (".md", ".py")  # with a Jupytext header, a lesson (wiw.build.text_lessons)


def one_document(screen: str, user_agent: str) -> bool:
    """Whether this browser is given a lesson on its own, not JupyterLab's full layout.

    The join page's script says ``narrow`` or ``wide`` from the window's width.
    Without it (scripts off), a ``Mobi`` in the User-Agent, the mark phones'
    browsers carry, decides.
    """
    if screen in ("narrow", "wide"):
        return screen == "narrow"
    return "Mobi" in user_agent


def is_lesson(path: Path) -> bool:
    """A notebook, or a Markdown file or script whose header names Jupytext."""
    if path.suffix == ".ipynb":
        return True
    if path.suffix not in TEXT_LESSON:
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(4096).decode("utf-8", errors="replace")
    except OSError:
        return False
    first = head.split("\n", 1)[0].strip()
    return first in ("---", "# ---") and "jupytext" in head


@lru_cache(maxsize=4)
def first_lesson(root: str = LESSONS) -> str | None:
    """The first lesson in the image (by path, as wiw orders them), relative to ``root``.

    Learners' homes hold the lessons at the same paths. Hidden files and
    folders are not lessons. None when the image has none (or no such folder).
    """
    base = Path(root)
    found = sorted(
        p for p in base.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(base).parts)
    )  # fmt: skip
    return next((p.relative_to(base).as_posix() for p in found if is_lesson(p)), None)


PICK_HINT = "Leave it empty to get a name picked for you."
ROSTER_HINT = "Choose your name from the class list: each name can be taken once."


class JoinHandler(BaseHandler):
    """``hub/join``: the one page a learner sees before their server."""

    def _page(self, *, name: str = "", error: str = "", status: int = 200) -> None:
        self.set_status(status)
        self.set_header("Cache-Control", "no-store")
        free = self._unclaimed()
        options = "".join(f'<option value="{html.escape(n)}">' for n in free)
        self.finish(PAGE.format(
            action=html.escape(self.request.uri or ""), xsrf=self.xsrf_form_html(),
            max_name=MAX_NAME, name=html.escape(name), error=html.escape(error),
            listed=' list="roster"' if self._roster() else "",
            roster=f'<datalist id="roster">{options}</datalist>\n' if self._roster() else "",
            hint=ROSTER_HINT if self._roster() else PICK_HINT, narrow=NARROW,
        ))  # fmt: skip

    def _landing(self, user: Any) -> str:
        """Where a learner goes once in: on a phone, the first lesson alone; else JupyterLab.

        A ``next`` the hub was given that leads further than the hub's home (a
        link to one file) wins over both.
        """
        screen = self.get_body_argument("screen", "") if self.request.method == "POST" else ""
        lesson = first_lesson()
        phone = one_document(screen, self.request.headers.get("User-Agent", ""))
        further = self.get_argument("next", "").rstrip("/") not in (
            "",
            self.hub.base_url.rstrip("/"),
        )
        if further or lesson is None or not phone:
            return str(self.get_next_url(user))
        return str(url_path_join(self.hub.base_url, "user-redirect/doc/tree", quote(lesson)))

    def _roster(self) -> list[str]:
        """The class list, when the instructor gave one (names as written there)."""
        return list(getattr(self.authenticator, "roster", []) or [])

    def _unclaimed(self) -> list[str]:
        """The class list's names nobody has taken yet."""
        return [n for n in self._roster() if not self._taken(n)]

    def _problem(self, name: str, instructor: str) -> tuple[str, str | None]:
        """The name to log in as (the class list's spelling), and why it cannot be, if so."""
        roster = self._roster()
        if roster and not name:
            return name, "Choose your name from the class list."
        problem = name_problem(name, instructor)
        if problem is None and roster:
            listed = {n.casefold(): n for n in roster}
            if name.casefold() not in listed:
                return name, f"{name} is not on the class list. Choose your name from the list."
            name = listed[name.casefold()]
        if problem is None and self._taken(name):
            problem = f"{name} is already in the class. Please choose another name."
        return name, problem

    async def get(self) -> None:
        """Show the page, or send a learner who is already in on to their server."""
        user = self.current_user
        if user is not None:
            self.redirect(self._landing(user))
            return
        self._page()

    async def post(self) -> None:
        """Claim the name (or a picked one) and log in as it."""
        auth: Any = self.authenticator
        name = clean_name(self.get_body_argument("name", ""))
        async with _JOINING:
            if not name and not self._roster():
                name = self._free_name()
            name, problem = self._problem(name, auth.instructor)
            if problem is not None:
                self._page(name=name, error=problem, status=409)
                return
            user = await self.login_user({"name": name, "wiw": "join"})
        if user is None:
            raise web.HTTPError(403, "This name cannot be used.")
        self.redirect(self._landing(user))

    def _taken(self, name: str) -> bool:
        """Whether someone has this name already, in any case ("Grace" and "grace" are one)."""
        wanted = name.casefold()
        return any(str(n).casefold() == wanted for (n,) in self.db.query(orm.User.name))

    def _free_name(self) -> str:
        """A name nobody has, for a learner who gave none: 'learner-' and four hex digits."""
        while True:
            name = f"learner-{secrets.token_hex(2)}"
            if not self._taken(name):
                return name


class InstructorHandler(BaseHandler):
    """``hub/instructor/KEY``: the instructor's own door, to the admin page."""

    async def get(self, key: str) -> None:
        """Log in as the instructor when the key is right; otherwise nothing is here."""
        auth: Any = self.authenticator
        user = await self.login_user({"name": auth.instructor, "wiw": "instructor", "key": key})
        if user is None:
            raise web.HTTPError(404)
        self.set_hub_cookie(user)
        self.redirect(url_path_join(self.hub.base_url, "admin"))


class InstructorDoor(Configurable):
    """The instructor's door, added to an authenticator (a mixin).

    Whatever else the authenticator allows, the instructor's account is only
    ever granted through the door, with the right key.
    """

    instructor = Unicode("instructor", config=True, help="The instructor's account name.")
    instructor_key = Unicode("", config=True, help="The instructor's secret.")

    def instructor_login(self, data: dict[str, Any]) -> dict[str, Any] | None:
        """The instructor's account, when ``data`` came through the door with the right key."""
        key = str(data.get("key", ""))
        if self.instructor_key and hmac.compare_digest(key, self.instructor_key):
            return {"name": self.instructor}
        return None

    def door_handlers(self) -> list[tuple[str, type[BaseHandler]]]:
        """The door's route."""
        return [(r"/instructor/([^/]+)", InstructorHandler)]


class JoinAuthenticator(InstructorDoor, Authenticator):
    """Learners join by giving a name (or none); the hub's cookie keeps them in.

    With a class list (``roster``), the join page offers its names and takes
    only those, each once.
    """

    auto_login = True
    roster = List(Unicode(), config=True, help="The class list: the names learners may take.")

    def normalize_username(self, username: str) -> str:
        """Names are kept as the learner wrote them (unique whatever their case)."""
        return clean_name(username)

    def login_url(self, base_url: str) -> str:
        """Where a learner who is not in yet is sent: the join page."""
        return str(url_path_join(base_url, "join"))

    def get_handlers(self, app: Any) -> list[tuple[str, type[BaseHandler]]]:
        """The join page and the instructor's door."""
        return [("/join", JoinHandler), *self.door_handlers()]

    async def authenticate(self, handler: Any, data: dict[str, Any] | None) -> Any:
        """A name claimed on the join page, or the instructor through their door."""
        data = data or {}
        if data.get("wiw") == "instructor":
            return self.instructor_login(data)
        if data.get("wiw") == "join" and data.get("name"):
            return {"name": str(data["name"])}
        return None


class PasswordAuthenticator(InstructorDoor, SharedPasswordAuthenticator):
    """Names people type and one class password; the instructor's door besides."""

    def get_handlers(self, app: Any) -> list[tuple[str, type[BaseHandler]]]:
        """The login page and the instructor's door."""
        return [*super().get_handlers(app), *self.door_handlers()]

    async def authenticate(self, handler: Any, data: dict[str, Any] | None) -> Any:
        """The class password for learners; the instructor only through their door."""
        data = data or {}
        if data.get("wiw") == "instructor":
            return self.instructor_login(data)
        name = clean_name(str(data.get("username", "")))
        if name_problem(name, self.instructor) is not None:
            return None
        return await super().authenticate(handler, {**data, "username": name})
