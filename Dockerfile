# One image, both runtimes: `docker run IMAGE kas --config /etc/kas/kas.yaml`
# or `docker run IMAGE agentk --kas-address grpcs://kas.example.com:8151 --token-file /etc/agentk/secret/token`.
# syntax=docker/dockerfile:1

FROM node:20-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm install --no-audit --no-fund --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY runtime ./runtime
RUN npm run build:dist && npm prune --omit=dev --ignore-scripts

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY package.json ./
# Non-root, matching the runAsUser of the Deployments (65532); nothing in /app is writable.
USER 65532:65532
EXPOSE 8150 8151 8152 8153 8080
ENTRYPOINT ["node", "/app/dist/runtime/cli.js"]
