from docker.types.services import Mount as Mount
