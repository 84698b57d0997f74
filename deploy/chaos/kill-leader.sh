#!/usr/bin/env bash
# kill -9 the node leading a partition, wait, start it again.
#   deploy/chaos/kill-leader.sh [--topic T] [--partition P] [--down SECONDS]   (default: chaos, 0, 10 s)
# CHAOS_TARGET=local|compose picks the cluster (lib.sh).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
topic=chaos partition=0 down=10
while (($#)); do
  case $1 in
    --topic) topic=$2; shift 2 ;;
    --partition) partition=$2; shift 2 ;;
    --down) down=$2; shift 2 ;;
    *) die "unknown option $1 (kill-leader.sh [--topic T] [--partition P] [--down SECONDS])" ;;
  esac
done
leader=$(leader_of "$topic" "$partition")
[[ $leader =~ ^[0-9]+$ ]] || die "partition $topic/$partition has no leader now ('$leader')"
say "partition $topic/$partition is led by node $leader"
kill_node "$leader"
sleep "$down"
start_node "$leader"
