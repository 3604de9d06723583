#!/bin/bash
# test_sanitizers.sh - the cli-asan suite catches what the sanitizers find:
# a program that leaks, overflows, uses freed memory or hits undefined
# behaviour, run through the wrapper of tests/wrap.sh inside the sandbox's
# mount namespace, exits MH_FINDING_EXIT and leaves its report in the log,
# not on its stderr (which tests often discard).
. "$(dirname "$0")/lib.sh"
. "$MH_TOP/tests/wrap.sh"

[ "$MH_CHECKER" = asan ] ||
    mh_skip_script "tests the checker of tests/run cli-asan, and runs there"

PROBE=$MH_TOP/build/asan/tests/sanitizer-probe

setUp() {
    mh_sandbox_new
    # Logs of its own: these findings are expected, not the suite's.
    mkdir "$SANDBOX/logs"
    { echo '#!/bin/sh'; mh_wrap_asan "$PROBE" "$SANDBOX/logs/probe"; } >"$SANDBOX/probe"
    chmod 0755 "$SANDBOX/probe"
}

tearDown() {
    mh_sandbox_remove
}

# probe MISTAKE: run the probe as the hook runs, stderr in $SANDBOX/err.
probe() {
    mh_in_sandbox "$SANDBOX/probe" "$1" 2>"$SANDBOX/err"
}

# assert_caught MISTAKE REPORT: the probe making MISTAKE exits
# MH_FINDING_EXIT and its log holds REPORT.
assert_caught() {
    local status
    probe "$1"
    status=$?
    assertEquals "exit of $1: $(cat "$SANDBOX/err")" "$MH_FINDING_EXIT" "$status"
    assertContains "report of $1" "$(cat "$SANDBOX"/logs/probe.* 2>/dev/null)" "$2"
    assertEquals "nothing on stderr for $1" "" "$(cat "$SANDBOX/err")"
    assertEquals "cli-asan counts it" "$(ls "$SANDBOX"/logs/probe.*)" \
        "$(mh_wrap_findings asan "$SANDBOX")"
}

test_a_clean_run_exits_0_without_a_report() {
    local status
    probe none
    status=$?
    assertEquals "$(cat "$SANDBOX/err")" 0 "$status"
    assertEquals "no report" "" "$(mh_wrap_findings asan "$SANDBOX")"
}

test_a_leak_is_caught_in_the_mount_namespace() {
    assert_caught leak "ERROR: LeakSanitizer: detected memory leaks"
}

test_a_leak_is_caught_while_other_threads_run() {
    assert_caught thread-leak "ERROR: LeakSanitizer: detected memory leaks"
}

test_a_heap_overflow_is_caught() {
    assert_caught overflow "ERROR: AddressSanitizer: heap-buffer-overflow"
}

test_a_use_after_free_is_caught() {
    assert_caught use-after-free "ERROR: AddressSanitizer: heap-use-after-free"
}

test_undefined_behaviour_is_caught() {
    assert_caught ub "runtime error: signed integer overflow"
}

. "$MH_TOP/tests/shunit.sh"
