/* mh_rewrite_conf.c - read, check and compile the "rewrite" configuration. */
#include "mh_rewrite_conf.h"
#include "mh_conf.h"
#include "mh_error.h"
#include "mh_string.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LENGTH 255
#define PATH_MAX_LENGTH 4096
#define IFNAME_MAX_LENGTH 15    /* IFNAMSIZ - 1 */
#define HOSTNAME_MAX_LENGTH 253
#define PATH_MAX_SEGMENTS 16

const char *const mh_rewrite_kind_names[MH_REWRITE_KINDS] = {
    "bridges", "networks", "disk_prefixes", "chardev_prefixes", "graphics_listen",
    "emulator", "cpus", "nodes", "attributes",
};

/* Host-side parts that no typed rule covers. Each is something libvirt
 * resolves on the host that runs the guest and that its ABI stability
 * check does not compare. A path without '@' names the element's text. */
const char *const mh_rewrite_host_paths[] = {
    "devices/interface/source/@dev",        /* type='direct': the host NIC */
    "devices/interface/source/@path",       /* type='vhostuser': the socket */
    "devices/interface/filterref/@filter",
    "devices/disk/source/@pool",
    "devices/disk/source/@volume",
    "devices/disk/source/@name",            /* type='network': image or volume */
    "devices/disk/source/host/@name",
    "devices/disk/source/host/@port",
    "devices/disk/driver/@cache",
    "devices/disk/driver/@io",
    "devices/filesystem/source/@dir",
    "devices/graphics/listen/@network",
    "devices/graphics/listen/@socket",
    "devices/rng/backend",
    "devices/tpm/backend/device/@path",
    "devices/shmem/server/@path",
    "os/loader",
    "os/nvram",
    "os/nvram/@template",
    "os/kernel",
    "os/initrd",
    "os/dtb",
    NULL,
};

/* Parts that a typed rule owns: an "attributes" rule naming one is pointed
 * at the typed rule, so that each part has exactly one way to change it
 * and no two rules can chain on it. "**" matches any number of steps. */
static const struct {
    const char *pattern;
    const char *key;
} typed_paths[] = {
    { "devices/interface/source/@bridge", "bridges" },
    { "devices/interface/source/@network", "networks" },
    { "devices/interface/source/@portgroup", "networks" },
    { "devices/interface/@type", "bridges\" or \"networks" },
    { "devices/interface/virtualport/**", "bridges\" or \"networks" },
    { "devices/disk/**/source/@file", "disk_prefixes" },
    { "devices/disk/**/source/@dev", "disk_prefixes" },
    { "devices/disk/**/source/@dir", "disk_prefixes" },
    { "devices/graphics/@listen", "graphics_listen" },
    { "devices/graphics/listen/@address", "graphics_listen" },
    { "devices/serial/source/@path", "chardev_prefixes" },
    { "devices/console/source/@path", "chardev_prefixes" },
    { "devices/channel/source/@path", "chardev_prefixes" },
    { "devices/parallel/source/@path", "chardev_prefixes" },
    { "devices/*/log/@file", "chardev_prefixes" },
    { "devices/emulator", "emulator" },
    { "vcpu/@cpuset", "cpus" },
    { "cputune/*/@cpuset", "cpus" },
    { "numatune/*/@nodeset", "nodes" },
};

/* Parts the guest sees. libvirt's ABI stability check refuses a migration
 * whose XML changes them, so no rule may name them. */
static const struct {
    const char *pattern;
    const char *what;
} guest_paths[] = {
    /* Whole parts of <domain> first, so that they name the part best. */
    { "name", "the domain's identity" },
    { "uuid", "the domain's identity" },
    { "genid", "the domain's identity" },
    { "memory/**", "the memory size" },
    { "currentMemory/**", "the memory size" },
    { "maxMemory/**", "the memory size" },
    { "vcpu", "the vCPU count" },
    { "vcpu/@current", "the vCPU count" },
    { "vcpus/**", "the vCPU count" },
    { "os/type/**", "the machine type and architecture" },
    { "cpu/**", "the CPU model and features" },
    { "features/**", "the hypervisor features" },
    { "clock/**", "the guest clock" },
    { "sysinfo/**", "the SMBIOS data" },
    { "devices/disk/serial", "the disk's serial number" },
    { "devices/disk/wwn", "the disk's WWN" },
    { "devices/disk/vendor", "the disk's vendor" },
    { "devices/disk/product", "the disk's product" },
    { "**/mac/**", "the MAC address" },
    { "**/model/**", "the device model" },
    { "**/@model", "the device model" },
    { "**/address/**", "the device's guest address" },
    { "**/target/**", "the guest-side target (disk dev and bus, chardev target...)" },
    { "**/mtu/**", "the MTU" },
    { "**/boot/**", "the boot order" },
    { "**/@device", "the kind of device" },
};

