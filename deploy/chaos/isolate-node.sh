#!/usr/bin/env bash
# Cut a node off from the other nodes and from clients (a network partition with it alone on one side), then
# heal. Local clusters: iptables owner rules on the node's group id (root). Compose: docker network disconnect.
#   deploy/chaos/isolate-node.sh [--node N] [--seconds S]   (default: random, 15 s)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
node="" seconds=15
while (($#)); do
  case $1 in
    --node) node=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    *) die "unknown option $1 (isolate-node.sh [--node N] [--seconds S])" ;;
  esac
done
node=${node:-$(random_node)}
trap 'heal_node "$node"' EXIT
isolate_node "$node"
sleep "$seconds"
