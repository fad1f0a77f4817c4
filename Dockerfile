# dockersec-exporter image. Build: docker build --build-arg VERSION=0.1.0 --build-arg REVISION=$(git rev-parse HEAD) .
# NODE_IMAGE is any image with node and npm (and a shell for the build stage); where Docker Hub cannot be
# reached, pass a local one (test/deployment builds one from the machine's own Node).
ARG NODE_IMAGE=node:26-slim

# Build stage: type-check and bundle (scripts/build.ts) with the dev dependencies, then keep the production
# dependencies only.
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/build.ts ./scripts/
COPY src ./src
ARG VERSION=""
ARG REVISION=unknown
# A VERSION that is not package.json's would make the image's label disagree with dockersec_build_info.
RUN npm run build \
 && node -e 'const v = process.env.VERSION, p = require("./package.json").version; if (v && v !== p) { console.error(`VERSION ${v} is not package.json version ${p}`); process.exit(1); }' \
 && node -e 'require("fs").writeFileSync("dist/REVISION", process.env.REVISION + "\n")' \
 && npm prune --omit=dev --no-audit --no-fund --loglevel=error \
 && rm -rf node_modules/.package-lock.json

# Runtime stage: dist/, production node_modules and the bundle, owned by root and read-only to the process.
FROM ${NODE_IMAGE}
ARG VERSION=""
ARG REVISION=unknown
LABEL org.opencontainers.image.title="dockersec-exporter" \
      org.opencontainers.image.description="Prometheus exporter that continuously audits Docker daemon security (CIS Docker Benchmark)" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/dockersec/dockersec-exporter" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY alerts ./alerts
COPY grafana ./grafana
COPY docs ./docs
# A numeric user with no home and no shell entry: nothing in the image is writable by it, so the container runs
# with --read-only, --cap-drop ALL and no-new-privileges. It reads the Docker socket through the socket's group
# (--group-add) or a read-only API proxy, and dockerd's command line through --pid=host; see docs/deployment.md.
USER 65532:65532
EXPOSE 9612
# Probes the listener with the default flags; with another --web.listen-address or a --web.config.file, give
# the health check the same flags (docker run --health-cmd, compose `healthcheck.test`): it then follows TLS,
# client certificates and basic auth (see docs/deployment.md).
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["node", "/app/dist/cli.js", "healthcheck"]
ENTRYPOINT ["node", "--max-semi-space-size=2", "/app/dist/cli.js"]
