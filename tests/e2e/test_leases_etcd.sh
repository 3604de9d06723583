#!/bin/bash
# test_leases_etcd.sh - ownership leases with the etcd backend on real
# migrations (issues 7 and 9): a real etcd, started here inside host A's
# namespaces and reached by B over a veth pair, stopped by its pid. The
# lease is handed over with the guest, eight guests' at once both ways; a
# hung etcd, and a stopped one, refuse the migration in time (fail closed)
# and leave the record as it was; with a first endpoint that drops packets, each call fails over to the
# second within timeout_ms; a dead owner's lease expires after ttl_s, so
# another host may start its guest without mh-lease break.
#
# Each host runs `mh-lease keepalive --interval 1` as docs/leases.md says (a
# service, or mh-agent): without it a host's ownerships expire ttl_s after
# its last hook call.
. "$(dirname "${BASH_SOURCE[0]}")/mh.sh"
e2e_trap

GUEST=lse2
TTL_S=10
VETH=mhe$$ # A's end; B's is ${VETH}b
# On the hosts' link, an address whose packets go nowhere (a static
# neighbour entry with a MAC nobody has): connecting to it neither succeeds
# nor is refused, as with a host that died or a firewall that drops.
BLACK_HOLE=10.77.0.9
TIMEOUT_MS=1000
DEADLINE_S=10 # deadline_ms of etc/migrate-hooks.json

# config HOST ENDPOINT...
config() {
    local host=$1
    shift
    mh_e2e_config "$host" "$(jq -nc --argjson ttl "$TTL_S" --argjson timeout "$TIMEOUT_MS" \
        '{lease: {enabled: true, backend: "etcd",
                  etcd: {endpoints: $ARGS.positional, ttl_s: $ttl, timeout_ms: $timeout}}}' \
        --args "$@")"
}

etcd_answers() {
    e2e_in A curl -s -m 1 -X POST -d '{"key":"eA=="}' http://127.0.0.1:2379/v3/kv/range
}

# etcd_start: A's etcd, on its data directory, until it answers.
etcd_start() {
    _e2e_spawn A etcd etcd --name e2e --data-dir "$E2E_ROOT/etcd" --log-level warn \
        --listen-client-urls http://127.0.0.1:2379,http://10.77.0.1:2379 \
        --advertise-client-urls http://10.77.0.1:2379 \
        --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
        --initial-cluster e2e=http://127.0.0.1:2380
    _e2e_wait "$E2E_TIMEOUT" etcd_answers || {
        _e2e_show_log "$E2E_ROOT/A/log/etcd.out"
        return 1
    }
}

etcd_stop() {
    _e2e_stop A "$(cat "$E2E_ROOT/A/pid/etcd" 2>/dev/null)"
}

oneTimeSetUp() {
    local host
    mh_e2e_up A B || return 1
    # A link between the two hosts: A is 10.77.0.1, B 10.77.0.2.
    ip link add "$VETH" type veth peer name "${VETH}b" &&
        ip link set "$VETH" netns "$(cat "$E2E_ROOT/A/pid/holder")" &&
        ip link set "${VETH}b" netns "$(cat "$E2E_ROOT/B/pid/holder")" &&
        e2e_in A ip addr add 10.77.0.1/24 dev "$VETH" && e2e_in A ip link set "$VETH" up &&
        e2e_in B ip addr add 10.77.0.2/24 dev "${VETH}b" && e2e_in B ip link set "${VETH}b" up ||
        return 1
    mkdir -p "$E2E_ROOT/etcd" && etcd_start || return 1
    config A http://127.0.0.1:2379 && config B http://10.77.0.1:2379 || return 1
    for host in A B; do
        _e2e_spawn "$host" keepalive "$MH_BUILD/mh-lease" keepalive --interval 1
    done
    e2e_guest_define A "$GUEST"
}

oneTimeTearDown() {
    local host
    for host in A B; do
        _e2e_stop "$host" "$(cat "$E2E_ROOT/$host/pid/keepalive" 2>/dev/null)"
    done
    kill -CONT "$(cat "$E2E_ROOT/A/pid/etcd" 2>/dev/null)" 2>/dev/null
    etcd_stop
    e2e_teardown_all
}

setUp() {
    mh_e2e_journal_reset A B
}

test_etcd_lease_is_handed_over_with_the_guest() {
    local output
    assertEquals "the start on A acquired it; B reads it from the same etcd" '"A"' \
        "$(mh_e2e_lease B "$GUEST" .owner)"
    mh_e2e_stamp A "$GUEST" >/dev/null
    e2e_migrate A B "$GUEST"
    assertEquals "migrate A to B" 0 $?
    assertEquals running "$(mh_e2e_state B "$GUEST")"
    assertEquals '{"owner":"B","pending":null}' "$(mh_e2e_lease A "$GUEST" '{owner, pending}')"
    output=$(e2e_virsh A start "$GUEST" 2>&1)
    assertNotEquals "start on A refused" 0 $?
    assertContains "$output" "guest $GUEST is owned by host B (since "
}

test_eight_concurrent_migrations_both_ways_with_etcd() {
    mh_e2e_eight_concurrent_migrations
}

