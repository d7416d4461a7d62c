# syntax=docker/dockerfile:1
# The worker image (also runs the webhook receiver: `node lib/webhook/main.js`).
# Build: docker build -t mj-temporal .   Run: see docker-compose.yml.

ARG NODE_IMAGE=node:20-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV npm_config_audit=false npm_config_fund=false
# The workspace's package.json too: `npm ci` checks the lockfile against every workspace.
COPY package.json package-lock.json ./
COPY packages/client/package.json ./packages/client/
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY deploy/bundle-workflows.mjs ./deploy/
# Compile, then prebuild the workflow bundle from the compiled code so the worker starts without webpack.
RUN npm run build && node deploy/bundle-workflows.mjs
RUN npm prune --omit=dev

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    MJ_WORKFLOW_BUNDLE=/app/lib/workflow-bundle.js \
    MJ_ASSET_DIR=/data/assets \
    MJ_WEBHOOK_HOST=0.0.0.0 \
    MJ_METRICS_HOST=0.0.0.0
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/lib ./lib
# Non-root; the asset volume is created owned by that user so a fresh named volume is writable.
RUN mkdir -p /data/assets && chown -R node:node /data
USER node
VOLUME ["/data"]
# 8080 webhook receiver, 8090 gateway (and console), 9464/9465 metrics.
EXPOSE 8080 8090 9464 9465
CMD ["node", "lib/worker.js"]
