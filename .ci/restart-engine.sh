#!/usr/bin/env bash
# Stop the engine this machine runs (as a crash would: SIGKILL) and, unless
# told "stop", start it again. Used by the fault-injection tests through
# WIW_ENGINE_STOP / WIW_ENGINE_START, which .ci/run sets.
set -euo pipefail
here="$(dirname "$0")"
if [ "${1:-}" != "start" ]; then
  pkill -KILL -x dockerd || true
  pkill -KILL -x containerd || true
  deadline=$((SECONDS + 30))
  while pgrep -x dockerd >/dev/null; do
    ((SECONDS < deadline)) || { echo "dockerd did not stop" >&2; exit 1; }
    sleep 0.2
  done
  rm -f /var/run/docker.pid
fi
if [ "${1:-}" != "stop" ]; then
  bash "$here/engine.sh"
fi
