#!/usr/bin/env bash
# The whole test suite: set up, type-check, then unit and integration tests (vitest) against
# real Synapse, PostgreSQL and Redis, which the test setup starts where needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH"
tsc --noEmit -p tsconfig.json
vitest run "$@"
