"""Hand the same tested image to Zero-to-JupyterHub (the JupyterHub Helm chart).

:func:`z2jh_values` writes the chart's values so that a Kubernetes cluster
serves the workshop the way the local classroom does: the workshop image for
every learner, the join page under a secret base URL and the instructor's own
door (wiw's ``wiw_auth.py``, shipped as ``hub.extraConfig``), culling, memory
and CPU limits from wiw's sizing, persistent homes and pre-pulling. Optional
values serve HTTPS with a Let's Encrypt certificate and let the nodes pull
from a private registry.

:func:`read_previous` reads a values file written earlier, so that an update
keeps the join URL (and the QR codes printed with it), the instructor's key,
HTTPS and the registry login. :func:`write_z2jh_values` writes the file with
mode 0600, atomically.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shlex
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

import wiw.contract
from wiw import errors
from wiw.classroom.lifecycle import ClassroomOptions
from wiw.contract import INSTRUCTOR, RUNTIME, instructor_scopes
from wiw.deploy.chart import CHART_VERSION, HubImage, hub_image
from wiw.engine import labels as _labels
from wiw.network import url_host
from wiw.planning import MIB, memory_bytes
from wiw.resources import support_file

__all__ = [
    "CHART_REPO",
    "CHART_VERSION",
    "DOCKER_HUB",
    "EXTERNAL_IP",
    "INSTRUCTOR",
    "LOGIN_KEY",
    "NAMESPACE",
    "RELEASE",
    "LetsEncrypt",
    "PreviousValues",
    "RegistryLogin",
    "changed_settings",
    "check_secret",
    "helm_command",
    "instructor_url",
    "join_url",
    "login_config",
    "previous_secrets",
    "read_previous",
    "registry_host",
    "write_z2jh_values",
    "z2jh_values",
]

CHART_REPO = "https://hub.jupyter.org/helm-chart/"
RELEASE = "workshop"  # the Helm release's name
NAMESPACE = "workshop"  # the Kubernetes namespace wiw's commands suggest
# How wiw_auth.py imports the contract in the image (dropped where it is inlined).
CONTRACT_IMPORT = "from wiw_contract import LESSONS, MAX_NAME, clean_name, name_problem\n"
DOCKER_HUB = "https://index.docker.io/v1/"
LOGIN_KEY = "wiw-login"  # the hub.extraConfig entry wiw writes (older wiw: wiw-temporary-login)
EXTERNAL_IP = "EXTERNAL-IP"  # stands for the proxy's address when no --host is known
_SECRET = re.compile(r"[A-Za-z0-9_-]{16,256}")
_BASE_URL = re.compile(r"/(?P<secret>[^/]+)/")

# After wiw_auth.py's source: use its join page, as the local classroom does.
_SELECT_LOGIN = """
# wiw: learners join with a name on the join page; the instructor through their door.
c.JupyterHub.authenticator_class = JoinAuthenticator
c.Authenticator.allow_all = True
"""


@dataclass(frozen=True)
class LetsEncrypt:
    """HTTPS for the join URL, with a certificate Let's Encrypt issues for ``host``.

    Attributes:
        host: The DNS name learners open; it must point at the chart's
            ``proxy-public`` service before the certificate can be issued.
        email: Let's Encrypt's contact for the certificate (expiry notices).
    """

    host: str
    email: str


@dataclass(frozen=True)
class RegistryLogin:
    """An account of a private registry, from which the chart makes a pull secret.

    Attributes:
        username: The registry account (or token name).
        password: Its password or access token.
    """

    username: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class PreviousValues:
    """What an earlier values file settled that an update keeps.

    Attributes:
        join_secret: The join URL's secret path: keeping it keeps the URL and QR codes.
        instructor_key: The instructor URL's key (None in files of older wiw versions).
        tls: HTTPS settings, if the file served HTTPS.
        pull_secret: The existing pull secret the file named, if any.
        registry_login: The registry account the file made a pull secret from, if any.
        hub_image: The hub image the instructor chose (``--hub-image``), if any;
            not one wiw chose, which follows wiw's chart version.
        values: The whole file, to compare the update with.
    """

    join_secret: str = field(repr=False)
    instructor_key: str | None = field(default=None, repr=False)
    tls: LetsEncrypt | None = None
    pull_secret: str | None = None
    registry_login: RegistryLogin | None = None
    hub_image: str | None = None
    values: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)


def check_secret(value: str, what: str) -> str:
    """Return ``value`` if it can be a secret in a URL path; else raise InvalidOption.

    Args:
        value: The secret.
        what: Where it came from, as the user would name it (a flag, a file).

    Returns:
        ``value``, unchanged.

    Raises:
        wiw.errors.InvalidOption: It is shorter than 16 characters, or has
            characters other than letters, digits, ``-`` and ``_``.
    """
    if not _SECRET.fullmatch(value):
        raise errors.InvalidOption(
            f"{what} must be 16 to 256 letters, digits, '-' or '_' "
            f"(it goes into URLs), not {len(value)} character(s) of other kinds.",
            hint="Leave it out to get a new 192-bit secret, e.g. what "
            "'python -c \"import secrets; print(secrets.token_urlsafe(24))\"' prints.",
        )
    return value


def login_config() -> str:
    """Return the hub's login, as Python for ``hub.extraConfig``.

    It is :mod:`wiw.contract` (the name rules the login keeps), the local
    classroom's ``wiw_auth.py`` (the join page and the instructor's door),
    then the lines that select its ``JoinAuthenticator``.
    The chart's hub image needs nothing installed for it.
    """
    contract = Path(wiw.contract.__file__).read_text(encoding="utf-8")
    source = support_file("hub/wiw_auth.py").read_text(encoding="utf-8")
    # One script: the contract's source first (its own __future__ import opens it),
    # then the login code, which imports the contract as the image's file.
    source = source.replace("from __future__ import annotations\n", "", 1)
    source = source.replace(CONTRACT_IMPORT, "", 1)
    return "\n\n".join((contract.rstrip("\n"), source.rstrip("\n"), _SELECT_LOGIN))


def registry_host(image: str) -> str:
    """Return the registry an image reference names, as a pull secret wants it.

    Args:
        image: An image reference, e.g. ``registry.example.org/course/intro:1``.

    Returns:
        Its registry's host (and port), or Docker Hub's address for images
        without one (``course/intro:1``).
    """
    first, _, rest = _labels.parse_ref(image).repository.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        return first
    return DOCKER_HUB


def _k8s_quantity(limit: str) -> str:
    """Docker's ``512m`` / ``1g`` as Kubernetes' ``512Mi`` / ``1Gi`` (bytes otherwise)."""
    size = memory_bytes(limit)
    for unit, factor in (("Gi", 2**30), ("Mi", 2**20)):
        if size % factor == 0:
            return f"{size // factor}{unit}"
    return str(size)


_HUB_HINT = "Tag the hub image you built and pushed, e.g. 'REPOSITORY-hub:2026-11-25'."
_PUSHED = "Use the tag you pushed, pinned by its digest: 'wiw push' prints both."


def _deployable(image: str, hint: str = _PUSHED) -> _labels.ImageRef:
    """The image's reference, if the chart can deploy it for good: tagged, not ``latest``."""
    ref = _labels.parse_ref(image)
    if ref.tag is None:
        raise errors.InvalidName(
            f"{image!r} names no tag: the chart needs 'repository:tag[@sha256:...]'.",
            hint=hint,
        )
    if ref.tag == "latest":
        raise errors.InvalidName(
            f"Export an explicit version tag, not 'latest' ({image}).",
            hint="Push a date or version, e.g. 'wiw push FOLDER REPOSITORY 2026-11-25', and "
            "export the reference it prints: nodes that cached an older 'latest' would keep it.",
        )
    return ref


