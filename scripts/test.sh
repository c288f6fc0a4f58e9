#!/usr/bin/env bash
# The README's test command: installs if needed, makes sure NATS and PostgreSQL run, runs every test and ends
# with one line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules/.bin ] || npm ci --no-audit --no-fund
bash scripts/services.sh
node scripts/run-tests.mjs "$@"
