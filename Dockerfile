# Multi-stage: dependencies resolved from uv.lock in a build stage; the runtime stage holds only the
# virtual environment and runs as an unprivileged user.
#
# The base is pinned by digest: python:3.11-slim-bookworm (Python 3.11.16), the multi-platform index
# as docker-library/repo-info records it (linux/amd64 manifest
# sha256:2fc9207f64226cb05ac317cee0bab6fa55a9ea311ce5a086baddd4b4a83c2d3c). Another base with Python
# 3.11+ as `python3` and its venv module can stand in: --build-arg BASE_IMAGE=... (CI builds on a
# Debian bookworm base it makes itself, scripts/image-base).
ARG BASE_IMAGE=python:3.11-slim-bookworm@sha256:fe556eaffd0d96abd8685b83bb8a69addd0dc730fa193669a7df0d49ddcfac02

FROM ${BASE_IMAGE} AS build
# uv and pip trust the base image's certificate store (a base made behind a TLS-inspecting proxy
# carries its CA there); on the official image that is Debian's usual bundle.
ENV UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never UV_SYSTEM_CERTS=true \
    PIP_CERT=/etc/ssl/certs/ca-certificates.crt PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python3 -m venv /opt/uv && /opt/uv/bin/pip install --no-cache-dir uv==0.13.9
WORKDIR /app
# The dependencies' layer changes only with the lock; the package (and the README its metadata
# names) come after it.
COPY pyproject.toml uv.lock ./
RUN /opt/uv/bin/uv sync --locked --no-dev --no-install-project --no-cache
COPY README.md ./
COPY src ./src
RUN /opt/uv/bin/uv sync --locked --no-dev --no-editable --no-cache

FROM ${BASE_IMAGE}
RUN useradd --uid 10001 --user-group --no-log-init --create-home --home-dir /data --shell /usr/sbin/nologin videoengage
COPY --from=build /app/.venv /app/.venv
# PORT moves the server (and its health check), e.g. beside others on the host's network.
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite:////data/videoengage.db \
    MIGRATE_ON_START=false \
    PORT=8000
WORKDIR /data
USER videoengage
EXPOSE 8000
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s --retries=3 \
    CMD ["python", "-c", "import os, sys, urllib.request; sys.exit(urllib.request.urlopen(f'http://127.0.0.1:{os.environ[\"PORT\"]}/readyz', timeout=2).status != 200)"]
CMD ["sh", "-c", "exec videoengage serve --host 0.0.0.0 --port \"$PORT\""]
