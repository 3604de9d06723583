#!/bin/sh
# build-deb.sh - build the Debian package from this tree with
# dpkg-buildpackage -us -uc -b, in a copy of the tree (without build outputs)
# that has packaging/debian as debian/. The .deb ends up in build/packages/;
# lintian then checks it (errors fail the build).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
version=$(cat "$top/VERSION")
work=$(mktemp -d /tmp/mh-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
src=$work/migrate-hooks-$version

mkdir "$src"
tar -C "$top" --exclude=./build --exclude=./.git --exclude=./debian -cf - . | tar -C "$src" -xf -
cp -r "$src/packaging/debian" "$src/debian"
(cd "$src" && dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1) || {
    tail -n 40 "$work/build.log" >&2
    exit 1
}
mkdir -p "$top/build/packages"
rm -f "$top/build/packages/"migrate-hooks_*.deb
mv "$work"/migrate-hooks_*.deb "$top/build/packages/"
deb=$(ls "$top/build/packages/"migrate-hooks_*.deb)
echo "built $deb"
lintian --fail-on error "$deb"
