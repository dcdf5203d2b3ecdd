"""Networks and volumes: what learners' servers share and where their files live."""

from __future__ import annotations

from collections.abc import Mapping

from wiw import errors
from wiw.engine.client import EngineClient
from wiw.engine.failures import translate
from wiw.waiting import WaitTimeout, poll

__all__ = ["StorageCommands"]


class StorageCommands(EngineClient):
    """What the engine does with networks and volumes."""

    def network_ensure(
        self, name: str, labels: Mapping[str, str], *, overlay: bool = False
    ) -> bool:
        """Create network ``name`` unless it exists; return whether it was created here."""
        with translate("create the network"):
            if self._client.network.exists(name):
                return False
            if overlay:
                self._client.network.create(
                    name, driver="overlay", attachable=True, labels=dict(labels)
                )
            else:
                self._client.network.create(name, labels=dict(labels))
        return True

    def network_remove(self, name: str, *, timeout: float = 30.0) -> None:
        """Remove a network; no error if it is gone.

        Containers and Swarm tasks just removed may still hold endpoints on
        it for a moment, so removal is retried until ``timeout`` seconds pass.
        """
        last: list[errors.EngineError] = []

        def attempt() -> bool | None:
            try:
                with translate("remove the network"):
                    if self._client.network.exists(name):
                        self._client.network.remove(name)
            except errors.EngineError as exc:
                if "active endpoints" not in (exc.stderr or ""):
                    raise
                last[:] = [exc]
                return None
            return True

        try:
            poll(attempt, timeout=timeout, what=f"removing network {name}", interval=0.25)
        except WaitTimeout:
            raise last[0] from None

    def volume_labels(self, name: str) -> dict[str, str] | None:
        """Return a volume's labels, or None when it does not exist."""
        with translate("inspect the volume"):
            if not self._client.volume.exists(name):
                return None
            return dict(self._client.volume.inspect(name).labels or {})

    def volume_create(self, name: str, labels: Mapping[str, str]) -> None:
        """Create a named volume with labels."""
        with translate("create the volume"):
            self._client.volume.create(name, labels=dict(labels))

    def volumes_labelled(self, label: str) -> dict[str, dict[str, str]]:
        """Return ``{name: labels}`` of the volumes carrying ``label``."""
        with translate("list volumes"):
            found = self._client.volume.list(filters=[("label", label)])
            return {str(v.name): dict(v.labels or {}) for v in found}

    def volume_remove(self, name: str) -> None:
        """Remove a volume (and with it the files on it)."""
        with translate("remove the volume"):
            self._client.volume.remove(name)
