#!/bin/bash
# test_hook.sh - the hook dispatcher against good and hostile input.
. "$(dirname "$0")/lib.sh"

setUp() {
    mh_sandbox_new
}

tearDown() {
    mh_sandbox_remove
}

test_migrate_begin_accepts_a_domain_prints_nothing_and_journals() {
    mh_domain_xml vm1 | mh_hook vm1 migrate begin -
    assertEquals "exit" 0 $?
    assertEquals "stdout must be empty (no taint)" "" "$(cat "$SANDBOX/out")"
    assertEquals "stderr" "" "$(cat "$SANDBOX/err")"
    assertEquals "journal lines" 1 "$(mh_journal_lines)"
    assertContains "$(cat "$SANDBOX/state/journal.jsonl")" '"outcome":"ok"'
    assertContains "$(cat "$SANDBOX/state/journal.jsonl")" '"uuid":"4dea22b3-1d52-d8f3-2516-782e98ab3fa0"'
    assertEquals "the journal names the hook's version" "$(cat "$MH_TOP/VERSION")" \
        "$(jq -r .version "$SANDBOX/state/journal.jsonl")"
}

test_journal_never_holds_the_domain_xml() {
    mh_domain_xml vm1 | mh_hook vm1 migrate begin -
    assertNotContains "$(cat "$SANDBOX/state/journal.jsonl")" "s3cret"
    assertNotContains "$(cat "$SANDBOX/state/journal.jsonl")" "<domain"
}

test_operations_without_a_stage_exit_at_once_and_read_nothing() {
    local op
    for op in "prepare begin" "start begin" "started begin" "stopped end" "release end" \
              "reconnect begin" "attach begin" "frobnicate now"; do
        # shellcheck disable=SC2086
        mh_domain_xml vm1 | mh_hook vm1 $op -
        assertEquals "exit of $op" 0 $?
        assertEquals "stdout of $op" "" "$(cat "$SANDBOX/out")"
    done
    assertEquals "no journal for calls with nothing to do" 0 "$(mh_journal_lines)"
}

test_missing_arguments_are_a_usage_error() {
    mh_hook vm1 migrate </dev/null
    assertEquals 1 $?
    assertContains "$(cat "$SANDBOX/err")" "expected GUEST OPERATION SUB-OPERATION"
    mh_hook </dev/null
    assertEquals 1 $?
}

test_extra_arguments_are_ignored_and_extra_may_be_missing() {
    mh_domain_xml vm1 | mh_hook vm1 migrate begin - surplus words
    assertEquals 0 $?
    mh_domain_xml vm1 | mh_hook vm1 migrate begin
    assertEquals 0 $?
    assertEquals 2 "$(mh_journal_lines)"
}

test_help_and_version() {
    "$MH_BUILD/migrate-hooks" --version | grep -q '^migrate-hooks [0-9]'
    assertEquals 0 $?
    "$MH_BUILD/migrate-hooks" --help | grep -q 'usage: 50-migrate-hooks GUEST'
    assertEquals 0 $?
}

test_external_entity_is_refused_and_its_content_appears_nowhere() {
    mh_hook vm1 migrate begin - <"$MH_DATA/xml/external-entity.xml"
    assertEquals 1 $?
    assertContains "$(cat "$SANDBOX/err")" "DOCTYPE"
    assertContains "$(cat "$SANDBOX/err")" "refusing (fail closed)"
    assertNotContains "$(cat "$SANDBOX/err" "$SANDBOX/out" "$SANDBOX/state/journal.jsonl")" "root:"
}

test_billion_laughs_is_refused_in_well_under_a_second() {
    local start end
    start=$(date +%s%N)
    mh_hook vm1 migrate begin - <"$MH_DATA/xml/billion-laughs.xml"
    assertEquals 1 $?
    end=$(date +%s%N)
    assertTrue "took $(((end - start) / 1000000)) ms" "[ $(((end - start) / 1000000)) -lt $((500 * MH_SLOWDOWN)) ]"
}

test_deep_nesting_is_refused() {
    python3 -c 'import sys; sys.stdout.write("<a>" * 100000 + "</a>" * 100000)' >"$SANDBOX/deep.xml"
    mh_hook vm1 migrate begin - <"$SANDBOX/deep.xml"
    assertEquals 1 $?
    assertContains "$(cat "$SANDBOX/err")" "depth"
}

test_nul_bytes_are_refused() {
    printf '<domain><name>a\0b</name></domain>' | mh_hook vm1 migrate begin -
    assertEquals 1 $?
    assertContains "$(cat "$SANDBOX/err")" "NUL"
}

test_empty_stdin_is_refused() {
    mh_hook vm1 migrate begin - </dev/null
    assertEquals 1 $?
    assertContains "$(cat "$SANDBOX/err")" "empty"
}

