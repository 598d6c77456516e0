# One image for every Switchboard process; docker-compose.yml and k8s/ pick the entry point per container.
FROM node:24-bookworm-slim
ENV PNPM_HOME=/pnpm PATH=/pnpm:$PATH
RUN npm install -g pnpm@12
# linux-cli runs every command inside bubblewrap (prlimit comes with util-linux); git for its git commands.
RUN apt-get update && apt-get install -y --no-install-recommends bubblewrap git ca-certificates \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN pnpm install --frozen-lockfile && chown -R node:node /app && mkdir -p /workspace && chown node:node /workspace
USER node
# Containers listen on every interface: each process then accepts only the Host names in SWITCHBOARD_ALLOWED_HOSTS
# (plus loopback) and answers any other Host with 403 (DNS-rebinding protection); compose and k8s/ set it per service.
ENV HOST=0.0.0.0 SWITCHBOARD_DATA_DIR=/data
EXPOSE 8000 8001 8003 8008 8012 8013 8014 8016
CMD ["node", "services/cmdb/src/main.ts"]
