# tests/shunit.sh - source this at the end of a shunit2 test script instead
# of shunit2 itself: it reports "mh-test-result: tests=N failed=M" for
# tests/run (shunit2 itself only counts failed assertions) and then runs
# shunit2. A script's own oneTimeTearDown still runs, first.

if declare -F oneTimeTearDown >/dev/null; then
    eval "mh_script_one_time_tear_down() $(declare -f oneTimeTearDown | tail -n +2)"
else
    mh_script_one_time_tear_down() { :; }
fi

oneTimeTearDown() {
    mh_script_one_time_tear_down
    # shunit2 2.1.x keeps its counters in these variables.
    echo "mh-test-result: tests=${__shunit_testsTotal:-0} failed=${__shunit_testsFailed:-0}"
}

# shellcheck disable=SC1091
. shunit2
