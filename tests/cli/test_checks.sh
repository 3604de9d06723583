#!/bin/bash
# test_checks.sh - the dispatcher at migrate begin: the cookie and the
# pre-migration checks refuse with every reason named, or let it go on.
. "$(dirname "$0")/lib.sh"

KEY=0123456789abcdef0123456789abcdef

setUp() {
    mh_sandbox_new
    # No Open vSwitch unless a test starts one: an empty run directory.
    mkdir -p "$SANDBOX/ovs" /run/openvswitch
    export MH_SANDBOX_MOUNTS="$SANDBOX/ovs:/run/openvswitch"
    printf '%s\n' "$KEY" >"$SANDBOX/etc/cluster.key"
    chmod 0600 "$SANDBOX/etc/cluster.key"
}

tearDown() {
    if [ -f "$SANDBOX/ovs/ovsdb.pid" ]; then
        kill "$(cat "$SANDBOX/ovs/ovsdb.pid")" 2>/dev/null
    fi
    unset MH_SANDBOX_MOUNTS
    mh_sandbox_remove
}

# cookie_json HOST [MIGRATION_ID]: cookie content from source HOST.
cookie_json() {
    printf '{"migration_id":"%s","stamped":"%s","source":{"host_id":"%s","hypervisor":"QEMU"}}' \
        "${2:-mig-1}" "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" "$1"
}

# A guest whose interface is a Linux bridge this host does not have.
missing_bridge_xml() {
    mh_domain_xml vm1 | sed "s/br0/br-missing/; /virtualport/d"
}

last_journal() {
    tail -n 1 "$SANDBOX/state/journal.jsonl"
}

elapsed_ms() {
    echo $((($(date +%s%N) - $1) / 1000000))
}

test_maintenance_refuses_naming_the_check_and_the_reason() {
    printf 'firmware upgrade, OPS-42\n' >"$SANDBOX/state/maintenance"
    mh_domain_xml vm1 | mh_hook vm1 migrate begin -
    assertEquals "exit" 1 $?
    assertEquals "stderr" "migrate-hooks: guest vm1: migrate begin refused: 1 pre-migration check failed:
maintenance: destination is in maintenance: firmware upgrade, OPS-42 (flag file /var/lib/migrate-hooks/maintenance)" \
        "$(cat "$SANDBOX/err")"
    assertEquals "stdout" "" "$(cat "$SANDBOX/out")"
    assertContains "$(last_journal)" '"outcome":"refused"'
    assertContains "$(last_journal)" '"check":"maintenance"'

    rm "$SANDBOX/state/maintenance"
    mh_domain_xml vm1 | mh_hook vm1 migrate begin -
    assertEquals "without the flag" 0 $?
}

test_missing_bridge_refuses() {
    mh_sandbox_strict
    missing_bridge_xml | mh_hook vm1 migrate begin -
    assertEquals 1 $?
    assertContains "$(cat "$SANDBOX/err")" "
bridges: the destination has no bridge br-missing (Open vSwitch is not running: nothing listens on /run/openvswitch/db.sock)"
    # The same guest with the check at warn: accepted, and journaled as warned.
    mh_config '{"checks": {"severity": {"bridges": "warn"}}}'
    missing_bridge_xml | mh_hook vm1 migrate begin -
    assertEquals 0 $?
    assertContains "$(last_journal)" '"outcome":"warned"'
    assertContains "$(last_journal)" '"from":"bridges"'
}

test_ovs_bridge_is_looked_up_in_a_real_ovsdb() {
    local db="$SANDBOX/ovs"
    mh_sandbox_strict
    ovsdb-tool create "$db/conf.db" /usr/share/openvswitch/vswitch.ovsschema &&
        ovsdb-server "$db/conf.db" --remote="punix:$db/db.sock" --pidfile="$db/ovsdb.pid" \
            --detach --no-chdir --log-file="$db/ovsdb.log" --unixctl="$db/ctl" &&
        ovs-vsctl --db="unix:$db/db.sock" --no-wait init
    assertEquals "ovsdb-server started" 0 $?
    # The template's interface is an OVS port on br0: not there yet.
    mh_domain_xml vm1 | mh_hook vm1 migrate begin -
    assertEquals 1 $?
    assertContains "$(cat "$SANDBOX/err")" "bridges: the destination has no OVS bridge br0"
    ovs-vsctl --db="unix:$db/db.sock" --no-wait add-br br0
    mh_domain_xml vm1 | mh_hook vm1 migrate begin -
    status=$?
    assertEquals "with br0 in OVSDB: $(cat "$SANDBOX/err")" 0 "$status"
    assertContains "$(last_journal)" '"outcome":"ok"'
}

