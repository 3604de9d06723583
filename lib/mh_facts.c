/* mh_facts.c - host facts: their JSON form, versions and CPU flag names. */
#include "mh_facts.h"
#include "mh_error.h"
#include "mh_string.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bounds on facts read from JSON: a cookie comes from another host. */
#define MAX_NAMES 4096
#define MAX_NAME_LENGTH 255

/* Kernel and libvirt names of the same CPUID bit that canonical form alone
 * does not unify (after lower-casing and dropping '_', '-', '.'). */
static const char *const cpu_flag_aliases[][2] = {
    { "pni", "sse3" },
    { "tscdeadlinetimer", "tscdeadline" },
    { "pclmulqdq", "pclmuldq" },
};

static int read_string(const json_t *object, const char *key, const char *what, char *out,
                       size_t size, struct mh_error *err);
static int read_version(const json_t *object, const char *key, const char *what,
                        unsigned long *out, struct mh_error *err);
static int read_count(const json_t *object, const char *key, const char *what, long long *out,
                      struct mh_error *err);
static int read_names(const json_t *object, const char *key, const char *what,
                      struct mh_names *names, struct mh_error *err);
static int read_hugepages(const json_t *array, const char *what, struct mh_facts *facts,
                          struct mh_error *err);
static int read_paths(const json_t *object, const char *what, struct mh_facts *facts,
                      struct mh_error *err);
static int canonicalize_flags(struct mh_names *flags, struct mh_error *err);
static void set_names(json_t *object, const char *key, const struct mh_names *names);
static void set_version(json_t *object, const char *key, unsigned long version);

void
mh_facts_init(struct mh_facts *facts, enum mh_facts_origin origin)
{
    memset(facts, 0, sizeof(*facts));
    facts->origin = origin;
    facts->memory_total_kib = -1;
    facts->memory_available_kib = -1;
    facts->maintenance = -1;
    facts->incoming_migrations = -1;
}

void
mh_facts_free(struct mh_facts *facts)
{
    mh_names_free(&facts->domain_types);
    mh_names_free(&facts->cpu_flags);
    mh_names_free(&facts->netdevs);
    mh_names_free(&facts->bridges);
    mh_names_free(&facts->ovs_bridges);
    mh_names_free(&facts->networks_active);
    mh_names_free(&facts->networks_defined);
    mh_names_free(&facts->usb_devices);
    for (size_t i = 0; i < facts->path_count; i++)
        free(facts->paths[i].path);
    free(facts->paths);
    facts->paths = NULL;
    facts->path_count = 0;
}

