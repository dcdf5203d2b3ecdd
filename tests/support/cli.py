"""Run wiw's command line in-process, as a user would type it."""

from __future__ import annotations

import pytest

from wiw.cli.main import main

__all__ = ["run"]


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the command line; return its exit status, stdout and stderr."""
    try:
        code = main(list(argv))
    except SystemExit as exit_:  # the parser refused the command line
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err
