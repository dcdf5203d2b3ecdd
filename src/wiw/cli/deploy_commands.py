"""Beyond one machine: push an image to a registry, export Zero-to-JupyterHub values."""

from __future__ import annotations

import argparse

from wiw.cli.args import (
    count,
    email,
    host_name,
    k8s_name,
    memory,
    output_file,
    version_tag,
    workshop_text,
)
from wiw.cli.output import Output
from wiw.cli.shared import IMAGE_TAG, LEARNER_LIMITS, target
from wiw.cli.table import Argument, Command
from wiw.deploy.chart import CHART_JUPYTERHUB, HUB_JUPYTERHUB
from wiw.deploy.export import ExportRequest, ExportResult, export_z2jh
from wiw.deploy.z2jh import NAMESPACE

__all__ = ["DEPLOY_COMMANDS"]


def cmd_push(args: argparse.Namespace, output: Output) -> int:
    """Push a workshop image to a registry under an explicit version tag."""
    image, _ = target(args, output.engine)
    pushed_as = f"{args.repository}:{args.version}"
    output.emit("pushing", image=image.ref, to=pushed_as)
    with output.err.status(f"pushing {image.ref} to {pushed_as}") as status:
        pushed = image.push(args.repository, args.version, on_line=status.update)
    digest = pushed.split("@", 1)[1]
    output.emit("pushed", image=pushed_as, digest=digest)
    output.out.print(f"pushed {pushed_as}@{digest}")
    return 0


def cmd_export(args: argparse.Namespace, output: Output) -> int:
    """Write Zero-to-JupyterHub values that serve a pushed image as a classroom."""
    request = ExportRequest(
        image=args.image,
        out=args.out,
        update=args.update,
        join_secret_file=args.join_secret_file,
        host=args.host,
        tls_email=args.tls_email,
        namespace=args.namespace,
        pull_secret=args.pull_secret,
        registry_user=args.registry_user,
        registry_password_file=args.registry_password_file,
        max_learners=args.max_learners,
        memory=args.memory,
        cpus=args.cpus,
        cull_after=args.cull_after,
        hub_image=args.hub_image,
    )
    _print_export(export_z2jh(request), output)
    return 0


def _print_export(result: ExportResult, output: Output) -> None:
    """Say what was written, what changed, and the commands that deploy it."""
    out = output.out
    written = f"wrote {result.path} (mode 0600: it holds the join secret and the instructor's key)"
    out.print(written, markup=False)
    if result.hub_dockerfile is not None:
        out.print(
            f"wrote {result.hub_dockerfile}: the hub's image (the chart's, with JupyterHub "
            f"{HUB_JUPYTERHUB}: its own {CHART_JUPYTERHUB} is below wiw's security floor)",
            markup=False,
        )
    if result.changed is not None:
        changed = "changed: " + ", ".join(result.changed)
        same = "no setting changed; the join URL is the same"
        out.print(changed if result.changed else same, markup=False)
    out.print("Next:", markup=False)
    for step in result.next_steps:
        out.print(f"  {step}", markup=False)
    out.print(f"Workshop URL: {result.url}", markup=False)
    output.err.print(
        f"Instructor URL (for you only, not in the QR code): {result.instructor_url}",
        markup=False,
    )


DEPLOY_COMMANDS = (
    Command(
        "push",
        help="Push a workshop image to a registry under an explicit version tag.",
        description="Push a workshop image to a registry under an explicit version tag (not "
        "only 'latest'), for Kubernetes or Swarm.",
        handler=cmd_push,
        arguments=(
            Argument(
                "workshop",
                "the workshop folder, or an image reference",
                type=workshop_text,
                metavar="WORKSHOP",
            ),
            Argument(
                "repository",
                "where to push, e.g. registry.example.org/course/intro",
                metavar="REPOSITORY",
            ),
            Argument(
                "version",
                "an explicit tag, e.g. 2026-11-25 (not 'latest')",
                type=version_tag,
                metavar="VERSION",
            ),
            IMAGE_TAG,
        ),
    ),
    Command(
        "export",
        help="Write Zero-to-JupyterHub values that serve a pushed image as a classroom.",
        description="Write Zero-to-JupyterHub (Helm chart) values that serve a pushed image as "
        "a classroom.",
        handler=cmd_export,
        # The files it reads (--update, --join-secret-file, --registry-password-file) are
        # checked by wiw.deploy.export, which names the flag, with the options they go with.
        arguments=(
            Argument("kind", "what to export for", choices=("z2jh",), metavar="KIND"),
            # rich reads [...] as markup: escaped, the digest's brackets show in the help.
            Argument(
                "image",
                r"the pushed image, repository:tag\[@sha256:...] (an explicit version, not "
                "'latest')",
                metavar="IMAGE",
            ),
            Argument(
                "--out",
                "file to write (default: the --update file, or values.yaml)",
                check=output_file,
                metavar="FILE",
            ),
            Argument(
                "--update",
                "the values file the class runs with: keep its join URL, instructor's key, "
                "HTTPS and pull secret",
                metavar="FILE",
            ),
            Argument(
                "--join-secret-file",
                "keep a join URL: a file holding its secret path",
                metavar="FILE",
            ),
            Argument(
                "--host",
                "the DNS name or address learners open (default: the proxy's EXTERNAL-IP, found "
                "with kubectl)",
                type=host_name,
                metavar="HOST",
            ),
            Argument(
                "--tls-email",
                "serve HTTPS for --host with a Let's Encrypt certificate; its contact address",
                type=email,
                metavar="EMAIL",
            ),
            Argument(
                "--namespace",
                "the Kubernetes namespace the helm commands use",
                type=k8s_name,
                default=NAMESPACE,
                metavar="NAME",
            ),
            Argument(
                "--pull-secret",
                "an existing docker-registry secret in the namespace to pull the image with",
                type=k8s_name,
                metavar="NAME",
            ),
            Argument(
                "--registry-user",
                "a registry account the chart makes a pull secret from",
                metavar="USER",
            ),
            Argument(
                "--registry-password-file",
                "... and a file holding its password or token",
                metavar="FILE",
            ),
            Argument(
                "--max-learners",
                "servers running at once (0: no cap)",
                type=count(0, 10_000),
                default=30,
                metavar="N",
            ),
            Argument(
                "--memory", "memory limit per learner", type=memory, default="1g", metavar="SIZE"
            ),
            *LEARNER_LIMITS,
            Argument(
                "--hub-image",
                "the image the chart's hub runs, repository:tag (default: the chart's own, or "
                "one built from the hub.Dockerfile written beside the values, pushed as "
                "IMAGE's repository + '-hub')",
                metavar="IMAGE",
            ),
        ),
    ),
)
