# syntax=docker/dockerfile:1
# One image, both runtimes: `docker run IMAGE kas --config /etc/kas/kas.yaml`
# or `docker run IMAGE agentk --kas-address grpcs://kas.example.com:8151 --token-file /etc/agentk/secret/token`.
# It holds the runtime package (runtime/, npm name gitops-agent) and its production
# dependencies only: no Pulumi, no dev tools.
#
#   docker build --build-arg GITOPS_AGENT_COMMIT=$(git rev-parse --short HEAD) -t gitops-agent:0.1.0 .
#
# NODE_VERSION is the Node.js LTS the image runs; test/node-lts/fetch.sh reads it
# and the tests run the installed runtime package on that exact version.
ARG NODE_VERSION=24.19.0

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /src
# Every workspace's package.json: npm ci checks the lock against all of them.
COPY package.json package-lock.json ./
COPY runtime/package.json runtime/
COPY infra/package.json infra/
RUN npm ci --no-audit --no-fund --ignore-scripts --workspace gitops-agent --include-workspace-root
COPY tsconfig.json ./
COPY runtime ./runtime
RUN npm run build:dist

FROM node:${NODE_VERSION}-bookworm-slim AS dependencies
WORKDIR /src
COPY package.json package-lock.json ./
COPY runtime/package.json runtime/
COPY infra/package.json infra/
# The runtime workspace's production dependencies, at the lock's versions.
RUN npm ci --no-audit --no-fund --ignore-scripts --omit=dev --workspace gitops-agent \
 && rm -f node_modules/gitops-agent node_modules/gitops-agent-infra

FROM node:${NODE_VERSION}-bookworm-slim
ARG GITOPS_AGENT_COMMIT=""
ENV NODE_ENV=production \
    GITOPS_AGENT_COMMIT=${GITOPS_AGENT_COMMIT}
WORKDIR /app
COPY --from=dependencies /src/node_modules ./node_modules
COPY --from=build /src/runtime/package.json ./package.json
COPY --from=build /src/runtime/dist ./dist
# Non-root, matching the runAsUser of the Deployments (65532); nothing in /app is writable.
USER 65532:65532
EXPOSE 8150 8151 8152 8153 8080
ENTRYPOINT ["node", "/app/dist/cli.js"]
