#!/bin/bash
# test_mh_agent.sh - mh-agent on two simulated hosts sharing a dir lease
# store: --once resolves a guest a broken migration left paused on the
# source (resumed when the destination has no copy, destroyed when it runs
# the guest), its cookies carry port data and the lease through a plain
# virsh migrate, and the daemon re-stamps, survives a libvirtd restart and
# stops on SIGTERM.
#
# The broken confirm is made for real: during a throttled mh-migrate the
# destination's libvirtd is frozen (SIGSTOP), so the source, once the memory
# is transferred, pauses the guest and waits for the destination's Finish;
# then the source's libvirtd is killed. Restarted, libvirt finds the
# migration past its perform phase without knowing its result and leaves
# the guest "paused (migrating)" with no job: what the agent must resolve.
. "$(dirname "${BASH_SOURCE[0]}")/mh.sh"
e2e_trap

GUEST=ag1
OUT=$E2E_ROOT/mh-agent.out

oneTimeSetUp() {
    local host
    mh_e2e_up A B || return 1
    mkdir -p "$E2E_ROOT/leases" "$E2E_ROOT/mig"
    for host in A B; do
        mh_e2e_config "$host" "{\"lease\": {\"enabled\": true, \"dir\": \"$E2E_ROOT/leases\"},
 \"agent\": {\"peer_uri\": \"qemu+unix:///system?socket=$E2E_ROOT/{host}/run/libvirt/libvirt-sock\"}}"
    done
    e2e_guest_define A "$GUEST"
}

oneTimeTearDown() {
    e2e_teardown_all
}

# in_host HOST COMMAND...: COMMAND inside HOST's namespaces, bounded.
in_host() {
    local host=$1
    shift
    timeout -k 10 "$E2E_MIGRATE_TIMEOUT" nsenter -t "$(cat "$E2E_ROOT/$host/pid/holder")" \
        -m -n -u -- "$@"
}

agent_once() {
    in_host "$1" "$MH_BUILD/mh-agent" --once </dev/null >"$OUT" 2>&1
}