test_stdin_over_the_cap_fails_closed_where_it_can_abort() {
    mh_config '{"max_input_bytes": 4096}'
    head -c 5000 /dev/zero | tr '\0' ' ' >"$SANDBOX/big"
    mh_hook vm1 migrate begin - <"$SANDBOX/big"
    assertEquals 1 $?
    assertContains "$(cat "$SANDBOX/err")" "larger than the limit of 4096 bytes"
    # With the default 8 MiB cap, 9 MiB: refused where it can abort (also
    # started begin, which reads the cookie), exit 0 where it cannot.
    mh_config '{}'
    head -c $((9 << 20)) /dev/zero | tr '\0' ' ' >"$SANDBOX/big"
    mh_hook vm1 migrate begin - <"$SANDBOX/big"
    assertEquals 1 $?
    mh_hook vm1 started begin - <"$SANDBOX/big"
    assertEquals 1 $?
    mh_config '{"lease": {"enabled": true, "dir": "'"$SANDBOX"'/state"}}'
    mh_hook vm1 release end - <"$SANDBOX/big"
    assertEquals "release end cannot abort" 0 $?
    assertContains "$(cat "$SANDBOX/err")" "larger than the limit"
}

test_invalid_configs_fail_closed_with_file_line_column() {
    mh_config '{"syslog": true, "syslog": false}'
    mh_domain_xml vm1 | mh_hook vm1 migrate begin -
    assertEquals "duplicate keys" 1 $?
    assertContains "$(cat "$SANDBOX/err")" "invalid configuration: /etc/migrate-hooks/migrate-hooks.json:1:"
    assertContains "$(cat "$SANDBOX/err")" "duplicate"

    mh_config '{
  "deadline_ms": "soon"
}'
    mh_domain_xml vm1 | mh_hook vm1 migrate begin -
    assertEquals "wrong type" 1 $?
    assertContains "$(cat "$SANDBOX/err")" "migrate-hooks.json:2:3: must be an integer"

    mh_config '{"nonsense": 1}'
    mh_domain_xml vm1 | mh_hook vm1 migrate begin -
    assertEquals "unknown key" 1 $?
    assertContains "$(cat "$SANDBOX/err")" 'unknown key "nonsense"'

    mh_config '{} garbage'
    mh_domain_xml vm1 | mh_hook vm1 migrate begin -
    assertEquals "trailing garbage" 1 $?

    # started begin can abort (it applies port data): it fails closed too.
    mh_config '{"nonsense": 1}'
    mh_domain_xml vm1 | mh_hook vm1 started begin -
    assertEquals "started begin" 1 $?
    # Where libvirt cannot abort, a broken config does not hurt the guest.
    mh_domain_xml vm1 | mh_hook vm1 release end -
    assertEquals "release end" 0 $?
}

test_untrusted_configs_fail_closed() {
    mh_config '{}'
    chmod 0666 "$SANDBOX/etc/migrate-hooks.json"
    mh_domain_xml vm1 | mh_hook vm1 migrate begin -
    assertEquals "world-writable" 1 $?
    assertContains "$(cat "$SANDBOX/err")" "writable by group or others"

    rm -f "$SANDBOX/etc/migrate-hooks.json"
    printf '{}\n' >"$SANDBOX/real.json"
    ln -s "$SANDBOX/real.json" "$SANDBOX/etc/migrate-hooks.json"
    mh_domain_xml vm1 | mh_hook vm1 migrate begin -
    assertEquals "symlink" 1 $?
    assertContains "$(cat "$SANDBOX/err")" "symbolic link"

    rm -f "$SANDBOX/etc/migrate-hooks.json"
    mh_config '{}'
    chown 1000 "$SANDBOX/etc/migrate-hooks.json"
    mh_domain_xml vm1 | mh_hook vm1 migrate begin -
    assertEquals "not root-owned" 1 $?
    assertContains "$(cat "$SANDBOX/err")" "not root"
}

test_dropin_can_break_the_config_and_is_named() {
    mh_config '{}'
    printf '{"journal": {"enabled": "yes"}}\n' >"$SANDBOX/etc/conf.d/10-bad.json"
    mh_domain_xml vm1 | mh_hook vm1 migrate begin -
    assertEquals 1 $?
    assertContains "$(cat "$SANDBOX/err")" "conf.d/10-bad.json:1:14: must be true or false"
}

test_deadline_bounds_a_stage_that_hangs() {
    local start end writer status
    mh_config '{"deadline_ms": 500}'
    # stdin never reaches end of file: the stage would wait forever.
    mkfifo "$SANDBOX/stdin"
    (printf '<domain>'; exec sleep 5) >"$SANDBOX/stdin" &
    writer=$!
    start=$(date +%s%N)
    mh_hook vm1 migrate begin - <"$SANDBOX/stdin"
    status=$?
    end=$(date +%s%N)
    kill "$writer"
    wait "$writer" 2>/dev/null
    assertEquals 1 "$status"
    assertTrue "took $(((end - start) / 1000000)) ms" "[ $(((end - start) / 1000000)) -lt $((2000 * MH_SLOWDOWN)) ]"
    assertContains "$(cat "$SANDBOX/err")" "did not finish within 500 ms; refusing (fail closed)"
    assertContains "$(cat "$SANDBOX/state/journal.jsonl")" '"message":"deadline exceeded"'
}

test_journal_disabled_writes_nothing() {
    mh_config '{"journal": {"enabled": false}}'
    mh_domain_xml vm1 | mh_hook vm1 migrate begin -
    assertEquals 0 $?
    assertEquals 0 "$(mh_journal_lines)"
}

. "$MH_TOP/tests/shunit.sh"