json_t *
mh_facts_to_json(const struct mh_facts *facts, unsigned what)
{
    json_t *object = json_object();

    if (!object)
        return NULL;
    if (facts->host_id[0])
        json_object_set_new(object, "host_id", json_string(facts->host_id));
    if ((what & MH_FACTS_IDENTITY) && facts->hostname[0])
        json_object_set_new(object, "hostname", json_string(facts->hostname));
    if (what & MH_FACTS_VERSIONS) {
        set_version(object, "libvirt_version", facts->libvirt_version);
        set_version(object, "qemu_version", facts->qemu_version);
    }
    if (what & MH_FACTS_HYPERVISOR) {
        if (facts->hypervisor[0])
            json_object_set_new(object, "hypervisor", json_string(facts->hypervisor));
        set_names(object, "domain_types", &facts->domain_types);
    }
    if ((what & MH_FACTS_CPU) &&
        (facts->cpu_vendor[0] || facts->cpu_model[0] || facts->cpu_flags.known)) {
        json_t *cpu = json_object();

        if (facts->cpu_vendor[0])
            json_object_set_new(cpu, "vendor", json_string(facts->cpu_vendor));
        if (facts->cpu_model[0])
            json_object_set_new(cpu, "model", json_string(facts->cpu_model));
        set_names(cpu, "flags", &facts->cpu_flags);
        json_object_set_new(object, "cpu", cpu);
    }
    if ((what & MH_FACTS_MEMORY) && facts->memory_total_kib >= 0) {
        json_t *memory = json_object();

        json_object_set_new(memory, "total_kib", json_integer(facts->memory_total_kib));
        if (facts->memory_available_kib >= 0)
            json_object_set_new(memory, "available_kib",
                                json_integer(facts->memory_available_kib));
        json_object_set_new(object, "memory", memory);
    }
    if ((what & MH_FACTS_HUGEPAGES) && facts->hugepages_known) {
        json_t *sizes = json_array();

        for (size_t i = 0; i < facts->hugepage_sizes; i++) {
            json_array_append_new(sizes, json_pack("{sI sI sI}", "size_kib",
                                                   (json_int_t)facts->hugepages[i].size_kib,
                                                   "total", (json_int_t)facts->hugepages[i].total,
                                                   "free", (json_int_t)facts->hugepages[i].free));
        }
        json_object_set_new(object, "hugepages", sizes);
        if (facts->default_hugepage_kib)
            json_object_set_new(object, "default_hugepage_kib",
                                json_integer((json_int_t)facts->default_hugepage_kib));
    }
    if (what & MH_FACTS_NETDEVS) {
        set_names(object, "netdevs", &facts->netdevs);
        set_names(object, "bridges", &facts->bridges);
    }
    if (what & MH_FACTS_OVS)
        set_names(object, "ovs_bridges", &facts->ovs_bridges);
    if ((what & MH_FACTS_NETWORKS) && facts->networks_defined.known) {
        json_t *networks = json_object();

        set_names(networks, "active", &facts->networks_active);
        set_names(networks, "defined", &facts->networks_defined);
        json_object_set_new(object, "networks", networks);
    }
    if ((what & MH_FACTS_MAINTENANCE) && facts->maintenance >= 0) {
        json_t *maintenance = json_object();

        json_object_set_new(maintenance, "active", json_boolean(facts->maintenance == 1));
        if (facts->maintenance_reason[0])
            json_object_set_new(maintenance, "reason", json_string(facts->maintenance_reason));
        json_object_set_new(object, "maintenance", maintenance);
    }
    if ((what & MH_FACTS_INCOMING) && facts->incoming_migrations >= 0)
        json_object_set_new(object, "incoming_migrations",
                            json_integer(facts->incoming_migrations));
    if (what & MH_FACTS_USB)
        set_names(object, "usb_devices", &facts->usb_devices);
    if ((what & MH_FACTS_PATHS) && facts->path_count) {
        json_t *paths = json_object();

        for (size_t i = 0; i < facts->path_count; i++) {
            const char *state = facts->paths[i].state == MH_FACTS_PATH_PRESENT  ? "present"
                                : facts->paths[i].state == MH_FACTS_PATH_ABSENT ? "absent"
                                                                                : "unknown";
            json_object_set_new(paths, facts->paths[i].path, json_string(state));
        }
        json_object_set_new(object, "paths", paths);
    }
    return object;
}

int
mh_facts_from_json(const json_t *object, const char *what, bool require_host_id,
                   struct mh_facts *facts, struct mh_error *err)
{
    char where[128];
    const json_t *value;
    long long number;

    if (!json_is_object(object)) {
        mh_error_set(err, "%s must be an object", what);
        return -1;
    }
    if (read_string(object, "host_id", what, facts->host_id, sizeof(facts->host_id), err) < 0)
        return -1;
    if (facts->host_id[0] && !mh_string_is_identifier(facts->host_id)) {
        mh_error_set(err, "%s.host_id is not a valid host id", what);
        return -1;
    }
    if (require_host_id && !facts->host_id[0]) {
        mh_error_set(err, "%s.host_id is missing", what);
        return -1;
    }
    if (read_string(object, "hostname", what, facts->hostname, sizeof(facts->hostname), err) < 0 ||
        read_version(object, "libvirt_version", what, &facts->libvirt_version, err) < 0 ||
        read_version(object, "qemu_version", what, &facts->qemu_version, err) < 0 ||
        read_string(object, "hypervisor", what, facts->hypervisor, sizeof(facts->hypervisor),
                    err) < 0 ||
        read_names(object, "domain_types", what, &facts->domain_types, err) < 0)
        return -1;