/* Keys an operator might reach for to change a guest-visible part: named
 * in the refusal instead of "unknown key". */
static const struct {
    const char *key;
    const char *what;
} guest_keys[] = {
    { "mac", "the MAC address" }, { "macs", "the MAC address" },
    { "model", "the device model" }, { "models", "the device model" },
    { "mtu", "the MTU" }, { "address", "the guest device address" },
    { "addresses", "the guest device address" }, { "target", "the guest-side target" },
    { "targets", "the guest-side target" }, { "boot", "the boot order" },
    { "rom", "the option ROM" }, { "driver", "the device driver (queues)" },
    { "memory", "the memory size" }, { "vcpu", "the vCPU count" },
    { "vcpus", "the vCPU count" }, { "machine", "the machine type" },
    { "cpu", "the CPU model and features" }, { "cpu_model", "the CPU model" },
    { "features", "the hypervisor features" }, { "name", "the domain's identity" },
    { "uuid", "the domain's identity" },
};

#define GUEST_VISIBLE "refused: this rule would change %s, which the guest sees; libvirt " \
                      "refuses such a change during a migration (ABI stability check), so no " \
                      "rewrite rule may touch it"

struct interface_spec {
    const char *bridge;
    const char *network;
    int virtualport;
};

struct attribute_spec {
    const char *path;
    const char *from;
    const char *to;
    bool prefix;
};

struct cpu_spec {
    json_t *map;
    long shift;
    long max;
};

static void release(struct mh_rewrite_rules *rules);
static int parse_bridges(json_t *value, void *target, struct mh_conf_context *context);
static int parse_networks(json_t *value, void *target, struct mh_conf_context *context);
static int parse_interfaces(json_t *value, struct mh_rewrite_rules *rules,
                            enum mh_rewrite_kind kind, struct mh_conf_context *context);
static int parse_interface_target(json_t *value, struct mh_rewrite_interface *rule,
                                  struct mh_conf_context *context);
static int parse_path_map(json_t *value, void *target, struct mh_conf_context *context);
static int parse_listen_map(json_t *value, void *target, struct mh_conf_context *context);
static int parse_emulator(json_t *value, void *target, struct mh_conf_context *context);
static int parse_cpus(json_t *value, void *target, struct mh_conf_context *context);
static int parse_nodes(json_t *value, void *target, struct mh_conf_context *context);
static int parse_cpu_map(json_t *value, struct mh_cpuset_map **target, const char *what,
                         struct mh_conf_context *context);
static int parse_cpu_table(json_t *object, struct mh_cpuset_map *map, const char *what,
                           struct mh_conf_context *context);
static int parse_json_cpuset(json_t *value, struct mh_cpuset *set,
                             struct mh_conf_context *context);
static int parse_attributes(json_t *value, void *target, struct mh_conf_context *context);
static int parse_attribute(json_t *value, struct mh_rewrite_rules *rules,
                           struct mh_conf_context *context);
static int parse_json_object(json_t *value, void *target, struct mh_conf_context *context);
static int refuse_guest_keys(json_t *object, struct mh_conf_context *context);
static int check_host_path(const char *path, const char **host_path,
                           struct mh_conf_context *context);
static bool path_matches(const char *pattern, const char *path);
static size_t split_path(const char *path, char *copy, size_t size, const char **segments);
static bool glob_segments(const char **pattern, size_t pattern_count, const char **path,
                          size_t path_count);
static int add_pair(struct mh_rewrite_map *map, const char *from, const char *to);
static bool same_prefix(const char *a, const char *b);
static bool is_ifname(const char *name);
static bool is_network_name(const char *name);
static bool is_absolute_path(const char *path);
static bool is_address(const char *address);
static bool has_control(const char *text);
static void *grow(void *array, size_t count, size_t size);

static const char *const port_choices[] = { "keep", "openvswitch", "none", NULL };

