/* mh_stamp.c - build a cookie from its section providers and write it into
 * a running guest's metadata; read it back. */
#include "mh_stamp.h"
#include "mh_conf.h"
#include "mh_cookie.h"
#include "mh_error.h"
#include "mh_facts.h"
#include "mh_facts_virt.h"
#include "mh_guest.h"
#include "mh_lease_record.h"
#include "mh_lease_store.h"
#include "mh_ports.h"
#include "mh_string.h"

#include <libvirt/virterror.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int build_source(const struct mh_stamp_context *context, json_t **section,
                        struct mh_error *err);
static int build_lease(const struct mh_stamp_context *context, json_t **section,
                       struct mh_error *err);
static int build_ports(const struct mh_stamp_context *context, json_t **section,
                       struct mh_error *err);
static int load_key(const struct mh_conf *conf, struct mh_cookie_key **key, struct mh_error *err);

/* One row per section of the cookie (docs/cookie.md). */
const struct mh_stamp_section mh_stamp_sections[] = {
    { "source", build_source },
    { "lease", build_lease },
    { "ports", build_ports },
};

const size_t mh_stamp_section_count = sizeof(mh_stamp_sections) / sizeof(mh_stamp_sections[0]);

json_t *
mh_stamp_content(virConnectPtr connection, virDomainPtr domain, const struct mh_conf *conf,
                 char migration_id[64], struct mh_error *err)
{
    struct mh_stamp_context context = { connection, domain, conf, NULL, NULL, migration_id };
    struct mh_guest guest;
    json_t *content = NULL;
    char *xml = NULL;

    memset(&guest, 0, sizeof(guest));
    if (mh_cookie_new_migration_id(migration_id, err) < 0)
        return NULL;
    xml = virDomainGetXMLDesc(domain, 0);
    if (!xml) {
        mh_error_set(err, "%s", mh_facts_virt_error());
        return NULL;
    }
    context.domain_xml = mh_xml_parse(xml, strlen(xml), "domain XML", err);
    if (!context.domain_xml || mh_guest_from_xml(context.domain_xml, &guest, err) < 0)
        goto failed;
    context.guest = &guest;
    content = mh_cookie_content_new(migration_id, time(NULL));
    if (!content) {
        mh_error_set(err, "out of memory");
        goto failed;
    }
    for (size_t i = 0; i < mh_stamp_section_count; i++) {
        json_t *section = NULL;

        if (mh_stamp_sections[i].build(&context, &section, err) < 0) {
            mh_error_prefix(err, "cookie section \"%s\"", mh_stamp_sections[i].key);
            goto failed;
        }
        if (section)
            json_object_set_new(content, mh_stamp_sections[i].key, section);
    }
    mh_guest_free(&guest);
    mh_xml_free_doc(context.domain_xml);
    free(xml);
    return content;

failed:
    json_decref(content);
    mh_guest_free(&guest);
    mh_xml_free_doc(context.domain_xml);
    free(xml);
    return NULL;
}

int
mh_stamp_domain(virConnectPtr connection, virDomainPtr domain, const struct mh_conf *conf,
                bool dry_run, char migration_id[64], char **element, struct mh_error *err)
{
    struct mh_cookie_key *key = NULL;
    json_t *content = NULL;
    char *built = NULL;
    int ret = -1;

    if (element)
        *element = NULL;
    if (!dry_run && virDomainIsActive(domain) != 1) {
        mh_error_set(err, "not running; cookies are stamped on running guests");
        return -1;
    }
    if (load_key(conf, &key, err) < 0)
        return -1;
    content = mh_stamp_content(connection, domain, conf, migration_id, err);
    if (!content)
        goto cleanup;
    /* A dry run prints what a domain XML's <metadata> would hold. */
    built = mh_cookie_build(content, key, dry_run, err);
    if (!built)
        goto cleanup;
    if (!dry_run && virDomainSetMetadata(domain, VIR_DOMAIN_METADATA_ELEMENT, built,
                                         MH_COOKIE_PREFIX, MH_COOKIE_NAMESPACE,
                                         VIR_DOMAIN_AFFECT_LIVE) < 0) {
        mh_error_set(err, "cannot set its metadata: %s", mh_facts_virt_error());
        goto cleanup;
    }
    if (element) {
        *element = built;
        built = NULL;
    }
    ret = 0;

cleanup:
    if (key) {
        mh_cookie_key_clear(key);
        free(key);
    }
    free(built);
    json_decref(content);
    return ret;
}

