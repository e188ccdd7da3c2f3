#!/usr/bin/env bash
# Makes sure the local databases the test suites talk to are up, starting only the ones that are not.
#
#   bash scripts/services.sh start [postgres|mariadb|redis ...]   start what is down, wait until ready
#   bash scripts/services.sh check <postgres|mariadb|redis>       exit 0 when the server answers
#   bash scripts/services.sh status                               one line per server
#
# A server whose binaries are not installed (a GitHub runner, a laptop) is left alone: its suites then
# provision a container through packages/testing or report themselves as skipped.
#
# Environment:
#   SESSIONKIT_SERVICES=off          start nothing (CI runners that use testcontainers instead)
#   SESSIONKIT_SERVICES_TIMEOUT=60   seconds to wait for each server to become ready
#   SESSIONKIT_POSTGRES_PORT=5432, SESSIONKIT_MARIADB_PORT=3306, SESSIONKIT_REDIS_PORT=6379
#                                    where to probe; Redis is also started on that port, which lets
#                                    the start path be exercised on a throwaway port
set -euo pipefail

HOST=127.0.0.1
TIMEOUT=${SESSIONKIT_SERVICES_TIMEOUT:-60}
PG_PORT=${SESSIONKIT_POSTGRES_PORT:-5432}
MARIADB_PORT=${SESSIONKIT_MARIADB_PORT:-3306}
REDIS_PORT=${SESSIONKIT_REDIS_PORT:-6379}
ALL_SERVICES=(postgres mariadb redis)

log() { printf '[services] %s\n' "$*"; }
has() { command -v "$1" >/dev/null 2>&1; }

# Every probe is bounded: a server that accepts the TCP connection but never answers must not hang CI.
bounded() {
  if has timeout; then timeout 3 "$@"; else "$@"; fi
}

mariadb_admin() {
  if has mariadb-admin; then echo mariadb-admin; elif has mysqladmin; then echo mysqladmin; fi
}

postgres_version() {
  # Debian keeps one directory per installed major version; start the newest cluster.
  find /etc/postgresql -mindepth 2 -maxdepth 2 -type d -name main 2>/dev/null |
    awk -F/ '{ print $4 }' | sort -V | tail -n 1
}

# ---- per service: installed? / ready? / start ------------------------------------------------

installed_postgres() { has pg_isready && has pg_ctlcluster && [[ -n "$(postgres_version)" ]]; }
ready_postgres() { has pg_isready && bounded pg_isready -q -h "$HOST" -p "$PG_PORT" -t 3; }
start_postgres() { pg_ctlcluster --skip-systemctl-redirect "$(postgres_version)" main start; }

installed_mariadb() { [[ -x /usr/sbin/mariadbd && -n "$(mariadb_admin)" ]]; }
# `ping` succeeds even when the credentials are refused: it answers "is the server up", nothing more.
ready_mariadb() {
  [[ -n "$(mariadb_admin)" ]] &&
    bounded "$(mariadb_admin)" --connect-timeout=3 -h"$HOST" -P"$MARIADB_PORT" -uroot ping >/dev/null 2>&1
}
start_mariadb() {
  # The socket directory lives on a tmpfs (/run) and is gone after a reboot; mariadbd will not create it.
  if [[ ! -d /run/mysqld ]] && id mysql >/dev/null 2>&1; then
    install -d -o mysql -g mysql /run/mysqld
  fi
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
}

installed_redis() { has redis-server && has redis-cli; }
ready_redis() { has redis-cli && [[ "$(bounded redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null)" == PONG ]]; }
start_redis() {
  mkdir -p /var/lib/redis /var/log/redis
  # Nothing is persisted: test data is disposable and a dump on shutdown would only cost time.
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
}

port_of() {
  case "$1" in
    postgres) echo "$PG_PORT" ;;
    mariadb) echo "$MARIADB_PORT" ;;
    redis) echo "$REDIS_PORT" ;;
  esac
}

hint_of() {
  case "$1" in
    postgres) echo "see /var/log/postgresql/postgresql-$(postgres_version)-main.log" ;;
    mariadb) echo "see /var/log/mysql/error.log or run /usr/sbin/mariadbd in the foreground" ;;
    redis) echo "see /var/log/redis/ci.log" ;;
  esac
}

valid_service() {
  case "$1" in
    postgres | mariadb | redis) return 0 ;;
    *)
      log "unknown service '$1' (expected one of: ${ALL_SERVICES[*]})" >&2
      return 1
      ;;
  esac
}

# Polls the readiness probe until it passes or the deadline is reached; no fixed sleep.
wait_ready() {
  local name=$1 deadline=$((SECONDS + TIMEOUT))
  until "ready_$name"; do
    if ((SECONDS >= deadline)); then
      log "ERROR: $name did not become ready on $HOST:$(port_of "$name") within ${TIMEOUT} s; $(hint_of "$name")" >&2
      return 1
    fi
    sleep 0.25
  done
}

ensure() {
  local name=$1 port started_at
  port=$(port_of "$name")
  if "ready_$name"; then
    log "$name: already running on $HOST:$port"
    return 0
  fi
  if ! "installed_$name"; then
    log "$name: not installed here; its tests will use testcontainers or be skipped"
    return 0
  fi
  if [[ $(id -u) -ne 0 ]]; then
    log "$name: installed but not running, and starting a system service needs root; its tests will use testcontainers or be skipped"
    return 0
  fi
  log "$name: not answering on $HOST:$port, starting it"
  started_at=$SECONDS
  if ! "start_$name"; then
    log "ERROR: the start command for $name failed; $(hint_of "$name")" >&2
    return 1
  fi
  wait_ready "$name" || return 1
  log "$name: ready on $HOST:$port after $((SECONDS - started_at)) s"
}

cmd_start() {
  local services=("$@") failed=()
  if [[ ${#services[@]} -eq 0 ]]; then services=("${ALL_SERVICES[@]}"); fi
  for name in "${services[@]}"; do valid_service "$name" || exit 2; done
  if [[ "${SESSIONKIT_SERVICES:-on}" == off ]]; then
    log "SESSIONKIT_SERVICES=off: starting nothing; database suites will use testcontainers or be skipped"
    return 0
  fi
  # Keep going after a failure so one broken server does not hide the state of the others.
  for name in "${services[@]}"; do
    ensure "$name" || failed+=("$name")
  done
  if [[ ${#failed[@]} -gt 0 ]]; then
    log "ERROR: not ready: ${failed[*]}" >&2
    return 1
  fi
}

cmd_check() {
  [[ $# -eq 1 ]] || {
    log "usage: services.sh check <postgres|mariadb|redis>" >&2
    exit 2
  }
  valid_service "$1" || exit 2
  "ready_$1"
}

cmd_status() {
  for name in "${ALL_SERVICES[@]}"; do
    if "ready_$name"; then
      log "$name: up on $HOST:$(port_of "$name")"
    elif ! "installed_$name"; then
      log "$name: not installed"
    else
      log "$name: down on $HOST:$(port_of "$name")"
    fi
  done
}

case "${1:-}" in
  start)
    shift
    cmd_start "$@"
    ;;
  check)
    shift
    cmd_check "$@"
    ;;
  status) cmd_status ;;
  *)
    echo "usage: bash scripts/services.sh start [${ALL_SERVICES[*]}] | check <name> | status" >&2
    exit 2
    ;;
esac
