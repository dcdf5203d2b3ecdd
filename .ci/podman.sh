#!/usr/bin/env bash
# Debian's Podman beside the Docker engine, for the Podman tests (nox -s podman):
# rootful, its Docker-compatible API on /run/podman/podman.sock (DockerSpawner
# talks to it from the classroom's hub), and the base images copied across
# from Docker under the names Dockerfiles use. Idempotent.
#
# This machine lacks CAP_SYS_RESOURCE, so Podman cannot raise containers'
# open-files and processes limits to its defaults: containers.conf gives limits
# within the current hard limits instead. Names the network backend, the init
# binary's Debian path and the cgroup manager (no systemd here) explicitly.
set -euo pipefail
SOCKET=/run/podman/podman.sock

if ! command -v podman >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends podman netavark aardvark-dns iptables \
    catatonit fuse-overlayfs uidmap >/dev/null
  echo "podman: installed $(podman --version)"
fi

mkdir -p /etc/containers
if ! grep -q "wiw" /etc/containers/containers.conf 2>/dev/null; then
  # Soft and hard alike: Podman 4.3's Docker API swaps them (soft 20000 over
  # hard 1024 fails). Processes: 32768, which runc may set here (more it may not).
  nofile=$(ulimit -Hn)
  cat > /etc/containers/containers.conf <<CONF
# Written by wiw's .ci/podman.sh for this machine.
[containers]
default_ulimits = ["nofile=${nofile}:${nofile}", "nproc=32768:32768"]
init_path = "/usr/bin/catatonit"
pids_limit = 0
log_driver = "k8s-file"

[engine]
cgroup_manager = "cgroupfs"
events_logger = "file"

[network]
network_backend = "netavark"
CONF
fi

if ! curl -sf --unix-socket "$SOCKET" http://d/_ping >/dev/null 2>&1; then
  mkdir -p "$(dirname "$SOCKET")"
  nohup podman system service --time=0 "unix://$SOCKET" >/var/log/wiw-podman-service.log 2>&1 &
  for _ in $(seq 1 100); do
    curl -sf --unix-socket "$SOCKET" http://d/_ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  curl -sf --unix-socket "$SOCKET" http://d/_ping >/dev/null || {
    echo "podman: the API socket did not answer" >&2; tail -n 20 /var/log/wiw-podman-service.log >&2; exit 1; }
  echo "podman: API on $SOCKET"
fi

for image in "$@"; do
  if ! podman image exists "docker.io/library/$image"; then
    docker save "$image" | podman load -q >/dev/null
    podman tag "$image" "docker.io/library/$image" 2>/dev/null \
      || podman tag "localhost/$image" "docker.io/library/$image"
    echo "podman: $image copied from Docker"
  fi
done
