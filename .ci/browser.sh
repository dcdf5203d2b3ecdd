#!/usr/bin/env bash
# Debian's Chromium for the browser tests (Playwright drives it; it downloads
# no browser of its own). Idempotent.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  echo "browser: chromium present"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq chromium fonts-dejavu-core >/dev/null
echo "browser: installed $(/usr/bin/chromium --version)"
