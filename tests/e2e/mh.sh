# tests/e2e/mh.sh - two simulated hosts with migrate-hooks installed.
#
# Source it from an e2e test (after nothing else): it sources lib.sh, installs
# the built hook as qemu.d/50-migrate-hooks in every host it brings up, and
# adds helpers to configure migrate-hooks per host and read its journal.

MH_E2E=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
MH_TOP=$(cd "$MH_E2E/../.." && pwd)
MH_BUILD=${MH_BUILD:-$MH_TOP/build}
. "$MH_E2E/lib.sh"

# The hook goes in under the name it is installed with (unless the test
# installs it another way and sets MH_E2E_BUILT_HOOK=no first).
if [ "${MH_E2E_BUILT_HOOK:-yes}" = yes ]; then
    mkdir -p "$E2E_ROOT/hooks"
    cp "$MH_BUILD/migrate-hooks" "$E2E_ROOT/hooks/50-migrate-hooks"
    E2E_HOOKS=$E2E_ROOT/hooks/50-migrate-hooks
fi

# mh_e2e_up HOST...: bring hosts up with the example configuration.
mh_e2e_up() {
    local host
    for host in "$@"; do
        if [ "${MH_E2E_BUILT_HOOK:-yes}" = yes ]; then
            mkdir -p "$E2E_ROOT/$host/etc/migrate-hooks"
            install -m 0644 "$MH_TOP/etc/migrate-hooks.json" \
                "$E2E_ROOT/$host/etc/migrate-hooks/migrate-hooks.json"
        fi
        e2e_host_up "$host" || return 1
    done
}

# mh_e2e_config HOST JSON: replace HOST's migrate-hooks.json. The hook reads
# it on every call: no restart needed.
mh_e2e_config() {
    local file
    file=$(e2e_path "$1" /etc/migrate-hooks/migrate-hooks.json)
    printf '%s\n' "$2" >"$file.new" && chmod 0644 "$file.new" && mv "$file.new" "$file"
}

# mh_e2e_journal HOST [mh-journal options]: HOST's journal.
mh_e2e_journal() {
    local host=$1
    shift
    "$MH_BUILD/mh-journal" -f "$(e2e_path "$host" /var/lib/migrate-hooks/journal.jsonl)" "$@"
}

# mh_e2e_journal_reset HOST...: start the journals afresh.
mh_e2e_journal_reset() {
    local host
    for host in "$@"; do
        : >"$(e2e_path "$host" /var/lib/migrate-hooks/journal.jsonl)"
    done
}

# mh_e2e_state HOST GUEST: the guest's state on HOST ("running", "shut off",
# or "absent").
mh_e2e_state() {
    e2e_virsh "$1" domstate "$2" 2>/dev/null || echo absent
}

# mh_e2e_tainted HOST GUEST: taints in the guest's QEMU log on HOST other than
# the one running QEMU as root always brings.
mh_e2e_tainted() {
    grep -i taint "$(e2e_path "$1" "/var/log/libvirt/qemu/$2.log")" |
        grep -v 'is tainted: high-privileges$'
}
