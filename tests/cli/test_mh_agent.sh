#!/bin/bash
# test_mh_agent.sh - mh-agent's command line against libvirt's test driver:
# usage errors (64), --once passes (stamps, --no-stamp, --json), a broken
# configuration (1), and the daemon stopping on SIGTERM. Reconciling paused
# guests is in tests/e2e/test_mh_agent.sh (the test driver cannot leave a
# guest paused by a migration) and tests/unit/test_reconcile.c.
. "$(dirname "$0")/lib.sh"

MH_AGENT=$MH_BUILD/mh-agent

setUp() {
    mh_sandbox_new
    printf '{"journal": {"path": "%s/journal.jsonl"}, "agent": {"interval_s": 5}}\n' "$SANDBOX" \
        >"$SANDBOX/conf.json"
    chmod 0644 "$SANDBOX/conf.json"
}

tearDown() {
    mh_sandbox_remove
}

agent() {
    "$MH_AGENT" --config-file "$SANDBOX/conf.json" "$@" </dev/null >"$SANDBOX/out" \
        2>"$SANDBOX/err"
}

test_help_and_version_exit_0() {
    local status
    "$MH_AGENT" --help >"$SANDBOX/out"
    status=$?
    assertEquals 0 "$status"
    assertContains "$(cat "$SANDBOX/out")" "usage: mh-agent [-c URI] [--once] [options]"
    assertContains "$(cat "$SANDBOX/out")" "2 --once left a guest for an operator"
    "$MH_AGENT" --version >"$SANDBOX/out"
    status=$?
    assertEquals 0 "$status"
}

test_usage_errors_exit_64() {
    local status args expected
    while IFS='|' read -r args expected; do
        # shellcheck disable=SC2086
        agent $args
        status=$?
        assertEquals "mh-agent $args" 64 "$status"
        assertContains "mh-agent $args" "$(cat "$SANDBOX/err")" "$expected"
    done <<'EOF2'
--once extra|unexpected argument 'extra'
--interval 4|--interval: '4' is not a number from 5 to 86400
--interval ten|--interval: 'ten' is not a number
--once --interval 10|--interval does not go with --once
--bogus|invalid option
EOF2
}

test_once_stamps_every_running_guest() {
    local status
    agent -c test:///default --once
    status=$?
    assertEquals "$(cat "$SANDBOX/err")" 0 "$status"
    assertTrue "$(cat "$SANDBOX/out")" \
        "grep -Eq '^test: stamped, migration id [0-9a-f-]{36}$' '$SANDBOX/out'"
}

test_once_no_stamp_does_nothing_and_json_is_one_object_per_line() {
    local status
    agent -c test:///default --once --no-stamp
    status=$?
    assertEquals 0 "$status"
    assertEquals "" "$(cat "$SANDBOX/out")"
    agent -c test:///default --once --json
    status=$?
    assertEquals 0 "$status"
    assertEquals '"stamped"' "$(jq .action "$SANDBOX/out")"
}

test_unreachable_libvirt_and_bad_config_exit_1() {
    local status
    agent -c "test:///nowhere/node.xml" --once
    status=$?
    assertEquals "unreachable libvirt" 1 "$status"
    assertContains "$(cat "$SANDBOX/err")" "cannot connect to test:///nowhere/node.xml"
    printf '{"agent": {"interval_s": 1}}\n' >"$SANDBOX/conf.json"
    agent -c test:///default --once
    status=$?
    assertEquals "invalid agent.interval_s" 1 "$status"
    assertContains "$(cat "$SANDBOX/err")" "conf.json:1:12: must be between 5 and 86400"
}

test_daemon_passes_at_start_and_stops_on_SIGTERM() {
    local pid status
    "$MH_AGENT" --config-file "$SANDBOX/conf.json" -c test:///default --verbose \
        </dev/null >"$SANDBOX/out" 2>"$SANDBOX/err" &
    pid=$!
    for _ in $(seq 50); do
        grep -q "test: stamped" "$SANDBOX/out" && break
        sleep 0.1
    done
    assertContains "first pass: $(cat "$SANDBOX/err")" "$(cat "$SANDBOX/out")" "test: stamped"
    kill -TERM "$pid"
    wait "$pid"
    status=$?
    assertEquals "exit after SIGTERM: $(cat "$SANDBOX/err")" 0 "$status"
}

. "$MH_TOP/tests/shunit.sh"