    if ((value = json_object_get(object, "cpu"))) {
        snprintf(where, sizeof(where), "%s.cpu", what);
        if (!json_is_object(value)) {
            mh_error_set(err, "%s must be an object", where);
            return -1;
        }
        if (read_string(value, "vendor", where, facts->cpu_vendor, sizeof(facts->cpu_vendor),
                        err) < 0 ||
            read_string(value, "model", where, facts->cpu_model, sizeof(facts->cpu_model),
                        err) < 0 ||
            read_names(value, "flags", where, &facts->cpu_flags, err) < 0 ||
            canonicalize_flags(&facts->cpu_flags, err) < 0)
            return -1;
    }
    if ((value = json_object_get(object, "memory"))) {
        snprintf(where, sizeof(where), "%s.memory", what);
        if (!json_is_object(value)) {
            mh_error_set(err, "%s must be an object", where);
            return -1;
        }
        if (read_count(value, "total_kib", where, &facts->memory_total_kib, err) < 0 ||
            read_count(value, "available_kib", where, &facts->memory_available_kib, err) < 0)
            return -1;
    }
    if ((value = json_object_get(object, "hugepages"))) {
        snprintf(where, sizeof(where), "%s.hugepages", what);
        if (read_hugepages(value, where, facts, err) < 0)
            return -1;
    }
    number = -1;
    if (read_count(object, "default_hugepage_kib", what, &number, err) < 0)
        return -1;
    if (number > 0)
        facts->default_hugepage_kib = (unsigned long)number;
    if (read_names(object, "netdevs", what, &facts->netdevs, err) < 0 ||
        read_names(object, "bridges", what, &facts->bridges, err) < 0 ||
        read_names(object, "ovs_bridges", what, &facts->ovs_bridges, err) < 0 ||
        read_names(object, "usb_devices", what, &facts->usb_devices, err) < 0)
        return -1;
    if ((value = json_object_get(object, "networks"))) {
        snprintf(where, sizeof(where), "%s.networks", what);
        if (!json_is_object(value)) {
            mh_error_set(err, "%s must be an object", where);
            return -1;
        }
        if (read_names(value, "active", where, &facts->networks_active, err) < 0 ||
            read_names(value, "defined", where, &facts->networks_defined, err) < 0)
            return -1;
    }
    if ((value = json_object_get(object, "maintenance"))) {
        const json_t *active;

        snprintf(where, sizeof(where), "%s.maintenance", what);
        active = json_object_get(value, "active");
        if (!json_is_object(value) || !json_is_boolean(active)) {
            mh_error_set(err, "%s must be an object with a boolean \"active\"", where);
            return -1;
        }
        facts->maintenance = json_is_true(active);
        if (read_string(value, "reason", where, facts->maintenance_reason,
                        sizeof(facts->maintenance_reason), err) < 0)
            return -1;
    }
    number = -1;
    if (read_count(object, "incoming_migrations", what, &number, err) < 0)
        return -1;
    facts->incoming_migrations = (long)number;
    if ((value = json_object_get(object, "paths"))) {
        snprintf(where, sizeof(where), "%s.paths", what);
        if (read_paths(value, where, facts, err) < 0)
            return -1;
    }
    return 0;
}

int
mh_facts_parse_version(const char *text, unsigned long *version)
{
    long parts[3] = { 0, 0, 0 };
    char piece[16];
    size_t count = 0;

    while (count < 3) {
        size_t length = strspn(text, "0123456789");

        if (length == 0 || length >= sizeof(piece))
            return -1;
        memcpy(piece, text, length);
        piece[length] = '\0';
        if (mh_string_to_long(piece, 0, 999, &parts[count]) < 0)
            return -1;
        count++;
        text += length;
        if (*text != '.')
            break;
        text++;
    }
    if (*text != '\0' || count < 2 || (parts[0] == 0 && parts[1] == 0 && parts[2] == 0))
        return -1;
    *version = (unsigned long)(parts[0] * 1000000 + parts[1] * 1000 + parts[2]);
    return 0;
}