static const struct mh_conf_field rewrite_fields[] = {
    { .key = "enabled", .type = MH_CONF_BOOL, .offset = offsetof(struct mh_rewrite_rules, enabled) },
    { .key = "bridges", .type = MH_CONF_CUSTOM, .offset = 0, .parse = parse_bridges },
    { .key = "networks", .type = MH_CONF_CUSTOM, .offset = 0, .parse = parse_networks },
    { .key = "disk_prefixes", .type = MH_CONF_CUSTOM,
      .offset = offsetof(struct mh_rewrite_rules, disk_prefixes), .parse = parse_path_map },
    { .key = "chardev_prefixes", .type = MH_CONF_CUSTOM,
      .offset = offsetof(struct mh_rewrite_rules, chardev_prefixes), .parse = parse_path_map },
    { .key = "graphics_listen", .type = MH_CONF_CUSTOM,
      .offset = offsetof(struct mh_rewrite_rules, graphics_listen), .parse = parse_listen_map },
    { .key = "emulator", .type = MH_CONF_CUSTOM, .offset = 0, .parse = parse_emulator },
    { .key = "cpus", .type = MH_CONF_CUSTOM, .offset = offsetof(struct mh_rewrite_rules, cpus),
      .parse = parse_cpus },
    { .key = "nodes", .type = MH_CONF_CUSTOM, .offset = offsetof(struct mh_rewrite_rules, nodes),
      .parse = parse_nodes },
    { .key = "attributes", .type = MH_CONF_CUSTOM, .offset = 0, .parse = parse_attributes },
    { .key = NULL },
};

static const struct mh_conf_field interface_fields[] = {
    { .key = "bridge", .type = MH_CONF_STRING, .offset = offsetof(struct interface_spec, bridge) },
    { .key = "network", .type = MH_CONF_STRING,
      .offset = offsetof(struct interface_spec, network) },
    { .key = "virtualport", .type = MH_CONF_ENUM,
      .offset = offsetof(struct interface_spec, virtualport), .choices = port_choices },
    { .key = NULL },
};

static const struct mh_conf_field attribute_fields[] = {
    { .key = "path", .type = MH_CONF_STRING, .offset = offsetof(struct attribute_spec, path) },
    { .key = "from", .type = MH_CONF_STRING, .offset = offsetof(struct attribute_spec, from) },
    { .key = "to", .type = MH_CONF_STRING, .offset = offsetof(struct attribute_spec, to) },
    { .key = "prefix", .type = MH_CONF_BOOL, .offset = offsetof(struct attribute_spec, prefix) },
    { .key = NULL },
};

static const struct mh_conf_field cpu_fields[] = {
    { .key = "map", .type = MH_CONF_CUSTOM, .offset = offsetof(struct cpu_spec, map),
      .parse = parse_json_object },
    { .key = "shift", .type = MH_CONF_INT, .offset = offsetof(struct cpu_spec, shift),
      .min = -MH_CPUSET_MAX, .max = MH_CPUSET_MAX },
    { .key = "max", .type = MH_CONF_INT, .offset = offsetof(struct cpu_spec, max), .min = 0,
      .max = MH_CPUSET_MAX },
    { .key = NULL },
};

int
mh_rewrite_conf_parse(json_t *value, void *target, struct mh_conf_context *context)
{
    struct mh_rewrite_rules rules = { .enabled = true };
    int ret;

    if (!json_is_object(value))
        return mh_conf_fail(context, NULL, "must be an object");
    ret = refuse_guest_keys(value, context);
    if (ret == 0)
        ret = mh_conf_read_fields(value, rewrite_fields, &rules, context);
    /* Only checked here; the hook compiles the section again when it needs
     * the rules, so struct mh_conf keeps nothing to free. */
    release(&rules);
    if (ret < 0)
        return -1;
    *(json_t **)target = value;
    return 0;
}

struct mh_rewrite_rules *
mh_rewrite_rules_new(json_t *section, struct mh_error *err)
{
    struct mh_conf_context context = { .pointer = "/rewrite", .err = err };
    struct mh_rewrite_rules *rules = calloc(1, sizeof(*rules));

    if (!rules) {
        mh_error_set(err, "out of memory");
        return NULL;
    }
    rules->enabled = true;
    if (!section)
        return rules;
    if (refuse_guest_keys(section, &context) < 0 ||
        mh_conf_read_fields(section, rewrite_fields, rules, &context) < 0) {
        mh_error_prefix(err, "%s", context.pointer);
        mh_rewrite_rules_free(rules);
        return NULL;
    }
    return rules;
}

void
mh_rewrite_rules_free(struct mh_rewrite_rules *rules)
{
    if (!rules)
        return;
    release(rules);
    free(rules);
}

