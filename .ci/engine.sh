#!/usr/bin/env bash
# Make sure a Docker engine answers. Installs Debian's engine and starts it
# when none does. Idempotent: returns at once when `docker info` succeeds.
set -euo pipefail

engine_ready() { timeout 10 docker info >/dev/null 2>&1; }

wait_for_engine() {
  local deadline=$((SECONDS + 60))
  until engine_ready; do
    if ((SECONDS > deadline)); then
      echo "dockerd did not answer within 60 s; its log:" >&2
      tail -n 40 /var/log/dockerd.log >&2 || true
      return 1
    fi
    sleep 0.5
  done
}

if engine_ready; then
  echo "engine: already running"
  exit 0
fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "engine: installing docker.io from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
fi
echo "engine: starting dockerd"
setsid dockerd >/var/log/dockerd.log 2>&1 < /dev/null &
wait_for_engine
echo "engine: ready ($(docker version --format '{{.Server.Version}}'))"
