#!/bin/bash
# test_packaging.sh - man pages, versions and the RPM spec stay in step with
# the code. (The .deb is built and installed by tests/e2e/test_package.sh.)
. "$(dirname "$0")/lib.sh"

test_every_man_page_renders_without_warnings() {
    local page out
    mh_skip_under_checker "reads the man pages only" && return
    for page in "$MH_TOP"/packaging/man/*.[1-8]; do
        out=$(LC_ALL=C.UTF-8 groff -man -ww -z "$page" 2>&1)
        assertEquals "groff warnings for $page" "" "$out"
        out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$page" 2>&1 >/dev/null)
        assertEquals "man -l warnings for $page" "" "$out"
    done
}

test_every_helper_and_the_hook_have_a_man_page() {
    local source name
    mh_skip_under_checker "reads the source tree only" && return
    assertTrue "[ -f '$MH_TOP/packaging/man/migrate-hooks.8' ]"
    assertTrue "[ -f '$MH_TOP/packaging/man/migrate-hooks.json.5' ]"
    for source in "$MH_TOP"/helpers/mh-*.c; do
        name=$(basename "$source" .c)
        assertTrue "man page for $name" "[ -f '$MH_TOP/packaging/man/$name.8' ]"
    done
}

test_every_helper_answers_help_and_version() {
    local source name
    for source in "$MH_TOP"/helpers/mh-*.c; do
        name=$(basename "$source" .c)
        "$MH_BUILD/$name" --help | grep -q "^usage: $name"
        assertEquals "$name --help" 0 $?
        assertEquals "$name --version" "$name (migrate-hooks) $(cat "$MH_TOP/VERSION")" \
            "$("$MH_BUILD/$name" --version)"
        "$MH_BUILD/$name" --no-such-option >/dev/null 2>&1
        assertEquals "$name with a bad option" 64 $?
    done
}

# Every helper reads its configuration from -F / --config-file FILE: each
# is given a file that is not JSON and must say so, naming it, as an error
# (1), not a usage error (64). The older spellings (-c/--config of
# mh-journal, mh-lease and mh-rewrite, -C/--config of mh-ports) still work.
test_every_helper_takes_its_configuration_from_config_file() {
    local call helper status dir bad
    # a fresh file: in $MH_BUILD it could be the checker's symlink to one
    dir=$(mktemp -d /tmp/mh-config-file.XXXXXX)
    bad=$dir/not-json.json
    printf '{"x":\n' >"$bad"
    chmod 0644 "$bad"
    for call in "mh-agent --config-file BAD --once" "mh-check --config-file BAD --list" \
                "mh-journal --config-file BAD" "mh-lease --config-file BAD list" \
                "mh-migrate --config-file BAD vm1 qemu:///nowhere" \
                "mh-ports --config-file BAD show vm1" "mh-rewrite --config-file BAD -" \
                "mh-stamp --config-file BAD vm1" "mh-lease -F BAD list" \
                "mh-journal -c BAD" "mh-lease -c BAD list" "mh-rewrite -c BAD -" \
                "mh-ports -C BAD show vm1"; do
        # shellcheck disable=SC2086 # split into the helper and its arguments
        set -- ${call//BAD/$bad}
        helper=$1
        shift
        "$MH_BUILD/$helper" "$@" </dev/null >/dev/null 2>"$dir/err"
        status=$?
        assertEquals "$call: $(cat "$dir/err")" 1 "$status"
        assertContains "$call" "$(cat "$dir/err")" "$bad:2:"
    done
    rm -rf "$dir"
    # every helper documents it
    for helper in "$MH_TOP"/helpers/mh-*.c; do
        helper=$(basename "$helper" .c)
        assertContains "$helper --help" "$("$MH_BUILD/$helper" --help)" "-F, --config-file"
    done
}

test_versions_agree() {
    local version
    mh_skip_under_checker "reads the source tree only" && return
    version=$(cat "$MH_TOP/VERSION")
    assertEquals "debian/changelog" "$version" \
        "$(sed -n '1s/^migrate-hooks (\([^)-]*\).*/\1/p' "$MH_TOP/packaging/debian/changelog")"
    assertEquals "RPM spec" "$version" \
        "$(sed -n 's/^Version: *//p' "$MH_TOP/packaging/rpm/migrate-hooks.spec")"
}

test_rpm_spec_parses_and_builds_with_every_file_listed() {
    mh_skip_under_checker "builds an RPM from the sources, not the binaries under test" && return
    rpmspec -P "$MH_TOP/packaging/rpm/migrate-hooks.spec" >/dev/null 2>&1
    assertEquals "rpmspec -P" 0 $?
    "$MH_TOP/packaging/build-rpm.sh" >/dev/null 2>"$MH_BUILD/rpm.err"
    status=$?
    assertEquals "rpmbuild: $(tail -5 "$MH_BUILD/rpm.err")" 0 "$status"
}

. "$MH_TOP/tests/shunit.sh"
