/* mh_guest.c - the checks' view of a guest, read from its domain XML. */
#include "mh_guest.h"
#include "mh_error.h"
#include "mh_facts.h"
#include "mh_string.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static int read_memory(xmlNode *root, struct mh_guest *guest, struct mh_error *err);
static int read_cpu(xmlNode *root, struct mh_guest *guest, struct mh_error *err);
static int read_interface(xmlNode *node, struct mh_guest *guest, struct mh_error *err);
static int read_disk(xmlNode *node, struct mh_guest *guest, struct mh_error *err);
static int read_hostdev(xmlNode *node, struct mh_guest *guest, struct mh_error *err);
static int scaled_kib(const char *text, const char *unit, unsigned long long *kib);
static int grow(void *array, size_t count, size_t size, struct mh_error *err);
static char *attribute_of(xmlNode *node, const char *child, const char *name);
static char *join(const char *a, const char *b);
static json_t *string_or_null(const char *text);

int
mh_guest_from_xml(xmlDoc *doc, struct mh_guest *guest, struct mh_error *err)
{
    xmlNode *root = mh_libxml.xmlDocGetRootElement(doc);
    xmlNode *devices;

    memset(guest, 0, sizeof(*guest));
    if (mh_xml_domain_identity(doc, guest->name, sizeof(guest->name), guest->uuid, err) < 0)
        return -1;
    guest->domain_type = mh_xml_attribute(root, "type");
    if (read_memory(root, guest, err) < 0 || read_cpu(root, guest, err) < 0)
        return -1;
    devices = mh_xml_child(root, "devices");
    guest->emulator = mh_xml_text(mh_xml_child(devices, "emulator"));
    for (xmlNode *node = devices ? devices->children : NULL; node; node = node->next) {
        const char *name = (const char *)node->name;
        int ret = 0;

        if (node->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp(name, "interface") == 0)
            ret = read_interface(node, guest, err);
        else if (strcmp(name, "disk") == 0)
            ret = read_disk(node, guest, err);
        else if (strcmp(name, "hostdev") == 0)
            ret = read_hostdev(node, guest, err);
        if (ret < 0)
            return -1;
    }
    return 0;
}

void
mh_guest_free(struct mh_guest *guest)
{
    free(guest->domain_type);
    free(guest->emulator);
    free(guest->cpu_mode);
    free(guest->cpu_model);
    mh_names_free(&guest->cpu_require);
    mh_names_free(&guest->cpu_forbid);
    mh_names_free(&guest->cpu_disable);
    for (size_t i = 0; i < guest->interface_count; i++) {
        free(guest->interfaces[i].type);
        free(guest->interfaces[i].source);
        free(guest->interfaces[i].virtualport);
        free(guest->interfaces[i].mac);
    }
    for (size_t i = 0; i < guest->disk_count; i++) {
        free(guest->disks[i].type);
        free(guest->disks[i].device);
        free(guest->disks[i].target);
        free(guest->disks[i].source);
        free(guest->disks[i].startup_policy);
    }
    for (size_t i = 0; i < guest->hostdev_count; i++) {
        free(guest->hostdevs[i].mode);
        free(guest->hostdevs[i].type);
        free(guest->hostdevs[i].description);
        free(guest->hostdevs[i].usb_id);
        free(guest->hostdevs[i].startup_policy);
    }
    free(guest->interfaces);
    free(guest->disks);
    free(guest->hostdevs);
    memset(guest, 0, sizeof(*guest));
}

