#!/usr/bin/env bash
# Local Redis Cluster and Sentinel topologies for the sessionkit test suites, built from the
# redis-server / redis-cli binaries (no Docker needed).
#
#   bash scripts/redis-topology.sh start|stop|status [all|cluster|sentinel]
#
# `start` exits non-zero with the reason (and where the logs are) when a port is taken or the
# topology is not healthy within REDIS_TOPOLOGY_TIMEOUT; `status` exits 0 only when healthy.
#
# Defaults (for a hand-started topology; the test runs start theirs on free private ports):
#   Cluster:  6 nodes on 127.0.0.1:7000-7005, 3 masters + 3 replicas
#   Sentinel: master 6390, replicas 6391 and 6392, sentinels 26379-26381, master name "sessionkit"
#
# Everything is parameterisable through the environment, so tests can start throwaway topologies
# on other ports (and packages/testing runs this same script inside a container):
#   REDIS_TOPOLOGY_DIR                  state dir (pidfiles, logs, configs)  [./.tmp/redis-topology]
#   REDIS_TOPOLOGY_BIND                 address the servers listen on        [127.0.0.1]
#   REDIS_TOPOLOGY_ANNOUNCE_IP          address announced to clients/peers   [127.0.0.1]
#   REDIS_TOPOLOGY_TIMEOUT              readiness timeout in seconds         [30]
#   REDIS_CLUSTER_BASE_PORT             first of 6 consecutive node ports    [7000]
#   REDIS_CLUSTER_NODE_TIMEOUT_MS       cluster-node-timeout                 [2000]
#   REDIS_SENTINEL_MASTER_PORT          master port; replicas use +1 and +2  [6390]
#   REDIS_SENTINEL_BASE_PORT            first of 3 consecutive sentinel ports [26379]
#   REDIS_SENTINEL_NAME                 monitored master name                [sessionkit]
#   REDIS_SENTINEL_DOWN_AFTER_MS        down-after-milliseconds              [1000]
#   REDIS_SENTINEL_FAILOVER_TIMEOUT_MS  failover-timeout                     [3000]
#
# Needs Redis >= 7.0. No persistence (--save "" --appendonly no). `start` is idempotent: a healthy component is left
# alone, a partial one is stopped and rebuilt. `stop` only signals PIDs from its own pidfiles,
# after checking that each PID still is the redis-server on the expected port.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DIR=${REDIS_TOPOLOGY_DIR:-$ROOT/.tmp/redis-topology}
BIND=${REDIS_TOPOLOGY_BIND:-127.0.0.1}
ANNOUNCE=${REDIS_TOPOLOGY_ANNOUNCE_IP:-127.0.0.1}
TIMEOUT=${REDIS_TOPOLOGY_TIMEOUT:-30}
CLUSTER_BASE=${REDIS_CLUSTER_BASE_PORT:-7000}
NODE_TIMEOUT=${REDIS_CLUSTER_NODE_TIMEOUT_MS:-2000}
MASTER_PORT=${REDIS_SENTINEL_MASTER_PORT:-6390}
SENTINEL_BASE=${REDIS_SENTINEL_BASE_PORT:-26379}
NAME=${REDIS_SENTINEL_NAME:-sessionkit}
DOWN_AFTER=${REDIS_SENTINEL_DOWN_AFTER_MS:-1000}
FAILOVER_TIMEOUT=${REDIS_SENTINEL_FAILOVER_TIMEOUT_MS:-3000}

CLUSTER_PORTS=()
for i in 0 1 2 3 4 5; do CLUSTER_PORTS+=($((CLUSTER_BASE + i))); done
DATA_PORTS=("$MASTER_PORT" $((MASTER_PORT + 1)) $((MASTER_PORT + 2)))
SENTINEL_PORTS=("$SENTINEL_BASE" $((SENTINEL_BASE + 1)) $((SENTINEL_BASE + 2)))