test_hung_etcd_refuses_the_migration_in_time() {
    local output start elapsed etcd
    etcd=$(cat "$E2E_ROOT/A/pid/etcd")
    mh_e2e_stamp B "$GUEST" >/dev/null
    kill -STOP "$etcd"
    start=$SECONDS
    output=$(e2e_migrate B A "$GUEST" 2>&1)
    assertNotEquals "refused" 0 $?
    elapsed=$((SECONDS - start))
    kill -CONT "$etcd"
    assertContains "$output" "migrate begin failed, refusing (fail closed)"
    assertTrue "refused within the hook's deadline (${elapsed}s)" "[ $elapsed -lt 10 ]"
    assertEquals "guest keeps running on B" running "$(mh_e2e_state B "$GUEST")"
    assertNotEquals running "$(mh_e2e_state A "$GUEST")"
    _e2e_wait 10 etcd_answers
    assertEquals "B still owns it, nothing pending" '{"owner":"B","pending":null}' \
        "$(mh_e2e_lease B "$GUEST" '{owner, pending}')"
}

test_stopped_etcd_refuses_the_migration_and_changes_nothing() {
    local output start elapsed before
    mh_e2e_stamp B "$GUEST" >/dev/null
    before=$(mh_e2e_lease B "$GUEST")
    etcd_stop
    start=$SECONDS
    output=$(e2e_migrate B A "$GUEST" 2>&1)
    assertNotEquals "refused" 0 $?
    elapsed=$((SECONDS - start))
    assertContains "$output" "migrate begin failed, refusing (fail closed)"
    assertContains "$output" "no endpoint answered"
    assertTrue "refused within the hook's deadline (${elapsed}s)" "[ $elapsed -lt $DEADLINE_S ]"
    assertEquals "guest keeps running on B" running "$(mh_e2e_state B "$GUEST")"
    assertNotEquals running "$(mh_e2e_state A "$GUEST")"
    assertEquals "A's refusal is journaled" "migrate begin error" \
        "$(mh_e2e_journal A --json | jq -r '"\(.operation) \(.sub_operation) \(.outcome)"')"
    etcd_start
    assertEquals "the record is exactly as before" "$before" "$(mh_e2e_lease B "$GUEST")"
}

# neighbour_black_hole HOST DEVICE: BLACK_HOLE swallows HOST's packets.
neighbour_black_hole() {
    e2e_in "$1" ip neigh replace "$BLACK_HOLE" lladdr 02:00:00:00:00:09 dev "$2" nud permanent
}

# lease_calls HOST: "operation sub_operation outcome ms" of HOST's journal
# entries that worked on the lease.
lease_calls() {
    mh_e2e_journal "$1" --json | jq -r 'select(.details.lease) |
        "\(.operation) \(.sub_operation) \(.outcome) \(.ms | floor)"'
}

# assert_failed_over HOST: each of HOST's lease calls went well, spending
# about one timeout_ms on the black hole and nowhere near the deadline.
assert_failed_over() {
    local operation sub_operation outcome ms
    assertNotEquals "$1 worked on the lease" "" "$(lease_calls "$1")"
    while read -r operation sub_operation outcome ms; do
        assertEquals "$1 $operation $sub_operation" ok "$outcome"
        assertTrue "$1 $operation $sub_operation waited for the first endpoint (${ms} ms)" \
            "[ $ms -ge $((TIMEOUT_MS * 9 / 10)) ]"
        assertTrue "$1 $operation $sub_operation honoured timeout_ms (${ms} ms)" \
            "[ $ms -lt $((TIMEOUT_MS * 5)) ]"
    done < <(lease_calls "$1")
}

test_black_holed_first_endpoint_fails_over_to_the_second() {
    local host
    neighbour_black_hole A "$VETH" && neighbour_black_hole B "${VETH}b"
    config A "http://$BLACK_HOLE:2379" http://127.0.0.1:2379
    config B "http://$BLACK_HOLE:2379" http://10.77.0.1:2379
    # There and back: each host is once the source and once the destination.
    mh_e2e_stamp B "$GUEST" >/dev/null
    e2e_migrate B A "$GUEST"
    assertEquals "migrate B to A" 0 $?
    assertEquals '{"owner":"A","pending":null}' "$(mh_e2e_lease A "$GUEST" '{owner, pending}')"
    for host in A B; do
        assert_failed_over "$host"
    done
    mh_e2e_journal_reset A B
    mh_e2e_stamp A "$GUEST" >/dev/null
    e2e_migrate A B "$GUEST"
    assertEquals "migrate A to B" 0 $?
    assertEquals running "$(mh_e2e_state B "$GUEST")"
    assertEquals '{"owner":"B","pending":null}' "$(mh_e2e_lease B "$GUEST" '{owner, pending}')"
    for host in A B; do
        assert_failed_over "$host"
    done
    config A http://127.0.0.1:2379
    config B http://10.77.0.1:2379
}

test_dead_owner_expires_after_the_ttl() {
    local output pid
    # B dies: its keepalive, its libvirtd (no hook sees the guest go), QEMU.
    pid=$(cat "$(e2e_path B "/run/libvirt/qemu/$GUEST.pid")")
    _e2e_stop B "$(cat "$E2E_ROOT/B/pid/keepalive")"
    e2e_libvirtd_kill B
    kill -KILL "$pid"
    output=$(e2e_virsh A start "$GUEST" 2>&1)
    assertNotEquals "refused while B's etcd lease lives" 0 $?
    assertContains "$output" "owned by host B"
    # Within ttl_s (plus etcd's own slack) B's ownership is gone.
    _e2e_wait $((TTL_S * 3)) e2e_virsh A start "$GUEST"
    assertEquals "A started it without mh-lease break" running "$(mh_e2e_state A "$GUEST")"
    assertEquals '"A"' "$(mh_e2e_lease A "$GUEST" .owner)"
}

. "$MH_TOP/tests/shunit.sh"
