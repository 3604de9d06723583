/* mh_rewrite.c - plan the host-side edits the rules ask for, apply them to
 * the tree and the text, and check the result before anyone sees it. */
#include "mh_rewrite.h"
#include "mh_cpuset.h"
#include "mh_error.h"
#include "mh_rewrite_guest.h"
#include "mh_xml.h"
#include "mh_xmledit.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* How much of a document's value an error message may quote. */
#define QUOTE_MAX 64
#define PATH_MAX_SEGMENTS 16

/* The state of one rewrite while edits are planned. */
struct plan {
    const struct mh_rewrite_rules *rules;
    struct mh_xmledit_list *edits;
    struct mh_rewrite_result *result;
    struct mh_error *err;
};

static int plan_interfaces(struct plan *plan, xmlNode *devices);
static int plan_interface(struct plan *plan, xmlNode *interface,
                          const struct mh_rewrite_interface *rule, xmlNode *source,
                          const char *name);
static int plan_virtualport(struct plan *plan, xmlNode *interface, xmlNode *source,
                            enum mh_rewrite_port port);
static int plan_disks(struct plan *plan, xmlNode *devices);
static int plan_storage(struct plan *plan, xmlNode *storage, unsigned depth);
static int plan_chardevs(struct plan *plan, xmlNode *devices);
static int plan_graphics(struct plan *plan, xmlNode *devices);
static int plan_emulator(struct plan *plan, xmlNode *devices);
static int plan_cpusets(struct plan *plan, xmlNode *root);
static int plan_cpuset(struct plan *plan, xmlNode *element, const char *attribute,
                       const struct mh_cpuset_map *map, enum mh_rewrite_kind kind);
static int plan_attributes(struct plan *plan, xmlNode *root);
static int plan_attribute_path(struct plan *plan, xmlNode *node, const char **segments,
                               size_t count, const char *path);
static int plan_attribute_value(struct plan *plan, xmlNode *element, const char *attribute,
                                const char *path);
static int set_mapped(struct plan *plan, xmlNode *element, const char *attribute,
                      const char *value, enum mh_rewrite_kind kind);
static int finish(struct plan *plan, xmlDoc *doc, const char *input, size_t input_length);
static const char *map_exact(const struct mh_rewrite_map *map, const char *value);
static const char *map_listen(const struct mh_rewrite_map *map, const char *address);
static char *prefix_replace(const char *from, const char *to, const char *path);
static bool is_text_only(const xmlNode *element);
static bool is_utf8(const xmlDoc *doc);
static const char *attribute_value(const xmlNode *node, const char *name);
static bool attribute_is(const xmlNode *node, const char *name, const char *value);
static const char *element_label(const xmlNode *element, char *label, size_t size);
static int out_of_memory(struct plan *plan);

int
mh_rewrite_apply(const struct mh_rewrite_rules *rules, xmlDoc *doc, const char *input,
                 size_t input_length, struct mh_rewrite_result *result, struct mh_error *err)
{
    struct plan plan = { .rules = rules, .result = result, .err = err };
    xmlNode *root, *devices;
    int ret = -1;

    memset(result, 0, sizeof(*result));
    if (mh_rewrite_rules_empty(rules))
        return 0;
    root = mh_libxml.xmlDocGetRootElement(doc);
    if (!root || strcmp((const char *)root->name, "domain") != 0 || root->ns) {
        mh_error_set(err, "the root element is not <domain>");
        return -1;
    }
    plan.edits = mh_xmledit_new();
    if (!plan.edits)
        return out_of_memory(&plan);
    devices = mh_xml_child(root, "devices");
    if (plan_interfaces(&plan, devices) < 0 || plan_disks(&plan, devices) < 0 ||
        plan_chardevs(&plan, devices) < 0 || plan_graphics(&plan, devices) < 0 ||
        plan_emulator(&plan, devices) < 0 || plan_cpusets(&plan, root) < 0 ||
        plan_attributes(&plan, root) < 0)
        goto cleanup;
    result->edits = mh_xmledit_count(plan.edits);
    if (result->edits == 0) {
        ret = 0;
        goto cleanup;
    }
    ret = finish(&plan, doc, input, input_length);

cleanup:
    mh_xmledit_free(plan.edits);
    if (ret < 0)
        mh_rewrite_result_free(result);
    return ret;
}

