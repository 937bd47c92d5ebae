#!/usr/bin/env bash
# The whole test suite: set up, type-check, lint (ESLint and the folder rules: no import cycles, no
# back-edges, .dependency-cruiser.mjs), then unit and integration tests (vitest) against
# real Synapse, PostgreSQL and Redis, which the test setup starts where needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$PATH"
tsc --noEmit -p tsconfig.json
npm run --silent lint
vitest run "$@"
