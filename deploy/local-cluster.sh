#!/usr/bin/env bash
# A Ferry cluster of N node processes on 127.0.0.1, from the distribution tarball, in one command.
#
#   deploy/local-cluster.sh up [--nodes N]     start N nodes (default 3) and wait until each is ready
#   deploy/local-cluster.sh demo               up, create topic demo (6 partitions, 3 replicas), produce
#                                              500,000 x 100 B with acks=all, read them back from followers
#   deploy/local-cluster.sh status             pid, ports and state (running, paused, stopped) of each node
#   deploy/local-cluster.sh kill N             kill -9 node N (a crash)
#   deploy/local-cluster.sh pause N | resume N SIGSTOP / SIGCONT node N (a hung process)
#   deploy/local-cluster.sh restart N          graceful stop (SIGTERM, wait), start, wait until ready
#   deploy/local-cluster.sh logs N [-f]        the end of node N's log (-f: follow)
#   deploy/local-cluster.sh down [--purge]     stop every node gracefully (--purge: delete the data too)
#   deploy/local-cluster.sh env                print FERRY_BROKERS=... for `eval` (bin/ferry reads it)
#
# Environment:
#   FERRY_LOCAL_DIR    work directory (default deploy/target/local-cluster): distribution, configs, data, logs
#   FERRY_BASE_PORT    node i listens on BASE+10(i-1)+2 (client), +3 (Raft), +4 (controller), +5 (metrics);
#                      default 9100, the ports of config/cluster/node-*.properties
#   FERRY_HOME         an unpacked distribution to run instead of unpacking deploy/target/ferry-*.tar.gz
#   FERRY_UP_TIMEOUT   seconds `up` waits for every node's /health/ready (default 120)
#   FERRY_STOP_TIMEOUT seconds a graceful stop may take before kill -9 (default 30)
#   FERRY_HEAP_OPTS    JVM heap of the node processes (bin/ferry's default: -Xms1g -Xmx1g)
# Every command is safe to repeat: `up` skips running nodes, `down` skips stopped ones.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)
WORK=${FERRY_LOCAL_DIR:-$SCRIPT_DIR/target/local-cluster}
UP_TIMEOUT=${FERRY_UP_TIMEOUT:-120}
STOP_TIMEOUT=${FERRY_STOP_TIMEOUT:-30}
SELF="deploy/local-cluster.sh"
[[ -n ${FERRY_LOCAL_DIR:-} ]] && SELF="FERRY_LOCAL_DIR=$WORK $SELF"

# A path as shown to the user: relative to the current directory when under it.
show() {
  echo "${1#"$PWD"/}"
}

die() {
  echo "local-cluster: $*" >&2
  exit 1
}

usage() {
  sed -n '3,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
  exit 2
}

# --- cluster layout: the node count and base port are fixed at the first `up` and kept in cluster.conf ---

NODES=""
BASE_PORT=""

load_conf() {
  local requested=$1
  if [[ -f $WORK/cluster.conf ]]; then
    # shellcheck source=/dev/null
    source "$WORK/cluster.conf"
    if [[ -n $requested && $requested != "$NODES" ]]; then
      die "the cluster in $WORK has $NODES nodes; run '$SELF down --purge' before asking for $requested"
    fi
  else
    NODES=${requested:-3}
    BASE_PORT=${FERRY_BASE_PORT:-9100}
  fi
  [[ $NODES =~ ^[1-9]$ ]] || die "--nodes must be 1 to 9: $NODES"
  if ! [[ $BASE_PORT =~ ^[0-9]+$ ]] || ((BASE_PORT < 1024 || BASE_PORT + 10 * NODES >= 65536)); then
    die "FERRY_BASE_PORT must be a port from 1024 leaving room for $NODES nodes below 65536: $BASE_PORT"
  fi
}

save_conf() {
  mkdir -p "$WORK"
  printf 'NODES=%s\nBASE_PORT=%s\n' "$NODES" "$BASE_PORT" >"$WORK/cluster.conf"
}

port() { # port NODE OFFSET: 2 client, 3 Raft, 4 controller, 5 metrics
  echo $((BASE_PORT + 10 * ($1 - 1) + $2))
}

check_node() {
  if ! [[ ${1:-} =~ ^[0-9]+$ ]] || (($1 < 1 || $1 > NODES)); then
    die "no node '${1:-}': nodes are 1 to $NODES"
  fi
}

brokers() {
  local i list=""
  for ((i = 1; i <= NODES; i++)); do
    list+="${list:+,}127.0.0.1:$(port "$i" 2)"
  done
  echo "$list"
}

# --- the distribution ---

