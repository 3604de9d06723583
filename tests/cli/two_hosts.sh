# tests/cli/two_hosts.sh - for CLI tests with two sandboxed hosts in $A and
# $B (directories made by mh_sandbox_new): run the hook or mh-lease as one
# of them. Sourced after lib.sh.

# on HOST OPERATION SUB-OPERATION [EXTRA]: the hook on host A or B for guest
# vm1 (exit code returned; output in $SANDBOX/out and err).
on() {
    local host=$1
    shift
    if [ "$host" = A ]; then SANDBOX=$A; else SANDBOX=$B; fi
    mh_domain_xml vm1 | mh_hook vm1 "$@"
}

# lease HOST ARGS...: mh-lease as host A or B (stdin passed through).
lease() {
    local host=$1
    shift
    if [ "$host" = A ]; then SANDBOX=$A; else SANDBOX=$B; fi
    "$MH_BUILD/mh-lease" --config "$SANDBOX/cli.json" "$@"
}
