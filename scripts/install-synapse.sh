#!/usr/bin/env bash
# Installs the pinned Synapse from PyPI into the project's virtualenv (.local/synapse-venv).
# Idempotent: does nothing when that version is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

SYNAPSE_VERSION=1.163.2
VENV=.local/synapse-venv
# The redis extra: replication between the processes of SYNAPSE_WORKERS.
MARKER="$VENV/.booking-chat-synapse-$SYNAPSE_VERSION-redis"

if [ -f "$MARKER" ]; then
  exit 0
fi
echo "installing Synapse $SYNAPSE_VERSION into $VENV"
python3 -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check "matrix-synapse[postgres,redis]==$SYNAPSE_VERSION"
"$VENV/bin/python" -c "import synapse; assert synapse.__version__.startswith('$SYNAPSE_VERSION'), synapse.__version__"
touch "$MARKER"
