"""Names wiw had before its subpackages, kept working with a warning.

Each old import path (``wiw.hub``, ``wiw.export``, ``wiw.delivery``, …) and
the old class name ``wiw.Hub`` still work for at least one release; the first
use in a process warns with the new name (the changelog lists them all).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from collections.abc import Sequence
from types import ModuleType
from typing import Literal, overload

from wiw import errors
from wiw.build.image import Image
from wiw.classroom.lifecycle import Classroom, ClassroomOptions
from wiw.engine.protocol import ContainerEngine
from wiw.lab.lab import Lab

__all__ = ["MOVED_MODULES", "Hub", "install", "warn_moved"]

MOVED_MODULES = {
    "wiw.delivery": "wiw.classroom",
    "wiw.doctor": "wiw.cli.doctor",
    "wiw.export": "wiw.deploy",
    "wiw.hub": "wiw.lab",
    "wiw.image": "wiw.build",
    "wiw.report": "wiw.lessons",
    "wiw.sources": "wiw.build.sources",
    "wiw.workshop": "wiw.build",
}
_warned: set[str] = set()


def warn_moved(old: str, new: str, *, stacklevel: int = 3) -> None:
    """Warn, once per process, that ``old`` is now ``new``."""
    if old in _warned:
        return
    _warned.add(old)
    warnings.warn(
        f"{old} is deprecated and will be removed; use {new}",
        DeprecationWarning,
        stacklevel=stacklevel,
    )


class _MovedLoader(importlib.abc.Loader):
    """Fills an old module path with the public names of its new home."""

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        return None  # the default: an empty module named as asked

    def exec_module(self, module: ModuleType) -> None:
        new = MOVED_MODULES[module.__name__]
        warn_moved(module.__name__, new, stacklevel=4)
        target = importlib.import_module(new)
        names = list(getattr(target, "__all__", ()))
        module.__dict__.update({name: getattr(target, name) for name in names})
        if module.__name__ == "wiw.hub":
            module.__dict__["Hub"] = Hub
            names.append("Hub")
        module.__dict__["__all__"] = names


class _MovedFinder(importlib.abc.MetaPathFinder):
    """Finds the old module paths (and nothing else)."""

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in MOVED_MODULES:
            return None
        return importlib.machinery.ModuleSpec(fullname, _MovedLoader())


def install() -> None:
    """Let the old module paths be imported (idempotent)."""
    if not any(isinstance(finder, _MovedFinder) for finder in sys.meta_path):
        sys.meta_path.append(_MovedFinder())


class Hub(Lab):
    """Deprecated: the old name of :class:`wiw.Lab`."""

    @overload
    @classmethod
    def run(
        cls,
        image: Image | str,
        *,
        mode: Literal["lab"] = "lab",
        port: int | None = None,
        public: bool = False,
        host: str | None = None,
        command: Sequence[str] | None = None,
        name: str | None = None,
        classroom: None = None,
        engine: ContainerEngine | None = None,
    ) -> Hub: ...

    @overload
    @classmethod
    def run(
        cls,
        image: Image | str,
        *,
        mode: Literal["classroom"],
        port: int | None = None,
        public: bool = False,
        host: str | None = None,
        command: None = None,
        name: None = None,
        classroom: ClassroomOptions | None = None,
        engine: ContainerEngine | None = None,
    ) -> Classroom: ...

    @classmethod
    def run(
        cls,
        image: Image | str,
        *,
        mode: Literal["lab", "classroom"] = "lab",
        port: int | None = None,
        public: bool = False,
        host: str | None = None,
        command: Sequence[str] | None = None,
        name: str | None = None,
        classroom: ClassroomOptions | None = None,
        engine: ContainerEngine | None = None,
    ) -> Hub | Classroom:
        """Start one learner's lab (``mode="lab"``) or, deprecated, a classroom."""
        if mode == "classroom":
            warnings.warn(
                'Hub.run(image, mode="classroom") is deprecated; use Classroom.start(image)',
                DeprecationWarning,
                stacklevel=2,
            )
            img = image if isinstance(image, Image) else Image(image, engine=engine)
            options = classroom or ClassroomOptions()
            return Classroom.start(
                img, options, port=port, public=public, host=host, engine=engine or img.engine
            )
        if mode != "lab":
            raise errors.InvalidOption(
                f"Unknown mode {mode!r}.",
                hint="Use Lab.run for one learner, Classroom.start for a class.",
            )
        return super().run(
            image, port=port, public=public, host=host, command=command, name=name, engine=engine
        )
