# tests/cli/two_hosts.sh - for CLI tests with two sandboxed hosts in $A and
# $B (directories made by mh_sandbox_new): make and remove them, run the
# hook or mh-lease as one of them. Sourced after lib.sh.

# two_hosts_new: sandboxes $A and $B, configured by the test's
# host_config HOST-ID (hostA, hostB) with $SANDBOX set to each.
two_hosts_new() {
    mh_sandbox_new
    A=$SANDBOX
    host_config hostA
    mh_sandbox_new
    B=$SANDBOX
    host_config hostB
}

two_hosts_remove() {
    SANDBOX=$A mh_sandbox_remove
    SANDBOX=$B mh_sandbox_remove
}

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