void
mh_rewrite_result_free(struct mh_rewrite_result *result)
{
    free(result->output);
    memset(result, 0, sizeof(*result));
}

json_t *
mh_rewrite_summary(const struct mh_rewrite_result *result)
{
    json_t *summary = json_object();
    json_t *rules = json_object();

    if (!summary || !rules) {
        json_decref(summary);
        json_decref(rules);
        return NULL;
    }
    json_object_set_new(summary, "changed", json_boolean(result->changed));
    if (!result->changed) {
        json_decref(rules);
        return summary;
    }
    for (int kind = 0; kind < MH_REWRITE_KINDS; kind++) {
        if (result->counts[kind])
            json_object_set_new(rules, mh_rewrite_kind_names[kind],
                                json_integer((json_int_t)result->counts[kind]));
    }
    json_object_set_new(summary, "edits", json_integer((json_int_t)result->edits));
    json_object_set_new(summary, "rules", rules);
    if (result->reserialized)
        json_object_set_new(summary, "reserialized", json_true());
    return summary;
}

char *
mh_rewrite_prefix(const struct mh_rewrite_map *map, const char *path)
{
    const struct mh_rewrite_pair *best = NULL;
    size_t best_length = 0;

    for (size_t i = 0; i < map->count; i++) {
        char *replaced = prefix_replace(map->pairs[i].from, map->pairs[i].to, path);
        size_t length = strlen(map->pairs[i].from);

        if (replaced && (!best || length > best_length)) {
            best = &map->pairs[i];
            best_length = length;
        }
        free(replaced);
    }
    return best ? prefix_replace(best->from, best->to, path) : NULL;
}

/* <interface type='bridge|network'>, matched by its current bridge or
 * network name. */
static int
plan_interfaces(struct plan *plan, xmlNode *devices)
{
    const struct mh_rewrite_rules *rules = plan->rules;

    if (!devices || rules->interface_count == 0)
        return 0;
    for (xmlNode *interface = mh_xml_child(devices, "interface"); interface;
         interface = mh_xml_next(interface, "interface")) {
        xmlNode *source = mh_xml_child(interface, "source");
        enum mh_rewrite_link link;
        const char *name;
        int ret = 0;

        if (attribute_is(interface, "type", "bridge"))
            link = MH_REWRITE_LINK_BRIDGE;
        else if (attribute_is(interface, "type", "network"))
            link = MH_REWRITE_LINK_NETWORK;
        else
            continue;
        name = source ? attribute_value(source, link == MH_REWRITE_LINK_BRIDGE ? "bridge"
                                                                               : "network")
                      : NULL;
        if (!name)
            continue;
        for (size_t i = 0; i < rules->interface_count; i++) {
            const struct mh_rewrite_interface *rule = &rules->interfaces[i];

            if (rule->from_link == link && strcmp(rule->from, name) == 0) {
                ret = plan_interface(plan, interface, rule, source, name);
                break;
            }
        }
        if (ret < 0)
            return -1;
    }
    return 0;
}

