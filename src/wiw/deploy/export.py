"""``wiw export z2jh`` without the command line: options in, a values file and next steps out.

:func:`export_z2jh` takes what the export was given, as plain values in an
:class:`ExportRequest`: it reads the file an update replaces, checks the
options that go together (or exclude each other), reads the secrets given in
files, writes the values and returns an :class:`ExportResult` saying where
learners join, what changed and the commands that deploy the class. The
command line only reads its flags into the request and prints the result.

Messages name the options as the command line spells them (``--update``,
``--registry-user``): that is where they are given.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wiw.classroom.lifecycle import ClassroomOptions
from wiw.deploy.chart import hub_dockerfile
from wiw.deploy.z2jh import (
    EXTERNAL_IP,
    NAMESPACE,
    LetsEncrypt,
    PreviousValues,
    RegistryLogin,
    changed_settings,
    check_secret,
    helm_command,
    instructor_url,
    join_url,
    read_previous,
    write_z2jh_values,
    z2jh_values,
)
from wiw.errors import FileAccessError, UsageError
from wiw.planning import LearnerLimits

__all__ = [
    "DEFAULT_FILE",
    "ExportRequest",
    "ExportResult",
    "export_z2jh",
    "read_secret_file",
]

DEFAULT_FILE = "values.yaml"  # written when neither --out nor --update names a file


@dataclass(frozen=True)
class ExportRequest:
    """What ``wiw export z2jh`` was asked for, one field per option.

    Attributes:
        image: The pushed image, ``repository:tag`` (optionally ``@sha256:...``).
        out: The file to write; by default the ``update`` file, else ``values.yaml``.
        update: The values file the class runs with: its join URL, instructor's
            key, HTTPS and pull secret are kept.
        join_secret_file: A file holding the join URL's secret path, to keep a URL.
        host: The DNS name or address learners open (else the proxy's EXTERNAL-IP).
        tls_email: Serve HTTPS for ``host`` with Let's Encrypt; its contact address.
        namespace: The Kubernetes namespace the helm commands use.
        pull_secret: An existing docker-registry secret to pull the image with.
        registry_user: A registry account the chart makes a pull secret from.
        registry_password_file: A file holding that account's password or token.
        max_learners: Servers running at once (0: no cap).
        memory: Memory limit per learner, e.g. ``1g``.
        cpus: CPU limit per learner.
        cull_after: Idle seconds before a learner's server is stopped.
        hub_image: The image the chart's hub runs (default: the chart's, or,
            when its JupyterHub is below wiw's security floor, one built
            from ``hub.Dockerfile`` and pushed beside ``image``).
    """

    image: str
    out: str | None = None
    update: str | None = None
    join_secret_file: str | None = None
    host: str | None = None
    tls_email: str | None = None
    namespace: str = NAMESPACE
    pull_secret: str | None = None
    registry_user: str | None = None
    registry_password_file: str | None = None
    max_learners: int = 30
    memory: str = "1g"
    cpus: float = 1.0
    cull_after: int = 3600
    hub_image: str | None = None


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote, and what to do next.

    Attributes:
        path: The values file written (mode 0600).
        values: The values in it.
        url: The URL learners join at (``EXTERNAL-IP`` standing for an address not known yet).
        instructor_url: The instructor's URL: a secret, for the instructor only.
        changed: With an update, the settings it changes (by name only); else None.
        next_steps: The commands that deploy the class and print its QR code, in order.
        hub_dockerfile: The Dockerfile written for the hub's image, if the hub needs one.
    """

    path: Path
    values: dict[str, Any] = field(repr=False)
    url: str
    instructor_url: str = field(repr=False)
    changed: list[str] | None
    next_steps: tuple[str, ...]
    hub_dockerfile: Path | None = None


def read_secret_file(path: str, flag: str, hint: str) -> str:
    """Return the text of a file a secret is given in (never on the command line).

    Args:
        path: The file.
        flag: The option that named it, for the message.
        hint: What to give instead, for the message.

    Raises:
        UsageError: The file cannot be read, or is not UTF-8 text.
    """
    try:
        return Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else "it is not UTF-8 text"
        raise UsageError(f"Cannot read {flag} {path}: {reason}.", hint=hint) from exc


def _file_secret(path: str, flag: str) -> str:
    """A secret given in a file: the file's text, line ends off."""
    hint = f"Give {flag} a file that holds the secret alone."
    text = read_secret_file(path, flag, hint).rstrip("\r\n")
    if not text.strip():
        raise UsageError(f"{flag} {path} is empty.", hint=f"Give {flag} a file that holds it.")
    return text


