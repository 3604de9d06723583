#!/bin/bash
# tests/e2e/test_harness.sh — proves the e2e harness: hosts A and B, a guest
# migrated A→B→A, hook calls in the order SPEC section 1 gives.

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_HOOKS=$HERE/data/record-hook
. "$HERE/lib.sh"
e2e_trap

GUEST=g1

# Usage: records HOST — hook calls recorded on HOST since the last
# records_reset, one "OPERATION SUB-OPERATION EXTRA" a line.
records() {
    cut -f 2-4 "$(e2e_path "$1" /var/lib/migrate-hooks/record.log)" | tr '\t' ' '
}

# Usage: record_field HOST OPERATION FIELD — FIELD (bytes, dev, ovsdb) of
# the last OPERATION call recorded on HOST.
record_field() {
    awk -F '\t' -v op="$2" -v field="$3=" '
        $2 == op { for (i = 5; i <= NF; i++) if (index($i, field) == 1) value = substr($i, length(field) + 1) }
        END { print value }' "$(e2e_path "$1" /var/lib/migrate-hooks/record.log)"
}

records_reset() {
    : >"$(e2e_path A /var/lib/migrate-hooks/record.log)"
    : >"$(e2e_path B /var/lib/migrate-hooks/record.log)"
}

# Usage: assert_incoming HOST — HOST saw an incoming migration of $GUEST.
assert_incoming() {
    local host=$1 dev
    assertEquals "hook calls on destination $host" \
        "migrate begin -
prepare begin -
start begin -
started begin -" "$(records "$host")"
    assertNotEquals "XML on stdin at migrate begin" 0 "$(record_field "$host" migrate bytes)"
    dev=$(record_field "$host" started dev)
    assertEquals "tap at started begin is the live one" \
        "$(e2e_virsh "$host" domiflist "$GUEST" | awk '{ print $1 }')" "$dev"
    assertEquals "tap $dev was an OVSDB Interface row at started begin" \
        yes "$(record_field "$host" started ovsdb)"
    assertEquals running "$(e2e_virsh "$host" domstate "$GUEST")"
}

# Usage: assert_outgoing HOST — HOST gave $GUEST away.
assert_outgoing() {
    local host=$1
    assertEquals "hook calls on source $host" \
        "stopped end -
release end -" "$(records "$host")"
    assertNotEquals "$GUEST still running on $host" running \
        "$(e2e_virsh "$host" domstate "$GUEST" 2>/dev/null)"
}

# Usage: assert_not_tainted HOST — only the taint user=root brings.
assert_not_tainted() {
    local log
    log=$(e2e_path "$1" "/var/log/libvirt/qemu/$GUEST.log")
    assertTrue "QEMU log $log exists" "[ -s '$log' ]"
    assertEquals "taints in $log" "" \
        "$(grep -i taint "$log" | grep -v 'is tainted: high-privileges$')"
}

oneTimeSetUp() {
    e2e_host_up A && e2e_host_up B
}

oneTimeTearDown() {
    e2e_teardown_all
}

test_uri_works_from_other_host() {
    assertTrue "B's URI from inside A" \
        "e2e_in A virsh -c '$(e2e_uri B)' hostname </dev/null | grep -qx B"
    assertTrue "A's URI from inside B" \
        "e2e_in B virsh -c '$(e2e_uri A)' hostname </dev/null | grep -qx A"
}

test_guest_starts_on_a() {
    e2e_guest_define A "$GUEST"
    assertTrue "define and start $GUEST on A" $?
    assertEquals "hook calls on a normal start" \
        "prepare begin -
start begin -
started begin -" "$(records A)"
    assertEquals running "$(e2e_virsh A domstate "$GUEST")"
}

test_migrate_a_to_b() {
    records_reset
    e2e_migrate A B "$GUEST"
    assertTrue "migrate A to B" $?
    assert_incoming B
    assert_outgoing A
    assert_not_tainted B
}

test_migrate_b_to_a() {
    records_reset
    e2e_migrate B A "$GUEST"
    assertTrue "migrate B to A" $?
    assert_incoming A
    assert_outgoing B
    assert_not_tainted A
}

. "$HERE/../shunit.sh"
