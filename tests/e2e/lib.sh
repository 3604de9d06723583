# tests/e2e/lib.sh — two simulated libvirt+QEMU+OVS hosts on one machine (SPEC section 10).
#
# Source it from a bash test script.  Each host NAME lives in its own mount,
# network and UTS namespaces, held open by one `sleep infinity` process, with
# private directories from $E2E_ROOT/NAME bind-mounted over the system paths
# libvirt, Open vSwitch and migrate-hooks use.  Everything started here is
# recorded by pid under $E2E_ROOT/NAME/pid/ and only those processes (and
# processes living in our own namespaces) are ever signalled.
#
# Settings (environment, read when a function runs):
#   E2E_ROOT             work directory; default: a fresh mktemp -d /tmp/mh-e2e.XXXXXX,
#                        removed by e2e_teardown_all
#   E2E_HOOKS            files installed into /etc/libvirt/hooks/qemu.d/ of each
#                        host before its libvirtd starts (space separated)
#   E2E_TIMEOUT          seconds any start-up wait may take (default 60)
#   E2E_MIGRATE_TIMEOUT  seconds a migration may take (default 120)
#   E2E_BEFORE_LIBVIRTD  a command run with the host's NAME once its namespaces,
#                        Open vSwitch and libvirt configuration are ready and
#                        before libvirtd starts (e.g. to install a package)

E2E_DATA=$(cd "$(dirname "${BASH_SOURCE[0]}")/data" && pwd)
: "${E2E_ROOT:=$(mktemp -d /tmp/mh-e2e.XXXXXX)}"
: "${E2E_HOOKS:=}"
: "${E2E_TIMEOUT:=60}"
: "${E2E_MIGRATE_TIMEOUT:=120}"

# Private directory of a host (relative to $E2E_ROOT/NAME), and the path it
# is mounted over inside that host.
_E2E_BINDS='
etc/libvirt        /etc/libvirt
run/libvirt        /run/libvirt
lib/libvirt        /var/lib/libvirt
log/libvirt        /var/log/libvirt
cache/libvirt      /var/cache/libvirt
run/openvswitch    /run/openvswitch
etc/openvswitch    /etc/openvswitch
log/openvswitch    /var/log/openvswitch
etc/migrate-hooks  /etc/migrate-hooks
lib/migrate-hooks  /var/lib/migrate-hooks
'

# Daemons get a known environment, not the caller's.
_E2E_ENV='PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C HOME=/root'

_e2e_err() {
    echo "e2e: $*" >&2
    return 1
}

# Print the last lines of a log, to explain a failure.
_e2e_show_log() {
    [ -s "$1" ] || return 0
    echo "e2e: --- last lines of $1 ---" >&2
    tail -n 20 "$1" >&2
}

# Poll COMMAND every 0.1 s until it succeeds or SECONDS pass.
# Usage: _e2e_wait SECONDS COMMAND...
_e2e_wait() {
    local deadline=$((SECONDS + $1))
    shift
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.1
    done
}

_e2e_dir() {
    echo "$E2E_ROOT/$1"
}

# Mount namespace of a host, as recorded when it came up ("mnt:[4026...]").
_e2e_ns() {
    cat "$(_e2e_dir "$1")/pid/ns" 2>/dev/null
}

