"""wiw: turn a folder of Jupyter lessons into a workshop image and run it.

Build the image of a workshop, prove its lessons run, serve it, and share its
URL as a QR code::

    import wiw

    workshop = wiw.Workshop("example_workshop")
    image = wiw.Image.build(workshop)
    assert wiw.test_lessons(workshop, image).ok
    with wiw.Hub.run(image) as hub:
        url = hub.wait_for_token()
        wiw.save_qr(url, "join.png")

Every error wiw raises is a :class:`wiw.WiwError`.
"""

from wiw._docker import Engine
from wiw._hubstate import TLSFiles
from wiw._progress import BuildProgress
from wiw._version import __version__
from wiw.classroom import Classroom, ClassroomOptions, Learner
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
from wiw.hub import Hub
from wiw.image import BuildRecord, Image, PruneResult
from wiw.lessons import test_lessons
from wiw.planning import ClassPlan, LearnerLimits, plan_classroom
from wiw.qr import qr_for_url, qr_terminal, save_qr
from wiw.report import CellFailure, ExpectedError, LessonReport, LessonResult, OutputDrift
from wiw.workshop import Environment, Workshop

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
    "Hub",
    "HubError",
    "HubExited",
    "Image",
    "ImageNotFound",
    "ImageOutdated",
    "InvalidName",
    "InvalidNotebook",
    "InvalidOption",
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
