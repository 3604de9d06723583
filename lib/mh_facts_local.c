/* mh_facts_local.c - facts of the host we run on, read from /proc, /sys and
 * libvirt's files without a call to libvirtd (which holds the guest's job
 * while the hook runs), cheaply enough for every migrate begin. */
#include "mh_error.h"
#include "mh_facts.h"
#include "mh_guest.h"
#include "mh_string.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* /proc/cpuinfo repeats every CPU; the first one's block is all we read. */
#define CPUINFO_BYTES 16384
/* libvirt writes a running guest's job into its status file before the
 * domain definition; nothing beyond this is read of each file. */
#define STATUS_BYTES 65536
#define MAX_ENTRIES 4096

/* Where the libvirt library may live; its file name carries the version
 * (libvirt.so.0.MAJOR*1000+MINOR.MICRO). */
static const char *const library_dirs[] = {
#if defined(__x86_64__)
    "/usr/lib/x86_64-linux-gnu",
#elif defined(__aarch64__)
    "/usr/lib/aarch64-linux-gnu",
#elif defined(__powerpc64__)
    "/usr/lib/powerpc64le-linux-gnu",
#elif defined(__s390x__)
    "/usr/lib/s390x-linux-gnu",
#endif
    "/usr/lib64",
    "/usr/lib",
    "/usr/local/lib64",
    "/usr/local/lib",
};

struct probe {
    const struct mh_facts_probe *options;
    struct mh_facts *facts;
    struct mh_error *err;
};

static int probe_hostname(struct probe *p);
static void probe_versions(struct probe *p);
static int probe_hypervisor(struct probe *p);
static int probe_cpu(struct probe *p);
static void probe_memory(struct probe *p);
static int probe_hugepages(struct probe *p);
static int probe_netdevs(struct probe *p);
static int probe_ovs(struct probe *p);
static int probe_networks(struct probe *p);
static void probe_maintenance(struct probe *p);
static void probe_incoming(struct probe *p);
static int probe_usb(struct probe *p);
static int probe_paths(struct probe *p);
static bool guest_needs_ovs(const struct mh_guest *guest, const struct mh_facts *facts);
static int under_root(const struct probe *p, const char *path, char *out, size_t size);
static ssize_t read_small(const char *path, char *buffer, size_t size);
static int list_xml_names(const char *directory, struct mh_names *names);
static int out_of_memory(struct probe *p);

int
mh_facts_probe_local(const struct mh_facts_probe *options, struct mh_facts *facts,
                     struct mh_error *err)
{
    struct probe p = { options, facts, err };
    unsigned what = options->what;

    facts->gathered |= what;
    if (options->host_id)
        mh_string_copy(facts->host_id, sizeof(facts->host_id), options->host_id);
    if ((what & MH_FACTS_IDENTITY) && probe_hostname(&p) < 0)
        return -1;
    if (what & MH_FACTS_VERSIONS)
        probe_versions(&p);
    if ((what & MH_FACTS_HYPERVISOR) && probe_hypervisor(&p) < 0)
        return -1;
    if ((what & MH_FACTS_CPU) && probe_cpu(&p) < 0)
        return -1;
    if (what & (MH_FACTS_MEMORY | MH_FACTS_HUGEPAGES))
        probe_memory(&p);
    if ((what & MH_FACTS_HUGEPAGES) && probe_hugepages(&p) < 0)
        return -1;
    if ((what & MH_FACTS_NETDEVS) && probe_netdevs(&p) < 0)
        return -1;
    if ((what & MH_FACTS_OVS) && probe_ovs(&p) < 0)
        return -1;
    if ((what & MH_FACTS_NETWORKS) && probe_networks(&p) < 0)
        return -1;
    if (what & MH_FACTS_MAINTENANCE)
        probe_maintenance(&p);
    if (what & MH_FACTS_INCOMING)
        probe_incoming(&p);
    if ((what & MH_FACTS_USB) && probe_usb(&p) < 0)
        return -1;
    if ((what & MH_FACTS_PATHS) && probe_paths(&p) < 0)
        return -1;
    return 0;
}

static int
probe_hostname(struct probe *p)
{
    char path[PATH_MAX];
    char name[256];
    ssize_t length;

    if (under_root(p, "/proc/sys/kernel/hostname", path, sizeof(path)) < 0)
        return 0;
    length = read_small(path, name, sizeof(name));
    if (length <= 0)
        return 0;
    name[strcspn(name, "\n")] = '\0';
    mh_string_copy(p->facts->hostname, sizeof(p->facts->hostname), name);
    return 0;
}

