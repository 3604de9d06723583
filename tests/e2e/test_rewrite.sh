#!/bin/bash
# test_rewrite.sh - the XML rewrite on real migrations (issue 5). B names
# things differently from A: its OVS bridge is br1 (no br0, no libvirt
# network "lan"), the guests' storage is mounted under another prefix, and
# its VNC listens on another address. The rules of each host map what the
# other sends; libvirt must accept the rewritten XML (ABI stability check)
# and run the guest with it. A network interface turned into a bridge one and
# back (the kind switch) is accepted by libvirt 9.0's ABI check.
. "$(dirname "${BASH_SOURCE[0]}")/mh.sh"
e2e_trap

GUEST=rw1
PLAIN=rw0

# What each host's rules say about the guests the other sends.
B_RULES='{"rewrite": {
  "bridges": {"br0": "br1"},
  "networks": {"lan": {"bridge": "br1", "virtualport": "openvswitch"}},
  "disk_prefixes": {"/var/lib/libvirt/images": "/var/lib/libvirt/storage-b"},
  "graphics_listen": {"127.0.0.1": "127.0.0.2"}
}}'
A_RULES='{"rewrite": {
  "bridges": {"br1": {"network": "lan"}},
  "disk_prefixes": {"/var/lib/libvirt/storage-b": "/var/lib/libvirt/images"},
  "graphics_listen": {"127.0.0.2": "127.0.0.1"}
}}'
# A rule on a guest-visible part: refused when the configuration is loaded.
MAC_RULE='{"rewrite": {
  "bridges": {"br0": "br1"},
  "attributes": [{"path": "devices/interface/mac/@address", "from": "52:54:00:00:00:01", "to": "52:54:00:00:00:02"}]
}}'

oneTimeSetUp() {
    local a_images b_images
    mh_e2e_up A B || return 1
    # The same storage (one inode, as an NFS export would be) seen under
    # /var/lib/libvirt/images on A and /var/lib/libvirt/storage-b on B;
    # A's path does not exist on B. Read-only: libvirt lets a guest with
    # only read-only local disks migrate without --unsafe.
    a_images=$(e2e_path A /var/lib/libvirt/images)
    b_images=$(e2e_path B /var/lib/libvirt/storage-b)
    mkdir -p "$a_images" "$b_images" &&
        truncate -s 1M "$a_images/$GUEST.img" &&
        ln "$a_images/$GUEST.img" "$b_images/$GUEST.img" || return 1
    # A: libvirt network "lan" on its OVS bridge br0.
    printf '%s\n' "<network><name>lan</name><forward mode='bridge'/><bridge name='br0'/><virtualport type='openvswitch'/></network>" \
        >"$E2E_ROOT/lan.xml"
    e2e_virsh A net-define "$E2E_ROOT/lan.xml" >/dev/null &&
        e2e_virsh A net-start lan >/dev/null || return 1
    e2e_guest_define A "$PLAIN" || return 1
    # rw1: one NIC on br0, one on network lan, a disk, VNC on 127.0.0.1.
    e2e_guest_define A "$GUEST" '' \
        "<interface type='network'><source network='lan'/><model type='virtio'/></interface>
    <disk type='file' device='disk'><driver name='qemu' type='raw'/>
      <source file='/var/lib/libvirt/images/$GUEST.img'/><target dev='vdb' bus='virtio'/><readonly/></disk>"
}

oneTimeTearDown() {
    e2e_teardown_all
}

setUp() {
    mh_e2e_journal_reset A B
}

# live_xml HOST [dumpxml options]: GUEST's live XML on HOST.
live_xml() {
    e2e_virsh "$1" dumpxml "$GUEST" "${@:2}"
}

# xpath HOST EXPRESSION: EXPRESSION over GUEST's live XML on HOST.
xpath() {
    live_xml "$1" | xmllint --xpath "$2" - 2>/dev/null
}

# nics HOST [dumpxml options]: "TYPE SOURCE VIRTUALPORT MAC" of each of
# GUEST's NICs on HOST. The live XML shows a NIC on a bridge-type network as
# type='bridge' with both names: --migratable shows it as it was defined.
nics() {
    local xml i
    xml=$(live_xml "$@")
    for i in $(seq "$(xmllint --xpath 'count(//devices/interface)' - <<<"$xml")"); do
        xmllint --xpath "concat(//devices/interface[$i]/@type, ' ',
            //devices/interface[$i]/source/@network, //devices/interface[$i]/source/@bridge, ' ',
            //devices/interface[$i]/virtualport/@type, ' ', //devices/interface[$i]/mac/@address)" - <<<"$xml"
    done | sed '/^$/d'
}

