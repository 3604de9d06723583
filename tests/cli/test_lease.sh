#!/bin/bash
# test_lease.sh - ownership leases through the installed hook (two hosts
# sharing one lease directory) and the mh-lease helper.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/two_hosts.sh"

UUID=4dea22b3-1d52-d8f3-2516-782e98ab3fa0

# host_config NAME [EXTRA-LEASE-KEYS]: the config of host NAME, leases on,
# in the sandbox $SANDBOX; and a copy for mh-lease whose journal is the
# sandbox's (the helper runs without the sandbox's mounts).
host_config() {
    mh_config "{\"host_id\": \"$1\", \"syslog\": false,
                \"lease\": {\"enabled\": true, \"dir\": \"$SHARED/leases\"$2}}"
    printf '%s\n' "{\"host_id\": \"$1\", \"syslog\": false,
                \"journal\": {\"path\": \"$SANDBOX/state/journal.jsonl\"},
                \"lease\": {\"enabled\": true, \"dir\": \"$SHARED/leases\"$2}}" \
        >"$SANDBOX/cli.json"
    chmod 0644 "$SANDBOX/cli.json"
}

setUp() {
    SHARED=$(mktemp -d /tmp/mh-leases.XXXXXX)
    chmod 0755 "$SHARED"
    two_hosts_new
}

tearDown() {
    two_hosts_remove
    rm -rf "$SHARED"
}


owner() {
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["owner"])' \
        "$SHARED/leases/$UUID.json"
}

test_normal_start_acquires_and_journals() {
    on A prepare begin -
    assertEquals "exit" 0 $?
    assertEquals "stdout" "" "$(cat "$A/out")"
    assertEquals "stderr" "" "$(cat "$A/err")"
    assertEquals "owner" hostA "$(owner)"
    SANDBOX=$A
    assertEquals "journal lines" 1 "$(mh_journal_lines)"
    assertContains "$(cat "$A/state/journal.jsonl")" '"transition":"acquired"'
}

test_second_host_start_is_refused_with_the_message() {
    local since
    on A prepare begin -
    since=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["since"])' \
        "$SHARED/leases/$UUID.json")
    on B prepare begin -
    assertEquals "exit" 1 $?
    assertContains "$(cat "$B/err")" \
        "guest vm1 is owned by host hostA (since $since); use mh-lease break after fencing hostA"
    assertContains "$(cat "$B/state/journal.jsonl")" '"outcome":"refused"'
    assertEquals "owner unchanged" hostA "$(owner)"
}

test_stop_releases_and_release_end_adds_nothing() {
    on A prepare begin -
    on A stopped end -
    assertEquals "stopped end exit" 0 $?
    assertEquals "owner after stop" None "$(owner)"
    on A release end -
    assertEquals "release end exit" 0 $?
    SANDBOX=$A
    assertEquals "journal: start and stop only" 2 "$(mh_journal_lines)"
    on B prepare begin -
    assertEquals "B may start it now" 0 $?
    assertEquals hostB "$(owner)"
}

test_incoming_migration_without_cookie_of_an_owned_guest_is_refused() {
    on A prepare begin -
    on B migrate begin -
    assertEquals "exit" 1 $?
    assertContains "$(cat "$B/err")" "carries no migrate-hooks cookie naming its source"
    assertEquals "stdout stays empty" "" "$(cat "$B/out")"
}

test_disabled_leases_change_nothing() {
    SANDBOX=$A
    mh_config '{"host_id": "hostA", "syslog": false}'
    on A prepare begin -
    assertEquals 0 $?
    on A stopped end -
    assertEquals 0 $?
    assertEquals "no journal" 0 "$(mh_journal_lines)"
    assertFalse "no lease directory" "[ -e '$SHARED/leases' ]"
}

