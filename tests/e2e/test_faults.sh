#!/bin/bash
# test_faults.sh - fault injection on real migrations (issue 9): OVSDB hanging
# on the destination, an external check that hangs or leaves a child holding
# its stdout, a full disk under the lease store and B's journal, the
# destination's libvirtd killed mid-migration. In each, the hook ends within
# its deadline (10 s here), nothing of ours is left running, the guest keeps
# running on the source and its lease stays there.
. "$(dirname "${BASH_SOURCE[0]}")/mh.sh"
e2e_trap

GUEST=flt1
LEASES=$E2E_ROOT/leases
B_STATE=$E2E_ROOT/B/lib/migrate-hooks # B's /var/lib/migrate-hooks
DEADLINE_S=10 # deadline_ms of etc/migrate-hooks.json

oneTimeSetUp() {
    local host
    # Small file systems that can be filled: the shared lease directory and
    # B's state directory (its journal). Mounted before the hosts' mount
    # namespaces are made, so both hosts see the same lease tmpfs.
    mkdir -m 0755 -p "$LEASES" "$B_STATE" &&
        mount -t tmpfs -o size=512k,mode=0755 mh-e2e-leases "$LEASES" &&
        mount -t tmpfs -o size=512k,mode=0755 mh-e2e-b-state "$B_STATE" || return 1
    mh_e2e_up A B || return 1
    for host in A B; do
        mkdir -m 0755 -p "$(e2e_path "$host" /etc/migrate-hooks/checks.d)" || return 1
    done
    config A && config B && e2e_guest_define A "$GUEST"
}

oneTimeTearDown() {
    # Our mounts first: e2e_teardown_all never removes a mounted directory.
    umount "$LEASES" "$B_STATE" 2>/dev/null
    e2e_teardown_all
}

setUp() {
    mh_e2e_journal_reset A B
}

