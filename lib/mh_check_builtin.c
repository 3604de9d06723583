/* mh_check_builtin.c - the built-in pre-migration checks and their table.
 * Each is a pure function of its input; "cannot confirm" (a fact nobody
 * could read) is a warning, "nothing here can know" (a fact libvirt's API
 * does not show, which the hook checks on the destination) a skip. */
#include "mh_check.h"
#include "mh_facts.h"
#include "mh_guest.h"
#include "mh_string.h"

#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* Flags /proc/cpuinfo shows that are not CPUID bits a guest sees: the
 * kernel's own (mitigations, TSC behaviour, virtualization details), which
 * may differ between two hosts of the same CPU. Canonical form. */
static const char *const host_only_flags[] = {
    "accpower", "amddcm", "aperfmperf", "archperfmon", "art", "bts", "catl2", "catl3", "cdpl2",
    "cdpl3", "constanttsc", "cpb", "cpuid", "cpuidfault", "cqmllc", "cqmmbmlocal",
    "cqmmbmtotal", "cqmoccupllc", "decodeassists", "epb", "ept", "eptad", "extdapicid",
    "flexpriority", "flushl1d", "hwpstate", "hypervisor", "ibpb", "ibrs", "ibrsenhanced",
    "intelppin", "invpcidsingle", "mba", "nonstoptsc", "nonstoptscs3", "nopl", "pebs",
    "procfeedback", "pti", "rapl", "repgood", "retpoline", "retpolineamd", "rsbctxsw", "sme",
    "sev", "seves", "splitlockdetect", "ssbd", "stibp", "tprshadow", "tscknownfreq",
    "tscreliable", "up", "usershstk", "vmmcall", "vnmi", "vpid", "xenpv",
    "xtopology", "zerofcsfop",
};

/* Features of a named CPU model that QEMU/KVM provide whatever the host
 * has (libvirt checks the model itself when it starts the guest). */
static const char *const virtual_flags[] = {
    "amdssbd", "archcapabilities", "hypervisor", "ibrsall", "mdsno", "pschangemcno", "rdctlno",
    "skipl1dflvmentry", "ssbd", "taano", "tscadjust", "tscdeadline", "virtssbd", "x2apic",
};

static unsigned needs_versions(const struct mh_check_input *input);
static enum mh_check_result check_libvirt_version(const struct mh_check_input *input, char *reason,
                                                  size_t size);
static enum mh_check_result check_qemu_version(const struct mh_check_input *input, char *reason,
                                               size_t size);
static unsigned needs_hypervisor(const struct mh_check_input *input);
static enum mh_check_result check_hypervisor(const struct mh_check_input *input, char *reason,
                                             size_t size);
static unsigned needs_cpu(const struct mh_check_input *input);
static enum mh_check_result check_cpu_flags(const struct mh_check_input *input, char *reason,
                                            size_t size);
static unsigned needs_memory(const struct mh_check_input *input);
static enum mh_check_result check_memory(const struct mh_check_input *input, char *reason,
                                         size_t size);
static unsigned needs_hugepages(const struct mh_check_input *input);
static enum mh_check_result check_hugepages(const struct mh_check_input *input, char *reason,
                                            size_t size);
static unsigned needs_bridges(const struct mh_check_input *input);
static enum mh_check_result check_bridges(const struct mh_check_input *input, char *reason,
                                          size_t size);
static unsigned needs_networks(const struct mh_check_input *input);
static enum mh_check_result check_networks(const struct mh_check_input *input, char *reason,
                                           size_t size);
static unsigned needs_disks(const struct mh_check_input *input);
static enum mh_check_result check_disks(const struct mh_check_input *input, char *reason,
                                        size_t size);
static unsigned needs_host_devices(const struct mh_check_input *input);
static enum mh_check_result check_host_devices(const struct mh_check_input *input, char *reason,
                                               size_t size);
static unsigned needs_maintenance(const struct mh_check_input *input);
static enum mh_check_result check_maintenance(const struct mh_check_input *input, char *reason,
                                              size_t size);
