#!/usr/bin/env bash
# One-node Ceph (memstore) + RADOS Gateway on loopback: the real S3 the tests trust,
# because it checks SigV4 signatures and presigned URLs like AWS does.
#
#   ceph.sh start DIR PORT   bring it up in DIR, S3 on 127.0.0.1:PORT (idempotent)
#   ceph.sh stop DIR         kill what start left running
#   ceph.sh status DIR       exit 0 when the S3 endpoint of DIR answers
#
# S3 credentials: am-test-key / am-test-secret, region us-east-1, path-style.
# Mon ports default to 3300 (msgr2) and 6789 (msgr1); override with CEPH_MON_V2_PORT and
# CEPH_MON_V1_PORT to run a second cluster. memstore keeps everything in RAM, so a restart is
# always a fresh, empty cluster.
set -euo pipefail

ACCESS_KEY=am-test-key
SECRET_KEY=am-test-secret
MON_V2_PORT=${CEPH_MON_V2_PORT:-3300}
MON_V1_PORT=${CEPH_MON_V1_PORT:-6789}

T0=$(date +%s.%N)
STEP_T=$T0

log() { printf '[ceph] %s\n' "$*" >&2; }
die() { printf '[ceph] ERROR: %s\n' "$*" >&2; exit 1; }
since() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
# Every step prints how long the previous one took, so a slow bring-up shows where it stalls.
step() {
  log "$(printf '%-28s' "$1") (+$(since "$STEP_T")s, total $(since "$T0")s)"
  STEP_T=$(date +%s.%N)
}

usage() {
  echo "usage: $0 start DIR PORT | stop DIR | status DIR" >&2
  exit 2
}