test_a_broken_store_fails_start_closed_but_never_a_stop() {
    SANDBOX=$A
    mh_config "{\"host_id\": \"hostA\", \"syslog\": false,
                \"lease\": {\"enabled\": true, \"dir\": \"$SHARED/no/such/leases\"}}"
    on A prepare begin -
    assertEquals "start fails closed" 1 $?
    assertContains "$(cat "$A/err")" "failed, refusing (fail closed)"
    on A stopped end -
    assertEquals "a stop never exits 1" 0 $?
    assertContains "$(cat "$A/err")" "cannot create the lease directory"
}

test_unreadable_record_refuses_start_and_break_repairs_it() {
    on A prepare begin -
    printf '{"version": 1, "uuid": ' >"$SHARED/leases/$UUID.json"
    on B prepare begin -
    assertEquals 1 $?
    assertContains "$(cat "$B/err")" "unreadable lease record"
    assertContains "$(cat "$B/err")" "mh-lease break $UUID"
    on A stopped end -
    assertEquals "stop still exits 0" 0 $?
    lease B list >/dev/null 2>"$B/list.err"
    assertEquals "list reports it" 1 $?
    assertContains "$(cat "$B/list.err")" "1 lease record could not be read"
    lease B break --yes "$UUID" >/dev/null
    assertEquals "break replaces it" 0 $?
    on B prepare begin -
    assertEquals 0 $?
}

test_a_held_lock_is_waited_for_boundedly() {
    local start took
    on A prepare begin -
    SANDBOX=$A
    host_config hostA ', "lock_timeout_ms": 300'
    python3 -c 'import fcntl,sys,time; f=open(sys.argv[1],"r+"); fcntl.lockf(f, fcntl.LOCK_EX); print("held", flush=True); time.sleep(10)' \
        "$SHARED/leases/$UUID.lock" >"$SHARED/holder.out" &
    holder=$!
    while [ ! -s "$SHARED/holder.out" ]; do sleep 0.05; done
    start=$(date +%s%N)
    on A stopped end -
    assertEquals "stop exits 0" 0 $?
    took=$((($(date +%s%N) - start) / 1000000))
    assertContains "$(cat "$A/err")" "still locked by another process after 300 ms"
    assertTrue "took $took ms" "[ $took -lt $((2000 * MH_SLOWDOWN)) ]"
    on A prepare begin -
    assertEquals "start fails closed" 1 $?
    kill "$holder"
    wait "$holder" 2>/dev/null || :
    on A stopped end -
    assertEquals None "$(owner)"
}

test_the_deadline_bounds_a_stop_waiting_for_a_lock() {
    local start took
    on A prepare begin -
    SANDBOX=$A
    mh_config "{\"host_id\": \"hostA\", \"syslog\": false, \"deadline_ms\": 400,
                \"lease\": {\"enabled\": true, \"dir\": \"$SHARED/leases\",
                            \"lock_timeout_ms\": 60000}}"
    python3 -c 'import fcntl,sys,time; f=open(sys.argv[1],"r+"); fcntl.lockf(f, fcntl.LOCK_EX); print("held", flush=True); time.sleep(10)' \
        "$SHARED/leases/$UUID.lock" >"$SHARED/holder.out" &
    holder=$!
    while [ ! -s "$SHARED/holder.out" ]; do sleep 0.05; done
    start=$(date +%s%N)
    on A release end -
    assertEquals "exit" 0 $?
    took=$((($(date +%s%N) - start) / 1000000))
    assertTrue "took $took ms" "[ $took -lt $((1500 * MH_SLOWDOWN)) ]"
    assertContains "$(cat "$A/err")" "release end failed: "
    assertContains "$(cat "$A/err")" "still locked by another process after"
    kill "$holder"
    wait "$holder" 2>/dev/null || :
}

