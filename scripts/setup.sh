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
