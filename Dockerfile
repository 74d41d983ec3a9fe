# syntax=docker/dockerfile:1
# Multi-stage build: compile in the Rust image, run in a slim Debian as a
# non-root user.

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
# NASM gives the bundled libjpeg-turbo its SIMD code.
RUN apt-get update \
    && apt-get install -y --no-install-recommends nasm=* \
    && rm -rf /var/lib/apt/lists/*
COPY . .
RUN cargo build --release --locked --bin profiled \
    && install -m 0755 target/release/profiled /usr/local/bin/profiled

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates=* \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 profiled \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --create-home profiled
WORKDIR /app
COPY --from=build /usr/local/bin/profiled /usr/local/bin/profiled
COPY config ./config
RUN mkdir -p /app/data && chown -R profiled:profiled /app
USER 10001:10001
ENV PROFILED_ENV=production \
    PROFILED__SERVER__HOST=0.0.0.0 \
    PROFILED__SERVER__PORT=8080 \
    PROFILED__METRICS__LISTEN=0.0.0.0:9464
# 8080: the API (behind the gateway); 9464: metrics and probes, for the cluster only.
EXPOSE 8080 9464
VOLUME ["/app/data"]
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/profiled", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/profiled"]
CMD ["serve"]
