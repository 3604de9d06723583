# tests/cli/etcd.sh - shared by the CLI tests of the etcd lease backend: a
# real etcd on loopback (plain HTTP, or HTTPS with client certificates),
# started and stopped by its pid, and two sandboxed hosts, A and B, using it.
# Source it instead of lib.sh; it defines setUp and tearDown.
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
. "$(dirname "${BASH_SOURCE[0]}")/two_hosts.sh"

UUID=4dea22b3-1d52-d8f3-2516-782e98ab3fa0

# free_port: a TCP port nothing listens on (good enough for a test).
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# etcd_start [TLS_DIR]: start etcd in a new $ETCD_DIR and wait until it
# answers; $ETCD_URL is its client URL. With TLS_DIR (tls_make_certs), it
# serves HTTPS only and requires a client certificate signed by TLS_DIR's CA.
etcd_start() {
    local tls_dir=${1:-} client peer i scheme=http tls=() probe=()
    ETCD_DIR=$(mktemp -d /tmp/mh-etcd.XXXXXX)
    client=$(free_port)
    peer=$(free_port)
    if [ -n "$tls_dir" ]; then
        scheme=https
        tls=(--cert-file "$tls_dir/server.pem" --key-file "$tls_dir/server.key"
            --client-cert-auth --trusted-ca-file "$tls_dir/ca.pem")
        probe=(--cacert "$tls_dir/ca.pem" --cert "$tls_dir/client.pem" --key "$tls_dir/client.key")
    fi
    ETCD_URL=$scheme://127.0.0.1:$client
    etcd --name cli --data-dir "$ETCD_DIR/data" --log-level warn "${tls[@]}" \
        --listen-client-urls "$ETCD_URL" --advertise-client-urls "$ETCD_URL" \
        --listen-peer-urls "http://127.0.0.1:$peer" \
        --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
        --initial-cluster "cli=http://127.0.0.1:$peer" >"$ETCD_DIR/log" 2>&1 &
    ETCD_PID=$!
    for i in $(seq 100); do
        curl -s -f -m 1 "${probe[@]}" -X POST -d '{"key":"eA=="}' "$ETCD_URL/v3/kv/range" \
            >/dev/null && return 0
        sleep 0.1
    done
    echo "etcd did not start; log:" >&2
    cat "$ETCD_DIR/log" >&2
    return 1
}

etcd_stop() {
    [ -n "${ETCD_PID:-}" ] && kill "$ETCD_PID" && wait "$ETCD_PID" 2>/dev/null
    [ -n "${ETCD_DIR:-}" ] && rm -rf "$ETCD_DIR"
    ETCD_PID=
    ETCD_DIR=
}

# tls_make_certs DIR: a throwaway CA (ca.pem, ca.key) and, signed by it, a
# server certificate for 127.0.0.1 (server.pem, server.key) and a client
# certificate (client.pem, client.key), made with the openssl CLI. The
# server's may also authenticate clients: etcd's JSON gateway connects to
# etcd's own gRPC port with it.
tls_make_certs() {
    local dir=$1
    mkdir -p "$dir" &&
        tls_make_ca "$dir" ca &&
        tls_make_cert "$dir" server 127.0.0.1 \
            'subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth,clientAuth' &&
        tls_make_cert "$dir" client hostA 'extendedKeyUsage=clientAuth'
}

# tls_make_ca DIR NAME: a self-signed CA, DIR/NAME.pem and DIR/NAME.key.
tls_make_ca() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj "/CN=migrate-hooks test $2" -keyout "$1/$2.key" -out "$1/$2.pem" 2>/dev/null
}

# tls_make_cert DIR NAME COMMON_NAME EXTENSIONS: DIR/NAME.pem and DIR/NAME.key,
# signed by DIR/ca.
tls_make_cert() {
    local dir=$1 name=$2
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$3" \
        -keyout "$dir/$name.key" -out "$dir/$name.csr" 2>/dev/null &&
        openssl x509 -req -in "$dir/$name.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" \
            -CAcreateserial -days 2 -extfile <(printf '%s\n' "$4") -out "$dir/$name.pem" 2>/dev/null &&
        chmod 0600 "$dir/$name.key"
}

COUNT=0
# ETCD_CLIENT: JSON object of more lease.etcd keys for host_config (TLS files).
ETCD_CLIENT='{}'

# host_config NAME [ENDPOINT [ETCD_KEYS]]: the sandbox's configuration
# (and cli.json, the same for mh-lease): leases on, etcd backend at
# ENDPOINT (default $ETCD_URL), a prefix per test, plus the lease.etcd keys
# of the JSON object ETCD_KEYS (default $ETCD_CLIENT).
host_config() {
    mh_config "$(jq -nc --arg host "$1" --arg endpoint "${2:-$ETCD_URL}" --arg prefix "$PREFIX" \
        --argjson more "${3:-$ETCD_CLIENT}" \
        '{host_id: $host, syslog: false, deadline_ms: 3000,
          lease: {enabled: true, backend: "etcd",
                  etcd: ({endpoints: [$endpoint], prefix: $prefix, timeout_ms: 1000} + $more)}}')"
    cp "$SANDBOX/etc/migrate-hooks.json" "$SANDBOX/cli.json"
}

# etcd_start_refuse_stop: A starts the guest, B is refused with the
# documented message, A refreshes its etcd lease, stops and releases, and B
# may start it (shunit2 asserts; plain HTTP or TLS alike).
etcd_start_refuse_stop() {
    on A prepare begin -
    assertEquals "A starts" 0 $?
    assertEquals "" "$(cat "$A/out")"
    assertEquals "" "$(cat "$A/err")"
    assertContains "$(lease B show vm1)" "owner:       hostA (since "
    on B prepare begin -
    assertEquals "B is refused" 1 $?
    assertContains "$(cat "$B/err")" "guest vm1 is owned by host hostA (since "
    assertContains "$(cat "$B/err")" "use mh-lease break after fencing hostA"
    assertContains "$(lease A keepalive)" "etcd lease of host hostA refreshed"
    on A stopped end -
    assertEquals 0 $?
    on A release end -
    assertEquals 0 $?
    assertEquals "A released it" "null" "$(lease B show --json vm1 | jq .owner)"
    on B prepare begin -
    assertEquals "B starts after A stopped" 0 $?
    assertContains "$(lease A list)" "hostB"
    assertContains "$(cat "$A/state/journal.jsonl")" '"backend":"etcd"'
}

setUp() {
    COUNT=$((COUNT + 1))
    PREFIX=/cli$COUNT/
    two_hosts_new
}

tearDown() {
    two_hosts_remove
}