bool
mh_rewrite_rules_empty(const struct mh_rewrite_rules *rules)
{
    return !rules || !rules->enabled ||
           (rules->interface_count == 0 && rules->disk_prefixes.count == 0 &&
            rules->chardev_prefixes.count == 0 && rules->graphics_listen.count == 0 &&
            !rules->emulator && rules->emulators.count == 0 && !rules->cpus && !rules->nodes &&
            rules->attribute_count == 0);
}

/* Free what rules own, not rules itself. */
static void
release(struct mh_rewrite_rules *rules)
{
    free(rules->interfaces);
    free(rules->disk_prefixes.pairs);
    free(rules->chardev_prefixes.pairs);
    free(rules->graphics_listen.pairs);
    free(rules->emulators.pairs);
    free(rules->attributes);
    if (rules->cpus)
        mh_cpuset_map_free(rules->cpus);
    if (rules->nodes)
        mh_cpuset_map_free(rules->nodes);
    free(rules->cpus);
    free(rules->nodes);
}

static int
parse_bridges(json_t *value, void *target, struct mh_conf_context *context)
{
    return parse_interfaces(value, target, MH_REWRITE_BRIDGES, context);
}

static int
parse_networks(json_t *value, void *target, struct mh_conf_context *context)
{
    return parse_interfaces(value, target, MH_REWRITE_NETWORKS, context);
}

/* {"br0": "br1", "ovs0": {"bridge": "br1", "virtualport": "none"}, ...}
 * keyed by the name the source host uses. */
static int
parse_interfaces(json_t *value, struct mh_rewrite_rules *rules, enum mh_rewrite_kind kind,
                 struct mh_conf_context *context)
{
    enum mh_rewrite_link link = kind == MH_REWRITE_BRIDGES ? MH_REWRITE_LINK_BRIDGE
                                                            : MH_REWRITE_LINK_NETWORK;
    const char *name;
    json_t *target;

    if (!json_is_object(value))
        return mh_conf_fail(context, NULL, "must be an object mapping each %s name of the "
                            "source host to this host's",
                            link == MH_REWRITE_LINK_BRIDGE ? "bridge" : "network");
    json_object_foreach(value, name, target) {
        struct mh_rewrite_interface *rule;
        size_t mark = mh_conf_push(context, name, 0);

        if (link == MH_REWRITE_LINK_BRIDGE ? !is_ifname(name) : !is_network_name(name))
            return mh_conf_fail(context, NULL, "\"%.64s\" is not a valid %s name", name,
                                link == MH_REWRITE_LINK_BRIDGE ? "bridge" : "network");
        rule = grow(rules->interfaces, rules->interface_count, sizeof(*rule));
        if (!rule)
            return mh_conf_fail(context, NULL, "out of memory");
        rules->interfaces = rule;
        rule = &rules->interfaces[rules->interface_count++];
        *rule = (struct mh_rewrite_interface){
            .kind = kind, .from_link = link, .from = name, .to_link = link,
            .virtualport = MH_REWRITE_PORT_KEEP,
        };
        if (parse_interface_target(target, rule, context) < 0)
            return -1;
        mh_conf_pop(context, mark);
    }
    return 0;
}

static int
parse_interface_target(json_t *value, struct mh_rewrite_interface *rule,
                       struct mh_conf_context *context)
{
    struct interface_spec spec = { .virtualport = MH_REWRITE_PORT_KEEP };

    if (json_is_string(value)) {
        spec.bridge = rule->from_link == MH_REWRITE_LINK_BRIDGE ? json_string_value(value)
                                                                 : NULL;
        spec.network = rule->from_link == MH_REWRITE_LINK_NETWORK ? json_string_value(value)
                                                                   : NULL;
    } else if (json_is_object(value)) {
        if (refuse_guest_keys(value, context) < 0 ||
            mh_conf_read_fields(value, interface_fields, &spec, context) < 0)
            return -1;
        if (!spec.bridge == !spec.network)
            return mh_conf_fail(context, NULL, "needs exactly one of \"bridge\" or \"network\"");
    } else {
        return mh_conf_fail(context, NULL, "must be a name, or an object with \"bridge\" or "
                            "\"network\" and optionally \"virtualport\"");
    }
    if (spec.bridge && !is_ifname(spec.bridge))
        return mh_conf_fail(context, json_is_object(value) ? "bridge" : NULL,
                            "\"%.64s\" is not a valid bridge name (1 to %d characters, no '/', "
                            "':' or spaces)", spec.bridge, IFNAME_MAX_LENGTH);
    if (spec.network && !is_network_name(spec.network))
        return mh_conf_fail(context, json_is_object(value) ? "network" : NULL,
                            "\"%.64s\" is not a valid network name", spec.network);
    rule->to_link = spec.bridge ? MH_REWRITE_LINK_BRIDGE : MH_REWRITE_LINK_NETWORK;
    rule->to = spec.bridge ? spec.bridge : spec.network;
    rule->virtualport = (enum mh_rewrite_port)spec.virtualport;
    return 0;
}

