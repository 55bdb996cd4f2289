#!/bin/bash
# Entry point compatible with the official postgres image's documented behaviour (the subset tests use).
set -Eeuo pipefail

log() { printf '%s [entrypoint] %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# POSTGRES_FOO_FILE -> POSTGRES_FOO (mounted secrets)
file_env() {
  local var="$1" file_var="${1}_FILE" def="${2:-}"
  if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then die "both $var and $file_var are set (they are exclusive)"; fi
  local val="$def"
  if [ -n "${!var:-}" ]; then val="${!var}"
  elif [ -n "${!file_var:-}" ]; then
    [ -r "${!file_var}" ] || die "$file_var points to ${!file_var}, which is not readable"
    val="$(< "${!file_var}")"
  fi
  export "$var"="$val"
  unset "$file_var"
}

# `docker run image -c foo=bar` -> postgres -c foo=bar
if [ "${1:0:1}" = '-' ]; then set -- postgres "$@"; fi

if [ "$1" = 'postgres' ] && [ "$(id -u)" = '0' ]; then
  mkdir -p "$PGDATA" "$POSTGRES_ARCHIVE_DIR" /var/run/postgresql
  chown postgres:postgres "$PGDATA" "$POSTGRES_ARCHIVE_DIR" /var/run/postgresql
  chmod 700 "$PGDATA"
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$BASH_SOURCE" "$@"
fi

if [ "$1" = 'postgres' ]; then
  file_env POSTGRES_PASSWORD
  file_env POSTGRES_USER postgres
  file_env POSTGRES_DB "$POSTGRES_USER"
  : "${POSTGRES_INITDB_ARGS:=}"
  : "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"

  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != 'trust' ]; then
      die "database is uninitialized and POSTGRES_PASSWORD is not set. Set POSTGRES_PASSWORD (or POSTGRES_PASSWORD_FILE), or POSTGRES_HOST_AUTH_METHOD=trust for throw-away test databases."
    fi
    log "initdb in $PGDATA (user $POSTGRES_USER, database $POSTGRES_DB)"
    pwfile="$(mktemp)"
    printf '%s\n' "${POSTGRES_PASSWORD:-unused}" > "$pwfile"
    # shellcheck disable=SC2086
    initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --auth-local=trust --auth-host="$POSTGRES_HOST_AUTH_METHOD" \
      --encoding=UTF8 --locale=C.UTF-8 $POSTGRES_INITDB_ARGS >/dev/null
    rm -f "$pwfile"
    printf '\n# drillbook: accept connections from anywhere (network policy is the cluster'"'"'s job)\nhost all all all %s\n' \
      "$POSTGRES_HOST_AUTH_METHOD" >> "$PGDATA/pg_hba.conf"
    printf "\nlisten_addresses = '*'\n" >> "$PGDATA/postgresql.conf"

    # Temporary server on the socket only, for database creation and init scripts.
    pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -c archive_mode=off" -w start >/dev/null
    psql=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
    if [ "$POSTGRES_DB" != 'postgres' ]; then
      "${psql[@]}" --dbname postgres --set db="$POSTGRES_DB" <<<'CREATE DATABASE :"db";' >/dev/null
    fi
    for f in /docker-entrypoint-initdb.d/*; do
      [ -e "$f" ] || continue
      case "$f" in
        *.sh) log "running $f"; . "$f" ;;
        *.sql) log "running $f"; "${psql[@]}" --dbname "$POSTGRES_DB" -f "$f" >/dev/null ;;
        *.sql.gz) log "running $f"; gunzip -c "$f" | "${psql[@]}" --dbname "$POSTGRES_DB" >/dev/null ;;
        *) log "ignoring $f" ;;
      esac
    done
    pg_ctl -D "$PGDATA" -m fast -w stop >/dev/null
    log "initdb done; PostgreSQL init process complete"
  else
    log "PostgreSQL database directory appears to contain a database; skipping initialization"
  fi

  # WAL archiving for point-in-time recovery: POSTGRES_ARCHIVE_COMMAND='cp %p /var/lib/postgresql/wal-archive/%f'
  # (or 'default' for exactly that). Off unless set.
  extra=()
  if [ -n "${POSTGRES_ARCHIVE_COMMAND:-}" ]; then
    cmd="$POSTGRES_ARCHIVE_COMMAND"
    if [ "$cmd" = 'default' ]; then cmd="test ! -f $POSTGRES_ARCHIVE_DIR/%f && cp %p $POSTGRES_ARCHIVE_DIR/%f"; fi
    extra+=(-c wal_level=replica -c archive_mode=on -c "archive_command=$cmd")
    [ -n "${POSTGRES_ARCHIVE_TIMEOUT:-}" ] && extra+=(-c "archive_timeout=$POSTGRES_ARCHIVE_TIMEOUT")
    log "WAL archiving on: archive_command=$cmd"
  fi
  unset POSTGRES_PASSWORD
  shift
  exec postgres "${extra[@]}" "$@"
fi

exec "$@"
