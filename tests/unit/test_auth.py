"""The classroom's logins (jupyterhub/hub/wiw_auth.py): learners' names, the instructor's key.

The module runs inside the image beside JupyterHub; here JupyterHub's and
tornado's classes are stand-ins, so that wiw's own rules can be checked.
"""

from __future__ import annotations

import asyncio
import re
import unicodedata
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from tests.support.fakehub import install_hub_fakes
from tests.support.hubside import load_support_module


@pytest.fixture
def auth(monkeypatch: pytest.MonkeyPatch) -> Any:
    """wiw_auth imported against stand-ins for JupyterHub, tornado and traitlets."""
    install_hub_fakes(monkeypatch)
    return load_support_module("wiw_auth")


@pytest.mark.parametrize("name", ["Ada", "Ada Lovelace", "Zoë", "O'Brien", "li-na_2", "Σοφία"])
def test_names_people_have_are_accepted(auth: Any, name: str) -> None:
    """Letters of any script, spaces, apostrophes, dashes and digits make a name."""
    assert auth.name_problem(auth.clean_name(name), "instructor") is None


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("x" * 41, "at most 40"),
        ("<script>", "letters, digits"),
        ("ada/../bob", "letters, digits"),
        (" ", "letters, digits"),
        ("-ada", "starting with a letter"),
        ("Instructor", "taken"),
        ("INSTRUCTOR", "taken"),
    ],
)
def test_names_that_cannot_be_used_say_why(auth: Any, name: str, problem: str) -> None:
    """Too long, odd characters, or the instructor's account: refused, with the reason."""
    found = auth.name_problem(auth.clean_name(name), "instructor")
    assert found is not None
    assert problem in found


def test_names_are_cleaned_to_one_spelling(auth: Any) -> None:
    """Composed and decomposed accents and stray spaces give one name."""
    decomposed = unicodedata.normalize("NFD", "Zoë")
    assert auth.clean_name(f"  {decomposed}   Ma ") == "Zoë Ma"


def test_the_instructor_door_opens_only_with_the_key(auth: Any) -> None:
    """The right key logs in the instructor; a wrong, empty or unset key does not."""
    door = auth.InstructorDoor()
    door.instructor, door.instructor_key = "instructor", "k" * 32
    assert door.instructor_login({"key": "k" * 32}) == {"name": "instructor"}
    assert door.instructor_login({"key": "k" * 31 + "x"}) is None
    assert door.instructor_login({}) is None
    door.instructor_key = ""
    assert door.instructor_login({"key": ""}) is None


def test_nobody_becomes_the_instructor_through_the_class_password(auth: Any) -> None:
    """With the class password, 'instructor' is refused; other names work."""
    login = auth.PasswordAuthenticator()
    login.instructor, login.instructor_key = "instructor", "k" * 32

    def attempt(data: dict[str, str]) -> Any:
        return asyncio.run(login.authenticate(None, data))

    assert attempt({"username": "instructor", "password": "class pw"}) is None
    assert attempt({"password": "class pw"}) is None  # no name is no account
    assert attempt({"username": "Ada", "password": "class pw"}) == {"name": "Ada"}
    assert attempt({"username": "  Ada   Lovelace ", "password": "class pw"}) == {
        "name": "Ada Lovelace"  # the name cleaned, as on the join page
    }
    assert attempt({"username": "Ada", "password": "wrong"}) is None
    assert attempt({"wiw": "instructor", "key": "k" * 32}) == {"name": "instructor"}


# --- The join page -----------------------------------------------------------


