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
    count=$(config_keys | wc -l)
    assertTrue "at least 40 keys found in the field tables, got $count" "[ $count -ge 40 ]"
    config_keys | grep -qx max_input_bytes
    assertEquals "a top-level key is found" 0 $?
    config_keys | grep -qx ttl_s
    assertEquals "a key of lib/mh_lease_conf.c is found" 0 $?
}

test_every_config_key_is_in_the_man_page() {
    assertEquals "keys missing from migrate-hooks.json(5)" "" "$(undocumented_keys "$MAN5" | tr '\n' ' ')"
}

test_a_key_missing_from_the_man_page_is_caught() {
    local page=$SHUNIT_TMPDIR/without-wait_ms.5
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

. "$MH_TOP/tests/shunit.sh"
