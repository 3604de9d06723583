#!/bin/bash
# test_rewrite.sh - mh-rewrite's output and exit codes, and the dispatcher
# printing the rewritten XML (or nothing) on migrate begin and restore begin.
. "$(dirname "$0")/lib.sh"

REWRITE=$MH_BUILD/mh-rewrite
CASES=$MH_DATA/rewrite

setUp() {
    mh_sandbox_new
}

tearDown() {
    mh_sandbox_remove
}

# case_config NAME: a copy of a corpus case's config, trusted (root, 0644).
case_config() {
    cp "$CASES/$1/config.json" "$SANDBOX/$1.json"
    chmod 0644 "$SANDBOX/$1.json"
    echo "$SANDBOX/$1.json"
}

run_rewrite() {
    "$REWRITE" "$@" >"$SANDBOX/out" 2>"$SANDBOX/err"
}

test_prints_the_rewritten_xml_and_exits_0() {
    run_rewrite --config "$(case_config bridge-rename)" "$CASES/bridge-rename/input.xml"
    assertEquals "exit" 0 $?
    cmp -s "$SANDBOX/out" "$CASES/bridge-rename/expected.xml"
    assertTrue "stdout is expected.xml" $?
    assertEquals "stderr" "" "$(cat "$SANDBOX/err")"
}

test_reads_standard_input() {
    run_rewrite -c "$(case_config bridge-rename)" - <"$CASES/bridge-rename/input.xml"
    assertEquals "with -" 0 $?
    cmp -s "$SANDBOX/out" "$CASES/bridge-rename/expected.xml"
    assertTrue "stdout with -" $?
    run_rewrite -c "$(case_config bridge-rename)" <"$CASES/bridge-rename/input.xml"
    assertEquals "without FILE" 0 $?
    cmp -s "$SANDBOX/out" "$CASES/bridge-rename/expected.xml"
    assertTrue "stdout without FILE" $?
}

test_unchanged_prints_nothing_and_exits_3() {
    local mode
    for mode in "" --diff; do
        # shellcheck disable=SC2086
        run_rewrite $mode -c "$(case_config bridge-no-match)" "$CASES/bridge-no-match/input.xml"
        assertEquals "exit ($mode)" 3 $?
        assertEquals "stdout ($mode)" "" "$(cat "$SANDBOX/out")"
        assertEquals "stderr ($mode)" "" "$(cat "$SANDBOX/err")"
    done
}

test_diff_shows_only_the_changed_lines() {
    run_rewrite --diff -c "$(case_config bridge-linux-to-ovs)" "$CASES/bridge-linux-to-ovs/input.xml"
    assertEquals "exit" 0 $?
    assertEquals "header" "--- $CASES/bridge-linux-to-ovs/input.xml" "$(head -1 "$SANDBOX/out")"
    assertEquals "removed lines" 2 "$(grep -c '^-  ' "$SANDBOX/out")"
    assertEquals "added lines" 3 "$(grep -c '^+  ' "$SANDBOX/out")"
    assertContains "$(cat "$SANDBOX/out")" "+      <virtualport type='openvswitch'/>"
    # The diff applies: patch(1) turns the input into the expected output.
    cp "$CASES/bridge-linux-to-ovs/input.xml" "$SANDBOX/patched.xml"
    patch -s "$SANDBOX/patched.xml" <"$SANDBOX/out"
    assertTrue "patch applies" $?
    cmp -s "$SANDBOX/patched.xml" "$CASES/bridge-linux-to-ovs/expected.xml"
    assertTrue "patched = expected" $?
}

test_check_prints_a_summary() {
    run_rewrite --check -c "$(case_config network-to-bridge)" "$CASES/network-to-bridge/input.xml"
    assertEquals "exit" 0 $?
    assertEquals "$CASES/network-to-bridge/input.xml: changed: 9 edits (networks 2)" \
        "$(cat "$SANDBOX/out")"
    run_rewrite -k -c "$(case_config bridge-no-match)" - <"$CASES/bridge-no-match/input.xml"
    assertEquals "exit when unchanged" 3 $?
    assertEquals "<stdin>: unchanged" "$(cat "$SANDBOX/out")"
}

