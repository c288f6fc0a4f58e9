# One image per service, all from this file: docker build --build-arg SERVICE=normalizer -t igdm-normalizer .
# SERVICE is the workspace name without @igdm/: ingress, normalizer, persister, responder, token-refresher, or
# meta-sandbox (the fake Meta, with ENTRY=libs/meta-sandbox/dist/cli.js). docker-compose.yml builds them all.
# scripts/check-docker-build.sh runs the same steps outside Docker in CI (no Docker engine there).
#
# Node 24 LTS on Debian slim: glibc like the CI machine where those steps are checked (alpine's musl would be the
# one place the check could not vouch for); the NATS client's @nats-io/nuid already asks for Node 22 or newer.
ARG NODE_IMAGE=node:24-bookworm-slim

FROM ${NODE_IMAGE} AS base
ENV TURBO_TELEMETRY_DISABLED=1 NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false NPM_CONFIG_UPDATE_NOTIFIER=false
WORKDIR /app

# 1. prune: only the service's workspaces, its slice of the lockfile (out/json: package.json files, for a cached
# install layer) and its sources (out/full). turbo's version is the lockfile's; CI fails when they drift.
FROM base AS prune
ARG TURBO_VERSION=2.11.11
RUN npm install --global "turbo@${TURBO_VERSION}"
COPY . .
ARG SERVICE
RUN test -n "${SERVICE}" || { echo "build with --build-arg SERVICE=<service>" >&2; exit 1; }; \
    turbo prune "@igdm/${SERVICE}" --docker

# 2. build: every dependency, dev tools included (tsc, turbo), then the service and the libs it uses. The root
# postinstall (scripts/patch-postgres.mjs, a guard for a postgres.js crash) runs in npm ci, so it is copied first.
FROM base AS build
COPY --from=prune /app/out/json/ ./
COPY scripts/patch-postgres.mjs scripts/bundle-service.mjs scripts/
RUN npm ci
COPY --from=prune /app/out/full/ ./
COPY tsconfig.base.json ./
COPY supabase/migrations supabase/migrations
ARG SERVICE
RUN npx turbo run build --filter="@igdm/${SERVICE}"
# 3. bundle: production dependencies only, plus package.json and dist/ of the workspaces the service runs with
# (dev-only ones such as libs/testkit are dropped) and, with libs/db, the SQL migrations.
RUN node scripts/bundle-service.mjs "${SERVICE}" /out

# 4. runtime: no compiler, no sources, no dev dependencies; files owned by root, the process runs as `node`.
FROM base AS runtime
ARG SERVICE
ARG ENTRY=services/${SERVICE}/dist/main.js
ENV NODE_ENV=production IGDM_SERVICE=${SERVICE} IGDM_ENTRY=${ENTRY} OPS_HOST=0.0.0.0
COPY --from=build /out/ ./
USER node
# Readiness on the ops port (OPS_PORT, else the service's default), with node itself: the image has no curl. The
# port map mirrors OPS_PORTS in libs/runtime; scripts/check-docker-build.sh fails when they differ.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "const ports={ingress:9101,normalizer:9102,persister:9103,responder:9104,'token-refresher':9105}; fetch('http://127.0.0.1:'+(process.env.OPS_PORT||ports[process.env.IGDM_SERVICE])+'/ready',{signal:AbortSignal.timeout(4000)}).then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# exec: node becomes PID 1 and gets SIGTERM itself (graceful shutdown); ENTRY is fixed at build time.
CMD ["sh", "-c", "exec node \"$IGDM_ENTRY\""]
