#!/usr/bin/env bash
# Makes a Docker engine and the local Java base image available for the container tests, on a machine
# with no engine and no registry (../shared/docs/containers.md). Idempotent: every step is skipped when
# already done, so .ci/run calls it on every run.
#   1. docker.io from the distribution when `docker info` fails and dockerd is not installed;
#   2. dockerd started in the background when none runs (never a second one: a second daemon on the same
#      machine fights over the docker0 bridge);
#   3. local/jre17-base:1 built by deploy/docker/build-base-image.sh when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

LOG=/var/log/dockerd.log

if docker info >/dev/null 2>&1; then
  echo "docker: engine reachable ($(docker version -f '{{.Server.Version}}' 2>/dev/null))"
else
  if ! command -v dockerd >/dev/null 2>&1; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
      echo "docker: no engine reachable and cannot install one (needs root and apt-get); install Docker" >&2
      exit 1
    fi
    echo "docker: installing docker.io"
    t0=$(date +%s)
    DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io >/dev/null
    echo "docker: installed in $(( $(date +%s) - t0 )) s"
  fi
  if pgrep -x dockerd >/dev/null; then
    echo "docker: dockerd already running (pid $(pgrep -x dockerd | head -1)); waiting for it"
  else
    echo "docker: starting dockerd (log $LOG)"
    nohup dockerd >"$LOG" 2>&1 &
  fi
  # Poll every 0.5 s for up to 60 s.
  for _ in $(seq 1 120); do
    if docker info >/dev/null 2>&1; then
      break
    fi
    sleep 0.5
  done
  if ! docker info >/dev/null 2>&1; then
    echo "docker: engine did not answer within 60 s; last lines of $LOG:" >&2
    tail -n 30 "$LOG" >&2 || true
    exit 1
  fi
  echo "docker: engine up ($(docker version -f '{{.Server.Version}}'))"
fi

deploy/docker/build-base-image.sh --tag local/jre17-base:1
