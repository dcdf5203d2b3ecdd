#!/usr/bin/env bash
# Tools for the push tests: Debian's container registry (distribution 2.8),
# which the tests start on loopback ports of their own, and htpasswd for a
# registry that asks for a login. Idempotent.
set -euo pipefail
if command -v docker-registry >/dev/null 2>&1 && command -v htpasswd >/dev/null 2>&1; then
  echo "registry: tools present"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq docker-registry apache2-utils >/dev/null
# Tests start their own registries; the packaged service is not needed.
if command -v systemctl >/dev/null 2>&1; then systemctl disable --now docker-registry >/dev/null 2>&1 || true; fi
echo "registry: installed"
