#!/bin/bash
# test_ports.sh - per-port OVS data carried across real migrations (issue 6):
# a controller's external_ids, the Port's VLAN tag, trunks, vlan_mode and
# other_config, and ingress policing, set on the source tap, are on the
# destination tap afterwards while libvirt's own keys stay libvirt's; with
# OVSDB down on the destination, policy refuse stops the migration in
# migrate begin, before any QEMU starts there.
#
# mh-stamp writes only the cookie's source section; mh_e2e_stamp_ports adds
# the ports section the way mh-migrate / mh-agent will (issue 8).
. "$(dirname "${BASH_SOURCE[0]}")/mh.sh"
e2e_trap

GUEST=prt1
NO_BRIDGES_CHECK='{"checks": {"severity": {"bridges": "off"}}}'

oneTimeSetUp() {
    mh_e2e_up A B && e2e_guest_define A "$GUEST"
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
    [ -d "$E2E_ROOT/A" ] || return 0 # shunit2 calls tearDown again on exit
    for host in A B; do
        mh_e2e_config "$host" "$(cat "$MH_TOP/etc/migrate-hooks.json")"
        [ -S "$(e2e_path "$host" /run/openvswitch/db.sock)" ] || e2e_ovsdb_start "$host"
    done
}

# tap HOST: the guest's tap on HOST.
tap() {
    e2e_virsh "$1" domiflist "$GUEST" | awk 'NR == 1 { print $1 }'
}

# ovs_get HOST TABLE RECORD COLUMN[:KEY]: one OVSDB value on HOST.
ovs_get() {
    e2e_ovs_vsctl "$1" --if-exists get "$2" "$3" "$4"
}

# assert_stayed: the refused guest still runs on $SRC, and $DST never
# started a QEMU for it (migrate begin refused: no memory copied).
assert_stayed() {
    assertEquals "guest keeps running on $SRC" running "$(mh_e2e_state "$SRC" "$GUEST")"
    assertNotEquals running "$(mh_e2e_state "$DST" "$GUEST")"
    assertEquals "$DST's hook acted only in migrate begin" "migrate begin" \
        "$(mh_e2e_journal "$DST" --json | jq -r '"\(.operation) \(.sub_operation)"' | sort -u)"
}

test_port_data_follows_the_guest_and_libvirt_keys_stay_libvirts() {
    local tap_a tap_b mac uuid interfaceid
    tap_a=$(tap A)
    mac=$(e2e_virsh A domiflist "$GUEST" | awk 'NR == 1 { print $5 }')
    uuid=$(e2e_virsh A domuuid "$GUEST")
    # What a controller set on the source port.
    e2e_ovs_vsctl A set Interface "$tap_a" external_ids:ctl-vlan=42 external_ids:ctl-segment=blue \
        ingress_policing_rate=1000 ingress_policing_burst=100 \
        -- set Port "$tap_a" tag=7 trunks=10,20 vlan_mode=native-untagged other_config:ctl-qos=gold
    mh_e2e_stamp_ports A "$GUEST"
    assertEquals "the cookie carries the data" 42 \
        "$(mh_e2e_cookie A "$GUEST" | jq -r ".ports[\"$mac\"].data.interface.external_ids[\"ctl-vlan\"]")"

    e2e_migrate A B "$GUEST"
    assertEquals "migrate A to B" 0 $?
    assertEquals running "$(mh_e2e_state B "$GUEST")"
    tap_b=$(tap B)
    assertEquals '"42"' "$(ovs_get B Interface "$tap_b" external_ids:ctl-vlan)"
    assertEquals blue "$(ovs_get B Interface "$tap_b" external_ids:ctl-segment)"
    assertEquals 1000 "$(ovs_get B Interface "$tap_b" ingress_policing_rate)"
    assertEquals 100 "$(ovs_get B Interface "$tap_b" ingress_policing_burst)"
    assertEquals 7 "$(ovs_get B Port "$tap_b" tag)"
    assertEquals "[10, 20]" "$(ovs_get B Port "$tap_b" trunks)"
    assertEquals native-untagged "$(ovs_get B Port "$tap_b" vlan_mode)"
    assertEquals gold "$(ovs_get B Port "$tap_b" other_config:ctl-qos)"
    # libvirt's keys are what libvirt on B wrote for this tap.
    interfaceid=$(e2e_virsh B dumpxml "$GUEST" | xmllint --xpath 'string(//interface/virtualport/parameters/@interfaceid)' -)
    assertEquals "attached-mac" "\"$mac\"" "$(ovs_get B Interface "$tap_b" external_ids:attached-mac)"
    assertEquals "iface-id" "\"$interfaceid\"" "$(ovs_get B Interface "$tap_b" external_ids:iface-id)"
    assertEquals "vm-id" "\"$uuid\"" "$(ovs_get B Interface "$tap_b" external_ids:vm-id)"
    assertEquals "iface-status" active "$(ovs_get B Interface "$tap_b" external_ids:iface-status)"
    assertContains "B journaled what it applied at started begin" \
        "$(mh_e2e_journal B --guest "$GUEST" --json | grep '"sub_operation":"begin"' | grep '"operation":"started"')" \
        '"outcome":"ok"'
    assertContains "$(mh_e2e_journal B --guest "$GUEST" --json)" ctl-segment
    assertNotContains "the journal names keys, never values" \
        "$(mh_e2e_journal B --guest "$GUEST" --json)" gold
}

