#!/bin/bash
# bench/lease.sh - time lease acquire+release on the dir backend and on an
# etcd on loopback, as ratios to the no-op hook call. Not a test: it prints.
#
#   bench/lease.sh [ROUNDS]        (make bench runs it; needs root: unshare)
set -eu
cd "$(dirname "$0")/.."
. tests/cli/lib.sh
rounds=${1:-200}

work=$(mktemp -d /tmp/mh-bench.XXXXXX)
chmod 0755 "$work"
etcd_pid=
cleanup() {
    # etcd ends by our SIGTERM: its status is not the benchmark's.
    if [ -n "$etcd_pid" ]; then
        kill "$etcd_pid" && wait "$etcd_pid" 2>/dev/null || true
    fi
    mh_sandbox_remove
    rm -rf "$work"
}
trap cleanup EXIT

port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

mh_domain_xml vm1 >"$work/domain.xml"
mh_sandbox_new
# The lease directory on the file system an installation keeps it on
# (/var/lib: fsync costs are part of what is measured), outside the
# directories the sandbox mounts over.
leases=$(mktemp -d /var/lib/mh-bench-leases.XXXXXX)
chmod 0755 "$leases"
trap 'rm -rf "$leases"; cleanup' EXIT

# and on tmpfs, where fsync is free: what the lease logic itself costs.
shm=$(mktemp -d /dev/shm/mh-bench-leases.XXXXXX)
chmod 0755 "$shm"
trap 'rm -rf "$leases" "$shm"; cleanup' EXIT
for dir in "$leases" "$shm"; do
    mh_config "{\"host_id\": \"bench\", \"syslog\": false, \"journal\": {\"enabled\": false},
                \"lease\": {\"enabled\": true, \"dir\": \"$dir/leases\"}}"
    printf 'lease directory on %s (%s)\n' "$(stat -f -c %T "$dir")" "$dir"
    mh_in_sandbox build/bench/lease build/migrate-hooks "$work/domain.xml" "$rounds"
    echo
done

client=$(port)
peer=$(port)
etcd --name bench --data-dir "$work/etcd" --log-level warn \
    --listen-client-urls "http://127.0.0.1:$client" \
    --advertise-client-urls "http://127.0.0.1:$client" \
    --listen-peer-urls "http://127.0.0.1:$peer" \
    --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "bench=http://127.0.0.1:$peer" >"$work/etcd.log" 2>&1 &
etcd_pid=$!
for _ in $(seq 100); do
    curl -s -m 1 -X POST -d '{"key":"eA=="}' "http://127.0.0.1:$client/v3/kv/range" \
        >/dev/null && break
    sleep 0.1
done
mh_config "{\"host_id\": \"bench\", \"syslog\": false, \"journal\": {\"enabled\": false},
            \"lease\": {\"enabled\": true, \"backend\": \"etcd\",
                       \"etcd\": {\"endpoints\": [\"http://127.0.0.1:$client\"]}}}"
printf 'etcd %s on loopback, data on %s\n' "$(etcd --version | head -1 | cut -d' ' -f3)" \
    "$(stat -f -c %T "$work")"
mh_in_sandbox build/bench/lease build/migrate-hooks "$work/domain.xml" "$rounds"
