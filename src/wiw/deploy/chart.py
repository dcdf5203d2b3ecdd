"""The Zero-to-JupyterHub chart wiw exports for, and the JupyterHub its hub runs.

The exported helm commands pin a *released* chart. Its hub image runs the
JupyterHub of its release; the workshop image's single-user servers run the
JupyterHub of wiw's runtime lock (6.x), a pairing the integration tests run
(``tests/integration/test_chart_hub.py``). When the chart's JupyterHub is below
the security floor that the runtime lock keeps, the exported values give the
hub an image of its own: the chart's released hub image with JupyterHub moved
to a later patch release of the same series (same database schema, same
KubeSpawner), built from :func:`hub_dockerfile` and pushed beside the
workshop image.
"""

from __future__ import annotations

from dataclasses import dataclass

from packaging.version import Version

from wiw.engine import labels as _labels

__all__ = [
    "CHART_HUB_IMAGE",
    "CHART_JUPYTERHUB",
    "CHART_VERSION",
    "HUB_JUPYTERHUB",
    "JUPYTERHUB_FLOOR",
    "HubImage",
    "hub_dockerfile",
    "hub_image",
]

#: The released chart the helm commands pin (4.4.0, 2026-06-10: the newest release).
CHART_VERSION = "4.4.0"
#: The JupyterHub that chart's hub image runs.
CHART_JUPYTERHUB = "5.5.0"
#: The chart's hub image, as its release publishes it.
CHART_HUB_IMAGE = f"quay.io/jupyterhub/k8s-hub:{CHART_VERSION}"
#: The lowest JupyterHub wiw deploys anywhere: 5.5.1 fixed two advisories
#: (GHSA-c4gm-pwx9-9w8j, GHSA-69wv-m5fw-2fhp). jupyterhub/requirements.txt says the same.
JUPYTERHUB_FLOOR = "5.5.1"
#: The JupyterHub the exported hub runs when the chart's is below the floor:
#: the newest patch release of the chart's own series.
HUB_JUPYTERHUB = "5.5.4"


@dataclass(frozen=True)
class HubImage:
    """The image the chart's hub runs, when it cannot be the chart's own.

    Attributes:
        repository: Where it is pushed: beside the workshop image.
        tag: The chart's version and the JupyterHub in it, e.g. ``4.4.0-jupyterhub-5.5.4``.
    """

    repository: str
    tag: str

    @property
    def ref(self) -> str:
        """``repository:tag``, as ``docker build -t`` and ``docker push`` take it."""
        return f"{self.repository}:{self.tag}"


def chart_hub_is_below_floor() -> bool:
    """Whether the released chart's own hub runs a JupyterHub below the security floor."""
    return Version(CHART_JUPYTERHUB) < Version(JUPYTERHUB_FLOOR)


def hub_image(workshop_image: str, chosen: _labels.ImageRef | None = None) -> HubImage | None:
    """The hub's image for a workshop image, or None when the chart's own will do.

    Args:
        workshop_image: The pushed workshop image, ``repository:tag[@digest]``.
        chosen: An image the instructor names for the hub (``--hub-image``),
            tagged; used whatever the chart's JupyterHub.

    Returns:
        ``chosen``; else, if the chart's JupyterHub is below the floor,
        ``REPOSITORY-hub:CHART-jupyterhub-VERSION`` beside the workshop image;
        else None.
    """
    if chosen is not None:
        tag = f"{chosen.tag}@{chosen.digest}" if chosen.digest else str(chosen.tag)
        return HubImage(chosen.repository, tag)
    if not chart_hub_is_below_floor():
        return None
    repository = _labels.parse_ref(workshop_image).repository
    return HubImage(f"{repository}-hub", f"{CHART_VERSION}-jupyterhub-{HUB_JUPYTERHUB}")


def hub_dockerfile() -> str:
    """The Dockerfile of the hub image: the chart's own, with JupyterHub moved up a patch.

    It needs no build context: ``docker build -t REF - < hub.Dockerfile``.
    """
    return (
        f"# The hub image for Zero-to-JupyterHub {CHART_VERSION}, written by wiw.\n"
        f"# The chart's hub runs JupyterHub {CHART_JUPYTERHUB}, below the security floor\n"
        f"# {JUPYTERHUB_FLOOR}; this is the same image with JupyterHub {HUB_JUPYTERHUB}, a\n"
        "# patch release of the same series (same database, same KubeSpawner).\n"
        f"FROM {CHART_HUB_IMAGE}\n"
        "USER root\n"
        f'RUN pip install --no-cache-dir "jupyterhub=={HUB_JUPYTERHUB}"\n'
        "USER jovyan\n"
    )