def export_z2jh(request: ExportRequest) -> ExportResult:
    """Write Zero-to-JupyterHub values that serve a pushed image as a classroom.

    Args:
        request: The image and options, as ``wiw export z2jh`` takes them.

    Returns:
        The file written, the URLs, what changed and the next steps.

    Raises:
        UsageError: Options that go together were given alone, or exclude
            each other, or a file holding a secret cannot be read.
        wiw.errors.InvalidName: The image names no tag, or ``latest``.
        wiw.errors.InvalidOption: A secret cannot live in a URL.
        wiw.errors.ValuesFileError: The ``update`` file is not one wiw wrote,
            or the values cannot be written.
    """
    previous = read_previous(request.update) if request.update else None
    limits = LearnerLimits(memory=request.memory, cpus=request.cpus)
    options = ClassroomOptions(
        max_learners=request.max_learners, cull_after=request.cull_after, limits=limits
    )
    pull_secret, registry_login = _pull(request, previous)
    values = z2jh_values(
        request.image,
        options=options,
        join_secret=_join_secret(request, previous),
        instructor_key=previous.instructor_key if previous else None,
        tls=_tls(request, previous),
        pull_secret=pull_secret,
        registry_login=registry_login,
        hub=request.hub_image or (previous.hub_image if previous else None),
    )
    target = request.out or request.update or DEFAULT_FILE
    path = write_z2jh_values(values, target, namespace=request.namespace, host=request.host)
    dockerfile = _write_hub_dockerfile(path) if "image" in values["hub"] else None
    url = join_url(values, request.host)
    return ExportResult(
        path=path,
        values=values,
        url=url,
        instructor_url=instructor_url(values, request.host),
        changed=changed_settings(previous.values, values) if previous is not None else None,
        next_steps=_hub_steps(values, dockerfile) + _next_steps(path, url, request.namespace),
        hub_dockerfile=dockerfile,
    )


def _write_hub_dockerfile(values_file: Path) -> Path:
    """Write ``hub.Dockerfile`` beside the values file; the same text for every class."""
    path = values_file.with_name("hub.Dockerfile")
    try:
        path.write_text(hub_dockerfile(), encoding="utf-8")
    except OSError as exc:
        raise FileAccessError(
            f"Cannot write the hub's Dockerfile {path}: {exc.strerror}.",
            hint="Write the values into a folder you can write to (--out).",
        ) from exc
    return path


def _hub_steps(values: dict[str, Any], dockerfile: Path | None) -> tuple[str, ...]:
    """Build and push the hub's image first, when the values name one."""
    if dockerfile is None:
        return ()
    image = values["hub"]["image"]
    ref = f"{image['name']}:{image['tag']}".split("@", 1)[0]
    return (f"docker build -t {ref} - < {shlex.quote(str(dockerfile))}", f"docker push {ref}")


def _join_secret(request: ExportRequest, previous: PreviousValues | None) -> str | None:
    """The join secret: the previous file's (--update), one given in a file, or a new one."""
    if request.join_secret_file is None:
        return previous.join_secret if previous else None
    if previous is not None:
        raise UsageError(
            f"--update keeps the join secret of {request.update}; "
            "--join-secret-file gives another.",
            hint="Give one of them: --update alone keeps the URL learners already have.",
        )
    secret = _file_secret(request.join_secret_file, "--join-secret-file").strip()
    return check_secret(secret, f"The secret in --join-secret-file {request.join_secret_file}")


def _tls(request: ExportRequest, previous: PreviousValues | None) -> LetsEncrypt | None:
    """HTTPS for --host with --tls-email; with --update, the previous file's HTTPS."""
    if request.tls_email:
        if not request.host:
            raise UsageError(
                "--tls-email needs --host: Let's Encrypt certifies a DNS name.",
                hint="Point a DNS name at the proxy-public service's address, then give "
                "--host NAME --tls-email EMAIL.",
            )
        return LetsEncrypt(request.host, request.tls_email)
    kept = previous.tls if previous else None
    if kept is not None and request.host and request.host != kept.host:
        return LetsEncrypt(request.host, kept.email)  # the same HTTPS, for the new name
    return kept


def _pull(
    request: ExportRequest, previous: PreviousValues | None
) -> tuple[str | None, RegistryLogin | None]:
    """How the nodes pull a private image: a named secret, a login, or what --update kept."""
    if bool(request.registry_user) != bool(request.registry_password_file):
        raise UsageError(
            "--registry-user and --registry-password-file go together.",
            hint="Give the registry account and a file holding its password or token, "
            "or name an existing pull secret with --pull-secret.",
        )
    if request.pull_secret and request.registry_user:
        raise UsageError(
            "--pull-secret and --registry-user are two ways to the same pull secret.",
            hint="Name an existing secret with --pull-secret, or let the chart make one from "
            "--registry-user and --registry-password-file; not both.",
        )
    if request.pull_secret:
        return request.pull_secret, None
    if request.registry_user and request.registry_password_file:
        password = _file_secret(request.registry_password_file, "--registry-password-file")
        return None, RegistryLogin(request.registry_user, password)
    return (previous.pull_secret, previous.registry_login) if previous else (None, None)


def _next_steps(path: Path, url: str, namespace: str) -> tuple[str, ...]:
    """The commands that deploy the values, find the proxy's address if needed, draw the QR."""
    find_address = (
        f"kubectl --namespace {namespace} get service proxy-public"
        f"    # its {EXTERNAL_IP} goes into the URL"
    )
    return (
        helm_command(path, namespace),
        *((find_address,) if EXTERNAL_IP in url else ()),
        f"wiw qr {url} --qr join.png",
    )
