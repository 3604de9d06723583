#!/bin/sh
# install.sh - install migrate-hooks, its dependencies, or uninstall it.
#
#   ./install.sh --deps         install the Debian packages needed to build,
#                               run and test (only the missing ones)
#   ./install.sh                build and install (PREFIX, DESTDIR honoured)
#   ./install.sh --legacy       also install /etc/libvirt/hooks/qemu, for
#                               libvirt < 6.5 (never over a foreign hook)
#   ./install.sh --uninstall    remove exactly what was installed; keep
#                               configuration an operator has edited
#
# What gets installed is decided by `make install` (into a staging
# directory); this script copies it into place atomically, never replaces
# existing configuration, and records every file with its checksum in
# $LOCALSTATEDIR/lib/migrate-hooks/install.manifest for --uninstall.
set -eu

PREFIX=${PREFIX:-/usr/local}
SYSCONFDIR=${SYSCONFDIR:-/etc}
LOCALSTATEDIR=${LOCALSTATEDIR:-/var}
DESTDIR=${DESTDIR:-}
HOOKDIR=$SYSCONFDIR/libvirt/hooks
MANIFEST=$LOCALSTATEDIR/lib/migrate-hooks/install.manifest
LEGACY_HOOK=$HOOKDIR/qemu

# Build, run and test dependencies (Debian 12 package names).
PACKAGES_BUILD="make gcc clang pkg-config libjansson-dev libxml2-dev libexpat1-dev libvirt-dev
    libcurl4-openssl-dev libssl-dev libcmocka-dev libclang-rt-14-dev"
PACKAGES_RUN="libjansson4 libxml2 libexpat1 libcurl4 libssl3 libvirt0 libvirt-daemon-system
    libvirt-clients qemu-system-x86 openvswitch-switch etcd-server etcd-client"
PACKAGES_TEST="shunit2 jq iproute2 util-linux procps psmisc python3 libxml2-utils tmux
    xmlstarlet hyperfine groff-base man-db debhelper dpkg-dev fakeroot lintian rpm
    valgrind"

say() {
    printf 'install.sh: %s\n' "$*"
}

die() {
    printf 'install.sh: %s\n' "$*" >&2
    exit 1
}

usage() {
    sed -n '2,17s/^# \{0,1\}//p' "$0"
}

install_deps() {
    missing=""
    for package in $PACKAGES_BUILD $PACKAGES_RUN $PACKAGES_TEST; do
        status=$(dpkg-query -W -f '${Status}' "$package" 2>/dev/null || true)
        case $status in
        *" installed") ;;
        *) missing="$missing $package" ;;
        esac
    done
    if [ -z "$missing" ]; then
        say "all dependencies are installed"
        return 0
    fi
    [ "$(id -u)" -eq 0 ] || die "installing packages needs root:$missing"
    say "installing:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # shellcheck disable=SC2086
    apt-get install -y -q --no-install-recommends $missing
}

sha() {
    sha256sum "$1" | cut -d' ' -f1
}

# Copy one staged file into place: write a temporary file next to the
# target and rename it, so that libvirtd never runs a half-written hook.
place() {
    staged=$1
    target=$2
    mkdir -p "$(dirname "$target")"
    tmp=$(dirname "$target")/.$(basename "$target").new.$$
    cp -p "$staged" "$tmp"
    mv -f "$tmp" "$target"
}

