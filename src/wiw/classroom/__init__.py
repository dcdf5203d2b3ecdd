"""The classroom: JupyterHub with a server and a home volume for every learner.

This subpackage owns a class's lifecycle (:class:`Classroom`: start, attach,
update, learners, collect, down, destroy), its options, the contract between
wiw and the hub container (settings, names of containers and volumes, the
instructor's scopes), the state remembered on the hub's volume (port, secrets,
how learners reach it), lesson delivery into learners' homes and the work a
Swarm class does on every node. "Hub" in wiw means this JupyterHub.
"""

from wiw.classroom.delivery import Delivered
from wiw.classroom.lifecycle import (
    Classroom,
    ClassroomOptions,
    Learner,
    attach,
    collect_work,
    destroy,
    down,
    learner_volumes,
)
from wiw.classroom.state import TLSFiles

__all__ = [
    "Classroom",
    "ClassroomOptions",
    "Delivered",
    "Learner",
    "TLSFiles",
    "attach",
    "collect_work",
    "destroy",
    "down",
    "learner_volumes",
]
