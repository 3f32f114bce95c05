# deskbridge daemon image. Build: docker build -t deskbridge .
# Run:   docker run -v $PWD/deskbridge.yaml:/app/deskbridge.yaml -v deskbridge-state:/data \
#          -e SN_PASSWORD=... deskbridge
FROM node:22-bookworm-slim AS build
WORKDIR /app
# better-sqlite3 compiles from source when no prebuilt binary matches.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY rules ./rules
COPY mappings ./mappings
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
# Point state.path at /data/deskbridge.db in your deskbridge.yaml so state survives restarts.
ENTRYPOINT ["node", "bin/deskbridge.js"]
CMD ["run", "--config", "/app/deskbridge.yaml"]
