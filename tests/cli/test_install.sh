#!/bin/bash
# test_install.sh - install.sh into a DESTDIR: install, upgrade, --legacy,
# --uninstall.
. "$(dirname "$0")/lib.sh"

mh_skip_script_under_checker "install.sh builds and installs the plain build, not the binaries under test"

setUp() {
    ROOT=$(mktemp -d /tmp/mh-install.XXXXXX)
    export DESTDIR=$ROOT
}

tearDown() {
    rm -rf "$ROOT"
    unset DESTDIR
}

install_quietly() {
    "$MH_TOP/install.sh" "$@" >"$ROOT.log" 2>&1
    local status=$?
    cat "$ROOT.log" >&2
    rm -f "$ROOT.log"
    return $status
}

test_install_places_hook_helpers_and_config() {
    install_quietly
    assertEquals 0 $?
    assertTrue "hook" "[ -x '$ROOT/etc/libvirt/hooks/qemu.d/50-migrate-hooks' ]"
    assertTrue "mh-check" "[ -x '$ROOT/usr/local/sbin/mh-check' ]"
    assertTrue "mh-journal" "[ -x '$ROOT/usr/local/sbin/mh-journal' ]"
    assertTrue "config" "[ -f '$ROOT/etc/migrate-hooks/migrate-hooks.json' ]"
    assertTrue "manifest" "[ -f '$ROOT/var/lib/migrate-hooks/install.manifest' ]"
    assertFalse "no legacy hook" "[ -e '$ROOT/etc/libvirt/hooks/qemu' ]"
    "$MH_BUILD/mh-check" --config "$ROOT/etc/migrate-hooks/migrate-hooks.json" >/dev/null
    assertEquals "example config is valid" 0 $?
    assertEquals "no temporary files left" "" \
        "$(find "$ROOT" -name '.*.new.*')"
}

test_example_config_changes_nothing() {
    install_quietly
    mh_sandbox_new
    cp "$ROOT/etc/migrate-hooks/migrate-hooks.json" "$SANDBOX/etc/"
    mh_domain_xml vm1 | mh_hook vm1 migrate begin -
    assertEquals 0 $?
    assertEquals "" "$(cat "$SANDBOX/out")"
    mh_sandbox_remove
}

test_upgrade_replaces_the_hook_atomically_and_keeps_config() {
    local before after
    install_quietly
    echo '{"deadline_ms": 2000}' >"$ROOT/etc/migrate-hooks/migrate-hooks.json"
    before=$(stat -c %i "$ROOT/etc/libvirt/hooks/qemu.d/50-migrate-hooks")
    install_quietly
    assertEquals 0 $?
    after=$(stat -c %i "$ROOT/etc/libvirt/hooks/qemu.d/50-migrate-hooks")
    assertNotEquals "a new inode: renamed into place, not rewritten" "$before" "$after"
    assertEquals '{"deadline_ms": 2000}' "$(cat "$ROOT/etc/migrate-hooks/migrate-hooks.json")"
}

test_uninstall_removes_what_it_installed_and_keeps_edited_config() {
    install_quietly
    echo '{"deadline_ms": 2000}' >"$ROOT/etc/migrate-hooks/migrate-hooks.json"
    touch "$ROOT/etc/libvirt/hooks/qemu.d/10-someone-else"
    install_quietly --uninstall
    assertEquals 0 $?
    assertFalse "[ -e '$ROOT/etc/libvirt/hooks/qemu.d/50-migrate-hooks' ]"
    assertFalse "[ -e '$ROOT/usr/local/sbin/mh-check' ]"
    assertFalse "[ -e '$ROOT/var/lib/migrate-hooks/install.manifest' ]"
    assertTrue "edited config kept" "[ -f '$ROOT/etc/migrate-hooks/migrate-hooks.json' ]"
    assertTrue "foreign hook kept" "[ -f '$ROOT/etc/libvirt/hooks/qemu.d/10-someone-else' ]"
}

test_uninstall_removes_unedited_config() {
    install_quietly
    install_quietly --uninstall
    assertFalse "[ -e '$ROOT/etc/migrate-hooks/migrate-hooks.json' ]"
    assertFalse "[ -d '$ROOT/etc/migrate-hooks' ]"
}

test_uninstall_without_install_fails() {
    install_quietly --uninstall 2>/dev/null
    assertNotEquals 0 $?
}

test_legacy_installs_hooks_qemu_only() {
    install_quietly --legacy
    assertEquals 0 $?
    assertTrue "[ -x '$ROOT/etc/libvirt/hooks/qemu' ]"
    assertFalse "never both: libvirt >= 6.5 would run it twice" \
        "[ -e '$ROOT/etc/libvirt/hooks/qemu.d/50-migrate-hooks' ]"
    # Back to the modern layout: the legacy hook goes.
    install_quietly
    assertFalse "[ -e '$ROOT/etc/libvirt/hooks/qemu' ]"
    assertTrue "[ -x '$ROOT/etc/libvirt/hooks/qemu.d/50-migrate-hooks' ]"
}

test_legacy_refuses_to_overwrite_a_foreign_hook() {
    mkdir -p "$ROOT/etc/libvirt/hooks"
    printf '#!/bin/sh\nexit 0\n' >"$ROOT/etc/libvirt/hooks/qemu"
    install_quietly --legacy 2>"$ROOT.err"
    assertNotEquals 0 $?
    assertContains "$(cat "$ROOT.err")" "was not installed by migrate-hooks"
    assertEquals "#!/bin/sh" "$(head -n1 "$ROOT/etc/libvirt/hooks/qemu")"
    rm -f "$ROOT.err"
}

test_unknown_option_is_a_usage_error() {
    install_quietly --frobnicate 2>/dev/null
    assertEquals 64 $?
}

. "$MH_TOP/tests/shunit.sh"
