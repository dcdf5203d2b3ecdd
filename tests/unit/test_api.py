"""The public API is exactly what wiw means to offer."""

from __future__ import annotations

import wiw

PUBLIC = {
    "BuildFailed", "BuildProgress", "BuildRecord", "CellFailure", "ClassPlan", "ClassTooBig",
    "CollectIncomplete", "Classroom", "ClassroomOptions", "Engine", "EngineError", "EngineMissing",
    "EnginePermissionDenied", "EngineUnavailable", "Environment", "ExpectedError", "Hub",
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
