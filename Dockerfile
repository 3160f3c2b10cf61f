# restoresim image: docker build -t restoresim . && docker run --rm -p 8780:8780 -v restoresim-data:/data restoresim
# Flags after the image name go to restoresim (e.g. `... restoresim --clock virtual --speed 10`).
# HTTPS: -e RESTORESIM_TLS=true (the certificate is kept in the volume: /data/restoresim-tls/cert.pem); add the
# names clients use with -e RESTORESIM_TLS_SAN=<name>,<name>.
# scripts/docker-smoke.sh replays these steps outside Docker (CI has no Docker engine); keep the two in step.

ARG NODE_VERSION=20

# Build stage: compilers for better-sqlite3's native module, all dependencies, TypeScript build, then drop the
# dev dependencies so the runtime stage can copy a production node_modules without compiling anything.
FROM node:${NODE_VERSION}-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev --no-audit --no-fund
# better-sqlite3 needs only its compiled module at run time: drop its sources and intermediate objects (~30 MB).
RUN cd node_modules/better-sqlite3 \
 && rm -rf deps src build/deps build/*.mk build/Makefile build/config.gypi \
 && find build/Release -mindepth 1 -maxdepth 1 ! -name better_sqlite3.node -exec rm -rf {} +

# Runtime stage: node, production dependencies, the built output, fixtures and OpenAPI documents; non-root.
FROM node:${NODE_VERSION}-bookworm-slim AS runtime
ENV NODE_ENV=production RESTORESIM_HOST=0.0.0.0 RESTORESIM_DB=/data/restoresim.db
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY fixtures ./fixtures
COPY openapi ./openapi
RUN mkdir -p /data && chown node:node /data
USER node
EXPOSE 8780
VOLUME /data
# With RESTORESIM_TLS the health check speaks HTTPS (it checks liveness, not the certificate).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 CMD node -e "const tls=['true','1','yes'].includes((process.env.RESTORESIM_TLS||'').trim().toLowerCase());require(tls?'https':'http').get({host:'127.0.0.1',port:process.env.RESTORESIM_PORT||8780,path:'/_sim/health',rejectUnauthorized:false},r=>process.exit(r.statusCode===200?0:1)).on('error',()=>process.exit(1))"
ENTRYPOINT ["node", "dist/server.js"]
