#!/usr/bin/env bash
# Everything booking-chat needs on a fresh machine, from the package registries only:
# the npm packages (with Node 24 as the `node` package) and Synapse in a virtualenv.
# Idempotent and quick when nothing changed.
set -euo pipefail
cd "$(dirname "$0")/.."

stamp=node_modules/.booking-chat-installed
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || ! node_modules/.bin/node --version 2>/dev/null | grep -q '^v24\.'; then
  npm ci --no-audit --no-fund
  node_modules/.bin/node --version | grep -q '^v24\.' || { echo "setup: Node 24 did not install" >&2; exit 1; }
  touch "$stamp"
fi
bash scripts/install-synapse.sh

# The browser tests drive Debian's Chromium (a browser download by a test tool cannot work here).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium from Debian"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "setup: chromium is missing and cannot be installed here (needs root and apt-get); browser tests will fail" >&2
  fi
fi
