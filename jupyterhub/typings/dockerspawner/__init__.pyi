# DockerSpawner 14.0.0: only what wiw's hub code uses.
from dockerspawner.dockerspawner import DockerSpawner as DockerSpawner
from dockerspawner.swarmspawner import SwarmSpawner as SwarmSpawner
