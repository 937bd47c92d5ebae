# The bridge image: one process per container; docker-compose.yml runs two of them.
# Node 24 runs the TypeScript sources directly (type stripping): there is no build step.

FROM node:24-bookworm-slim AS deps
WORKDIR /app
# package.json overrides the native E2EE binding with this local stand-in; npm ci needs it.
COPY package.json package-lock.json ./
COPY packages/ ./packages/
# --ignore-scripts: the only install script in the tree is the `node` package's, which downloads
# a second Node 24 runtime for development machines that ship an older one. This image already
# is Node 24, so skip the download and drop the package. A dependency that ever needs its install
# script will have to be allowed here explicitly.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
 && rm -rf node_modules/node node_modules/.bin/node \
 && npm cache clean --force

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and not writable by the runtime user: the process cannot alter its own code.
COPY --from=deps /app/node_modules ./node_modules
COPY . .
USER node
# 8080: Socket.io and REST; 9000: the appservice API that Synapse pushes transactions to.
EXPOSE 8080 9000
CMD ["node", "bridge/src/main.ts"]