static void
probe_versions(struct probe *p)
{
    struct mh_error ignored;

    for (size_t i = 0; i < sizeof(library_dirs) / sizeof(library_dirs[0]); i++) {
        char link[PATH_MAX], path[PATH_MAX], target[256];
        unsigned long major_minor, micro;
        ssize_t length;
        char *end;

        snprintf(link, sizeof(link), "%s/libvirt.so.0", library_dirs[i]);
        if (under_root(p, link, path, sizeof(path)) < 0)
            continue;
        length = readlink(path, target, sizeof(target) - 1);
        if (length <= 0)
            continue;
        target[length] = '\0';
        if (!mh_string_has_prefix(target, "libvirt.so.0."))
            continue;
        errno = 0;
        major_minor = strtoul(target + strlen("libvirt.so.0."), &end, 10);
        if (errno || *end != '.')
            continue;
        micro = strtoul(end + 1, &end, 10);
        if (errno || *end || major_minor == 0 || micro > 999)
            continue;
        p->facts->libvirt_version = major_minor / 1000 * 1000000 + major_minor % 1000 * 1000 + micro;
        break;
    }
    if (p->options->guest && p->options->guest->emulator)
        mh_facts_qemu_version(p->options->root, p->options->guest->emulator,
                              p->options->state_dir, &p->facts->qemu_version, &ignored);
}

/* This is libvirt's qemu hook: the driver is QEMU; KVM is there when
 * /dev/kvm is. */
static int
probe_hypervisor(struct probe *p)
{
    char path[PATH_MAX];

    mh_string_copy(p->facts->hypervisor, sizeof(p->facts->hypervisor), "QEMU");
    if (mh_names_add(&p->facts->domain_types, "qemu") < 0)
        return out_of_memory(p);
    if (under_root(p, "/dev/kvm", path, sizeof(path)) == 0 && access(path, F_OK) == 0 &&
        mh_names_add(&p->facts->domain_types, "kvm") < 0)
        return out_of_memory(p);
    mh_names_finish(&p->facts->domain_types);
    return 0;
}

static int
probe_cpu(struct probe *p)
{
    char path[PATH_MAX];
    char *text = NULL;
    char *line, *next;
    ssize_t length;
    bool found_flags = false;
    int ret = 0;

    if (under_root(p, "/proc/cpuinfo", path, sizeof(path)) < 0)
        return 0;
    text = malloc(CPUINFO_BYTES);
    if (!text)
        return out_of_memory(p);
    length = read_small(path, text, CPUINFO_BYTES);
    if (length <= 0)
        goto cleanup;
    for (line = text; line && *line; line = next) {
        char *colon, *value, *key_end;

        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (!*line) {
            /* The end of the first processor's block. */
            if (found_flags)
                break;
            continue;
        }
        colon = strchr(line, ':');
        if (!colon)
            continue;
        value = colon + 1;
        while (*value == ' ' || *value == '\t')
            value++;
        key_end = colon;
        while (key_end > line && (key_end[-1] == ' ' || key_end[-1] == '\t'))
            key_end--;
        *key_end = '\0';
        if (strcmp(line, "vendor_id") == 0 && !p->facts->cpu_vendor[0]) {
            mh_string_copy(p->facts->cpu_vendor, sizeof(p->facts->cpu_vendor), value);
        } else if (strcmp(line, "model name") == 0 && !p->facts->cpu_model[0]) {
            mh_string_copy(p->facts->cpu_model, sizeof(p->facts->cpu_model), value);
        } else if ((strcmp(line, "flags") == 0 || strcmp(line, "Features") == 0) && !found_flags) {
            char *save = NULL;

            found_flags = true;
            for (char *flag = strtok_r(value, " \t", &save); flag; flag = strtok_r(NULL, " \t", &save)) {
                char canonical[128];

                if (mh_names_add(&p->facts->cpu_flags,
                                 mh_facts_cpu_flag(flag, canonical, sizeof(canonical))) < 0) {
                    ret = out_of_memory(p);
                    goto cleanup;
                }
            }
            mh_names_finish(&p->facts->cpu_flags);
        }
    }

cleanup:
    free(text);
    return ret;
}