ferry_home() {
  if [[ -n ${FERRY_HOME:-} ]]; then
    [[ -x $FERRY_HOME/bin/ferry ]] || die "FERRY_HOME=$FERRY_HOME holds no bin/ferry"
    echo "$FERRY_HOME"
    return
  fi
  local tarball
  tarball=$(find "$REPO/deploy/target" -maxdepth 1 -name 'ferry-*.tar.gz' 2>/dev/null | sort | tail -n 1)
  if [[ -z $tarball ]]; then
    echo "no distribution in deploy/target: building it (./mvnw -B -q -pl deploy -am package -DskipTests)" >&2
    (cd "$REPO" && ./mvnw -B -q -pl deploy -am package -DskipTests) >&2 || die "the build failed"
    tarball=$(find "$REPO/deploy/target" -maxdepth 1 -name 'ferry-*.tar.gz' | sort | tail -n 1)
    [[ -n $tarball ]] || die "the build made no deploy/target/ferry-*.tar.gz"
  fi
  local home stamp
  home="$WORK/$(basename "$tarball" .tar.gz)"
  stamp="$tarball $(stat -c %Y "$tarball" 2>/dev/null || stat -f %m "$tarball")"
  if [[ ! -x $home/bin/ferry || "$(cat "$home/.unpacked-from" 2>/dev/null)" != "$stamp" ]]; then
    if [[ -x $home/bin/ferry ]] && any_running; then
      echo "local-cluster: $tarball is newer than the running nodes' copy; run down and up to use it" >&2
    else
      rm -rf "$home"
      mkdir -p "$WORK"
      tar -xzf "$tarball" -C "$WORK"
      echo "$stamp" >"$home/.unpacked-from"
    fi
  fi
  echo "$home"
}

# --- node processes ---

node_dir() { echo "$WORK/node-$1"; }

node_pid() { # prints the pid of a live node, or nothing
  local f pid
  f="$(node_dir "$1")/node.pid"
  [[ -f $f ]] || return 0
  pid=$(cat "$f")
  if [[ $pid =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null; then
    echo "$pid"
  fi
}

node_state() {
  local pid stat
  pid=$(node_pid "$1")
  if [[ -z $pid ]]; then
    echo stopped
    return
  fi
  stat=$(ps -o stat= -p "$pid" 2>/dev/null || true)
  case $stat in
    T*) echo paused ;;
    Z*) echo stopped ;;
    *) echo running ;;
  esac
}

any_running() {
  local i
  for ((i = 1; i <= NODES; i++)); do
    [[ -n $(node_pid "$i") ]] && return 0
  done
  return 1
}

# http_status PORT PATH: the HTTP status code, or 000 when nothing answers within 2 s
http_status() {
  curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$1$2" 2>/dev/null || true
}

write_config() {
  local i=$1 dir voters="" v voter_count=1
  dir=$(node_dir "$i")
  ((NODES >= 3)) && voter_count=3
  for ((v = 1; v <= voter_count; v++)); do
    voters+="${voters:+,}$v@127.0.0.1:$(port "$v" 4)"
  done
  local rf=$((NODES < 3 ? NODES : 3))
  mkdir -p "$dir/data"
  cat >"$dir/node.properties" <<EOF
# Node $i of a $NODES-node local cluster, written by deploy/local-cluster.sh (rewritten at every start).
# Every key: CONFIGURATION.md.
node.id=$i
# Rack: replicas of a partition are spread over racks; consumers with client.rack read from theirs.
node.rack=rack-$i
data.dir=$dir/data
listener.host=127.0.0.1
listener.port=$(port "$i" 2)
raft.port=$(port "$i" 3)
controller.port=$(port "$i" 4)
metrics.port=$(port "$i" 5)
# The first $voter_count node(s) are the voters of the metadata Raft group (KRaft-style).
controller.voters=$voters
num.partitions=6
default.replication.factor=$rf
offsets.topic.replication.factor=$rf
durability=replicated
EOF
}

start_node() {
  local i=$1 home=$2 dir pid
  dir=$(node_dir "$i")
  if [[ -n $(node_pid "$i") ]]; then
    echo "node $i: already $(node_state "$i") (pid $(node_pid "$i"))"
    return
  fi
  write_config "$i"
  echo "--- $(date -u +%Y-%m-%dT%H:%M:%SZ) local-cluster.sh starts node $i" >>"$dir/node.log"
  # As root, each node runs with a group id of its own (41000+N) so that deploy/chaos/isolate-node.sh can cut
  # one node off with iptables owner rules although every node shares 127.0.0.1; setpriv execs, as does bin/ferry.
  local launch=()
  if [[ $(id -u) == 0 ]] && command -v setpriv >/dev/null; then
    launch=(setpriv --regid $((41000 + i)) --clear-groups --)
  fi
  # nohup: the node outlives this script and its terminal; bin/ferry execs java, so $! is the JVM.
  nohup "${launch[@]}" "$home/bin/ferry" node start --config "$dir/node.properties" >>"$dir/node.log" 2>&1 \
    </dev/null &
  pid=$!
  echo "$pid" >"$dir/node.pid"
  echo "node $i: started (pid $pid, client port $(port "$i" 2), log $(show "$dir/node.log"))"
}