static int
plan_interface(struct plan *plan, xmlNode *interface, const struct mh_rewrite_interface *rule,
               xmlNode *source, const char *name)
{
    struct mh_xmledit_list *edits = plan->edits;
    size_t before = mh_xmledit_count(edits);
    bool to_bridge = rule->to_link == MH_REWRITE_LINK_BRIDGE;
    const char *new_attribute = to_bridge ? "bridge" : "network";
    const char *old_attribute = rule->from_link == MH_REWRITE_LINK_BRIDGE ? "bridge"
                                                                           : "network";
    /* Attributes that describe the source host's port in its network (or,
     * for a bridge, its MAC table) mean nothing once the link changes. */
    static const char *const network_only[] = { "portid", "portgroup", NULL };
    static const char *const stale_on_rename[] = { "portid", NULL };
    static const char *const bridge_only[] = { "macTableManager", "portid", NULL };
    const char *const *drop = NULL;
    int ret = 0;

    if (rule->from_link == rule->to_link) {
        if (strcmp(rule->to, name) != 0) {
            ret = mh_xmledit_set_attribute(edits, source, new_attribute, rule->to);
            /* A network's live bridge= names the source host's bridge. */
            if (!to_bridge) {
                drop = stale_on_rename;
                if (ret == 0 && attribute_value(source, "bridge"))
                    ret = mh_xmledit_remove_attribute(edits, source, "bridge");
            }
        }
    } else {
        ret = mh_xmledit_set_attribute(edits, interface, "type", new_attribute);
        if (ret == 0 && attribute_value(source, new_attribute)) {
            ret = mh_xmledit_set_attribute(edits, source, new_attribute, rule->to);
            if (ret == 0)
                ret = mh_xmledit_remove_attribute(edits, source, old_attribute);
        } else if (ret == 0) {
            /* In place, so the line reads as what it became. */
            ret = mh_xmledit_rename_attribute(edits, source, old_attribute, new_attribute,
                                              rule->to);
        }
        drop = to_bridge ? network_only : bridge_only;
    }
    for (size_t i = 0; ret == 0 && drop && drop[i]; i++) {
        if (attribute_value(source, drop[i]) &&
            strcmp(drop[i], new_attribute) != 0)
            ret = mh_xmledit_remove_attribute(edits, source, drop[i]);
    }
    if (ret == 0)
        ret = plan_virtualport(plan, interface, source, rule->virtualport);
    if (ret < 0)
        return out_of_memory(plan);
    if (mh_xmledit_count(edits) > before)
        plan->result->counts[rule->kind]++;
    return 0;
}

/* Open vSwitch needs <virtualport type='openvswitch'>; a Linux bridge
 * refuses one. Parameters of an existing OVS port (its interfaceid) are
 * kept. */
static int
plan_virtualport(struct plan *plan, xmlNode *interface, xmlNode *source,
                 enum mh_rewrite_port port)
{
    xmlNode *virtualport = mh_xml_child(interface, "virtualport");
    const char *type;
    int ret = 0;

    if (port == MH_REWRITE_PORT_KEEP)
        return 0;
    if (port == MH_REWRITE_PORT_NONE)
        return virtualport ? mh_xmledit_remove_element(plan->edits, virtualport) : 0;
    if (!virtualport)
        return mh_xmledit_insert_after(plan->edits, source, "virtualport", "type",
                                       "openvswitch");
    type = attribute_value(virtualport, "type");
    if (!type) {
        /* Untyped: libvirt would have resolved it from a network. */
        ret = mh_xmledit_set_attribute(plan->edits, virtualport, "type", "openvswitch");
    } else if (strcmp(type, "openvswitch") != 0) {
        ret = mh_xmledit_remove_element(plan->edits, virtualport);
        if (ret == 0)
            ret = mh_xmledit_insert_after(plan->edits, source, "virtualport", "type",
                                          "openvswitch");
    }
    return ret;
}

static int
plan_disks(struct plan *plan, xmlNode *devices)
{
    if (!devices || plan->rules->disk_prefixes.count == 0)
        return 0;
    for (xmlNode *disk = mh_xml_child(devices, "disk"); disk; disk = mh_xml_next(disk, "disk")) {
        if (plan_storage(plan, disk, 0) < 0)
            return -1;
    }
    return 0;
}

/* A <disk> or one of its <backingStore>s: the source path of a file, block
 * or dir disk. Backing chains are followed, since libvirt uses the chain
 * the XML gives. */
static int
plan_storage(struct plan *plan, xmlNode *storage, unsigned depth)
{
    static const struct {
        const char *type, *attribute;
    } kinds[] = { { "file", "file" }, { "block", "dev" }, { "dir", "dir" } };
    xmlNode *source = mh_xml_child(storage, "source");

    for (size_t i = 0; source && i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        const char *path;
        char *mapped;
        int ret;

        if (!attribute_is(storage, "type", kinds[i].type))
            continue;
        path = attribute_value(source, kinds[i].attribute);
        if (!path)
            continue;
        mapped = mh_rewrite_prefix(&plan->rules->disk_prefixes, path);
        ret = set_mapped(plan, source, kinds[i].attribute, mapped, MH_REWRITE_DISKS);
        free(mapped);
        if (ret < 0)
            return -1;
    }
    /* The parser's depth limit bounds this; the check keeps it obvious. */
    for (xmlNode *backing = mh_xml_child(storage, "backingStore"); backing && depth < 256;
         backing = mh_xml_next(backing, "backingStore")) {
        if (plan_storage(plan, backing, depth + 1) < 0)
            return -1;
    }
    return 0;
}