def z2jh_values(
    image: str,
    *,
    options: ClassroomOptions | None = None,
    join_secret: str | None = None,
    instructor_key: str | None = None,
    home_size: str = "1Gi",
    tls: LetsEncrypt | None = None,
    pull_secret: str | None = None,
    registry_login: RegistryLogin | None = None,
    hub: str | None = None,
) -> dict[str, Any]:
    """Return Zero-to-JupyterHub values that serve ``image`` as a wiw classroom.

    Args:
        image: The pushed workshop image, ``repository:tag`` or
            ``repository:tag@sha256:...`` (``latest`` is refused).
        options: Caps, culling and per-learner limits (e.g. from :func:`wiw.plan_classroom`).
        join_secret: The secret path of the join URL; a new 192-bit one if
            omitted. Pass the previous one (:func:`previous_secrets`) to keep
            the URL and the QR codes printed with it.
        instructor_key: The key of the instructor's URL; a new 192-bit one if omitted.
        home_size: Each learner's persistent home volume.
        tls: Serve HTTPS with a Let's Encrypt certificate for this host.
        pull_secret: An existing Kubernetes secret (type docker-registry) the
            nodes pull the image with.
        registry_login: A registry account the chart makes a pull secret from
            (for the image's own registry).
        hub: The image the chart's hub runs, ``repository:tag``; by default
            the chart's own, or, when its JupyterHub is below wiw's security
            floor, ``REPOSITORY-hub:...`` beside ``image``
            (see :mod:`wiw.deploy.chart`).

    Returns:
        The values, to write with :func:`write_z2jh_values` and pass to
        ``helm upgrade --install --values``.

    Raises:
        wiw.errors.InvalidName: The image names no tag, or the tag ``latest``.
        wiw.errors.InvalidOption: A secret is too short or not URL-safe, or
            both ``pull_secret`` and ``registry_login`` are given.
    """
    options = options or ClassroomOptions()
    ref = _deployable(image)
    if pull_secret and registry_login:
        raise errors.InvalidOption(
            "Give an existing pull secret or a registry login, not both.",
            hint="The chart makes a pull secret from a registry login; one of them is enough.",
        )
    secret = check_secret(join_secret or secrets.token_urlsafe(24), "The join secret")
    key = check_secret(instructor_key or secrets.token_urlsafe(24), "The instructor's key")
    hub_ref = hub_image(image, None if hub is None else _deployable(hub, _HUB_HINT))
    values: dict[str, Any] = {
        "hub": _hub_values(options, secret, key) | _hub_image_values(hub_ref, pull_secret),
        "singleuser": _singleuser_values(ref, options, home_size, pull_secret),
        "cull": {"enabled": True, "timeout": options.cull_after, "every": 60},
        "prePuller": {"hook": {"enabled": True}, "continuous": {"enabled": True}},
    }
    if tls is not None:
        values["proxy"] = {"https": _https_values(tls)}
    if registry_login is not None:
        values["imagePullSecret"] = _pull_secret_values(registry_host(image), registry_login)
    return values


