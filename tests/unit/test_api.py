"""The public API is exactly what wiw means to offer."""

from __future__ import annotations

import importlib
import re
import sys
import warnings
from pathlib import Path

import pytest

import wiw
import wiw.errors
from wiw import _compat

PUBLIC = {
    "BuildFailed", "BuildProgress", "BuildRecord", "CellFailure", "ClassPlan", "ClassTooBig",
    "CollectIncomplete", "Classroom", "ClassroomOptions", "Engine", "EngineError", "EngineMissing",
    "EnginePermissionDenied", "EngineUnavailable", "Environment", "ExpectedError", "Lab",
    "HubError", "HubExited", "Image", "ImageNotFound", "ImageOutdated", "InvalidName",
    "InvalidNotebook", "InvalidOption", "Learner", "LearnerLimits", "LessonReport", "LessonResult",
    "LessonRunFailed", "NoLessons", "NoPublicAddress", "NotEnoughDisk", "OutputDrift", "PortInUse",
    "PrivateFolder", "PruneResult", "RegistryAuthFailed", "RegistryUnreachable",
    "SourceAuthRequired", "SourceError", "SourceRefNotFound", "TLSFiles", "TokenTimeout",
    "UnsupportedFile", "UnsupportedPython", "ValuesFileError", "WiwError", "Workshop",
    "WorkshopError", "WorkshopNotFound", "__version__", "plan_classroom", "qr_for_url",
    "qr_terminal", "save_qr", "test_lessons"
}  # fmt: skip


def test_all_is_exactly_the_public_names() -> None:
    """``wiw.__all__`` lists the public names and nothing private."""
    assert set(wiw.__all__) == PUBLIC
    for name in wiw.__all__:
        assert hasattr(wiw, name)


def test_public_callables_have_docstrings() -> None:
    """Every public class and function documents itself."""
    for name in wiw.__all__:
        obj = getattr(wiw, name)
        if callable(obj):
            assert obj.__doc__, name


API_PAGE = Path(__file__).parents[2] / "docs" / "api.md"
# The subpackages whose __init__ is public; everything else is wiw's own.
SUBPACKAGES = ("build", "classroom", "deploy", "engine", "lab", "lessons")
# Two helpers of the planning module, documented with its name.
PLANNING_HELPERS = {"wiw.planning.memory_bytes", "wiw.planning.format_bytes"}
DIRECTIVE = re.compile(r"^\.\. auto(?:class|function|data|exception):: (wiw\.[\w.]+)", re.M)


def documented() -> set[str]:
    """The dotted names docs/api.md documents one by one."""
    return set(DIRECTIVE.findall(API_PAGE.read_text()))


def public_names() -> set[str]:
    """Each public object under the name it is documented with: ``wiw.X`` if it is there."""
    names = {f"wiw.{name}" for name in wiw.__all__} | PLANNING_HELPERS
    top = {id(getattr(wiw, name)) for name in wiw.__all__}
    for package in SUBPACKAGES:
        module = importlib.import_module(f"wiw.{package}")
        names |= {
            f"wiw.{package}.{name}"
            for name in module.__all__
            if id(getattr(module, name)) not in top
        }
    return names


def test_the_api_page_documents_exactly_the_public_names() -> None:
    """docs/api.md and the ``__all__`` of wiw and its public subpackages name the same things.

    Errors are documented together (automodule of wiw.errors), the version is a string.
    """
    errors = {f"wiw.{n}" for n in wiw.__all__ if n in vars(wiw.errors)}
    expected = public_names() - errors - {"wiw.__version__"}
    assert documented() == expected


def test_every_documented_name_resolves() -> None:
    """Each name on the API page imports (no page left pointing at a moved name)."""
    for dotted in documented():
        module, _, name = dotted.rpartition(".")
        target = importlib.import_module(module)
        for part in name.split("."):
            target = getattr(target, part)


def test_subpackages_export_only_what_they_define_or_gather() -> None:
    """Each public subpackage's ``__all__`` names objects it really has."""
    for package in SUBPACKAGES:
        module = importlib.import_module(f"wiw.{package}")
        assert module.__doc__
        for name in module.__all__:
            assert hasattr(module, name), (package, name)


@pytest.mark.parametrize(
    ("old", "new", "name"),
    [
        ("wiw.hub", "wiw.lab", "Hub"),
        ("wiw.export", "wiw.deploy", "z2jh_values"),
        ("wiw.delivery", "wiw.classroom", "Delivered"),
        ("wiw.image", "wiw.build", "Image"),
        ("wiw.workshop", "wiw.build", "Workshop"),
        ("wiw.report", "wiw.lessons", "LessonReport"),
    ],
)
def test_old_module_paths_work_and_warn_once(old: str, new: str, name: str) -> None:
    """An import path from before the subpackages still works, and its first import warns."""
    sys.modules.pop(old, None)
    _compat._warned.discard(old)
    with pytest.warns(DeprecationWarning, match=f"{old} is deprecated.*use {new}"):
        module = importlib.import_module(old)
    assert hasattr(module, name)
    assert name in module.__all__
    if name != "Hub":
        assert getattr(module, name) is getattr(importlib.import_module(new), name)
    sys.modules.pop(old, None)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        importlib.import_module(old)  # a second import in the process stays quiet


def test_wiw_hub_is_the_lab_under_its_old_name() -> None:
    """``wiw.Hub`` warns and is a Lab; ``mode`` other than lab/classroom is still refused."""
    _compat._warned.discard("wiw.Hub")
    with pytest.warns(DeprecationWarning, match=r"wiw\.Hub is deprecated.*use wiw\.Lab"):
        hub = wiw.Hub
    assert issubclass(hub, wiw.Lab)
    assert "Hub" not in wiw.__all__
    with pytest.raises(wiw.InvalidOption, match="Unknown mode"):
        hub.run("wiw-test/never:1", mode="party")  # type: ignore[call-overload]
    with pytest.raises(AttributeError):
        _ = wiw.NoSuchThing