/* Serial, console, channel and parallel devices backed by a path, and the
 * log file of any of them. A pty's path is whatever the kernel gave the
 * source host and is not touched. */
static int
plan_chardevs(struct plan *plan, xmlNode *devices)
{
    static const char *const kinds[] = { "serial", "console", "channel", "parallel", NULL };
    static const char *const path_types[] = { "file", "unix", "pipe", "dev", NULL };
    const struct mh_rewrite_map *map = &plan->rules->chardev_prefixes;

    if (!devices || map->count == 0)
        return 0;
    for (xmlNode *device = devices->children; device; device = device->next) {
        bool is_chardev = false, has_path = false;

        for (size_t i = 0; device->type == XML_ELEMENT_NODE && kinds[i]; i++)
            is_chardev = is_chardev || strcmp((const char *)device->name, kinds[i]) == 0;
        if (!is_chardev)
            continue;
        for (size_t i = 0; path_types[i]; i++)
            has_path = has_path || attribute_is(device, "type", path_types[i]);
        for (xmlNode *child = device->children; child; child = child->next) {
            const char *attribute = NULL, *path;
            char *mapped;
            int ret;

            if (child->type != XML_ELEMENT_NODE)
                continue;
            if (has_path && strcmp((const char *)child->name, "source") == 0)
                attribute = "path";
            else if (strcmp((const char *)child->name, "log") == 0)
                attribute = "file";
            if (!attribute || !(path = attribute_value(child, attribute)))
                continue;
            mapped = mh_rewrite_prefix(map, path);
            ret = set_mapped(plan, child, attribute, mapped, MH_REWRITE_CHARDEVS);
            free(mapped);
            if (ret < 0)
                return -1;
        }
    }
    return 0;
}

/* <graphics listen='...'> and its <listen type='address' address='...'/>
 * children; libvirt wants the two to agree, and since both are mapped from
 * their own original value they still do. */
static int
plan_graphics(struct plan *plan, xmlNode *devices)
{
    const struct mh_rewrite_map *map = &plan->rules->graphics_listen;

    if (!devices || map->count == 0)
        return 0;
    for (xmlNode *graphics = mh_xml_child(devices, "graphics"); graphics;
         graphics = mh_xml_next(graphics, "graphics")) {
        const char *address = attribute_value(graphics, "listen");
        int ret = 0;

        if (address)
            ret = set_mapped(plan, graphics, "listen", map_listen(map, address),
                             MH_REWRITE_GRAPHICS);
        if (ret < 0)
            return -1;
        for (xmlNode *listen = mh_xml_child(graphics, "listen"); listen;
             listen = mh_xml_next(listen, "listen")) {
            if (!attribute_is(listen, "type", "address"))
                continue;
            address = attribute_value(listen, "address");
            if (address)
                ret = set_mapped(plan, listen, "address", map_listen(map, address),
                                 MH_REWRITE_GRAPHICS);
            if (ret < 0)
                return -1;
        }
    }
    return 0;
}

static int
plan_emulator(struct plan *plan, xmlNode *devices)
{
    const struct mh_rewrite_rules *rules = plan->rules;
    xmlNode *emulator = mh_xml_child(devices, "emulator");
    const char *to;
    char *path;
    int ret = 0;

    if (!emulator || (!rules->emulator && rules->emulators.count == 0))
        return 0;
    path = mh_xml_text(emulator);
    if (!path)
        return out_of_memory(plan);
    to = rules->emulator ? rules->emulator : map_exact(&rules->emulators, path);
    if (*path && to && strcmp(path, to) != 0) {
        if (!is_text_only(emulator)) {
            mh_error_set(plan->err, "<emulator> holds more than a path; refusing to rewrite it");
            ret = -1;
        } else if (mh_xmledit_set_text(plan->edits, emulator, to) < 0) {
            ret = out_of_memory(plan);
        } else {
            plan->result->counts[MH_REWRITE_EMULATOR]++;
        }
    }
    free(path);
    return ret;
}

