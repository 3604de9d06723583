# tests/shunit.sh - source this at the end of a shunit2 test script instead
# of shunit2 itself: it reports "mh-test-result: tests=N failed=M skipped=K"
# for tests/run (shunit2 itself only counts failed assertions) and then runs
# shunit2. A script's own tearDown and oneTimeTearDown still run, first.
# A test is skipped when it called startSkipping (mh_skip_under_checker).

MH_TESTS_SKIPPED=0

if [ -n "${MH_SCRIPT_SKIPPED:-}" ]; then
    echo "mh-test-skipped: every test: $MH_SCRIPT_SKIPPED"
    MH_TESTS_SKIPPED=$(declare -F | awk '$3 ~ /^test/' | wc -l)
    echo "mh-test-result: tests=$MH_TESTS_SKIPPED failed=0 skipped=$MH_TESTS_SKIPPED"
    exit 0
fi

if declare -F tearDown >/dev/null; then
    eval "mh_script_tear_down() $(declare -f tearDown | tail -n +2)"
else
    mh_script_tear_down() { :; }
fi

tearDown() {
    if isSkipping; then
        MH_TESTS_SKIPPED=$((MH_TESTS_SKIPPED + 1))
    fi
    mh_script_tear_down
}

if declare -F oneTimeTearDown >/dev/null; then
    eval "mh_script_one_time_tear_down() $(declare -f oneTimeTearDown | tail -n +2)"
else
    mh_script_one_time_tear_down() { :; }
fi

oneTimeTearDown() {
    mh_script_one_time_tear_down
    # shunit2 2.1.x keeps its counters in these variables.
    echo "mh-test-result: tests=${__shunit_testsTotal:-0} failed=${__shunit_testsFailed:-0} skipped=$MH_TESTS_SKIPPED"
}

# shellcheck disable=SC1091
. shunit2
