#!/usr/bin/env bash
# Stops the services scripts/services/up.sh started.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STATE=${1:-$ROOT/.test-services}
[[ -d $STATE ]] || exit 0
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[[ -f $STATE/pg/postmaster.pid ]] && runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$STATE/pg" -m immediate stop >/dev/null 2>&1
[[ -f $STATE/redis.pid ]] && kill "$(cat "$STATE/redis.pid")" 2>/dev/null
bash "$ROOT/scripts/services/ceph.sh" stop "$STATE/ceph" 2>/dev/null
exit 0
