/* mh_facts.h - what a host is and has, as the checks compare it: versions,
 * hypervisor, CPU, memory, hugepages, bridges, networks, maintenance, and
 * the presence of a guest's disk paths. Gathered on the host itself
 * (mh_facts_local.c, no libvirtd call), through the libvirt API for a
 * connection (mh_facts_virt.h, helpers only), or read from the source's
 * cookie (mh_facts_from_json). Every fact may be unknown. */
#ifndef MH_FACTS_H
#define MH_FACTS_H

#include "mh_names.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct mh_error;
struct mh_guest;

#define MH_FACTS_HUGEPAGE_SIZES 8
/* Where Open vSwitch (Debian, RHEL) listens; /var/run is /run. */
#define MH_FACTS_OVSDB_SOCKET "/run/openvswitch/db.sock"
#define MH_FACTS_OVSDB_TIMEOUT_MS 1000L

/* Where the facts came from; decides what "unknown" means to a check. */
enum mh_facts_origin {
    MH_FACTS_LOCAL,     /* probed on the host itself (the hook) */
    MH_FACTS_API,       /* read through a libvirt connection (mh-check) */
    MH_FACTS_COOKIE,    /* the source's facts carried by the cookie */
};

enum mh_facts_path_state {
    MH_FACTS_PATH_UNKNOWN,
    MH_FACTS_PATH_PRESENT,
    MH_FACTS_PATH_ABSENT,
};

struct mh_facts_hugepages {
    unsigned long size_kib;
    long total;                 /* pages */
    long free;
};

struct mh_facts_path {
    char *path;
    enum mh_facts_path_state state;
};

/* What to gather: a probe reads only what the checks at hand need. */
enum mh_facts_what {
    MH_FACTS_IDENTITY = 1 << 0,     /* hostname */
    MH_FACTS_VERSIONS = 1 << 1,     /* libvirt and QEMU versions */
    MH_FACTS_HYPERVISOR = 1 << 2,   /* hypervisor type, domain types (kvm, qemu) */
    MH_FACTS_CPU = 1 << 3,          /* vendor, model, flags */
    MH_FACTS_MEMORY = 1 << 4,
    MH_FACTS_HUGEPAGES = 1 << 5,
    MH_FACTS_NETDEVS = 1 << 6,      /* network devices and Linux bridges */
    MH_FACTS_OVS = 1 << 7,          /* Open vSwitch bridges */
    MH_FACTS_NETWORKS = 1 << 8,     /* libvirt networks */
    MH_FACTS_MAINTENANCE = 1 << 9,
    MH_FACTS_INCOMING = 1 << 10,    /* incoming migrations in flight */
    MH_FACTS_USB = 1 << 11,         /* USB devices (vendor:product) */
    MH_FACTS_PATHS = 1 << 12,       /* the guest's disk paths */
    MH_FACTS_ALL = (1 << 13) - 1,
    /* What a source puts in its cookie. */
    MH_FACTS_COOKIE_SET = MH_FACTS_IDENTITY | MH_FACTS_VERSIONS | MH_FACTS_HYPERVISOR | MH_FACTS_CPU,
};

struct mh_facts {
    enum mh_facts_origin origin;
    unsigned gathered;              /* MH_FACTS_* that were asked for */

    char host_id[65];               /* "" unknown */
    char hostname[256];

    unsigned long libvirt_version;  /* major * 1000000 + minor * 1000 + micro; 0 unknown */
    unsigned long qemu_version;

    char hypervisor[32];            /* virConnectGetType: "QEMU"; "" unknown */
    struct mh_names domain_types;   /* <domain type=...> the host can run: qemu, kvm */

    char cpu_vendor[64];
    char cpu_model[128];
    struct mh_names cpu_flags;      /* canonical names, see mh_facts_cpu_flag() */

    long long memory_total_kib;     /* -1 unknown */
    long long memory_available_kib; /* what a new guest can get without swapping */

    bool hugepages_known;
    unsigned long default_hugepage_kib;
    size_t hugepage_sizes;
    struct mh_facts_hugepages hugepages[MH_FACTS_HUGEPAGE_SIZES];

    struct mh_names netdevs;        /* every network device */
    struct mh_names bridges;        /* Linux bridges */
    struct mh_names ovs_bridges;
    char ovs_note[256];             /* why ovs_bridges is unknown, or that OVS is not
                                     * running (then it is known and empty) */