tearDown() {
    [ -d "$E2E_ROOT/A" ] || return 0 # shunit2 calls tearDown again on exit
    kill -CONT "$(e2e_ovsdb_pid B)" 2>/dev/null
    rm -f "$LEASES/filler" "$B_STATE/filler"
    rm -f "$(e2e_path B /etc/migrate-hooks/checks.d)"/*
    config B
}

# config HOST [JSON]: leases on, in the shared directory, plus JSON's keys.
config() {
    mh_e2e_config_leases "$1" "$LEASES" 10000 "${2:-}"
}

external_check() {
    local file
    file=$(e2e_path B "/etc/migrate-hooks/checks.d/$1")
    printf '#!/bin/sh\n%s\n' "$2" >"$file" && chmod 0755 "$file"
}

# timed_migrate OUTPUT_VAR: migrate A to B (with the cookie A's guest has);
# seconds taken in ELAPSED, exit status returned, output in the variable named.
timed_migrate() {
    local start=$SECONDS out status
    out=$(e2e_migrate A B "$GUEST" 2>&1)
    status=$?
    ELAPSED=$((SECONDS - start))
    printf -v "$1" '%s' "$out"
    return "$status"
}

# sleepers HOST: processes running `sleep 600` in HOST's namespaces.
sleepers() {
    local pid
    for pid in $(_e2e_leftovers "$1"); do
        [ "$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" != "sleep 600 " ] || echo "$pid"
    done
}

assert_on_a_owned_by_a() {
    assertEquals "guest keeps running on A" running "$(mh_e2e_state A "$GUEST")"
    assertNotEquals running "$(mh_e2e_state B "$GUEST")"
    assertEquals "A owns the lease, nothing pending" '{"owner":"A","pending":null}' \
        "$(mh_e2e_run A mh-lease show --json "$GUEST" | jq -c '{owner, pending}')"
}

test_hanging_ovsdb_on_the_destination_refuses_within_the_deadline() {
    local output tap
    tap=$(e2e_virsh A domiflist "$GUEST" | awk 'NR == 1 { print $1 }')
    e2e_ovs_vsctl A set Interface "$tap" external_ids:ctl-vlan=42
    mh_e2e_stamp_ports A "$GUEST"
    # Stopped, its socket still accepts connections: nothing answers.
    kill -STOP "$(e2e_ovsdb_pid B)"
    timed_migrate output
    assertNotEquals "refused" 0 $?
    assertContains "$output" "migrate begin refused"
    assertContains "$output" "has ovs port data that could not be applied here (ports.policy is refuse)"
    assertTrue "hook ended within its deadline (${ELAPSED}s)" "[ $ELAPSED -lt $DEADLINE_S ]"
    assert_on_a_owned_by_a
}

test_hanging_external_check_is_killed_in_time() {
    local output
    config B '{"checks": {"external_timeout_ms": 1000}}'
    external_check 50-hang 'sleep 600'
    timed_migrate output
    assertNotEquals "refused" 0 $?
    assertContains "$output" "50-hang: did not answer within 1000 ms; killed"
    assertTrue "hook ended within its deadline (${ELAPSED}s)" "[ $ELAPSED -lt $DEADLINE_S ]"
    assertEquals "nothing of the check left running on B" "" "$(sleepers B)"
    assert_on_a_owned_by_a
}

test_check_leaving_a_child_on_its_stdout_does_not_block_the_migration() {
    local output hook_ms
    config B '{"checks": {"external_timeout_ms": 1000}}'
    # Exits at once, but its child holds stdout open for 10 minutes.
    external_check 50-fork 'cat >/dev/null; echo "zoned here"; sleep 600 & exit 0'
    timed_migrate output
    assertEquals "the migration goes through: $output" 0 $?
    assertEquals running "$(mh_e2e_state B "$GUEST")"
    hook_ms=$(mh_e2e_journal B --json | jq -r 'select(.operation == "migrate") | .ms')
    assertTrue "migrate begin took ${hook_ms} ms, within its deadline" \
        "[ ${hook_ms%.*} -lt $((DEADLINE_S * 1000)) ]"
    assertEquals "the child was killed with the check's process group" "" "$(sleepers B)"
    # Back to A for the next test.
    rm -f "$(e2e_path B /etc/migrate-hooks/checks.d)"/*
    mh_e2e_stamp B "$GUEST" >/dev/null && e2e_migrate B A "$GUEST"
    assertEquals "migrate back" 0 $?
}

# fill DIR: no room left on DIR's file system.
fill() {
    dd if=/dev/zero of="$1/filler" bs=4k 2>/dev/null
    [ "$(df --output=avail "$1" | tail -n 1)" -eq 0 ]
}

test_full_disk_under_the_leases_and_the_journal_keeps_the_old_records() {
    local output before
    mh_e2e_stamp A "$GUEST" >/dev/null
    before=$(cat "$LEASES"/*.json)
    # B's journal ends 100 bytes short of a page: the next line fits only in
    # part, as when a disk fills at any point.
    printf '{"pad":"%s"}\n' "$(head -c 3985 /dev/zero | tr '\0' x)" >"$B_STATE/journal.jsonl"
    assertTrue "lease store full" "fill '$LEASES'"
    assertTrue "B's state directory full" "fill '$B_STATE'"
    output=$(e2e_migrate A B "$GUEST" 2>&1)
    assertNotEquals "refused: B cannot write its reservation" 0 $?
    assertContains "$output" "migrate begin failed, refusing (fail closed)"
    assertEquals "the lease record is exactly as before" "$before" "$(cat "$LEASES"/*.json)"
    # (UUID.next is the spare the backend writes each change into, not a
    # temporary: it holds the record before the current one.)
    assertEquals "no stray temporary file" "filler" \
        "$(ls -A "$LEASES" | grep -v -e '\.json$' -e '\.lock$' -e '\.next$')"
    assert_on_a_owned_by_a
    # Room again: the next migration goes through and is journaled whole.
    rm -f "$LEASES/filler" "$B_STATE/filler"
    mh_e2e_stamp A "$GUEST" >/dev/null
    e2e_migrate A B "$GUEST"
    assertEquals "migrate A to B once there is room" 0 $?
    # (mh-journal says it skipped one line: the torn one.)
    assertContains "B's journal has the migration" \
        "$(mh_e2e_journal B --json 2>/dev/null | grep '"operation":"migrate"')" '"outcome":"ok"'
    assertEquals "the journal's first line is intact" 3996 "$(head -n 1 "$B_STATE/journal.jsonl" | wc -c)"
    # Back to A for the next test.
    mh_e2e_stamp B "$GUEST" >/dev/null && e2e_migrate B A "$GUEST"
}

test_destination_libvirtd_killed_mid_migration() {
    local job=$E2E_ROOT/slow-migration pid_file pid
    pid_file=$(e2e_path B "/run/libvirt/qemu/$GUEST.pid")
    mh_e2e_stamp A "$GUEST" >/dev/null
    # 1 MiB/s: the copy lasts seconds, B's libvirtd dies in it.
    (e2e_migrate A B "$GUEST" --bandwidth 1 >"$job.out" 2>&1; echo $? >"$job.rc") &
    _e2e_wait 30 jq -e '.pending.confirmed == true' "$LEASES"/*.json
    _e2e_wait 30 test -s "$pid_file"
    pid=$(cat "$pid_file")
    e2e_libvirtd_kill B
    _e2e_wait 60 test -e "$job.rc"
    assertNotEquals "the migration failed" 0 "$(cat "$job.rc")"
    assertEquals "guest keeps running on A" running "$(mh_e2e_state A "$GUEST")"
    assertEquals "A still owns it; B's confirmed reservation stays until B cleans up" \
        '{"owner":"A","pending":{"host":"B","confirmed":true}}' \
        "$(mh_e2e_run A mh-lease show --json "$GUEST" | jq -c '{owner, pending: (.pending | {host, confirmed})}')"
    # B's libvirtd comes back, finds the half-migrated QEMU, stops it.
    e2e_libvirtd_start B
    _e2e_wait 30 _e2e_gone B "$pid"
    assertTrue "B's incoming QEMU was stopped" "_e2e_gone B '$pid'"
    _e2e_wait 20 jq -e '.pending == null' "$LEASES"/*.json
    assert_on_a_owned_by_a
    assertContains "B dropped its reservation" "$(mh_e2e_journal B --json)" '"operation":"drop-pending"'
}

. "$MH_TOP/tests/shunit.sh"
