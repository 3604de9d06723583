#!/bin/bash
# bench/e2e-migration.sh - what migrate-hooks adds to a live migration's
# wall time, on the simulated hosts of the e2e tests (SPEC section 10).
#
#   bench/e2e-migration.sh [ROUNDS] [CONCURRENT]    (default 8 and 8; root)
#
# Two pairs of hosts run side by side: A and B with migrate-hooks installed
# (the example configuration), C and D without any hook. One guest per pair
# migrates back and forth, the two pairs in turn (interleaved, so that a
# slow moment of the machine hits both), with `virsh migrate --live --p2p`.
# Then CONCURRENT guests migrate at once, on each pair in turn. Printed:
# min/median/max wall seconds and the ratio with hooks to without.
# Target (issue 9): under 2% added.
set -u
MH_TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$MH_TOP/tests/e2e/mh.sh"
e2e_trap
rounds=${1:-8}
concurrent=${2:-8}

die() {
    echo "e2e-migration: $*" >&2
    exit 1
}

# elapsed SECONDS_VAR COMMAND...: run COMMAND; its wall time in seconds.
elapsed() {
    local start end
    start=$(date +%s.%N)
    "$@" >/dev/null || die "failed: $*"
    end=$(date +%s.%N)
    echo "$end - $start" | bc
}

# migrate_many SRC DST GUEST...: migrate every GUEST at once.
migrate_many() {
    local src=$1 dst=$2 guest pids=() status=0
    shift 2
    for guest in "$@"; do
        e2e_migrate "$src" "$dst" "$guest" &
        pids+=($!)
    done
    for pid in "${pids[@]}"; do
        wait "$pid" || status=1
    done
    return $status
}

# summary LABEL TIMES...: min median max of TIMES.
summary() {
    local label=$1
    shift
    printf '%s\n' "$@" | sort -g | awk -v label="$label" '
        { t[NR] = $1 }
        END { printf "%-26s %8.3f %8.3f %8.3f\n", label, t[1], t[int((NR + 1) / 2)], t[NR] }'
}

median() {
    printf '%s\n' "$@" | sort -g | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }'
}

mh_e2e_up A B || die "hosts A and B did not come up"
E2E_HOOKS='' e2e_host_up C || die "host C did not come up"
E2E_HOOKS='' e2e_host_up D || die "host D did not come up"
e2e_guest_define A bench-h && e2e_guest_define C bench-n || die "guests did not start"
# Both ways once before measuring: page cache, QEMU's first start.
e2e_migrate A B bench-h && e2e_migrate B A bench-h && e2e_migrate C D bench-n &&
    e2e_migrate D C bench-n || die "warm-up migration failed"

with=()
without=()
for ((round = 0; round < rounds; round++)); do
    if ((round % 2 == 0)); then
        with+=("$(elapsed e2e_migrate A B bench-h)")
        without+=("$(elapsed e2e_migrate C D bench-n)")
    else
        without+=("$(elapsed e2e_migrate D C bench-n)")
        with+=("$(elapsed e2e_migrate B A bench-h)")
    fi
done

guests_h=()
guests_n=()
for ((i = 0; i < concurrent; i++)); do
    e2e_guest_define A "many-h$i" && e2e_guest_define C "many-n$i" ||
        die "guest $i did not start"
    guests_h+=("many-h$i")
    guests_n+=("many-n$i")
done
many_with=$(elapsed migrate_many A B "${guests_h[@]}")
many_without=$(elapsed migrate_many C D "${guests_n[@]}")

echo "live migration wall time, seconds ($rounds rounds; 64 MiB TCG guest, p2p, unix socket)"
printf '%-26s %8s %8s %8s\n' "" min median max
summary "without hooks" "${without[@]}"
summary "with migrate-hooks" "${with[@]}"
printf 'ratio of medians: %.3fx (target under 1.02x)\n' \
    "$(echo "scale=6; $(median "${with[@]}") / $(median "${without[@]}")" | bc)"
echo
printf '%d concurrent migrations: without %.3f s, with %.3f s, ratio %.3fx\n' "$concurrent" \
    "$many_without" "$many_with" "$(echo "scale=6; $many_with / $many_without" | bc)"
e2e_teardown_all
