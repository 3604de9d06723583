# tests/e2e/mh.sh - two simulated hosts with migrate-hooks installed.
#
# Source it from an e2e test (after nothing else): it sources lib.sh, installs
# the built hook as qemu.d/50-migrate-hooks in every host it brings up, and
# adds helpers to configure migrate-hooks per host and read its journal.

MH_E2E=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MH_TOP=$(cd "$MH_E2E/../.." && pwd)
MH_BUILD=${MH_BUILD:-$MH_TOP/build}
. "$MH_E2E/lib.sh"

# The hook goes in under the name it is installed with (unless the test
# installs it another way and sets MH_E2E_BUILT_HOOK=no first).
if [ "${MH_E2E_BUILT_HOOK:-yes}" = yes ]; then
    mkdir -p "$E2E_ROOT/hooks"
    cp "$MH_BUILD/migrate-hooks" "$E2E_ROOT/hooks/50-migrate-hooks"
    E2E_HOOKS=$E2E_ROOT/hooks/50-migrate-hooks
fi

# mh_e2e_up HOST...: bring hosts up with the example configuration.
mh_e2e_up() {
    local host
    for host in "$@"; do
        if [ "${MH_E2E_BUILT_HOOK:-yes}" = yes ]; then
            mkdir -p "$E2E_ROOT/$host/etc/migrate-hooks"
            install -m 0644 "$MH_TOP/etc/migrate-hooks.json" \
                "$E2E_ROOT/$host/etc/migrate-hooks/migrate-hooks.json"
        fi
        e2e_host_up "$host" || return 1
    done
}

# mh_e2e_config HOST JSON: replace HOST's migrate-hooks.json. The hook reads
# it on every call: no restart needed.
mh_e2e_config() {
    local file
    file=$(e2e_path "$1" /etc/migrate-hooks/migrate-hooks.json)
    printf '%s\n' "$2" >"$file.new" && chmod 0644 "$file.new" && mv "$file.new" "$file"
}

# mh_e2e_config_leases HOST DIR DEADLINE_MS [JSON]: HOST's configuration:
# leases on in DIR (a directory the hosts share), the hook's deadline, plus
# JSON's keys.
mh_e2e_config_leases() {
    local extra='{}'
    [ -z "${4:-}" ] || extra=$4
    mh_e2e_config "$1" "$(jq -c --arg dir "$2" --argjson deadline "$3" \
        '{"deadline_ms": $deadline, "lease": {"enabled": true, "dir": $dir}} + .' <<<"$extra")"
}

# mh_e2e_journal HOST [mh-journal options]: HOST's journal.
mh_e2e_journal() {
    local host=$1
    shift
    "$MH_BUILD/mh-journal" -f "$(e2e_path "$host" /var/lib/migrate-hooks/journal.jsonl)" "$@"
}

# mh_e2e_journal_reset HOST...: start the journals afresh.
mh_e2e_journal_reset() {
    local host
    for host in "$@"; do
        : >"$(e2e_path "$host" /var/lib/migrate-hooks/journal.jsonl)"
    done
}

# mh_e2e_state HOST GUEST: the guest's state on HOST ("running", "shut off",
# or "absent").
mh_e2e_state() {
    e2e_virsh "$1" domstate "$2" 2>/dev/null || echo absent
}

# mh_e2e_tainted HOST GUEST: taints in the guest's QEMU log on HOST other than
# the one running QEMU as root always brings.
mh_e2e_tainted() {
    grep -i taint "$(e2e_path "$1" "/var/log/libvirt/qemu/$2.log")" |
        grep -v 'is tainted: high-privileges$'
}

# mh_e2e_other HOST: the other of the two hosts A and B.
mh_e2e_other() {
    case $1 in
    A) echo B ;;
    *) echo A ;;
    esac
}

# mh_e2e_where GUEST: the host (A or B) where GUEST runs, or nothing.
mh_e2e_where() {
    local host
    for host in A B; do
        [ "$(mh_e2e_state "$host" "$1")" != running ] || { echo "$host"; return 0; }
    done
}

# mh_e2e_run HOST PROGRAM ARGS...: a built helper (build/PROGRAM) run inside
# HOST, so it sees HOST's configuration, host name and OVSDB.
mh_e2e_run() {
    local host=$1 program=$2
    shift 2
    e2e_in "$host" "$MH_BUILD/$program" "$@" </dev/null
}

# mh_e2e_stamp HOST GUEST [mh-stamp options]: stamp GUEST's cookie on HOST
# with mh-stamp against HOST's libvirt, as an operator on HOST would.
mh_e2e_stamp() {
    local host=$1 guest=$2
    shift 2
    mh_e2e_run "$host" mh-stamp -c "$(e2e_uri "$host")" "$@" "$guest"
}

