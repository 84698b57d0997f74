#!/usr/bin/env bash
# A chaos run: `ferry perf produce` writes (acks=all, idempotent) while faults hit the cluster on a schedule
# drawn from a seed; then every fault is healed and every acknowledged record must read back, exactly once.
#
#   deploy/chaos/run.sh --minutes N [--seed S] [--rate RECORDS/S] [--topic T]
#                       [--faults kill-leader,kill-node,pause,isolate,restart-all]
#
# Same seed, same schedule (the timing of the cluster itself is not replayable). Prints every fault with its
# time; writes the producer's acknowledged-record log, the read-back and a summary into $CHAOS_WORK (default
# deploy/target/chaos-<time>). Exit 0 when nothing acknowledged was lost or duplicated, 1 otherwise.
# CHAOS_TARGET=local (deploy/local-cluster.sh; isolate needs root) or compose (deploy/compose).
set -euo pipefail
source "$(dirname "$0")/lib.sh"

minutes="" seed=$((RANDOM * 32768 + RANDOM)) rate=2000 topic=chaos faults=""
while (($#)); do
  case $1 in
    --minutes) minutes=$2; shift 2 ;;
    --seed) seed=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --topic) topic=$2; shift 2 ;;
    --faults) faults=$2; shift 2 ;;
    -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see run.sh --help)" ;;
  esac
done
[[ $minutes =~ ^[0-9]+$ && $minutes -gt 0 ]] || die "--minutes N is required (a whole number above 0)"
[[ $seed =~ ^[0-9]+$ ]] || die "--seed must be a number: $seed"
[[ $rate =~ ^[0-9]+$ && $rate -gt 0 ]] || die "--rate must be a number above 0: $rate"
if [[ -z $faults ]]; then
  faults=kill-leader,kill-node,pause,restart-all
  if [[ $CHAOS_TARGET == compose ]] || { [[ $(id -u) == 0 ]] && command -v iptables >/dev/null; }; then
    faults+=,isolate
  fi
fi
IFS=, read -r -a fault_list <<<"$faults"
for f in "${fault_list[@]}"; do
  case $f in kill-leader | kill-node | pause | isolate | restart-all) ;; *) die "unknown fault '$f'" ;; esac
done

export CHAOS_WORK=${CHAOS_WORK:-$DEPLOY_DIR/target/chaos-$(date -u +%Y%m%dT%H%M%SZ)}
mkdir -p "$CHAOS_WORK"
cd "$CHAOS_WORK"
RANDOM=$seed
say "run: target=$CHAOS_TARGET minutes=$minutes seed=$seed rate=$rate records/s topic=$topic faults=$faults"
say "work directory: $CHAOS_WORK (replay this schedule with --seed $seed)"

if ! ferry topic describe "$topic" --timeout-ms 10000 >/dev/null 2>&1; then
  ferry topic create "$topic" -p 6 -r 3 >/dev/null
  say "created topic $topic (6 partitions, 3 replicas)"
fi

total=$((minutes * 60 * rate))
# Retries for as long as a fault may last: a record fails only when it cannot be stored for 2 minutes.
ferry perf produce --topic "$topic" --num-records "$total" --record-size 100 --throughput "$rate" --acks all \
  --record-log acked.log --producer-props delivery.timeout.ms=120000 request.timeout.ms=10000 \
  >produce.log 2>&1 &
producer=$!
say "producer started: $total records at $rate records/s (log: produce.log, acknowledged: acked.log)"

deadline=$((SECONDS + minutes * 60))
applied=0
while ((SECONDS + 20 < deadline)) && kill -0 "$producer" 2>/dev/null; do
  sleep $((5 + RANDOM % 10))
  fault=${fault_list[RANDOM % ${#fault_list[@]}]}
  hold=$((3 + RANDOM % 8))
  applied=$((applied + 1))
  case $fault in
    kill-leader)
      p=$((RANDOM % 6))
      leader=$(leader_of "$topic" "$p" || true)
      if [[ $leader =~ ^[0-9]+$ ]]; then
        say "fault $applied: kill the leader of $topic/$p (node $leader) for $hold s"
        kill_node "$leader"; sleep "$hold"; start_node "$leader"
      else
        say "fault $applied: $topic/$p has no leader to kill now; skipped"
      fi
      ;;
    kill-node) n=$(random_node); say "fault $applied: kill node $n for $hold s"; kill_node "$n"; sleep "$hold"; start_node "$n" ;;
    pause) n=$(random_node); say "fault $applied: pause node $n for $hold s"; pause_node "$n"; sleep "$hold"; resume_node "$n" ;;
    isolate) n=$(random_node); say "fault $applied: isolate node $n for $hold s"; isolate_node "$n"; sleep "$hold"; heal_node "$n" ;;
    restart-all)
      say "fault $applied: kill -9 every node, start them again after $hold s"
      for n in $(nodes); do kill_node "$n"; done
      sleep "$hold"
      for n in $(nodes); do start_node "$n" & done
      wait_pids=$(jobs -p | grep -vx "$producer" || true)
      for pid in $wait_pids; do wait "$pid" || true; done
      ;;
  esac
done

heal_all
say "faults over ($applied applied); waiting for the producer to finish"
producer_status=0
wait "$producer" || producer_status=$?
tail -1 produce.log | sed 's/^/producer: /'
healthy=yes
wait_healthy 180 || healthy=no

# Every replica is read in full (a consumer in rack-N reads from node N): the acknowledged records must all be
# found, each replica must hold each record once, and a replica that lags behind shows up in its count.
say "reading $topic back from the beginning, from each node's replicas"
: >read.txt
replica_counts=""
for n in $(nodes); do
  ferry consume "$topic" --from-beginning --format '%p %o %k' --timeout 20s -X client.rack="rack-$n" \
    >"read-node-$n.txt" 2>"read-node-$n.err" || true
  replica_counts+="${replica_counts:+, }node $n: $(wc -l <"read-node-$n.txt")"
  cat "read-node-$n.txt" >>read.txt
done
sort -u acked.log >acked.sorted
sort -u read.txt >read.sorted
acked=$(wc -l <acked.sorted)
read=$(wc -l <read.sorted)
lost=$(comm -23 acked.sorted read.sorted | wc -l)
comm -23 acked.sorted read.sorted | head -20 >lost.txt
# A key is one send of the producer: stored at two offsets of a partition, it was stored twice.
duplicated=$(awk '{ print $1, $3 }' read.sorted | sort | uniq -d | wc -l)
printf '{"seed":%s,"minutes":%s,"target":"%s","faults":%s,"acknowledged":%s,"read":%s,"lost":%s,"duplicated":%s,"healthy":"%s","producerExit":%s}\n' \
  "$seed" "$minutes" "$CHAOS_TARGET" "$applied" "$acked" "$read" "$lost" "$duplicated" "$healthy" "$producer_status" \
  >summary.json
say "records read per replica set: $replica_counts"
say "acknowledged $acked, read $read distinct, lost $lost, duplicated $duplicated, healthy at the end: $healthy"
if ((lost > 0 || duplicated > 0)); then
  say "FAILED: first lost records (partition offset key) in lost.txt; replay with --seed $seed"
  exit 1
fi
if [[ $healthy != yes ]]; then
  say "FAILED: nothing acknowledged was lost, but the cluster did not become healthy again"
  exit 1
fi
say "PASSED: every acknowledged record read back exactly once"
