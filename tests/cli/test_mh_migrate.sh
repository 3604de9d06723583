#!/bin/bash
# test_mh_migrate.sh - mh-migrate's command line against libvirt's test
# driver: usage errors (64), refusal by checks (1), the warning policy
# without a terminal, --dry-run and --json, and the confirm's verdict when
# the migration call fails (the test driver cannot migrate). Real
# migrations are in tests/e2e/test_mh_migrate.sh.
. "$(dirname "$0")/lib.sh"

MH_MIGRATE=$MH_BUILD/mh-migrate

setUp() {
    mh_sandbox_new
    mh_test_driver_source
    write_config '"continue"'
}

tearDown() {
    mh_sandbox_remove
}

# write_config WARNING_POLICY: $SANDBOX/conf.json with our checks.d and
# journal, and the machine-dependent checks off.
write_config() {
    cat >"$SANDBOX/conf.json" <<EOF
{"journal": {"path": "$SANDBOX/journal.jsonl"},
 "checks": {"memory_reserve_mib": 0, "external_dir": "$SANDBOX/checks.d", "warning_policy": $1,
            "severity": {"hypervisor": "off", "cpu-flags": "off", "memory": "off"}}}
EOF
    chmod 0644 "$SANDBOX/conf.json"
}

# external_check EXIT: a checks.d entry answering EXIT (1 fail, 2 warn).
external_check() {
    printf '#!/bin/sh\necho "cli check says %s"\nexit %s\n' "$1" "$1" >"$SANDBOX/checks.d/50-cli"
    chmod 0755 "$SANDBOX/checks.d/50-cli"
}

migrate() {
    "$MH_MIGRATE" --config-file "$SANDBOX/conf.json" "$@" </dev/null >"$SANDBOX/out" \
        2>"$SANDBOX/err"
}

test_help_and_version_exit_0() {
    local status
    "$MH_MIGRATE" --help >"$SANDBOX/out"
    status=$?
    assertEquals 0 "$status"
    assertContains "$(cat "$SANDBOX/out")" "usage: mh-migrate [options] DOMAIN DEST_URI"
    assertContains "$(cat "$SANDBOX/out")" "4 the outcome needs an operator"
    "$MH_MIGRATE" --version >"$SANDBOX/out"
    status=$?
    assertEquals 0 "$status"
    assertContains "$(cat "$SANDBOX/out")" "mh-migrate (migrate-hooks) "
}

# Positive: a valid command line gets past parsing (exit is not 64).
# Negative: every malformed one exits 64 with the reason named.
test_usage_errors_exit_64() {
    local status args expected
    while IFS='|' read -r args expected; do
        # shellcheck disable=SC2086
        migrate $args
        status=$?
        assertEquals "mh-migrate $args" 64 "$status"
        assertContains "mh-migrate $args" "$(cat "$SANDBOX/err")" "$expected"
    done <<'EOF'
|expected DOMAIN DEST_URI
small|expected DOMAIN DEST_URI
small test:///default extra|expected DOMAIN DEST_URI
--timeout 0 small test:///default|--timeout: '0' is not a number from 1
--timeout 1x small test:///default|--timeout: '1x' is not a number
--bandwidth -1 small test:///default|--bandwidth: '-1' is not a number
--postcopy-after 5 small test:///default|--postcopy-after needs --postcopy
--live --offline small test:///default|--live and --offline exclude each other
--offline --timeout 5 small test:///default|--offline does not go with
--dname= small test:///default|--dname: empty name
--no-such-option small test:///default|invalid option
EOF
    migrate -c "$SOURCE" --dry-run --postcopy --postcopy-after 5 --timeout 9 --bandwidth 10 small \
        test:///default
    status=$?
    assertEquals "a valid command line: $(cat "$SANDBOX/err")" 0 "$status"
}

test_dry_run_passes_checks_and_prints_the_cookie() {
    local status
    migrate -c "$SOURCE" --dry-run small test:///default
    status=$?
    assertEquals "$(cat "$SANDBOX/err")" 0 "$status"
    assertContains "$(cat "$SANDBOX/out")" "0 failed, 0 warned"
    assertContains "$(cat "$SANDBOX/out")" '<mh:cookie xmlns:mh="urn:migrate-hooks:cookie:1"'
    assertContains "journaled" "$(cat "$SANDBOX/journal.jsonl")" \
        '"operation":"mh-migrate","sub_operation":"checks","outcome":"ok"'
}

