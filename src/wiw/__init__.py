"""wiw: turn a folder of Jupyter lessons into a workshop image and run it.

Build the image of a workshop, prove its lessons run, serve it, and share its
URL as a QR code::

    import wiw

    workshop = wiw.Workshop("example_workshop")
    image = wiw.Image.build(workshop)
    assert wiw.test_lessons(workshop, image).ok
    with wiw.Lab.run(image) as lab:
        url = lab.wait_for_token()
        wiw.save_qr(url, "join.png")

Every error wiw raises is a :class:`wiw.WiwError`.
"""

from typing import TYPE_CHECKING, Any

from wiw import _compat
from wiw._version import __version__
from wiw.build import BuildProgress, BuildRecord, Environment, Image, PruneResult, Workshop
from wiw.classroom import Classroom, ClassroomOptions, Learner, TLSFiles
from wiw.engine import Engine
from wiw.errors import (
    BuildFailed,
    ClassTooBig,
    CollectIncomplete,
    EngineError,
    EngineMissing,
    EnginePermissionDenied,
    EngineUnavailable,
    HubError,
    HubExited,
    ImageNotFound,
    ImageOutdated,
    InvalidName,
    InvalidNotebook,
    InvalidOption,
    LessonRunFailed,
    NoLessons,
    NoPublicAddress,
    NotEnoughDisk,
    PortInUse,
    PrivateFolder,
    RegistryAuthFailed,
    RegistryUnreachable,
    SourceAuthRequired,
    SourceError,
    SourceRefNotFound,
    TokenTimeout,
    UnsupportedFile,
    UnsupportedPython,
    ValuesFileError,
    WiwError,
    WorkshopError,
    WorkshopNotFound,
)
from wiw.lab import Lab
from wiw.lessons import (
    CellFailure,
    ExpectedError,
    LessonReport,
    LessonResult,
    OutputDrift,
    test_lessons,
)
from wiw.planning import ClassPlan, LearnerLimits, plan_classroom
from wiw.qr import qr_for_url, qr_terminal, save_qr

__all__ = [
    "BuildFailed",
    "BuildProgress",
    "BuildRecord",
    "CellFailure",
    "ClassPlan",
    "ClassTooBig",
    "Classroom",
    "ClassroomOptions",
    "CollectIncomplete",
    "Engine",
    "EngineError",
    "EngineMissing",
    "EnginePermissionDenied",
    "EngineUnavailable",
    "Environment",
    "ExpectedError",
    "HubError",
    "HubExited",
    "Image",
    "ImageNotFound",
    "ImageOutdated",
    "InvalidName",
    "InvalidNotebook",
    "InvalidOption",
    "Lab",
    "Learner",
    "LearnerLimits",
    "LessonReport",
    "LessonResult",
    "LessonRunFailed",
    "NoLessons",
    "NoPublicAddress",
    "NotEnoughDisk",
    "OutputDrift",
    "PortInUse",
    "PrivateFolder",
    "PruneResult",
    "RegistryAuthFailed",
    "RegistryUnreachable",
    "SourceAuthRequired",
    "SourceError",
    "SourceRefNotFound",
    "TLSFiles",
    "TokenTimeout",
    "UnsupportedFile",
    "UnsupportedPython",
    "ValuesFileError",
    "WiwError",
    "Workshop",
    "WorkshopError",
    "WorkshopNotFound",
    "__version__",
    "plan_classroom",
    "qr_for_url",
    "qr_terminal",
    "save_qr",
    "test_lessons",
]

if TYPE_CHECKING:
    from wiw._compat import Hub as Hub  # deprecated: wiw.Lab

_compat.install()


def __getattr__(name: str) -> Any:
    """Old names that still work, with a warning: ``wiw.Hub`` is :class:`wiw.Lab`."""
    if name == "Hub":
        _compat.warn_moved("wiw.Hub", "wiw.Lab")
        return _compat.Hub
    msg = f"module 'wiw' has no attribute {name!r}"
    raise AttributeError(msg)
