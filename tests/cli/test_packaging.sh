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