static unsigned needs_nothing(const struct mh_check_input *input);
static enum mh_check_result check_allowed_sources(const struct mh_check_input *input, char *reason,
                                                  size_t size);
static unsigned needs_incoming(const struct mh_check_input *input);
static enum mh_check_result check_max_incoming(const struct mh_check_input *input, char *reason,
                                               size_t size);
static bool in_list(const char *flag, const char *const *list, size_t count);
static bool ignored_flag(const char *flag, bool passthrough);
static size_t missing_flags(const struct mh_names *wanted, const struct mh_facts *destination,
                            const struct mh_names *except, bool passthrough, char *out,
                            size_t size);
static enum mh_check_result compare_versions(const char *what, const struct mh_facts *source,
                                             unsigned long source_version,
                                             unsigned long destination_version, char *reason,
                                             size_t size);
static enum mh_check_result say(enum mh_check_result result, char *reason, size_t size,
                                const char *format, ...) __attribute__((format(printf, 4, 5)));
static void append(char *buffer, size_t size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
static enum mh_check_result unknown_fact(const struct mh_facts *destination, char *reason,
                                         size_t size, const char *what);

const struct mh_check mh_check_builtins[] = {
    { "libvirt-version", MH_SEVERITY_FAIL, needs_versions, check_libvirt_version,
      "libvirt of source and destination: warn when they differ, fail on a downgrade" },
    { "qemu-version", MH_SEVERITY_WARN, needs_versions, check_qemu_version,
      "QEMU (the guest's emulator) of source and destination: warn when they differ or on a "
      "downgrade" },
    { "hypervisor", MH_SEVERITY_FAIL, needs_hypervisor, check_hypervisor,
      "same hypervisor driver, and the destination runs the guest's domain type (kvm needs "
      "/dev/kvm)" },
    { "cpu-flags", MH_SEVERITY_FAIL, needs_cpu, check_cpu_flags,
      "destination CPU has the flags the guest needs (host-passthrough: all of the source's)" },
    { "memory", MH_SEVERITY_FAIL, needs_memory, check_memory,
      "destination has the guest's memory available plus checks.memory_reserve_mib" },
    { "hugepages", MH_SEVERITY_FAIL, needs_hugepages, check_hugepages,
      "destination has enough free hugepages of the guest's page size" },
    { "bridges", MH_SEVERITY_FAIL, needs_bridges, check_bridges,
      "Linux and OVS bridges and macvtap host interfaces the guest uses exist" },
    { "networks", MH_SEVERITY_FAIL, needs_networks, check_networks,
      "libvirt networks the guest uses are defined and active" },
    { "disks", MH_SEVERITY_FAIL, needs_disks, check_disks,
      "file, block and dir disk sources exist on the destination" },
    { "host-devices", MH_SEVERITY_FAIL, needs_host_devices, check_host_devices,
      "no passthrough devices that cannot migrate; USB devices present" },
    { "maintenance", MH_SEVERITY_FAIL, needs_maintenance, check_maintenance,
      "destination is not in maintenance (checks.maintenance_file)" },
    { "allowed-sources", MH_SEVERITY_FAIL, needs_nothing, check_allowed_sources,
      "source host id matches checks.allowed_sources" },
    { "max-incoming", MH_SEVERITY_FAIL, needs_incoming, check_max_incoming,
      "fewer than checks.max_incoming migrations already coming in" },
};

const size_t mh_check_builtin_count = sizeof(mh_check_builtins) / sizeof(mh_check_builtins[0]);

_Static_assert(sizeof(mh_check_builtins) / sizeof(mh_check_builtins[0]) <= MH_CONF_MAX_CHECKS,
               "MH_CONF_MAX_CHECKS is too small for the table");

/* ---- libvirt-version, qemu-version ---- */

static unsigned
needs_versions(const struct mh_check_input *input)
{
    return input->source ? MH_FACTS_VERSIONS : 0;
}

static enum mh_check_result
check_libvirt_version(const struct mh_check_input *input, char *reason, size_t size)
{
    return compare_versions("libvirt", input->source,
                            input->source ? input->source->libvirt_version : 0,
                            input->destination->libvirt_version, reason, size);
}

static enum mh_check_result
check_qemu_version(const struct mh_check_input *input, char *reason, size_t size)
{
    return compare_versions("QEMU", input->source, input->source ? input->source->qemu_version : 0,
                            input->destination->qemu_version, reason, size);
}

/* ---- hypervisor ---- */

static unsigned
needs_hypervisor(const struct mh_check_input *input)
{
    (void)input;
    return MH_FACTS_HYPERVISOR;
}

static enum mh_check_result
check_hypervisor(const struct mh_check_input *input, char *reason, size_t size)
{
    const struct mh_facts *source = input->source, *destination = input->destination;
    const char *type = input->guest->domain_type;

    if (source && source->hypervisor[0] && destination->hypervisor[0] &&
        strcasecmp(source->hypervisor, destination->hypervisor) != 0)
        return say(MH_CHECK_FAIL, reason, size, "the source runs %s, the destination %s",
                   source->hypervisor, destination->hypervisor);
    if (!type)
        return say(MH_CHECK_PASS, reason, size, "guest names no domain type");
    if (!destination->domain_types.known)
        return unknown_fact(destination, reason, size, "the domain types the destination runs");
    if (!mh_names_has(&destination->domain_types, type))
        return say(MH_CHECK_FAIL, reason, size,
                   "guest is <domain type='%s'>, which the destination cannot run%s", type,
                   strcmp(type, "kvm") == 0 ? " (no KVM: /dev/kvm is missing)" : "");
    return say(MH_CHECK_PASS, reason, size, "%s guest, %s destination", type,
               destination->hypervisor[0] ? destination->hypervisor : "libvirt");
}

/* ---- cpu-flags ---- */

static unsigned
needs_cpu(const struct mh_check_input *input)
{
    const struct mh_guest *guest = input->guest;

    if (mh_guest_cpu_is_passthrough(guest) || guest->cpu_require.count || guest->cpu_forbid.count)
        return MH_FACTS_CPU;
    return 0;
}

static enum mh_check_result
check_cpu_flags(const struct mh_check_input *input, char *reason, size_t size)
{
    const struct mh_guest *guest = input->guest;
    const struct mh_facts *source = input->source, *destination = input->destination;
    bool passthrough = mh_guest_cpu_is_passthrough(guest);
    char list[MH_CHECK_REASON_MAX];
    size_t count = 0;

    if (!passthrough && !guest->cpu_require.count && !guest->cpu_forbid.count)
        return say(MH_CHECK_PASS, reason, size, "guest needs no particular CPU flags");
    if (!destination->cpu_flags.known)
        return unknown_fact(destination, reason, size, "the destination's CPU flags");
    list[0] = '\0';
    for (size_t i = 0; i < guest->cpu_forbid.count; i++) {
        if (mh_names_has(&destination->cpu_flags, guest->cpu_forbid.items[i])) {
            append(list, sizeof(list), "%s%s", count++ ? ", " : "", guest->cpu_forbid.items[i]);
        }
    }
    if (count)
        return say(MH_CHECK_FAIL, reason, size, "destination CPU has flags the guest forbids: %s",
                   list);
    if (passthrough) {
        if (!source || !source->cpu_flags.known)
            return say(MH_CHECK_WARN, reason, size,
                       "cannot confirm: %s guest and the source's CPU flags are unknown%s",
                       guest->cpu_mode, source ? "" : " (no cookie)");
        if (source->cpu_vendor[0] && destination->cpu_vendor[0] &&
            strcmp(source->cpu_vendor, destination->cpu_vendor) != 0)
            return say(MH_CHECK_FAIL, reason, size, "%s guest cannot move from a %s to a %s CPU",
                       guest->cpu_mode, source->cpu_vendor, destination->cpu_vendor);
        count = missing_flags(&source->cpu_flags, destination, &guest->cpu_disable, true, list,
                              sizeof(list));
        if (count)
            return say(MH_CHECK_FAIL, reason, size,
                       "%s guest: destination CPU lacks %zu flag%s of the source's: %s",
                       guest->cpu_mode, count, count == 1 ? "" : "s", list);
        return say(MH_CHECK_PASS, reason, size, "%s guest: destination CPU has every flag of the "
                   "source's", guest->cpu_mode);
    }
    count = missing_flags(&guest->cpu_require, destination, NULL, false, list, sizeof(list));
    if (count)
        return say(MH_CHECK_FAIL, reason, size,
                   "destination CPU lacks flag%s the guest requires: %s",
                   count == 1 ? "" : "s", list);
    return say(MH_CHECK_PASS, reason, size, "destination CPU has the %zu flag%s the guest requires",
               guest->cpu_require.count, guest->cpu_require.count == 1 ? "" : "s");
}

/* ---- memory ---- */

static unsigned
needs_memory(const struct mh_check_input *input)
{
    return input->guest->hugepages ? 0 : MH_FACTS_MEMORY;
}

static enum mh_check_result
check_memory(const struct mh_check_input *input, char *reason, size_t size)
{
    unsigned long long guest_mib = (input->guest->memory_kib + 1023) / 1024;
    long reserve = input->conf->memory_reserve_mib;
    long long available = input->destination->memory_available_kib;

    if (input->guest->hugepages)
        return say(MH_CHECK_PASS, reason, size,
                   "guest memory is backed by hugepages (see hugepages)");
    if (available < 0)
        return unknown_fact(input->destination, reason, size, "the destination's free memory");
    if ((unsigned long long)available / 1024 < guest_mib + (unsigned long long)reserve)
        return say(MH_CHECK_FAIL, reason, size,
                   "guest needs %llu MiB and %ld MiB stay reserved; the destination has %lld MiB "
                   "available", guest_mib, reserve, available / 1024);
    return say(MH_CHECK_PASS, reason, size, "guest needs %llu MiB (+%ld MiB reserve), %lld MiB "
               "available", guest_mib, reserve, available / 1024);
}

/* ---- hugepages ---- */

static unsigned
needs_hugepages(const struct mh_check_input *input)
{
    return input->guest->hugepages ? MH_FACTS_HUGEPAGES : 0;
}

static enum mh_check_result
check_hugepages(const struct mh_check_input *input, char *reason, size_t size)
{
    const struct mh_facts *destination = input->destination;
    const struct mh_facts_hugepages *pages;
    unsigned long page_kib = input->guest->hugepage_kib;
    unsigned long long needed;

    if (!input->guest->hugepages)
        return say(MH_CHECK_PASS, reason, size, "guest uses no hugepages");
    if (!page_kib)
        page_kib = destination->default_hugepage_kib;
    if (!page_kib || !destination->hugepages_known)
        return unknown_fact(destination, reason, size, "the destination's hugepages");
    pages = mh_facts_hugepages(destination, page_kib);
    needed = (input->guest->memory_kib + page_kib - 1) / page_kib;
    if (!pages)
        return say(MH_CHECK_FAIL, reason, size, "guest needs %lu KiB hugepages; the destination "
                   "has none of that size", page_kib);
    if ((unsigned long long)pages->free < needed)
        return say(MH_CHECK_FAIL, reason, size, "guest needs %llu hugepages of %lu KiB; the "
                   "destination has %ld free", needed, page_kib, pages->free);
    return say(MH_CHECK_PASS, reason, size, "guest needs %llu hugepages of %lu KiB, %ld free",
               needed, page_kib, pages->free);
}

/* ---- bridges ---- */

static unsigned
needs_bridges(const struct mh_check_input *input)
{
    unsigned what = 0;

    for (size_t i = 0; i < input->guest->interface_count; i++) {
        const char *type = input->guest->interfaces[i].type;

        if (type && strcmp(type, "bridge") == 0)
            what |= MH_FACTS_NETDEVS | MH_FACTS_OVS;
        else if (type && strcmp(type, "direct") == 0)
            what |= MH_FACTS_NETDEVS;
    }
    return what;
}

static enum mh_check_result
check_bridges(const struct mh_check_input *input, char *reason, size_t size)
{
    const struct mh_facts *destination = input->destination;
    char missing[MH_CHECK_REASON_MAX] = "", unconfirmed[MH_CHECK_REASON_MAX] = "";
    size_t present = 0, missing_count = 0, unconfirmed_count = 0;
    bool note_ovs = false;

    for (size_t i = 0; i < input->guest->interface_count; i++) {
        const struct mh_guest_interface *it = &input->guest->interfaces[i];
        bool wants_ovs, found, known;
        const char *kind;

        if (!it->type || !it->source)
            continue;
        if (strcmp(it->type, "bridge") == 0) {
            wants_ovs = it->virtualport && strcmp(it->virtualport, "openvswitch") == 0;
            kind = wants_ovs ? "OVS bridge" : "bridge";
            found = (!wants_ovs && mh_names_has(&destination->bridges, it->source)) ||
                    mh_names_has(&destination->ovs_bridges, it->source);
            known = destination->ovs_bridges.known && (wants_ovs || destination->bridges.known);
            note_ovs |= !found;
        } else if (strcmp(it->type, "direct") == 0) {
            kind = "host interface";
            found = mh_names_has(&destination->netdevs, it->source);
            known = destination->netdevs.known;
        } else {
            continue;
        }
        if (found) {
            present++;
        } else if (known) {
            append(missing, sizeof(missing), "%s%s %s", missing_count++ ? "; " : "", kind,
                   it->source);
        } else {
            append(unconfirmed, sizeof(unconfirmed), "%s%s %s", unconfirmed_count++ ? ", " : "",
                   kind, it->source);
        }
    }
    /* Why OVS could not answer, or that it is not running, explains a
     * missing or unconfirmed bridge. */
    note_ovs = note_ovs && destination->ovs_note[0];
    if (missing_count)
        return say(MH_CHECK_FAIL, reason, size, "the destination has no %s%s%s%s", missing,
                   note_ovs ? " (" : "", note_ovs ? destination->ovs_note : "", note_ovs ? ")" : "");
    if (unconfirmed_count)
        return say(MH_CHECK_WARN, reason, size, "cannot confirm %s on the destination%s%s%s",
                   unconfirmed, note_ovs ? " (" : "", note_ovs ? destination->ovs_note : "",
                   note_ovs ? ")" : "");
    if (!present)
        return say(MH_CHECK_PASS, reason, size, "guest uses no bridge or host interface");
    return say(MH_CHECK_PASS, reason, size, "%zu bridge%s and host interface%s present", present,
               present == 1 ? "" : "s", present == 1 ? "" : "s");
}

/* ---- networks ---- */

static unsigned
needs_networks(const struct mh_check_input *input)
{
    for (size_t i = 0; i < input->guest->interface_count; i++) {
        const char *type = input->guest->interfaces[i].type;

        if (type && strcmp(type, "network") == 0)
            return MH_FACTS_NETWORKS;
    }
    return 0;
}

static enum mh_check_result
check_networks(const struct mh_check_input *input, char *reason, size_t size)
{
    const struct mh_facts *destination = input->destination;
    char missing[MH_CHECK_REASON_MAX] = "";
    size_t used = 0, missing_count = 0;

    for (size_t i = 0; i < input->guest->interface_count; i++) {
        const struct mh_guest_interface *it = &input->guest->interfaces[i];

        if (!it->type || strcmp(it->type, "network") != 0 || !it->source)
            continue;
        used++;
        if (!destination->networks_active.known)
            return unknown_fact(destination, reason, size, "the destination's libvirt networks");
        if (mh_names_has(&destination->networks_active, it->source))
            continue;
        append(missing, sizeof(missing), "%snetwork %s %s", missing_count++ ? "; " : "", it->source,
               mh_names_has(&destination->networks_defined, it->source) ? "is defined but not active"
                                                                       : "is not defined");
    }
    if (missing_count)
        return say(MH_CHECK_FAIL, reason, size, "on the destination %s", missing);
    if (!used)
        return say(MH_CHECK_PASS, reason, size, "guest uses no libvirt network");
    return say(MH_CHECK_PASS, reason, size, "%zu network interface%s, networks active", used,
               used == 1 ? "" : "s");
}

/* ---- disks ---- */

static unsigned
needs_disks(const struct mh_check_input *input)
{
    for (size_t i = 0; i < input->guest->disk_count; i++) {
        if (input->guest->disks[i].source)
            return MH_FACTS_PATHS;
    }
    return 0;
}

static enum mh_check_result
check_disks(const struct mh_check_input *input, char *reason, size_t size)
{
    char missing[MH_CHECK_REASON_MAX] = "", unconfirmed[MH_CHECK_REASON_MAX] = "";
    size_t present = 0, dropped = 0, missing_count = 0, unconfirmed_count = 0;

    for (size_t i = 0; i < input->guest->disk_count; i++) {
        const struct mh_guest_disk *disk = &input->guest->disks[i];
        const char *target = disk->target ? disk->target : disk->device;
        bool optional;

        if (!disk->source)
            continue;
        /* libvirt drops a missing optional disk (and a requisite one on
         * migration) instead of failing. */
        optional = disk->startup_policy && (strcmp(disk->startup_policy, "optional") == 0 ||
                                            strcmp(disk->startup_policy, "requisite") == 0);
        switch (mh_facts_path_state(input->destination, disk->source)) {
        case MH_FACTS_PATH_PRESENT:
            present++;
            break;
        case MH_FACTS_PATH_ABSENT:
            if (optional) {
                dropped++;
                break;
            }
            append(missing, sizeof(missing), "%s%s (%s)", missing_count++ ? "; " : "", target,
                   disk->source);
            break;
        case MH_FACTS_PATH_UNKNOWN:
            append(unconfirmed, sizeof(unconfirmed), "%s%s (%s)", unconfirmed_count++ ? "; " : "",
                   target, disk->source);
            break;
        }
    }
    if (missing_count)
        return say(MH_CHECK_FAIL, reason, size, "disk source%s missing on the destination: %s",
                   missing_count == 1 ? "" : "s", missing);
    if (unconfirmed_count)
        return say(MH_CHECK_WARN, reason, size, "cannot confirm disk source%s on the destination%s: "
                   "%s", unconfirmed_count == 1 ? "" : "s",
                   input->destination->origin == MH_FACTS_API ? " (not in a storage pool)" : "",
                   unconfirmed);
    if (!present && !dropped)
        return say(MH_CHECK_PASS, reason, size, "guest has no local disk sources");
    return say(MH_CHECK_PASS, reason, size, "%zu disk source%s present%s", present,
               present == 1 ? "" : "s", dropped ? ", optional ones missing are dropped" : "");
}

/* ---- host-devices ---- */

static unsigned
needs_host_devices(const struct mh_check_input *input)
{
    for (size_t i = 0; i < input->guest->hostdev_count; i++) {
        if (input->guest->hostdevs[i].usb_id)
            return MH_FACTS_USB;
    }
    return 0;
}

static enum mh_check_result
check_host_devices(const struct mh_check_input *input, char *reason, size_t size)
{
    const struct mh_facts *destination = input->destination;
    char blocked[MH_CHECK_REASON_MAX] = "", missing[MH_CHECK_REASON_MAX] = "";
    char unconfirmed[MH_CHECK_REASON_MAX] = "";
    size_t blocked_count = 0, missing_count = 0, unconfirmed_count = 0, usb = 0;

    /* libvirt migrates only USB devices (re-attached on the destination)
     * and PCI devices with transient teaming (unplugged for the move). */
    for (size_t i = 0; i < input->guest->hostdev_count; i++) {
        const struct mh_guest_hostdev *dev = &input->guest->hostdevs[i];
        bool subsystem = dev->mode && strcmp(dev->mode, "subsystem") == 0;

        if (subsystem && dev->type && strcmp(dev->type, "usb") == 0) {
            usb++;
            if (dev->startup_policy && strcmp(dev->startup_policy, "optional") == 0)
                continue;
            if (!dev->usb_id || !destination->usb_devices.known)
                append(unconfirmed, sizeof(unconfirmed), "%s%s", unconfirmed_count++ ? ", " : "",
                       dev->description);
            else if (!mh_names_has(&destination->usb_devices, dev->usb_id))
                append(missing, sizeof(missing), "%s%s", missing_count++ ? ", " : "",
                       dev->description);
            continue;
        }
        if (subsystem && dev->type && strcmp(dev->type, "pci") == 0 && dev->transient_teaming)
            continue;
        append(blocked, sizeof(blocked), "%s%s", blocked_count++ ? ", " : "", dev->description);
    }
    if (blocked_count)
        return say(MH_CHECK_FAIL, reason, size, "passthrough device%s cannot migrate: %s",
                   blocked_count == 1 ? "" : "s", blocked);
    if (missing_count)
        return say(MH_CHECK_FAIL, reason, size, "the destination has no %s", missing);
    if (unconfirmed_count)
        return say(MH_CHECK_WARN, reason, size, "cannot confirm the destination has %s",
                   unconfirmed);
    if (usb)
        return say(MH_CHECK_PASS, reason, size, "%zu USB device%s present on the destination", usb,
                   usb == 1 ? "" : "s");
    return say(MH_CHECK_PASS, reason, size, "no host devices");
}

/* ---- maintenance ---- */

static unsigned
needs_maintenance(const struct mh_check_input *input)
{
    (void)input;
    return MH_FACTS_MAINTENANCE;
}

static enum mh_check_result
check_maintenance(const struct mh_check_input *input, char *reason, size_t size)
{
    const struct mh_facts *destination = input->destination;

    if (destination->maintenance < 0)
        return unknown_fact(destination, reason, size, "the destination's maintenance flag");
    if (destination->maintenance == 0)
        return say(MH_CHECK_PASS, reason, size, "destination is not in maintenance");
    return say(MH_CHECK_FAIL, reason, size, "destination is in maintenance%s%s (flag file %s)",
               destination->maintenance_reason[0] ? ": " : "", destination->maintenance_reason,
               input->conf->maintenance_file ? input->conf->maintenance_file : "");
}

/* ---- allowed-sources ---- */

static unsigned
needs_nothing(const struct mh_check_input *input)
{
    (void)input;
    return 0;
}

static enum mh_check_result
check_allowed_sources(const struct mh_check_input *input, char *reason, size_t size)
{
    const json_t *allowed = input->conf->allowed_sources;
    char list[MH_CHECK_REASON_MAX] = "";
    size_t index;
    json_t *pattern;

    if (!allowed || json_array_size(allowed) == 0)
        return say(MH_CHECK_PASS, reason, size, "any source host is allowed");
    json_array_foreach(allowed, index, pattern)
        append(list, sizeof(list), "%s%s", index ? ", " : "", json_string_value(pattern));
    if (!input->source_host)
        return say(MH_CHECK_FAIL, reason, size, "source host unknown (no cookie); only %s may "
                   "migrate guests here", list);
    json_array_foreach(allowed, index, pattern) {
        if (fnmatch(json_string_value(pattern), input->source_host, 0) == 0)
            return say(MH_CHECK_PASS, reason, size, "source host %s is allowed%s",
                       input->source_host,
                       input->source_authenticated ? "" : " (cookie not authenticated)");
    }
    return say(MH_CHECK_FAIL, reason, size, "source host %s is not allowed (allowed: %s)",
               input->source_host, list);
}

/* ---- max-incoming ---- */

static unsigned
needs_incoming(const struct mh_check_input *input)
{
    return input->conf->max_incoming > 0 ? MH_FACTS_INCOMING : 0;
}

static enum mh_check_result
check_max_incoming(const struct mh_check_input *input, char *reason, size_t size)
{
    long limit = input->conf->max_incoming;
    long incoming = input->destination->incoming_migrations;

    if (limit <= 0)
        return say(MH_CHECK_PASS, reason, size, "no limit configured");
    if (incoming < 0)
        return unknown_fact(input->destination, reason, size,
                            "how many migrations the destination receives");
    if (incoming >= limit)
        return say(MH_CHECK_FAIL, reason, size, "destination already receives %ld migration%s "
                   "(limit %ld)", incoming, incoming == 1 ? "" : "s", limit);
    return say(MH_CHECK_PASS, reason, size, "%ld incoming migration%s in flight, limit %ld",
               incoming, incoming == 1 ? "" : "s", limit);
}

static bool
in_list(const char *flag, const char *const *list, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(flag, list[i]) == 0)
            return true;
    }
    return false;
}

