#!/usr/bin/env bash
# Freeze a node (SIGSTOP / docker pause: it keeps its connections but answers nothing), then resume it.
#   deploy/chaos/pause-node.sh [--node N] [--seconds S]   (default: random, 10 s)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
node="" seconds=10
while (($#)); do
  case $1 in
    --node) node=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    *) die "unknown option $1 (pause-node.sh [--node N] [--seconds S])" ;;
  esac
done
node=${node:-$(random_node)}
pause_node "$node"
sleep "$seconds"
resume_node "$node"