/* Host CPUs in <vcpu cpuset>, <cputune> pins, and host NUMA nodes in
 * <numatune>. (Guest NUMA cells in <cpu><numa> and hugepage nodesets are
 * guest numbering and stay.) */
static int
plan_cpusets(struct plan *plan, xmlNode *root)
{
    static const char *const pins[] = { "vcpupin", "emulatorpin", "iothreadpin", NULL };
    static const char *const nodes[] = { "memory", "memnode", NULL };
    const struct mh_rewrite_rules *rules = plan->rules;
    xmlNode *cputune = mh_xml_child(root, "cputune");
    xmlNode *numatune = mh_xml_child(root, "numatune");

    if (rules->cpus) {
        for (xmlNode *vcpu = mh_xml_child(root, "vcpu"); vcpu; vcpu = mh_xml_next(vcpu, "vcpu")) {
            if (plan_cpuset(plan, vcpu, "cpuset", rules->cpus, MH_REWRITE_CPUS) < 0)
                return -1;
        }
        for (size_t i = 0; cputune && pins[i]; i++) {
            for (xmlNode *pin = mh_xml_child(cputune, pins[i]); pin;
                 pin = mh_xml_next(pin, pins[i])) {
                if (plan_cpuset(plan, pin, "cpuset", rules->cpus, MH_REWRITE_CPUS) < 0)
                    return -1;
            }
        }
    }
    if (rules->nodes) {
        for (size_t i = 0; numatune && nodes[i]; i++) {
            for (xmlNode *node = mh_xml_child(numatune, nodes[i]); node;
                 node = mh_xml_next(node, nodes[i])) {
                if (plan_cpuset(plan, node, "nodeset", rules->nodes, MH_REWRITE_NODES) < 0)
                    return -1;
            }
        }
    }
    return 0;
}

static int
plan_cpuset(struct plan *plan, xmlNode *element, const char *attribute,
            const struct mh_cpuset_map *map, enum mh_rewrite_kind kind)
{
    struct mh_cpuset from, to;
    char label[128];
    const char *text = attribute_value(element, attribute);
    char *mapped = NULL;
    int ret = -1;

    if (!text)
        return 0;
    if (mh_cpuset_parse(text, &from, plan->err) < 0 ||
        mh_cpuset_map_apply(map, &from, &to, kind == MH_REWRITE_CPUS ? "CPU" : "NUMA node",
                            plan->err) < 0) {
        mh_error_prefix(plan->err, "%s %s", element_label(element, label, sizeof(label)),
                        attribute);
        goto cleanup;
    }
    if (mh_cpuset_equal(&from, &to)) {
        /* Same CPUs: keep the text as written, even if not canonical. */
        ret = 0;
    } else if (!(mapped = mh_cpuset_format(&to))) {
        ret = out_of_memory(plan);
    } else {
        ret = set_mapped(plan, element, attribute, mapped, kind);
    }

cleanup:
    free(mapped);
    return ret;
}

/* "attributes" rules: per distinct path, walk the matching elements once
 * and give each value the best rule: an exact match, else the longest
 * matching prefix. */
static int
plan_attributes(struct plan *plan, xmlNode *root)
{
    const struct mh_rewrite_rules *rules = plan->rules;

    for (size_t i = 0; i < rules->attribute_count; i++) {
        const char *path = rules->attributes[i].path;
        const char *segments[PATH_MAX_SEGMENTS];
        char copy[256];
        size_t count = 0;
        bool seen = false;

        for (size_t j = 0; j < i && !seen; j++)
            seen = rules->attributes[j].path == path;
        if (seen)
            continue;
        char *saved = NULL;

        snprintf(copy, sizeof(copy), "%s", path);
        for (char *segment = strtok_r(copy, "/", &saved); segment && count < PATH_MAX_SEGMENTS;
             segment = strtok_r(NULL, "/", &saved))
            segments[count++] = segment;
        if (plan_attribute_path(plan, root, segments, count, path) < 0)
            return -1;
    }
    return 0;
}

