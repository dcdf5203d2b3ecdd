import asyncio
from collections.abc import Callable
from typing import Any

from jupyterhub.spawner import Spawner

class DockerSpawner(Spawner):
    image: str  # Unicode(config=True)
    # Any(config=True): a callable of a template and the spawner, returning the volume's name
    format_volume_name: Callable[[str, DockerSpawner], str]

    # Calls a docker.APIClient method in a thread.
    def docker(self, method: str, *args: Any, **kwargs: Any) -> asyncio.Future[Any]: ...
