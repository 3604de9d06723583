#!/bin/bash
# test_lease_etcd.sh - the hook and mh-lease with the etcd lease backend,
# against a real etcd started here on loopback and stopped by its pid.
. "$(dirname "$0")/etcd.sh"

oneTimeSetUp() {
    etcd_start
}

oneTimeTearDown() {
    etcd_stop
}

test_start_refuse_stop_with_etcd() {
    etcd_start_refuse_stop
}

test_keepalive_and_break_with_etcd() {
    on A prepare begin -
    assertContains "$(lease A keepalive)" "etcd lease of host hostA refreshed; 0 ownerships repaired"
    lease B break --yes "$UUID" >/dev/null
    assertEquals 0 $?
    on B prepare begin -
    assertEquals 0 $?
}

# etcd_requests: how many lease-related requests etcd has started (its own
# /metrics), and how many of them were lease refreshes, as "TOTAL KEEPALIVES".
etcd_requests() {
    curl -s -f -m 5 "$ETCD_URL/metrics" | awk '
        /^grpc_server_started_total\{grpc_method="(Range|Txn|Put|DeleteRange|LeaseGrant|LeaseKeepAlive|LeaseRevoke)"/ {
            total += $2; if ($0 ~ /LeaseKeepAlive/) keepalives += $2 }
        END { print total + 0, keepalives + 0 }'
}

# requests_of CALL...: run a hook call on A; print "REQUESTS KEEPALIVES" it made.
requests_of() {
    local before after
    before=$(etcd_requests)
    on A "$@" >/dev/null
    assertEquals "$* on A" 0 $?
    after=$(etcd_requests)
    echo "$((${after% *} - ${before% *})) $((${after#* } - ${before#* }))"
}

test_a_hook_call_is_one_request_once_the_lease_is_fresh_and_the_guest_cached() {
    requests_of prepare begin - >/dev/null
    assertTrue "the first call notes its refresh" "[ -s '$A/state/etcd-lease.json' ]"
    assertTrue "and caches the guest" "[ -s '$A/state/etcd-cache/$UUID.json' ]"
    assertEquals "stop: one write, compared on what the cache says" "1 0" \
        "$(requests_of stopped end -)"
    assertEquals "release end after it: nothing to do, read to make sure" "1 0" \
        "$(requests_of release end -)"
    assertEquals "start: one write" "1 0" "$(requests_of prepare begin -)"
    # without the cache: a read and a write
    rm -r "$A/state/etcd-cache"
    assertEquals "stop without the cache" "2 0" "$(requests_of stopped end -)"
    # without the refresh note the lease is refreshed (and the cache not
    # trusted with it): a read, the refresh, a write; and noted again
    rm "$A/state/etcd-lease.json"
    assertEquals "start after the note is gone" "3 1" "$(requests_of prepare begin -)"
    assertTrue "noted again" "[ -s '$A/state/etcd-lease.json' ]"
}

test_a_stale_cache_never_decides() {
    on A prepare begin -
    on A stopped end -
    # B takes the guest; A's cache still says nobody has it
    on B prepare begin -
    assertEquals "B starts" 0 $?
    on A prepare begin -
    assertEquals "A is refused although its cache says the guest is free" 1 $?
    assertContains "$(cat "$A/err")" "guest vm1 is owned by host hostB"
    on B stopped end -
    # A's cache now says hostB owns it: wrong again, and A starts
    on A prepare begin -
    assertEquals "A starts although its cache says hostB owns the guest" 0 $?
    assertContains "$(lease B show vm1)" "owner:       hostA"
}

test_an_etcd_lease_call_loads_no_heavy_library() {
    mh_skip_under_checker "LD_DEBUG does not see through the sanitizer wrapper" && return
    local call libraries
    for call in "prepare begin" "stopped end"; do
        # shellcheck disable=SC2086 # the call is two words
        LD_DEBUG=files on A $call -
        assertEquals "$call" 0 $?
        libraries=$(sed -n 's/.*file=\([^ ]*\) \[.*/\1/p' "$A/err" | sort -u)
        # expat for the guest's identity, libresolv for etcd's base64; not
        # libxml2 (ICU), libcrypto or libcurl, each milliseconds to load
        assertContains "$call: $libraries" "$libraries" libexpat.so
        assertContains "$call: $libraries" "$libraries" libresolv.so
        assertNotContains "$call: $libraries" "$libraries" libxml2.so
        assertNotContains "$call: $libraries" "$libraries" libcrypto.so
        assertNotContains "$call: $libraries" "$libraries" libcurl.so
    done
}

test_unreachable_etcd_fails_start_closed_and_never_a_stop() {
    local start took
    SANDBOX=$A
    host_config hostA http://127.0.0.1:9
    on A prepare begin -
    assertEquals "start fails closed" 1 $?
    assertContains "$(cat "$A/err")" "no endpoint answered"
    start=$(date +%s%N)
    on A stopped end -
    assertEquals "stop exits 0" 0 $?
    took=$((($(date +%s%N) - start) / 1000000))
    assertTrue "took $took ms" "[ $took -lt $((3000 * MH_SLOWDOWN)) ]"
    lease A list 2>/dev/null
    assertEquals "mh-lease reports it" 1 $?
}

. "$MH_TOP/tests/shunit.sh"
