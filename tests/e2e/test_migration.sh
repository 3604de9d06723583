#!/bin/bash
# test_migration.sh - live migration between two simulated hosts with the
# migrate-hooks hook installed in both, default configuration.
. "$(dirname "${BASH_SOURCE[0]}")/mh.sh"
e2e_trap

GUEST=web1

oneTimeSetUp() {
    mh_e2e_up A B && e2e_guest_define A "$GUEST"
}

oneTimeTearDown() {
    e2e_teardown_all
}

test_migration_with_default_config_succeeds_untainted() {
    mh_e2e_journal_reset A B
    e2e_migrate A B "$GUEST"
    assertEquals "migrate A to B" 0 $?
    assertEquals running "$(mh_e2e_state B "$GUEST")"
    assertNotEquals running "$(mh_e2e_state A "$GUEST")"
    assertEquals "no hook-script taint: the hook printed nothing" "" \
        "$(mh_e2e_tainted B "$GUEST")"
    assertContains "B journaled migrate begin" \
        "$(mh_e2e_journal B --guest "$GUEST" --json)" '"sub_operation":"begin","extra":"-","outcome":"ok"'
    assertNotContains "the journal never holds the VNC password" \
        "$(cat "$(e2e_path B /var/lib/migrate-hooks/journal.jsonl)")" "e2epass8"
}

test_refusal_in_migrate_begin_keeps_the_source_running() {
    local output
    # A's configuration is broken: its hook fails closed.
    mh_e2e_config A '{"deadline_ms": "ten seconds"}'
    output=$(e2e_migrate B A "$GUEST" 2>&1)
    assertNotEquals "migration B to A must be refused" 0 $?
    assertContains "libvirt shows the hook's reason" "$output" "invalid configuration"
    assertContains "$output" "migrate-hooks.json:1:2: must be an integer"
    assertEquals "guest keeps running on the source" running "$(mh_e2e_state B "$GUEST")"
    assertNotEquals running "$(mh_e2e_state A "$GUEST")"
    assertContains "A journaled the refusal" "$(mh_e2e_journal A --outcome error)" "invalid configuration"
}

test_migration_back_after_the_config_is_fixed() {
    mh_e2e_config A "$(cat "$MH_TOP/etc/migrate-hooks.json")"
    e2e_migrate B A "$GUEST"
    assertEquals "migrate B to A" 0 $?
    assertEquals running "$(mh_e2e_state A "$GUEST")"
    assertNotEquals running "$(mh_e2e_state B "$GUEST")"
}

. "$MH_TOP/tests/shunit.sh"