# wait_ready NODE...: every node's /health/ready answers 200, or a clear error with the log tail
wait_ready() {
  local deadline=$((SECONDS + UP_TIMEOUT)) pending=("$@") still i code
  while ((${#pending[@]} > 0)); do
    still=()
    for i in "${pending[@]}"; do
      if [[ -z $(node_pid "$i") ]]; then
        echo "local-cluster: node $i exited while starting; the end of its log ($(node_dir "$i")/node.log):" >&2
        tail -n 30 "$(node_dir "$i")/node.log" >&2 || true
        exit 1
      fi
      code=$(http_status "$(port "$i" 5)" /health/ready)
      [[ $code == 200 ]] || still+=("$i")
    done
    pending=("${still[@]+"${still[@]}"}")
    ((${#pending[@]} == 0)) && break
    if ((SECONDS >= deadline)); then
      for i in "${pending[@]}"; do
        echo "local-cluster: node $i not ready after ${UP_TIMEOUT}s; /health/ready says:" >&2
        curl -s --max-time 2 "http://127.0.0.1:$(port "$i" 5)/health/ready" >&2 || echo "(no answer)" >&2
        echo >&2
        echo "the end of its log ($(node_dir "$i")/node.log):" >&2
        tail -n 30 "$(node_dir "$i")/node.log" >&2 || true
      done
      exit 1
    fi
    sleep 0.5
  done
}

stop_node() { # graceful: SIGTERM (and SIGCONT, should it be paused), then kill -9 after STOP_TIMEOUT
  local i=$1 pid deadline
  pid=$(node_pid "$i")
  if [[ -z $pid ]]; then
    echo "node $i: already stopped"
    rm -f "$(node_dir "$i")/node.pid"
    return
  fi
  kill -TERM "$pid" 2>/dev/null || true
  kill -CONT "$pid" 2>/dev/null || true
  deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do
    sleep 0.2
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "node $i: still running ${STOP_TIMEOUT}s after SIGTERM; kill -9"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$(node_dir "$i")/node.pid"
  echo "node $i: stopped (pid $pid)"
}

# --- commands ---

cmd_up() {
  local home i started=()
  home=$(ferry_home)
  save_conf
  echo "Ferry $NODES-node local cluster in $(show "$WORK") ($(basename "$home"))"
  for ((i = 1; i <= NODES; i++)); do
    start_node "$i" "$home"
    started+=("$i")
  done
  wait_ready "${started[@]}"
  echo "all $NODES nodes ready; brokers: $(brokers)"
  echo "use it with: export FERRY_BROKERS=$(brokers); $(show "$home")/bin/ferry --help"
}

cmd_status() {
  local i pid state ready
  if [[ ! -f $WORK/cluster.conf ]]; then
    echo "no local cluster in $WORK (start one with: $SELF up)"
    return
  fi
  printf '%-5s %-8s %-8s %-7s %-6s %-10s %-8s %-6s\n' node pid state client raft controller metrics ready
  for ((i = 1; i <= NODES; i++)); do
    pid=$(node_pid "$i")
    state=$(node_state "$i")
    ready=-
    if [[ $state == running ]]; then
      ready=$([[ $(http_status "$(port "$i" 5)" /health/ready) == 200 ]] && echo yes || echo no)
    fi
    printf '%-5s %-8s %-8s %-7s %-6s %-10s %-8s %-6s\n' "$i" "${pid:--}" "$state" "$(port "$i" 2)" \
      "$(port "$i" 3)" "$(port "$i" 4)" "$(port "$i" 5)" "$ready"
  done
}

cmd_down() {
  local i purge=$1
  if [[ ! -f $WORK/cluster.conf ]]; then
    echo "no local cluster in $WORK"
    return
  fi
  # Every node gets SIGTERM at once: each moves its leaderships away as far as it still can, then stops.
  for ((i = 1; i <= NODES; i++)); do
    stop_node "$i" &
  done
  wait
  if [[ $purge == yes ]]; then
    rm -rf "$WORK"
    echo "deleted $WORK"
  fi
}

cmd_signal() {
  local what=$1 i=$2 pid
  check_node "$i"
  pid=$(node_pid "$i")
  [[ -n $pid ]] || die "node $i is not running"
  case $what in
    kill)
      kill -KILL "$pid"
      while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
      rm -f "$(node_dir "$i")/node.pid"
      echo "node $i: killed (kill -9 $pid) at $(date -u +%H:%M:%S.%3N)"
      ;;
    pause)
      kill -STOP "$pid"
      echo "node $i: paused (SIGSTOP $pid) at $(date -u +%H:%M:%S.%3N)"
      ;;
    resume)
      kill -CONT "$pid"
      echo "node $i: resumed (SIGCONT $pid) at $(date -u +%H:%M:%S.%3N)"
      ;;
  esac
}

cmd_restart() {
  local i=$1 home
  check_node "$i"
  home=$(ferry_home)
  stop_node "$i"
  start_node "$i" "$home"
  wait_ready "$i"
  echo "node $i: ready"
}

cmd_logs() {
  local i=$1 follow=$2 log
  check_node "$i"
  log="$(node_dir "$i")/node.log"
  [[ -f $log ]] || die "node $i has no log yet ($log)"
  if [[ $follow == yes ]]; then
    exec tail -n 100 -f "$log"
  fi
  tail -n 100 "$log"
}

cmd_demo() {
  local home ferry records=500000 size=100 rf
  cmd_up
  home=$(ferry_home)
  ferry="$home/bin/ferry"
  rf=$((NODES < 3 ? NODES : 3))
  export FERRY_BROKERS
  FERRY_BROKERS=$(brokers)
  echo
  # `ferry topic create` where this distribution has it; perf produce --create-topic creates the topic
  # otherwise, and in both cases waits until every partition is led by its preferred replica.
  if "$ferry" --help 2>/dev/null | grep -qE '^ +topic +'; then
    echo "\$ bin/ferry topic create demo -p 6 -r $rf"
    "$ferry" topic create demo -p 6 -r "$rf" || true
  fi
  echo "\$ bin/ferry perf produce --topic demo --create-topic --partitions 6 --replication-factor $rf" \
    "--num-records $records --record-size $size --acks all"
  "$ferry" perf produce --topic demo --create-topic --partitions 6 --replication-factor "$rf" \
    --num-records "$records" --record-size "$size" --acks all | tee "$WORK/demo-produce.txt"
  echo
  echo "\$ bin/ferry perf consume --topic demo --messages $records --from-beginning --rack rack-2" \
    "   # client.rack=rack-2: reads from node 2, a follower of 4 of the 6 partitions"
  "$ferry" perf consume --topic demo --messages "$records" --from-beginning --rack rack-2 \
    | tee "$WORK/demo-consume.txt"
  echo
  echo "== summary"
  awk '{printf "produced %s records of '"$size"' B with acks=all: %s records/s, %s MB/s; latency avg %s ms, " \
    "p50 %s ms, p99 %s ms\n", $1, $4, substr($6, 2), $8, $16, $22}' <(tail -n 1 "$WORK/demo-produce.txt")
  awk -F', ' '{printf "consumed %s records (%.1f MB) from node 2 (rack-2) in %.2f s: %.0f records/s, %.1f MB/s\n",
    $5, $3, $8 / 1000, $10, $9}' <(tail -n 1 "$WORK/demo-consume.txt")
  echo
  cmd_status
  echo
  echo "the cluster keeps running (FERRY_BROKERS=$(brokers)); stop it with: $SELF down"
}

main() {
  local cmd=${1:-} nodes="" args=() purge=no follow=no
  [[ -n $cmd ]] || usage
  shift
  while (($# > 0)); do
    case $1 in
      --nodes) [[ $# -ge 2 ]] || die "--nodes needs a number"; nodes=$2; shift 2 ;;
      --nodes=*) nodes=${1#--nodes=}; shift ;;
      --purge) purge=yes; shift ;;
      -f) follow=yes; shift ;;
      -h | --help) usage ;;
      -*) die "unknown option $1 (see $SELF --help)" ;;
      *) args+=("$1"); shift ;;
    esac
  done
  load_conf "$nodes"
  case $cmd in
    up) cmd_up ;;
    demo) cmd_demo ;;
    status) cmd_status ;;
    down) cmd_down "$purge" ;;
    kill | pause | resume) cmd_signal "$cmd" "${args[0]:-}" ;;
    restart) cmd_restart "${args[0]:-}" ;;
    logs) cmd_logs "${args[0]:-}" "$follow" ;;
    env) echo "FERRY_BROKERS=$(brokers)" ;;
    -h | --help | help) usage ;;
    *) die "unknown command '$cmd' (see $SELF --help)" ;;
  esac
}

main "$@"
