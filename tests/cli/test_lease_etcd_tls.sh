#!/bin/bash
# test_lease_etcd_tls.sh - the etcd lease backend over HTTPS with client
# certificates (lease.etcd.ca_file, cert_file, key_file): a real etcd on
# loopback that requires a client certificate signed by a throwaway CA made
# here with openssl. Leases work through the hook and mh-lease; without a
# client certificate, or trusting another CA, starts are refused (fail
# closed), stops still exit 0, and the error says what is wrong.
. "$(dirname "$0")/etcd.sh"

oneTimeSetUp() {
    TLS_DIR=$(mktemp -d /tmp/mh-etcd-tls.XXXXXX)
    # Another CA, which signed nothing etcd shows.
    tls_make_certs "$TLS_DIR" && tls_make_ca "$TLS_DIR" other-ca || return 1
    ETCD_CLIENT=$(jq -nc --arg dir "$TLS_DIR" \
        '{ca_file: "\($dir)/ca.pem", cert_file: "\($dir)/client.pem", key_file: "\($dir)/client.key"}')
    etcd_start "$TLS_DIR"
}

oneTimeTearDown() {
    etcd_stop
    [ -n "${TLS_DIR:-}" ] && rm -rf "$TLS_DIR"
}

# assert_start_refused_stop_passes WHAT MESSAGE: on A (configured to fail
# the way WHAT says), a start fails closed with MESSAGE, a stop exits 0
# anyway, and mh-lease fails with MESSAGE too.
assert_start_refused_stop_passes() {
    local output
    on A prepare begin -
    assertEquals "$1: the start fails closed" 1 $?
    assertContains "$1: the hook says why" "$(cat "$A/err")" "$2"
    assertContains "$(cat "$A/err")" "prepare begin failed, refusing (fail closed)"
    on A release end -
    assertEquals "$1: a stop is never refused" 0 $?
    output=$(lease A list 2>&1)
    assertEquals "$1: mh-lease fails" 1 $?
    assertContains "$1: mh-lease says why" "$output" "$2"
    assertEquals "$1: nothing was written" "[]" "$(lease B list --json)"
}

test_leases_over_tls_with_a_client_certificate() {
    assertContains "$ETCD_URL" "https://127.0.0.1:"
    etcd_start_refuse_stop
}

test_without_a_client_certificate_starts_fail_closed() {
    SANDBOX=$A
    host_config hostA "$ETCD_URL" "$(jq -c '{ca_file}' <<<"$ETCD_CLIENT")"
    assert_start_refused_stop_passes "no client certificate" \
        "(no client certificate sent: if etcd requires one, set lease.etcd.cert_file and key_file)"
}

test_a_server_signed_by_another_ca_is_not_trusted() {
    SANDBOX=$A
    host_config hostA "$ETCD_URL" "$(jq -c --arg ca "$TLS_DIR/other-ca.pem" '. + {ca_file: $ca}' \
        <<<"$ETCD_CLIENT")"
    assert_start_refused_stop_passes "another CA" "SSL certificate problem"
}

test_ca_file_is_the_only_ca_trusted() {
    local certs=$TLS_DIR/system-certs
    # The system's CA directory, as the hook sees it, trusts etcd's CA:
    # ca_file naming another CA must still refuse etcd (libcurl reads the
    # directory too unless told not to).
    mkdir -p "$certs" && cp "$TLS_DIR/ca.pem" "$certs/" && openssl rehash "$certs"
    SANDBOX=$A
    host_config hostA "$ETCD_URL" "$(jq -c --arg ca "$TLS_DIR/other-ca.pem" '. + {ca_file: $ca}' \
        <<<"$ETCD_CLIENT")"
    MH_SANDBOX_MOUNTS="$certs:/etc/ssl/certs" on A prepare begin -
    assertEquals "the start fails closed" 1 $?
    assertContains "$(cat "$A/err")" "certificate"
}

test_plain_http_to_the_tls_port_fails() {
    SANDBOX=$A
    host_config hostA "http://${ETCD_URL#https://}"
    assert_start_refused_stop_passes "http:// to HTTPS" "no endpoint answered"
}

. "$MH_TOP/tests/shunit.sh"
