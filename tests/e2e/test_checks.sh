#!/bin/bash
# test_checks.sh - pre-migration checks on a real migration (issue 4): every
# failing check named, the guest kept on the source; warnings under both
# policies; the cookie's source facts reaching the checks; signed cookies,
# forged and altered ones refused. Every migration here is a plain
# `virsh migrate` (peer-to-peer, and one client-driven), with no help from
# our own tools beyond mh-stamp writing the cookie.
. "$(dirname "${BASH_SOURCE[0]}")/mh.sh"
e2e_trap

GUEST=chk1
DEFAULT_CONFIG=$(cat "$MH_TOP/etc/migrate-hooks.json")
KEY_CONFIG='{"cookie": {"key_file": "/etc/migrate-hooks/cluster.key", "policy": "refuse"}}'

oneTimeSetUp() {
    local host
    mh_e2e_up A B || return 1
    # The guest's second NIC is on an OVS bridge only A has.
    e2e_ovs_vsctl A add-br br-dmz -- set Bridge br-dmz datapath_type=netdev || return 1
    for host in A B; do
        mkdir -m 0755 -p "$(e2e_path "$host" /etc/migrate-hooks/checks.d)" || return 1
        (umask 077 && echo "e2e-cluster-key-0123456789abcdef" \
            >"$(e2e_path "$host" /etc/migrate-hooks/cluster.key)") || return 1
    done
    echo "a key nobody in the cluster has, 0123456789" >"$E2E_ROOT/forger.key"
    e2e_guest_define A "$GUEST" '' \
        "<interface type='bridge'><source bridge='br-dmz'/><virtualport type='openvswitch'/><model type='virtio'/></interface>"
}

oneTimeTearDown() {
    e2e_teardown_all
}

setUp() {
    SRC=$(mh_e2e_where "$GUEST")
    DST=$(mh_e2e_other "$SRC")
    mh_e2e_journal_reset A B
}