static bool
ignored_flag(const char *flag, bool passthrough)
{
    if (passthrough)
        return in_list(flag, host_only_flags, sizeof(host_only_flags) / sizeof(host_only_flags[0]));
    /* kvm* paravirtual features and vmx-* controls are QEMU's business. */
    return in_list(flag, virtual_flags, sizeof(virtual_flags) / sizeof(virtual_flags[0])) ||
           mh_string_has_prefix(flag, "kvm") ||
           (mh_string_has_prefix(flag, "vmx") && strcmp(flag, "vmx") != 0);
}

static size_t
missing_flags(const struct mh_names *wanted, const struct mh_facts *destination,
              const struct mh_names *except, bool passthrough, char *out, size_t size)
{
    size_t count = 0;

    out[0] = '\0';
    for (size_t i = 0; i < wanted->count; i++) {
        const char *flag = wanted->items[i];

        if (mh_names_has(&destination->cpu_flags, flag) || ignored_flag(flag, passthrough) ||
            (except && mh_names_has(except, flag)))
            continue;
        append(out, size, "%s%s", count++ ? ", " : "", flag);
    }
    return count;
}

static enum mh_check_result
compare_versions(const char *what, const struct mh_facts *source, unsigned long source_version,
                 unsigned long destination_version, char *reason, size_t size)
{
    char from[32], to[32];

    if (!source_version)
        return say(MH_CHECK_SKIP, reason, size, "not compared: the source's %s version is unknown%s",
                   what, source ? "" : " (no cookie)");
    if (!destination_version)
        return say(MH_CHECK_SKIP, reason, size,
                   "not compared: the destination's %s version is unknown", what);
    mh_facts_format_version(source_version, from);
    mh_facts_format_version(destination_version, to);
    if (source_version == destination_version)
        return say(MH_CHECK_PASS, reason, size, "%s %s on both hosts", what, to);
    if (destination_version < source_version)
        return say(MH_CHECK_FAIL, reason, size, "destination runs %s %s, older than the source's %s",
                   what, to, from);
    return say(MH_CHECK_WARN, reason, size, "destination runs %s %s, the source %s", what, to, from);
}

/* A fact libvirt's API does not show is the hook's to check; one that
 * could not be read on the host itself is a warning. */
static enum mh_check_result
unknown_fact(const struct mh_facts *destination, char *reason, size_t size, const char *what)
{
    if (destination->origin == MH_FACTS_API)
        return say(MH_CHECK_SKIP, reason, size, "%s cannot be read through libvirt; the hook on "
                   "the destination checks it", what);
    return say(MH_CHECK_WARN, reason, size, "cannot confirm: %s could not be read", what);
}

static enum mh_check_result
say(enum mh_check_result result, char *reason, size_t size, const char *format, ...)
{
    va_list args;

    va_start(args, format);
    vsnprintf(reason, size, format, args);
    va_end(args);
    return result;
}

static void
append(char *buffer, size_t size, const char *format, ...)
{
    size_t used = strlen(buffer);
    va_list args;

    if (used + 1 >= size)
        return;
    va_start(args, format);
    vsnprintf(buffer + used, size - used, format, args);
    va_end(args);
}
