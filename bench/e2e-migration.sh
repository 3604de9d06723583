#!/bin/bash
# bench/e2e-migration.sh - what migrate-hooks adds to a live migration's
# wall time, on the simulated hosts of the e2e tests (SPEC section 10).
#
#   bench/e2e-migration.sh [ROUNDS] [CONCURRENT]    (default 8 and 8; root)
#
# Three pairs of hosts run side by side: A and B with migrate-hooks
# installed (the example configuration), C and D without any hook, E and F
# with the smallest hook there is (a shell script that reads its stdin), so
# that what libvirt pays to run any hook at all shows apart from what
# migrate-hooks adds. One guest per pair migrates back and forth, the pairs
# in turn (interleaved, so that a slow moment of the machine hits all),
# with `virsh migrate --live --p2p`. Then CONCURRENT guests migrate at
# once, on each pair in turn. Printed: min/median/max wall seconds and the
# ratios to the pair without hooks. Target (issue 9): under 2% added.
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

# summary LABEL TIMES...: min median max of TIMES (no newline).
summary() {
    local label=$1
    shift
    printf '%s\n' "$@" | sort -g | awk -v label="$label" '
        { t[NR] = $1 }
        END { printf "%-26s %8.3f %8.3f %8.3f", label, t[1], t[int((NR + 1) / 2)], t[NR] }'
}

median() {
    printf '%s\n' "$@" | sort -g | awk '{ t[NR] = $1 } END { print t[int((NR + 1) / 2)] }'
}

mh_e2e_up A B || die "hosts A and B did not come up"
E2E_HOOKS='' e2e_host_up C || die "host C did not come up"
E2E_HOOKS='' e2e_host_up D || die "host D did not come up"
printf '#!/bin/sh\nexec cat >/dev/null\n' >"$E2E_ROOT/50-cat"
chmod 0755 "$E2E_ROOT/50-cat"
E2E_HOOKS=$E2E_ROOT/50-cat e2e_host_up E || die "host E did not come up"
E2E_HOOKS=$E2E_ROOT/50-cat e2e_host_up F || die "host F did not come up"
e2e_guest_define A bench-h && e2e_guest_define C bench-n && e2e_guest_define E bench-c ||
    die "guests did not start"
# Both ways once before measuring: page cache, QEMU's first start.
e2e_migrate A B bench-h && e2e_migrate B A bench-h && e2e_migrate C D bench-n &&
    e2e_migrate D C bench-n && e2e_migrate E F bench-c && e2e_migrate F E bench-c ||
    die "warm-up migration failed"

with=()
without=()
cat_hook=()
for ((round = 0; round < rounds; round++)); do
    if ((round % 2 == 0)); then
        with+=("$(elapsed e2e_migrate A B bench-h)")
        without+=("$(elapsed e2e_migrate C D bench-n)")
        cat_hook+=("$(elapsed e2e_migrate E F bench-c)")
    else
        cat_hook+=("$(elapsed e2e_migrate F E bench-c)")
        without+=("$(elapsed e2e_migrate D C bench-n)")
        with+=("$(elapsed e2e_migrate B A bench-h)")
    fi
done

guests_h=()
guests_n=()
guests_c=()
for ((i = 0; i < concurrent; i++)); do
    e2e_guest_define A "many-h$i" && e2e_guest_define C "many-n$i" &&
        e2e_guest_define E "many-c$i" || die "guest $i did not start"
    guests_h+=("many-h$i")
    guests_n+=("many-n$i")
    guests_c+=("many-c$i")
done
many_without=$(elapsed migrate_many C D "${guests_n[@]}")
many_with=$(elapsed migrate_many A B "${guests_h[@]}")
many_cat=$(elapsed migrate_many E F "${guests_c[@]}")

ratio() {
    echo "scale=6; $1 / $2" | bc
}
base=$(median "${without[@]}")
echo "live migration wall time, seconds ($rounds rounds; 64 MiB TCG guest, p2p, unix socket)"
printf '%-26s %8s %8s %8s %8s\n' "" min median max ratio
summary "without hooks" "${without[@]}"
printf '%8.3fx\n' 1
summary "a cat hook (libvirt's cost)" "${cat_hook[@]}"
printf '%8.3fx\n' "$(ratio "$(median "${cat_hook[@]}")" "$base")"
summary "with migrate-hooks" "${with[@]}"
printf '%8.3fx  (target under 1.02x)\n' "$(ratio "$(median "${with[@]}")" "$base")"
echo
printf '%d concurrent migrations, wall seconds: without %.3f, cat hook %.3f (%.3fx), migrate-hooks %.3f (%.3fx)\n' \
    "$concurrent" "$many_without" "$many_cat" "$(ratio "$many_cat" "$many_without")" \
    "$many_with" "$(ratio "$many_with" "$many_without")"
e2e_teardown_all