test_ovsdb_down_on_the_destination_refuses_in_migrate_begin() {
    local output
    mh_e2e_stamp_ports "$SRC" "$GUEST"
    e2e_ovsdb_stop "$DST"
    # The bridges check already sees that the guest's OVS bridge is gone.
    output=$(e2e_migrate "$SRC" "$DST" "$GUEST" 2>&1)
    assertNotEquals "refused" 0 $?
    assertContains "$output" "bridges: the destination has no OVS bridge br0 (Open vSwitch is not running"
    assert_stayed
    # Without it, the port data pre-check (policy refuse, the default).
    mh_e2e_journal_reset A B
    mh_e2e_config "$DST" "$NO_BRIDGES_CHECK"
    output=$(e2e_migrate "$SRC" "$DST" "$GUEST" 2>&1)
    assertNotEquals "refused (policy refuse)" 0 $?
    assertContains "$output" "migrate begin refused: NIC "
    assertContains "$output" "has ovs port data that could not be applied here (ports.policy is refuse): cannot connect to ovsdb-server at /run/openvswitch/db.sock"
    assert_stayed
    assertEquals "port data untouched on the source" 7 "$(ovs_get "$SRC" Port "$(tap "$SRC")" tag)"
}

test_ovsdb_down_under_policy_warn_leaves_it_to_libvirt() {
    local output
    mh_e2e_stamp_ports "$SRC" "$GUEST"
    mh_e2e_config "$DST" "$(jq -c '. + {"ports": {"policy": "warn"}}' <<<"$NO_BRIDGES_CHECK")"
    e2e_ovsdb_stop "$DST"
    output=$(e2e_migrate "$SRC" "$DST" "$GUEST" 2>&1)
    # Our hook lets it go, but libvirt itself needs OVSDB to plug the tap.
    assertNotEquals "libvirt cannot plug the tap: the migration fails" 0 $?
    assertNotContains "not refused by the hook" "$output" "Hook script execution failed"
    assertContains "$output" "Unable to add port"
    assertContains "$DST journaled migrate begin as ok" \
        "$(mh_e2e_journal "$DST" --json | grep '"operation":"migrate"')" '"outcome":"ok"'
    assertEquals "guest keeps running on $SRC" running "$(mh_e2e_state "$SRC" "$GUEST")"
    assertNotEquals running "$(mh_e2e_state "$DST" "$GUEST")"
}

test_unknown_port_type_refused_under_refuse_warned_under_warn() {
    local output mac
    mac=$(e2e_virsh "$SRC" domiflist "$GUEST" | awk 'NR == 1 { print $5 }')
    # The NIC's data claims a provider this host does not have.
    mh_e2e_stamp_ports "$SRC" "$GUEST" '.[] |= (.provider = "linux-vlan")'
    output=$(e2e_migrate "$SRC" "$DST" "$GUEST" 2>&1)
    assertNotEquals "refused under refuse" 0 $?
    assertContains "$output" "linux-vlan"
    assert_stayed

    mh_e2e_journal_reset A B
    mh_e2e_config "$DST" '{"ports": {"policy": "warn"}}'
    e2e_migrate "$SRC" "$DST" "$GUEST"
    assertEquals "goes through under warn" 0 $?
    assertEquals running "$(mh_e2e_state "$DST" "$GUEST")"
    assertContains "journal: started begin warned about the NIC" \
        "$(mh_e2e_journal "$DST" --outcome warned --json | grep '"operation":"started"')" "$mac"
}

test_cookie_left_over_from_the_last_hop_is_not_applied() {
    local tap_dst
    # Stamped on SRC (ctl-vlan 42), migrated to DST; there the controller
    # moves the port to ctl-vlan 43.
    e2e_ovs_vsctl "$SRC" set Interface "$(tap "$SRC")" external_ids:ctl-vlan=42
    mh_e2e_stamp_ports "$SRC" "$GUEST"
    e2e_migrate "$SRC" "$DST" "$GUEST"
    assertEquals "migrate $SRC to $DST" 0 $?
    tap_dst=$(tap "$DST")
    assertEquals '"42"' "$(ovs_get "$DST" Interface "$tap_dst" external_ids:ctl-vlan)"
    e2e_ovs_vsctl "$DST" set Interface "$tap_dst" external_ids:ctl-vlan=43
    # Back with plain virsh migrate and nobody stamping on DST: the cookie
    # the guest carries is SRC's own, from before it left.
    mh_e2e_journal_reset A B
    e2e_migrate "$DST" "$SRC" "$GUEST"
    assertEquals "migrate back (policy allow: goes on without the cookie)" 0 $?
    assertNotEquals "SRC did not re-apply its own stale port data" '"42"' \
        "$(ovs_get "$SRC" Interface "$(tap "$SRC")" external_ids:ctl-vlan)"
    assertContains "$(mh_e2e_journal "$SRC" --json | grep '"operation":"migrate"')" \
        "\"cookie\":{\"state\":\"ignored\",\"reason\":\"the cookie names this host ($SRC) as its source"
}

. "$MH_TOP/tests/shunit.sh"