    struct mh_names networks_active;
    struct mh_names networks_defined;

    int maintenance;                /* -1 unknown, 0 no, 1 in maintenance */
    char maintenance_reason[256];

    long incoming_migrations;       /* -1 unknown */

    struct mh_names usb_devices;    /* "vvvv:pppp", lower case */

    struct mh_facts_path *paths;    /* the guest's disk paths, when asked */
    size_t path_count;
};

/* How to probe the host we run on (mh_facts_local.c). */
struct mh_facts_probe {
    const char *root;               /* prefix of every path read: "" on the host itself,
                                     * a fixture tree in tests */
    const char *host_id;
    unsigned what;                  /* MH_FACTS_* to gather */
    const struct mh_guest *guest;   /* for the guest's emulator, disk paths and USB
                                     * devices, and to skip OVSDB when no bridge needs it;
                                     * may be NULL */
    const char *state_dir;          /* where the QEMU version is cached (not under root);
                                     * NULL: never cached */
    const char *maintenance_file;   /* the maintenance flag */
    const char *ovsdb_socket;       /* OVSDB's unix socket */
    long ovsdb_timeout_ms;
};

/* Everything unknown. */
void mh_facts_init(struct mh_facts *facts, enum mh_facts_origin origin);

void mh_facts_free(struct mh_facts *facts);

/* The facts as a JSON object (new reference); unknown facts are left out.
 * what selects the parts (MH_FACTS_COOKIE_SET for a cookie). */
json_t *mh_facts_to_json(const struct mh_facts *facts, unsigned what);

/* Read facts written by mh_facts_to_json (a cookie's "source", an external
 * check's document). Unknown keys are ignored so a newer source can add
 * facts; a known key of the wrong type is an error naming it as
 * "what.key". host_id is required when require_host_id. */
int mh_facts_from_json(const json_t *object, const char *what, bool require_host_id,
                       struct mh_facts *facts, struct mh_error *err);

/* Probe the local host without calling libvirtd: /proc, /sys, libvirt's
 * config and state directories, the installed libvirt library's file name,
 * the QEMU binary (its version cached in state_dir), OVSDB. A fact that
 * cannot be read stays unknown; only running out of memory is an error. */
int mh_facts_probe_local(const struct mh_facts_probe *probe, struct mh_facts *facts,
                         struct mh_error *err);

/* The version of a QEMU binary (emulator, read under root): from the cache
 * in state_dir when the binary's path, size, inode and mtime match, else by
 * running "EMULATOR --version" (only a root-owned, not group/other-writable
 * file called qemu*) and caching the answer crash-safely. Returns 0, or -1
 * when it cannot be known. */
int mh_facts_qemu_version(const char *root, const char *emulator, const char *state_dir,
                          unsigned long *version, struct mh_error *err);

/* Names of the Open vSwitch bridges, asked of OVSDB at socket_path with one
 * select (RFC 7047), waiting at most timeout_ms. Returns 0; 1 when Open
 * vSwitch is not running (bridges known and empty, err says so); -1 with
 * the reason. */
int mh_facts_ovs_bridges(const char *socket_path, long timeout_ms, struct mh_names *bridges,
                         struct mh_error *err);

/* Parse "9.0.0" (or "7.2") into major * 1000000 + minor * 1000 + micro. */
int mh_facts_parse_version(const char *text, unsigned long *version);

/* Format a version as "9.0.0" into out. */
void mh_facts_format_version(unsigned long version, char out[32]);

/* Canonical form of a CPU flag, so that the kernel's names (/proc/cpuinfo:
 * sse4_1, pni, tsc_deadline_timer) and libvirt's (sse4.1, sse3,
 * tsc-deadline) compare equal: lower case without '_', '-' and '.', and a
 * few known aliases mapped. Returns out. */
char *mh_facts_cpu_flag(const char *name, char *out, size_t size);

/* The state recorded for a disk path, MH_FACTS_PATH_UNKNOWN when not asked. */
enum mh_facts_path_state mh_facts_path_state(const struct mh_facts *facts, const char *path);

/* Record the state of path (a copy is kept). Returns 0, or -1 when out of memory. */
int mh_facts_set_path(struct mh_facts *facts, const char *path, enum mh_facts_path_state state);

/* The hugepages entry for size_kib, or NULL. */
const struct mh_facts_hugepages *mh_facts_hugepages(const struct mh_facts *facts,
                                                    unsigned long size_kib);

#endif
