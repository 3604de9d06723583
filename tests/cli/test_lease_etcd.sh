#!/bin/bash
# test_lease_etcd.sh - the hook and mh-lease with the etcd lease backend,
# against a real etcd started here on loopback and stopped by its pid.
. "$(dirname "$0")/lib.sh"

UUID=4dea22b3-1d52-d8f3-2516-782e98ab3fa0

# free_port: a TCP port nothing listens on (good enough for a test).
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

oneTimeSetUp() {
    local client peer i
    ETCD_DIR=$(mktemp -d /tmp/mh-etcd.XXXXXX)
    client=$(free_port)
    peer=$(free_port)
    ETCD_URL=http://127.0.0.1:$client
    etcd --name cli --data-dir "$ETCD_DIR/data" --log-level warn \
        --listen-client-urls "$ETCD_URL" --advertise-client-urls "$ETCD_URL" \
        --listen-peer-urls "http://127.0.0.1:$peer" \
        --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
        --initial-cluster "cli=http://127.0.0.1:$peer" >"$ETCD_DIR/log" 2>&1 &
    ETCD_PID=$!
    for i in $(seq 100); do
        curl -s -m 1 -X POST -d '{"key":"eA=="}' "$ETCD_URL/v3/kv/range" >/dev/null && return 0
        sleep 0.1
    done
    echo "etcd did not start; log:" >&2
    cat "$ETCD_DIR/log" >&2
    return 1
}

oneTimeTearDown() {
    [ -n "${ETCD_PID:-}" ] && kill "$ETCD_PID" && wait "$ETCD_PID" 2>/dev/null
    rm -rf "$ETCD_DIR"
}

COUNT=0
# host_config NAME [ENDPOINT]: leases on, etcd backend, a prefix per test.
host_config() {
    mh_config "{\"host_id\": \"$1\", \"syslog\": false, \"deadline_ms\": 3000,
                \"lease\": {\"enabled\": true, \"backend\": \"etcd\",
                           \"etcd\": {\"endpoints\": [\"${2:-$ETCD_URL}\"],
                                      \"prefix\": \"$PREFIX\", \"timeout_ms\": 1000}}}"
    cp "$SANDBOX/etc/migrate-hooks.json" "$SANDBOX/cli.json"
}

setUp() {
    COUNT=$((COUNT + 1))
    PREFIX=/cli$COUNT/
    mh_sandbox_new
    A=$SANDBOX
    host_config hostA
    mh_sandbox_new
    B=$SANDBOX
    host_config hostB
}

tearDown() {
    SANDBOX=$A mh_sandbox_remove
    SANDBOX=$B mh_sandbox_remove
}

on() {
    local host=$1
    shift
    if [ "$host" = A ]; then SANDBOX=$A; else SANDBOX=$B; fi
    mh_domain_xml vm1 | mh_hook vm1 "$@"
}

lease() {
    local host=$1
    shift
    if [ "$host" = A ]; then SANDBOX=$A; else SANDBOX=$B; fi
    "$MH_BUILD/mh-lease" --config "$SANDBOX/cli.json" "$@"
}

test_start_refuse_stop_with_etcd() {
    on A prepare begin -
    assertEquals "A starts" 0 $?
    assertEquals "" "$(cat "$A/out")"
    assertContains "$(lease B show vm1)" "owner:       hostA (since "
    on B prepare begin -
    assertEquals "B is refused" 1 $?
    assertContains "$(cat "$B/err")" "guest vm1 is owned by host hostA (since "
    assertContains "$(cat "$B/err")" "use mh-lease break after fencing hostA"
    on A stopped end -
    assertEquals 0 $?
    on A release end -
    assertEquals 0 $?
    on B prepare begin -
    assertEquals "B starts after A stopped" 0 $?
    assertContains "$(lease A list)" "hostB"
    assertContains "$(cat "$A/state/journal.jsonl")" '"backend":"etcd"'
}

test_keepalive_and_break_with_etcd() {
    on A prepare begin -
    assertContains "$(lease A keepalive)" "etcd lease of host hostA refreshed; 0 ownerships repaired"
    lease B break --yes "$UUID" >/dev/null
    assertEquals 0 $?
    on B prepare begin -
    assertEquals 0 $?
}

test_unreachable_etcd_fails_start_closed_and_never_a_stop() {
    local start took
    SANDBOX=$A
    host_config hostA http://127.0.0.1:9
    on A prepare begin -
    assertEquals "start fails closed" 1 $?
    assertContains "$(cat "$A/err")" "no endpoint answered"
    start=$(date +%s%N)
    on A stopped end -
    assertEquals "stop exits 0" 0 $?
    took=$((($(date +%s%N) - start) / 1000000))
    assertTrue "took $took ms" "[ $took -lt $((3000 * MH_SLOWDOWN)) ]"
    lease A list 2>/dev/null
    assertEquals "mh-lease reports it" 1 $?
}

. "$MH_TOP/tests/shunit.sh"
