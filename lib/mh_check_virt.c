/* mh_check_virt.c - the checks for a migration not yet started, through
 * the libvirt API of both hosts. */
#include "mh_check_virt.h"
#include "mh_check.h"
#include "mh_conf.h"
#include "mh_error.h"
#include "mh_facts.h"
#include "mh_facts_virt.h"
#include "mh_guest.h"
#include "mh_string.h"
#include "mh_xml.h"

#include <libvirt/libvirt.h>
#include <stdlib.h>
#include <string.h>

static virConnectPtr open_connection(const char *uri, const char *role, struct mh_error *err);
static virDomainPtr find_domain(virConnectPtr connection, const char *domain,
                                struct mh_error *err);
static bool is_local(const char *uri);

int
mh_check_virt_run(const char *source_uri, const char *destination_uri, const char *domain,
                  const struct mh_conf *conf, struct mh_check_report *report,
                  struct mh_error *err)
{
    virConnectPtr source_connection = NULL, destination_connection = NULL;
    virDomainPtr dom = NULL;
    struct mh_check_input input = { 0 };
    struct mh_facts source, destination;
    struct mh_guest guest;
    xmlDoc *doc = NULL;
    json_t *document = NULL;
    char *xml = NULL;
    int ret = -1;

    mh_facts_init(&source, MH_FACTS_API);
    mh_facts_init(&destination, MH_FACTS_API);
    memset(&guest, 0, sizeof(guest));
    mh_facts_virt_quiet();
    source_connection = open_connection(source_uri, "source", err);
    if (!source_connection)
        goto cleanup;
    destination_connection = open_connection(destination_uri, "destination", err);
    if (!destination_connection)
        goto cleanup;
    dom = find_domain(source_connection, domain, err);
    if (!dom)
        goto cleanup;
    /* The XML the destination's hook will see. */
    xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_MIGRATABLE);
    if (!xml)
        xml = virDomainGetXMLDesc(dom, 0);
    if (!xml) {
        mh_error_set(err, "guest %s: %s", domain, mh_facts_virt_error());
        goto cleanup;
    }
    doc = mh_xml_parse(xml, strlen(xml), "domain XML", err);
    if (!doc || mh_guest_from_xml(doc, &guest, err) < 0)
        goto cleanup;
    /* The XML rewrite for the destination (issue 5) belongs here, before
     * the checks read the guest. */
    if (mh_facts_from_connection(source_connection, NULL, &source, err) < 0) {
        mh_error_prefix(err, "source");
        goto cleanup;
    }
    if (mh_facts_from_connection(destination_connection, &guest, &destination, err) < 0) {
        mh_error_prefix(err, "destination");
        goto cleanup;
    }
    /* Run on the source host itself, its host id is ours; elsewhere the
     * host name stands for it (host_id defaults to it). */
    mh_string_copy(source.host_id, sizeof(source.host_id),
                   is_local(source_uri) ? conf->host_id : source.hostname);
    if (!mh_string_is_identifier(source.host_id))
        source.host_id[0] = '\0';
    input.source = &source;
    input.destination = &destination;
    input.guest = &guest;
    input.conf = &conf->checks;
    input.source_host = source.host_id[0] ? source.host_id : NULL;
    /* From the operator's seat the source is known first hand. */
    input.source_authenticated = true;
    if (mh_check_run_builtins(&input, report, err) < 0)
        goto cleanup;
    document = mh_check_document(&input, report, "mh-check", NULL);
    if (!document) {
        mh_error_set(err, "out of memory");
        goto cleanup;
    }
    if (mh_check_run_external(conf->checks.external_dir, conf->checks.external_timeout_ms,
                              document, report, err) < 0)
        goto cleanup;
    ret = 0;

cleanup:
    json_decref(document);
    mh_xml_free_doc(doc);
    free(xml);
    mh_guest_free(&guest);
    mh_facts_free(&source);
    mh_facts_free(&destination);
    if (dom)
        virDomainFree(dom);
    if (destination_connection)
        virConnectClose(destination_connection);
    if (source_connection)
        virConnectClose(source_connection);
    return ret;
}

/* Read-only: the checks look, they never change anything. */
static virConnectPtr
open_connection(const char *uri, const char *role, struct mh_error *err)
{
    virConnectPtr connection = virConnectOpenReadOnly(uri);

    if (!connection)
        mh_error_set(err, "cannot connect to the %s%s%s: %s", role, uri ? " " : "",
                     uri ? uri : "", mh_facts_virt_error());
    return connection;
}

static virDomainPtr
find_domain(virConnectPtr connection, const char *domain, struct mh_error *err)
{
    virDomainPtr dom = virDomainLookupByName(connection, domain);

    if (!dom && strlen(domain) == MH_UUID_LENGTH)
        dom = virDomainLookupByUUIDString(connection, domain);
    if (!dom)
        mh_error_set(err, "no guest %s on the source", domain);
    return dom;
}

/* No host part: qemu:///system, test:///default, or libvirt's default. */
static bool
is_local(const char *uri)
{
    const char *authority;

    if (!uri)
        return true;
    authority = strstr(uri, "://");
    return authority && authority[3] == '/';
}