do_install() {
    legacy=$1
    stage=$(mktemp -d /tmp/mh-stage.XXXXXX)
    trap 'rm -rf "$stage"' EXIT
    make -s PREFIX="$PREFIX" SYSCONFDIR="$SYSCONFDIR" LOCALSTATEDIR="$LOCALSTATEDIR" all
    make -s PREFIX="$PREFIX" SYSCONFDIR="$SYSCONFDIR" LOCALSTATEDIR="$LOCALSTATEDIR" \
        DESTDIR="$stage" install

    if [ "$legacy" = yes ]; then
        # libvirt < 6.5 runs only hooks/qemu. Never both: libvirt >= 6.5
        # would run the hook twice.
        if [ -e "$DESTDIR$LEGACY_HOOK" ] &&
            ! grep -q " file $LEGACY_HOOK\$" "$DESTDIR$MANIFEST" 2>/dev/null; then
            die "$DESTDIR$LEGACY_HOOK exists and was not installed by migrate-hooks; refusing to overwrite it"
        fi
        mv "$stage$HOOKDIR/qemu.d/50-migrate-hooks" "$stage$LEGACY_HOOK"
        rmdir "$stage$HOOKDIR/qemu.d"
    fi

    old_manifest=$(mktemp /tmp/mh-manifest.XXXXXX)
    cat "$DESTDIR$MANIFEST" >"$old_manifest" 2>/dev/null || true
    new_manifest=$(mktemp /tmp/mh-manifest.XXXXXX)
    trap 'rm -rf "$stage" "$old_manifest" "$new_manifest"' EXIT

    (cd "$stage" && find . -type f | sed 's|^\.||' | sort) | while read -r path; do
        case $path in
        "$SYSCONFDIR"/migrate-hooks/*)
            # Configuration: installed once, never replaced; recorded with
            # the checksum it was installed with, to tell later whether the
            # operator edited it.
            if [ -e "$DESTDIR$path" ]; then
                recorded=$(grep " config $path\$" "$old_manifest" | cut -d' ' -f1 || true)
                [ -n "$recorded" ] && printf '%s config %s\n' "$recorded" "$path" >>"$new_manifest"
                continue
            fi
            place "$stage$path" "$DESTDIR$path"
            printf '%s config %s\n' "$(sha "$stage$path")" "$path" >>"$new_manifest"
            ;;
        *)
            place "$stage$path" "$DESTDIR$path"
            printf '%s file %s\n' "$(sha "$stage$path")" "$path" >>"$new_manifest"
            ;;
        esac
    done
    # Files of an earlier install that this one no longer has (the other
    # hook location, a renamed helper) go, unless someone changed them.
    while read -r sum kind path; do
        [ "$kind" = file ] || continue
        grep -q " file $path\$" "$new_manifest" && continue
        [ -e "$DESTDIR$path" ] && [ "$(sha "$DESTDIR$path")" = "$sum" ] && rm -f "$DESTDIR$path"
    done <"$old_manifest"
    mkdir -p "$(dirname "$DESTDIR$MANIFEST")"
    place "$new_manifest" "$DESTDIR$MANIFEST"
    chmod 0644 "$DESTDIR$MANIFEST"
    say "installed $(wc -l <"$DESTDIR$MANIFEST") files (manifest: $DESTDIR$MANIFEST)"
    say "restart libvirtd so that it picks up the hook: libvirtd reads hooks when it starts"
}

do_uninstall() {
    [ -f "$DESTDIR$MANIFEST" ] || die "no $DESTDIR$MANIFEST: nothing installed by install.sh"
    while read -r sum kind path; do
        [ -e "$DESTDIR$path" ] || continue
        if [ "$kind" = config ] && [ "$(sha "$DESTDIR$path")" != "$sum" ]; then
            say "keeping $DESTDIR$path: edited since it was installed"
            continue
        fi
        rm -f "$DESTDIR$path"
    done <"$DESTDIR$MANIFEST"
    rm -f "$DESTDIR$MANIFEST"
    # Directories we made, if nothing else is left in them.
    for dir in "$HOOKDIR/qemu.d" "$SYSCONFDIR/migrate-hooks/conf.d" \
        "$SYSCONFDIR/migrate-hooks/checks.d" "$SYSCONFDIR/migrate-hooks" \
        "$SYSCONFDIR/apparmor.d/local" "$SYSCONFDIR/apparmor.d"; do
        rmdir "$DESTDIR$dir" 2>/dev/null || true
    done
    say "uninstalled; state in $DESTDIR$LOCALSTATEDIR/lib/migrate-hooks (journal, leases) is kept"
}

mode=install
legacy=no
for arg in "$@"; do
    case $arg in
    --deps) mode=deps ;;
    --legacy) legacy=yes ;;
    --uninstall) mode=uninstall ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; exit 64 ;;
    esac
done
cd "$(dirname "$0")"
case $mode in
deps) install_deps ;;
install) do_install "$legacy" ;;
uninstall) do_uninstall ;;
esac
