#!/bin/bash
# test_leases.sh - ownership leases on real migrations (issue 7), dir
# backend in a directory both simulated hosts share (as NFS would be): the
# lease is handed over with the guest; a second start elsewhere is refused
# with the documented message; a migration that dies on the destination
# leaves the source the owner and no pending reservation; after a host dies,
# mh-lease break lets another host start the guest.
#
# Every migration is stamped first (mh-stamp): the destination reserves the
# lease only for the source host its cookie names (docs/leases.md).
. "$(dirname "${BASH_SOURCE[0]}")/mh.sh"
e2e_trap

GUEST=lse1
LEASES=$E2E_ROOT/leases

oneTimeSetUp() {
    mh_e2e_up A B || return 1
    mkdir -m 0755 "$LEASES" || return 1
    mh_e2e_config A "{\"lease\": {\"enabled\": true, \"dir\": \"$LEASES\"}}" &&
        mh_e2e_config B "{\"lease\": {\"enabled\": true, \"dir\": \"$LEASES\"}}" &&
        e2e_guest_define A "$GUEST"
}

oneTimeTearDown() {
    e2e_teardown_all
}

setUp() {
    mh_e2e_journal_reset A B
}

# migrate SRC DST [virsh migrate options]: stamp on SRC, then migrate.
migrate() {
    mh_e2e_stamp "$1" "$GUEST" >/dev/null && e2e_migrate "$1" "$2" "$GUEST" "${@:3}"
}

test_start_acquires_and_migration_hands_the_lease_over() {
    assertEquals "the start on A acquired the lease" '"A"' "$(mh_e2e_lease B "$GUEST" .owner)"
    migrate A B
    assertEquals "migrate A to B" 0 $?
    assertEquals running "$(mh_e2e_state B "$GUEST")"
    assertEquals "owner B, nothing pending" '{"owner":"B","pending":null}' \
        "$(mh_e2e_lease A "$GUEST" '{owner, pending}')"
    assertContains "A journaled the hand-over" "$(mh_e2e_journal A --guest "$GUEST" --json)" \
        '"lease":{"backend":"dir","operation":"hand-over","transition":"handed-over","owner":"B"'
}

test_start_on_the_other_host_is_refused() {
    local output since
    since=$(mh_e2e_lease A "$GUEST" -r .since)
    output=$(e2e_virsh A start "$GUEST" 2>&1)
    assertNotEquals "start on A refused while B owns it" 0 $?
    assertContains "$output" "guest $GUEST is owned by host B (since $since); use mh-lease break after fencing B"
    assertNotEquals running "$(mh_e2e_state A "$GUEST")"
    assertEquals "still running on B" running "$(mh_e2e_state B "$GUEST")"
    assertEquals '"B"' "$(mh_e2e_lease A "$GUEST" .owner)"
}

test_migrating_back_hands_it_to_the_source_again() {
    migrate B A
    assertEquals "migrate B to A" 0 $?
    assertEquals running "$(mh_e2e_state A "$GUEST")"
    assertEquals '{"owner":"A","pending":null}' "$(mh_e2e_lease B "$GUEST" '{owner, pending}')"
}

test_migration_that_dies_on_the_destination_leaves_the_source_owner() {
    local pid_file pid job status
    pid_file=$(e2e_path B "/run/libvirt/qemu/$GUEST.pid")
    job=$E2E_ROOT/slow-migration
    # 1 MiB/s: the copy of 64 MiB lasts long enough to kill B's QEMU in it.
    (migrate A B --bandwidth 1 >"$job.out" 2>&1; echo $? >"$job.rc") &
    _e2e_wait 30 jq -e '.pending.confirmed == true' "$LEASES"/*.json
    assertEquals "B confirmed its reservation" '{"host":"B","confirmed":true}' \
        "$(mh_e2e_lease A "$GUEST" '.pending | {host, confirmed}')"
    _e2e_wait 30 test -s "$pid_file"
    pid=$(cat "$pid_file" 2>/dev/null)
    assertTrue "B's QEMU runs (pid '$pid')" "_e2e_ours B '$pid'"
    kill -KILL "$pid"
    _e2e_wait 60 test -e "$job.rc"
    status=$(cat "$job.rc")
    assertNotEquals "the migration failed" 0 "$status"
    assertEquals "guest still runs on A" running "$(mh_e2e_state A "$GUEST")"
    assertNotEquals running "$(mh_e2e_state B "$GUEST")"
    # B's libvirt runs stopped end / release end for the dead QEMU.
    _e2e_wait 20 jq -e '.pending == null' "$LEASES"/*.json
    assertEquals "A still owns it, nothing pending" '{"owner":"A","pending":null}' \
        "$(mh_e2e_lease A "$GUEST" '{owner, pending}')"
    assertContains "B dropped its reservation" "$(mh_e2e_journal B --guest "$GUEST" --json)" \
        '"operation":"drop-pending"'
    # And the guest can still move.
    migrate A B
    assertEquals "a later migration works" 0 $?
    assertEquals '"B"' "$(mh_e2e_lease A "$GUEST" .owner)"
}

test_eight_concurrent_migrations_both_ways_end_with_the_right_owners() {
    mh_e2e_eight_concurrent_migrations
}

test_after_its_host_dies_mh_lease_break_frees_the_guest() {
    local output pid
    # B dies: libvirtd first, so no hook of B sees its QEMU go.
    pid=$(cat "$(e2e_path B "/run/libvirt/qemu/$GUEST.pid")")
    e2e_libvirtd_kill B
    kill -KILL "$pid"
    output=$(e2e_virsh A start "$GUEST" 2>&1)
    assertNotEquals "A may not start it while B owns it" 0 $?
    assertContains "$output" "owned by host B"
    # The operator fences B (done: it is dead), then breaks the lease.
    output=$(mh_e2e_run A mh-lease break "$GUEST" 2>&1)
    assertEquals "break without --yes and without a terminal" 3 $?
    output=$(mh_e2e_run A mh-lease break --yes "$GUEST" 2>&1)
    assertEquals "break --yes" 0 $?
    assertContains "$output" "broke the lease of guest $GUEST (owner was B, pending reservation none)"
    assertContains "the break is journaled" "$(mh_e2e_journal A --json)" '"sub_operation":"break"'
    e2e_virsh A start "$GUEST" >/dev/null
    assertEquals "start on A after the break" 0 $?
    assertEquals running "$(mh_e2e_state A "$GUEST")"
    assertEquals '"A"' "$(mh_e2e_lease A "$GUEST" .owner)"
}

. "$MH_TOP/tests/shunit.sh"