test_every_failing_check_is_listed_one_per_line() {
    mh_sandbox_strict
    touch "$SANDBOX/state/maintenance"
    missing_bridge_xml | sed "s|<memory unit='KiB'>65536|<memory unit='TiB'>64|" |
        mh_hook vm1 migrate begin -
    assertEquals 1 $?
    assertEquals "lines" 4 "$(wc -l <"$SANDBOX/err")"
    assertContains "$(head -n 1 "$SANDBOX/err")" "migrate begin refused: 3 pre-migration checks failed:"
    assertEquals "check names" "memory bridges maintenance" \
        "$(tail -n 3 "$SANDBOX/err" | cut -d: -f1 | tr '\n' ' ' | sed 's/ $//')"
}

test_forged_cookie_is_refused_when_a_key_is_configured() {
    mh_config "{\"cookie\": {\"key_file\": \"$MH_CONF_DIR/cluster.key\"}}"
    printf 'another-key-another-key-another-key\n' >"$SANDBOX/wrong.key"
    mh_domain_xml_with vm1 "$(mh_cookie_element "$(cookie_json hv-a)" "$SANDBOX/wrong.key")" |
        mh_hook vm1 migrate begin -
    assertEquals "forged" 1 $?
    assertEquals "migrate-hooks: guest vm1: migrate begin refused: cookie: the cookie's HMAC does not match: forged, altered, or signed with another key" \
        "$(cat "$SANDBOX/err")"
    assertContains "$(last_journal)" '"outcome":"refused"'

    mh_domain_xml_with vm1 "$(mh_cookie_element "$(cookie_json hv-a)")" | mh_hook vm1 migrate begin -
    assertEquals "unsigned" 1 $?
    assertContains "$(cat "$SANDBOX/err")" "cookie: the cookie is not signed"

    mh_domain_xml_with vm1 "$(mh_cookie_element "$(cookie_json hv-a mig-42)" "$SANDBOX/etc/cluster.key")" |
        mh_hook vm1 migrate begin -
    status=$?
    assertEquals "signed with the cluster key: $(cat "$SANDBOX/err")" 0 "$status"
    assertContains "$(last_journal)" '"migration_id":"mig-42"'
    assertContains "$(last_journal)" '"authenticated":true'
}

test_stale_cookie_is_refused_under_max_age() {
    local old='{"migration_id":"m","stamped":"2020-01-01T00:00:00Z","source":{"host_id":"hv-a"}}'
    mh_config "{\"cookie\": {\"key_file\": \"$MH_CONF_DIR/cluster.key\", \"max_age\": 3600}}"
    mh_domain_xml_with vm1 "$(mh_cookie_element "$old" "$SANDBOX/etc/cluster.key")" |
        mh_hook vm1 migrate begin -
    assertEquals 1 $?
    assertContains "$(cat "$SANDBOX/err")" "more than cookie.max_age (3600 s); stamp it again"
}

test_cookie_policy_decides_about_a_missing_cookie() {
    mh_config '{"cookie": {"policy": "refuse"}}'
    mh_domain_xml vm1 | mh_hook vm1 migrate begin -
    assertEquals "refuse" 1 $?
    assertContains "$(cat "$SANDBOX/err")" "refused: cookie: the domain XML carries no migrate-hooks cookie"
    mh_config '{"cookie": {"policy": "warn"}}'
    mh_domain_xml vm1 | mh_hook vm1 migrate begin -
    assertEquals "warn" 0 $?
    assertContains "$(last_journal)" '"outcome":"warned"'
    mh_config '{"cookie": {"policy": "warn"}, "checks": {"warning_policy": "abort"}}'
    mh_domain_xml vm1 | mh_hook vm1 migrate begin -
    assertEquals "warn + abort" 1 $?
    assertContains "$(cat "$SANDBOX/err")" "
cookie: the domain XML carries no migrate-hooks cookie"
}

test_allowed_sources_come_from_the_cookie() {
    mh_config '{"checks": {"allowed_sources": ["hv-*"]}}'
    mh_domain_xml_with vm1 "$(mh_cookie_element "$(cookie_json rogue)")" | mh_hook vm1 migrate begin -
    assertEquals 1 $?
    assertContains "$(cat "$SANDBOX/err")" "allowed-sources: source host rogue is not allowed (allowed: hv-*)"
    mh_domain_xml_with vm1 "$(mh_cookie_element "$(cookie_json hv-b)")" | mh_hook vm1 migrate begin -
    assertEquals 0 $?
}

