"""The classroom's logins (jupyterhub/wiw_auth.py): names learners may use, the instructor's key.

The module runs inside the image beside JupyterHub; here JupyterHub's and
tornado's classes are stand-ins, so that wiw's own rules can be checked.
"""

from __future__ import annotations

import asyncio
import unicodedata
from typing import Any

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
    assert attempt({"username": "Ada", "password": "class pw"}) == {"name": "Ada"}
    assert attempt({"username": "Ada", "password": "wrong"}) is None
    assert attempt({"wiw": "instructor", "key": "k" * 32}) == {"name": "instructor"}
