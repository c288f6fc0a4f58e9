#!/usr/bin/env bash
# The README's test command: installs if needed (npm packages, and Debian's Chromium for the browser tests),
# makes sure NATS and PostgreSQL run, runs every test and ends with one line "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules/.bin ] || npm ci --no-audit --no-fund
if ! command -v chromium >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "test: the browser tests need Chromium (as root: apt-get install chromium)" >&2
  fi
fi
bash scripts/services.sh
node scripts/run-tests.mjs "$@"