json_t *
mh_guest_to_json(const struct mh_guest *guest)
{
    json_t *object = json_object();
    json_t *list;

    if (!object)
        return NULL;
    json_object_set_new(object, "name", json_string(guest->name));
    json_object_set_new(object, "uuid", json_string(guest->uuid));
    json_object_set_new(object, "type", string_or_null(guest->domain_type));
    json_object_set_new(object, "emulator", string_or_null(guest->emulator));
    json_object_set_new(object, "memory_kib", json_integer((json_int_t)guest->memory_kib));
    if (guest->hugepages)
        json_object_set_new(object, "hugepage_kib", json_integer((json_int_t)guest->hugepage_kib));
    if (guest->cpu_mode) {
        json_t *cpu = json_object();

        json_object_set_new(cpu, "mode", json_string(guest->cpu_mode));
        json_object_set_new(cpu, "model", string_or_null(guest->cpu_model));
        json_object_set_new(cpu, "require", mh_names_to_json(&guest->cpu_require));
        json_object_set_new(cpu, "forbid", mh_names_to_json(&guest->cpu_forbid));
        json_object_set_new(object, "cpu", cpu);
    }
    list = json_array();
    for (size_t i = 0; i < guest->interface_count; i++) {
        const struct mh_guest_interface *it = &guest->interfaces[i];

        json_array_append_new(list, json_pack("{s:o s:o s:o s:o}", "type", string_or_null(it->type),
                                              "source", string_or_null(it->source),
                                              "virtualport", string_or_null(it->virtualport),
                                              "mac", string_or_null(it->mac)));
    }
    json_object_set_new(object, "interfaces", list);
    list = json_array();
    for (size_t i = 0; i < guest->disk_count; i++) {
        const struct mh_guest_disk *disk = &guest->disks[i];

        json_array_append_new(list,
                              json_pack("{s:o s:o s:o s:o s:o}", "type", string_or_null(disk->type),
                                        "device", string_or_null(disk->device),
                                        "target", string_or_null(disk->target),
                                        "source", string_or_null(disk->source),
                                        "startup_policy", string_or_null(disk->startup_policy)));
    }
    json_object_set_new(object, "disks", list);
    list = json_array();
    for (size_t i = 0; i < guest->hostdev_count; i++) {
        const struct mh_guest_hostdev *dev = &guest->hostdevs[i];

        json_array_append_new(list, json_pack("{s:o s:o s:o}", "mode", string_or_null(dev->mode),
                                              "type", string_or_null(dev->type), "device",
                                              string_or_null(dev->description)));
    }
    json_object_set_new(object, "hostdevs", list);
    return object;
}

bool
mh_guest_cpu_is_passthrough(const struct mh_guest *guest)
{
    return guest->cpu_mode && (strcmp(guest->cpu_mode, "host-passthrough") == 0 ||
                               strcmp(guest->cpu_mode, "maximum") == 0);
}

static int
read_memory(xmlNode *root, struct mh_guest *guest, struct mh_error *err)
{
    xmlNode *memory = mh_xml_child(root, "memory");
    xmlNode *hugepages = mh_xml_child(mh_xml_child(root, "memoryBacking"), "hugepages");
    char *text = mh_xml_text(memory);
    char *unit = mh_xml_attribute(memory, "unit");
    int ret = -1;

    if (text && scaled_kib(text, unit, &guest->memory_kib) < 0) {
        mh_error_set(err, "domain XML: <memory> is not a size");
        goto cleanup;
    }
    if (hugepages) {
        xmlNode *page = mh_xml_child(hugepages, "page");

        guest->hugepages = true;
        if (page) {
            char *size = mh_xml_attribute(page, "size");
            char *page_unit = mh_xml_attribute(page, "unit");
            unsigned long long kib = 0;
            int bad = !size || scaled_kib(size, page_unit, &kib) < 0 || kib == 0;

            free(size);
            free(page_unit);
            if (bad) {
                mh_error_set(err, "domain XML: <hugepages><page size> is not a size");
                goto cleanup;
            }
            guest->hugepage_kib = (unsigned long)kib;
        }
    }
    ret = 0;

cleanup:
    free(text);
    free(unit);
    return ret;
}

static int
read_cpu(xmlNode *root, struct mh_guest *guest, struct mh_error *err)
{
    xmlNode *cpu = mh_xml_child(root, "cpu");

    if (!cpu)
        return 0;
    guest->cpu_mode = mh_xml_attribute(cpu, "mode");
    guest->cpu_model = mh_xml_text(mh_xml_child(cpu, "model"));
    if (!guest->cpu_mode)
        guest->cpu_mode = strdup("custom");
    for (xmlNode *feature = mh_xml_child(cpu, "feature"); feature;
         feature = mh_xml_next(feature, "feature")) {
        char *name = mh_xml_attribute(feature, "name");
        char *policy = mh_xml_attribute(feature, "policy");
        struct mh_names *into = NULL;
        char canonical[128];
        int ret = 0;

        /* Without a policy a feature is required (libvirt's default). */
        if (!policy || strcmp(policy, "require") == 0 || strcmp(policy, "force") == 0)
            into = &guest->cpu_require;
        else if (strcmp(policy, "forbid") == 0)
            into = &guest->cpu_forbid;
        else if (strcmp(policy, "disable") == 0)
            into = &guest->cpu_disable;
        if (into && name &&
            mh_names_add(into, mh_facts_cpu_flag(name, canonical, sizeof(canonical))) < 0) {
            mh_error_set(err, "out of memory");
            ret = -1;
        }
        free(name);
        free(policy);
        if (ret < 0)
            return -1;
    }
    mh_names_finish(&guest->cpu_require);
    mh_names_finish(&guest->cpu_forbid);
    mh_names_finish(&guest->cpu_disable);
    return 0;
}

