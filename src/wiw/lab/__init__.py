"""One learner's JupyterLab: a workshop image served for a single person.

This subpackage owns :class:`Lab` (a container publishing Jupyter Server on a
host port, its token and the URL that works from this machine), the smoke
check that JupyterLab lists the lessons, and starting any container that
serves on a published port (the classroom's hub starts the same way).
"""

from wiw.lab.lab import Lab

__all__ = ["Lab"]