void
mh_facts_format_version(unsigned long version, char out[32])
{
    snprintf(out, 32, "%lu.%lu.%lu", version / 1000000, version / 1000 % 1000, version % 1000);
}

char *
mh_facts_cpu_flag(const char *name, char *out, size_t size)
{
    size_t used = 0;

    for (const char *p = name; *p && used + 1 < size; p++) {
        if (*p == '_' || *p == '-' || *p == '.')
            continue;
        out[used++] = (char)tolower((unsigned char)*p);
    }
    out[used] = '\0';
    for (size_t i = 0; i < sizeof(cpu_flag_aliases) / sizeof(cpu_flag_aliases[0]); i++) {
        if (strcmp(out, cpu_flag_aliases[i][0]) == 0) {
            mh_string_copy(out, size, cpu_flag_aliases[i][1]);
            break;
        }
    }
    return out;
}

enum mh_facts_path_state
mh_facts_path_state(const struct mh_facts *facts, const char *path)
{
    for (size_t i = 0; i < facts->path_count; i++) {
        if (strcmp(facts->paths[i].path, path) == 0)
            return facts->paths[i].state;
    }
    return MH_FACTS_PATH_UNKNOWN;
}

int
mh_facts_set_path(struct mh_facts *facts, const char *path, enum mh_facts_path_state state)
{
    struct mh_facts_path *bigger;
    char *copy;

    for (size_t i = 0; i < facts->path_count; i++) {
        if (strcmp(facts->paths[i].path, path) == 0) {
            facts->paths[i].state = state;
            return 0;
        }
    }
    copy = strdup(path);
    bigger = copy ? realloc(facts->paths, (facts->path_count + 1) * sizeof(*bigger)) : NULL;
    if (!bigger) {
        free(copy);
        return -1;
    }
    facts->paths = bigger;
    facts->paths[facts->path_count++] = (struct mh_facts_path){ copy, state };
    return 0;
}

const struct mh_facts_hugepages *
mh_facts_hugepages(const struct mh_facts *facts, unsigned long size_kib)
{
    for (size_t i = 0; i < facts->hugepage_sizes; i++) {
        if (facts->hugepages[i].size_kib == size_kib)
            return &facts->hugepages[i];
    }
    return NULL;
}

static int
read_string(const json_t *object, const char *key, const char *what, char *out, size_t size,
            struct mh_error *err)
{
    const json_t *value = json_object_get(object, key);

    if (!value)
        return 0;
    if (!json_is_string(value) || strlen(json_string_value(value)) != json_string_length(value) ||
        json_string_length(value) >= size) {
        mh_error_set(err, "%s.%s must be a string of at most %zu characters", what, key, size - 1);
        return -1;
    }
    mh_string_copy(out, size, json_string_value(value));
    return 0;
}

static int
read_version(const json_t *object, const char *key, const char *what, unsigned long *out,
             struct mh_error *err)
{
    const json_t *value = json_object_get(object, key);

    if (!value)
        return 0;
    if (!json_is_string(value) || mh_facts_parse_version(json_string_value(value), out) < 0) {
        mh_error_set(err, "%s.%s must be a version string such as \"9.0.0\"", what, key);
        return -1;
    }
    return 0;
}

static int
read_count(const json_t *object, const char *key, const char *what, long long *out,
           struct mh_error *err)
{
    const json_t *value = json_object_get(object, key);

    if (!value)
        return 0;
    if (!json_is_integer(value) || json_integer_value(value) < 0) {
        mh_error_set(err, "%s.%s must be a non-negative integer", what, key);
        return -1;
    }
    *out = (long long)json_integer_value(value);
    return 0;
}

