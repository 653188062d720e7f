# Stand-in for the official postgres:15 image, from bookworm's postgresql-15: the same PGDATA, the
# same first-start initialization from POSTGRES_* variables, `postgres` and `pg_isready` on PATH.
ARG BASE_IMAGE=qbo-backfill/base:bookworm
FROM ${BASE_IMAGE}
RUN set -eu; \
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; \
  apt-get update; \
  apt-get install -y --no-install-recommends postgresql-common; \
  # The image initializes its own cluster in PGDATA on first start, like the official one.
  sed -ri 's/#?\s*create_main_cluster\s*=.*/create_main_cluster = false/' /etc/postgresql-common/createcluster.conf; \
  apt-get install -y --no-install-recommends postgresql-15; \
  rm -f /usr/sbin/policy-rc.d; \
  rm -rf /var/lib/apt/lists/*; \
  mkdir -p /var/lib/postgresql/data /var/run/postgresql; \
  chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql; \
  chmod 700 /var/lib/postgresql/data
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME /var/lib/postgresql/data
ENTRYPOINT ["docker-entrypoint.sh"]
STOPSIGNAL SIGINT
EXPOSE 5432
CMD ["postgres"]
