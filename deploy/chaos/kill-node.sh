#!/usr/bin/env bash
# kill -9 a node (a random one unless given), wait, start it again.
#   deploy/chaos/kill-node.sh [--node N] [--down SECONDS]   (default: random, 10 s)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
node="" down=10
while (($#)); do
  case $1 in
    --node) node=$2; shift 2 ;;
    --down) down=$2; shift 2 ;;
    *) die "unknown option $1 (kill-node.sh [--node N] [--down SECONDS])" ;;
  esac
done
node=${node:-$(random_node)}
kill_node "$node"
sleep "$down"
start_node "$node"
