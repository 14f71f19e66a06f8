#!/usr/bin/env bash
# Starts private, throwaway instances of every service the test suite talks to, installing
# what is missing from Debian's packages, and writes their addresses to $STATE/env.
# Idempotent: a service already up is left alone.
#
#   up.sh [STATE_DIR]     default .test-services in the repository
#   down.sh [STATE_DIR]   stops them
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
STATE=${1:-$ROOT/.test-services}
PG_PORT=${TEST_PG_PORT:-55432}
REDIS_PORT=${TEST_REDIS_PORT:-56379}
S3_PORT=${TEST_S3_PORT:-7480}
mkdir -p "$STATE"
STATE=$(cd "$STATE" && pwd)

log() { printf '[services] %s\n' "$*" >&2; }
trap 'log "failed at line $LINENO: $BASH_COMMAND"; for f in "$STATE"/*.log "${PG_DIR:-/nonexistent}"/server.log; do [[ -f $f ]] && tail -n 20 "$f" >&2; done' ERR

need_packages=()
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
[[ -n $PG_BIN && -x $PG_BIN/initdb ]] || need_packages+=(postgresql)
command -v redis-server >/dev/null || need_packages+=(redis-server)
command -v radosgw >/dev/null || need_packages+=(radosgw ceph-mon ceph-osd)
command -v bwrap >/dev/null || need_packages+=(bubblewrap)
# Validation checkers; they import under the system python, not a pyenv one first on PATH.
/usr/bin/python3 -c 'import bandit' 2>/dev/null || need_packages+=(python3-bandit)
/usr/bin/python3 -c 'import pytest' 2>/dev/null || need_packages+=(python3-pytest)
if ((${#need_packages[@]})); then
  log "installing ${need_packages[*]}"
  if [[ $(id -u) -ne 0 ]]; then log "need root to apt-get install ${need_packages[*]}"; exit 1; fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_packages[@]}" >/dev/null
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
fi

# PostgreSQL: a throwaway cluster, fsync off; it must run as the postgres user, who may not be
# able to enter the checkout (CI clones into a private temp dir), so its data lives under /tmp.
# shared_buffers holds the benchmarks' 100,000-agent catalog (175 MB; the default 128 MB made
# every search read heap pages through the kernel), as a production server's would.
PG_DIR=/tmp/am-test-pg-$(printf '%s' "$STATE" | md5sum | cut -c1-12)
echo "$PG_DIR" >"$STATE/pg-dir"
if ! "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then
  if [[ ! -f $PG_DIR/PG_VERSION ]]; then
    rm -rf "$PG_DIR" && mkdir -p "$PG_DIR"
    chown postgres:postgres "$PG_DIR"
    chmod 700 "$PG_DIR"
    runuser -u postgres -- "$PG_BIN/initdb" -D "$PG_DIR" -A trust -U postgres --no-sync >"$STATE/pg-initdb.log" 2>&1
  fi
  runuser -u postgres -- "$PG_BIN/pg_ctl" -D "$PG_DIR" -l "$PG_DIR/server.log" -w -t 30 \
    -o "-p $PG_PORT -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=1GB" \
    start >/dev/null
  log "postgres up on 127.0.0.1:$PG_PORT"
fi

# Redis: nothing on disk.
if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --dir "$STATE" --pidfile "$STATE/redis.pid" --logfile "$STATE/redis.log"
  for _ in $(seq 50); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
  log "redis up on 127.0.0.1:$REDIS_PORT"
fi

# S3: Ceph RADOS Gateway, which verifies signatures like AWS. Our own cluster when it is up;
# else a gateway on the port that takes the test credentials (another checkout's) is reused;
# else a new cluster on the first free set of ports.
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
BUN=${BUN:-$ROOT/node_modules/.bin/bun}
if bash "$ROOT/scripts/services/ceph.sh" status "$STATE/ceph" 2>/dev/null; then
  S3_PORT=$(sed -n 's/^rgw frontends = beast endpoint=127.0.0.1:\([0-9]*\)$/\1/p' "$STATE/ceph/ceph.conf")
else
  base=$S3_PORT
  for offset in 0 1 2 3 4 5 6 7; do
    S3_PORT=$((base + offset))
    if port_in_use "$S3_PORT"; then
      if "$BUN" "$ROOT/scripts/services/s3-ready.ts" "http://127.0.0.1:$S3_PORT"; then
        log "reusing the S3 gateway already on 127.0.0.1:$S3_PORT"
        break
      fi
      continue
    fi
    mon_v2=$((${CEPH_MON_V2_PORT:-3300} + offset))
    mon_v1=$((${CEPH_MON_V1_PORT:-6789} + offset))
    if port_in_use "$mon_v2" || port_in_use "$mon_v1"; then continue; fi
    CEPH_MON_V2_PORT=$mon_v2 CEPH_MON_V1_PORT=$mon_v1 bash "$ROOT/scripts/services/ceph.sh" start "$STATE/ceph" "$S3_PORT"
    break
  done
fi

cat >"$STATE/env" <<ENV
TEST_DATABASE_URL=postgres://postgres@127.0.0.1:$PG_PORT/postgres
TEST_REDIS_URL=redis://127.0.0.1:$REDIS_PORT
TEST_S3_ENDPOINT=http://127.0.0.1:$S3_PORT
TEST_S3_ACCESS_KEY=am-test-key
TEST_S3_SECRET_KEY=am-test-secret
TEST_S3_REGION=us-east-1
TEST_REQUIRE_S3=true
ENV
log "services ready; addresses in $STATE/env"