log() { printf '[redis-topology] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# redis-cli prints CRLF line endings for bulk replies when stdout is not a terminal.
cli() { local port=$1; shift; redis-cli -h "$ANNOUNCE" -p "$port" "$@" 2>/dev/null | tr -d '\r'; }

for bin in redis-server redis-cli; do
  command -v "$bin" >/dev/null 2>&1 || die "$bin not found on PATH (install the redis-server package)"
done

# --- process bookkeeping --------------------------------------------------------------------

# The command line of a PID (redis-server rewrites its title to "redis-server <addr>:<port> ...").
proc_cmd() {
  if [[ -r /proc/$1/cmdline ]]; then tr '\0' ' ' <"/proc/$1/cmdline"; else ps -p "$1" -o command= 2>/dev/null || true; fi
}

# A signalled daemon lingers as a zombie until init reaps it, which some minimal init processes
# do lazily; kill -0 succeeds on a zombie, so the process state is checked as well.
pid_running() {
  local state
  kill -0 "$1" 2>/dev/null || return 1
  if [[ -r /proc/$1/stat ]]; then
    state=$(<"/proc/$1/stat")
    state=${state##*) }
    state=${state%% *}
  else
    state=$(ps -p "$1" -o stat= 2>/dev/null || true)
  fi
  [[ $state != Z* ]]
}

# Succeeds when the pidfile names a live redis-server listening on the given port: a recycled PID
# that now belongs to some other program is never signalled.
owned_alive() {
  local pidfile=$1 port=$2 pid
  [[ -s $pidfile ]] || return 1
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  pid_running "$pid" || return 1
  [[ $(proc_cmd "$pid") == *redis-server*:"$port"* ]]
}

stop_one() {
  local pidfile=$1 port=$2 pid i
  if owned_alive "$pidfile" "$port"; then
    pid=$(<"$pidfile")
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do pid_running "$pid" || break; sleep 0.1; done
    if pid_running "$pid"; then kill -KILL "$pid" 2>/dev/null || true; fi
  elif [[ -s $pidfile ]]; then
    log "not signalling PID $(<"$pidfile") from $pidfile: it is not the redis-server on port $port any more"
  fi
  rm -f "$pidfile"
}

# start_server <name> <port> [redis-server args...]: one daemonized node with its own dir, log
# and pidfile. Refuses a port that something else already answers on. `--shutdown-timeout 0`:
# since Redis 7 a master waits up to 10 s on SIGTERM for its replicas to catch up; throwaway test
# data is not worth that wait.
start_server() {
  local name=$1 port=$2; shift 2
  if [[ $(cli "$port" ping) == PONG ]]; then
    die "port $port already answers PING but is not in $DIR/$name.pid; stop whatever runs there or choose other ports"
  fi
  mkdir -p "$DIR/$name"
  redis-server --port "$port" --bind "$BIND" --protected-mode no --daemonize yes \
    --pidfile "$DIR/$name.pid" --logfile "$DIR/$name.log" --dir "$DIR/$name" \
    --save '' --appendonly no --shutdown-timeout 0 "$@" >/dev/null
}

# wait_until <what> <command...>: polls every 0.2 s until the command succeeds or TIMEOUT passes.
wait_until() {
  local what=$1; shift
  local deadline=$((SECONDS + TIMEOUT))
  until "$@"; do
    if ((SECONDS >= deadline)); then
      die "timed out after ${TIMEOUT}s waiting for $what (logs: $DIR/*.log)"
    fi
    sleep 0.2
  done
}

all_ping() { local p; for p in "$@"; do [[ $(cli "$p" ping) == PONG ]] || return 1; done; }

# --- cluster --------------------------------------------------------------------------------

cluster_pidfile() { echo "$DIR/cluster-$1.pid"; }

cluster_healthy() {
  # Whole replies are captured into variables and matched with [[ ]]: `cmd | grep -q` would
  # fail under pipefail whenever grep exits before redis-cli has finished writing (SIGPIPE).
  local p counts role
  for p in "${CLUSTER_PORTS[@]}"; do
    owned_alive "$(cluster_pidfile "$p")" "$p" || return 1
    [[ $(cli "$p" cluster info) == *cluster_state:ok* ]] || return 1
    # Every node must see 3 connected masters and 3 connected replicas, none flagged failing.
    counts=$(cli "$p" cluster nodes | awk '
      $3 !~ /fail|handshake|noaddr/ && $8 == "connected" { if ($3 ~ /master/) m++; else if ($3 ~ /slave/) s++ }
      END { print m + 0, s + 0 }')
    [[ $counts == "3 3" ]] || return 1
    role=$(cli "$p" role)
    if [[ ${role%%$'\n'*} == slave ]]; then
      [[ $(cli "$p" info replication) == *master_link_status:up* ]] || return 1
    fi
  done
}

cluster_running_any() {
  local p
  for p in "${CLUSTER_PORTS[@]}"; do owned_alive "$(cluster_pidfile "$p")" "$p" && return 0; done
  return 1
}

stop_cluster() {
  local p
  for p in "${CLUSTER_PORTS[@]}"; do stop_one "$(cluster_pidfile "$p")" "$p"; done
  for p in "${CLUSTER_PORTS[@]}"; do rm -rf "$DIR/cluster-$p" "$DIR/cluster-$p.log"; done
}

start_cluster() {
  if cluster_healthy; then
    log "cluster already running on ports ${CLUSTER_PORTS[0]}-${CLUSTER_PORTS[5]}"
    return
  fi
  if cluster_running_any; then
    log "cluster partially running or unhealthy: rebuilding it"
  fi
  stop_cluster
  local p addrs=()
  for p in "${CLUSTER_PORTS[@]}"; do
    # cluster-require-full-coverage no: while a dead master's slots await failover, the other
    # slots keep serving instead of the whole cluster answering CLUSTERDOWN.
    start_server "cluster-$p" "$p" --cluster-enabled yes --cluster-config-file nodes.conf \
      --cluster-node-timeout "$NODE_TIMEOUT" --cluster-announce-ip "$ANNOUNCE" \
      --cluster-require-full-coverage no
    addrs+=("$ANNOUNCE:$p")
  done
  wait_until "cluster nodes to answer PING" all_ping "${CLUSTER_PORTS[@]}"
  redis-cli --cluster create "${addrs[@]}" --cluster-replicas 1 --cluster-yes >"$DIR/cluster-create.log" 2>&1 ||
    die "redis-cli --cluster create failed; see $DIR/cluster-create.log"
  wait_until "cluster_state:ok and every replica linked" cluster_healthy
  log "cluster ready on ${addrs[*]}"
}

# --- sentinel -------------------------------------------------------------------------------

data_pidfile() { echo "$DIR/sentinel-redis-$1.pid"; }
sentinel_pidfile() { echo "$DIR/sentinel-$1.pid"; }

# `SENTINEL MASTER` prints alternating field and value lines; print the value of one field.
sentinel_field() { cli "$1" sentinel master "$NAME" | awk -v f="$2" 'NR % 2 == 1 { k = $0; next } k == f { print }'; }

sentinel_healthy() {
  local p flags replicas
  for p in "${DATA_PORTS[@]}"; do owned_alive "$(data_pidfile "$p")" "$p" || return 1; done
  for p in "${SENTINEL_PORTS[@]}"; do
    owned_alive "$(sentinel_pidfile "$p")" "$p" || return 1
    flags=$(sentinel_field "$p" flags)
    [[ $flags == master ]] || return 1
    [[ $(sentinel_field "$p" num-slaves) == 2 ]] || return 1
    [[ $(sentinel_field "$p" num-other-sentinels) == 2 ]] || return 1
    # Both replicas known and healthy ("slave", without s_down or disconnected).
    replicas=$(cli "$p" sentinel replicas "$NAME" | awk 'prev == "flags" && $0 == "slave" { n++ } { prev = $0 } END { print n + 0 }')
    [[ $replicas == 2 ]] || return 1
  done
}

replicas_linked() {
  local p
  for p in "${DATA_PORTS[@]:1}"; do
    [[ $(cli "$p" info replication) == *master_link_status:up* ]] || return 1
  done
}

sentinel_running_any() {
  local p
  for p in "${DATA_PORTS[@]}"; do owned_alive "$(data_pidfile "$p")" "$p" && return 0; done
  for p in "${SENTINEL_PORTS[@]}"; do owned_alive "$(sentinel_pidfile "$p")" "$p" && return 0; done
  return 1
}

stop_sentinel() {
  local p
  # Sentinels first, so they do not start a failover while the data nodes go down.
  for p in "${SENTINEL_PORTS[@]}"; do stop_one "$(sentinel_pidfile "$p")" "$p"; done
  for p in "${DATA_PORTS[@]}"; do stop_one "$(data_pidfile "$p")" "$p"; done
  for p in "${SENTINEL_PORTS[@]}"; do rm -rf "$DIR/sentinel-$p" "$DIR/sentinel-$p.log" "$DIR/sentinel-$p.conf"; done
  for p in "${DATA_PORTS[@]}"; do rm -rf "$DIR/sentinel-redis-$p" "$DIR/sentinel-redis-$p.log"; done
}

start_sentinel() {
  if sentinel_healthy; then
    log "sentinel group '$NAME' already running (sentinels ${SENTINEL_PORTS[*]})"
    return
  fi
  if sentinel_running_any; then
    log "sentinel group partially running or unhealthy: rebuilding it"
  fi
  stop_sentinel
  local p
  start_server "sentinel-redis-$MASTER_PORT" "$MASTER_PORT" --replica-announce-ip "$ANNOUNCE"
  for p in "${DATA_PORTS[@]:1}"; do
    start_server "sentinel-redis-$p" "$p" --replicaof "$ANNOUNCE" "$MASTER_PORT" --replica-announce-ip "$ANNOUNCE"
  done
  wait_until "sentinel data nodes to answer PING" all_ping "${DATA_PORTS[@]}"
  wait_until "both replicas to link to the master" replicas_linked

  # Sentinel rewrites its config file at run time, so each one gets a fresh, private copy.
  for p in "${SENTINEL_PORTS[@]}"; do
    mkdir -p "$DIR/sentinel-$p"
    cat >"$DIR/sentinel-$p.conf" <<EOF
port $p
bind $BIND
protected-mode no
daemonize yes
pidfile $DIR/sentinel-$p.pid
logfile $DIR/sentinel-$p.log
dir $DIR/sentinel-$p
sentinel announce-ip $ANNOUNCE
sentinel resolve-hostnames no
sentinel monitor $NAME $ANNOUNCE $MASTER_PORT 2
sentinel down-after-milliseconds $NAME $DOWN_AFTER
sentinel failover-timeout $NAME $FAILOVER_TIMEOUT
sentinel parallel-syncs $NAME 1
EOF
    if [[ $(cli "$p" ping) == PONG ]]; then
      die "port $p already answers PING but is not in $(sentinel_pidfile "$p")"
    fi
    redis-server "$DIR/sentinel-$p.conf" --sentinel >/dev/null
  done
  wait_until "sentinels to know the master, both replicas and each other" sentinel_healthy
  log "sentinel group '$NAME' ready: master $ANNOUNCE:$MASTER_PORT, sentinels ${SENTINEL_PORTS[*]}"
}

# --- status ---------------------------------------------------------------------------------

status_line() {
  local label=$1 pidfile=$2 port=$3
  if owned_alive "$pidfile" "$port"; then
    printf '  %-22s %-6s running (pid %s)\n' "$label" "$port" "$(<"$pidfile")"
  else
    printf '  %-22s %-6s stopped\n' "$label" "$port"
  fi
}

status_cluster() {
  local p
  echo "cluster ($DIR):"
  for p in "${CLUSTER_PORTS[@]}"; do status_line "cluster node" "$(cluster_pidfile "$p")" "$p"; done
  if cluster_healthy; then echo "  healthy: cluster_state:ok, 3 masters + 3 linked replicas"; return 0; fi
  echo "  not healthy"
  return 1
}

status_sentinel() {
  local p
  echo "sentinel group '$NAME' ($DIR):"
  for p in "${DATA_PORTS[@]}"; do status_line "redis" "$(data_pidfile "$p")" "$p"; done
  for p in "${SENTINEL_PORTS[@]}"; do status_line "sentinel" "$(sentinel_pidfile "$p")" "$p"; done
  if sentinel_healthy; then
    echo "  healthy: master at $(cli "${SENTINEL_PORTS[0]}" sentinel get-master-addr-by-name "$NAME" | paste -sd: -)"
    return 0
  fi
  echo "  not healthy"
  return 1
}

# --- main -----------------------------------------------------------------------------------

action=${1:-}
component=${2:-all}
case $component in all | cluster | sentinel) ;; *) die "unknown component '$component' (all, cluster or sentinel)" ;; esac
want() { [[ $component == all || $component == "$1" ]]; }

case $action in
  start)
    mkdir -p "$DIR"
    if [[ $component == all ]]; then
      # Both components wait mostly on gossip timers, so building them side by side halves the time.
      start_cluster &
      cluster_job=$!
      start_sentinel &
      sentinel_job=$!
      rc=0
      wait "$cluster_job" || rc=1
      wait "$sentinel_job" || rc=1
      exit $rc
    fi
    if want cluster; then start_cluster; fi
    if want sentinel; then start_sentinel; fi
    ;;
  stop)
    if want sentinel; then stop_sentinel; fi
    if want cluster; then stop_cluster; fi
    log "stopped ($component)"
    ;;
  status)
    rc=0
    if want cluster; then status_cluster || rc=1; fi
    if want sentinel; then status_sentinel || rc=1; fi
    exit $rc
    ;;
  *)
    echo "usage: $0 start|stop|status [all|cluster|sentinel]" >&2
    exit 2
    ;;
esac
