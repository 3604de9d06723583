#!/bin/bash
# test_mh_stamp.sh - mh-stamp against libvirt's test driver, and its
# cookies read by the hook and by mh-stamp --show.
. "$(dirname "$0")/lib.sh"

MH_STAMP=$MH_BUILD/mh-stamp
KEY=0123456789abcdef0123456789abcdef

setUp() {
    mh_sandbox_new
    printf '%s\n' "$KEY" >"$SANDBOX/cluster.key"
    chmod 0600 "$SANDBOX/cluster.key"
    printf '{"host_id": "hv-src", "cookie": {"key_file": "%s/cluster.key"}}\n' "$SANDBOX" \
        >"$SANDBOX/source.json"
    chmod 0644 "$SANDBOX/source.json"
}

tearDown() {
    mh_sandbox_remove
}

stamp() {
    "$MH_STAMP" --config-file "$SANDBOX/source.json" "$@" >"$SANDBOX/out" 2>"$SANDBOX/err"
}

# node_with METADATA: a test driver node whose guest "small" carries METADATA.
node_with() {
    METADATA="$1" awk '{ sub(/@METADATA@/, ENVIRON["METADATA"]); print }' \
        "$MH_DATA/check/source-node.xml" >"$SANDBOX/node.xml"
    echo "test://$SANDBOX/node.xml"
}

test_stamps_named_guests_and_all() {
    stamp -c test:///default test
    status=$?
    assertEquals "exit: $(cat "$SANDBOX/err")" 0 "$status"
    assertTrue "$(cat "$SANDBOX/out")" \
        "grep -Eq '^test: stamped, migration id [0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-' '$SANDBOX/out'"
    stamp -c "$(node_with '')" --all
    assertEquals 0 $?
    assertEquals "3 guests" 3 "$(grep -c ': stamped, migration id' "$SANDBOX/out")"
}

test_unknown_guest_exits_1_and_others_are_still_stamped() {
    stamp -c test:///default nosuch test
    assertEquals 1 $?
    assertContains "$(cat "$SANDBOX/err")" "mh-stamp: no guest nosuch"
    assertContains "$(cat "$SANDBOX/out")" "test: stamped"
}

test_unreadable_key_refuses_to_stamp() {
    chmod 0644 "$SANDBOX/cluster.key"
    stamp -c test:///default test
    assertEquals 1 $?
    assertContains "$(cat "$SANDBOX/err")" "cookie.key_file: $SANDBOX/cluster.key: mode 0644 lets group or others read the key"
}

# The cookie mh-stamp makes is one the hook accepts with the same key, and
# refuses with another.
test_dry_run_cookie_is_accepted_by_the_hook() {
    local element
    stamp -c test:///default --dry-run test
    assertEquals 0 $?
    element=$(cat "$SANDBOX/out")
    assertContains "$element" '<mh:cookie xmlns:mh="urn:migrate-hooks:cookie:1" version="1" hmac="'
    cp "$SANDBOX/cluster.key" "$SANDBOX/etc/cluster.key"
    # The test driver is no QEMU: compare everything else.
    mh_config "{\"cookie\": {\"key_file\": \"$MH_CONF_DIR/cluster.key\", \"policy\": \"refuse\"},
                \"checks\": {\"severity\": {\"hypervisor\": \"off\"}}}"
    mh_domain_xml_with vm1 "$element" | mh_hook vm1 migrate begin -
    status=$?
    assertEquals "accepted: $(cat "$SANDBOX/err")" 0 "$status"
    assertContains "$(tail -n 1 "$SANDBOX/state/journal.jsonl")" '"source_host":"hv-src","authenticated":true'

    printf 'another-key-another-key-another-key\n' >"$SANDBOX/etc/cluster.key"
    mh_domain_xml_with vm1 "$element" | mh_hook vm1 migrate begin -
    assertEquals "other key" 1 $?
    assertContains "$(cat "$SANDBOX/err")" "cookie: the cookie's HMAC does not match"
}

test_show_decodes_and_checks_a_guests_cookie() {
    local uri json
    json='{"migration_id":"mig-7","stamped":"2026-11-23T10:00:00.000Z","source":{"host_id":"hv-a"},"lease":{"token":"t"}}'
    uri=$(node_with "$(mh_cookie_element "$json" "$SANDBOX/cluster.key")")
    stamp -c "$uri" --show small
    status=$?
    assertEquals "exit: $(cat "$SANDBOX/err")" 0 "$status"
    assertContains "$(cat "$SANDBOX/out")" "migration id: mig-7"
    assertContains "$(cat "$SANDBOX/out")" "source host:  hv-a"
    assertContains "$(cat "$SANDBOX/out")" "signature:    valid HMAC"
    stamp -c "$uri" --show --json small
    assertEquals 0 $?
    assertEquals "mig-7 True t" "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["migration_id"], d["authenticated"], d["cookie"]["lease"]["token"])' "$SANDBOX/out")"

    # Altered after signing: refused, with the reason.
    uri=$(node_with "$(mh_cookie_element "$json" "$SANDBOX/cluster.key" | sed 's/mig-7/mig-8/')")
    stamp -c "$uri" --show small
    assertEquals "altered" 1 $?
    assertContains "$(cat "$SANDBOX/err")" "mh-stamp: small: invalid cookie: the cookie's HMAC does not match"

    uri=$(node_with "")
    stamp -c "$uri" --show small
    assertEquals "none" 1 $?
    assertContains "$(cat "$SANDBOX/err")" "small: no cookie (stamp it with mh-stamp small)"
}

test_usage_errors_exit_64() {
    local args
    for args in "" "--all test" "--json test" "--show" "--show a b" "--show --all a" "--bogus"; do
        # shellcheck disable=SC2086
        "$MH_STAMP" $args 2>/dev/null
        assertEquals "mh-stamp $args" 64 $?
    done
    "$MH_STAMP" --help | grep -q "Exit status: 0 every guest stamped"
    assertEquals 0 $?
}

. "$MH_TOP/tests/shunit.sh"