test_errors_exit_1_and_print_nothing() {
    local name
    for name in xml-malformed cpus-input-open-range cpus-input-reversed cpus-input-huge \
                cpus-unmapped emulator-with-comment xml-not-domain; do
        run_rewrite -c "$(case_config "$name")" "$CASES/$name/input.xml"
        assertEquals "exit of $name" 1 $?
        assertEquals "stdout of $name" "" "$(cat "$SANDBOX/out")"
        assertContains "stderr of $name" "$(cat "$SANDBOX/err")" "$(sed 's/^input.xml//' "$CASES/$name/error")"
    done
    run_rewrite -c "$(case_config bridge-rename)" "$SANDBOX/no-such-file.xml"
    assertEquals "missing file" 1 $?
    assertContains "$(cat "$SANDBOX/err")" "no-such-file.xml: No such file or directory"
}

test_mac_rule_is_refused_at_config_load() {
    run_rewrite -c "$(case_config config-mac-attribute)" "$CASES/config-mac-attribute/input.xml"
    assertEquals "exit" 1 $?
    assertEquals "stdout" "" "$(cat "$SANDBOX/out")"
    assertContains "$(cat "$SANDBOX/err")" \
        "config-mac-attribute.json:4:8: refused: this rule would change the MAC address"
    # mh-check --config reads the same section.
    "$MH_BUILD/mh-check" --config "$SANDBOX/config-mac-attribute.json" >"$SANDBOX/out" 2>"$SANDBOX/err"
    assertEquals "mh-check exit" 1 $?
    assertContains "$(cat "$SANDBOX/err")" "MAC address"
}

test_untrusted_config_is_refused() {
    case_config bridge-rename >/dev/null
    chmod 0666 "$SANDBOX/bridge-rename.json"
    run_rewrite -c "$SANDBOX/bridge-rename.json" "$CASES/bridge-rename/input.xml"
    assertEquals 1 $?
    assertContains "$(cat "$SANDBOX/err")" "writable by group or others"
}

test_installed_config_is_the_default() {
    mh_config "$(cat "$CASES/bridge-rename/config.json")"
    mh_in_sandbox "$REWRITE" "$CASES/bridge-rename/input.xml" >"$SANDBOX/out" 2>"$SANDBOX/err"
    assertEquals 0 $?
    cmp -s "$SANDBOX/out" "$CASES/bridge-rename/expected.xml"
    assertTrue $?
}

test_usage_errors_exit_64() {
    run_rewrite --diff --check x.xml
    assertEquals "--diff --check" 64 $?
    assertContains "$(cat "$SANDBOX/err")" "exclude each other"
    run_rewrite --frobnicate
    assertEquals "unknown option" 64 $?
    run_rewrite a.xml b.xml
    assertEquals "two files" 64 $?
    assertContains "$(cat "$SANDBOX/err")" "unexpected argument 'b.xml'"
    run_rewrite --config
    assertEquals "--config without FILE" 64 $?
}

test_help_and_version() {
    run_rewrite --help
    assertEquals 0 $?
    assertContains "$(cat "$SANDBOX/out")" "usage: mh-rewrite [--config-file FILE] [--diff | --check] [FILE | -]"
    assertContains "$(cat "$SANDBOX/out")" "Exit status: 0 changed, 3 unchanged"
    run_rewrite --version
    assertEquals 0 $?
    assertContains "$(cat "$SANDBOX/out")" "mh-rewrite (migrate-hooks)"
}

test_hook_prints_the_rewritten_xml_and_journals_counts_only() {
    mh_config "$(cat "$CASES/graphics-listen/config.json")"
    mh_hook graphics-listen migrate begin - <"$CASES/graphics-listen/input.xml"
    assertEquals "exit" 0 $?
    cmp -s "$SANDBOX/out" "$CASES/graphics-listen/expected.xml"
    assertTrue "stdout is the rewritten XML" $?
    assertEquals "stderr" "" "$(cat "$SANDBOX/err")"
    assertContains "$(cat "$SANDBOX/state/journal.jsonl")" \
        '"rewrite":{"changed":true,"edits":5,"rules":{"graphics_listen":5}}'
    # Counts only: no XML, no addresses, no password.
    assertNotContains "$(cat "$SANDBOX/state/journal.jsonl")" "<"
    assertNotContains "$(cat "$SANDBOX/state/journal.jsonl")" "192.0.2"
    assertNotContains "$(cat "$SANDBOX/state/journal.jsonl")" "s3cret"
}