port_in_use() {
  # /dev/tcp needs nothing installed; a refused connect means nobody listens.
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Prints the HTTP status of GET / (000 when nothing answers). No curl needed.
http_status() {
  local port=$1 line
  line=$(
    exec 3<>"/dev/tcp/127.0.0.1/$port" 2>/dev/null || exit 0
    printf 'GET / HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
    timeout 5 head -n 1 <&3 || true
  ) || true
  if [[ $line =~ ^HTTP/[0-9.]+\ ([0-9]{3}) ]]; then echo "${BASH_REMATCH[1]}"; else echo 000; fi
}

# True when PID is alive and is one of our daemons (not a recycled pid).
our_pid() {
  local pid=$1 conf=$2
  [[ -r /proc/$pid/cmdline ]] && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- " -c $conf "
}

all_running() {
  local dir=$1 pid
  [[ -s $dir/pids ]] || return 1
  while read -r _ pid; do
    our_pid "$pid" "$dir/ceph.conf" || return 1
  done <"$dir/pids"
}

stop_cluster() {
  local dir=$1 name pid waited
  [[ -f $dir/pids ]] || return 0
  # Reverse start order: the gateway first, so it never sees its cluster vanish mid-request.
  tac "$dir/pids" | while read -r name pid; do
    if our_pid "$pid" "$dir/ceph.conf"; then
      kill -TERM "$pid" 2>/dev/null || true
      waited=0
      while our_pid "$pid" "$dir/ceph.conf" && ((waited < 50)); do sleep 0.2; waited=$((waited + 1)); done
      if our_pid "$pid" "$dir/ceph.conf"; then kill -KILL "$pid" 2>/dev/null || true; fi
      log "stopped $name (pid $pid)"
    fi
  done
  rm -f "$dir/pids"
}

ensure_packages() {
  local missing=0 bin
  for bin in radosgw radosgw-admin ceph-mon ceph-osd ceph ceph-authtool monmaptool; do
    command -v "$bin" >/dev/null || missing=1
  done
  ((missing)) || return 0
  log "installing radosgw ceph-mon ceph-osd from apt (takes ~25 s)"
  [[ $(id -u) == 0 ]] || die "ceph packages are missing and installing them needs root"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends radosgw ceph-mon ceph-osd >&2
  for bin in radosgw radosgw-admin ceph-mon ceph-osd ceph ceph-authtool monmaptool; do
    command -v "$bin" >/dev/null || die "$bin is still missing after apt-get install"
  done
  step "apt install"
}

# Runs "$@" until it succeeds or SECS pass; the command's own output is discarded.
wait_for() {
  local what=$1 secs=$2 deadline
  shift 2
  deadline=$(($(date +%s) + secs))
  until "$@" >/dev/null 2>&1; do
    (($(date +%s) < deadline)) || die "timed out after ${secs}s waiting for $what (logs in $DIR/log)"
    sleep 0.2
  done
}

# Starts a daemon detached from our session and stdio so it outlives this script (and
# whatever runs it) without holding the caller's pipes open. setsid does not fork here
# (the subshell is not a group leader), so $! is the daemon's own pid.
spawn() {
  local name=$1
  shift
  (exec setsid "$@" </dev/null >>"$DIR/log/$name.stdout" 2>&1) &
  echo "$name $!" >>"$DIR/pids"
}

ceph_cli() { ceph -c "$DIR/ceph.conf" --connect-timeout 10 "$@"; }

osd_up() { ceph_cli osd stat 2>/dev/null | grep -q ' 1 up'; }

s3_answers() { [[ $(http_status "$PORT") != 000 ]]; }

write_conf() {
  cat >"$DIR/ceph.conf" <<EOF
[global]
fsid = $FSID
mon host = [v2:127.0.0.1:$MON_V2_PORT,v1:127.0.0.1:$MON_V1_PORT]
mon initial members = a
public network = 127.0.0.0/8
auth cluster required = cephx
auth service required = cephx
auth client required = cephx
osd pool default size = 1
osd pool default min size = 1
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
mon allow pool size one = true
mon max pg per osd = 1000
mon warn on pool no redundancy = false
# Batches map updates every 1 s by default; each pool RGW creates waits on several of them.
paxos propose interval = 0.05
osd crush chooseleaf type = 0
osd objectstore = memstore
memstore device bytes = 2147483648
run dir = $DIR/run
log file = $DIR/log/\$name.log
admin socket = $DIR/run/\$name.asok
mon data = $DIR/mon/\$name
osd data = $DIR/osd/\$name
keyring = $DIR/keyring

[client.rgw.a]
rgw frontends = beast endpoint=127.0.0.1:$PORT
rgw dns name = localhost
EOF
}

s3_curl() {
  curl -sf --max-time 20 --aws-sigv4 "aws:amz:us-east-1:s3" --user "$ACCESS_KEY:$SECRET_KEY" \
    -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" "$@"
}

# RGW creates its bucket index, data and multipart pools on first use, which costs the
# first test ~4 s; pay it here so callers with short timeouts do not flake.
warm_up() {
  command -v curl >/dev/null || return 0
  local base="http://127.0.0.1:$PORT/am-warmup" upload
  s3_curl -X PUT "$base" >/dev/null
  s3_curl -X PUT --data-binary warm "$base/object" >/dev/null
  upload=$(s3_curl -X POST "$base/multipart?uploads=" | sed -n 's:.*<UploadId>\(.*\)</UploadId>.*:\1:p')
  [[ -z $upload ]] || s3_curl -X DELETE "$base/multipart?uploadId=$upload" >/dev/null
  s3_curl -X DELETE "$base/object" >/dev/null
  s3_curl -X DELETE "$base" >/dev/null
  step "warm-up"
}

start_cluster() {
  mkdir -p "$DIR"
  DIR=$(cd "$DIR" && pwd)

  if all_running "$DIR" && s3_answers; then
    log "already running: S3 at http://127.0.0.1:$PORT (dir $DIR)"
    return 0
  fi
  # Half-up from an earlier crash: memstore state is gone anyway, so rebuild from scratch.
  stop_cluster "$DIR"
  ensure_packages

  local p
  for p in "$PORT" "$MON_V2_PORT" "$MON_V1_PORT"; do
    if port_in_use "$p"; then
      die "port 127.0.0.1:$p is already in use (another Ceph or service?). Stop it, or choose another S3 port / CEPH_MON_V2_PORT / CEPH_MON_V1_PORT."
    fi
  done

  rm -rf "$DIR/mon" "$DIR/osd" "$DIR/run" "$DIR/log" "$DIR/keyring" "$DIR/monmap" "$DIR/ceph.conf"
  mkdir -p "$DIR"/{mon,osd,run,log}
  FSID=$(cat /proc/sys/kernel/random/uuid)
  write_conf
  step "config"

  ceph-authtool --create-keyring "$DIR/keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool "$DIR/keyring" --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
  monmaptool --create --addv a "[v2:127.0.0.1:$MON_V2_PORT,v1:127.0.0.1:$MON_V1_PORT]" \
    --fsid "$FSID" "$DIR/monmap" >/dev/null
  ceph-mon -c "$DIR/ceph.conf" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/keyring" \
    >>"$DIR/log/mkfs.log" 2>&1
  step "mon mkfs"

  spawn mon.a ceph-mon -c "$DIR/ceph.conf" -i a -f
  wait_for "the monitor" 30 ceph_cli -s
  step "mon up"

  local uuid id
  uuid=$(cat /proc/sys/kernel/random/uuid)
  id=$(ceph_cli osd new "$uuid")
  mkdir -p "$DIR/osd/osd.$id"
  ceph_cli auth get-or-create "osd.$id" mon 'allow profile osd' osd 'allow *' \
    mgr 'allow profile osd' >>"$DIR/keyring"
  ceph-osd -c "$DIR/ceph.conf" -i "$id" --mkfs --osd-uuid "$uuid" >>"$DIR/log/mkfs.log" 2>&1
  step "osd mkfs"

  spawn "osd.$id" ceph-osd -c "$DIR/ceph.conf" -i "$id" -f
  wait_for "the OSD to come up" 40 osd_up
  step "osd up"

  ceph_cli auth get-or-create client.rgw.a mon 'allow rw' osd 'allow rwx' mgr 'allow rw' \
    >>"$DIR/keyring"
  spawn rgw.a radosgw -c "$DIR/ceph.conf" -n client.rgw.a -f
  wait_for "the gateway on 127.0.0.1:$PORT" 60 s3_answers
  step "rgw up"

  # No bucket limit: every test runtime makes a bucket of its own (and drops it when it closes).
  radosgw-admin -c "$DIR/ceph.conf" user create --uid=am-test --display-name=am-test --max-buckets=0 \
    --access-key="$ACCESS_KEY" --secret-key="$SECRET_KEY" >>"$DIR/log/user.log" 2>&1
  # A signed request proves the keys work end to end, not just that the port is open.
  # curl 7.88 leaves x-amz-content-sha256 out of its signature and RGW insists on it,
  # hence the explicit header in s3_curl.
  if command -v curl >/dev/null; then
    wait_for "signed S3 requests to succeed" 20 s3_curl "http://127.0.0.1:$PORT/"
  fi
  step "s3 user ready"
  warm_up

  log "S3 ready at http://127.0.0.1:$PORT (key $ACCESS_KEY) in $(since "$T0")s; dir $DIR"
}

cmd=${1:-}
DIR=${2:-}
[[ -n $cmd && -n $DIR ]] || usage
case $cmd in
  start)
    PORT=${3:-}
    [[ $PORT =~ ^[0-9]+$ ]] || usage
    # A failed bring-up must not leave half a cluster holding the ports.
    trap 'rc=$?; if ((rc != 0)); then log "bring-up failed; stopping what started"; stop_cluster "$DIR"; fi' EXIT
    start_cluster
    ;;
  stop)
    [[ -d $DIR ]] || exit 0
    DIR=$(cd "$DIR" && pwd)
    stop_cluster "$DIR"
    ;;
  status)
    [[ -f $DIR/ceph.conf ]] || exit 1
    PORT=$(sed -n 's/^rgw frontends = beast endpoint=127.0.0.1:\([0-9]*\)$/\1/p' "$DIR/ceph.conf")
    DIR=$(cd "$DIR" && pwd)
    all_running "$DIR" && s3_answers
    ;;
  *) usage ;;
esac
