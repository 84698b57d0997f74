#!/usr/bin/env bash
# Shared by the chaos scripts: what each fault does on each kind of cluster.
#   CHAOS_TARGET=local   (default) the node processes of deploy/local-cluster.sh: kill -9, SIGSTOP/SIGCONT,
#                        isolation by iptables rules on each node's own group id (root; local-cluster.sh runs
#                        node N with gid 41000+N when started as root)
#   CHAOS_TARGET=compose the containers of deploy/compose (project $COMPOSE_PROJECT, default "compose"):
#                        docker kill/start, pause/unpause, network disconnect/connect
# Every action prints one line: UTC time, "chaos:", what was done and to which node.
set -euo pipefail

CHAOS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DEPLOY_DIR=$(cd "$CHAOS_DIR/.." && pwd)
CHAOS_TARGET=${CHAOS_TARGET:-local}
LOCAL_CLUSTER="$DEPLOY_DIR/local-cluster.sh"
COMPOSE_PROJECT=${COMPOSE_PROJECT:-compose}
COMPOSE_NETWORK=${COMPOSE_NETWORK:-${COMPOSE_PROJECT}_default}
FERRY_IMAGE=${FERRY_IMAGE:-ferry:dev}

say() { printf '%s chaos: %s\n' "$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)" "$*"; }
die() { printf 'chaos: %s\n' "$*" >&2; exit 1; }

case "$CHAOS_TARGET" in
  local | compose) ;;
  *) die "CHAOS_TARGET must be local or compose, not '$CHAOS_TARGET'" ;;
esac

# --- the cluster's nodes ------------------------------------------------------------------------------------

local_work() { echo "${FERRY_LOCAL_DIR:-$DEPLOY_DIR/target/local-cluster}"; }

# nodes: the node numbers, one per line
nodes() {
  if [[ $CHAOS_TARGET == local ]]; then
    [[ -f $(local_work)/cluster.conf ]] || die "no local cluster in $(local_work): run deploy/local-cluster.sh up"
    # shellcheck source=/dev/null
    (source "$(local_work)/cluster.conf" && seq 1 "$NODES")
  else
    docker ps -a --filter "label=com.docker.compose.project=$COMPOSE_PROJECT" \
      --format '{{.Label "com.docker.compose.service"}}' | sed -n 's/^ferry-\([0-9]*\)$/\1/p' | sort -n
  fi
}

container() { # container NODE: the Compose container of node N
  local id
  id=$(docker ps -aq --filter "label=com.docker.compose.project=$COMPOSE_PROJECT" \
    --filter "label=com.docker.compose.service=ferry-$1")
  [[ -n $id ]] || die "no container for service ferry-$1 in Compose project $COMPOSE_PROJECT"
  echo "$id"
}

# ferry ARGS...: the ferry CLI against the cluster under test
ferry() {
  if [[ $CHAOS_TARGET == local ]]; then
    local home
    home=$(find "$(local_work)" -maxdepth 1 -name 'ferry-*' -type d | head -1)
    [[ -x $home/bin/ferry ]] || die "no unpacked distribution in $(local_work)"
    FERRY_BROKERS=$("$LOCAL_CLUSTER" env | sed -n 's/^export FERRY_BROKERS=//p; s/^FERRY_BROKERS=//p') \
      "$home/bin/ferry" "$@"
  else
    # A throwaway container on the cluster's network, so that a fault on a node never takes the tool with it.
    docker run --rm -i --network "$COMPOSE_NETWORK" -v "${CHAOS_WORK:-$PWD}:/work" -w /work \
      -e FERRY_BROKERS=ferry-1:9192,ferry-2:9292,ferry-3:9392 --entrypoint /opt/ferry/bin/ferry \
      "$FERRY_IMAGE" "$@"
  fi
}

# leader_of TOPIC PARTITION: the node leading it, from `ferry topic describe`
leader_of() {
  ferry topic describe "$1" --timeout-ms 10000 |
    awk -v p="$2" '/^PARTITION +LEADER/ { table = 1; next } table && $1 == p { print $2; exit }'
}

random_node() { # random_node: one of the nodes, from $RANDOM (seeded by run.sh)
  local all
  mapfile -t all < <(nodes)
  echo "${all[RANDOM % ${#all[@]}]}"
}

# --- faults -------------------------------------------------------------------------------------------------

local_state() { # local_state NODE: running, paused or stopped, from local-cluster.sh status
  "$LOCAL_CLUSTER" status | awk -v n="$1" '$1 == n { print $3 }'
}

