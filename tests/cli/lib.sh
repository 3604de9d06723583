# tests/cli/lib.sh - shared by the shunit2 tests of the binaries.
#
# The hook has no config override (libvirt scrubs its environment), so it is
# run as installed would be: in a private mount namespace where a sandbox's
# etc/ and state/ directories are bind-mounted over /etc/migrate-hooks and
# /var/lib/migrate-hooks. Needs root (unshare, mount).

MH_TOP=${MH_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
MH_BUILD=${MH_BUILD:-$MH_TOP/build}
MH_DATA=$MH_TOP/tests/data
# Factor on the time bounds tests assert (tests/wrap.sh sets it: memcheck
# and the sanitizers run everything slower).
MH_SLOWDOWN=${MH_SLOWDOWN:-1}
# The checker the programs of MH_BUILD run under (tests/wrap.sh: valgrind,
# asan), empty for the plain build.
MH_CHECKER=${MH_CHECKER:-}
MH_CONF_DIR=/etc/migrate-hooks
MH_STATE_DIR=/var/lib/migrate-hooks

# mh_skip REASON: mark the running test skipped (its assertions no longer
# count; tests/shunit.sh counts it skipped) and say why, for tests/run to
# print. The test should return at once.
mh_skip() {
    echo "mh-test-skipped: ${_shunit_test_:-?}: $1"
    startSkipping
}

# mh_skip_under_checker REASON: first line of a test that runs none of the
# binaries under test (it reads docs, builds a package...), as
#   mh_skip_under_checker "reads the man pages only" && return
# Under a checker, skips the test and returns 0; on the plain build returns
# 1 and the test runs.
mh_skip_under_checker() {
    [ -n "$MH_CHECKER" ] || return 1
    mh_skip "under $MH_CHECKER, $1"
}

# mh_skip_script REASON: at the top of a script, skip every test of it;
# none of them runs, nor oneTimeSetUp.
mh_skip_script() {
    MH_SCRIPT_SKIPPED=$1
}

# mh_skip_script_under_checker REASON: the same, under a checker only.
mh_skip_script_under_checker() {
    [ -z "$MH_CHECKER" ] || mh_skip_script "under $MH_CHECKER, $1"
}

# mh_sandbox_new: make $SANDBOX with etc/ (config, conf.d, checks.d) and
# state/; the mount points are created (empty) when missing.
#
# A drop-in turns off the checks that judge this machine rather than the
# code under test; tests of those checks remove it with mh_sandbox_strict.
mh_sandbox_new() {
    SANDBOX=$(mktemp -d /tmp/mh-cli.XXXXXX)
    chmod 0755 "$SANDBOX"
    mkdir -p "$SANDBOX/etc/conf.d" "$SANDBOX/etc/checks.d" "$SANDBOX/state"
    chmod 0755 "$SANDBOX/etc" "$SANDBOX/etc/conf.d" "$SANDBOX/etc/checks.d"
    # Checks that judge this machine (no KVM, no br0, the guest's disks and
    # memory) are off unless a test asks for mh_sandbox_strict.
    printf '{"checks": {"severity": {"hypervisor": "off", "cpu-flags": "off", "memory": "off", "hugepages": "off", "bridges": "off", "networks": "off", "disks": "off"}}}\n' \
        >"$SANDBOX/etc/conf.d/00-sandbox.json"
    chmod 0644 "$SANDBOX/etc/conf.d/00-sandbox.json"
    mkdir -p "$MH_CONF_DIR" "$MH_STATE_DIR"
}

# mh_sandbox_strict: every check at its default severity.
mh_sandbox_strict() {
    rm -f "$SANDBOX/etc/conf.d/00-sandbox.json"
}

# mh_test_driver_source: in the current sandbox, libvirt's test driver
# with tests/data/check/source-node.xml as the source host ($SOURCE), and an
# empty directory for external checks ($SANDBOX/checks.d).
mh_test_driver_source() {
    sed "s/@METADATA@//" "$MH_DATA/check/source-node.xml" >"$SANDBOX/source-node.xml"
    SOURCE="test://$SANDBOX/source-node.xml"
    mkdir -p "$SANDBOX/checks.d"
    chmod 0755 "$SANDBOX/checks.d"
}

mh_sandbox_remove() {
    [ -n "${SANDBOX:-}" ] && [ -d "$SANDBOX" ] && rm -rf "$SANDBOX"
    SANDBOX=
}

# mh_config TEXT: write the sandbox's migrate-hooks.json (mode 0644).
mh_config() {
    printf '%s\n' "$1" >"$SANDBOX/etc/migrate-hooks.json"
    chmod 0644 "$SANDBOX/etc/migrate-hooks.json"
}

# mh_in_sandbox COMMAND...: run COMMAND (stdin passed through) with the
# sandbox mounted over the installed config and state directories, and
# each SOURCE:TARGET of $MH_SANDBOX_MOUNTS (exported) bound too.
mh_in_sandbox() {
    unshare --mount -- /bin/sh -c '
        mount --make-rprivate / &&
        mount --bind "$0/etc" '"$MH_CONF_DIR"' &&
        mount --bind "$0/state" '"$MH_STATE_DIR"' &&
        for pair in ${MH_SANDBOX_MOUNTS:-}; do
            mount --bind "${pair%%:*}" "${pair#*:}" || exit 125
        done &&
        exec "$@"' "$SANDBOX" "$@"
}

# mh_hook ARGS...: run the dispatcher in the sandbox; stdout and stderr of
# the hook go to $SANDBOX/out and $SANDBOX/err, the exit code is returned.
mh_hook() {
    mh_in_sandbox "$MH_BUILD/migrate-hooks" "$@" >"$SANDBOX/out" 2>"$SANDBOX/err"
}

# mh_journal_lines: number of lines in the sandbox's journal.
mh_journal_lines() {
    if [ -f "$SANDBOX/state/journal.jsonl" ]; then
        wc -l <"$SANDBOX/state/journal.jsonl"
    else
        echo 0
    fi
}

# mh_cookie_element JSON [KEY_FILE]: the <mh:cookie> element carrying JSON
# (docs/cookie.md), signed with the key in KEY_FILE when given; openssl
# computes the HMAC, independently of lib/mh_cookie.c.
mh_cookie_element() {
    local json=$1 key_file=${2:-} hmac=""
    if [ -n "$key_file" ]; then
        hmac=$(printf '1\n%s' "$json" |
            openssl dgst -sha256 -hmac "$(cat "$key_file")" -binary | base64)
        hmac=" hmac=\"$hmac\""
    fi
    printf '<mh:cookie xmlns:mh="urn:migrate-hooks:cookie:1" version="1"%s>%s</mh:cookie>' \
        "$hmac" "$(printf '%s' "$json" | sed 's/&/\&amp;/g; s/</\&lt;/g; s/>/\&gt;/g')"
}

# mh_domain_xml_with NAME METADATA: the domain XML of mh_domain_xml with
# METADATA (e.g. a cookie element) inside <metadata>.
mh_domain_xml_with() {
    mh_domain_xml "$1" | METADATA="$2" awk '
        { print }
        /<uuid>/ { print "  <metadata>" ENVIRON["METADATA"] "</metadata>" }'
}

# mh_domain_xml NAME: a small valid domain XML on stdout.
mh_domain_xml() {
    sed "s/@NAME@/${1:-vm1}/" "$MH_DATA/xml/domain-template.xml"
}
