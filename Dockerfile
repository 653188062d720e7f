# Builds the one image every qbo-backfill service runs (worker, dashboard, migrate, emulator).
# NODE_IMAGE names the Node.js 20 base, so the image builds where Docker Hub is not reachable
# (docker/standin/build.sh makes one from Debian packages and the npm registry).
ARG NODE_IMAGE=node:20-slim

FROM ${NODE_IMAGE} AS build
WORKDIR /app
# Dependencies first, in a layer of their own: a change to src/ rebuilds in seconds, not minutes.
# The workspace packages' manifests come first too: npm ci links them into node_modules.
COPY package.json package-lock.json tsconfig.base.json tsconfig.json tsconfig.build.json ./
COPY packages/clock/package.json ./packages/clock/
COPY packages/qbo-emulator/package.json ./packages/qbo-emulator/
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY bin ./bin
COPY packages ./packages
COPY src ./src
COPY migrations ./migrations
# The only install scripts in the tree are esbuild's (tsx, never run here: bin/ runs dist/) and
# msgpackr-extract's (its prebuilt binary ships in a package of its own), so skipping them above
# loses nothing. `npm run build` compiles the packages (each into its own dist/), then src/ and
# migrations/ into dist/; the runtime keeps only the production dependencies.
RUN npm run build \
  && npm prune --omit=dev --no-audit --no-fund

FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
# node_modules/@qbo-backfill/* are links to the workspace packages: their manifests and builds.
COPY --from=build --chown=node:node /app/packages/clock/package.json ./packages/clock/
COPY --from=build --chown=node:node /app/packages/clock/dist ./packages/clock/dist
COPY --from=build --chown=node:node /app/packages/qbo-emulator/package.json ./packages/qbo-emulator/
COPY --from=build --chown=node:node /app/packages/qbo-emulator/dist ./packages/qbo-emulator/dist
COPY --from=build --chown=node:node /app/bin ./bin
COPY --from=build --chown=node:node /app/dist ./dist
# The entrypoint compares secrets with the development ones, so it ships them (they open nothing
# but a cluster in emulator mode).
COPY docker/entrypoint.sh /usr/local/bin/qbo-backfill-entrypoint
COPY docker/dev-secrets ./docker/dev-secrets
USER node
ENTRYPOINT ["qbo-backfill-entrypoint"]
CMD ["--help"]