static int
read_interface(xmlNode *node, struct mh_guest *guest, struct mh_error *err)
{
    struct mh_guest_interface *it;
    char *teaming;

    if (grow(&guest->interfaces, guest->interface_count, sizeof(*it), err) < 0)
        return -1;
    it = &guest->interfaces[guest->interface_count++];
    memset(it, 0, sizeof(*it));
    it->type = mh_xml_attribute(node, "type");
    it->source = attribute_of(node, "source", "bridge");
    if (!it->source)
        it->source = attribute_of(node, "source", "network");
    if (!it->source)
        it->source = attribute_of(node, "source", "dev");
    it->virtualport = attribute_of(node, "virtualport", "type");
    it->mac = attribute_of(node, "mac", "address");
    teaming = attribute_of(node, "teaming", "type");
    it->transient_teaming = teaming && strcmp(teaming, "transient") == 0;
    free(teaming);
    /* <interface type='hostdev'> is a PCI passthrough device too. */
    if (it->type && strcmp(it->type, "hostdev") == 0) {
        struct mh_guest_hostdev *dev;

        if (grow(&guest->hostdevs, guest->hostdev_count, sizeof(*dev), err) < 0)
            return -1;
        dev = &guest->hostdevs[guest->hostdev_count++];
        memset(dev, 0, sizeof(*dev));
        dev->mode = strdup("subsystem");
        dev->type = strdup("pci");
        dev->description = join("interface ", it->mac ? it->mac : "(no MAC)");
        dev->transient_teaming = it->transient_teaming;
    }
    return 0;
}

static int
read_disk(xmlNode *node, struct mh_guest *guest, struct mh_error *err)
{
    struct mh_guest_disk *disk;
    xmlNode *source;

    if (grow(&guest->disks, guest->disk_count, sizeof(*disk), err) < 0)
        return -1;
    disk = &guest->disks[guest->disk_count++];
    memset(disk, 0, sizeof(*disk));
    disk->type = mh_xml_attribute(node, "type");
    if (!disk->type)
        disk->type = strdup("file");
    disk->device = mh_xml_attribute(node, "device");
    if (!disk->device)
        disk->device = strdup("disk");
    disk->target = attribute_of(node, "target", "dev");
    source = mh_xml_child(node, "source");
    if (!source)
        return 0;
    disk->startup_policy = mh_xml_attribute(source, "startupPolicy");
    if (strcmp(disk->type, "file") == 0)
        disk->source = mh_xml_attribute(source, "file");
    else if (strcmp(disk->type, "block") == 0)
        disk->source = mh_xml_attribute(source, "dev");
    else if (strcmp(disk->type, "dir") == 0)
        disk->source = mh_xml_attribute(source, "dir");
    if (disk->source && !*disk->source) {
        free(disk->source);
        disk->source = NULL;
    }
    return 0;
}

