/* mh_facts_virt.c - host facts through the libvirt API. */
#include "mh_facts_virt.h"
#include "mh_error.h"
#include "mh_facts.h"
#include "mh_guest.h"
#include "mh_string.h"
#include "mh_xml.h"

#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int read_capabilities(virConnectPtr conn, struct mh_facts *facts, struct mh_error *err);
static void read_cpu_flags(virConnectPtr conn, xmlNode *cpu, struct mh_facts *facts);
static void read_hugepages(virConnectPtr conn, xmlNode *host, struct mh_facts *facts);
static void read_memory(virConnectPtr conn, struct mh_facts *facts);
static int read_networks(virConnectPtr conn, struct mh_facts *facts);
static int read_interfaces(virConnectPtr conn, struct mh_facts *facts);
static void read_incoming(virConnectPtr conn, struct mh_facts *facts);
static int read_paths(virConnectPtr conn, const struct mh_guest *guest, struct mh_facts *facts);
static int read_usb(virConnectPtr conn, const struct mh_guest *guest, struct mh_facts *facts);
static char *child_text(xmlNode *node, const char *name);
static void ignore_error(void *data, virErrorPtr error);

int
mh_facts_from_connection(virConnectPtr conn, const struct mh_guest *guest, struct mh_facts *facts,
                         struct mh_error *err)
{
    unsigned long version = 0;
    const char *type;
    char *hostname;

    facts->origin = MH_FACTS_API;
    facts->gathered = MH_FACTS_ALL;
    if (virConnectGetLibVersion(conn, &version) < 0) {
        mh_error_set(err, "%s", mh_facts_virt_error());
        return -1;
    }
    facts->libvirt_version = version;
    type = virConnectGetType(conn);
    if (type)
        mh_string_copy(facts->hypervisor, sizeof(facts->hypervisor), type);
    /* The driver's version is QEMU's for the QEMU driver, and means
     * nothing comparable for others. */
    if (type && strcmp(type, "QEMU") == 0 && virConnectGetVersion(conn, &version) == 0)
        facts->qemu_version = version;
    hostname = virConnectGetHostname(conn);
    if (hostname) {
        mh_string_copy(facts->hostname, sizeof(facts->hostname), hostname);
        free(hostname);
    }
    if (read_capabilities(conn, facts, err) < 0)
        return -1;
    read_memory(conn, facts);
    if (read_networks(conn, facts) < 0 || read_interfaces(conn, facts) < 0)
        goto out_of_memory;
    mh_string_copy(facts->ovs_note, sizeof(facts->ovs_note),
                   "Open vSwitch bridges cannot be read through libvirt");
    read_incoming(conn, facts);
    if (guest && (read_paths(conn, guest, facts) < 0 || read_usb(conn, guest, facts) < 0))
        goto out_of_memory;
    return 0;

out_of_memory:
    mh_error_set(err, "out of memory");
    return -1;
}

const char *
mh_facts_virt_error(void)
{
    virErrorPtr error = virGetLastError();

    return error && error->message ? error->message : "unknown libvirt error";
}

void
mh_facts_virt_quiet(void)
{
    virSetErrorFunc(NULL, ignore_error);
}

