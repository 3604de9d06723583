#!/bin/bash
# test_lease_expat.sh - the lease stages (and started begin) read the
# guest's name, uuid and cookie with expat and never load libxml2 (about
# 3 ms a hook call); the stages that need the whole document (migrate
# begin) still load it.
. "$(dirname "$0")/lib.sh"

UUID=4dea22b3-1d52-d8f3-2516-782e98ab3fa0

setUp() {
    mh_sandbox_new
    mkdir -m 0755 "$SANDBOX/leases"
    mh_config "{\"host_id\": \"hostA\", \"syslog\": false,
                \"lease\": {\"enabled\": true, \"dir\": \"$SANDBOX/leases\"}}"
}

tearDown() {
    mh_sandbox_remove
}

owner() {
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["owner"])' \
        "$SANDBOX/leases/$UUID.json"
}

# loaded OPERATION SUB-OPERATION [XML]: run the hook with LD_DEBUG=files on
# the given domain XML (default: vm1) and print the shared objects it
# loaded, one a line; the exit code is in $SANDBOX/rc.
loaded() {
    local xml=${3:-$(mh_domain_xml vm1)}
    printf '%s\n' "$xml" | LD_DEBUG=files mh_hook vm1 "$1" "$2" -
    echo $? >"$SANDBOX/rc"
    sed -n 's/.*file=\([^ ]*\) \[.*/\1/p' "$SANDBOX/err" | sort -u
}

test_prepare_begin_loads_expat_and_not_libxml2() {
    mh_skip_under_checker "LD_DEBUG does not see through the sanitizer wrapper" && return
    local libraries
    libraries=$(loaded prepare begin)
    assertEquals "exit" 0 "$(cat "$SANDBOX/rc")"
    assertContains "expat loaded" "$libraries" libexpat.so
    assertNotContains "libxml2 not loaded" "$libraries" libxml2.so
    assertEquals "lease taken" hostA "$(owner)"
    assertContains "journal names the guest" "$(cat "$SANDBOX/state/journal.jsonl")" \
        "\"uuid\":\"$UUID\""
}

test_stopped_end_with_a_cookie_loads_expat_and_not_libxml2() {
    mh_skip_under_checker "LD_DEBUG does not see through the sanitizer wrapper" && return
    local libraries cookie
    mh_domain_xml vm1 | mh_hook vm1 prepare begin -
    cookie=$(mh_cookie_element '{"migration_id":"m-1","stamped":"2026-11-23T10:00:00.000Z","source":{"host_id":"hostB"}}')
    libraries=$(loaded stopped end "$(mh_domain_xml_with vm1 "$cookie")")
    assertEquals "exit" 0 "$(cat "$SANDBOX/rc")"
    assertContains "expat loaded" "$libraries" libexpat.so
    assertNotContains "libxml2 not loaded" "$libraries" libxml2.so
    assertEquals "lease released" None "$(owner)"
}

test_malformed_xml_is_refused_with_libxml2s_verdict() {
    local err
    printf '%s\n' "<domain><name>vm1</name><uuid>$UUID</uuid>
<a></b></domain>" | mh_hook vm1 prepare begin -
    assertEquals "exit" 1 $?
    err=$(cat "$SANDBOX/err")
    assertContains "names the line: $err" "$err" "domain XML"
    assertContains "names the line: $err" "$err" "2"
    assertFalse "no lease taken" "[ -e '$SANDBOX/leases/$UUID.json' ]"
}

test_xml_only_libxml2_reads_still_gets_its_lease() {
    local libraries
    # An element name of XML 1.0's fifth edition (U+FEFF inside it), in the
    # guest's own metadata: libvirt (libxml2) wrote it, expat refuses it.
    libraries=$(loaded prepare begin "<domain type='kvm'>
  <name>vm1</name>
  <uuid>$UUID</uuid>
  <metadata><app:x$(printf '\xef\xbb\xbf')y xmlns:app='urn:app'/></metadata>
</domain>")
    assertEquals "exit: $(cat "$SANDBOX/err")" 0 "$(cat "$SANDBOX/rc")"
    assertEquals "lease taken" hostA "$(owner)"
    # LD_DEBUG does not see through the sanitizer wrapper
    [ -n "$MH_CHECKER" ] || assertContains "libxml2 read it" "$libraries" libxml2.so
}

test_started_begin_of_a_normal_start_loads_no_libxml2() {
    mh_skip_under_checker "LD_DEBUG does not see through the sanitizer wrapper" && return
    local libraries
    # every start of every guest passes there; only port data needs libxml2
    libraries=$(loaded started begin)
    assertEquals "exit" 0 "$(cat "$SANDBOX/rc")"
    assertNotContains "libxml2 not loaded" "$libraries" libxml2.so
}

test_migrate_begin_still_loads_libxml2_and_reserves() {
    mh_skip_under_checker "LD_DEBUG does not see through the sanitizer wrapper" && return
    local libraries
    libraries=$(loaded migrate begin)
    assertEquals "exit" 0 "$(cat "$SANDBOX/rc")"
    assertContains "libxml2 loaded" "$libraries" libxml2.so
    assertNotContains "expat not needed" "$libraries" libexpat.so
    assertContains "journal: accepted" "$(cat "$SANDBOX/state/journal.jsonl")" '"accepted":true'
}

. "$MH_TOP/tests/shunit.sh"