/* {"/var/lib/libvirt/images": "/srv/images", ...} */
static int
parse_path_map(json_t *value, void *target, struct mh_conf_context *context)
{
    struct mh_rewrite_map *map = target;
    const char *from;
    json_t *to;

    if (!json_is_object(value))
        return mh_conf_fail(context, NULL, "must be an object mapping path prefixes of the "
                            "source host to this host's");
    json_object_foreach(value, from, to) {
        size_t mark = mh_conf_push(context, from, 0);

        if (!is_absolute_path(from))
            return mh_conf_fail(context, NULL, "\"%.64s\" must be an absolute path without "
                                "\"..\" or control characters", from);
        if (!json_is_string(to) || !is_absolute_path(json_string_value(to)))
            return mh_conf_fail(context, NULL, "must be an absolute path without \"..\" or "
                                "control characters");
        for (size_t i = 0; i < map->count; i++) {
            if (same_prefix(map->pairs[i].from, from))
                return mh_conf_fail(context, NULL, "\"%.64s\" is the same prefix as \"%.64s\"",
                                    from, map->pairs[i].from);
        }
        if (add_pair(map, from, json_string_value(to)) < 0)
            return mh_conf_fail(context, NULL, "out of memory");
        mh_conf_pop(context, mark);
    }
    return 0;
}

/* {"10.0.0.1": "10.0.0.2", "*": "0.0.0.0"} */
static int
parse_listen_map(json_t *value, void *target, struct mh_conf_context *context)
{
    struct mh_rewrite_map *map = target;
    const char *from;
    json_t *to;

    if (!json_is_object(value))
        return mh_conf_fail(context, NULL, "must be an object mapping listen addresses of the "
                            "source host (or \"*\" for any) to this host's");
    json_object_foreach(value, from, to) {
        size_t mark = mh_conf_push(context, from, 0);

        if (strcmp(from, "*") != 0 && !is_address(from))
            return mh_conf_fail(context, NULL, "\"%.64s\" is not an IP address, a host name "
                                "or \"*\"", from);
        if (!json_is_string(to) || !is_address(json_string_value(to)))
            return mh_conf_fail(context, NULL, "must be an IP address or a host name");
        if (add_pair(map, from, json_string_value(to)) < 0)
            return mh_conf_fail(context, NULL, "out of memory");
        mh_conf_pop(context, mark);
    }
    return 0;
}

/* "/usr/bin/qemu-system-x86_64", or {"/usr/libexec/qemu-kvm": "/usr/bin/..."} */
static int
parse_emulator(json_t *value, void *target, struct mh_conf_context *context)
{
    struct mh_rewrite_rules *rules = target;

    if (json_is_string(value)) {
        if (!is_absolute_path(json_string_value(value)))
            return mh_conf_fail(context, NULL, "must be an absolute path without \"..\" or "
                                "control characters");
        rules->emulator = json_string_value(value);
        return 0;
    }
    if (!json_is_object(value))
        return mh_conf_fail(context, NULL, "must be a path, or an object mapping the source "
                            "host's emulator paths to this host's");
    {
        const char *from;
        json_t *to;

        json_object_foreach(value, from, to) {
            size_t mark = mh_conf_push(context, from, 0);

            if (!is_absolute_path(from))
                return mh_conf_fail(context, NULL, "\"%.64s\" must be an absolute path", from);
            if (!json_is_string(to) || !is_absolute_path(json_string_value(to)))
                return mh_conf_fail(context, NULL, "must be an absolute path without \"..\" or "
                                    "control characters");
            if (add_pair(&rules->emulators, from, json_string_value(to)) < 0)
                return mh_conf_fail(context, NULL, "out of memory");
            mh_conf_pop(context, mark);
        }
    }
    return 0;
}

static int
parse_cpus(json_t *value, void *target, struct mh_conf_context *context)
{
    return parse_cpu_map(value, target, "CPU", context);
}

static int
parse_nodes(json_t *value, void *target, struct mh_conf_context *context)
{
    return parse_cpu_map(value, target, "NUMA node", context);
}

/* {"map": {"0-3": "8-11"}, "max": 15} or {"shift": 8, "max": 15} */
static int
parse_cpu_map(json_t *value, struct mh_cpuset_map **target, const char *what,
              struct mh_conf_context *context)
{
    struct cpu_spec spec = { .max = MH_CPUSET_MAX };
    struct mh_cpuset_map *map;