test_mh_lease_list_and_show() {
    local out
    on A prepare begin -
    out=$(lease A list)
    assertEquals 0 $?
    assertContains "$out" "UUID"
    assertContains "$out" "$UUID  vm1"
    assertContains "$out" "hostA"
    lease A list --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d[0]["owner"]=="hostA", d'
    assertEquals "list --json" 0 $?
    out=$(lease B show vm1)
    assertEquals 0 $?
    assertContains "$out" "owner:       hostA (since "
    assertContains "$out" "generation:  1"
    assertContains "$out" "pending:     -"
    lease B show --json "$UUID" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["uuid"]==sys.argv[1]' "$UUID"
    assertEquals "show --json" 0 $?
    lease B show vm2 2>"$B/show.err"
    assertEquals "no such lease" 2 $?
    assertContains "$(cat "$B/show.err")" "no lease record for a guest named 'vm2'"
}

test_mh_lease_break_needs_confirmation_and_is_journaled() {
    on A prepare begin -
    lease B break vm1 </dev/null 2>"$B/break.err"
    assertEquals "no terminal, no --yes" 3 $?
    assertContains "$(cat "$B/break.err")" "no terminal to ask on; use --yes"
    assertEquals hostA "$(owner)"
    lease B break --yes vm1 >"$B/break.out"
    assertEquals 0 $?
    assertContains "$(cat "$B/break.out")" "broke the lease of guest vm1 (owner was hostA"
    assertEquals None "$(owner)"
    assertContains "$(cat "$B/state/journal.jsonl")" '"operation":"mh-lease","sub_operation":"break"'
    assertContains "$(cat "$B/state/journal.jsonl")" '"owner":"hostA"'
    lease B break --yes vm2 2>/dev/null
    assertEquals "unknown guest" 2 $?
}

test_mh_lease_break_asks_on_a_terminal() {
    on A prepare begin -
    printf 'n\n' | script -qec "$MH_BUILD/mh-lease --config $B/cli.json break vm1" /dev/null \
        >"$B/tty.out" 2>&1
    assertEquals "declined" 3 $?
    assertContains "$(cat "$B/tty.out")" "Break it? [y/N]"
    assertContains "$(cat "$B/tty.out")" "making sure that hostA no longer runs the guest"
    assertEquals hostA "$(owner)"
    printf 'y\n' | script -qec "$MH_BUILD/mh-lease --config $B/cli.json break vm1" /dev/null \
        >"$B/tty.out" 2>&1
    assertEquals "confirmed" 0 $?
    assertEquals None "$(owner)"
}

test_mh_lease_break_pending_keeps_the_owner() {
    on A prepare begin -
    python3 - "$SHARED/leases/$UUID.json" <<'PY'
import json, sys
p = sys.argv[1]
d = json.load(open(p))
d["pending"] = {"host": "hostB", "migration_id": "m-1", "confirmed": True,
                "expires": "2099-01-01T00:00:00.000Z"}
open(p, "w").write(json.dumps(d))
PY
    assertContains "$(lease A show vm1)" "pending:     hostB (migration m-1, confirmed"
    lease A break --pending --yes vm1 >/dev/null
    assertEquals 0 $?
    assertEquals hostA "$(owner)"
    assertContains "$(lease A show vm1)" "pending:     -"
}

test_mh_lease_usage_help_version_keepalive() {
    lease A 2>/dev/null
    assertEquals "no command" 64 $?
    lease A frobnicate 2>/dev/null
    assertEquals "unknown command" 64 $?
    lease A show 2>/dev/null
    assertEquals "missing guest" 64 $?
    lease A list --yes 2>/dev/null
    assertEquals "--yes without break" 64 $?
    lease A keepalive --interval 0 2>/dev/null
    assertEquals "bad interval" 64 $?
    "$MH_BUILD/mh-lease" --help | grep -q 'Exit status: 0 success; 1 error'
    assertEquals "--help" 0 $?
    "$MH_BUILD/mh-lease" --version | grep -q '^mh-lease (migrate-hooks) '
    assertEquals "--version" 0 $?
    assertContains "$(lease A keepalive)" "nothing to keep alive: dir leases do not expire"
}

. "$MH_TOP/tests/shunit.sh"
