#!/bin/bash
# hook-cost.sh - what one hook call costs, as ratios to `cat >/dev/null` of
# the same 10 KB domain XML (the floor: a process that only reads stdin),
# and against hooks written the way operators write them today.
#
#   bench/hook-cost.sh [ROUNDS]          (make bench runs it; needs root)
#
# Two tables, each measured side by side (interleaved) with its own floor:
#   1. the default configuration: a no-op call (GUEST stopped end -), the
#      started begin every start of a guest runs (reads the cookie),
#      migrate begin without a cookie, and migrate begin with a cookie so
#      that every built-in check runs, the version checks included;
#   2. the same rewrite (bench/data/rewrite.json: bridge, disk prefix,
#      listen address) done by migrate-hooks, by a /bin/sh + xmlstarlet hook
#      and by a python3 + xml.etree hook (bench/peers/).
# Targets (issue 3): no-op at most 1.5x the floor; migrate begin with the
# default configuration under 3x.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
. "$top/tests/cli/lib.sh"
rounds=${1:-300}
hook=$top/build/migrate-hooks
input=$top/bench/data/domain-10k.xml
sandbox=$(mktemp -d /tmp/mh-bench.XXXXXX)
trap 'rm -rf "$sandbox"' EXIT
mkdir -p "$MH_CONF_DIR" "$MH_STATE_DIR"

# The checks that judge this machine (no KVM here, no br0, no disk images)
# still run, at their full cost, but only warn: a refusal is not the path
# being measured.
judging='"hypervisor": "warn", "cpu-flags": "warn", "memory": "warn", "hugepages": "warn", "bridges": "warn", "networks": "warn", "disks": "warn"'

# make_config NAME EXTRA_JSON: a sandbox configuration directory NAME.
make_config() {
    mkdir -p "$sandbox/$1/etc/conf.d" "$sandbox/$1/state"
    cp "$top/etc/migrate-hooks.json" "$sandbox/$1/etc/"
    printf '{"checks": {"severity": {%s}}%s}\n' "$judging" "$2" >"$sandbox/$1/etc/conf.d/bench.json"
}

# in_sandbox NAME COMMAND...: COMMAND with NAME's configuration and state
# mounted where the hook looks for them (tests/cli/lib.sh's sandbox).
in_sandbox() {
    local name=$1
    shift
    SANDBOX=$sandbox/$name mh_in_sandbox "$@"
}

make_config default ''
make_config rewrite ", \"rewrite\": $(jq -c .rewrite "$top/bench/data/rewrite.json")"

# The same XML with a cookie from a source like this host, so that the
# version checks have something to compare.
libvirt=$(dpkg-query -W -f '${Version}' libvirt-daemon 2>/dev/null | sed 's/[-+~].*//')
qemu=$(dpkg-query -W -f '${Version}' qemu-system-x86 2>/dev/null | sed 's/^[0-9]*://; s/[-+~].*//')
cookie=$(printf '{"migration_id":"bench-1","stamped":"%s","source":{"host_id":"hv-src","libvirt_version":"%s","qemu_version":"%s","hypervisor":"QEMU","domain_types":["qemu","kvm"]}}' \
    "$(date -u +%Y-%m-%dT%H:%M:%S.000Z)" "${libvirt:-9.0.0}" "${qemu:-7.2.0}")
element=$(printf '<mh:cookie xmlns:mh="urn:migrate-hooks:cookie:1" version="1">%s</mh:cookie>' \
    "$cookie")
ELEMENT=$element awk '{ print } /<metadata>/ { print "    " ENVIRON["ELEMENT"] }' "$input" \
    >"$sandbox/cookie.xml"

echo "hook cost, $(wc -c <"$input") bytes of domain XML on stdin, $rounds rounds"
echo
echo "1. default configuration"
# A first call fills the QEMU version cache, as on a host that ran one.
in_sandbox default "$hook" web1 migrate begin - <"$sandbox/cookie.xml" >/dev/null 2>&1 || true
in_sandbox default "$top/build/mh-bench" -n "$rounds" -i "$input" \
    "cat >/dev/null (floor)=/bin/cat" \
    "no-op: stopped end=$hook web1 stopped end -" \
    "a start: started begin=$hook web1 started begin -" \
    "migrate begin, no cookie=$hook web1 migrate begin -" \
    "migrate begin, all checks=$hook web1 migrate begin - <$sandbox/cookie.xml"
echo
echo "2. the same rewrite (bench/data/rewrite.json), three ways"
in_sandbox rewrite "$top/build/mh-bench" -n "$rounds" -i "$input" \
    "cat >/dev/null (floor)=/bin/cat" \
    "migrate-hooks=$hook web1 migrate begin -" \
    "sh + xmlstarlet=$top/bench/peers/rewrite-xmlstarlet.sh web1 migrate begin -" \
    "python3 + xml.etree=$top/bench/peers/rewrite-etree.py web1 migrate begin -"