test_failing_check_exits_1_names_it_and_journals_the_refusal() {
    local status
    external_check 1
    migrate -c "$SOURCE" --yes small test:///default
    status=$?
    assertEquals 1 "$status"
    assertContains "$(cat "$SANDBOX/err")" "refused by the checks:"
    assertContains "$(cat "$SANDBOX/err")" "50-cli: cli check says 1"
    assertContains "$(cat "$SANDBOX/journal.jsonl")" '"sub_operation":"checks","outcome":"refused"'
    assertNotContains "nothing was stamped or migrated" "$(cat "$SANDBOX/journal.jsonl")" \
        '"sub_operation":"stamp"'
}

test_warning_without_terminal_follows_the_policy_and_yes_continues() {
    local status
    external_check 2
    write_config '"abort"'
    migrate -c "$SOURCE" --dry-run small test:///default
    status=$?
    assertEquals "warning_policy abort refuses" 1 "$status"
    assertContains "$(cat "$SANDBOX/err")" "warning_policy is abort"
    migrate -c "$SOURCE" --dry-run --yes small test:///default
    status=$?
    assertEquals "--yes continues" 0 "$status"
    write_config '"continue"'
    migrate -c "$SOURCE" --dry-run small test:///default
    status=$?
    assertEquals "warning_policy continue goes on" 0 "$status"
}

test_json_prints_one_object_per_line() {
    local status
    migrate -c "$SOURCE" --dry-run --json small test:///default
    status=$?
    assertEquals 0 "$status"
    assertEquals "two lines: checks, dry-run" 2 "$(wc -l <"$SANDBOX/out")"
    assertTrue "every line is JSON" "jq -e . '$SANDBOX/out' >/dev/null"
    assertEquals '"checks"' "$(head -n 1 "$SANDBOX/out" | jq .event)"
    assertEquals '"dry-run"' "$(tail -n 1 "$SANDBOX/out" | jq .event)"
}

test_unknown_guest_or_destination_exits_1() {
    local status
    migrate -c "$SOURCE" nosuch test:///default
    status=$?
    assertEquals 1 "$status"
    assertContains "$(cat "$SANDBOX/err")" "no guest nosuch on the source"
    migrate -c "$SOURCE" --dry-run small "test:///nowhere/node.xml"
    status=$?
    assertEquals "unreachable destination" 1 "$status"
    assertContains "$(cat "$SANDBOX/err")" "cannot run the checks"
}

# The cookie carries the lease token from this host's store (and nothing
# when the guest has no record).
test_cookie_carries_the_lease_token() {
    local status uuid=6695eb01-f6a4-8304-79aa-97f2502e193f
    mkdir -p "$SANDBOX/leases"
    chmod 0755 "$SANDBOX/leases"
    printf '{"host_id": "hv-src", "journal": {"enabled": false}, "lease": {"enabled": true, "dir": "%s/leases"}, "checks": {"severity": {"memory": "off", "hypervisor": "off", "cpu-flags": "off"}}}\n' \
        "$SANDBOX" >"$SANDBOX/conf.json"
    migrate -c test:///default --dry-run --json test test:///default
    status=$?
    assertEquals "no record: $(cat "$SANDBOX/err")" 0 "$status"
    assertEquals "a cookie" '"hv-src"' "$(cookie_section source.host_id)"
    assertEquals "no lease section" null "$(cookie_section lease)"
    printf '{"version": 1, "uuid": "%s", "name": "test", "generation": 3, "owner": "hv-src", "since": "2026-11-23T10:00:00.000Z", "pending": null, "updated": "2026-11-23T10:00:00.000Z", "updated_by": "hv-src", "change": "acquire"}\n' \
        "$uuid" >"$SANDBOX/leases/$uuid.json"
    migrate -c test:///default --dry-run --json test test:///default
    status=$?
    assertEquals "$(cat "$SANDBOX/err")" 0 "$status"
    assertEquals '{"owner":"hv-src","generation":3}' "$(cookie_section lease)"
}

# cookie_section KEY: KEY of the cookie in a --dry-run --json output.
cookie_section() {
    tail -n 1 "$SANDBOX/out" | jq -r .cookie | sed 's/^<[^>]*>//; s/<[^>]*>$//' | jq -c ".$1"
}

# The test driver refuses to migrate, and its source and "destination" are
# one and the same: both copies seem to run, which only an operator can
# sort out (exit 4, with what to do).
test_failed_call_with_both_copies_running_exits_4() {
    local status
    migrate -c test:///default test test:///default
    status=$?
    assertEquals "$(cat "$SANDBOX/err")" 4 "$status"
    assertContains "$(cat "$SANDBOX/err")" "not supported by the connection driver"
    assertContains "$(cat "$SANDBOX/err")" "test runs on both hosts"
    assertContains "$(cat "$SANDBOX/journal.jsonl")" '"sub_operation":"confirm","outcome":"error"'
    assertContains "$(cat "$SANDBOX/journal.jsonl")" '"sub_operation":"stamp","outcome":"ok"'
}

. "$MH_TOP/tests/shunit.sh"