def _hub_values(options: ClassroomOptions, secret: str, key: str) -> dict[str, Any]:
    """The hub: a secret base URL, the join page and the instructor's door and role."""
    return {
        "baseUrl": f"/{secret}/",
        "activeServerLimit": options.max_learners or None,
        "concurrentSpawnLimit": max(64, options.max_learners),
        "config": {"JoinAuthenticator": {"instructor": INSTRUCTOR, "instructor_key": key}},
        "loadRoles": {
            "wiw-instructor": {
                "description": "The instructor sees, starts, stops and opens every "
                "learner's server.",
                "scopes": instructor_scopes(),
                "users": [INSTRUCTOR],
            }
        },
        "extraConfig": {LOGIN_KEY: login_config()},
    }


def _hub_image_values(ref: HubImage | None, pull_secret: str | None) -> dict[str, Any]:
    """The hub's image, when it is not the chart's own (see :mod:`wiw.deploy.chart`)."""
    if ref is None:
        return {}
    image: dict[str, Any] = {"name": ref.repository, "tag": ref.tag}
    if pull_secret:
        image["pullSecrets"] = [pull_secret]
    return {"image": image}


def _singleuser_values(
    ref: _labels.ImageRef, options: ClassroomOptions, home_size: str, pull_secret: str | None
) -> dict[str, Any]:
    """Each learner's server: the image, JupyterLab as ``learner``, limits and a home."""
    limit = _k8s_quantity(options.limits.memory)
    guarantee = _k8s_quantity(f"{max(memory_bytes(options.limits.memory) // 4, 64 * MIB)}")
    # A digest pins the image exactly; the chart takes it after the tag.
    tag = f"{ref.tag}@{ref.digest}" if ref.digest else ref.tag
    image: dict[str, Any] = {"name": ref.repository, "tag": tag, "pullPolicy": "IfNotPresent"}
    if pull_secret:
        image["pullSecrets"] = [pull_secret]
    return {
        "image": image,
        "cmd": f"{RUNTIME}/bin/jupyterhub-singleuser",
        "defaultUrl": "/lab",
        "uid": 1000,
        "fsGid": 100,
        "memory": {"limit": limit, "guarantee": guarantee},
        "cpu": {"limit": options.limits.cpus, "guarantee": min(0.25, options.limits.cpus)},
        "storage": {"type": "dynamic", "capacity": home_size, "homeMountPath": "/home/learner"},
        "startTimeout": 600,
    }


