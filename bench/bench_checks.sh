#!/bin/bash
# bench/bench_checks.sh - what the pre-migration checks add to a migrate
# begin hook call, as a ratio to the no-op invocation (a call with nothing
# to do) and in milliseconds. Not part of the tests: timings vary.
#
#   bench/bench_checks.sh [ITERATIONS]      (default 300; needs root)
#
# Variants, each the dispatcher as installed in a sandbox (tests/cli/lib.sh)
# with a 10 KB domain XML on stdin:
#   no-op           "start begin": exits before reading anything
#   begin, off      migrate begin, every built-in check off, no cookie
#   begin, checks   migrate begin, all built-in checks at their defaults,
#                   an unsigned cookie (so versions are compared)
#   begin, signed   the same with cookie.key_file set (HMAC, libcrypto)
set -u
MH_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$MH_TOP/tests/cli/lib.sh"
ITERATIONS=${1:-300}

[ -x "$MH_BUILD/migrate-hooks" ] || { echo "build first: make" >&2; exit 1; }
mh_sandbox_new
trap mh_sandbox_remove EXIT
mkdir -p "$SANDBOX/ovs"
export MH_SANDBOX_MOUNTS="$SANDBOX/ovs:/run/openvswitch"

KEY=0123456789abcdef0123456789abcdef
printf '%s\n' "$KEY" >"$SANDBOX/etc/cluster.key"
chmod 0600 "$SANDBOX/etc/cluster.key"
COOKIE='{"migration_id":"bench-1","stamped":"2026-11-23T10:00:00.000Z","source":{"host_id":"hv-a","libvirt_version":"9.0.0","qemu_version":"7.2.22","hypervisor":"QEMU","domain_types":["qemu"]}}'

# A 10 KB domain XML: the template, padded with a description.
make_xml() {
    mh_domain_xml_with vm1 "$1" |
        awk -v pad="$(head -c 8000 /dev/zero | tr '\0' x)" \
            '{ print } /<\/uuid>/ { print "  <description>" pad "</description>" }'
}
make_xml "" >"$SANDBOX/plain.xml"
make_xml "$(mh_cookie_element "$COOKIE")" >"$SANDBOX/cookie.xml"
make_xml "$(mh_cookie_element "$COOKIE" "$SANDBOX/etc/cluster.key")" >"$SANDBOX/signed.xml"

printf '{}\n' >"$SANDBOX/empty.json"
chmod 0644 "$SANDBOX/empty.json"
ALL_OFF=$("$MH_BUILD/mh-check" --list --config-file "$SANDBOX/empty.json" |
    awk 'NR > 1 { printf "%s\"%s\": \"off\"", (NR > 2 ? ", " : ""), $1 }')
[ -x "$MH_BUILD/mh-bench" ] || { echo "build first: make bench" >&2; exit 1; }

# time_calls CONFIG XML OPERATION: median milliseconds of a call over
# ITERATIONS calls in one sandbox (mh-bench spawns them, so no shell cost
# is counted).
time_calls() {
    mh_config "$1"
    rm -f "$SANDBOX/etc/conf.d/00-sandbox.json" "$SANDBOX/state/journal.jsonl"
    mh_in_sandbox "$MH_BUILD/mh-bench" -n "$ITERATIONS" -i "$2" \
        "call=$MH_BUILD/migrate-hooks vm1 $3 begin -" | awk 'NR == 2 { print $(NF - 2) }'
}

# A first call fills the QEMU version cache, as it would on a host.
mh_config '{}'
mh_in_sandbox "$MH_BUILD/migrate-hooks" vm1 migrate begin - <"$SANDBOX/cookie.xml" >/dev/null 2>&1

noop=$(time_calls '{}' "$SANDBOX/plain.xml" start)
off=$(time_calls "{\"checks\": {\"severity\": {$ALL_OFF}}}" "$SANDBOX/plain.xml" migrate)
checks=$(time_calls '{"checks": {"severity": {"bridges": "warn"}}}' "$SANDBOX/cookie.xml" migrate)
signed=$(time_calls "{\"checks\": {\"severity\": {\"bridges\": \"warn\"}}, \"cookie\": {\"key_file\": \"$MH_CONF_DIR/cluster.key\"}}" \
    "$SANDBOX/signed.xml" migrate)

printf '%-16s %12s %9s\n' variant "ms (median)" "x no-op"
for row in "no-op $noop" "begin,off $off" "begin,checks $checks" "begin,signed $signed"; do
    set -- $row
    printf '%-16s %12.3f %9.2f\n' "$1" "$2" "$(echo "scale=4; $2 / $noop" | bc)"
done
printf '\nchecks add %.3f ms to migrate begin (cookie, facts, 13 built-in checks);\n' \
    "$(echo "$checks - $off" | bc)"
printf 'a signed cookie adds %.3f ms more (libcrypto loaded, HMAC verified).\n' \
    "$(echo "$signed - $checks" | bc)"
