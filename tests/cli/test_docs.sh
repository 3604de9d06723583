#!/bin/bash
# test_docs.sh - the operator documentation stays in step with the code:
# every configuration key the field tables accept is in migrate-hooks.json(5),
# and the examples in the man page and the README are valid configurations.
. "$(dirname "$0")/lib.sh"

MAN5=$MH_TOP/packaging/man/migrate-hooks.json.5

# The keys of every field table: lib/mh_conf.c and the section parsers it
# delegates to (lib/mh_*_conf.c), as written in their .key = "..." literals.
config_keys() {
    grep -ohE '\.key = "[a-z_]+"' "$MH_TOP"/lib/mh_conf.c "$MH_TOP"/lib/mh_*_conf.c |
        sed 's/.*"\(.*\)"/\1/' | sort -u
}

# The keys a man page documents: the tags of its .TP paragraphs, quoted
# words removed, each dotted path cut to its last component
# (".BR lease.etcd.ttl_s \" (integer...)\"" documents ttl_s).
documented_keys() {
    awk 'previous == ".TP" { print } { previous = $0 }' "$1" |
        sed -e 's/"[^"]*"//g' -e 's/^\.[A-Z]* //' | tr ' ' '\n' |
        sed -e 's/\[\]//g' -e 's/.*\.//' | grep -xE '[a-z_]+' | sort -u
}

# Keys of the code missing from the man page FILE, one a line.
undocumented_keys() {
    comm -23 <(config_keys) <(documented_keys "$1")
}

test_key_list_is_derived_from_the_field_tables() {
    local count
    mh_skip_under_checker "reads the sources only" && return
    count=$(config_keys | wc -l)
    assertTrue "at least 40 keys found in the field tables, got $count" "[ $count -ge 40 ]"
    config_keys | grep -qx max_input_bytes
    assertEquals "a top-level key is found" 0 $?
    config_keys | grep -qx ttl_s
    assertEquals "a key of lib/mh_lease_conf.c is found" 0 $?
}

test_every_config_key_is_in_the_man_page() {
    mh_skip_under_checker "reads the sources and the man page only" && return
    assertEquals "keys missing from migrate-hooks.json(5)" "" "$(undocumented_keys "$MAN5" | tr '\n' ' ')"
}

test_every_check_name_is_in_the_man_page() {
    local name missing=""
    for name in $("$MH_BUILD/mh-check" --list | awk 'NR > 1 { print $1 }'); do
        grep -qE "^\.BR? $name( |$)" "$MAN5" || missing="$missing $name"
    done
    assertEquals "checks.severity names missing from migrate-hooks.json(5)" "" "$missing"
}

test_a_key_missing_from_the_man_page_is_caught() {
    local page=$SHUNIT_TMPDIR/without-wait_ms.5
    mh_skip_under_checker "reads the sources and the man page only" && return
    grep -v '^\.BR ports\.wait_ms ' "$MAN5" >"$page"
    assertEquals "wait_ms" "$(undocumented_keys "$page" | tr '\n' ' ' | sed 's/ $//')"
}

# Validate JSON text as a configuration file on its own.
valid_config() {
    local file=$SHUNIT_TMPDIR/example.json
    cat >"$file"
    chmod 0644 "$file"
    "$MH_BUILD/mh-check" --config "$file" --quiet
}

test_man_page_example_is_a_valid_configuration() {
    sed -n '/^\.SH EXAMPLE$/,/^\.fi$/p' "$MAN5" | sed '1,2d;$d' | valid_config
    assertEquals "EXAMPLE of migrate-hooks.json(5)" 0 $?
}

