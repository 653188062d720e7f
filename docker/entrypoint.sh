#!/bin/sh
# Entrypoint of the qbo-backfill image. Before handing over to the command it
#  - says, when QBO_ENVIRONMENT=emulator, that this cluster talks to the emulator, not to QBO;
#  - otherwise refuses to start (exit 2, like any bad configuration) when a secret file still
#    holds one of the development values of docker/dev-secrets, which compose mounts by default:
#    those values are public, so a cluster using them must never reach a real company.
set -eu

dev_secrets=/app/docker/dev-secrets

log_line() {
  # One pino-shaped JSON line on stderr, so log pipelines parse it like the product's own logs and
  # `--json` output on stdout stays clean.
  printf '{"level":%s,"time":%s,"name":"qbo-backfill","msg":"%s"}\n' "$1" "$(date +%s%3N)" "$2" >&2
}

if [ "${QBO_ENVIRONMENT:-sandbox}" = emulator ]; then
  log_line 30 "emulator mode: QBO is the built-in emulator at ${QBO_BASE_URL:-http://127.0.0.1:8089}, not Intuit; development secrets are accepted"
else
  for variable in DATABASE_URL DATABASE_DIRECT_URL QBO_CLIENT_ID QBO_CLIENT_SECRET QBO_REFRESH_TOKEN TOKEN_ENCRYPTION_KEY DASHBOARD_PASSWORD; do
    eval "file=\${${variable}_FILE:-}"
    [ -n "$file" ] && [ -r "$file" ] || continue
    value="$(cat "$file")"
    for dev_file in "$dev_secrets"/*; do
      if [ "$value" = "$(cat "$dev_file")" ]; then
        log_line 60 "${variable}_FILE: holds the development value of docker/dev-secrets/$(basename "$dev_file"), which only QBO_ENVIRONMENT=emulator accepts; put your own secrets in secrets/ and set SECRETS_DIR=./secrets (docs/docker.md)"
        exit 2
      fi
    done
  done
fi

exec node /app/bin/qbo-backfill.js "$@"