class JoinPage:
    """What JoinHandler asks of JupyterHub and tornado, with the class's names in the database."""

    def __init__(self, names: list[str], form: dict[str, str], *, accepted: bool = True) -> None:
        self.names, self.form, self.accepted = names, form, accepted
        self.authenticator = SimpleNamespace(instructor="instructor")
        self.db = SimpleNamespace(query=self.query)
        self.headers: dict[str, str] = {}
        self.request = SimpleNamespace(
            uri="/hub/join?next=%2Fuser%2Fx", method="POST", headers={"User-Agent": "Firefox"}
        )
        self.hub = SimpleNamespace(base_url="/hub/")
        self.status, self.page, self.redirected = 0, "", ""
        self.logins: list[dict[str, Any]] = []
        self.current_user: Any = None

    def query(self, column: Any) -> list[tuple[str]]:
        """The database's answer: the learners' names, when asked for the users' names."""
        assert column == "users.name"
        return [(name,) for name in self.names]

    def get_body_argument(self, name: str, default: str) -> str:
        """A field of the submitted form."""
        return self.form.get(name, default)

    def get_argument(self, name: str, default: str) -> str:
        """A field of the form or of the query string (the form's last, as in tornado)."""
        query = dict(parse_qsl(urlsplit(self.request.uri or "").query))
        return self.form.get(name, query.get(name, default))

    def set_status(self, status: int) -> None:
        """Record the status."""
        self.status = status

    def set_header(self, name: str, value: str) -> None:
        """Record the header."""
        self.headers[name] = value

    def finish(self, page: str) -> None:
        """Record the page sent."""
        self.page = page

    def xsrf_form_html(self) -> str:
        """The XSRF field tornado puts in forms."""
        return '<input type="hidden" name="_xsrf" value="x">'

    async def login_user(self, data: dict[str, Any]) -> Any:
        """Record the login; the user the hub made, unless it refuses."""
        self.logins.append(data)
        return SimpleNamespace(name=data["name"]) if self.accepted else None

    def get_next_url(self, user: Any) -> str:
        """Where the hub sends a user who is in."""
        return f"/hub/user/{user.name}/"

    def redirect(self, url: str) -> None:
        """Record the redirect."""
        self.redirected = url


@pytest.fixture
def join(auth: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """Make a join page over the class's names and a submitted form; post() runs it."""
    monkeypatch.setattr(auth.orm, "User", SimpleNamespace(name="users.name"), raising=False)
    page = type("Join", (JoinPage, auth.JoinHandler), {})

    def made(
        names: list[str], name: str | None, *, accepted: bool = True, instructor: str = ""
    ) -> Any:
        handler = page(names, {} if name is None else {"name": name}, accepted=accepted)
        handler.authenticator.instructor = instructor or "instructor"
        asyncio.run(handler.post())
        return handler

    return made


@pytest.mark.parametrize("name", ["grace", "GRACE", "Grace", "  grace "])
def test_a_name_in_use_is_refused_in_any_case(join: Any, name: str) -> None:
    """'grace' is 'Grace': the form comes back (409) saying so, and nobody is logged in."""
    page = join(["Ada", "Grace"], name)
    assert page.status == 409
    assert "is already in the class" in page.page
    assert page.logins == []
    assert page.redirected == ""


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("<script>", "letters, digits"),
        ("-ada", "starting with a letter"),
        ("x" * 41, "at most 40"),
        ("Instructor", "taken"),
    ],
)
def test_a_name_that_cannot_be_used_comes_back_with_the_reason(
    join: Any, name: str, reason: str
) -> None:
    """The form is shown again with the name as typed (escaped) and why it was refused."""
    page = join([], name)
    assert page.status == 409
    assert reason in page.page
    assert "<script>" not in page.page.split("<form", 1)[1].split("</form>")[0]
    assert page.logins == []