static int
read_hostdev(xmlNode *node, struct mh_guest *guest, struct mh_error *err)
{
    struct mh_guest_hostdev *dev;
    xmlNode *source;
    char *teaming;

    if (grow(&guest->hostdevs, guest->hostdev_count, sizeof(*dev), err) < 0)
        return -1;
    dev = &guest->hostdevs[guest->hostdev_count++];
    memset(dev, 0, sizeof(*dev));
    dev->mode = mh_xml_attribute(node, "mode");
    if (!dev->mode)
        dev->mode = strdup("subsystem");
    dev->type = mh_xml_attribute(node, "type");
    teaming = attribute_of(node, "teaming", "type");
    dev->transient_teaming = teaming && strcmp(teaming, "transient") == 0;
    free(teaming);
    source = mh_xml_child(node, "source");
    dev->startup_policy = mh_xml_attribute(source, "startupPolicy");
    if (dev->type && strcmp(dev->type, "usb") == 0) {
        char *vendor = attribute_of(source, "vendor", "id");
        char *product = attribute_of(source, "product", "id");

        if (vendor && product) {
            char id[16];
            unsigned long v = strtoul(vendor, NULL, 16), p = strtoul(product, NULL, 16);

            snprintf(id, sizeof(id), "%04lx:%04lx", v & 0xffff, p & 0xffff);
            dev->usb_id = strdup(id);
            dev->description = join("usb ", id);
        }
        free(vendor);
        free(product);
    } else if (dev->type && strcmp(dev->type, "pci") == 0) {
        xmlNode *address = mh_xml_child(source, "address");
        char *bus = mh_xml_attribute(address, "bus");
        char *slot = mh_xml_attribute(address, "slot");
        char *function = mh_xml_attribute(address, "function");
        char text[64];

        snprintf(text, sizeof(text), "pci bus %s slot %s function %s", bus ? bus : "?",
                 slot ? slot : "?", function ? function : "?");
        dev->description = strdup(text);
        free(bus);
        free(slot);
        free(function);
    }
    if (!dev->description)
        dev->description = join(dev->mode, dev->type ? dev->type : "");
    return 0;
}

/* libvirt's size units: b, bytes, KB, k, KiB, MB, M, MiB, GB, G, GiB, TB, T, TiB. */
static int
scaled_kib(const char *text, const char *unit, unsigned long long *kib)
{
    static const struct {
        const char *name;
        unsigned long long bytes;
    } units[] = {
        { "b", 1ULL },          { "bytes", 1ULL },       { "KB", 1000ULL },
        { "k", 1024ULL },       { "KiB", 1024ULL },      { "MB", 1000000ULL },
        { "M", 1048576ULL },    { "MiB", 1048576ULL },   { "GB", 1000000000ULL },
        { "G", 1073741824ULL }, { "GiB", 1073741824ULL }, { "TB", 1000000000000ULL },
        { "T", 1099511627776ULL }, { "TiB", 1099511627776ULL },
    };
    unsigned long long bytes = 1024, value;
    char *end;

    while (isspace((unsigned char)*text))
        text++;
    if (!isdigit((unsigned char)*text))
        return -1;
    errno = 0;
    value = strtoull(text, &end, 10);
    while (isspace((unsigned char)*end))
        end++;
    if (errno || *end)
        return -1;
    if (unit) {
        size_t i;

        for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
            if (strcmp(units[i].name, unit) == 0)
                break;
        }
        if (i == sizeof(units) / sizeof(units[0]))
            return -1;
        bytes = units[i].bytes;
    }
    if (value > ~0ULL / bytes)
        return -1;
    *kib = (value * bytes + 1023) / 1024;
    return 0;
}

/* Make room for one more element in *(void **)array, which keeps its
 * contents when this fails. The capacity doubles (8, 16, 32...), implied by
 * count, so that many devices cost linear time, not a copy per device. */
static int
grow(void *array, size_t count, size_t size, struct mh_error *err)
{
    void **slot = array;
    void *bigger;

    if (count >= MH_GUEST_MAX_DEVICES) {
        mh_error_set(err, "domain XML: more than %d devices of one kind", MH_GUEST_MAX_DEVICES);
        return -1;
    }
    if (count > 0 && (count < 8 || (count & (count - 1)) != 0))
        return 0;
    bigger = realloc(*slot, (count ? count * 2 : 8) * size);
    if (!bigger) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    *slot = bigger;
    return 0;
}

static char *
attribute_of(xmlNode *node, const char *child, const char *name)
{
    return mh_xml_attribute(mh_xml_child(node, child), name);
}

static char *
join(const char *a, const char *b)
{
    size_t length = strlen(a) + strlen(b) + 1;
    char *text = malloc(length);

    if (text)
        snprintf(text, length, "%s%s", a, b);
    return text;
}

static json_t *
string_or_null(const char *text)
{
    return text ? json_string(text) : json_null();
}
