#!/bin/bash
# bench/bench_migrate.sh - wall time of mh-migrate --p2p against virsh
# migrate --live --p2p for the same guest between the two simulated hosts
# (tests/e2e/lib.sh), side by side: the two tools alternate, each migrating
# in both directions equally often. Prints min/median/max of each and the
# ratio of the medians. Not a test: it prints.
#
#   bench/bench_migrate.sh [ROUNDS]      (make bench runs it; needs root)
set -u
cd "$(dirname "$0")/.." || exit 1
rounds=${1:-6}
. tests/e2e/mh.sh
e2e_trap
GUEST=bench1

mh_e2e_up A B && e2e_guest_define A "$GUEST" || exit 1
mkdir -p "$E2E_ROOT/mig"

now() {
    date +%s.%N
}

# run_mh SRC DST / run_virsh SRC DST: one migration; prints its seconds.
run_mh() {
    local start
    start=$(now)
    nsenter -t "$(cat "$E2E_ROOT/$1/pid/holder")" -m -n -u -- "$MH_BUILD/mh-migrate" --p2p --yes \
        --migrate-uri "unix://$E2E_ROOT/mig/$GUEST.sock" "$GUEST" "$(e2e_uri "$2")" \
        </dev/null >"$E2E_ROOT/mh.out" 2>&1 || {
        cat "$E2E_ROOT/mh.out" >&2
        return 1
    }
    echo "$(now) - $start" | bc
}

run_virsh() {
    local start
    start=$(now)
    e2e_migrate "$1" "$2" "$GUEST" >/dev/null || return 1
    echo "$(now) - $start" | bc
}

# stats FILE: "min median max" of the numbers in FILE.
stats() {
    sort -n "$1" | awk '{ v[NR] = $1 } END {
        m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%.3f %.3f %.3f", v[1], m, v[NR] }'
}

: >"$E2E_ROOT/mh.times"
: >"$E2E_ROOT/virsh.times"
here=A there=B
for ((i = 0; i < rounds; i++)); do
    # Alternate which tool goes first, so each moves the guest both ways.
    if ((i % 2 == 0)); then
        run_mh "$here" "$there" >>"$E2E_ROOT/mh.times" || exit 1
        run_virsh "$there" "$here" >>"$E2E_ROOT/virsh.times" || exit 1
    else
        run_virsh "$here" "$there" >>"$E2E_ROOT/virsh.times" || exit 1
        run_mh "$there" "$here" >>"$E2E_ROOT/mh.times" || exit 1
    fi
done

read -r mh_min mh_med mh_max <<<"$(stats "$E2E_ROOT/mh.times")"
read -r v_min v_med v_max <<<"$(stats "$E2E_ROOT/virsh.times")"
printf 'live p2p migration of a 64 MiB TCG guest, %d runs each (seconds)\n' "$rounds"
printf '%-26s %8s %8s %8s\n' "" min median max
printf '%-26s %8s %8s %8s\n' "virsh migrate --live --p2p" "$v_min" "$v_med" "$v_max"
printf '%-26s %8s %8s %8s\n' "mh-migrate --p2p" "$mh_min" "$mh_med" "$mh_max"
printf 'ratio mh-migrate / virsh:  min %.3f  median %.3f  max %.3f  (target: median <= 1.02)\n' \
    "$(echo "$mh_min / $v_min" | bc -l)" "$(echo "$mh_med / $v_med" | bc -l)" \
    "$(echo "$mh_max / $v_max" | bc -l)"
