#!/usr/bin/env bash
# A second, throwaway Docker engine whose data root is a small loop-mounted
# filesystem, for the "disk fills up during a build" fault test.
#   small-engine.sh start SIZE_MB   prints the engine's socket
#   small-engine.sh stop            stops it and removes everything it made
# It gets a bridge of its own with no route out (never "--bridge none": an
# engine started so deletes the main engine's docker0); builds use the host's
# network. It loads the base image from the main engine and listens on a unix
# socket only.
set -euo pipefail
dir=/var/tmp/wiw-small-engine
sock="unix://$dir/docker.sock"
bridge=wiwsmall0
case "${1:-}" in
  start)
    "$0" stop >/dev/null 2>&1 || true
    mkdir -p "$dir/mnt" "$dir/exec"
    truncate -s "${2:-700}M" "$dir/disk.img"
    mkfs.ext4 -q -F "$dir/disk.img"
    mount -o loop "$dir/disk.img" "$dir/mnt"
    ip link add name "$bridge" type bridge
    ip addr add 169.254.213.1/30 dev "$bridge"
    ip link set "$bridge" up
    setsid dockerd --data-root "$dir/mnt/docker" --exec-root "$dir/exec" \
      --pidfile "$dir/docker.pid" --host "$sock" --bridge "$bridge" --iptables=false \
      --ip-masq=false >"$dir/dockerd.log" 2>&1 </dev/null &
    deadline=$((SECONDS + 60))
    until docker -H "$sock" info >/dev/null 2>&1; do
      ((SECONDS < deadline)) || { tail -n 20 "$dir/dockerd.log" >&2; exit 1; }
      sleep 0.2
    done
    docker save "${WIW_BASE_IMAGE:-debian:bookworm-slim}" | docker -H "$sock" load -q >/dev/null
    echo "$sock"
    ;;
  stop)
    if [ -f "$dir/docker.pid" ]; then
      kill "$(cat "$dir/docker.pid")" 2>/dev/null || true
      deadline=$((SECONDS + 30))
      while [ -f "$dir/docker.pid" ] && kill -0 "$(cat "$dir/docker.pid")" 2>/dev/null; do
        ((SECONDS < deadline)) || break
        sleep 0.2
      done
    fi
    # The engine leaves its network namespace mounted under its exec root.
    for m in "$dir"/exec/netns/*; do umount "$m" 2>/dev/null || true; done
    umount "$dir/mnt" 2>/dev/null || umount -l "$dir/mnt" 2>/dev/null || true
    ip link del "$bridge" 2>/dev/null || true
    rm -rf "$dir"
    ;;
  *) echo "usage: $0 start SIZE_MB | stop" >&2; exit 2 ;;
esac
