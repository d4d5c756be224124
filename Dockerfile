# syntax=docker/dockerfile:1
# One image for the API (with the console), the worker and the payment-agency simulator;
# docker-compose.yml picks the command. Built in stages: the runtime holds no compiler, no dev tools.

FROM node:20.19-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# The console (static files the API serves) and the workflow bundle (so a worker starts without webpack).
FROM deps AS build
COPY . .
RUN npm run build:console && mkdir -p dist && npm run build:workflows -- dist

FROM node:20.19-bookworm-slim AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

FROM node:20.19-bookworm-slim AS runtime
ENV NODE_ENV=production TZ=UTC \
    CONSOLE_DIR=/app/console/build \
    JIGI_WORKFLOW_BUNDLE=/app/dist/workflow-bundle.js \
    JIGI_FILES_DIR=/data/files
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY domain ./domain
COPY workflows ./workflows
COPY activities ./activities
COPY api ./api
COPY worker ./worker
COPY db ./db
COPY observability ./observability
COPY scripts ./scripts
COPY deploy/healthcheck.mjs ./deploy/healthcheck.mjs
COPY --from=build /app/console/build ./console/build
COPY --from=build /app/dist ./dist
# The `node` user (uid 1000) of the official image: nothing runs as root.
RUN mkdir -p /data/files /data/provider-sim && chown -R node:node /data
USER node
EXPOSE 3000 9464
# The API's liveness; the compose file gives workers and the simulator checks of their own.
HEALTHCHECK --interval=10s --timeout=3s --start-period=60s --retries=3 CMD ["node", "deploy/healthcheck.mjs", "http://127.0.0.1:3000/api/health/live"]
CMD ["node", "--import", "tsx", "api/main.ts"]
