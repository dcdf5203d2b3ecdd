#!/usr/bin/env bash
# Make the base image the workshop Dockerfile starts from available.
# When it cannot be pulled (no registry reachable), build a faithful stand-in
# from Debian's packages with debootstrap, trusting this machine's extra CA
# certificates so pip and apt work inside images built on it.
# Idempotent: returns at once when the image is present.
set -euo pipefail

BASE="${WIW_BASE_IMAGE:-debian:bookworm-slim}"
# Bumped when the stand-in's recipe changes, so a machine that kept an older
# stand-in makes it again. A pulled (real) image has repo digests; a stand-in
# has none.
STANDIN=2

if docker image inspect "$BASE" >/dev/null 2>&1; then
  pulled=$(docker image inspect --format '{{len .RepoDigests}}' "$BASE")
  made=$(docker image inspect --format '{{index .Config.Labels "org.wiw.standin"}}' "$BASE")
  if [ "$pulled" != 0 ] || [ "$made" = "$STANDIN" ]; then
    echo "base: $BASE present"
    exit 0
  fi
  echo "base: replacing an older stand-in for $BASE"
fi
if timeout 60 docker pull -q "$BASE" >/dev/null 2>&1; then
  echo "base: pulled $BASE"
  exit 0
fi
case "$BASE" in
  debian:bookworm*) ;;
  *) echo "base: cannot pull $BASE and can only stand in for debian:bookworm" >&2; exit 1 ;;
esac

mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
if [ -z "$mirror" ]; then
  mirror=$(awk '/^deb / {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
fi
[ -n "$mirror" ] || { echo "base: no Debian mirror configured for apt" >&2; exit 1; }

command -v debootstrap >/dev/null 2>&1 || {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq debootstrap >/dev/null
}

rootfs=$(mktemp -d /var/tmp/wiw-rootfs.XXXXXX)
trap 'rm -rf "$rootfs"' EXIT
echo "base: debootstrap bookworm from $mirror"
debootstrap --variant=minbase --include=ca-certificates bookworm "$rootfs" "$mirror" >/dev/null
shopt -s nullglob
certs=(/usr/local/share/ca-certificates/*.crt)
if ((${#certs[@]})); then
  cp "${certs[@]}" "$rootfs/usr/local/share/ca-certificates/"
  chroot "$rootfs" update-ca-certificates >/dev/null
fi
# Slim like the real debian:*-slim images: no docs, man pages or locales, now
# or in packages installed later.
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
find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} + 2>/dev/null || true
rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
tar -C "$rootfs" -c . | docker import --change "LABEL org.wiw.standin=$STANDIN" - "$BASE" >/dev/null
echo "base: imported stand-in $BASE"
