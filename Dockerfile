# syntax=docker/dockerfile:1
# Sluice, for running as replicas (deploy/README.md). Two stages: the first
# installs everything and builds dist/ (`npm run build`); the second keeps
# only what `node bin/sluice.js` needs at run time, and runs as a non-root user.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
# glibc's allocator, read only when the process starts: the decoder threads hand
# the main thread buffers of a few MiB for every row group, and the column cache
# frees them in another order than it took them. By default glibc raises its
# mmap threshold to the largest buffer freed, so such buffers then come from
# per-thread heaps whose freed holes it never returns: about 200 MiB of resident
# slack on 10M rows (bench/memory-results.md). A fixed threshold returns them,
# and two arenas stop each thread from growing its own.
ENV MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072
WORKDIR /app
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/bin ./bin
COPY --from=build /app/dist ./dist
# The demo deployment; mount your own products, policies and config over these.
COPY --from=build /app/products ./products
COPY --from=build /app/policies ./policies
COPY --from=build /app/persisted ./persisted
COPY --from=build /app/deploy/sluice.yaml ./deploy/sluice.yaml
# The audit trail (deploy/sluice.yaml: audit.file) is written here.
RUN mkdir -p /var/lib/sluice && chown node:node /var/lib/sluice
USER node
EXPOSE 4000
# Liveness: /health answers as long as the process does. Readiness (/ready) is the load balancer's to probe.
HEALTHCHECK --interval=10s --timeout=3s --start-period=120s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:4000/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM drains (server.shutdownTimeoutMs); SIGHUP reloads contracts, policies and config.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/sluice.js"]
CMD ["serve", "--config", "deploy/sluice.yaml"]
