# deskbridge daemon image. Build: docker build -t deskbridge .   (README "Run as a service" → Docker)
# Run:   docker run -d --env-file deskbridge.env -v $PWD/desk:/app/desk:ro -v deskbridge-data:/data \
#          -p 127.0.0.1:9464:9464 deskbridge run --config /app/desk/deskbridge.yaml
# desk/ holds deskbridge.yaml and rules/ (`deskbridge init --dir desk`); in deskbridge.yaml:
# state: { path: /data/deskbridge.db }, audit: { dir: /data/audit }, metrics: { port: 9464 } for the
# HEALTHCHECK. Without `mappings:` the config uses /app/mappings (the shipped ones). The web console:
# console: { port: 8480, host: 0.0.0.0, auth: { token: "${DESKBRIDGE_CONSOLE_TOKEN}" } }, published
# with -p 127.0.0.1:8480:8480 (a console off 127.0.0.1 needs auth: the config is refused without it).
# A named volume takes the ownership below; a bind mount keeps the host's: make it writable by uid 1000
# (the image's "node" user), or deskbridge reports the audit directory unwritable and writes nothing.

# --- build: compile TypeScript with tsc (no tsx/esbuild at run time) ---------------------------
FROM node:22-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
# tsx (and the esbuild it brings) only runs TypeScript from a clone: the image runs dist/, so they
# are removed with the dev dependencies, and the build fails if they are still there.
RUN npm run build \
 && npm prune --omit=dev \
 && rm -rf node_modules/tsx node_modules/esbuild node_modules/@esbuild node_modules/.bin/tsx node_modules/.bin/esbuild \
 && test -f dist/cli/main.js \
 && test ! -e node_modules/tsx && test ! -e node_modules/esbuild \
 && node -e "require('better-sqlite3')"

# --- runtime --------------------------------------------------------------------------------------
FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    DESKBRIDGE_HEALTH_URL=http://127.0.0.1:9464/healthz
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY rules ./rules
COPY mappings ./mappings
# package.json: `deskbridge --version`. The state and audit folder belongs to the user the daemon
# runs as: an audit folder it cannot write blocks every write to the platforms (and /healthz answers 503).
RUN mkdir -p /data/audit /app/desk \
 && chown -R node:node /data
USER node
VOLUME ["/data"]
# /healthz answers 503 when a source's last pass failed or the audit trail is broken or unwritable.
# Needs `metrics: { port: 9464 }` in deskbridge.yaml (or DESKBRIDGE_HEALTH_URL set to match).
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.DESKBRIDGE_HEALTH_URL).then((r)=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# dist/ directly (bin/deskbridge.js would fall back to tsx, which is not in this image).
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["run", "--config", "/app/desk/deskbridge.yaml"]
