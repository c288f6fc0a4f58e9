#!/usr/bin/env bash
# The README's run command: installs, makes sure NATS and PostgreSQL run, applies migrations, builds, and runs
# every service in the foreground (Ctrl-C stops them all). Development values are filled in unless set, so no
# .env is needed to try it; a .env file, if present, is loaded first. Without a real APP_ID the Meta sandbox
# (a local fake of Meta) runs too, so the OAuth flow can be clicked through at http://127.0.0.1:3000/auth/login.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules/.bin ] || npm ci --no-audit --no-fund
bash scripts/services.sh
if [ -f .env ]; then set -a; . ./.env; set +a; fi
export HOST="${HOST:-127.0.0.1}" PORT="${PORT:-3000}"
export VERIFY_TOKEN="${VERIFY_TOKEN:-dev-verify-token}"
export LOG_LEVEL="${LOG_LEVEL:-info}"
# The admin port (manual send) listens on 127.0.0.1 only; a development token unless set.
export ADMIN_TOKEN="${ADMIN_TOKEN:-dev-admin-token-change-me-000000}"
export REDIRECT_URI="${REDIRECT_URI:-http://${HOST}:${PORT}/auth/callback}"
# A fixed development key (32 bytes): never use it for real tokens.
export TOKEN_ENCRYPTION_KEYS="${TOKEN_ENCRYPTION_KEYS:-dev:aWdkbS1kZXZlbG9wbWVudC1rZXktbm90LXNlY3JldCE=}"
export TURBO_TELEMETRY_DISABLED=1
filters=(--filter='./services/*')
if [ -z "${APP_ID:-}" ]; then
  sandbox="http://127.0.0.1:${SANDBOX_PORT:-4100}"
  export SANDBOX_PORT="${SANDBOX_PORT:-4100}"
  export APP_ID=sandbox-app-id APP_SECRET="${APP_SECRET:-dev-app-secret-change-me}"
  export INSTAGRAM_APP_ID=sandbox-ig-app-id INSTAGRAM_APP_SECRET=sandbox-ig-app-secret
  export GRAPH_API_BASE_URL="$sandbox/graph" FACEBOOK_DIALOG_BASE_URL="$sandbox/www"
  export INSTAGRAM_API_BASE_URL="$sandbox/ig-api" INSTAGRAM_GRAPH_BASE_URL="$sandbox/ig-graph"
  export INSTAGRAM_DIALOG_BASE_URL="$sandbox/ig-www"
  filters+=(--filter=@igdm/meta-sandbox)
  echo "stack: no APP_ID set, so the Meta sandbox stands in for Meta on $sandbox"
fi
npm run build
npm run db:migrate
echo "stack: ingress on http://${HOST}:${PORT} (webhook: /webhook, connect an account: /auth/login, health: /health)"
if [ -n "${sandbox:-}" ]; then
  echo "stack: once the services log that they are ready, run \`npm run simulate\` in another terminal: it connects the"
  echo "       sandbox's account, sends a signed test DM and shows it stored and answered (GET /debug/messages)"
fi
exec npx turbo run start "${filters[@]}" --concurrency=20