def _https_values(tls: LetsEncrypt) -> dict[str, Any]:
    """The chart's own HTTPS: a Let's Encrypt certificate for the host."""
    return {
        "enabled": True,
        "type": "letsencrypt",
        "hosts": [tls.host],
        "letsencrypt": {"contactEmail": tls.email},
    }


def _pull_secret_values(registry: str, login: RegistryLogin) -> dict[str, Any]:
    """A pull secret the chart creates and gives every pod it starts."""
    if not login.username or not login.password:
        raise errors.InvalidOption(
            "A registry login needs both a user name and a password (or token).",
            hint="Give the account that may pull the image, e.g. a read-only token.",
        )
    return {
        "create": True,
        "registry": registry,
        "username": login.username,
        "password": login.password,
    }


def join_url(values: dict[str, Any], host: str | None = None) -> str:
    """Return the URL learners open for these values.

    Args:
        values: Values from :func:`z2jh_values`.
        host: The DNS name or address of the chart's ``proxy-public``
            service. With HTTPS, the certificate's host is used instead.

    Returns:
        ``https://HOST/SECRET/`` with HTTPS, else ``http://HOST/SECRET/``;
        ``EXTERNAL-IP`` stands for a host not known yet.
    """
    https = _dig(values, "proxy", "https") or {}
    hosts = https.get("hosts") or []
    if https.get("enabled") and hosts:
        return f"https://{url_host(str(hosts[0]))}{values['hub']['baseUrl']}"
    return f"http://{url_host(host) if host else EXTERNAL_IP}{values['hub']['baseUrl']}"


def instructor_url(values: dict[str, Any], host: str | None = None) -> str:
    """Return the instructor's URL (a secret: keep it off the projector).

    It logs in the account ``instructor``, whose role opens JupyterHub's
    admin page with every learner, as in the local classroom.
    """
    key = values["hub"]["config"]["JoinAuthenticator"]["instructor_key"]
    return f"{join_url(values, host)}hub/instructor/{key}"


def helm_command(path: str | Path, namespace: str = NAMESPACE) -> str:
    """Return the ``helm`` command that installs, or upgrades, the class with a values file."""
    return (
        f"helm upgrade --install {RELEASE} jupyterhub --repo {CHART_REPO} "
        f"--version {CHART_VERSION} --namespace {shlex.quote(namespace)} --create-namespace "
        f"--values {shlex.quote(str(path))}"
    )


def _dig(tree: Any, *keys: str) -> Any:
    """``tree[k1][k2]...``, or None where a level is missing or not a mapping."""
    for key in keys:
        if not isinstance(tree, dict):
            return None
        tree = tree.get(key)
    return tree