static int
plan_attribute_path(struct plan *plan, xmlNode *node, const char **segments, size_t count,
                    const char *path)
{
    if (count == 1 && segments[0][0] == '@')
        return plan_attribute_value(plan, node, segments[0] + 1, path);
    if (count == 0)
        return plan_attribute_value(plan, node, NULL, path);
    for (xmlNode *child = mh_xml_child(node, segments[0]); child;
         child = mh_xml_next(child, segments[0])) {
        if (plan_attribute_path(plan, child, segments + 1, count - 1, path) < 0)
            return -1;
    }
    return 0;
}

/* One element's attribute (or text, when attribute is NULL). */
static int
plan_attribute_value(struct plan *plan, xmlNode *element, const char *attribute,
                     const char *path)
{
    const struct mh_rewrite_rules *rules = plan->rules;
    const struct mh_rewrite_attribute *best = NULL;
    char *value = attribute ? mh_xml_attribute(element, attribute)
                            : (is_text_only(element) ? mh_xml_text(element) : NULL);
    char *to = NULL;
    int ret = 0;

    if (!value || !*value)
        goto cleanup;
    for (size_t i = 0; i < rules->attribute_count; i++) {
        const struct mh_rewrite_attribute *rule = &rules->attributes[i];
        char *replaced;

        if (rule->path != path)
            continue;
        if (!rule->prefix) {
            if (strcmp(rule->from, value) == 0) {
                best = rule;
                break;
            }
            continue;
        }
        replaced = prefix_replace(rule->from, rule->to, value);
        if (replaced && (!best || strlen(rule->from) > strlen(best->from)))
            best = rule;
        free(replaced);
    }
    if (!best)
        goto cleanup;
    to = best->prefix ? prefix_replace(best->from, best->to, value) : strdup(best->to);
    if (!to) {
        ret = out_of_memory(plan);
        goto cleanup;
    }
    if (strcmp(to, value) == 0)
        goto cleanup;
    if ((attribute ? mh_xmledit_set_attribute(plan->edits, element, attribute, to)
                   : mh_xmledit_set_text(plan->edits, element, to)) < 0) {
        ret = out_of_memory(plan);
        goto cleanup;
    }
    plan->result->counts[MH_REWRITE_ATTRIBUTES]++;

cleanup:
    free(value);
    free(to);
    return ret;
}

/* Queue attribute=value when value is not NULL (no rule matched) and
 * differs from what is there. */
static int
set_mapped(struct plan *plan, xmlNode *element, const char *attribute, const char *value,
           enum mh_rewrite_kind kind)
{
    const char *current;

    if (!value)
        return 0;
    current = attribute_value(element, attribute);
    if (current && strcmp(current, value) == 0)
        return 0;
    if (mh_xmledit_set_attribute(plan->edits, element, attribute, value) < 0)
        return out_of_memory(plan);
    plan->result->counts[kind]++;
    return 0;
}

/* Apply the planned edits and produce the checked output. */
static int
finish(struct plan *plan, xmlDoc *doc, const char *input, size_t input_length)
{
    struct mh_rewrite_result *result = plan->result;
    struct mh_error ignored = { { 0 } };
    char *before = NULL, *after = NULL;
    size_t before_length, after_length;
    char *patched = NULL;
    size_t patched_length = 0;
    xmlDoc *reparsed = NULL;
    const xmlDoc *final = doc;
    int ret = -1;

    before = mh_rewrite_guest_fingerprint(doc, &before_length);
    if (!before)
        return out_of_memory(plan);
    /* Patch the text while the tree still matches it; any failure there
     * only means the output is serialized from the tree instead. */
    if (input && is_utf8(doc))
        mh_xmledit_patch_text(plan->edits, doc, input, input_length, &patched,
                              &patched_length, &ignored);
    if (mh_xmledit_apply_tree(plan->edits, doc, plan->err) < 0)
        goto cleanup;
    if (patched) {
        reparsed = mh_xml_parse(patched, patched_length, "rewritten XML", &ignored);
        if (reparsed && mh_xmledit_same_document(reparsed, doc)) {
            result->output = patched;
            result->output_length = patched_length;
            patched = NULL;
            final = reparsed;
        }
    }
    if (!result->output) {
        result->reserialized = true;
        if (mh_xml_serialize(doc, &result->output, &result->output_length, plan->err) < 0)
            goto cleanup;
    }
    after = mh_rewrite_guest_fingerprint(final, &after_length);
    if (!after) {
        out_of_memory(plan);
        goto cleanup;
    }
    if (mh_rewrite_guest_compare(before, before_length, after, after_length, plan->err) < 0)
        goto cleanup;
    result->changed = true;
    ret = 0;

cleanup:
    mh_xml_free_doc(reparsed);
    free(patched);
    free(before);
    free(after);
    return ret;
}