tearDown() {
    local host
    # shunit2 calls tearDown once more on exit, after oneTimeTearDown.
    [ -d "$E2E_ROOT/A" ] || return 0
    for host in A B; do
        mh_e2e_config "$host" "$DEFAULT_CONFIG"
        rm -f "$(e2e_path "$host" /var/lib/migrate-hooks/maintenance)" \
            "$(e2e_path "$host" /etc/migrate-hooks/checks.d)"/*
    done
}

# external_check HOST NAME SCRIPT_BODY: install an external check on HOST.
external_check() {
    local file
    file=$(e2e_path "$1" "/etc/migrate-hooks/checks.d/$2")
    printf '#!/bin/sh\n%s\n' "$3" >"$file" && chmod 0755 "$file"
}

# cookie_clear HOST: GUEST carries no cookie on HOST.
cookie_clear() {
    e2e_virsh "$1" metadata "$GUEST" --uri urn:migrate-hooks:cookie:1 --live --remove >/dev/null
}

# assert_stayed: the refused guest still runs on $SRC and nowhere else.
assert_stayed() {
    assertEquals "guest keeps running on the source $SRC" running "$(mh_e2e_state "$SRC" "$GUEST")"
    assertNotEquals "guest does not run on $DST" running "$(mh_e2e_state "$DST" "$GUEST")"
}

test_failing_checks_are_all_named_and_the_guest_stays_on_the_source() {
    local output
    # Only A has br-dmz, so the guest must start this file on A.
    assertEquals A "$SRC"
    echo "firmware upgrade, OPS-42" >"$(e2e_path B /var/lib/migrate-hooks/maintenance)"
    external_check B 10-san-zoning 'cat >/dev/null; echo "LUNs of the guest are not zoned here"; exit 1'
    output=$(e2e_migrate A B "$GUEST" 2>&1)
    assertNotEquals "migration refused" 0 $?
    assertContains "$output" "Hook script execution failed"
    assertContains "$output" "migrate begin refused: 3 pre-migration checks failed:"
    assertContains "$output" "bridges: the destination has no OVS bridge br-dmz"
    assertContains "$output" "maintenance: destination is in maintenance: firmware upgrade, OPS-42"
    assertContains "$output" "10-san-zoning: LUNs of the guest are not zoned here"
    assert_stayed
    assertContains "B journaled the refusal with the three checks" \
        "$(mh_e2e_journal B --outcome refused --json)" '"check":"10-san-zoning"'
    assertContains "$(mh_e2e_journal B --outcome refused)" "3 pre-migration checks failed"
}

test_warning_with_policy_abort_refuses() {
    local output
    e2e_ovs_vsctl B --may-exist add-br br-dmz -- set Bridge br-dmz datapath_type=netdev
    external_check "$DST" 20-capacity \
        'name=$(jq -r .guest.name); echo "capacity of $name is borderline here"; exit 2'
    mh_e2e_config "$DST" '{"checks": {"warning_policy": "abort"}}'
    output=$(e2e_migrate "$SRC" "$DST" "$GUEST" 2>&1)
    assertNotEquals "warning refuses under abort" 0 $?
    assertContains "$output" "1 pre-migration warning and checks.warning_policy is abort:"
    assertContains "the check read the JSON document on stdin" \
        "$output" "20-capacity: capacity of $GUEST is borderline here"
    assert_stayed
}

test_warning_with_policy_continue_goes_through() {
    external_check "$DST" 20-capacity 'cat >/dev/null; echo "capacity is borderline here"; exit 2'
    e2e_migrate "$SRC" "$DST" "$GUEST"
    assertEquals "warn-only migration goes through" 0 $?
    assertEquals running "$(mh_e2e_state "$DST" "$GUEST")"
    assertNotEquals running "$(mh_e2e_state "$SRC" "$GUEST")"
    assertContains "journaled as warned, with the warning" \
        "$(mh_e2e_journal "$DST" --outcome warned --json)" \
        '"warnings":[{"from":"20-capacity","message":"capacity is borderline here"}]'
    assertEquals "checks printed nothing: no hook-script taint" "" "$(mh_e2e_tainted "$DST" "$GUEST")"
}

test_stamped_cookie_brings_the_source_facts_to_the_checks() {
    local output document
    document=$(e2e_path "$DST" /var/lib/migrate-hooks/check-document.json)
    mh_e2e_config "$DST" "{\"checks\": {\"allowed_sources\": [\"$SRC\"]}}"
    # Negative: without a cookie the destination cannot know the source.
    cookie_clear "$SRC"
    output=$(e2e_migrate "$SRC" "$DST" "$GUEST" 2>&1)
    assertNotEquals "no cookie: allowed-sources refuses" 0 $?
    assertContains "$output" "allowed-sources: "
    assert_stayed

    # Positive: mh-stamp on the source, then plain virsh migrate.
    external_check "$DST" 30-record 'cat >/var/lib/migrate-hooks/check-document.json; echo recorded'
    mh_e2e_stamp "$SRC" "$GUEST" >/dev/null
    assertEquals "mh-stamp" 0 $?
    e2e_migrate "$SRC" "$DST" "$GUEST"
    assertEquals "stamped migration goes through" 0 $?
    assertEquals running "$(mh_e2e_state "$DST" "$GUEST")"
    assertEquals "source host from the cookie" "$SRC" "$(jq -r .source_host "$document")"
    assertEquals "source facts from the cookie" "$SRC/9.0.0/QEMU" \
        "$(jq -r '.source | "\(.host_id)/\(.libvirt_version)/\(.hypervisor)"' "$document")"
    assertEquals "libvirt-version compared both hosts" pass \
        "$(jq -r '.checks[] | select(.check == "libvirt-version") | .result' "$document")"
    assertEquals "allowed-sources passed on the cookie's host id" pass \
        "$(jq -r '.checks[] | select(.check == "allowed-sources") | .result' "$document")"
    assertContains "journal: valid, unauthenticated cookie" \
        "$(mh_e2e_journal "$DST" --guest "$GUEST" --json)" \
        "\"cookie\":{\"state\":\"valid\",\"source_host\":\"$SRC\",\"authenticated\":false}"
}

test_with_a_cluster_key_forged_altered_and_unsigned_cookies_are_refused() {
    local output element
    mh_e2e_config A "$KEY_CONFIG"
    mh_e2e_config B "$KEY_CONFIG"

    # Forged: a cookie signed with another key.
    mh_e2e_stamp "$SRC" "$GUEST" >/dev/null
    mh_e2e_cookie_set "$SRC" "$GUEST" "$(mh_e2e_cookie "$SRC" "$GUEST")" "$E2E_ROOT/forger.key" >/dev/null
    output=$(e2e_migrate "$SRC" "$DST" "$GUEST" 2>&1)
    assertNotEquals "forged cookie refused" 0 $?
    assertContains "$output" "cookie: the cookie's HMAC does not match: forged, altered, or signed with another key"
    assert_stayed

    # Altered: signed with the cluster key by mh-stamp, then edited.
    mh_e2e_stamp "$SRC" "$GUEST" >/dev/null
    element=$(e2e_virsh "$SRC" metadata "$GUEST" --uri urn:migrate-hooks:cookie:1 --live)
    assertContains "mh-stamp signed it" "$element" ' hmac="'
    e2e_virsh "$SRC" metadata "$GUEST" --uri urn:migrate-hooks:cookie:1 --key mh --live \
        --set "${element/\"host_id\":\"$SRC\"/\"host_id\":\"hv-trusted\"}" >/dev/null
    assertContains "the content was altered" "$(mh_e2e_cookie "$SRC" "$GUEST")" '"host_id":"hv-trusted"'
    output=$(e2e_migrate "$SRC" "$DST" "$GUEST" 2>&1)
    assertNotEquals "altered cookie refused" 0 $?
    assertContains "$output" "cookie: the cookie's HMAC does not match"
    assert_stayed

    # Unsigned, and missing (policy refuse).
    mh_e2e_cookie_set "$SRC" "$GUEST" "$(mh_e2e_cookie "$SRC" "$GUEST")" >/dev/null
    output=$(e2e_migrate "$SRC" "$DST" "$GUEST" 2>&1)
    assertNotEquals "unsigned cookie refused" 0 $?
    assertContains "$output" "cookie: the cookie is not signed, and this host accepts only signed cookies"
    cookie_clear "$SRC"
    output=$(e2e_migrate "$SRC" "$DST" "$GUEST" 2>&1)
    assertNotEquals "missing cookie refused under policy refuse" 0 $?
    assertContains "$output" "cookie: the domain XML carries no migrate-hooks cookie (cookie.policy is refuse"
    assert_stayed
    assertEquals "every refusal journaled on $DST" 4 \
        "$(mh_e2e_journal "$DST" --outcome refused --json | wc -l)"

    # Positive: a genuine signed cookie goes through.
    mh_e2e_stamp "$SRC" "$GUEST" >/dev/null
    e2e_migrate "$SRC" "$DST" "$GUEST"
    assertEquals "signed cookie accepted" 0 $?
    assertEquals running "$(mh_e2e_state "$DST" "$GUEST")"
    assertContains "$(mh_e2e_journal "$DST" --guest "$GUEST" --json)" \
        "\"cookie\":{\"state\":\"valid\",\"source_host\":\"$SRC\",\"authenticated\":true}"
}

test_client_driven_virsh_migrate_is_checked_too() {
    local output
    # Not peer-to-peer: virsh itself talks to both libvirtds.
    echo "rack power work" >"$(e2e_path "$DST" /var/lib/migrate-hooks/maintenance)"
    output=$(_e2e_virsh_bounded "$E2E_MIGRATE_TIMEOUT" -c "$(e2e_uri "$SRC")" migrate --live \
        "$GUEST" "$(e2e_uri "$DST")" --migrateuri "unix://$E2E_ROOT/mig/$GUEST.sock" 2>&1)
    assertNotEquals "refused" 0 $?
    assertContains "$output" "maintenance: destination is in maintenance: rack power work"
    assert_stayed
}

. "$MH_TOP/tests/shunit.sh"
