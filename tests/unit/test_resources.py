"""Where wiw finds the folders it ships (wiw.resources): in the wheel, or in a checkout."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

import pytest

from wiw import resources

CHECKOUT = Path(resources.__file__).resolve().parents[2]


def test_the_support_folder_is_the_one_holding_the_dockerfile() -> None:
    """In a checkout: jupyterhub/ beside src/, recognised by its Dockerfile."""
    found = resources.support_dir()
    assert found == CHECKOUT / "jupyterhub"
    assert (found / "Dockerfile").is_file()


def test_the_example_workshop_is_the_one_with_requirements() -> None:
    """example_workshop/ beside src/, recognised by its requirements.txt."""
    assert resources.example_dir() == CHECKOUT / "example_workshop"


def test_a_support_file_is_found_by_its_path_inside_the_folder() -> None:
    """A path relative to jupyterhub/; one that is not there is refused, named."""
    assert resources.support_file("hub/wiw_auth.py") == CHECKOUT / "jupyterhub/hub/wiw_auth.py"
    with pytest.raises(FileNotFoundError) as missing:
        resources.support_file("hub/nothing.py")
    assert str(missing.value) == "wiw's jupyterhub/ folder holds no file 'hub/nothing.py'"
    with pytest.raises(FileNotFoundError):
        resources.support_file("hub")  # a folder is not a file


def test_a_folder_neither_shipped_nor_checked_out_is_an_error() -> None:
    """Nothing found in the wheel or the checkout: said plainly."""
    with pytest.raises(FileNotFoundError) as missing:
        resources._shipped("nowhere", "marker")
    assert str(missing.value) == "wiw's nowhere/ folder is missing from this installation"


def test_the_wheels_copy_wins_over_a_checkout(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Installed from a wheel, the package's own folder is used; one without its marker is not."""
    (tmp_path / "wiw" / "jupyterhub").mkdir(parents=True)
    monkeypatch.setattr(importlib.resources, "files", lambda name: tmp_path / name)
    assert resources.support_dir() == CHECKOUT / "jupyterhub"  # no Dockerfile: a leftover
    (tmp_path / "wiw" / "jupyterhub" / "Dockerfile").write_text("FROM scratch\n")
    assert resources.support_dir() == tmp_path / "wiw" / "jupyterhub"