test_hook_output_validates() {
    if [ ! -x /usr/bin/virt-xml-validate ]; then
        startSkipping
    fi
    mh_config "$(cat "$MH_DATA/rewrite-sweep/broad.json")"
    mh_hook db-server-01 migrate begin - <"$MH_DATA/rewrite-sweep/server-q35.xml"
    assertEquals 0 $?
    assertNotEquals "something was printed" "" "$(cat "$SANDBOX/out")"
    /usr/bin/virt-xml-validate "$SANDBOX/out" domain >/dev/null 2>&1
    assertTrue "virt-xml-validate" $?
}

test_hook_prints_nothing_when_no_rule_applies() {
    mh_config "$(cat "$CASES/bridge-no-match/config.json")"
    mh_hook bridge-no-match migrate begin - <"$CASES/bridge-no-match/input.xml"
    assertEquals "exit" 0 $?
    assertEquals "stdout (no taint)" "" "$(cat "$SANDBOX/out")"
    assertContains "$(cat "$SANDBOX/state/journal.jsonl")" '"rewrite":{"changed":false}'

    mh_config '{}'
    mh_hook bridge-no-match migrate begin - <"$CASES/bridge-no-match/input.xml"
    assertEquals "exit without rules" 0 $?
    assertEquals "stdout without rules" "" "$(cat "$SANDBOX/out")"
    assertNotContains "$(tail -1 "$SANDBOX/state/journal.jsonl")" '"rewrite"'
}

test_hook_restore_begin_rewrites_too() {
    mh_config "$(cat "$CASES/disk-prefixes/config.json")"
    mh_hook disk-prefixes restore begin - <"$CASES/disk-prefixes/input.xml"
    assertEquals "exit" 0 $?
    cmp -s "$SANDBOX/out" "$CASES/disk-prefixes/expected.xml"
    assertTrue "stdout is the rewritten XML" $?
    assertContains "$(cat "$SANDBOX/state/journal.jsonl")" '"sub_operation":"begin"'
    assertContains "$(cat "$SANDBOX/state/journal.jsonl")" '"operation":"restore"'

    # Without rules: nothing read, printed or journaled.
    mh_config '{}'
    mh_hook disk-prefixes restore begin - <"$CASES/xml-malformed/input.xml"
    assertEquals "exit without rules" 0 $?
    assertEquals "stdout without rules" "" "$(cat "$SANDBOX/out")"
    assertEquals "journal lines" 1 "$(mh_journal_lines)"
}

test_hook_refuses_a_mac_rule_at_config_load() {
    mh_config "$(cat "$CASES/config-mac-attribute/config.json")"
    mh_hook config-mac-attribute migrate begin - <"$CASES/config-mac-attribute/input.xml"
    assertEquals "exit" 1 $?
    assertEquals "stdout" "" "$(cat "$SANDBOX/out")"
    assertContains "$(cat "$SANDBOX/err")" \
        "invalid configuration: /etc/migrate-hooks/migrate-hooks.json:4:8: refused: this rule would change the MAC address"
}

test_hook_fails_closed_when_a_rule_cannot_apply() {
    local op
    mh_config "$(cat "$CASES/cpus-unmapped/config.json")"
    for op in "migrate begin" "restore begin"; do
        # shellcheck disable=SC2086
        mh_hook cpus-unmapped $op - <"$CASES/cpus-unmapped/input.xml"
        assertEquals "exit of $op" 1 $?
        assertEquals "stdout of $op" "" "$(cat "$SANDBOX/out")"
        assertContains "$(cat "$SANDBOX/err")" "refusing (fail closed): XML rewrite: <vcpu> cpuset: CPU 8 is not in the map"
    done
}

test_hook_handles_ten_thousand_interfaces() {
    local i
    {
        printf "<domain type='kvm'><name>big</name><uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid><devices>\n"
        for ((i = 0; i < 10000; i++)); do
            printf "<interface type='bridge'><mac address='52:54:00:00:%02x:%02x'/><source bridge='br0'/></interface>\n" \
                $((i / 256)) $((i % 256))
        done
        printf "</devices></domain>\n"
    } >"$SANDBOX/big.xml"
    mh_config '{"rewrite": {"bridges": {"br0": "br1"}}}'
    mh_hook big migrate begin - <"$SANDBOX/big.xml"
    assertEquals "exit" 0 $?
    assertEquals "rewritten interfaces" 10000 "$(grep -c "<source bridge='br1'/>" "$SANDBOX/out")"
    assertEquals "size unchanged" "$(stat -c %s "$SANDBOX/big.xml")" "$(stat -c %s "$SANDBOX/out")"
}

. "$MH_TOP/tests/shunit.sh"