    if (mh_conf_read_fields(value, cpu_fields, &spec, context) < 0)
        return -1;
    if (!spec.map == !json_object_get(value, "shift"))
        return mh_conf_fail(context, NULL, "needs exactly one of \"map\" or \"shift\"");
    map = calloc(1, sizeof(*map));
    if (!map)
        return mh_conf_fail(context, NULL, "out of memory");
    if (*target) {
        mh_cpuset_map_free(*target);
        free(*target);
    }
    *target = map;
    map->max = spec.max;
    map->shift = spec.shift;
    map->by_table = spec.map != NULL;
    if (!map->by_table)
        return 0;
    return parse_cpu_table(spec.map, map, what, context);
}

/* Each key's numbers map, in ascending order, onto its value's numbers. */
static int
parse_cpu_table(json_t *object, struct mh_cpuset_map *map, const char *what,
                struct mh_conf_context *context)
{
    size_t mark = mh_conf_push(context, "map", 0);
    const char *key;
    json_t *value;

    map->table = malloc((MH_CPUSET_MAX + 1) * sizeof(*map->table));
    if (!map->table)
        return mh_conf_fail(context, NULL, "out of memory");
    for (size_t i = 0; i <= MH_CPUSET_MAX; i++)
        map->table[i] = -1;
    json_object_foreach(object, key, value) {
        struct mh_error err = { { 0 } };
        struct mh_cpuset from, to;
        size_t key_mark = mh_conf_push(context, key, 0);
        long f = -1, t = -1;

        if (mh_cpuset_parse(key, &from, &err) < 0)
            return mh_conf_fail(context, NULL, "%s", err.message);
        if (parse_json_cpuset(value, &to, context) < 0)
            return -1;
        if (mh_cpuset_count(&from) != mh_cpuset_count(&to))
            return mh_conf_fail(context, NULL, "maps %zu %ss onto %zu", mh_cpuset_count(&from),
                                what, mh_cpuset_count(&to));
        for (;;) {
            do
                f++;
            while (f <= MH_CPUSET_MAX && !mh_cpuset_has(&from, (unsigned)f));
            do
                t++;
            while (t <= MH_CPUSET_MAX && !mh_cpuset_has(&to, (unsigned)t));
            if (f > MH_CPUSET_MAX)
                break;
            if (map->table[f] >= 0)
                return mh_conf_fail(context, NULL, "%s %ld is mapped twice", what, f);
            if (t > map->max)
                return mh_conf_fail(context, NULL, "%s %ld is above \"max\" (%ld)", what, t,
                                    map->max);
            map->table[f] = (int16_t)t;
        }
        mh_conf_pop(context, key_mark);
    }
    mh_conf_pop(context, mark);
    return 0;
}

static int
parse_json_cpuset(json_t *value, struct mh_cpuset *set, struct mh_conf_context *context)
{
    struct mh_error err = { { 0 } };

    if (json_is_integer(value)) {
        if (json_integer_value(value) < 0 || json_integer_value(value) > MH_CPUSET_MAX)
            return mh_conf_fail(context, NULL, "must be between 0 and %d", MH_CPUSET_MAX);
        memset(set, 0, sizeof(*set));
        mh_cpuset_add(set, (unsigned)json_integer_value(value));
        return 0;
    }
    if (!json_is_string(value))
        return mh_conf_fail(context, NULL, "must be a number or a list such as \"8-11,16\"");
    if (mh_cpuset_parse(json_string_value(value), set, &err) < 0)
        return mh_conf_fail(context, NULL, "%s", err.message);
    return 0;
}

/* [{"path": "devices/interface/source/@dev", "from": "eth0", "to": "eth1"}] */
static int
parse_attributes(json_t *value, void *target, struct mh_conf_context *context)
{
    size_t index;
    json_t *item;

    if (!json_is_array(value))
        return mh_conf_fail(context, NULL, "must be an array of {\"path\", \"from\", \"to\"} "
                            "objects");
    json_array_foreach(value, index, item) {
        size_t mark = mh_conf_push(context, NULL, index);

        if (parse_attribute(item, target, context) < 0)
            return -1;
        mh_conf_pop(context, mark);
    }
    return 0;
}