static int
read_capabilities(virConnectPtr conn, struct mh_facts *facts, struct mh_error *err)
{
    char *text = virConnectGetCapabilities(conn);
    xmlDoc *doc = NULL;
    xmlNode *root, *host, *cpu;
    char *value;

    if (!text)
        return 0;
    doc = mh_xml_parse(text, strlen(text), "capabilities", err);
    free(text);
    if (!doc)
        return -1;
    root = mh_libxml.xmlDocGetRootElement(doc);
    host = mh_xml_child(root, "host");
    cpu = mh_xml_child(host, "cpu");
    if ((value = child_text(cpu, "vendor"))) {
        mh_string_copy(facts->cpu_vendor, sizeof(facts->cpu_vendor), value);
        free(value);
    }
    if ((value = child_text(cpu, "model"))) {
        mh_string_copy(facts->cpu_model, sizeof(facts->cpu_model), value);
        free(value);
    }
    for (xmlNode *guest = mh_xml_child(root, "guest"); guest; guest = mh_xml_next(guest, "guest")) {
        for (xmlNode *arch = mh_xml_child(guest, "arch"); arch; arch = mh_xml_next(arch, "arch")) {
            for (xmlNode *domain = mh_xml_child(arch, "domain"); domain;
                 domain = mh_xml_next(domain, "domain")) {
                char *domain_type = mh_xml_attribute(domain, "type");

                if (domain_type && mh_names_add(&facts->domain_types, domain_type) < 0) {
                    free(domain_type);
                    mh_xml_free_doc(doc);
                    mh_error_set(err, "out of memory");
                    return -1;
                }
                free(domain_type);
            }
        }
    }
    mh_names_finish(&facts->domain_types);
    if (cpu)
        read_cpu_flags(conn, cpu, facts);
    read_hugepages(conn, host, facts);
    mh_xml_free_doc(doc);
    return 0;
}

/* The host CPU of the capabilities names a model and the features beyond
 * it; expanding it through the baseline API gives every feature. */
static void
read_cpu_flags(virConnectPtr conn, xmlNode *cpu, struct mh_facts *facts)
{
    xmlBuffer *buffer = mh_libxml.xmlBufferCreate();
    struct mh_error ignored;
    const char *cpus[1];
    char *expanded = NULL;
    xmlDoc *doc = NULL;

    if (!buffer)
        return;
    if (mh_libxml.xmlNodeDump(buffer, cpu->doc, cpu, 0, 0) < 0)
        goto cleanup;
    cpus[0] = (const char *)mh_libxml.xmlBufferContent(buffer);
    expanded = virConnectBaselineCPU(conn, cpus, 1, VIR_CONNECT_BASELINE_CPU_EXPAND_FEATURES);
    if (!expanded)
        goto cleanup;
    doc = mh_xml_parse(expanded, strlen(expanded), "baseline CPU", &ignored);
    if (!doc)
        goto cleanup;
    for (xmlNode *feature = mh_xml_child(mh_libxml.xmlDocGetRootElement(doc), "feature"); feature;
         feature = mh_xml_next(feature, "feature")) {
        char *name = mh_xml_attribute(feature, "name");
        char *policy = mh_xml_attribute(feature, "policy");
        char canonical[128];

        if (name && (!policy || strcmp(policy, "require") == 0))
            mh_names_add(&facts->cpu_flags, mh_facts_cpu_flag(name, canonical, sizeof(canonical)));
        free(name);
        free(policy);
    }
    mh_names_finish(&facts->cpu_flags);

cleanup:
    mh_xml_free_doc(doc);
    free(expanded);
    mh_libxml.xmlBufferFree(buffer);
}

static void
read_hugepages(virConnectPtr conn, xmlNode *host, struct mh_facts *facts)
{
    xmlNode *cells = mh_xml_child(mh_xml_child(host, "topology"), "cells");
    unsigned int sizes[MH_FACTS_HUGEPAGE_SIZES];
    unsigned long long counts[MH_FACTS_HUGEPAGE_SIZES];
    unsigned int count = 0;

    /* Sizes the host supports, beyond its base page (the smallest). */
    for (xmlNode *pages = mh_xml_child(mh_xml_child(host, "cpu"), "pages"); pages;
         pages = mh_xml_next(pages, "pages")) {
        char *size = mh_xml_attribute(pages, "size");
        long value;

        if (size && mh_string_to_long(size, 1, 1L << 30, &value) == 0 && value > 64 &&
            count < MH_FACTS_HUGEPAGE_SIZES)
            sizes[count++] = (unsigned int)value;
        free(size);
    }
    if (!count || virNodeGetFreePages(conn, count, sizes, -1, 1, counts, 0) < 0)
        return;
    for (unsigned int i = 0; i < count; i++) {
        struct mh_facts_hugepages *entry = &facts->hugepages[facts->hugepage_sizes++];
        long total = 0;

        for (xmlNode *cell = mh_xml_child(cells, "cell"); cell; cell = mh_xml_next(cell, "cell")) {
            for (xmlNode *pages = mh_xml_child(cell, "pages"); pages;
                 pages = mh_xml_next(pages, "pages")) {
                char *size = mh_xml_attribute(pages, "size");
                char *text = mh_xml_text(pages);
                long value, number;

                if (size && text && mh_string_to_long(size, 1, 1L << 30, &value) == 0 &&
                    (unsigned int)value == sizes[i] &&
                    mh_string_to_long(text, 0, 1L << 40, &number) == 0)
                    total += number;
                free(size);
                free(text);
            }
        }
        *entry = (struct mh_facts_hugepages){ sizes[i], total, (long)counts[i] };
    }
    facts->hugepages_known = true;
    /* libvirt does not say which size is the default; the smallest huge one
     * (2 MiB on x86) is it on every common host. */
    facts->default_hugepage_kib = sizes[0];
}

