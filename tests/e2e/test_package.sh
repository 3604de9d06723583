#!/bin/bash
# test_package.sh - the Debian package, installed into both simulated hosts
# by its own maintainer scripts, runs a migration; removing it takes the hook
# away.
#
# dpkg itself cannot install into one simulated host (its database and /usr
# are the machine's), so the package is unpacked, its /usr/lib/migrate-hooks
# is bind-mounted into each host, its conffile is put in place, and its
# postinst runs inside the host as dpkg would run it.
MH_E2E_BUILT_HOOK=no
. "$(dirname "${BASH_SOURCE[0]}")/mh.sh"
e2e_trap

GUEST=pkg1
PKG=$E2E_ROOT/package

install_package() {
    local host=$1
    mkdir -p /usr/lib/migrate-hooks # the mount point, empty
    e2e_in "$host" mount --bind "$PKG/usr/lib/migrate-hooks" /usr/lib/migrate-hooks &&
        install -m 0644 "$PKG/etc/migrate-hooks/migrate-hooks.json" \
            "$(e2e_path "$host" /etc/migrate-hooks/migrate-hooks.json)" &&
        e2e_in "$host" sh "$PKG/DEBIAN/postinst" configure >"$E2E_ROOT/postinst-$host.out" 2>&1
}

oneTimeSetUp() {
    "$MH_TOP/packaging/build-deb.sh" >"$E2E_ROOT/build-deb.log" 2>&1 || {
        cat "$E2E_ROOT/build-deb.log" >&2
        return 1
    }
    mkdir -p "$PKG"
    dpkg-deb -x "$MH_BUILD"/packages/migrate-hooks_*.deb "$PKG" &&
        dpkg-deb -e "$MH_BUILD"/packages/migrate-hooks_*.deb "$PKG/DEBIAN" || return 1
    E2E_BEFORE_LIBVIRTD=install_package
    mh_e2e_up A B && e2e_guest_define A "$GUEST"
}

oneTimeTearDown() {
    e2e_teardown_all
}

test_postinst_installs_the_packaged_hook_and_says_to_restart_libvirtd() {
    local host
    for host in A B; do
        assertTrue "hook on $host is the packaged binary" \
            "cmp -s '$PKG/usr/lib/migrate-hooks/migrate-hooks' \
                '$(e2e_path "$host" /etc/libvirt/hooks/qemu.d/50-migrate-hooks)'"
        assertContains "$(cat "$E2E_ROOT/postinst-$host.out")" "restart libvirtd"
    done
}

test_packaged_hook_runs_the_migration() {
    e2e_migrate A B "$GUEST"
    assertEquals "migrate A to B" 0 $?
    assertEquals running "$(mh_e2e_state B "$GUEST")"
    assertContains "$(mh_e2e_journal B --guest "$GUEST" --json)" '"outcome":"ok"'
    assertEquals "" "$(mh_e2e_tainted B "$GUEST")"
}

test_upgrade_is_quiet_and_prerm_remove_takes_the_hook_away() {
    local hook
    hook=$(e2e_path A /etc/libvirt/hooks/qemu.d/50-migrate-hooks)
    assertEquals "an upgrade does not ask for a restart" "" \
        "$(e2e_in A sh "$PKG/DEBIAN/postinst" configure 0.0.9)"
    assertTrue "[ -x '$hook' ]"
    e2e_in A sh "$PKG/DEBIAN/prerm" upgrade 0.1.0
    assertTrue "kept on upgrade" "[ -x '$hook' ]"
    e2e_in A sh "$PKG/DEBIAN/prerm" remove
    assertFalse "gone on remove" "[ -e '$hook' ]"
}

. "$MH_TOP/tests/shunit.sh"