# True if PID is alive (not a zombie) and lives in host NAME's namespaces,
# so a recycled pid is never signalled.
_e2e_ours() {
    local name=$1 pid=$2 stat
    [ -n "$pid" ] && read -r stat 2>/dev/null <"/proc/$pid/stat" || return 1
    stat=${stat##*) }
    [ "${stat%% *}" != Z ] || return 1
    [ "$(readlink "/proc/$pid/ns/mnt") $(readlink "/proc/$pid/ns/net")" = "$(_e2e_ns "$name")" ]
}

_e2e_gone() {
    ! _e2e_ours "$@"
}

# Run COMMAND inside host NAME's namespaces, in the background, with output
# to $E2E_ROOT/NAME/log/TAG.out; record its pid as pid/TAG.
# Usage: _e2e_spawn NAME TAG COMMAND...
_e2e_spawn() {
    local name=$1 tag=$2 dir
    dir=$(_e2e_dir "$name")
    shift 2
    # Every exec keeps the pid, so $! is the daemon itself.  setsid: a Ctrl-C
    # reaches only the test shell, whose trap then stops everything in order.
    (exec setsid nsenter -t "$(cat "$dir/pid/holder")" -m -n -u -- env -i $_E2E_ENV "$@") \
        </dev/null >"$dir/log/$tag.out" 2>&1 &
    echo $! >"$dir/pid/$tag"
}

# Send SIGTERM to a recorded process of host NAME, then SIGKILL after 10 s.
# Usage: _e2e_stop NAME PID
_e2e_stop() {
    local name=$1 pid=$2
    _e2e_ours "$name" "$pid" || return 0
    kill -TERM "$pid" 2>/dev/null
    _e2e_wait 10 _e2e_gone "$name" "$pid" && return 0
    _e2e_err "host $name: pid $pid ignored SIGTERM, killing it"
    kill -KILL "$pid" 2>/dev/null
    _e2e_wait 5 _e2e_gone "$name" "$pid"
}

# Pids of every process left in host NAME's namespaces: only this library
# puts processes there (daemons, QEMU, hooks, ovs-vsctl children).
_e2e_leftovers() {
    local name=$1 inode pid
    inode=$(_e2e_ns "$name")
    inode=${inode%% *}
    inode=${inode//[^0-9]/}
    [ -n "$inode" ] || return 0
    # One find instead of a readlink per process; ? stands for [ and ].
    for pid in $(find /proc/[0-9]*/ns -maxdepth 1 -name mnt -lname "mnt:?$inode?" \
        -printf '%h\n' 2>/dev/null); do
        pid=${pid#/proc/}
        pid=${pid%/ns}
        _e2e_ours "$name" "$pid" && echo "$pid"
    done
}

# Usage: e2e_path NAME PATH — where PATH of host NAME is in the root namespace.
e2e_path() {
    local src dst
    while read -r src dst; do
        [ -n "$src" ] || continue
        case $2 in
        "$dst" | "$dst"/*)
            echo "$(_e2e_dir "$1")/$src${2#"$dst"}"
            return 0
            ;;
        esac
    done <<EOF
$_E2E_BINDS
EOF
    echo "$2"
}

# Usage: e2e_uri NAME — libvirt URI of host NAME, usable from any namespace.
e2e_uri() {
    echo "qemu+unix:///system?socket=$(_e2e_dir "$1")/run/libvirt/libvirt-sock"
}

# Usage: e2e_in NAME COMMAND... — run COMMAND inside host NAME's namespaces.
e2e_in() {
    local holder
    holder=$(cat "$(_e2e_dir "$1")/pid/holder" 2>/dev/null) ||
        _e2e_err "host $1 is not up" || return
    shift
    nsenter -t "$holder" -m -n -u -- "$@"
}

# Run virsh with a time limit and without a controlling terminal: with one,
# virsh 9.0 tries to start a polkit agent on it (printing "Authorization not
# available" each time), and a virsh that touches the tty from timeout's
# process group is stopped by SIGTTIN/SIGTTOU until the time limit.
# Usage: _e2e_virsh_bounded SECONDS VIRSH_ARGS...
_e2e_virsh_bounded() {
    local seconds=$1
    shift
    timeout -k 10 "$seconds" setsid virsh -q "$@" </dev/null
}

# Usage: e2e_virsh NAME ARGS... — virsh against host NAME (bounded, stdin closed).
e2e_virsh() {
    local uri
    uri=$(e2e_uri "$1")
    shift
    _e2e_virsh_bounded "$E2E_TIMEOUT" -c "$uri" "$@"
}

# Usage: e2e_ovs_vsctl NAME ARGS... — ovs-vsctl against host NAME's OVSDB (bounded).
e2e_ovs_vsctl() {
    local name=$1
    shift
    e2e_in "$name" ovs-vsctl --timeout="$E2E_TIMEOUT" "$@"
}

# Create the private directories of host NAME and the mountpoints they go on.
_e2e_host_dirs() {
    local dir src dst
    dir=$(_e2e_dir "$1")
    mkdir -p "$dir/pid" "$dir/log" "$dir/etc/libvirt/hooks/qemu.d" || return
    while read -r src dst; do
        [ -n "$src" ] || continue
        # Empty mountpoints only; never removed, another run may be using them.
        mkdir -p "$dir/$src" "$dst" || return
    done <<EOF
$_E2E_BINDS
EOF
}

# True once process PID has left our network namespace.
_e2e_unshared() {
    [ "$(readlink "/proc/$1/ns/net")" != "$(readlink /proc/self/ns/net)" ]
}

# Start the namespace holder of host NAME and privatize its mounts.
_e2e_host_namespaces() {
    local name=$1 dir holder src dst
    dir=$(_e2e_dir "$name")
    (exec setsid unshare --mount --net --uts --propagation private sleep infinity) \
        </dev/null >"$dir/log/holder.out" 2>&1 &
    holder=$!
    echo "$holder" >"$dir/pid/holder"
    _e2e_wait "$E2E_TIMEOUT" _e2e_unshared "$holder" || {
        _e2e_show_log "$dir/log/holder.out"
        _e2e_err "host $name: unshare did not start"
        return 1
    }
    echo "$(readlink "/proc/$holder/ns/mnt") $(readlink "/proc/$holder/ns/net")" >"$dir/pid/ns"
    e2e_in "$name" mount --make-rprivate / || return
    while read -r src dst; do
        [ -n "$src" ] || continue
        e2e_in "$name" mount --bind "$dir/$src" "$dst" ||
            _e2e_err "host $name: cannot bind $dir/$src on $dst" || return
    done <<EOF
$_E2E_BINDS
EOF
    e2e_in "$name" hostname "$name" && e2e_in "$name" ip link set lo up
}

# Start ovsdb-server and ovs-vswitchd of host NAME, with bridge br0 on the
# userspace (netdev) datapath: no kernel module needed.
_e2e_host_ovs() {
    local name=$1 dir
    dir=$(_e2e_dir "$name")
    ovsdb-tool create "$dir/etc/openvswitch/conf.db" /usr/share/openvswitch/vswitch.ovsschema ||
        _e2e_err "host $name: ovsdb-tool create failed" || return
    e2e_ovsdb_start "$name" || return
    _e2e_spawn "$name" ovs-vswitchd ovs-vswitchd unix:/run/openvswitch/db.sock \
        --pidfile=/run/openvswitch/ovs-vswitchd.pid \
        --log-file=/var/log/openvswitch/ovs-vswitchd.log
    # Without --no-wait this returns once ovs-vswitchd has created br0.
    e2e_ovs_vsctl "$name" add-br br0 -- set Bridge br0 datapath_type=netdev || {
        _e2e_show_log "$dir/log/openvswitch/ovs-vswitchd.log"
        _e2e_err "host $name: ovs-vswitchd did not create br0 within ${E2E_TIMEOUT}s"
        return 1
    }
}

# Usage: e2e_ovsdb_start NAME — start host NAME's ovsdb-server on its
# database and wait until it answers.  e2e_host_up does it; a test calls it
# to bring OVSDB back after e2e_ovsdb_stop (ovs-vswitchd reconnects).
e2e_ovsdb_start() {
    local name=$1
    _e2e_spawn "$name" ovsdb-server ovsdb-server /etc/openvswitch/conf.db \
        --remote=punix:/run/openvswitch/db.sock \
        --pidfile=/run/openvswitch/ovsdb-server.pid \
        --log-file=/var/log/openvswitch/ovsdb-server.log
    _e2e_wait "$E2E_TIMEOUT" e2e_in "$name" ovs-vsctl --no-wait --timeout=1 init || {
        _e2e_show_log "$(_e2e_dir "$name")/log/ovsdb-server.out"
        _e2e_err "host $name: ovsdb-server did not answer within ${E2E_TIMEOUT}s"
        return 1
    }
}

# Usage: e2e_ovsdb_stop NAME — stop host NAME's ovsdb-server (by its pid):
# OVSDB down, its socket gone.
e2e_ovsdb_stop() {
    _e2e_stop "$1" "$(cat "$(_e2e_dir "$1")/pid/ovsdb-server" 2>/dev/null)"
}

# Usage: e2e_ovsdb_pid NAME — pid of host NAME's ovsdb-server (e.g. to
# SIGSTOP it: OVSDB hanging, its socket still accepting).
e2e_ovsdb_pid() {
    cat "$(_e2e_dir "$1")/pid/ovsdb-server"
}

# Write libvirtd.conf and qemu.conf of host NAME and install $E2E_HOOKS.
_e2e_host_libvirt_config() {
    local dir hook
    dir=$(_e2e_dir "$1")
    # Each host needs its own host_uuid, or libvirt refuses to "migrate to the
    # same host".  No polkit/dbus here, so no auth on the root-only socket.
    cat >"$dir/etc/libvirt/libvirtd.conf" <<EOF || return
host_uuid = "$(cat /proc/sys/kernel/random/uuid)"
unix_sock_group = "root"
unix_sock_ro_perms = "0700"
unix_sock_rw_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"
log_filters = "1:util.hook 1:qemu.qemu_migration 1:util.virnetdevopenvswitch"
log_outputs = "1:file:/var/log/libvirt/libvirtd.log"
EOF
    # stdio_handler "file": QEMU logs without virtlogd (no daemon to manage).
    # namespaces [ ]: no private /dev per guest, nothing to gain here.
    cat >"$dir/etc/libvirt/qemu.conf" <<EOF || return
user = "root"
group = "root"
security_driver = "none"
dynamic_ownership = 0
remember_owner = 0
cgroup_controllers = [ ]
stdio_handler = "file"
namespaces = [ ]
EOF
    # Probing the QEMU binaries takes libvirtd ~2 s each: reuse what another
    # host probed (libvirt re-probes if it finds the cache stale).
    mkdir -p "$dir/cache/libvirt/qemu/capabilities" &&
        cp -p "$E2E_ROOT"/*/cache/libvirt/qemu/capabilities/*.xml \
            "$dir/cache/libvirt/qemu/capabilities/" 2>/dev/null
    for hook in $E2E_HOOKS; do
        install -m 0755 "$hook" "$dir/etc/libvirt/hooks/qemu.d/" || return
    done
}

# Usage: e2e_host_up NAME — bring up simulated host NAME (see file header).
e2e_host_up() {
    local name=$1 dir
    dir=$(_e2e_dir "$name")
    [ ! -e "$dir/pid/holder" ] || _e2e_err "host $name is already up" || return
    _e2e_host_dirs "$name" &&
        _e2e_host_namespaces "$name" &&
        _e2e_host_ovs "$name" &&
        _e2e_host_libvirt_config "$name" || return
    if [ -n "${E2E_BEFORE_LIBVIRTD:-}" ]; then
        $E2E_BEFORE_LIBVIRTD "$name" || _e2e_err "host $name: $E2E_BEFORE_LIBVIRTD failed" || return
    fi
    e2e_libvirtd_start "$name"
}

# Usage: e2e_libvirtd_start NAME — start host NAME's libvirtd and wait until
# it answers.  e2e_host_up does it; a test calls it to bring libvirtd back
# after e2e_libvirtd_kill (it reconnects to the QEMU processes left running).
e2e_libvirtd_start() {
    local name=$1 dir
    dir=$(_e2e_dir "$name")
    _e2e_spawn "$name" libvirtd libvirtd --pid-file=/run/libvirt/libvirtd.pid
    _e2e_wait "$E2E_TIMEOUT" e2e_virsh "$name" version || {
        _e2e_show_log "$dir/log/libvirtd.out"
        _e2e_show_log "$dir/log/libvirt/libvirtd.log"
        _e2e_err "host $name: libvirtd did not answer within ${E2E_TIMEOUT}s"
        return 1
    }
}

# Usage: e2e_libvirtd_kill NAME — SIGKILL host NAME's libvirtd (a crash: its
# guests' QEMU processes keep running, no hook runs).
e2e_libvirtd_kill() {
    local name=$1 pid
    pid=$(cat "$(_e2e_dir "$name")/pid/libvirtd" 2>/dev/null)
    _e2e_ours "$name" "$pid" || return 0
    kill -KILL "$pid" && _e2e_wait 10 _e2e_gone "$name" "$pid"
    wait "$pid" 2>/dev/null # reap it quietly if it is our child
}

# Usage: e2e_guest_define NAME GUEST [DOMAIN_XML [DEVICES_XML]]
# Define and start GUEST on host NAME: 64 MiB, diskless, TCG, one OVS port on
# br0, VNC with a password.  DOMAIN_XML is added inside <domain> (e.g.
# <metadata>), DEVICES_XML inside <devices>.
e2e_guest_define() {
    local name=$1 guest=$2 xml text mac
    xml="$(_e2e_dir "$name")/$guest.xml"
    mac=$(printf '52:54:00:%02x:%02x:%02x' $((RANDOM % 256)) $((RANDOM % 256)) $((RANDOM % 256)))
    # Bash replacement, not sed, so fragments may hold any character; quoted,
    # so bash 5.2 does not read & in them as "the matched text".
    text=$(cat "$E2E_DATA/guest.xml") || return
    text=${text//@NAME@/"$guest"}
    text=${text//@MAC@/"$mac"}
    text=${text//@DOMAIN_XML@/"${3:-}"}
    text=${text//@DEVICES_XML@/"${4:-}"}
    printf '%s\n' "$text" >"$xml" || return
    e2e_virsh "$name" define "$xml" >/dev/null &&
        e2e_virsh "$name" start "$guest" >/dev/null
}

# Usage: e2e_migrate SRC DST GUEST [VIRSH_OPTIONS...]
# Live peer-to-peer migration over a unix socket in $E2E_ROOT/mig, which both
# hosts see (it is outside their private directories).  A migration still
# running after $E2E_MIGRATE_TIMEOUT seconds is aborted and fails.
e2e_migrate() {
    local src=$1 dst=$2 guest=$3 status
    shift 3
    mkdir -p "$E2E_ROOT/mig" || return
    _e2e_virsh_bounded "$E2E_MIGRATE_TIMEOUT" -c "$(e2e_uri "$src")" migrate --live --p2p "$@" \
        "$guest" "$(e2e_uri "$dst")" --migrateuri "unix://$E2E_ROOT/mig/$guest.sock"
    status=$?
    if [ "$status" -eq 124 ]; then
        e2e_virsh "$src" domjobabort "$guest"
        _e2e_err "migration of $guest from $src to $dst took over ${E2E_MIGRATE_TIMEOUT}s"
    fi
    return "$status"
}

# Usage: e2e_host_down NAME — stop everything of host NAME, by recorded pid.
# Its mounts vanish with its mount namespace.  Safe to call twice.
e2e_host_down() {
    local name=$1 dir holder guest tag pid
    dir=$(_e2e_dir "$name")
    holder=$(cat "$dir/pid/holder" 2>/dev/null) || return 0
    if _e2e_ours "$name" "$(cat "$dir/pid/libvirtd" 2>/dev/null)"; then
        for guest in $(e2e_virsh "$name" list --name 2>/dev/null); do
            e2e_virsh "$name" destroy "$guest" >/dev/null 2>&1
        done
    fi
    for tag in libvirtd ovs-vswitchd ovsdb-server; do
        _e2e_stop "$name" "$(cat "$dir/pid/$tag" 2>/dev/null)"
    done
    # QEMU that libvirt did not stop (its pid files), then anything else still
    # in the namespaces: a hung hook, an ovs-vsctl, a QEMU without pid file.
    for pid in $(cat "$dir"/run/libvirt/qemu/*.pid 2>/dev/null); do
        _e2e_stop "$name" "$pid"
    done
    for pid in $(_e2e_leftovers "$name"); do
        [ "$pid" != "$holder" ] || continue
        _e2e_err "host $name: stopping leftover pid $pid ($(cat "/proc/$pid/comm" 2>/dev/null))"
        _e2e_stop "$name" "$pid"
    done
    _e2e_stop "$name" "$holder"
    wait "$holder" 2>/dev/null # reap it if it is our child
    rm -f "$dir/pid/holder"
}

# Usage: e2e_teardown_all — take every host down and remove $E2E_ROOT.
# For oneTimeTearDown and traps; safe to call more than once.
e2e_teardown_all() {
    local holder device target rest
    for holder in "$E2E_ROOT"/*/pid/holder; do
        [ -e "$holder" ] || continue
        holder=${holder%/pid/holder}
        e2e_host_down "${holder##*/}"
    done
    [ -d "$E2E_ROOT" ] || return 0
    case $E2E_ROOT in
    /?*) ;;
    *) _e2e_err "E2E_ROOT '$E2E_ROOT' is not an absolute path, not removing it" || return ;;
    esac
    # Nothing is ever mounted under $E2E_ROOT in this namespace; check anyway
    # so rm can never walk into a mounted directory.
    while read -r device target rest; do
        case $target in
        "$E2E_ROOT" | "$E2E_ROOT"/*)
            _e2e_err "$target is mounted, not removing $E2E_ROOT" || return ;;
        esac
    done </proc/self/mounts
    rm -rf "$E2E_ROOT"
}

# Usage: e2e_trap — tear down on exit and on HUP/INT/TERM.  shunit2 replaces
# the EXIT/INT/TERM traps with its own, which call oneTimeTearDown; HUP is
# turned into TERM so that it takes the same way.
e2e_trap() {
    trap e2e_teardown_all EXIT
    trap 'kill -TERM $$' HUP
    trap 'e2e_teardown_all; trap - EXIT; exit 130' INT
    trap 'e2e_teardown_all; trap - EXIT; exit 143' TERM
}
