#!/bin/bash
# hook-cost.sh - what one hook call costs, as ratios to `cat >/dev/null` of
# the same 10 KB domain XML (the floor: a process that only reads stdin).
#
#   bench/hook-cost.sh [ROUNDS]
#
# Targets (issue 3): a no-op call (GUEST stopped end -) at most 1.5x the
# floor; migrate begin with the default configuration under 3x.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-300}
hook=$top/build/migrate-hooks
input=$top/bench/data/domain-10k.xml
sandbox=$(mktemp -d /tmp/mh-bench.XXXXXX)
trap 'rm -rf "$sandbox"' EXIT
mkdir -p "$sandbox/etc" "$sandbox/state" /etc/migrate-hooks /var/lib/migrate-hooks
cp "$top/etc/migrate-hooks.json" "$sandbox/etc/"
# The checks that judge this machine (no KVM here, no br0, no disk images)
# still run, at their full cost, but only warn: a refusal is not the path
# being measured.
mkdir -p "$sandbox/etc/conf.d"
printf '{"checks": {"severity": {"hypervisor": "warn", "cpu-flags": "warn", "memory": "warn", "hugepages": "warn", "bridges": "warn", "networks": "warn", "disks": "warn"}}}\n' \
    >"$sandbox/etc/conf.d/bench.json"

echo "hook cost, $(wc -c <"$input") bytes of domain XML on stdin, $rounds rounds"
unshare --mount -- /bin/sh -c '
    mount --make-rprivate / &&
    mount --bind "$0/etc" /etc/migrate-hooks &&
    mount --bind "$0/state" /var/lib/migrate-hooks &&
    exec "$@"' "$sandbox" \
    "$top/build/mh-bench" -n "$rounds" -i "$input" \
    "cat >/dev/null (floor)=/bin/cat" \
    "no-op: stopped end=$hook web1 stopped end -" \
    "migrate begin, default config=$hook web1 migrate begin -"
