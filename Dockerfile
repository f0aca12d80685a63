# syntax=docker/dockerfile:1
# govbot in a small image: the TypeScript is compiled in a build stage with the dev dependencies; the final stage has
# only the production dependencies, the compiled dist/, bin/ and the files the bot reads (assets, the demo round), and
# runs as the unprivileged `node` user. See README, "Running at scale", and compose.yaml.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# The sources are not here yet: `prepare` (tsc) is run below, once they are.
RUN npm ci --ignore-scripts && npm rebuild better-sqlite3 esbuild
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY commands ./commands
COPY migrations ./migrations
COPY scripts ./scripts
# dist/: the compiled bot (and whatever else `npm run build` makes).
RUN npm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
# `prepare` finds no TypeScript here and says so; dist/ comes from the build stage.
RUN npm ci --omit=dev && npm cache clean --force && mkdir -p data && chown node:node data
COPY --from=build /app/dist ./dist
COPY bin ./bin
COPY assets ./assets
COPY examples/governance-round-1.json ./examples/
USER node
# The default SQLite file lives here; with DATABASE_URL=postgres://… nothing is written.
VOLUME /app/data
EXPOSE 8080
# /healthz says 503 while the database or the platform connection is down.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(`http://127.0.0.1:${process.env.PORT ?? 8080}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# node is PID 1 and stops on SIGTERM itself: in-flight events finish, then it exits.
CMD ["node", "bin/govbot.js", "start"]
