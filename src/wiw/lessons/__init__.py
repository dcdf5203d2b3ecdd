"""Proving the lessons: every notebook run inside the workshop image, and the report.

This subpackage owns :func:`test_lessons` (a throwaway container runs each
lesson with nbclient and judges every cell) and the report it returns: which
cells failed and why, expected errors, output drift and the kernel's peak
memory, which the classroom's plan reads.
"""

from wiw.lessons.report import CellFailure, ExpectedError, LessonReport, LessonResult, OutputDrift
from wiw.lessons.runner import test_lessons

__all__ = [
    "CellFailure",
    "ExpectedError",
    "LessonReport",
    "LessonResult",
    "OutputDrift",
    "test_lessons",
]
