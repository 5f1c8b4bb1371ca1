# syntax=docker/dockerfile:1
# Multi-stage build: compile in the Rust image, run in a slim Debian with only the libraries the
# binary links (libpq for PostgreSQL, with its TLS stack; SQLite is compiled in), as a non-root user.
#
#   docker build -t worklog-kpi .
#   docker compose up          # with PostgreSQL, see compose.yaml
#
# Not built in this repository's CI: the development machines have no Docker engine.

FROM rust:1-bookworm AS build
WORKDIR /src
RUN apt-get update && apt-get install -y --no-install-recommends libpq-dev && rm -rf /var/lib/apt/lists/*
# Dependencies first, so that a change of our code does not rebuild them.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src benches examples tests/api \
 && echo 'fn main() {}' > src/main.rs && echo '' > src/lib.rs \
 && echo 'fn main() {}' > benches/domain.rs && echo 'fn main() {}' > benches/db_insert.rs \
 && echo 'fn main() {}' > tests/api/main.rs \
 && cargo build --release --locked --bin worklog-kpi \
 && rm -rf src
COPY . .
# The dependency layer's placeholder binary is older than the sources; make sure cargo rebuilds.
RUN touch src/main.rs src/lib.rs && cargo build --release --locked --bin worklog-kpi

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 ca-certificates tzdata \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/worklog-kpi --shell /usr/sbin/nologin worklog \
 && mkdir -p /var/lib/worklog-kpi/data \
 && chown -R worklog:worklog /var/lib/worklog-kpi
COPY --from=build /src/target/release/worklog-kpi /usr/local/bin/worklog-kpi
COPY config /etc/worklog-kpi/config
ENV APP_ENV=production \
    APP_CONFIG_DIR=/etc/worklog-kpi/config \
    APP__SERVER__HOST=0.0.0.0 \
    APP__SERVER__PORT=8080 \
    APP__DATABASE__URL=sqlite:///var/lib/worklog-kpi/data/worklog.db \
    LOG_FORMAT=json
WORKDIR /var/lib/worklog-kpi
USER worklog
VOLUME ["/var/lib/worklog-kpi/data"]
EXPOSE 8080 9090
ENTRYPOINT ["worklog-kpi"]
CMD ["serve"]
