#!/bin/bash
# test_upgrade.sh - the hook replaced by an upgrade in the middle of a live
# migration (issue 9). A second build of this tree, with another VERSION, is
# installed into both simulated hosts by the real install.sh (DESTDIR = the
# host's private root) while B's `migrate begin` hook is still running, held
# there by an external check. The running call keeps its old, whole binary
# (install.sh renames a complete file into place: no ETXTBSY, no ENOEXEC);
# the migration completes; each call of it is journaled once, by the version
# that ran it; the lease and the port data moved with the guest; every call
# after the install runs the new version.
. "$(dirname "${BASH_SOURCE[0]}")/mh.sh"
e2e_trap

GUEST=upg1
LEASES=$E2E_ROOT/leases
NEW_TREE=$E2E_ROOT/new-tree # this source tree, VERSION changed
HOOK=/etc/libvirt/hooks/qemu.d/50-migrate-hooks
OLD_VERSION=$("$MH_BUILD/migrate-hooks" --version | cut -d' ' -f2)
NEW_VERSION=$OLD_VERSION-e2e-upgrade

# config HOST [JSON]: leases in the shared directory, a deadline long enough
# for the held check, plus JSON's keys.
config() {
    mh_e2e_config_leases "$1" "$LEASES" 30000 "${2:-}"
}

# build_new_tree: copy this tree and build it with NEW_VERSION, as an
# operator would have a newer release ready to install. To save a full
# build, the copy starts from this build's objects and only the files that
# use MH_VERSION are compiled again: build/flags (which holds the version)
# is written for the new tree and dated back so that it alone makes nothing
# stale. Should the Makefile change its ways, make builds everything: slower,
# as right.
build_new_tree() {
    mkdir -p "$NEW_TREE/build" &&
        tar -C "$MH_TOP" --exclude=./build --exclude=./.git -cf - . | tar -C "$NEW_TREE" -xf - &&
        tar -C "$MH_BUILD" --exclude=./asan --exclude=./fuzz --exclude=./tests \
            --exclude=./packages --exclude=./bench -cf - . | tar -C "$NEW_TREE/build" -xf - &&
        echo "$NEW_VERSION" >"$NEW_TREE/VERSION" &&
        make -s -C "$NEW_TREE" build/flags &&
        touch -d @0 "$NEW_TREE/build/flags" &&
        grep -l -r MH_VERSION "$NEW_TREE"/lib "$NEW_TREE"/hooks "$NEW_TREE"/helpers | xargs touch &&
        make -s -C "$NEW_TREE" -j2 all
}

oneTimeSetUp() {
    # Built while the hosts come up; the test waits for it.
    build_new_tree >"$E2E_ROOT/new-tree.log" 2>&1 &
    BUILD_PID=$!
    mkdir -m 0755 -p "$LEASES" "$(e2e_path B /etc/migrate-hooks/checks.d)" &&
        mh_e2e_up A B && config A && config B && e2e_guest_define A "$GUEST"
}

oneTimeTearDown() {
    wait "$BUILD_PID" 2>/dev/null
    e2e_teardown_all
}

setUp() {
    mh_e2e_journal_reset A B
}

# calls HOST: "operation sub_operation version outcome migration_id" of
# each of HOST's journal entries, oldest first.
calls() {
    mh_e2e_journal "$1" --json |
        jq -r '"\(.operation) \(.sub_operation) \(.version) \(.outcome) \(.migration_id)"'
}

# hook_pids HOST GUEST OPERATION: pids of HOST's hook processes running
# OPERATION for GUEST.
hook_pids() {
    local pid
    for pid in $(_e2e_leftovers "$1"); do
        case $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) in
        "$HOOK $2 $3 "*) echo "$pid" ;;
        esac
    done
}

# upgrade HOST: install.sh of the new tree into HOST's root, asserted.
upgrade() {
    DESTDIR=$E2E_ROOT/$1 "$NEW_TREE/install.sh" >"$E2E_ROOT/install-$1.log" 2>&1
    assertEquals "install.sh on $1" 0 $? || cat "$E2E_ROOT/install-$1.log" >&2
}

# libvirt_hook_errors HOST: what HOST's libvirtd logged about a hook that
# could not run or failed.
libvirt_hook_errors() {
    grep -E 'Hook script execution failed|Text file busy|Exec format error|cannot execute' \
        "$E2E_ROOT/$1/log/libvirt/libvirtd.log"
}

