#!/usr/bin/env bash
# kill -9 every node at once (a power cut), then start them all: only what was acknowledged must survive.
#   deploy/chaos/restart-all.sh [--down SECONDS]   (default 5 s)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
down=5
while (($#)); do
  case $1 in
    --down) down=$2; shift 2 ;;
    *) die "unknown option $1 (restart-all.sh [--down SECONDS])" ;;
  esac
done
for n in $(nodes); do kill_node "$n" & done
wait
sleep "$down"
for n in $(nodes); do start_node "$n" & done
wait
