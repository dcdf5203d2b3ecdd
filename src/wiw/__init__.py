"""wiw: turn a folder of Jupyter lessons into a workshop image and run it.

Build the image of a workshop, run it, and share its URL as a QR code::

    import wiw

    workshop = wiw.Workshop("example_workshop")
    image = wiw.Image.build(workshop)
    with wiw.Hub.run(image) as hub:
        url = hub.wait_for_token()
        wiw.save_qr(url, "join.png")

Every error wiw raises is a :class:`wiw.WiwError`.
"""

from wiw._docker import Engine
from wiw._progress import BuildProgress
from wiw._version import __version__
from wiw.errors import (
    BuildFailed,
    EngineError,
    EngineMissing,
    EnginePermissionDenied,
    EngineUnavailable,
    HubError,
    HubExited,
    ImageNotFound,
    InvalidName,
    InvalidNotebook,
    InvalidOption,
    NoLessons,
    NotEnoughDisk,
    PortInUse,
    TokenTimeout,
    WiwError,
    WorkshopError,
    WorkshopNotFound,
)
from wiw.hub import Hub
from wiw.image import BuildRecord, Image, PruneResult
from wiw.qr import qr_for_url, qr_terminal, save_qr
from wiw.workshop import Workshop

__all__ = [
    "BuildFailed",
    "BuildProgress",
    "BuildRecord",
    "Engine",
    "EngineError",
    "EngineMissing",
    "EnginePermissionDenied",
    "EngineUnavailable",
    "Hub",
    "HubError",
    "HubExited",
    "Image",
    "ImageNotFound",
    "InvalidName",
    "InvalidNotebook",
    "InvalidOption",
    "NoLessons",
    "NotEnoughDisk",
    "PortInUse",
    "PruneResult",
    "TokenTimeout",
    "WiwError",
    "Workshop",
    "WorkshopError",
    "WorkshopNotFound",
    "__version__",
    "qr_for_url",
    "qr_terminal",
    "save_qr",
]