test_readme_json_examples_are_valid_configurations() {
    local count=0 block
    while IFS= read -r -d '' block; do
        count=$((count + 1))
        printf '%s\n' "$block" | valid_config
        assertEquals "README json block $count: $block" 0 $?
    done < <(awk '/^ *```json$/ { on = 1; text = ""; next }
                  on && /^ *```$/ { on = 0; printf "%s%c", text, 0; next }
                  on { text = text $0 "\n" }' "$MH_TOP/README.md")
    assertTrue "the README has json examples ($count)" "[ $count -ge 5 ]"
}

test_an_invalid_example_is_caught() {
    echo '{"ports": {"wait_ms": "soon"}}' | valid_config 2>/dev/null
    assertNotEquals 0 $?
}

EXAMPLE_CHECK=$MH_TOP/etc/migrate-hooks/checks.d/50-disk-space

setUp() {
    mh_sandbox_new
}

tearDown() {
    mh_sandbox_remove
}

# A guest with one file disk in the sandbox's state directory.
guest_with_a_file_disk() {
    mh_domain_xml vm1 | sed "s|</devices>|<disk type='file' device='disk'><source file='/var/lib/migrate-hooks/vm1.img'/><target dev='vda' bus='virtio'/></disk></devices>|"
}

# install_example_check MODE [MIN_FREE_PERCENT]: the shipped example in the
# sandbox's checks.d, with its threshold changed when given.
install_example_check() {
    sed "s/^MIN_FREE_PERCENT=.*/MIN_FREE_PERCENT=${2:-10}/" "$EXAMPLE_CHECK" \
        >"$SANDBOX/etc/checks.d/50-disk-space"
    chmod "$1" "$SANDBOX/etc/checks.d/50-disk-space"
}

test_example_check_is_shipped_disabled() {
    assertFalse "no execute bit in the tree" "[ -x '$EXAMPLE_CHECK' ]"
    install_example_check 0644 101
    guest_with_a_file_disk | mh_hook vm1 migrate begin -
    status=$?
    assertEquals "skipped while not executable: $(cat "$SANDBOX/err")" 0 "$status"
    assertNotContains "$(cat "$SANDBOX/state/journal.jsonl" 2>/dev/null)" "50-disk-space"
}

test_example_check_refuses_a_guest_on_a_full_filesystem() {
    install_example_check 0755 101
    guest_with_a_file_disk | mh_hook vm1 migrate begin -
    assertEquals 1 $?
    assertContains "$(cat "$SANDBOX/err")" "50-disk-space: /var/lib/migrate-hooks has"
    assertContains "$(cat "$SANDBOX/err")" "less than 101% (disk /var/lib/migrate-hooks/vm1.img of guest vm1)"
}

test_example_check_passes_when_there_is_room() {
    install_example_check 0755 0
    guest_with_a_file_disk | mh_hook vm1 migrate begin -
    status=$?
    assertEquals "$(cat "$SANDBOX/err")" 0 "$status"
    mh_domain_xml vm1 | mh_hook vm1 migrate begin -
    status=$?
    assertEquals "a guest without file disks: $(cat "$SANDBOX/err")" 0 "$status"
}

# The AppArmor snippet parses inside Debian's libvirtd profile, with the
# parser of the apparmor package when it is installed.
test_apparmor_snippet_parses_in_the_libvirtd_profile() {
    local dir=$SHUNIT_TMPDIR/apparmor
    mh_skip_under_checker "runs apparmor_parser only" && return
    if ! command -v apparmor_parser >/dev/null || [ ! -f /etc/apparmor.d/usr.sbin.libvirtd ] ||
        [ ! -d /etc/apparmor.d/tunables ]; then
        mh_skip "needs apparmor_parser and Debian's libvirtd profile (apparmor package)"
        return
    fi
    mkdir -p "$dir/local"
    cp "$MH_TOP/etc/apparmor/usr.sbin.libvirtd.migrate-hooks" "$dir/local/"
    echo 'include if exists <local/usr.sbin.libvirtd.migrate-hooks>' >"$dir/local/usr.sbin.libvirtd"
    apparmor_parser -Q -K --config-file /dev/null -I "$dir" -I /etc/apparmor.d \
        /etc/apparmor.d/usr.sbin.libvirtd >/dev/null 2>"$dir/err"
    status=$?
    assertEquals "apparmor_parser: $(grep -v 'Cache read' "$dir/err")" 0 "$status"
}

. "$MH_TOP/tests/shunit.sh"