test_no_rule_applies_nothing_printed_no_taint() {
    # B still has br0 here: its rules exist but none matches rw0.
    mh_e2e_config B '{"rewrite": {"bridges": {"br7": "br1"}}}'
    e2e_migrate A B "$PLAIN"
    assertEquals "migrate $PLAIN A to B" 0 $?
    assertEquals running "$(mh_e2e_state B "$PLAIN")"
    assertContains "journal: rules, none applied" \
        "$(mh_e2e_journal B --guest "$PLAIN" --json)" '"rewrite":{"changed":false}'
    assertEquals "nothing printed: no hook-script taint" "" "$(mh_e2e_tainted B "$PLAIN")"
    e2e_virsh B destroy "$PLAIN" >/dev/null # not needed any more
    # From here on B's OVS bridge is br1.
    e2e_ovs_vsctl B del-br br0 -- add-br br1 -- set Bridge br1 datapath_type=netdev
}

test_without_rules_the_destination_cannot_take_the_guest() {
    local output
    mh_e2e_config B "$(cat "$MH_TOP/etc/migrate-hooks.json")"
    output=$(e2e_migrate A B "$GUEST" 2>&1)
    assertNotEquals "refused" 0 $?
    assertContains "$output" "bridges: the destination has no OVS bridge br0"
    assertContains "$output" "networks: on the destination network lan is not defined"
    assertContains "$output" "disks: "
    assertContains "$output" "/var/lib/libvirt/images/$GUEST.img"
    assertEquals "guest keeps running on A" running "$(mh_e2e_state A "$GUEST")"
}

test_rule_on_the_mac_is_refused_at_config_load() {
    local output
    mh_e2e_config B "$MAC_RULE"
    output=$(e2e_migrate A B "$GUEST" 2>&1)
    assertNotEquals "refused" 0 $?
    assertContains "$output" "migrate-hooks.json:3:"
    assertContains "$output" "refused: this rule would change the MAC address (devices/interface/mac/@address)"
    assertEquals "guest keeps running on A" running "$(mh_e2e_state A "$GUEST")"
    assertContains "$(mh_e2e_journal B --outcome error)" "would change the MAC"
}

test_rewritten_guest_runs_on_the_destination() {
    local macs
    macs=$(nics A | awk '{ print $NF }')
    mh_e2e_config B "$B_RULES"
    e2e_migrate A B "$GUEST"
    assertEquals "migrate A to B" 0 $?
    assertEquals running "$(mh_e2e_state B "$GUEST")"
    assertNotEquals running "$(mh_e2e_state A "$GUEST")"
    assertEquals "both NICs are OVS ports on br1, MACs unchanged" \
        "$(printf 'bridge br1 openvswitch %s\n' $macs)" "$(nics B)"
    assertEquals "disk path rewritten" "/var/lib/libvirt/storage-b/$GUEST.img" \
        "$(xpath B 'string(//disk/source/@file)')"
    assertEquals "VNC listen address rewritten" 127.0.0.2 "$(xpath B 'string(//graphics/@listen)')"
    assertContains "QEMU listens there" "$(e2e_in B ss -ltnH)" "127.0.0.2:59"
    assertContains "the taps are on br1" "$(e2e_ovs_vsctl B list-ports br1)" vnet
    assertContains "a rewrite taints the guest" "$(mh_e2e_tainted B "$GUEST")" "hook-script"
    # graphics_listen 2: listen= and its <listen address=> child.
    assertContains "journal counts the rules" "$(mh_e2e_journal B --guest "$GUEST" --json)" \
        '"rewrite":{"changed":true,"edits":7,"rules":{"bridges":1,"networks":1,"disk_prefixes":1,"graphics_listen":2}}'
}

test_rewrite_back_switches_the_bridge_to_the_network() {
    mh_e2e_config A "$A_RULES"
    e2e_migrate B A "$GUEST"
    assertEquals "migrate B to A" 0 $?
    assertEquals running "$(mh_e2e_state A "$GUEST")"
    assertNotEquals running "$(mh_e2e_state B "$GUEST")"
    assertEquals "both NICs on network lan" "network lan openvswitch
network lan openvswitch" "$(nics A --migratable | cut -d' ' -f1-3)"
    assertEquals "libvirt put both taps on lan's bridge br0" 2 \
        "$(e2e_ovs_vsctl A list-ports br0 | grep -c vnet)"
    assertEquals "disk path back" "/var/lib/libvirt/images/$GUEST.img" \
        "$(xpath A 'string(//disk/source/@file)')"
    assertEquals "VNC listen back" 127.0.0.1 "$(xpath A 'string(//graphics/@listen)')"
}

. "$MH_TOP/tests/shunit.sh"
