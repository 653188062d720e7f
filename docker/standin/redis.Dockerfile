# Stand-in for the official redis:7 image, from bookworm's redis-server (7.0): `redis-server ARGS`
# runs as user redis in /data, without protected mode (the container's network is the boundary).
ARG BASE_IMAGE=qbo-backfill/base:bookworm
FROM ${BASE_IMAGE}
RUN set -eu; \
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; chmod +x /usr/sbin/policy-rc.d; \
  apt-get update; \
  apt-get install -y --no-install-recommends redis-server redis-tools; \
  rm -f /usr/sbin/policy-rc.d; \
  rm -rf /var/lib/apt/lists/*; \
  mkdir -p /data; chown redis:redis /data
COPY redis-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
VOLUME /data
WORKDIR /data
ENTRYPOINT ["docker-entrypoint.sh"]
EXPOSE 6379
CMD ["redis-server"]