test_upgrade_while_the_destination_hook_runs() {
    local job=$E2E_ROOT/migration held release pid tap_b id
    held=$(e2e_path B /var/lib/migrate-hooks/held)
    release=$(e2e_path B /var/lib/migrate-hooks/release)
    wait "$BUILD_PID"
    assertEquals "the new tree built" 0 $? || {
        tail -n 20 "$E2E_ROOT/new-tree.log" >&2
        return
    }
    # B's migrate begin waits (up to 25 s) for the test to say go.
    config B '{"checks": {"external_timeout_ms": 28000}}'
    printf '#!/bin/sh\ntouch /var/lib/migrate-hooks/held\ni=0\n%s\necho released\n' \
        'while [ ! -e /var/lib/migrate-hooks/release ] && [ $i -lt 250 ]; do sleep 0.1; i=$((i + 1)); done' \
        >"$(e2e_path B /etc/migrate-hooks/checks.d/50-hold)"
    chmod 0755 "$(e2e_path B /etc/migrate-hooks/checks.d/50-hold)"
    e2e_ovs_vsctl A set Interface "$(e2e_virsh A domiflist "$GUEST" | awk 'NR == 1 { print $1 }')" \
        external_ids:ctl-vlan=42
    mh_e2e_stamp_ports A "$GUEST"

    (e2e_migrate A B "$GUEST" >"$job.out" 2>&1; echo $? >"$job.rc") &
    assertTrue "B's migrate begin is held" "_e2e_wait 30 test -e '$held'"
    pid=$(hook_pids B "$GUEST" migrate)
    assertNotNull "B's hook process is running" "$pid"
    assertEquals "it runs the installed file" "$HOOK" "$(readlink "/proc/$pid/exe")"

    upgrade B
    upgrade A
    assertEquals "the held call keeps its old file, replaced under it" "$HOOK (deleted)" \
        "$(readlink "/proc/$pid/exe")"
    assertEquals "B's hook is the new version" "migrate-hooks $NEW_VERSION" \
        "$("$(e2e_path B "$HOOK")" --version)"
    assertEquals "A's hook is the new version" "migrate-hooks $NEW_VERSION" \
        "$("$(e2e_path A "$HOOK")" --version)"

    touch "$release"
    _e2e_wait 60 test -s "$job.rc"
    assertEquals "the migration completes: $(cat "$job.out")" 0 "$(cat "$job.rc")"
    assertEquals running "$(mh_e2e_state B "$GUEST")"
    assertNotEquals running "$(mh_e2e_state A "$GUEST")"
    assertEquals "the lease went with the guest" '{"owner":"B","pending":null}' \
        "$(mh_e2e_lease B "$GUEST" '{owner, pending}')"
    tap_b=$(e2e_virsh B domiflist "$GUEST" | awk 'NR == 1 { print $1 }')
    assertEquals "so did its port data" '"42"' \
        "$(e2e_ovs_vsctl B get Interface "$tap_b" external_ids:ctl-vlan)"

    # Each call once, whole, by the version that ran it: migrate begin on B
    # by the old one, everything after the install by the new one.
    id=$(calls B | awk 'NR == 1 { print $5 }')
    assertNotEquals "the migration has an id" null "$id"
    assertEquals "B's migrate begin: the old version" "migrate begin $OLD_VERSION ok $id" \
        "$(calls B | head -n 1)"
    assertContains "B's prepare begin: the new version" "$(calls B)" \
        "prepare begin $NEW_VERSION ok $id"
    assertEquals "B's later calls and A's: the new version, this migration" "$NEW_VERSION ok $id" \
        "$( (calls B | tail -n +2; calls A) | awk '{ print $3, $4, $5 }' | sort -u)"
    assertContains "A handed the lease over" "$(mh_e2e_journal A --json)" '"operation":"hand-over"'
    assertEquals "no call journaled twice" "" \
        "$( (calls A | sed 's/^/A /'; calls B | sed 's/^/B /') | awk '{ print $1, $2, $3 }' | sort | uniq -d)"
    assertEquals "no hook failure in B's libvirtd log" "" "$(libvirt_hook_errors B)"
    assertEquals "no hook failure in A's libvirtd log" "" "$(libvirt_hook_errors A)"
}

test_later_migrations_run_the_new_version_only() {
    rm -f "$(e2e_path B /etc/migrate-hooks/checks.d/50-hold)"
    mh_e2e_stamp B "$GUEST" >/dev/null && e2e_migrate B A "$GUEST"
    assertEquals "migrate back to A" 0 $?
    assertEquals running "$(mh_e2e_state A "$GUEST")"
    assertEquals '{"owner":"A","pending":null}' "$(mh_e2e_lease A "$GUEST" '{owner, pending}')"
    assertEquals "every call of A and B ran $NEW_VERSION and went well" "$NEW_VERSION ok" \
        "$( (calls A; calls B) | awk '{ print $3, $4 }' | sort -u)"
    assertNotEquals "there were calls" "" "$(calls A)"
}

. "$MH_TOP/tests/shunit.sh"
