#!/bin/sh
# Writes /var/run/pgbouncer/pgbouncer.ini and its userlist, then runs PgBouncer in the foreground.
#   PGBOUNCER_DB_HOST, PGBOUNCER_DB_PORT   the PostgreSQL server (default postgres:5432)
#   PGBOUNCER_USER                         the one user it logs in as (default postgres)
#   PGBOUNCER_PASSWORD_FILE                that user's password (a compose secret)
#   PGBOUNCER_POOL_MODE                    default transaction
#   PGBOUNCER_DEFAULT_POOL_SIZE, PGBOUNCER_MAX_CLIENT_CONN   default 20, 1000
# Every database of the server is served under its own name; clients log in with the same
# password (SCRAM), which PgBouncer then uses towards PostgreSQL.
set -eu
if [ "${1:-pgbouncer}" != pgbouncer ]; then exec "$@"; fi
dir=/var/run/pgbouncer
user="${PGBOUNCER_USER:-postgres}"
password="$(cat "${PGBOUNCER_PASSWORD_FILE:?set PGBOUNCER_PASSWORD_FILE to the PostgreSQL password file}")"
umask 077
printf '"%s" "%s"\n' "$user" "$password" > "$dir/userlist.txt"
cat > "$dir/pgbouncer.ini" <<INI
[databases]
* = host=${PGBOUNCER_DB_HOST:-postgres} port=${PGBOUNCER_DB_PORT:-5432}

[pgbouncer]
listen_addr = 0.0.0.0
listen_port = 6432
unix_socket_dir =
auth_type = scram-sha-256
auth_file = $dir/userlist.txt
pool_mode = ${PGBOUNCER_POOL_MODE:-transaction}
default_pool_size = ${PGBOUNCER_DEFAULT_POOL_SIZE:-20}
max_client_conn = ${PGBOUNCER_MAX_CLIENT_CONN:-1000}
admin_users = $user
INI
chown -R postgres:postgres "$dir"
exec setpriv --reuid=postgres --regid=postgres --init-groups pgbouncer "$dir/pgbouncer.ini"
