#!/bin/sh
# build-rpm.sh - build the RPM from this tree with rpmbuild -bb, in a
# temporary _topdir. On Debian, whose rpm database knows no packages,
# BuildRequires cannot be checked (--nodeps); the build still fails on any
# installed file that the spec's file list misses. The .rpm ends up in
# build/packages/.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
version=$(cat "$top/VERSION")
work=$(mktemp -d /tmp/mh-rpm.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/SOURCES" "$work/src/migrate-hooks-$version"
tar -C "$top" --exclude=./build --exclude=./.git -cf - . |
    tar -C "$work/src/migrate-hooks-$version" -xf -
tar -C "$work/src" -czf "$work/SOURCES/migrate-hooks-$version.tar.gz" "migrate-hooks-$version"
rpmbuild --define "_topdir $work" --nodeps -bb "$top/packaging/rpm/migrate-hooks.spec" \
    >"$work/build.log" 2>&1 || {
    tail -n 40 "$work/build.log" >&2
    exit 1
}
mkdir -p "$top/build/packages"
rm -f "$top/build/packages/"migrate-hooks-*.rpm
find "$work/RPMS" -name '*.rpm' -exec mv {} "$top/build/packages/" \;
ls "$top/build/packages/"migrate-hooks-*.rpm
