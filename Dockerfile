# Spam classifier service (NestJS on Fastify). Build: deploy/ci/build-images.sh or `make images`.
# Runs as the image's non-root `node` user with a read-only root file system: it writes only to MODEL_CACHE_DIR and /tmp.

# ---------------------------------------------------------------- the dependency tracer (a build tool, cached apart)
FROM node:20-bookworm-slim AS runtime-trace
WORKDIR /opt/runtime-trace
COPY deploy/docker/runtime-trace/package.json deploy/docker/runtime-trace/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY deploy/docker/runtime-trace/list-runtime-files.js ./

# ---------------------------------------------------------------- build: compile TypeScript, keep what runs
FROM node:20-bookworm-slim AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json nest-cli.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund
# Only the dependency files dist/main.js can load (~15 MB of the ~180 MB production install): see
# deploy/docker/runtime-trace/list-runtime-files.js.
COPY --from=runtime-trace /opt/runtime-trace /opt/runtime-trace
RUN node /opt/runtime-trace/list-runtime-files.js /app dist/main.js > /tmp/runtime-files \
    && mkdir /runtime \
    && tar -C /app -cf - dist package.json -T /tmp/runtime-files | tar -C /runtime -xf -

# ---------------------------------------------------------------- runtime
FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    PORT=3000 \
    MODEL_CACHE_DIR=/var/cache/spam-model
WORKDIR /app
# Application files stay root-owned and read-only for the `node` user; only the model cache is writable.
COPY --from=build /runtime ./
COPY docs/model.schema.json ./docs/model.schema.json
COPY public ./public
RUN mkdir -p /var/cache/spam-model && chown node:node /var/cache/spam-model
VOLUME ["/var/cache/spam-model"]

# Last: these change on every commit; the service reports them in /api/v1/info, /api/v1/model and the web UI.
ARG APP_VERSION=0.0.0
ARG GIT_COMMIT=unknown
ARG SOURCE_URL=unknown
LABEL org.opencontainers.image.title="spam-classifier-app" \
      org.opencontainers.image.description="Email/SMS spam classifier: scores messages with the portable model from the MLflow registry" \
      org.opencontainers.image.version="${APP_VERSION}" \
      org.opencontainers.image.revision="${GIT_COMMIT}" \
      org.opencontainers.image.source="${SOURCE_URL}" \
      org.opencontainers.image.licenses="MIT"
ENV APP_VERSION=${APP_VERSION} \
    GIT_COMMIT=${GIT_COMMIT}

# Numeric, so Kubernetes runAsNonRoot can verify it: 1000 is the base image's `node` user.
USER 1000:1000
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT}/health/live`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# A 64 MB young generation (V8 default 16): every request allocates short-lived objects, and fewer scavenges measured
# +20-30 % batch throughput and a lower p99 (docs/benchmark.md). Same flag in package.json, deploy/local/run.sh, bench.
CMD ["node", "--max-semi-space-size=64", "dist/main.js"]