static void
probe_memory(struct probe *p)
{
    char path[PATH_MAX];
    char text[8192];
    long long available = -1, free_kib = -1;

    if (under_root(p, "/proc/meminfo", path, sizeof(path)) < 0 ||
        read_small(path, text, sizeof(text)) <= 0)
        return;
    for (char *line = text; line && *line;) {
        char *next = strchr(line, '\n');
        long long value;
        char key[64];

        if (next)
            *next++ = '\0';
        if (sscanf(line, "%63[^:]: %lld", key, &value) == 2) {
            if (strcmp(key, "MemTotal") == 0)
                p->facts->memory_total_kib = value;
            else if (strcmp(key, "MemAvailable") == 0)
                available = value;
            else if (strcmp(key, "MemFree") == 0)
                free_kib = value;
            else if (strcmp(key, "Hugepagesize") == 0 && value > 0)
                p->facts->default_hugepage_kib = (unsigned long)value;
        }
        line = next;
    }
    /* MemAvailable counts the page cache a new guest can take over; kernels
     * before 3.14 have only MemFree. */
    p->facts->memory_available_kib = available >= 0 ? available : free_kib;
}

static int
probe_hugepages(struct probe *p)
{
    char directory[PATH_MAX];
    struct dirent *entry;
    DIR *dir;

    if (under_root(p, "/sys/kernel/mm/hugepages", directory, sizeof(directory)) < 0)
        return 0;
    dir = opendir(directory);
    if (!dir) {
        /* A kernel without hugetlbfs has no such pages at all. */
        p->facts->hugepages_known = errno == ENOENT;
        return 0;
    }
    while ((entry = readdir(dir)) && p->facts->hugepage_sizes < MH_FACTS_HUGEPAGE_SIZES) {
        struct mh_facts_hugepages *pages = &p->facts->hugepages[p->facts->hugepage_sizes];
        char path[PATH_MAX + NAME_MAX + 32], number[32];
        unsigned long size;
        char unit[4];
        long total, free_pages;

        if (sscanf(entry->d_name, "hugepages-%lu%3s", &size, unit) != 2 || strcmp(unit, "kB") != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s/nr_hugepages", directory, entry->d_name);
        if (read_small(path, number, sizeof(number)) <= 0)
            continue;
        number[strcspn(number, "\n")] = '\0';
        if (mh_string_to_long(number, 0, LONG_MAX, &total) < 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s/free_hugepages", directory, entry->d_name);
        if (read_small(path, number, sizeof(number)) <= 0)
            continue;
        number[strcspn(number, "\n")] = '\0';
        if (mh_string_to_long(number, 0, LONG_MAX, &free_pages) < 0)
            continue;
        *pages = (struct mh_facts_hugepages){ size, total, free_pages };
        p->facts->hugepage_sizes++;
    }
    closedir(dir);
    p->facts->hugepages_known = true;
    return 0;
}

static int
probe_netdevs(struct probe *p)
{
    char directory[PATH_MAX];
    struct dirent *entry;
    size_t seen = 0;
    int fd;
    DIR *dir;

    if (under_root(p, "/sys/class/net", directory, sizeof(directory)) < 0)
        return 0;
    dir = opendir(directory);
    if (!dir)
        return 0;
    fd = dirfd(dir);
    while ((entry = readdir(dir)) && seen++ < MAX_ENTRIES) {
        char bridge[NAME_MAX + 16];

        if (entry->d_name[0] == '.')
            continue;
        if (mh_names_add(&p->facts->netdevs, entry->d_name) < 0)
            goto failed;
        /* A Linux bridge has a bridge/ directory of its settings. */
        snprintf(bridge, sizeof(bridge), "%s/bridge", entry->d_name);
        if (faccessat(fd, bridge, F_OK, 0) == 0 && mh_names_add(&p->facts->bridges, entry->d_name) < 0)
            goto failed;
    }
    closedir(dir);
    mh_names_finish(&p->facts->netdevs);
    mh_names_finish(&p->facts->bridges);
    return 0;

failed:
    closedir(dir);
    return out_of_memory(p);
}

static int
probe_ovs(struct probe *p)
{
    struct mh_error why = { { 0 } };
    char path[PATH_MAX];
    int ret;

    /* Asking OVSDB costs a connection: only when a bridge of the guest is
     * not a Linux bridge, or says it is an OVS one. */
    if (p->options->guest && !guest_needs_ovs(p->options->guest, p->facts))
        return 0;
    if (!p->options->ovsdb_socket ||
        under_root(p, p->options->ovsdb_socket, path, sizeof(path)) < 0) {
        mh_string_copy(p->facts->ovs_note, sizeof(p->facts->ovs_note),
                       "no OVSDB socket configured");
        return 0;
    }
    ret = mh_facts_ovs_bridges(path, p->options->ovsdb_timeout_ms, &p->facts->ovs_bridges, &why);
    if (ret < 0)
        mh_names_free(&p->facts->ovs_bridges);
    if (ret != 0)
        mh_string_copy(p->facts->ovs_note, sizeof(p->facts->ovs_note), why.message);
    return 0;
}

static int
probe_networks(struct probe *p)
{
    char path[PATH_MAX];

    if (under_root(p, "/etc/libvirt/qemu/networks", path, sizeof(path)) == 0 &&
        list_xml_names(path, &p->facts->networks_defined) < 0)
        return out_of_memory(p);
    /* libvirt keeps a status file for each active network here. */
    if (under_root(p, "/run/libvirt/network", path, sizeof(path)) == 0 &&
        list_xml_names(path, &p->facts->networks_active) < 0)
        return out_of_memory(p);
    /* A transient network is active without being defined. */
    if (p->facts->networks_active.known && p->facts->networks_defined.known) {
        for (size_t i = 0; i < p->facts->networks_active.count; i++) {
            if (mh_names_add(&p->facts->networks_defined, p->facts->networks_active.items[i]) < 0)
                return out_of_memory(p);
        }
        mh_names_finish(&p->facts->networks_defined);
    }
    return 0;
}

static void
probe_maintenance(struct probe *p)
{
    char path[PATH_MAX];
    char reason[256];
    ssize_t length;

    if (!p->options->maintenance_file || !*p->options->maintenance_file ||
        under_root(p, p->options->maintenance_file, path, sizeof(path)) < 0)
        return;
    if (access(path, F_OK) < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            p->facts->maintenance = 0;
        return;
    }
    p->facts->maintenance = 1;
    /* Its first line, if any, says why: shown to whoever is refused. */
    length = read_small(path, reason, sizeof(reason));
    if (length <= 0)
        return;
    reason[strcspn(reason, "\r\n")] = '\0';
    mh_string_copy_text(p->facts->maintenance_reason, sizeof(p->facts->maintenance_reason),
                        reason);
}

static void
probe_incoming(struct probe *p)
{
    char directory[PATH_MAX];
    struct dirent *entry;
    char *buffer;
    size_t seen = 0;
    long count = 0;
    DIR *dir;

    if (under_root(p, "/run/libvirt/qemu", directory, sizeof(directory)) < 0)
        return;
    dir = opendir(directory);
    if (!dir) {
        if (errno == ENOENT)
            p->facts->incoming_migrations = 0;
        return;
    }
    buffer = malloc(STATUS_BYTES);
    if (!buffer) {
        closedir(dir);
        return;
    }
    while ((entry = readdir(dir)) && seen++ < MAX_ENTRIES) {
        size_t length = strlen(entry->d_name);
        char path[PATH_MAX + NAME_MAX + 2];
        ssize_t got;
        char *domain;

        if (entry->d_name[0] == '.' || length < 5 || strcmp(entry->d_name + length - 4, ".xml") != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", directory, entry->d_name);
        got = read_small(path, buffer, STATUS_BYTES);
        if (got <= 0)
            continue;
        /* <domstatus> holds <job ... async='migration in'> while QEMU
         * receives an incoming migration; the <domain> after it is not ours
         * to search. */
        domain = strstr(buffer, "<domain ");
        if (domain)
            *domain = '\0';
        if (strstr(buffer, "async='migration in'"))
            count++;
    }
    free(buffer);
    closedir(dir);
    p->facts->incoming_migrations = count;
}

static int
probe_usb(struct probe *p)
{
    char directory[PATH_MAX];
    struct dirent *entry;
    size_t seen = 0;
    DIR *dir;

    if (p->options->guest) {
        bool wanted = false;

        for (size_t i = 0; i < p->options->guest->hostdev_count; i++)
            wanted |= p->options->guest->hostdevs[i].usb_id != NULL;
        if (!wanted)
            return 0;
    }
    if (under_root(p, "/sys/bus/usb/devices", directory, sizeof(directory)) < 0)
        return 0;
    dir = opendir(directory);
    if (!dir) {
        if (errno == ENOENT)
            mh_names_finish(&p->facts->usb_devices);
        return 0;
    }
    while ((entry = readdir(dir)) && seen++ < MAX_ENTRIES) {
        char path[PATH_MAX + NAME_MAX + 16], vendor[16], product[16], id[16];

        if (entry->d_name[0] == '.')
            continue;
        snprintf(path, sizeof(path), "%s/%s/idVendor", directory, entry->d_name);
        if (read_small(path, vendor, sizeof(vendor)) <= 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s/idProduct", directory, entry->d_name);
        if (read_small(path, product, sizeof(product)) <= 0)
            continue;
        vendor[strcspn(vendor, "\n")] = '\0';
        product[strcspn(product, "\n")] = '\0';
        snprintf(id, sizeof(id), "%.4s:%.4s", vendor, product);
        for (char *c = id; *c; c++)
            *c = (char)(*c >= 'A' && *c <= 'F' ? *c - 'A' + 'a' : *c);
        if (mh_names_add(&p->facts->usb_devices, id) < 0) {
            closedir(dir);
            return out_of_memory(p);
        }
    }
    closedir(dir);
    mh_names_finish(&p->facts->usb_devices);
    return 0;
}

static int
probe_paths(struct probe *p)
{
    const struct mh_guest *guest = p->options->guest;

    for (size_t i = 0; guest && i < guest->disk_count; i++) {
        const char *source = guest->disks[i].source;
        enum mh_facts_path_state state = MH_FACTS_PATH_UNKNOWN;
        char path[PATH_MAX];
        struct stat st;

        if (!source || source[0] != '/')
            continue;
        if (under_root(p, source, path, sizeof(path)) == 0) {
            if (stat(path, &st) == 0)
                state = MH_FACTS_PATH_PRESENT;
            else if (errno == ENOENT || errno == ENOTDIR)
                state = MH_FACTS_PATH_ABSENT;
        }
        if (mh_facts_set_path(p->facts, source, state) < 0)
            return out_of_memory(p);
    }
    return 0;
}

static bool
guest_needs_ovs(const struct mh_guest *guest, const struct mh_facts *facts)
{
    for (size_t i = 0; i < guest->interface_count; i++) {
        const struct mh_guest_interface *it = &guest->interfaces[i];

        if (!it->type || strcmp(it->type, "bridge") != 0 || !it->source)
            continue;
        if ((it->virtualport && strcmp(it->virtualport, "openvswitch") == 0) ||
            !facts->bridges.known || !mh_names_has(&facts->bridges, it->source))
            return true;
    }
    return false;
}

static int
under_root(const struct probe *p, const char *path, char *out, size_t size)
{
    const char *root = p->options->root ? p->options->root : "";

    if (snprintf(out, size, "%s%s", root, path) >= (int)size)
        return -1;
    return 0;
}

/* Read at most size - 1 bytes of a small file (procfs, sysfs) and
 * terminate them. Returns the length, or -1. */
static ssize_t
read_small(const char *path, char *buffer, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    size_t used = 0;

    if (fd < 0)
        return -1;
    while (used + 1 < size) {
        ssize_t got = read(fd, buffer + used, size - 1 - used);

        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            break;
        used += (size_t)got;
    }
    close(fd);
    buffer[used] = '\0';
    return (ssize_t)used;
}

/* NAME of every NAME.xml in directory; a missing directory is no names. */
static int
list_xml_names(const char *directory, struct mh_names *names)
{
    struct dirent *entry;
    size_t seen = 0;
    DIR *dir = opendir(directory);

    if (!dir) {
        if (errno == ENOENT)
            mh_names_finish(names);
        return 0;
    }
    while ((entry = readdir(dir)) && seen++ < MAX_ENTRIES) {
        size_t length = strlen(entry->d_name);
        char name[NAME_MAX + 1];

        if (entry->d_name[0] == '.' || length < 5 || strcmp(entry->d_name + length - 4, ".xml") != 0)
            continue;
        memcpy(name, entry->d_name, length - 4);
        name[length - 4] = '\0';
        if (mh_names_add(names, name) < 0) {
            closedir(dir);
            return -1;
        }
    }
    closedir(dir);
    mh_names_finish(names);
    return 0;
}

static int
out_of_memory(struct probe *p)
{
    mh_error_set(p->err, "out of memory probing host facts");
    return -1;
}