# mh_e2e_stamp_ports HOST GUEST [JQ_FILTER]: stamp GUEST's cookie on HOST
# and add its port data (mh-ports show --json on HOST, through JQ_FILTER) as
# the cookie's ports section, the way mh-migrate and mh-agent do; mh-stamp
# itself writes only the source section. Unsigned.
mh_e2e_stamp_ports() {
    local host=$1 guest=$2 filter=${3:-.} ports
    mh_e2e_stamp "$host" "$guest" >/dev/null || return
    ports=$(mh_e2e_run "$host" mh-ports show -c "$(e2e_uri "$host")" --json "$guest" |
        jq -c ".ports | $filter") || return
    mh_e2e_cookie_set "$host" "$guest" \
        "$(mh_e2e_cookie "$host" "$guest" | jq -c --argjson ports "$ports" '. + {ports: $ports}')" >/dev/null
}

# mh_e2e_cookie HOST GUEST: the JSON content of GUEST's live cookie on HOST.
mh_e2e_cookie() {
    e2e_virsh "$1" metadata "$2" --uri urn:migrate-hooks:cookie:1 --live |
        xmllint --xpath 'string(/*)' -
}

# mh_e2e_cookie_set HOST GUEST CONTENT [KEY_FILE [VERSION]]: write a cookie
# of our own into GUEST's live metadata on HOST, signed with KEY_FILE the
# way docs/cookie.md says (HMAC-SHA256 over "1\n" + CONTENT, base64); to
# forge or alter cookies, or to add sections mh-stamp does not write.
mh_e2e_cookie_set() {
    local host=$1 guest=$2 content=$3 key=${4:-} version=${5:-1} hmac='' text
    if [ -n "$key" ]; then
        hmac=$(printf '%s\n%s' "$version" "$content" |
            openssl dgst -sha256 -hmac "$(cat "$key")" -binary | base64) || return
        hmac=" hmac=\"$hmac\""
    fi
    text=${content//&/&amp;}
    text=${text//</&lt;}
    text=${text//>/&gt;}
    e2e_virsh "$host" metadata "$guest" --uri urn:migrate-hooks:cookie:1 --key mh --live \
        --set "<cookie version=\"$version\"$hmac>$text</cookie>"
}

# mh_e2e_lease HOST GUEST [JQ_ARGS...]: GUEST's lease record as mh-lease on
# HOST shows it (--json), through jq -c JQ_ARGS (default: .).
mh_e2e_lease() {
    local host=$1 guest=$2
    shift 2
    mh_e2e_run "$host" mh-lease show --json "$guest" | jq -c "${@:-.}"
}

# mh_e2e_eight_concurrent_migrations: c1-c4 start on A, c5-c8 on B, all
# cross at once; each must end running on the other host, owned by it with
# nothing pending, and release its lease when destroyed (shunit2 asserts;
# leases on in both hosts' configuration, whatever the backend).
mh_e2e_eight_concurrent_migrations() {
    local i host job=$E2E_ROOT/concurrent failed=0 pids=
    # c1-c4 start on A, c5-c8 on B; then all cross at once.
    for i in 1 2 3 4 5 6 7 8; do
        host=A
        [ "$i" -le 4 ] || host=B
        e2e_guest_define "$host" "c$i" || fail "cannot start c$i on $host"
    done
    mh_e2e_run A mh-stamp -c "$(e2e_uri A)" --all >/dev/null
    mh_e2e_run B mh-stamp -c "$(e2e_uri B)" --all >/dev/null
    for i in 1 2 3 4 5 6 7 8; do
        if [ "$i" -le 4 ]; then
            (e2e_migrate A B "c$i" >"$job.$i.out" 2>&1; echo $? >"$job.$i.rc") &
        else
            (e2e_migrate B A "c$i" >"$job.$i.out" 2>&1; echo $? >"$job.$i.rc") &
        fi
        pids="$pids $!"
    done
    # Only these: a bare wait would also wait for the hosts' daemons.
    wait $pids
    for i in 1 2 3 4 5 6 7 8; do
        host=B
        [ "$i" -le 4 ] || host=A
        assertEquals "c$i migrated: $(cat "$job.$i.out")" 0 "$(cat "$job.$i.rc")"
        assertEquals "c$i runs on $host" running "$(mh_e2e_state "$host" "c$i")"
        assertEquals "c$i is owned by $host, nothing pending" "{\"owner\":\"$host\",\"pending\":null}" \
            "$(mh_e2e_run A mh-lease show --json "c$i" | jq -c '{owner, pending}')"
        e2e_virsh "$host" destroy "c$i" >/dev/null || failed=1
    done
    assertEquals "every guest stopped" 0 "$failed"
    assertEquals "stopped guests released their leases" "" \
        "$(mh_e2e_run A mh-lease list --json | jq -r '.[] | select(.name | startswith("c")) | select(.owner != null) | .name')"
}
