#!/usr/bin/env bash
# The Dockerfile's stages, run outside Docker (CI has no Docker engine), for every image docker-compose.yml builds:
# turbo prune from the build context, npm ci on the pruned lockfile, turbo build in the pruned tree, the production
# bundle (scripts/bundle-service.mjs, as in the image). Each bundle is then started the way the image starts it,
# with a bad environment: it must exit 78 naming the bad variable, which proves the whole program loads with
# production dependencies only. Each service's environment in docker-compose.yml must pass that service's own
# schema, with its own NATS user and password and its ops port; the persister's bundle runs the compose `migrate`
# command on a fresh database.
#
# To stay within a few minutes on two cores, only the persister's image gets a real `npm ci` (it is the one whose
# postinstall patch matters: postgres.js); the others check their pruned lockfile with `npm ci --dry-run` (which
# refuses a lockfile out of sync with the package.json files) and borrow the repo's node_modules as hard links.
# That borrowed tree is a superset, so the build cannot miss a package; the bundle's `npm prune` then keeps only
# what the pruned lockfile gives the service, so a missing runtime dependency still fails the start below.
# Needs the repo's `npm ci`, docker-compose (its python3-yaml reads the compose file) and PostgreSQL on
# 127.0.0.1:5432 (scripts/services.sh).
# Usage: bash scripts/check-docker-build.sh [image…]   (default: every image; KEEP=1 keeps the temp dir)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
export TURBO_TELEMETRY_DISABLED=1 NPM_CONFIG_UPDATE_NOTIFIER=false
images=("$@")
[ ${#images[@]} -gt 0 ] || images=(ingress normalizer persister responder token-refresher meta-sandbox)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/igdm-docker-check.XXXXXX")
db="igdm_docker_check_$$"
cleanup() {
  psql -h 127.0.0.1 -U postgres -qAt -c "drop database if exists $db" >/dev/null 2>&1 || true
  if [ -n "${KEEP:-}" ]; then echo "check-docker-build: kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
started=$SECONDS
say() { echo "check-docker-build: [$((SECONDS - started))s] $*"; }
fail() {
  echo "check-docker-build: FAIL: $*" >&2
  exit 1
}
# Runs a step quietly; its output is shown only when it fails.
quiet() {
  local log
  log=$("$@" 2>&1) || {
    echo "$log" >&2
    return 1
  }
}

# What the Dockerfile pins must match the repo.
turbo_locked=$(node -p 'require("./package-lock.json").packages["node_modules/turbo"].version')
grep -q "^ARG TURBO_VERSION=${turbo_locked}\$" Dockerfile ||
  fail "Dockerfile's ARG TURBO_VERSION differs from the lockfile's turbo ${turbo_locked}"
node --input-type=module -e '
  import { readFileSync } from "node:fs";
  import { OPS_PORTS } from "@igdm/runtime";
  const literal = /const ports=(\{[^}]*\})/.exec(readFileSync("Dockerfile", "utf8"))?.[1];
  const ports = literal && new Function(`return ${literal}`)();
  if (JSON.stringify(ports) !== JSON.stringify(OPS_PORTS)) {
    console.error(`HEALTHCHECK ports ${JSON.stringify(ports)}, OPS_PORTS ${JSON.stringify(OPS_PORTS)}`);
    process.exit(1);
  }' || fail "the Dockerfile HEALTHCHECK's port map differs from OPS_PORTS in libs/runtime"

# The compose file as docker-compose resolves it with no .env (the defaults), as JSON for node.
command -v docker-compose >/dev/null || fail "docker-compose is missing (apt-get install docker-compose)"
compose="$tmp/compose.json"
: >"$tmp/empty.env"
docker-compose --env-file "$tmp/empty.env" -f docker-compose.yml config |
  python3 -c 'import json, sys, yaml; json.dump(yaml.safe_load(sys.stdin), sys.stdout)' >"$compose"

# The build context: .dockerignore mirrors .gitignore, so it is the files git tracks or would track.
mkdir "$tmp/context"
git ls-files -co --exclude-standard -z | tar -C "$repo" --null -T - -cf - | tar -C "$tmp/context" -xf -
say "build context: $(du -sh "$tmp/context" | cut -f1)"

# One turbo cache for all images, as Docker's layer cache shares what did not change between builds.
cache="$tmp/turbo-cache"
for svc in "${images[@]}"; do
  out="$tmp/$svc/out" app="$tmp/$svc/app" image="$tmp/$svc/image"
  # 1. prune
  (cd "$tmp/context" && quiet "$repo/node_modules/.bin/turbo" prune "@igdm/$svc" --docker --out-dir "$out") ||
    fail "$svc: turbo prune"
  # 2. build: out/json and the postinstall script, the install, then out/full and the build
  mkdir -p "$app/scripts" && cp -R "$out/json/." "$app/"
  cp "$tmp/context/scripts/patch-postgres.mjs" "$tmp/context/scripts/bundle-service.mjs" "$app/scripts/"
  if [ "$svc" = persister ]; then
    (cd "$app" && quiet npm ci --prefer-offline --no-audit --no-fund) || fail "$svc: npm ci"
  else
    (cd "$app" && quiet npm ci --dry-run --prefer-offline --no-audit --no-fund) ||
      fail "$svc: npm ci refuses the pruned lockfile"
    cp -al "$repo/node_modules" "$app/node_modules" 2>/dev/null || cp -a "$repo/node_modules" "$app/node_modules"
  fi
  cp -R "$out/full/." "$app/"
  cp "$tmp/context/tsconfig.base.json" "$app/"
  mkdir -p "$app/supabase" && cp -R "$tmp/context/supabase/migrations" "$app/supabase/"
  (cd "$app" && quiet node_modules/.bin/turbo run build --filter="@igdm/$svc" --cache-dir="$cache") ||
    fail "$svc: turbo build"
  # 3. bundle
  (cd "$app" && quiet node scripts/bundle-service.mjs "$svc" "$image") || fail "$svc: bundle"
  for dev in libs/testkit node_modules/testcontainers node_modules/typescript node_modules/turbo; do
    [ ! -e "$image/$dev" ] || fail "$svc: the bundle holds $dev, which only development needs"
  done

  # 4. run: the image's command in the bundle alone, with a bad environment.
  entry="services/$svc/dist/main.js" bad=(LOG_LEVEL=loud) expect=78 says="LOG_LEVEL"
  if [ "$svc" = meta-sandbox ]; then
    entry="libs/meta-sandbox/dist/cli.js" bad=(SANDBOX_PORT=none) expect=1 says="SANDBOX_PORT must be a port number"
  fi
  [ -f "$image/$entry" ] || fail "$svc: $entry is not in the bundle"
  set +e
  output=$(cd "$image" && env -i PATH="$PATH" NODE_ENV=production "${bad[@]}" node "$entry" 2>&1)
  code=$?
  set -e
  [ "$code" = "$expect" ] && grep -qF "$says" <<<"$output" ||
    fail "$svc: expected exit $expect naming '$says', got $code: $output"

  # 5. compose: the service's environment there passes its schema, with its own NATS user and ops port.
  if [ "$svc" != meta-sandbox ]; then
    grep -qF "user: \"$svc\"" deploy/nats/nats.conf || fail "$svc: no NATS user \"$svc\" in deploy/nats/nats.conf"
    (cd "$image" && node --input-type=module -e '
      import { readFileSync } from "node:fs";
      import { OPS_PORTS, parseEnv } from "@igdm/runtime";
      const [svc, file] = process.argv.slice(1);
      process.on("uncaughtException", (err) => {
        console.error(err.message);
        process.exit(1);
      });
      const { services } = JSON.parse(readFileSync(file, "utf8"));
      const env = Object.fromEntries(Object.entries(services[svc].environment).map(([k, v]) => [k, String(v)]));
      const schema = Object.values(await import(`./services/${svc}/dist/env.js`)).find((v) => v?.safeParse);
      parseEnv(schema, env);
      const password = services.nats.environment[`NATS_${svc.toUpperCase().replace("-", "_")}_PASSWORD`];
      const problems = [
        env.NATS_USER !== svc && `NATS_USER is ${env.NATS_USER}`,
        env.NATS_PASSWORD !== String(password) && "NATS_PASSWORD is not the nats service'"'"'s password for it",
        env.NATS_URL !== "nats://nats:4222" && "NATS_URL is not the nats service",
        Number(env.OPS_PORT) !== OPS_PORTS[svc] && `OPS_PORT is ${env.OPS_PORT}, not ${OPS_PORTS[svc]}`,
        env.OPS_HOST !== "0.0.0.0" && "OPS_HOST is not 0.0.0.0",
        !services[svc].healthcheck?.test?.join(" ").includes("/ready") && "its health check is not /ready",
        svc !== "ingress" && services[svc].ports && "a worker publishes ports (--scale would collide)",
        services[svc].container_name && "container_name is set (--scale needs it unset)",
      ].filter(Boolean);
      if (problems.length) throw new Error(problems.join("; "));
    ' "$svc" "$compose" 2>&1) || fail "$svc: its environment in docker-compose.yml"
  fi
  say "$svc: pruned, built, bundled ($(du -sh "$image" | cut -f1)), starts and refuses a bad environment (exit $code)"

  if [ "$svc" = persister ]; then
    grep -qF "igdm: guarded nextWrite" "$image/node_modules/postgres/src/connection.js" ||
      fail "persister: the image's postgres.js lacks the postinstall guard (scripts/patch-postgres.mjs)"
    # The compose `migrate` service: the persister's image, its migrations inside, run against a fresh database.
    psql -h 127.0.0.1 -U postgres -qAt -c "create database $db" >/dev/null
    (cd "$image" && quiet env -i PATH="$PATH" NODE_ENV=production \
      DATABASE_URL="postgres://postgres@127.0.0.1:5432/$db" node libs/db/dist/cli/migrate.js) ||
      fail "migrate from the persister's bundle"
    tables=$(psql -h 127.0.0.1 -U postgres -d "$db" -qAt -c "select count(*) from pg_tables where tablename = 'messages'")
    [ "$tables" = 1 ] || fail "migrate from the persister's bundle created no messages table"
    say "persister: the compose migrate command applies supabase/migrations from the bundle"
  fi
done
say "the Dockerfile's steps pass for: ${images[*]}"
