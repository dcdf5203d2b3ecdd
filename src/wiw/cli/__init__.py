"""The ``wiw`` command line: argument checks, the command table, and ``wiw doctor``.

This subpackage is the top of wiw: it calls every other part and nothing
calls it. Its entry point is :func:`main`. Each command is declared once,
as data (:mod:`wiw.cli.table`), in ``build_commands``, ``class_commands``
and ``deploy_commands``; its handler gets the parsed arguments and an
:class:`~wiw.cli.output.Output`.
"""

from wiw.cli.main import main

__all__ = ["main"]
