#!/usr/bin/env bash
# The README's run command: installs, makes sure NATS and PostgreSQL run, applies migrations, builds, and runs
# every service in the foreground (Ctrl-C stops them all). Development secrets are filled in unless set, so no
# .env is needed to try it; a .env file, if present, is loaded first.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules/.bin ] || npm ci --no-audit --no-fund
bash scripts/services.sh
if [ -f .env ]; then set -a; . ./.env; set +a; fi
export APP_SECRET="${APP_SECRET:-dev-app-secret-change-me}"
export VERIFY_TOKEN="${VERIFY_TOKEN:-dev-verify-token}"
export HOST="${HOST:-127.0.0.1}"
export LOG_LEVEL="${LOG_LEVEL:-info}"
export TURBO_TELEMETRY_DISABLED=1
npm run build
npm run db:migrate
echo "stack: ingress on http://${HOST}:${PORT:-3000} (webhook: /webhook, health: /health, /ready)"
exec npx turbo run start --filter='./services/*' --concurrency=20