int
mh_stamp_read(virDomainPtr domain, const struct mh_conf *conf, struct mh_cookie *cookie,
              struct mh_error *err)
{
    struct mh_cookie_key *key = NULL;
    xmlDoc *doc = NULL;
    char *text;
    int ret = -1;

    text = virDomainGetMetadata(domain, VIR_DOMAIN_METADATA_ELEMENT, MH_COOKIE_NAMESPACE,
                                VIR_DOMAIN_AFFECT_LIVE);
    if (!text) {
        virErrorPtr error = virGetLastError();

        if (error && error->code == VIR_ERR_NO_DOMAIN_METADATA)
            return 0;
        mh_error_set(err, "cannot read its metadata: %s", mh_facts_virt_error());
        return -1;
    }
    doc = mh_xml_parse(text, strlen(text), "cookie", err);
    if (!doc || load_key(conf, &key, err) < 0)
        goto cleanup;
    if (mh_cookie_parse_element(mh_libxml.xmlDocGetRootElement(doc), key, conf->cookie.max_age,
                                time(NULL), cookie, err) < 0)
        goto cleanup;
    ret = 1;

cleanup:
    if (key) {
        mh_cookie_key_clear(key);
        free(key);
    }
    mh_xml_free_doc(doc);
    free(text);
    return ret;
}

/* The source's facts: probed here (mh-stamp runs on the source host), with
 * the running daemon's own word for its version and driver. */
static int
build_source(const struct mh_stamp_context *context, json_t **section, struct mh_error *err)
{
    struct mh_facts_probe probe = { 0 };
    struct mh_facts facts;
    unsigned long version = 0;
    const char *type;
    int ret = -1;

    mh_facts_init(&facts, MH_FACTS_LOCAL);
    probe.root = "";
    probe.host_id = context->conf->host_id;
    probe.what = MH_FACTS_COOKIE_SET;
    probe.guest = context->guest;
    probe.state_dir = MH_STATE_DIR;
    if (mh_facts_probe_local(&probe, &facts, err) < 0)
        goto cleanup;
    if (virConnectGetLibVersion(context->connection, &version) == 0)
        facts.libvirt_version = version;
    type = virConnectGetType(context->connection);
    if (type)
        mh_string_copy(facts.hypervisor, sizeof(facts.hypervisor), type);
    if (!facts.qemu_version && type && strcmp(type, "QEMU") == 0 &&
        virConnectGetVersion(context->connection, &version) == 0)
        facts.qemu_version = version;
    *section = mh_facts_to_json(&facts, MH_FACTS_COOKIE_SET);
    if (!*section) {
        mh_error_set(err, "out of memory");
        goto cleanup;
    }
    ret = 0;

cleanup:
    mh_facts_free(&facts);
    return ret;
}

/* The lease token (docs/leases.md): what this host's store says of the
 * guest now, so that the destination can tell a stale source. Nothing
 * when leases are off or the guest has no record yet. */
static int
build_lease(const struct mh_stamp_context *context, json_t **section, struct mh_error *err)
{
    struct mh_lease_store store;
    struct mh_lease_record record;
    bool missing = false;
    int ret = -1;

    if (!context->conf->lease.enabled)
        return 0;
    if (mh_lease_store_open(&store, &context->conf->lease, context->conf->host_id, err) < 0)
        return -1;
    if (mh_lease_store_find(&store, context->guest->uuid, &record, &missing, err) < 0) {
        ret = missing ? 0 : -1;
        goto cleanup;
    }
    *section = mh_lease_token_to_json(&record);
    if (!*section) {
        mh_error_set(err, "out of memory");
        goto cleanup;
    }
    ret = 0;

cleanup:
    mh_lease_store_close(&store);
    return ret;
}

/* Port data of the guest's NICs (docs/ports.md); nothing when no NIC has
 * any to carry. */
static int
build_ports(const struct mh_stamp_context *context, json_t **section, struct mh_error *err)
{
    if (mh_ports_collect(context->conf, context->domain_xml, section, err) < 0)
        return -1;
    if (json_object_size(*section) == 0) {
        json_decref(*section);
        *section = NULL;
    }
    return 0;
}

static int
load_key(const struct mh_conf *conf, struct mh_cookie_key **key, struct mh_error *err)
{
    *key = NULL;
    if (!conf->cookie.key_file || !*conf->cookie.key_file)
        return 0;
    *key = malloc(sizeof(**key));
    if (!*key) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    if (mh_cookie_key_load(conf->cookie.key_file, *key, err) < 0) {
        mh_error_prefix(err, "cookie.key_file");
        free(*key);
        *key = NULL;
        return -1;
    }
    return 0;
}
