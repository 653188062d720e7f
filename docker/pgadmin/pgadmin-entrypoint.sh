#!/bin/sh
# Entrypoint of the pgadmin profile: registers the cluster's database (servers.json) with its
# password from the postgres_password compose secret, written as a pgpass file where pgAdmin in
# server mode resolves "PassFile": "/pgpass" (the login's storage directory), then starts pgAdmin.
set -eu
storage="/var/lib/pgadmin/storage/$(printf '%s' "$PGADMIN_DEFAULT_EMAIL" | sed 's/@/_/g')"
mkdir -p "$storage"
umask 077
printf 'postgres:5432:*:postgres:%s\n' "$(cat /run/secrets/postgres_password)" >"$storage/pgpass"
chmod 600 "$storage/pgpass"
exec /entrypoint.sh "$@"
