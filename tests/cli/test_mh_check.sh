#!/bin/bash
# test_mh_check.sh - mh-check DEST_URI DOMAIN against libvirt's test
# driver: table and JSON output, exit codes 0/2/1/64, external checks.
. "$(dirname "$0")/lib.sh"

MH_CHECK=$MH_BUILD/mh-check

setUp() {
    mh_sandbox_new
    mh_test_driver_source
    # test:///default has 3 MiB free: no reserve, so that 1 MiB guests fit.
    write_config '{}'
}

tearDown() {
    mh_sandbox_remove
}

# write_config CHECKS: $SANDBOX/conf.json with the checks section CHECKS
# plus our checks.d.
write_config() {
    printf '{"checks": %s}\n' "$(printf '%s' "$1" |
        sed "s|^{|{\"memory_reserve_mib\": 0, \"external_dir\": \"$SANDBOX/checks.d\", |; s|, }|}|")" \
        >"$SANDBOX/conf.json"
    chmod 0644 "$SANDBOX/conf.json"
}

check() {
    "$MH_CHECK" --config-file "$SANDBOX/conf.json" "$@" >"$SANDBOX/out" 2>"$SANDBOX/err"
}

result_of() {
    awk -v name="$1" '$1 == name { print $2 }' "$SANDBOX/out"
}

test_all_pass_exits_0_with_a_table() {
    check -c "$SOURCE" test:///default small
    status=$?
    assertEquals "exit: $(cat "$SANDBOX/err")" 0 "$status"
    assertEquals "header" "CHECK            RESULT REASON" "$(head -n 1 "$SANDBOX/out")"
    assertEquals "networks" pass "$(result_of networks)"
    assertEquals "libvirt" pass "$(result_of libvirt-version)"
    assertEquals "maintenance cannot be seen from here" skip "$(result_of maintenance)"
    assertContains "$(cat "$SANDBOX/out")" "small: 0 failed, 0 warned, 13 checks"
}

test_warnings_only_exit_2() {
    check -c "$SOURCE" test:///default with-disk
    assertEquals 2 $?
    assertEquals warn "$(result_of disks)"
    assertContains "$(cat "$SANDBOX/out")" "(not in a storage pool): vda (/nowhere/disk.img)"
}

test_any_failure_exits_1() {
    check -c "$SOURCE" test:///default passthrough
    assertEquals 1 $?
    assertEquals fail "$(result_of host-devices)"
    assertEquals fail "$(result_of networks)"
    assertContains "$(cat "$SANDBOX/out")" "passthrough device cannot migrate: pci bus 0x03 slot 0x00 function 0x0"
    assertContains "$(cat "$SANDBOX/out")" "network isolated is not defined"
    # Severity warn turns the failures into warnings.
    write_config '{"severity": {"host-devices": "warn", "networks": "off"}}'
    check -c "$SOURCE" test:///default passthrough
    assertEquals "downgraded" 2 $?
    assertEquals skip "$(result_of networks)"
}

test_json_output() {
    check --json -c "$SOURCE" test:///default passthrough
    assertEquals 1 $?
    assertEquals "fail passthrough test:///default 13" "$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(d["result"], d["guest"], d["destination"], len(d["checks"]))' "$SANDBOX/out")"
    assertContains "$(cat "$SANDBOX/out")" '{"check":"host-devices","result":"fail","reason":"passthrough device cannot migrate'
}

test_external_checks_run_here_with_the_same_document() {
    printf '#!/bin/sh\ncat > %s/doc.json\necho "rack B is full"\nexit 2\n' "$SANDBOX" \
        >"$SANDBOX/checks.d/10-capacity"
    chmod 0755 "$SANDBOX/checks.d/10-capacity"
    check -c "$SOURCE" test:///default small
    assertEquals 2 $?
    assertEquals warn "$(result_of 10-capacity)"
    assertContains "$(cat "$SANDBOX/out")" "rack B is full"
    assertContains "$(cat "$SANDBOX/doc.json")" '"context":"mh-check"'
    assertContains "$(cat "$SANDBOX/doc.json")" '"hypervisor":"TEST"'
}

test_memory_of_the_destination_counts() {
    check -c "$SOURCE" test:///default test 2>/dev/null
    # test:///default's own guest "test" is not on the source.
    assertEquals 1 $?
    assertContains "$(cat "$SANDBOX/err")" "mh-check: no guest test on the source"
    check -c test:///default test:///default test
    assertEquals 1 $?
    assertEquals fail "$(result_of memory)"
    assertContains "$(cat "$SANDBOX/out")" "guest needs 8192 MiB"
}

test_unreachable_destination_exits_1() {
    check -c "$SOURCE" test:///nonexistent/node.xml small
    assertEquals 1 $?
    assertContains "$(cat "$SANDBOX/err")" "mh-check: cannot connect to the destination test:///nonexistent/node.xml"
}

test_usage_errors_exit_64() {
    "$MH_CHECK" test:///default 2>"$SANDBOX/err"
    assertEquals 64 $?
    assertContains "$(cat "$SANDBOX/err")" "expected DEST_URI DOMAIN"
    "$MH_CHECK" --bogus 2>/dev/null
    assertEquals 64 $?
    "$MH_CHECK" --list extra 2>/dev/null
    assertEquals 64 $?
}

test_list_shows_severities_from_the_config() {
    write_config '{"severity": {"qemu-version": "off"}}'
    "$MH_CHECK" --config-file "$SANDBOX/conf.json" --list >"$SANDBOX/out"
    assertEquals 0 $?
    assertEquals "off" "$(awk '$1 == "qemu-version" { print $2 }' "$SANDBOX/out")"
    assertEquals "fail" "$(awk '$1 == "memory" { print $2 }' "$SANDBOX/out")"
}

test_config_validation_still_works() {
    "$MH_CHECK" --config "$SANDBOX/conf.json" >"$SANDBOX/out"
    assertEquals 0 $?
    printf '{"checks": {"severity": {"nope": "off"}}}\n' >"$SANDBOX/bad.json"
    "$MH_CHECK" --config "$SANDBOX/bad.json" 2>"$SANDBOX/err"
    assertEquals 1 $?
    assertContains "$(cat "$SANDBOX/err")" "bad.json:1:26: unknown check \"nope\""
}

test_help_names_the_exit_codes() {
    "$MH_CHECK" --help >"$SANDBOX/out"
    assertEquals 0 $?
    assertContains "$(cat "$SANDBOX/out")" "Exit status: 0 every check passed"
    assertContains "$(cat "$SANDBOX/out")" "2 warnings but no failure"
}

. "$MH_TOP/tests/shunit.sh"
