from typing import Any

from dockerspawner.dockerspawner import DockerSpawner

class SwarmSpawner(DockerSpawner):
    extra_placement_spec: dict[str, Any]  # Dict(config=True)