static void
read_memory(virConnectPtr conn, struct mh_facts *facts)
{
    virNodeMemoryStatsPtr stats = NULL;
    virNodeInfo info;
    int count = 0;
    unsigned long long free_bytes;

    if (virNodeGetInfo(conn, &info) == 0)
        facts->memory_total_kib = (long long)info.memory;
    /* free + buffers + cached is what a new guest can take, like the
     * kernel's MemAvailable. */
    if (virNodeGetMemoryStats(conn, VIR_NODE_MEMORY_STATS_ALL_CELLS, NULL, &count, 0) == 0 &&
        count > 0 && (stats = calloc((size_t)count, sizeof(*stats))) &&
        virNodeGetMemoryStats(conn, VIR_NODE_MEMORY_STATS_ALL_CELLS, stats, &count, 0) == 0) {
        long long available = 0;

        for (int i = 0; i < count; i++) {
            if (strcmp(stats[i].field, VIR_NODE_MEMORY_STATS_FREE) == 0 ||
                strcmp(stats[i].field, VIR_NODE_MEMORY_STATS_BUFFERS) == 0 ||
                strcmp(stats[i].field, VIR_NODE_MEMORY_STATS_CACHED) == 0)
                available += (long long)stats[i].value;
        }
        facts->memory_available_kib = available;
    } else {
        free_bytes = virNodeGetFreeMemory(conn);
        if (free_bytes)
            facts->memory_available_kib = (long long)(free_bytes / 1024);
    }
    free(stats);
}

static int
read_networks(virConnectPtr conn, struct mh_facts *facts)
{
    virNetworkPtr *networks = NULL;
    int count = virConnectListAllNetworks(conn, &networks, 0);
    int ret = 0;

    if (count < 0)
        return 0;
    for (int i = 0; i < count; i++) {
        const char *name = virNetworkGetName(networks[i]);

        if (name && (mh_names_add(&facts->networks_defined, name) < 0 ||
                     (virNetworkIsActive(networks[i]) == 1 &&
                      mh_names_add(&facts->networks_active, name) < 0)))
            ret = -1;
        virNetworkFree(networks[i]);
    }
    free(networks);
    mh_names_finish(&facts->networks_defined);
    mh_names_finish(&facts->networks_active);
    return ret;
}

static int
read_interfaces(virConnectPtr conn, struct mh_facts *facts)
{
    virInterfacePtr *interfaces = NULL;
    int count = virConnectListAllInterfaces(conn, &interfaces, VIR_CONNECT_LIST_INTERFACES_ACTIVE);
    int ret = 0;

    if (count < 0)
        return 0;
    for (int i = 0; i < count; i++) {
        const char *name = virInterfaceGetName(interfaces[i]);
        char *xml = virInterfaceGetXMLDesc(interfaces[i], 0);

        if (name && mh_names_add(&facts->netdevs, name) < 0)
            ret = -1;
        /* <interface type='bridge' name='br0'> */
        if (name && xml && strstr(xml, "type='bridge'") && mh_names_add(&facts->bridges, name) < 0)
            ret = -1;
        free(xml);
        virInterfaceFree(interfaces[i]);
    }
    free(interfaces);
    mh_names_finish(&facts->netdevs);
    mh_names_finish(&facts->bridges);
    return ret;
}

