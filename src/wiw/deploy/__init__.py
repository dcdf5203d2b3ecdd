"""Beyond one machine: the same workshop image on Zero-to-JupyterHub (Kubernetes).

This subpackage owns the values file for the Zero-to-JupyterHub chart (made
from the classroom's options and kept across upgrades: join URL, instructor
key, HTTPS, pull secret), the helm command that installs it, and the chart
release it pins with the JupyterHub its hub runs (:mod:`wiw.deploy.chart`:
when that is below wiw's security floor, a hub image moved up a patch
release, written as a Dockerfile beside the values). A Swarm class
is a classroom option (:mod:`wiw.classroom`), not a deployment.
"""

from wiw.deploy.chart import (
    CHART_JUPYTERHUB,
    CHART_VERSION,
    HUB_JUPYTERHUB,
    JUPYTERHUB_FLOOR,
    HubImage,
    hub_dockerfile,
)
from wiw.deploy.z2jh import (
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
    "CHART_JUPYTERHUB",
    "CHART_VERSION",
    "HUB_JUPYTERHUB",
    "JUPYTERHUB_FLOOR",
    "HubImage",
    "LetsEncrypt",
    "PreviousValues",
    "RegistryLogin",
    "helm_command",
    "hub_dockerfile",
    "instructor_url",
    "join_url",
    "previous_secrets",
    "read_previous",
    "write_z2jh_values",
    "z2jh_values",
]