write_check() {
    printf '#!/bin/sh\n%s\n' "$2" >"$SANDBOX/etc/checks.d/$1"
    chmod 0755 "$SANDBOX/etc/checks.d/$1"
}

test_external_warning_follows_the_warning_policy() {
    write_check 10-firmware "echo 'BIOS 2.1 here, 2.4 on the source'; exit 2"
    mh_config '{"checks": {"warning_policy": "abort"}}'
    mh_domain_xml vm1 | mh_hook vm1 migrate begin -
    assertEquals "abort" 1 $?
    assertEquals "migrate-hooks: guest vm1: migrate begin refused: 1 pre-migration warning and checks.warning_policy is abort:
10-firmware: BIOS 2.1 here, 2.4 on the source" "$(cat "$SANDBOX/err")"

    mh_config '{"checks": {"warning_policy": "continue"}}'
    mh_domain_xml vm1 | mh_hook vm1 migrate begin -
    assertEquals "continue" 0 $?
    assertContains "$(last_journal)" '"outcome":"warned"'
    assertContains "$(last_journal)" '"from":"10-firmware","message":"BIOS 2.1 here, 2.4 on the source"'
}

test_external_check_failure_and_document() {
    write_check 20-san "cat > /var/lib/migrate-hooks/document.json; echo 'LUN 7 not zoned'; exit 1"
    mh_domain_xml vm1 | mh_hook vm1 migrate begin -
    assertEquals 1 $?
    assertContains "$(cat "$SANDBOX/err")" "
20-san: LUN 7 not zoned"
    assertContains "$(cat "$SANDBOX/state/document.json")" '"context":"hook"'
    assertContains "$(cat "$SANDBOX/state/document.json")" '"name":"vm1"'
    assertNotContains "$(cat "$SANDBOX/state/document.json")" "s3cret"
}

test_external_check_that_hangs_is_killed_at_its_timeout() {
    local start
    write_check 10-hang "sleep 61.25"
    mh_config '{"checks": {"external_timeout_ms": 500}}'
    start=$(date +%s%N)
    mh_domain_xml vm1 | mh_hook vm1 migrate begin -
    assertEquals 1 $?
    assertTrue "took $(elapsed_ms "$start") ms" "[ $(elapsed_ms "$start") -lt $((2000 * MH_SLOWDOWN)) ]"
    assertContains "$(cat "$SANDBOX/err")" "10-hang: did not answer within 500 ms; killed"
    assertFalse "nothing left running" "pgrep -f 'sleep 61.25'"
}

test_external_check_leaving_a_child_on_stdout_does_not_hold_the_hook() {
    local start
    write_check 10-child "sleep 62.25 & echo 'fine'; exit 0"
    start=$(date +%s%N)
    mh_domain_xml vm1 | mh_hook vm1 migrate begin -
    assertEquals 0 $?
    assertTrue "took $(elapsed_ms "$start") ms" "[ $(elapsed_ms "$start") -lt $((1500 * MH_SLOWDOWN)) ]"
    assertFalse "the child went with its group" "pgrep -f 'sleep 62.25'"
}

test_external_checks_stay_inside_the_hook_deadline() {
    local start
    write_check 10-hang "sleep 60"
    mh_config '{"deadline_ms": 1000, "checks": {"external_timeout_ms": 60000}}'
    start=$(date +%s%N)
    mh_domain_xml vm1 | mh_hook vm1 migrate begin -
    assertEquals 1 $?
    assertTrue "took $(elapsed_ms "$start") ms" "[ $(elapsed_ms "$start") -lt $((2000 * MH_SLOWDOWN)) ]"
    assertContains "$(cat "$SANDBOX/err")" "10-hang: did not answer within"
}

test_untrusted_checks_directory_fails_closed() {
    write_check 10-ok "exit 0"
    chmod 0777 "$SANDBOX/etc/checks.d"
    mh_domain_xml vm1 | mh_hook vm1 migrate begin -
    assertEquals 1 $?
    assertContains "$(cat "$SANDBOX/err")" "external checks: /etc/migrate-hooks/checks.d: writable by group or others"
}

. "$MH_TOP/tests/shunit.sh"