static int
parse_attribute(json_t *value, struct mh_rewrite_rules *rules, struct mh_conf_context *context)
{
    struct attribute_spec spec = { 0 };
    struct mh_rewrite_attribute *rule;
    const char *host_path = NULL;

    if (mh_conf_read_fields(value, attribute_fields, &spec, context) < 0)
        return -1;
    if (!spec.path || !spec.from || !spec.to)
        return mh_conf_fail(context, NULL, "needs \"path\", \"from\" and \"to\"");
    if (check_host_path(spec.path, &host_path, context) < 0)
        return -1;
    if (has_control(spec.from) || strlen(spec.from) > PATH_MAX_LENGTH)
        return mh_conf_fail(context, "from", "must be at most %d characters, none of them "
                            "control characters", PATH_MAX_LENGTH);
    if (!*spec.to || has_control(spec.to) || strlen(spec.to) > PATH_MAX_LENGTH)
        return mh_conf_fail(context, "to", "must be 1 to %d characters, none of them control "
                            "characters", PATH_MAX_LENGTH);
    if (spec.prefix && !is_absolute_path(spec.from))
        return mh_conf_fail(context, "from", "must be an absolute path when \"prefix\" is true");
    if (spec.prefix && !is_absolute_path(spec.to))
        return mh_conf_fail(context, "to", "must be an absolute path when \"prefix\" is true");
    for (size_t i = 0; i < rules->attribute_count; i++) {
        const struct mh_rewrite_attribute *other = &rules->attributes[i];

        if (other->path == host_path && other->prefix == spec.prefix &&
            (spec.prefix ? same_prefix(other->from, spec.from)
                         : strcmp(other->from, spec.from) == 0))
            return mh_conf_fail(context, "from", "rule %zu already maps this value of %s", i,
                                host_path);
    }
    rule = grow(rules->attributes, rules->attribute_count, sizeof(*rule));
    if (!rule)
        return mh_conf_fail(context, NULL, "out of memory");
    rules->attributes = rule;
    rules->attributes[rules->attribute_count++] = (struct mh_rewrite_attribute){
        .path = host_path, .from = spec.from, .to = spec.to, .prefix = spec.prefix,
    };
    return 0;
}

static int
parse_json_object(json_t *value, void *target, struct mh_conf_context *context)
{
    if (!json_is_object(value))
        return mh_conf_fail(context, NULL, "must be an object");
    *(json_t **)target = value;
    return 0;
}

static int
refuse_guest_keys(json_t *object, struct mh_conf_context *context)
{
    for (size_t i = 0; i < sizeof(guest_keys) / sizeof(guest_keys[0]); i++) {
        if (json_object_get(object, guest_keys[i].key)) {
            char what[128];

            snprintf(what, sizeof(what), "%s (\"%s\")", guest_keys[i].what, guest_keys[i].key);
            return mh_conf_fail(context, guest_keys[i].key, GUEST_VISIBLE, what);
        }
    }
    return 0;
}

/* Normalize path ("/domain/devices/..." or "devices/...") and accept it
 * only when it is on the host-side whitelist; *host_path points at the
 * whitelist's own string. */
static int
check_host_path(const char *path, const char **host_path, struct mh_conf_context *context)
{
    const char *normal = path;
    char what[256];

    if (*normal == '/')
        normal++;
    if (mh_string_has_prefix(normal, "domain/"))
        normal += strlen("domain/");
    if (!*normal || strlen(normal) > 200 || has_control(normal))
        return mh_conf_fail(context, "path", "must be a path below <domain> such as "
                            "\"devices/interface/source/@dev\"");
    for (size_t i = 0; i < sizeof(typed_paths) / sizeof(typed_paths[0]); i++) {
        if (path_matches(typed_paths[i].pattern, normal))
            return mh_conf_fail(context, "path", "%s has its own rule: use \"rewrite.%s\"",
                                normal, typed_paths[i].key);
    }
    for (size_t i = 0; i < sizeof(guest_paths) / sizeof(guest_paths[0]); i++) {
        if (path_matches(guest_paths[i].pattern, normal)) {
            snprintf(what, sizeof(what), "%s (%s)", guest_paths[i].what, normal);
            return mh_conf_fail(context, "path", GUEST_VISIBLE, what);
        }
    }
    for (size_t i = 0; mh_rewrite_host_paths[i]; i++) {
        if (strcmp(mh_rewrite_host_paths[i], normal) == 0) {
            *host_path = mh_rewrite_host_paths[i];
            return 0;
        }
    }
    return mh_conf_fail(context, "path", "%s is not a host-side part migrate-hooks knows to be "
                        "safe to rewrite (see docs/rewrite.md for the list)", normal);
}