def _load_values(target: Path) -> dict[str, Any]:
    """The YAML mapping in a values file, or a ValuesFileError saying what is wrong."""
    recover = (
        f"Give the values file the class was installed with; 'helm get values {RELEASE} "
        f"--namespace {NAMESPACE} --output yaml > {target.name}' recovers it from the cluster."
    )
    try:
        loaded = yaml.safe_load(target.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise errors.ValuesFileError(
            "No values file to update.", path=target, hint=recover
        ) from exc
    except OSError as exc:
        raise errors.ValuesFileError(
            f"Cannot read the values file: {exc.strerror}.", path=target, hint=recover
        ) from exc
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise errors.ValuesFileError(
            "The values file is not YAML.", path=target, hint=recover
        ) from exc
    if not isinstance(loaded, dict):
        raise errors.ValuesFileError(
            "The values file holds no settings.", path=target, hint=recover
        )
    return loaded


def read_previous(path: str | Path) -> PreviousValues:
    """Read what a values file from ``wiw export z2jh`` settled, to keep it in an update.

    Args:
        path: The values file the class was installed (or last upgraded) with.

    Returns:
        Its join secret, instructor's key, HTTPS and registry settings.

    Raises:
        wiw.errors.ValuesFileError: The file is missing, unreadable, not YAML,
            or was not written by ``wiw export z2jh``.
    """
    target = Path(path)
    values = _load_values(target)
    base = _dig(values, "hub", "baseUrl")
    match = _BASE_URL.fullmatch(base) if isinstance(base, str) else None
    extra = _dig(values, "hub", "extraConfig")
    ours = isinstance(extra, dict) and any(str(k).startswith("wiw-") for k in extra)
    if not (match and ours and _SECRET.fullmatch(match["secret"])):
        raise errors.ValuesFileError(
            "The values file was not written by 'wiw export z2jh': it has no join "
            "secret (hub.baseUrl) and login (hub.extraConfig) of wiw's.",
            path=target,
            hint="Give the file 'wiw export z2jh' wrote for this class, or leave out --update "
            "to start over with a new URL.",
        )
    key = _dig(values, "hub", "config", "JoinAuthenticator", "instructor_key")
    return PreviousValues(
        join_secret=match["secret"],
        instructor_key=key if isinstance(key, str) and _SECRET.fullmatch(key) else None,
        tls=_previous_tls(values),
        pull_secret=_previous_pull_secret(values),
        registry_login=_previous_login(values),
        hub_image=_previous_hub_image(values),
        values=values,
    )


def previous_secrets(path: str | Path) -> tuple[str, str | None]:
    """Return the join secret and instructor's key of a values file written earlier.

    Pass them to :func:`z2jh_values` to keep the join URL, the QR codes printed
    with it and the instructor's URL across an upgrade.

    Args:
        path: The values file the class was installed with.

    Returns:
        ``(join_secret, instructor_key)``; the key is None for files written
        by wiw versions that had no instructor's URL.

    Raises:
        wiw.errors.ValuesFileError: The file is missing or not ``wiw export z2jh``'s.
    """
    previous = read_previous(path)
    return previous.join_secret, previous.instructor_key


def _previous_tls(values: dict[str, Any]) -> LetsEncrypt | None:
    https = _dig(values, "proxy", "https")
    hosts = _dig(https, "hosts")
    email = _dig(https, "letsencrypt", "contactEmail")
    if _dig(https, "enabled") and isinstance(hosts, list) and hosts and isinstance(email, str):
        return LetsEncrypt(str(hosts[0]), email)
    return None


def _previous_pull_secret(values: dict[str, Any]) -> str | None:
    named = _dig(values, "singleuser", "image", "pullSecrets")
    first = named[0] if isinstance(named, list) and named else None
    name = _dig(first, "name") if isinstance(first, dict) else first
    return name if isinstance(name, str) and name else None


# The hub image wiw names beside the workshop image: REPOSITORY-hub:CHART-jupyterhub-VERSION.
_WIW_HUB_TAG = re.compile(r"[0-9][0-9.]*-jupyterhub-[0-9][0-9.]*")


def _previous_hub_image(values: dict[str, Any]) -> str | None:
    """The hub image an earlier export was told to use; None for wiw's own choice."""
    name, tag = _dig(values, "hub", "image", "name"), _dig(values, "hub", "image", "tag")
    if not (isinstance(name, str) and isinstance(tag, str) and name and tag):
        return None
    learners = _dig(values, "singleuser", "image", "name")
    if name == f"{learners}-hub" and _WIW_HUB_TAG.fullmatch(tag):
        return None
    return f"{name}:{tag}"


def _previous_login(values: dict[str, Any]) -> RegistryLogin | None:
    made = _dig(values, "imagePullSecret")
    user, password = _dig(made, "username"), _dig(made, "password")
    if _dig(made, "create") is True and isinstance(user, str) and isinstance(password, str):
        return RegistryLogin(user, password)
    return None


def changed_settings(before: dict[str, Any], after: dict[str, Any], prefix: str = "") -> list[str]:
    """Return the dotted names of the settings that differ between two values trees.

    A section only one tree has is named once (``proxy``, not each of its
    settings). Only names are returned: values may be secrets.

    Args:
        before: The values an update replaces.
        after: The new values.
        prefix: The dotted name of the trees (empty at the top).

    Returns:
        The names, sorted.
    """
    changed: list[str] = []
    for key in sorted(before.keys() | after.keys(), key=str):
        name = f"{prefix}.{key}" if prefix else str(key)
        old, new = before.get(key), after.get(key)
        if isinstance(old, dict) and isinstance(new, dict):
            changed.extend(changed_settings(old, new, name))
        elif old != new:
            changed.append(name)
    return changed


def _header(values: dict[str, Any], name: str, namespace: str, host: str | None) -> str:
    """The file's opening comment: what it is, how to deploy it, where learners join."""
    url = join_url(values, host)
    where = (
        f"# ({EXTERNAL_IP}: 'kubectl --namespace {namespace} get service proxy-public')\n"
        if EXTERNAL_IP in url
        else ""
    )
    return (
        f"# Zero-to-JupyterHub values written by wiw for the chart's version {CHART_VERSION}.\n"
        "# Private (mode 0600): it holds the join secret and the instructor's key.\n"
        "# Install, or upgrade after 'wiw export z2jh REPOSITORY:TAG --update "
        f"{name}', with:\n"
        f"#   {helm_command(name, namespace)}\n"
        f"# Learners join at {url}\n"
        f"{where}"
    )


def write_z2jh_values(
    values: dict[str, Any],
    path: str | Path,
    *,
    namespace: str = NAMESPACE,
    host: str | None = None,
) -> Path:
    """Write values as YAML, with a header saying how to deploy them, readable by you only.

    The file is written whole or not at all (a new file, then renamed over
    the old one), with mode 0600 whatever the old file's mode was: it holds
    the join secret, the instructor's key and any registry password.

    Args:
        values: Values from :func:`z2jh_values`.
        path: The file to write (or to replace, as in an update).
        namespace: The Kubernetes namespace the header's ``helm`` command uses.
        host: The DNS name or address learners use, for the header's join URL.

    Returns:
        The file written.

    Raises:
        wiw.errors.ValuesFileError: The file cannot be written there.
    """
    target = Path(path)
    text = _header(values, target.name, namespace, host) + yaml.dump(
        values, Dumper=_BlockDumper, sort_keys=False, width=100
    )
    try:
        _write_private(target, text)
    except OSError as exc:
        raise errors.ValuesFileError(
            f"Cannot write the values file: {exc.strerror}.",
            path=target,
            hint="Give a file in a folder that exists and that you may write to.",
        ) from exc
    return target


def _write_private(target: Path, text: str) -> None:
    """Write ``text`` to a new 0600 file beside ``target``, then rename it over ``target``."""
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as stream:
            os.chmod(temporary, 0o600)  # mkstemp's mode already; said again for other platforms
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


class _BlockDumper(yaml.SafeDumper):
    """Writes multi-line strings (the hub's extra config) as readable blocks."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_BlockDumper.add_representer(str, _str)
