"""The ``wiw`` command line: argument checks, the commands, and ``wiw doctor``.

This subpackage is the top of wiw: it calls every other part and nothing
calls it. Its entry point is :func:`main`.
"""

from wiw.cli.main import main

__all__ = ["main"]