lease_owner() {
    sed -n 's/^ *"owner": "\{0,1\}\([^",]*\)"\{0,1\},$/\1/p' "$E2E_ROOT"/leases/*.json
}

_memory_moving() {
    e2e_virsh "$1" domjobinfo "$GUEST" | grep -Eq 'Memory processed: +[1-9]'
}

_paused() {
    case $(e2e_virsh "$1" domstate --reason "$GUEST") in paused*) return 0 ;; esac
    return 1
}

restart_libvirtd() {
    _e2e_spawn "$1" libvirtd libvirtd --pid-file=/run/libvirt/libvirtd.pid
    _e2e_wait "$E2E_TIMEOUT" e2e_virsh "$1" version
}

# broken_migration SRC DST KEEP_DESTINATION: an mh-migrate from SRC whose
# confirm never happens (see the file header). KEEP_DESTINATION no: the
# destination's QEMU is killed too, so only the paused source is left.
broken_migration() {
    local src=$1 dst=$2 keep=$3 migrate status
    in_host "$src" "$MH_BUILD/mh-migrate" --p2p --bandwidth 1 \
        --migrate-uri "unix://$E2E_ROOT/mig/$GUEST.sock" "$GUEST" "$(e2e_uri "$dst")" \
        </dev/null >"$E2E_ROOT/migrate.out" 2>&1 &
    migrate=$!
    _e2e_wait 60 _memory_moving "$src" || fail "the memory transfer did not start"
    kill -STOP "$(cat "$E2E_ROOT/$dst/pid/libvirtd")"
    _e2e_wait 60 _paused "$src" || fail "the source did not pause for the switch-over"
    sleep 1
    kill -KILL "$(cat "$E2E_ROOT/$src/pid/libvirtd")"
    [ "$keep" = yes ] || kill -KILL "$(cat "$(e2e_path "$dst" "/run/libvirt/qemu/$GUEST.pid")")"
    kill -CONT "$(cat "$E2E_ROOT/$dst/pid/libvirtd")"
    restart_libvirtd "$src" || fail "libvirtd of $src did not restart"
    wait "$migrate"
    status=$?
    assertEquals "mh-migrate sees an outcome for an operator: $(cat "$E2E_ROOT/migrate.out")" \
        4 "$status"
    assertEquals "left paused on the source" "paused (migrating)" \
        "$(e2e_virsh "$src" domstate --reason "$GUEST")"
    assertContains "no job drives it" "$(e2e_virsh "$src" domjobinfo "$GUEST")" None
}

test_once_resumes_a_paused_source_when_the_destination_has_no_copy() {
    local status
    broken_migration A B no
    assertNotEquals "B has no running copy" running "$(mh_e2e_state B "$GUEST")"
    agent_once A
    status=$?
    assertEquals "mh-agent --once: $(cat "$OUT")" 0 "$status"
    assertContains "$(cat "$OUT")" "$GUEST: resume: its lease is still this host's"
    assertEquals "running again on A" running "$(mh_e2e_state A "$GUEST")"
    assertEquals "the lease stays A's" A "$(lease_owner)"
    assertContains "A journaled it" "$(mh_e2e_journal A --guest "$GUEST" --json)" \
        '"operation":"mh-agent","sub_operation":"resume"'
}

test_once_destroys_the_paused_source_when_the_destination_runs_it() {
    local status
    broken_migration A B yes
    _e2e_wait 30 test "$(mh_e2e_state B "$GUEST")" = running
    assertEquals "B finished the migration" running "$(mh_e2e_state B "$GUEST")"
    agent_once A
    status=$?
    assertEquals "mh-agent --once: $(cat "$OUT")" 0 "$status"
    assertContains "$(cat "$OUT")" "$GUEST: destroy: B, which confirmed its reservation"
    assertNotEquals "the stale copy on A is gone" running "$(mh_e2e_state A "$GUEST")"
    assertNotContains "$(mh_e2e_state A "$GUEST")" paused
    assertEquals running "$(mh_e2e_state B "$GUEST")"
    assertEquals "A's stop hook handed the lease to B" B "$(lease_owner)"
}

test_plain_virsh_migrate_after_once_carries_port_data_and_the_lease() {
    local tap status
    tap=$(e2e_virsh B domiflist "$GUEST" | awk '$1 ~ /^vnet/ { print $1 }')
    e2e_ovs_vsctl B set Interface "$tap" external_ids:ctl-vlan=42
    agent_once B
    status=$?
    assertEquals "mh-agent --once on B: $(cat "$OUT")" 0 "$status"
    assertContains "$(cat "$OUT")" "$GUEST: stamped, migration id"
    e2e_migrate B A "$GUEST"
    assertEquals "plain virsh migrate B to A" 0 $?
    tap=$(e2e_virsh A domiflist "$GUEST" | awk '$1 ~ /^vnet/ { print $1 }')
    assertEquals "ctl-vlan reached A's port" '"42"' \
        "$(e2e_ovs_vsctl A get Interface "$tap" external_ids:ctl-vlan 2>&1)"
    assertEquals "the lease went to A" A "$(lease_owner)"
}

stamps() {
    grep -c "$GUEST: stamped" "$E2E_ROOT/A/log/agent.out"
}

test_daemon_restamps_on_port_changes_reconnects_and_stops_on_SIGTERM() {
    local agent before tap
    _e2e_spawn A agent "$MH_BUILD/mh-agent" --verbose
    agent=$(cat "$E2E_ROOT/A/pid/agent")
    _e2e_wait 30 grep -q "$GUEST: stamped" "$E2E_ROOT/A/log/agent.out"
    assertTrue "first pass stamped: $(cat "$E2E_ROOT/A/log/agent.out")" \
        "grep -q '$GUEST: stamped' '$E2E_ROOT/A/log/agent.out'"
    # A controller changes the port: the cookie carries it at once, not at
    # the next interval (60 s).
    before=$(stamps)
    tap=$(e2e_virsh A domiflist "$GUEST" | awk '$1 ~ /^vnet/ { print $1 }')
    e2e_ovs_vsctl A set Interface "$tap" external_ids:ctl-vlan=77
    _e2e_wait 20 test "$(stamps)" -gt "$before"
    assertContains "re-stamped on the OVSDB change" \
        "$(e2e_virsh A metadata "$GUEST" urn:migrate-hooks:cookie:1)" '"ctl-vlan":"77"'
    before=$(stamps)
    _e2e_stop A "$(cat "$E2E_ROOT/A/pid/libvirtd")"
    restart_libvirtd A
    # Reconnected (within RECONNECT_S) and passed again.
    _e2e_wait 30 test "$(stamps)" -gt "$before"
    assertTrue "stamped after libvirtd restarted: $(cat "$E2E_ROOT/A/log/agent.out")" \
        "[ $(stamps) -gt $before ]"
    kill -TERM "$agent"
    _e2e_wait 10 _e2e_gone A "$agent"
    assertTrue "stopped on SIGTERM" "_e2e_gone A $agent"
}

. "$MH_TOP/tests/shunit.sh"
