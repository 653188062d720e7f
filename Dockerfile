# Builds the one image every qbo-backfill service runs (worker, dashboard, migrate, emulator).

FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY src ./src
COPY migrations ./migrations
# `npm ci` compiles src/ and migrations/ into dist/ through the `prepare` script; the runtime then
# needs only the production dependencies (bin/ runs dist/ and never falls back to tsx here).
RUN npm ci --no-audit --no-fund \
  && npm prune --omit=dev --no-audit --no-fund

FROM node:20-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/bin ./bin
COPY --from=build --chown=node:node /app/dist ./dist
USER node
ENTRYPOINT ["node", "bin/qbo-backfill.js"]
CMD ["--help"]
