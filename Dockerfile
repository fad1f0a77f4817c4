# syntax=docker/dockerfile:1
# Build stage: compile TypeScript with the dev dependencies.
FROM node:26-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

# Runtime stage: only dist/, production node_modules and the bundle, as a non-root user.
FROM node:26-slim
# The commit the image is built from (docker build --build-arg REVISION=$(git rev-parse --short=12 HEAD)),
# shown on the landing page and in dockersec_build_info.
ARG REVISION=unknown
ENV DOCKERSEC_REVISION=$REVISION
LABEL org.opencontainers.image.title="dockersec-exporter" \
      org.opencontainers.image.description="Prometheus exporter that continuously audits Docker daemon security (CIS Docker Benchmark)" \
      org.opencontainers.image.licenses="Apache-2.0"
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY alerts ./alerts
COPY grafana ./grafana
COPY docs ./docs
# The exporter needs to read the Docker socket (add the docker group's gid with --group-add) and, for the
# daemon's command line, the host PID namespace (--pid=host). It never needs root.
USER node
EXPOSE 9612
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:9612/-/healthy').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["node", "--max-semi-space-size=2", "dist/cli.js"]