static bool
path_matches(const char *pattern, const char *path)
{
    char pattern_copy[256], path_copy[256];
    const char *pattern_segments[PATH_MAX_SEGMENTS], *path_segments[PATH_MAX_SEGMENTS];
    size_t pattern_count = split_path(pattern, pattern_copy, sizeof(pattern_copy),
                                      pattern_segments);
    size_t path_count = split_path(path, path_copy, sizeof(path_copy), path_segments);

    if (!pattern_count || !path_count)
        return false;
    return glob_segments(pattern_segments, pattern_count, path_segments, path_count);
}

/* Split a copy of path at '/'; 0 when it does not fit or has empty steps. */
static size_t
split_path(const char *path, char *copy, size_t size, const char **segments)
{
    size_t count = 0;

    if (mh_string_copy(copy, size, path) < 0)
        return 0;
    for (char *segment = copy, *slash; segment; segment = slash ? slash + 1 : NULL) {
        slash = strchr(segment, '/');
        if (slash)
            *slash = '\0';
        if (!*segment || count == PATH_MAX_SEGMENTS)
            return 0;
        segments[count++] = segment;
    }
    return count;
}

/* "*" matches one step, "**" any number of steps (none included). */
static bool
glob_segments(const char **pattern, size_t pattern_count, const char **path, size_t path_count)
{
    if (pattern_count == 0)
        return path_count == 0;
    if (strcmp(pattern[0], "**") == 0) {
        for (size_t skip = 0; skip <= path_count; skip++) {
            if (glob_segments(pattern + 1, pattern_count - 1, path + skip, path_count - skip))
                return true;
        }
        return false;
    }
    if (path_count == 0)
        return false;
    if (strcmp(pattern[0], "*") != 0 && strcmp(pattern[0], path[0]) != 0)
        return false;
    return glob_segments(pattern + 1, pattern_count - 1, path + 1, path_count - 1);
}

static int
add_pair(struct mh_rewrite_map *map, const char *from, const char *to)
{
    struct mh_rewrite_pair *pairs = grow(map->pairs, map->count, sizeof(*pairs));

    if (!pairs)
        return -1;
    map->pairs = pairs;
    map->pairs[map->count++] = (struct mh_rewrite_pair){ .from = from, .to = to };
    return 0;
}

/* "/a/b" and "/a/b/" are the same prefix. */
static bool
same_prefix(const char *a, const char *b)
{
    size_t a_length = strlen(a), b_length = strlen(b);

    while (a_length > 0 && a[a_length - 1] == '/')
        a_length--;
    while (b_length > 0 && b[b_length - 1] == '/')
        b_length--;
    return a_length == b_length && memcmp(a, b, a_length) == 0;
}

/* What Linux accepts as a network interface name. */
static bool
is_ifname(const char *name)
{
    size_t length = strlen(name);

    if (length == 0 || length > IFNAME_MAX_LENGTH || strcmp(name, ".") == 0 ||
        strcmp(name, "..") == 0)
        return false;
    for (const char *p = name; *p; p++) {
        if (*p == '/' || *p == ':' || isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
            return false;
    }
    return true;
}

static bool
is_network_name(const char *name)
{
    return *name && strlen(name) <= NAME_MAX_LENGTH && !strchr(name, '/') && !has_control(name);
}

static bool
is_absolute_path(const char *path)
{
    size_t length = strlen(path);

    if (path[0] != '/' || length > PATH_MAX_LENGTH || has_control(path))
        return false;
    for (const char *p = strstr(path, ".."); p; p = strstr(p + 1, "..")) {
        if (p[-1] == '/' && (p[2] == '/' || p[2] == '\0'))
            return false;
    }
    return true;
}

/* An IPv4 or IPv6 address, or a host name. */
static bool
is_address(const char *address)
{
    unsigned char buffer[sizeof(struct in6_addr)];
    size_t length = strlen(address);

    if (inet_pton(AF_INET, address, buffer) == 1 || inet_pton(AF_INET6, address, buffer) == 1)
        return true;
    if (length == 0 || length > HOSTNAME_MAX_LENGTH || address[0] == '-' || address[0] == '.')
        return false;
    for (const char *p = address; *p; p++) {
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
            return false;
    }
    return true;
}

static bool
has_control(const char *text)
{
    for (const char *p = text; *p; p++) {
        if (iscntrl((unsigned char)*p))
            return true;
    }
    return false;
}

/* array with room for count + 1 items (realloc'd), or NULL. */
static void *
grow(void *array, size_t count, size_t size)
{
    return realloc(array, (count + 1) * size);
}
