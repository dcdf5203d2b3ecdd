"""Beyond one machine: the same workshop image on Zero-to-JupyterHub (Kubernetes).

This subpackage owns the values file for the Zero-to-JupyterHub chart (made
from the classroom's options and kept across upgrades: join URL, instructor
key, HTTPS, pull secret) and the helm command that installs it. A Swarm class
is a classroom option (:mod:`wiw.classroom`), not a deployment.
"""

from wiw.deploy.z2jh import (
    CHART_VERSION,
    LetsEncrypt,
    PreviousValues,
    RegistryLogin,
    helm_command,
    instructor_url,
    join_url,
    previous_secrets,
    read_previous,
    write_z2jh_values,
    z2jh_values,
)

__all__ = [
    "CHART_VERSION",
    "LetsEncrypt",
    "PreviousValues",
    "RegistryLogin",
    "helm_command",
    "instructor_url",
    "join_url",
    "previous_secrets",
    "read_previous",
    "write_z2jh_values",
    "z2jh_values",
]