static int
read_names(const json_t *object, const char *key, const char *what, struct mh_names *names,
           struct mh_error *err)
{
    const json_t *value = json_object_get(object, key);
    char where[160];

    if (!value)
        return 0;
    snprintf(where, sizeof(where), "%s.%s", what, key);
    mh_names_free(names);
    return mh_names_from_json(value, MAX_NAMES, MAX_NAME_LENGTH, where, names, err);
}

static int
read_hugepages(const json_t *array, const char *what, struct mh_facts *facts,
               struct mh_error *err)
{
    size_t index;
    json_t *item;

    if (!json_is_array(array) || json_array_size(array) > MH_FACTS_HUGEPAGE_SIZES) {
        mh_error_set(err, "%s must be an array of at most %d objects", what,
                     MH_FACTS_HUGEPAGE_SIZES);
        return -1;
    }
    facts->hugepage_sizes = 0;
    json_array_foreach(array, index, item) {
        json_t *size = json_object_get(item, "size_kib");
        json_t *total = json_object_get(item, "total");
        json_t *free_pages = json_object_get(item, "free");

        if (!json_is_integer(size) || !json_is_integer(total) || !json_is_integer(free_pages) ||
            json_integer_value(size) <= 0 || json_integer_value(total) < 0 ||
            json_integer_value(free_pages) < 0) {
            mh_error_set(err, "%s[%zu] must have non-negative integers size_kib, total and free",
                         what, index);
            return -1;
        }
        facts->hugepages[facts->hugepage_sizes++] = (struct mh_facts_hugepages){
            (unsigned long)json_integer_value(size), (long)json_integer_value(total),
            (long)json_integer_value(free_pages) };
    }
    facts->hugepages_known = true;
    return 0;
}

static int
read_paths(const json_t *object, const char *what, struct mh_facts *facts, struct mh_error *err)
{
    const char *path;
    json_t *value;

    if (!json_is_object(object) || json_object_size(object) > MAX_NAMES) {
        mh_error_set(err, "%s must be an object of at most %d paths", what, MAX_NAMES);
        return -1;
    }
    json_object_foreach((json_t *)object, path, value) {
        const char *state = json_string_value(value);
        enum mh_facts_path_state parsed;

        if (state && strcmp(state, "present") == 0)
            parsed = MH_FACTS_PATH_PRESENT;
        else if (state && strcmp(state, "absent") == 0)
            parsed = MH_FACTS_PATH_ABSENT;
        else if (state && strcmp(state, "unknown") == 0)
            parsed = MH_FACTS_PATH_UNKNOWN;
        else {
            mh_error_set(err, "%s values must be \"present\", \"absent\" or \"unknown\"", what);
            return -1;
        }
        if (mh_facts_set_path(facts, path, parsed) < 0) {
            mh_error_set(err, "out of memory");
            return -1;
        }
    }
    return 0;
}

/* A source may name flags either way; compare them in canonical form. */
static int
canonicalize_flags(struct mh_names *flags, struct mh_error *err)
{
    struct mh_names canonical = { 0 };

    if (!flags->known)
        return 0;
    for (size_t i = 0; i < flags->count; i++) {
        char name[MAX_NAME_LENGTH + 1];

        if (mh_names_add(&canonical, mh_facts_cpu_flag(flags->items[i], name, sizeof(name))) < 0) {
            mh_names_free(&canonical);
            mh_error_set(err, "out of memory");
            return -1;
        }
    }
    mh_names_finish(&canonical);
    mh_names_free(flags);
    *flags = canonical;
    return 0;
}

static void
set_names(json_t *object, const char *key, const struct mh_names *names)
{
    json_t *array = mh_names_to_json(names);

    if (array)
        json_object_set_new(object, key, array);
}

static void
set_version(json_t *object, const char *key, unsigned long version)
{
    char text[32];

    if (!version)
        return;
    mh_facts_format_version(version, text);
    json_object_set_new(object, key, json_string(text));
}
