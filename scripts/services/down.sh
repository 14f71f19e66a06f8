#!/usr/bin/env bash
# Stops the services scripts/services/up.sh started.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STATE=${1:-$ROOT/.test-services}
[[ -d $STATE ]] || exit 0
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
PG_DIR=$(cat "$STATE/pg-dir" 2>/dev/null)
if [[ -n $PG_DIR && -f $PG_DIR/postmaster.pid ]]; then
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR" -m immediate stop >/dev/null 2>&1
  rm -rf "$PG_DIR"
fi
[[ -f $STATE/redis.pid ]] && kill "$(cat "$STATE/redis.pid")" 2>/dev/null
bash "$ROOT/scripts/services/ceph.sh" stop "$STATE/ceph" 2>/dev/null
exit 0