def test_no_name_gets_a_free_one_picked(join: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Join alone: a 'learner-' name nobody has is picked and logged in."""
    picks = iter(["0a1b", "2c3d"])
    sizes: list[int] = []

    def token_hex(size: int) -> str:
        sizes.append(size)
        return next(picks)

    monkeypatch.setattr("secrets.token_hex", token_hex)
    page = join(["learner-0a1b"], "  ")
    assert page.logins == [{"name": "learner-2c3d", "wiw": "join"}]
    assert page.redirected == "/hub/user/learner-2c3d/"
    assert sizes == [2, 2]  # four hex digits


@pytest.mark.parametrize("name", [None, ""])
def test_a_form_without_a_name_gets_one_picked(join: Any, name: str | None) -> None:
    """No name field at all, or an empty one: 'learner-' and four hex digits."""
    page = join([], name)
    (login,) = page.logins
    assert re.fullmatch(r"learner-[0-9a-f]{4}", login["name"])


def test_the_instructors_name_as_configured_is_refused(join: Any) -> None:
    """The instructor's account is the one the hub is given, not a fixed word."""
    page = join([], "Teacher", instructor="teacher")
    assert page.status == 409
    assert "taken" in page.page
    assert join([], "Instructor", instructor="teacher").logins == [
        {"name": "Instructor", "wiw": "join"}
    ]


def test_a_refused_name_is_shown_again_in_the_form(join: Any) -> None:
    """The learner sees what they typed (escaped), uncached, with the field's limit."""
    page = join(["Grace"], "grace")
    assert 'value="grace"' in page.page
    assert 'maxlength="40"' in page.page
    assert page.headers == {"Cache-Control": "no-store"}


def test_a_free_name_is_logged_in_as_written(join: Any) -> None:
    """A new name logs in (with the hub's cookie) under the name as the learner wrote it."""
    page = join(["Ada"], " Zoë  Ma ")
    assert page.logins == [{"name": "Zoë Ma", "wiw": "join"}]
    assert page.redirected == "/hub/user/Zoë Ma/"
    assert page.status == 0  # no page: a redirect


def test_a_login_the_hub_refuses_is_an_error(join: Any) -> None:
    """Should the hub refuse the login, the learner gets a 403, not a half-made account."""
    with pytest.raises(RuntimeError) as refused:  # tornado's HTTPError, stood in for
        join([], "Ada", accepted=False)
    assert refused.value.args == (403, "This name cannot be used.")


def test_the_join_page_is_shown_to_a_newcomer(auth: Any) -> None:
    """Not logged in yet: the page, with the form posting back where it came from."""
    page = type("Join", (JoinPage, auth.JoinHandler), {})([], {})
    asyncio.run(page.get())
    assert page.status == 200
    assert 'action="/hub/join?next=%2Fuser%2Fx"' in page.page
    assert 'name="_xsrf"' in page.page
    assert 'autocomplete="nickname" value=""' in page.page
    assert '<p class="error" role="alert"></p>' in page.page
    assert page.headers == {"Cache-Control": "no-store"}
    page.request.uri = None
    asyncio.run(page.get())
    assert 'action=""' in page.page


def test_a_learner_already_in_goes_on_to_their_server(auth: Any) -> None:
    """The hub's cookie knows them: no page, straight on."""
    page = type("Join", (JoinPage, auth.JoinHandler), {})([], {})
    page.current_user = SimpleNamespace(name="Ada")
    asyncio.run(page.get())
    assert page.redirected == "/hub/user/Ada/"
    assert page.page == ""


def test_the_instructor_as_configured_cannot_use_the_class_password(auth: Any) -> None:
    """Whatever the instructor's account is called, the class password does not open it."""
    login = auth.PasswordAuthenticator()
    login.instructor, login.instructor_key = "teacher", "k" * 32
    assert (
        asyncio.run(login.authenticate(None, {"username": "Teacher", "password": "class pw"}))
        is None
    )
    handler = SimpleNamespace(request="the login form")
    assert asyncio.run(
        login.authenticate(handler, {"username": "Ada", "password": "class pw"})
    ) == {
        "name": "Ada",
        "handler": "the login form",
    }


class DoorPage:
    """What InstructorHandler asks of JupyterHub: the login, the cookie, the redirect."""

    def __init__(self, accepted: bool) -> None:
        self.accepted = accepted
        self.authenticator = SimpleNamespace(instructor="teacher")
        self.hub = SimpleNamespace(base_url="/secret/hub/")
        self.logins: list[dict[str, Any]] = []
        self.cookie: Any = None
        self.redirected = ""

    async def login_user(self, data: dict[str, Any]) -> Any:
        """Record the login; the user, unless the authenticator refused it."""
        self.logins.append(data)
        return SimpleNamespace(name=data["name"]) if self.accepted else None

    def set_hub_cookie(self, user: Any) -> None:
        """Record whose cookie is set."""
        self.cookie = user

    def redirect(self, url: str) -> None:
        """Record the redirect."""
        self.redirected = url


def test_the_instructors_door_logs_in_and_opens_the_admin_page(auth: Any) -> None:
    """The key goes to the authenticator as the instructor's; in, they land on the admin page."""
    page = type("Door", (DoorPage, auth.InstructorHandler), {})(True)
    asyncio.run(page.get("k" * 32))
    assert page.logins == [{"name": "teacher", "wiw": "instructor", "key": "k" * 32}]
    assert page.cookie.name == "teacher"
    assert page.redirected == "/secret/hub/admin"


def test_a_wrong_key_finds_nothing_at_the_door(auth: Any) -> None:
    """Refused, the door is a 404: nothing says an instructor's door is there."""
    page = type("Door", (DoorPage, auth.InstructorHandler), {})(False)
    with pytest.raises(RuntimeError) as refused:  # tornado's HTTPError, stood in for
        asyncio.run(page.get("wrong"))
    assert refused.value.args == (404,)
    assert page.cookie is None
    assert page.redirected == ""


def test_learners_join_through_the_join_page(auth: Any) -> None:
    """The join page is the login URL; the routes are the page and the instructor's door."""
    login = auth.JoinAuthenticator()
    assert login.login_url("/secret/hub/") == "/secret/hub/join"
    assert login.get_handlers(None) == [
        ("/join", auth.JoinHandler),
        (r"/instructor/([^/]+)", auth.InstructorHandler),
    ]
    assert login.normalize_username("  Zoë   Ma ") == "Zoë Ma"


def test_the_class_password_login_keeps_its_page_and_adds_the_door(auth: Any) -> None:
    """JupyterHub's login page stays; the instructor's door comes after it."""
    login = auth.PasswordAuthenticator()
    app = SimpleNamespace(name="the hub")
    assert login.get_handlers(app) == [
        ("/login", "login page of the hub"),
        (r"/instructor/([^/]+)", auth.InstructorHandler),
    ]


def test_the_join_authenticator_accepts_claims_from_its_own_pages_only(auth: Any) -> None:
    """A join with a name, or the instructor with the key; anything else is refused."""
    login = auth.JoinAuthenticator()
    login.instructor, login.instructor_key = "teacher", "k" * 32

    def attempt(data: dict[str, Any] | None) -> Any:
        return asyncio.run(login.authenticate(None, data))

    assert attempt({"wiw": "join", "name": "Ada"}) == {"name": "Ada"}
    assert attempt({"wiw": "instructor", "key": "k" * 32}) == {"name": "teacher"}
    assert attempt({"wiw": "instructor", "key": "wrong"}) is None
    assert attempt({"wiw": "join", "name": ""}) is None
    assert attempt({"wiw": "join"}) is None
    assert attempt({"name": "Ada"}) is None  # not from the join page
    assert attempt({"wiw": "other", "name": "Ada"}) is None
    assert attempt({"username": "Ada", "password": "class pw"}) is None
    assert attempt(None) is None


ROSTER = ["Ada Lovelace", "Grace Hopper", "Émilie du Châtelet"]


def roster_page(auth: Any, names: list[str], form: dict[str, str]) -> Any:
    """A join page of a class with a class list, over the names taken and a form."""
    handler = type("Join", (JoinPage, auth.JoinHandler), {})(names, form)
    handler.authenticator.roster = ROSTER
    return handler


@pytest.fixture
def users(auth: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """The database's users' names, as the join page asks for them."""
    monkeypatch.setattr(auth.orm, "User", SimpleNamespace(name="users.name"), raising=False)


@pytest.mark.usefixtures("users")
def test_a_class_list_takes_its_names_only_each_once_as_written(auth: Any) -> None:
    """Typed in any case, a listed name logs in as the list writes it; never twice; no other."""
    taken = roster_page(auth, [], {"name": "  ÉMILIE DU   CHÂTELET "})
    asyncio.run(taken.post())
    assert taken.logins == [{"name": "Émilie du Châtelet", "wiw": "join"}]
    again = roster_page(auth, ["Émilie du Châtelet"], {"name": "émilie du châtelet"})
    asyncio.run(again.post())
    assert (again.status, again.logins) == (409, [])
    assert "already in the class" in again.page
    stranger = roster_page(auth, [], {"name": "Eve"})
    asyncio.run(stranger.post())
    assert (stranger.status, stranger.logins) == (409, [])
    assert "Eve is not on the class list" in stranger.page
    nameless = roster_page(auth, [], {})
    asyncio.run(nameless.post())
    assert (nameless.status, nameless.logins) == (409, [])  # no name is picked from a list
    assert '<p class="error" role="alert">Choose your name from the class list.</p>' in (
        nameless.page
    )


@pytest.mark.usefixtures("users")
def test_the_join_page_offers_the_names_nobody_took(auth: Any) -> None:
    """The list's free names, to type ahead; without a list, no list and the usual hint."""
    page = roster_page(auth, ["Grace Hopper"], {})
    asyncio.run(page.get())
    offered = re.findall(r'<option value="([^"]*)">', page.page)
    assert offered == ["Ada Lovelace", "Émilie du Châtelet"]
    assert (
        ' autofocus list="roster">\n<datalist id="roster"><option value="Ada Lovelace">'
        '<option value="Émilie du Châtelet"></datalist>\n<input type="hidden" id="screen"'
    ) in page.page
    assert auth.ROSTER_HINT in page.page
    plain = type("Join", (JoinPage, auth.JoinHandler), {})([], {})
    asyncio.run(plain.get())
    assert "<datalist" not in plain.page
    assert 'list="roster"' not in plain.page
    assert ' autofocus>\n<input type="hidden" id="screen" name="screen" value="">\n<p' in (
        plain.page
    )
    assert auth.PICK_HINT in plain.page


# --- Where a learner lands: a phone gets the first lesson alone ----------------


@pytest.mark.parametrize(
    ("screen", "agent", "alone"),
    [
        ("narrow", "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", True),
        ("wide", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0) Mobile/15E148", False),
        ("", "Mozilla/5.0 (Linux; Android 15; Pixel 9) Chrome/140.0 Mobile Safari/537.36", True),
        ("", "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", False),
        ("tiny", "Mozilla/5.0 (iPhone) Mobile", True),  # not the script's word: the agent
        ("tiny", "curl/8.14", False),
    ],
)
def test_the_screens_width_decides_and_the_agent_only_without_it(
    auth: Any, screen: str, agent: str, *, alone: bool
) -> None:
    """The page's script measures the window; with scripts off, 'Mobi' marks a phone."""
    assert auth.one_document(screen, agent) is alone


def test_the_join_page_measures_the_window_for_the_form(auth: Any) -> None:
    """The script fills the hidden field from a width query at the phone breakpoint."""
    page = type("Join", (JoinPage, auth.JoinHandler), {})([], {})
    asyncio.run(page.get())
    assert '<input type="hidden" id="screen" name="screen" value="">' in page.page
    assert 'matchMedia("(max-width: 759px)").matches ? "narrow" : "wide"' in page.page
    assert auth.NARROW == 759


def lesson_folder(root: Path, files: dict[str, str]) -> str:
    """Write ``files`` (path: text) under ``root``; return it as the image's lessons folder."""
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    return str(root)


HEADER_MD = "---\njupytext:\n  text_representation: {}\n---\n# Lesson\n"
HEADER_PY = "# ---\n# jupyter:\n#   jupytext:\n#     formats: py:percent\n# ---\nx = 1\n"


def test_the_first_lesson_is_the_first_by_path_as_wiw_orders_them(
    auth: Any, tmp_path: Path
) -> None:
    """Notebooks and text lessons count, by path; data, plain text and hidden files do not."""
    root = lesson_folder(tmp_path, {
        "a-data.csv": "x\n1\n", "aa-notes.md": "# not a lesson\n", "ab.py": "print(1)\n",
        ".hidden/a.ipynb": "{}", "b/.ipynb_checkpoints/x.ipynb": "{}",
        "b/lesson2.ipynb": "{}", "b/lesson10.ipynb": "{}", "c.ipynb": "{}",
    })  # fmt: skip
    assert auth.first_lesson(root) == "b/lesson10.ipynb"  # '1' sorts before '2', as in wiw
    md = lesson_folder(tmp_path / "md", {"z.ipynb": "{}", "intro.md": HEADER_MD})
    assert auth.first_lesson(md) == "intro.md"
    py = lesson_folder(tmp_path / "py", {"z.ipynb": "{}", "a.py": HEADER_PY})
    assert auth.first_lesson(py) == "a.py"


def test_a_header_must_open_the_file_and_name_jupytext(auth: Any, tmp_path: Path) -> None:
    """A front matter without Jupytext, or Jupytext named below the top, is no lesson."""
    assert not auth.is_lesson(
        Path(lesson_folder(tmp_path, {"t.md": "---\ntitle: x\n---\n"})) / "t.md"
    )
    late = Path(lesson_folder(tmp_path, {"l.md": "# Title\n---\njupytext: {}\n---\n"}))
    assert not auth.is_lesson(late / "l.md")
    assert not auth.is_lesson(tmp_path / "gone.ipynb.md")
    assert auth.is_lesson(tmp_path / "anything.ipynb")
    assert not auth.is_lesson(tmp_path / "missing.py")  # unreadable: not a lesson


def test_the_header_is_read_from_the_first_4096_bytes_whatever_their_encoding(
    auth: Any, tmp_path: Path
) -> None:
    """A Latin-1 byte does not stop the reading; 'jupytext' past 4 KiB is not seen."""
    latin = tmp_path / "latin.md"
    latin.write_bytes(b"---\ntitle: Caf\xe9\njupytext: {}\n---\n")
    assert auth.is_lesson(latin)
    cut = tmp_path / "cut.md"
    cut.write_bytes(b"---\n" + b"#" * 4085 + b"jupytext: {}\n---\n")  # its last t: byte 4097
    assert not auth.is_lesson(cut)
    whole = tmp_path / "whole.md"
    whole.write_bytes(b"---\n" + b"#" * 4084 + b"jupytext: {}\n---\n")  # ends at byte 4096
    assert auth.is_lesson(whole)


def test_no_lessons_folder_means_no_first_lesson(auth: Any, tmp_path: Path) -> None:
    """An empty folder, or none at all: None."""
    assert auth.first_lesson(str(tmp_path)) is None
    assert auth.first_lesson(str(tmp_path / "absent")) is None


def landing(
    auth: Any, monkeypatch: pytest.MonkeyPatch, form: dict[str, str], *,
    lesson: str | None = "part 1/lesson01.ipynb", uri: str = "/hub/join", agent: str = "Firefox",
) -> str:  # fmt: skip
    """Where a learner posting ``form`` to the join page at ``uri`` is sent (no agent: none)."""
    monkeypatch.setattr(auth.orm, "User", SimpleNamespace(name="users.name"), raising=False)
    monkeypatch.setattr(auth, "first_lesson", lambda: lesson)
    page = type("Join", (JoinPage, auth.JoinHandler), {})([], form)
    page.request.uri = uri
    page.request.headers = {"User-Agent": agent} if agent else {}
    asyncio.run(page.post())
    return str(page.redirected)


def test_a_phone_is_sent_to_the_first_lesson_in_one_document_view(
    auth: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Narrow: JupyterLab's /doc view of the first lesson, its path quoted; wide: the server."""
    phone = landing(auth, monkeypatch, {"name": "Ada", "screen": "narrow"})
    assert phone == "/hub/user-redirect/doc/tree/part%201/lesson01.ipynb"
    assert landing(auth, monkeypatch, {"name": "Ada", "screen": "wide"}) == "/hub/user/Ada/"
    agent = "Mozilla/5.0 (iPhone) Mobile/15E148"
    assert landing(auth, monkeypatch, {"name": "Ada"}, agent=agent).endswith("/lesson01.ipynb")
    assert landing(auth, monkeypatch, {"name": "Ada"}, agent="") == "/hub/user/Ada/"  # none


def test_a_link_given_or_no_lesson_keeps_the_hubs_own_way(
    auth: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A ``next`` further than the hub's home wins; an image without lessons opens JupyterLab."""
    form = {"name": "Ada", "screen": "narrow"}
    assert landing(auth, monkeypatch, form, uri="/hub/join?next=%2Fuser%2FAda%2Flab") == (
        "/hub/user/Ada/"
    )
    lesson = "/hub/user-redirect/doc/tree/part%201/lesson01.ipynb"
    for home in ("%2Fhub%2F", "%2Fhub", ""):  # the join URL's own way in: /hub/, then join
        assert landing(auth, monkeypatch, form, uri=f"/hub/join?next={home}") == lesson
    assert landing(auth, monkeypatch, form, uri="/hub/join?next=%2Fhub%2FX") == "/hub/user/Ada/"
    assert landing(auth, monkeypatch, form, lesson=None) == "/hub/user/Ada/"


def test_a_phone_already_in_goes_to_the_first_lesson_again(
    auth: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Scanning the code again on the phone: the lesson, judged by the agent (no form)."""
    monkeypatch.setattr(auth, "first_lesson", lambda: "lesson01.ipynb")
    page = type("Join", (JoinPage, auth.JoinHandler), {})([], {"screen": "wide"})
    page.current_user = SimpleNamespace(name="Ada")
    page.request.method, page.request.uri = "GET", "/hub/join"
    page.request.headers = {"User-Agent": "Mozilla/5.0 (Android 15) Mobile Safari"}
    asyncio.run(page.get())
    assert page.redirected == "/hub/user-redirect/doc/tree/lesson01.ipynb"
