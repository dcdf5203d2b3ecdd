# DockerSpawner 14.0.0: only what wiw's hub code uses.
import asyncio
from collections.abc import Callable
from typing import Any

from jupyterhub.spawner import Spawner

class DockerSpawner(Spawner):
    image: str  # Unicode(config=True)
    object_name: str  # Unicode(): the container's name, rendered from name_template
    # Any(config=True): a callable of a template and the spawner, returning the volume's name
    format_volume_name: Callable[[str, DockerSpawner], str]

    # Calls a docker.APIClient method in a thread.
    def docker(self, method: str, *args: Any, **kwargs: Any) -> asyncio.Future[Any]: ...
    # The container, as docker's API answers its creation ({"Id": ...}).
    async def create_object(self) -> dict[str, Any]: ...
