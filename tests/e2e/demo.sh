#!/bin/bash
# demo.sh - the README's first command: two simulated hosts (real libvirtd,
# QEMU/TCG and Open vSwitch in namespaces) with migrate-hooks installed in
# both; a small guest live-migrates A -> B -> A and the journal of each host
# shows what every hook stage did. Leaves nothing running.
set -u
. "$(dirname "${BASH_SOURCE[0]}")/mh.sh"
e2e_trap

GUEST=demo1

step() {
    printf '\n== %s\n' "$*"
}

fail() {
    echo "demo: $*" >&2
    exit 1
}

show_journals() {
    local host
    for host in "$@"; do
        echo "-- journal of host $host"
        mh_e2e_journal "$host" --guest "$GUEST" | sed 's/^/   /'
    done
}

migrate() {
    local from=$1 to=$2 start end
    step "live migration $from -> $to (virsh migrate --live --p2p)"
    mh_e2e_journal_reset A B
    start=$(date +%s%N)
    e2e_migrate "$from" "$to" "$GUEST" || fail "migration $from -> $to failed"
    end=$(date +%s%N)
    printf 'migrated in %d ms; %s on %s, %s on %s\n' $(((end - start) / 1000000)) \
        "$(mh_e2e_state "$to" "$GUEST")" "$to" "$(mh_e2e_state "$from" "$GUEST")" "$from"
    show_journals "$to" "$from"
}

[ -x "$MH_BUILD/migrate-hooks" ] || fail "build first: make"
[ "$(id -u)" -eq 0 ] || fail "run as root (namespaces, libvirtd)"

step "starting hosts A and B under $E2E_ROOT"
mh_e2e_up A B || fail "hosts did not come up"
echo "hook installed in both: /etc/libvirt/hooks/qemu.d/50-migrate-hooks ($("$MH_BUILD/migrate-hooks" --version))"

step "starting guest $GUEST on A (64 MiB, no disk, one Open vSwitch NIC on br0)"
e2e_guest_define A "$GUEST" || fail "guest did not start"
e2e_virsh A domstate "$GUEST"

migrate A B
migrate B A

step "refusal: A's configuration is broken, so its hook fails closed"
mh_e2e_config A '{"deadline_ms": "soon"}'
mh_e2e_journal_reset A B
e2e_migrate A B "$GUEST" >/dev/null 2>&1 # guest is on A: migrate to B works
if ! output=$(e2e_migrate B A "$GUEST" 2>&1); then
    echo "libvirt refused the migration B -> A:"
    echo "$output" | sed 's/^/   /'
fi
printf '%s is %s on B (the source) and %s on A\n' "$GUEST" \
    "$(mh_e2e_state B "$GUEST")" "$(mh_e2e_state A "$GUEST")"
show_journals A

step "done; stopping everything the demo started"