kill_node() {
  if [[ $CHAOS_TARGET == local ]]; then "$LOCAL_CLUSTER" kill "$1" >/dev/null; else docker kill -s KILL "$(container "$1")" >/dev/null; fi
  say "killed node $1 (kill -9)"
}

start_node() {
  if [[ $CHAOS_TARGET == local ]]; then
    # restart waits until the node is ready; a node that is slow to get there is the cluster's problem to
    # show at the end (wait_healthy), not a reason to stop the run.
    if ! "$LOCAL_CLUSTER" restart "$1" >/dev/null 2>"${CHAOS_WORK:-/tmp}/start-node-$1.err"; then
      say "node $1 started but not ready in time ($(head -2 "${CHAOS_WORK:-/tmp}/start-node-$1.err" | tr '\n' ' '))"
      return 0
    fi
  else
    docker start "$(container "$1")" >/dev/null
  fi
  say "started node $1"
}

pause_node() {
  if [[ $CHAOS_TARGET == local ]]; then "$LOCAL_CLUSTER" pause "$1" >/dev/null; else docker pause "$(container "$1")" >/dev/null; fi
  say "paused node $1 (SIGSTOP: the process hangs, its connections stay open)"
}

resume_node() {
  if [[ $CHAOS_TARGET == local ]]; then "$LOCAL_CLUSTER" resume "$1" >/dev/null; else docker unpause "$(container "$1")" >/dev/null; fi
  say "resumed node $1"
}

node_ports() { # node_ports NODE: client, Raft, controller and metrics ports of a local node, comma-separated
  # shellcheck source=/dev/null
  (source "$(local_work)/cluster.conf" && b=$((BASE_PORT + 10 * ($1 - 1))) && echo "$((b + 2)),$((b + 3)),$((b + 4)),$((b + 5))")
}

isolate_node() {
  if [[ $CHAOS_TARGET == local ]]; then
    [[ $(id -u) == 0 ]] || die "isolating a local node needs root (iptables)"
    command -v iptables >/dev/null || die "isolating a local node needs iptables (apt-get install iptables)"
    local others="" n
    for n in $(nodes); do
      [[ $n == "$1" ]] || others="$others${others:+,}$(node_ports "$n")"
    done
    # Node N sends nothing to the others, and nobody reaches node N's ports (clients included): a network
    # partition with node N alone on its side.
    iptables -I OUTPUT -o lo -p tcp -m owner --gid-owner $((41000 + $1)) -m multiport --dports "$others" \
      -m comment --comment "ferry-chaos-$1" -j DROP
    iptables -I OUTPUT -o lo -p tcp -m multiport --dports "$(node_ports "$1")" -m owner ! --gid-owner $((41000 + $1)) \
      -m comment --comment "ferry-chaos-$1" -j DROP
  else
    docker network disconnect "$COMPOSE_NETWORK" "$(container "$1")"
  fi
  say "isolated node $1 from the other nodes and clients"
}

heal_node() {
  if [[ $CHAOS_TARGET == local ]]; then
    local rule args
    while rule=$(iptables -S OUTPUT | grep -m1 -- "--comment ferry-chaos-$1 "); do
      read -r -a args <<<"${rule/#-A /-D }"
      iptables "${args[@]}"
    done
  else
    docker network connect --alias "ferry-$1" "$COMPOSE_NETWORK" "$(container "$1")" 2>/dev/null || true
  fi
  say "healed the network of node $1"
}

heal_all() {
  local n
  for n in $(nodes); do
    if [[ $CHAOS_TARGET == local ]]; then
      if [[ $(id -u) == 0 ]] && command -v iptables >/dev/null && iptables -S OUTPUT | grep -q -- "ferry-chaos-$n "; then
        heal_node "$n"
      fi
      case $(local_state "$n") in
        paused) resume_node "$n" ;;
        stopped) start_node "$n" ;;
      esac
    else
      heal_node "$n"
      docker unpause "$(container "$n")" >/dev/null 2>&1 || true
      docker start "$(container "$n")" >/dev/null
    fi
  done
  say "healed every node"
}

wait_healthy() { # wait_healthy SECONDS: until `ferry cluster health` exits 0; returns 1 (and shows it) if not
  local deadline=$((SECONDS + $1))
  until ferry cluster health --timeout-ms 5000 >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      say "cluster NOT healthy after $1 s:"
      ferry cluster health --timeout-ms 5000 || true
      return 1
    fi
    sleep 1
  done
  say "cluster healthy"
}
