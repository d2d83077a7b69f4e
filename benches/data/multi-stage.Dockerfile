# syntax=docker/dockerfile:1.7
# A typical application image: a web front end, a Python API, a Go sidecar and a slim runtime.
# Benchmark input for benches/lint.rs; not built.

ARG NODE_VERSION=20.11
ARG PYTHON_VERSION=3.12
ARG GO_VERSION=1.22

FROM node:${NODE_VERSION}-bookworm-slim AS web
WORKDIR /src/web
ENV NODE_ENV=production \
    NPM_CONFIG_UPDATE_NOTIFIER=false
COPY web/package.json web/package-lock.json ./
RUN --mount=type=cache,target=/root/.npm,sharing=locked \
    npm ci --include=dev --no-audit --no-fund
COPY web/ ./
RUN npm run build -- --mode production \
 && npm prune --omit=dev \
 && rm -rf node_modules/.cache

FROM golang:${GO_VERSION}-bookworm AS sidecar
WORKDIR /src/sidecar
COPY sidecar/go.mod sidecar/go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download
COPY sidecar/ ./
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=linux go build -trimpath -ldflags="-s -w" -o /out/sidecar ./cmd/sidecar

FROM python:${PYTHON_VERSION}-slim-bookworm AS api-build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    VIRTUAL_ENV=/opt/venv
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential \
      libpq-dev \
      git \
 && rm -rf /var/lib/apt/lists/*
RUN python -m venv "$VIRTUAL_ENV"
ENV PATH="$VIRTUAL_ENV/bin:$PATH"
WORKDIR /src/api
# Common cache mistake kept on purpose: the whole source is copied before the install.
COPY api/ ./
RUN pip install -r requirements.txt -r requirements-prod.txt
RUN <<EOF
set -eux
pip install --no-deps .
python -m compileall -q "$VIRTUAL_ENV/lib"
find "$VIRTUAL_ENV" -name '__pycache__' -prune -o -name '*.pyc' -print | wc -l
EOF

FROM python:${PYTHON_VERSION}-slim-bookworm AS runtime
LABEL org.opencontainers.image.title="example-app" \
      org.opencontainers.image.source="https://example.com/example-app"
RUN apt-get update && apt-get install -y --no-install-recommends libpq5 curl tini \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system app && useradd --system --gid app --home /app app
COPY --from=api-build /opt/venv /opt/venv
COPY --from=web /src/web/dist /app/static
COPY --from=sidecar /out/sidecar /usr/local/bin/sidecar
COPY --chown=app:app docker/entrypoint.sh /usr/local/bin/entrypoint.sh
COPY <<EOF /etc/app/config.toml
[server]
bind = "0.0.0.0:8000"
static_dir = "/app/static"
EOF
ENV PATH="/opt/venv/bin:$PATH" \
    APP_ENV=production
WORKDIR /app
USER app
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s CMD curl -fsS http://localhost:8000/healthz || exit 1
ENTRYPOINT ["tini", "--", "/usr/local/bin/entrypoint.sh"]
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "example_app.wsgi:application"]
