# PgBouncer for the `pgbouncer` compose profile, from bookworm's pgbouncer (1.18): there is no
# official image. The entrypoint writes its configuration from PGBOUNCER_* variables and the
# PostgreSQL password file, then runs it in the foreground as user postgres.
ARG BASE_IMAGE=qbo-backfill/base:bookworm
FROM ${BASE_IMAGE}
RUN set -eu; \
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; \
  apt-get update; \
  apt-get install -y --no-install-recommends pgbouncer postgresql-client-15; \
  rm -f /usr/sbin/policy-rc.d; \
  rm -rf /var/lib/apt/lists/*; \
  mkdir -p /var/run/pgbouncer; chown postgres:postgres /var/run/pgbouncer
COPY pgbouncer-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
ENTRYPOINT ["docker-entrypoint.sh"]
EXPOSE 6432
CMD ["pgbouncer"]