/* libvirt refuses job statistics of a domain that is receiving a migration
 * ("available only on the source host"): that refusal is how an incoming
 * one shows through the API. */
static void
read_incoming(virConnectPtr conn, struct mh_facts *facts)
{
    virDomainPtr *domains = NULL;
    int count = virConnectListAllDomains(conn, &domains, VIR_CONNECT_LIST_DOMAINS_PAUSED);
    long incoming = 0;
    bool known = true;

    if (count < 0)
        return;
    for (int i = 0; i < count; i++) {
        virTypedParameterPtr params = NULL;
        int nparams = 0;
        int type = 0;

        if (virDomainGetJobStats(domains[i], &type, &params, &nparams, 0) == 0) {
            virTypedParamsFree(params, nparams);
        } else {
            virErrorPtr error = virGetLastError();

            if (error && error->code == VIR_ERR_OPERATION_UNSUPPORTED)
                incoming++;
            else if (error && error->code == VIR_ERR_NO_SUPPORT)
                known = false;
        }
        virDomainFree(domains[i]);
    }
    free(domains);
    if (known)
        facts->incoming_migrations = incoming;
}

/* A disk path that is a storage volume of the destination is there; any
 * other cannot be seen from here. */
static int
read_paths(virConnectPtr conn, const struct mh_guest *guest, struct mh_facts *facts)
{
    for (size_t i = 0; i < guest->disk_count; i++) {
        const char *source = guest->disks[i].source;
        virStorageVolPtr volume;

        if (!source || source[0] != '/')
            continue;
        volume = virStorageVolLookupByPath(conn, source);
        if (mh_facts_set_path(facts, source, volume ? MH_FACTS_PATH_PRESENT
                                                    : MH_FACTS_PATH_UNKNOWN) < 0) {
            if (volume)
                virStorageVolFree(volume);
            return -1;
        }
        if (volume)
            virStorageVolFree(volume);
    }
    return 0;
}

static int
read_usb(virConnectPtr conn, const struct mh_guest *guest, struct mh_facts *facts)
{
    virNodeDevicePtr *devices = NULL;
    bool wanted = false;
    int count;
    int ret = 0;

    for (size_t i = 0; i < guest->hostdev_count; i++)
        wanted |= guest->hostdevs[i].usb_id != NULL;
    if (!wanted)
        return 0;
    count = virConnectListAllNodeDevices(conn, &devices, VIR_CONNECT_LIST_NODE_DEVICES_CAP_USB_DEV);
    if (count < 0)
        return 0;
    for (int i = 0; i < count; i++) {
        char *xml = virNodeDeviceGetXMLDesc(devices[i], 0);
        struct mh_error ignored;
        xmlDoc *doc = xml ? mh_xml_parse(xml, strlen(xml), "node device", &ignored) : NULL;
        xmlNode *capability = doc ? mh_xml_child(mh_libxml.xmlDocGetRootElement(doc), "capability")
                                  : NULL;
        char *vendor = mh_xml_attribute(mh_xml_child(capability, "vendor"), "id");
        char *product = mh_xml_attribute(mh_xml_child(capability, "product"), "id");

        if (vendor && product) {
            char id[16];

            snprintf(id, sizeof(id), "%04lx:%04lx", strtoul(vendor, NULL, 16) & 0xffff,
                     strtoul(product, NULL, 16) & 0xffff);
            if (mh_names_add(&facts->usb_devices, id) < 0)
                ret = -1;
        }
        free(vendor);
        free(product);
        mh_xml_free_doc(doc);
        free(xml);
        virNodeDeviceFree(devices[i]);
    }
    free(devices);
    mh_names_finish(&facts->usb_devices);
    return ret;
}

static char *
child_text(xmlNode *node, const char *name)
{
    return mh_xml_text(mh_xml_child(node, name));
}

static void
ignore_error(void *data, virErrorPtr error)
{
    (void)data;
    (void)error;
}