static const char *
map_exact(const struct mh_rewrite_map *map, const char *value)
{
    for (size_t i = 0; i < map->count; i++) {
        if (strcmp(map->pairs[i].from, value) == 0)
            return map->pairs[i].to;
    }
    return NULL;
}

/* An address's own entry, else the "*" entry. */
static const char *
map_listen(const struct mh_rewrite_map *map, const char *address)
{
    const char *to = map_exact(map, address);

    return to ? to : map_exact(map, "*");
}

/* path with prefix from replaced by to (see mh_rewrite_prefix); NULL when
 * from does not match or out of memory. */
static char *
prefix_replace(const char *from, const char *to, const char *path)
{
    size_t from_length = strlen(from), to_length = strlen(to);
    size_t rest_length, length;
    const char *rest;
    char *out;

    /* Trailing slashes are not part of the prefix ("/" itself becomes ""). */
    while (from_length > 0 && from[from_length - 1] == '/')
        from_length--;
    while (to_length > 0 && to[to_length - 1] == '/')
        to_length--;
    if (strncmp(path, from, from_length) != 0 ||
        (path[from_length] != '\0' && path[from_length] != '/'))
        return NULL;
    rest = path + from_length;
    rest_length = strlen(rest);
    length = to_length + rest_length;
    out = malloc(length + 2);
    if (!out)
        return NULL;
    memcpy(out, to, to_length);
    memcpy(out + to_length, rest, rest_length + 1);
    if (length == 0)
        strcpy(out, "/");
    return out;
}

static bool
is_text_only(const xmlNode *element)
{
    for (const xmlNode *child = element->children; child; child = child->next) {
        if (child->type != XML_TEXT_NODE)
            return false;
    }
    return true;
}

/* Patching bytes is only safe in the encoding the edits are written in. */
static bool
is_utf8(const xmlDoc *doc)
{
    return !doc->encoding || strcasecmp((const char *)doc->encoding, "UTF-8") == 0 ||
           strcasecmp((const char *)doc->encoding, "UTF8") == 0;
}

/* The value of attribute name (in no namespace) as the tree holds it, or
 * NULL. Borrowed from the tree, which planning never edits; not copied,
 * since a domain with thousands of devices would otherwise churn the heap.
 * A parsed value is one text node: mh_xml_parse refuses the DTDs that
 * could make it an entity reference. */
static const char *
attribute_value(const xmlNode *node, const char *name)
{
    for (const xmlAttr *attribute = node->properties; attribute; attribute = attribute->next) {
        if (attribute->ns || strcmp((const char *)attribute->name, name) != 0)
            continue;
        if (!attribute->children)
            return "";
        if (attribute->children->type != XML_TEXT_NODE || attribute->children->next)
            return NULL;
        return (const char *)attribute->children->content;
    }
    return NULL;
}

static bool
attribute_is(const xmlNode *node, const char *name, const char *value)
{
    const char *actual = attribute_value(node, name);

    return actual && strcmp(actual, value) == 0;
}

/* "<vcpupin vcpu='3'>": enough to find the element, nothing secret. */
static const char *
element_label(const xmlNode *element, char *label, size_t size)
{
    static const char *const keys[] = { "vcpu", "iothread", "cellid", NULL };

    snprintf(label, size, "<%s>", (const char *)element->name);
    for (size_t i = 0; keys[i]; i++) {
        char *value = mh_xml_attribute(element, keys[i]);

        if (value) {
            snprintf(label, size, "<%s %s='%.*s'>", (const char *)element->name, keys[i],
                     QUOTE_MAX, value);
            free(value);
            break;
        }
    }
    return label;
}

static int
out_of_memory(struct plan *plan)
{
    mh_error_set(plan->err, "out of memory");
    return -1;
}
