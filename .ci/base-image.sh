#!/usr/bin/env bash
# Make the base images workshop Dockerfiles start from available.
#   base-image.sh [IMAGE ...]   (default: $WIW_BASE_IMAGE or debian:bookworm-slim)
# When an image cannot be pulled (no registry reachable), build a faithful
# stand-in from Debian's packages with debootstrap, trusting this machine's
# extra CA certificates so pip and apt work inside images built on it:
#   debian:bookworm-slim, debian:trixie-slim   Debian's own Python (apt)
#   python:3.14-slim                            Python in /usr/local/bin, as the
#                                               official images have it (from
#                                               Debian's testing release here)
# Idempotent: returns at once for images that are present.
set -euo pipefail

# Bumped when the stand-ins' recipe changes, so a machine that kept an older
# stand-in makes it again. A pulled (real) image has repo digests; a stand-in
# has none.
STANDIN=2

present() {
  docker image inspect "$1" >/dev/null 2>&1 || return 1
  local pulled made
  pulled=$(docker image inspect --format '{{len .RepoDigests}}' "$1")
  made=$(docker image inspect --format '{{index .Config.Labels "org.wiw.standin"}}' "$1")
  [ "$pulled" != 0 ] || [ "$made" = "$STANDIN" ]
}

mirror() {
  local found
  found=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$found" ] || found=$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  [ -n "$found" ] || { echo "base: no Debian mirror configured for apt" >&2; exit 1; }
  echo "$found"
}

slim() {  # like the real debian:*-slim images: no docs, man pages or locales
  local rootfs=$1
  cat > "$rootfs/etc/dpkg/dpkg.cfg.d/docker" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
CFG
  find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete 2>/dev/null || true
  rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/lintian/*
  find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias \
    -exec rm -rf {} + 2>/dev/null || true
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
}

trust_this_machine() {  # the stand-in only: this machine's extra CA certificates
  local rootfs=$1 certs
  shopt -s nullglob
  certs=(/usr/local/share/ca-certificates/*.crt)
  if ((${#certs[@]})); then
    cp "${certs[@]}" "$rootfs/usr/local/share/ca-certificates/"
    chroot "$rootfs" update-ca-certificates >/dev/null
  fi
}

standin() {
  local image=$1 suite include extra=""
  case "$image" in
    debian:bookworm*) suite=bookworm ;;
    debian:trixie*) suite=trixie ;;
    python:3.14-slim) suite=forky; extra=python3.14 ;;
    *) echo "base: cannot pull $image and cannot stand in for it" >&2; exit 1 ;;
  esac
  include=ca-certificates${extra:+,$extra,$extra-venv}
  command -v debootstrap >/dev/null 2>&1 || {
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq debootstrap >/dev/null
  }
  local rootfs
  rootfs=$(mktemp -d /var/tmp/wiw-rootfs.XXXXXX)
  trap 'rm -rf "$rootfs"' RETURN
  echo "base: debootstrap $suite for $image"
  # Debian 12's debootstrap has no script for testing's name: testing is made like sid.
  local script=/usr/share/debootstrap/scripts/$suite
  [ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid
  if ! debootstrap --variant=minbase --include="$include" "$suite" "$rootfs" "$(mirror)" \
      "$script" >"$rootfs.log" 2>&1; then
    echo "base: debootstrap of $suite failed:" >&2
    tail -n 20 "$rootfs.log" >&2
    exit 1
  fi
  rm -f "$rootfs.log"
  trust_this_machine "$rootfs"
  if [ -n "$extra" ]; then
    # The official python images keep their Python in /usr/local/bin.
    for name in "$extra" python3 python; do ln -sf "/usr/bin/$extra" "$rootfs/usr/local/bin/$name"; done
    # Debian's testing archive is a snapshot here; its Release may be past its date.
    echo 'Acquire::Check-Valid-Until "false";' > "$rootfs/etc/apt/apt.conf.d/99wiw-standin"
  fi
  slim "$rootfs"
  tar -C "$rootfs" -c . | docker import --change "LABEL org.wiw.standin=$STANDIN" - "$image" >/dev/null
  echo "base: imported stand-in $image"
}

images=("$@")
((${#images[@]})) || images=("${WIW_BASE_IMAGE:-debian:bookworm-slim}")
for image in "${images[@]}"; do
  if present "$image"; then
    echo "base: $image present"
  elif timeout 60 docker pull -q "$image" >/dev/null 2>&1; then
    echo "base: pulled $image"
  else
    standin "$image"
  fi
done
