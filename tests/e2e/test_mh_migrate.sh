#!/bin/bash
# test_mh_migrate.sh - mh-migrate between two simulated hosts: progress and
# one running copy, refusal by a failing check, abort by --timeout and by
# Ctrl-C, a direct (not peer-to-peer) migration with --json, and the
# warning menu answered through a pseudo-terminal.
. "$(dirname "${BASH_SOURCE[0]}")/mh.sh"
e2e_trap

GUEST=mig1
OUT=$E2E_ROOT/mh-migrate.out

oneTimeSetUp() {
    mh_e2e_up A B && e2e_guest_define A "$GUEST"
}

oneTimeTearDown() {
    e2e_teardown_all
}

# mh_migrate SRC DST [OPTIONS...]: run mh-migrate inside host SRC (its
# configuration, journal and facts) towards DST, peer-to-peer over a unix
# socket both hosts see; output in $OUT, exit code returned.
mh_migrate() {
    local src=$1 dst=$2
    shift 2
    mkdir -p "$E2E_ROOT/mig"
    timeout -k 10 "$E2E_MIGRATE_TIMEOUT" nsenter -t "$(cat "$E2E_ROOT/$src/pid/holder")" \
        -m -n -u -- "$MH_BUILD/mh-migrate" --p2p \
        --migrate-uri "unix://$E2E_ROOT/mig/$GUEST.sock" "$@" "$GUEST" "$(e2e_uri "$dst")" \
        </dev/null >"$OUT" 2>&1
}

# external_check HOST EXIT: a checks.d entry on HOST answering EXIT
# (1 fail, 2 warn) with one line of reason; EXIT "" removes it.
external_check() {
    local file
    file=$(e2e_path "$1" /etc/migrate-hooks/checks.d)/50-e2e
    mkdir -p "${file%/*}" && chmod 0755 "${file%/*}"
    if [ -z "$2" ]; then
        rm -f "$file"
        return
    fi
    printf '#!/bin/sh\necho "e2e check says %s"\nexit %s\n' "$2" "$2" >"$file"
    chmod 0755 "$file"
}

test_migration_shows_progress_and_leaves_one_running_copy() {
    local status
    mh_migrate A B
    status=$?
    assertEquals "mh-migrate A to B: $(cat "$OUT")" 0 "$status"
    assertTrue "progress lines: $(cat "$OUT")" "grep -Eq '^$GUEST: .*[0-9]+%.*remaining' '$OUT'"
    assertContains "$(cat "$OUT")" "$GUEST: migrated in"
    assertEquals running "$(mh_e2e_state B "$GUEST")"
    assertNotEquals "no second copy on A" running "$(mh_e2e_state A "$GUEST")"
    assertContains "A journaled the confirm" \
        "$(mh_e2e_journal A --guest "$GUEST" --json)" '"sub_operation":"confirm"'
    assertContains "B's hook saw the cookie mh-migrate stamped" \
        "$(mh_e2e_journal B --guest "$GUEST" --json)" '"source_host":"A"'
}

test_failing_check_refuses_with_exit_1_and_changes_nothing() {
    local status
    external_check B 1
    mh_migrate B A
    status=$?
    assertEquals "refused: $(cat "$OUT")" 1 "$status"
    assertContains "$(cat "$OUT")" "e2e check says 1"
    assertEquals "still running on B" running "$(mh_e2e_state B "$GUEST")"
    assertNotEquals running "$(mh_e2e_state A "$GUEST")"
    external_check B ""
}

test_timeout_aborts_and_the_guest_keeps_running_on_the_source() {
    local status
    mh_migrate B A --bandwidth 1 --timeout 1
    status=$?
    assertEquals "aborted: $(cat "$OUT")" 2 "$status"
    assertContains "$(cat "$OUT")" "aborted (--timeout)"
    assertEquals "running on the source" running "$(mh_e2e_state B "$GUEST")"
    assertNotEquals "not on the destination" running "$(mh_e2e_state A "$GUEST")"
}

test_ctrl_c_aborts_and_the_guest_keeps_running_on_the_source() {
    local status pid
    : >"$OUT" # no progress line of an earlier test may trigger the signal
    mh_migrate B A --bandwidth 1 &
    pid=$!
    # Once the migration has started. (The 64 MiB guest is mostly zero
    # pages: even at 1 MiB/s its memory is sent within seconds, so waiting
    # for a progress line with numbers would race the end.)
    _e2e_wait 60 grep -q "migrating to" "$OUT"
    sleep 0.5
    # SIGINT to mh-migrate itself, found by its unique migration socket.
    kill -INT "$(pgrep -f "^$MH_BUILD/mh-migrate --p2p --migrate-uri unix://$E2E_ROOT/mig/")" ||
        fail "no mh-migrate to interrupt"
    wait "$pid"
    status=$?
    assertEquals "interrupted: $(cat "$OUT")" 2 "$status"
    assertContains "$(cat "$OUT")" "aborted (interrupted)"
    assertEquals "running on the source" running "$(mh_e2e_state B "$GUEST")"
}

# answer_menu SRC DST ANSWER: mh-migrate on a pseudo-terminal (script), the
# warning menu answered with ANSWER.
answer_menu() {
    local command
    command=$(printf '%q ' nsenter -t "$(cat "$E2E_ROOT/$1/pid/holder")" -m -n -u -- \
        "$MH_BUILD/mh-migrate" --p2p --migrate-uri "unix://$E2E_ROOT/mig/$GUEST.sock" \
        "$GUEST" "$(e2e_uri "$2")")
    printf '%s\n' "$3" | timeout -k 10 "$E2E_MIGRATE_TIMEOUT" script -qefc "$command" /dev/null \
        >"$OUT" 2>&1
}

test_warning_menu_T_terminates_and_C_continues() {
    local status
    external_check B 2
    answer_menu B A T
    status=$?
    assertEquals "T terminates: $(cat "$OUT")" 2 "$status"
    assertContains "$(cat "$OUT")" "C - continue (at your own risk)"
    assertContains "$(cat "$OUT")" "e2e check says 2"
    assertEquals running "$(mh_e2e_state B "$GUEST")"
    answer_menu B A "C
C"
    status=$?
    assertEquals "C continues: $(cat "$OUT")" 0 "$status"
    assertEquals running "$(mh_e2e_state A "$GUEST")"
    assertNotEquals running "$(mh_e2e_state B "$GUEST")"
    external_check B ""
}

test_direct_migration_without_p2p_uses_virDomainMigrate3() {
    local status
    timeout -k 10 "$E2E_MIGRATE_TIMEOUT" nsenter -t "$(cat "$E2E_ROOT/A/pid/holder")" \
        -m -n -u -- "$MH_BUILD/mh-migrate" --json --migrate-uri "unix://$E2E_ROOT/mig/$GUEST.sock" \
        "$GUEST" "$(e2e_uri B)" </dev/null >"$OUT" 2>&1
    status=$?
    assertEquals "direct A to B: $(cat "$OUT")" 0 "$status"
    assertEquals '"migrated"' "$(tail -n 1 "$OUT" | jq .result)"
    assertTrue "progress as JSON lines" "grep -q '\"event\":\"progress-end\"' '$OUT'"
    assertEquals running "$(mh_e2e_state B "$GUEST")"
    assertNotEquals running "$(mh_e2e_state A "$GUEST")"
}

. "$MH_TOP/tests/shunit.sh"
