/* mh_ports_virt.c - fetch a running guest's live XML over libvirt, read-only. */
#include "mh_ports_virt.h"
#include "mh_error.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdlib.h>
#include <string.h>

static void ignore_error(void *data, virErrorPtr error);
static const char *last_error(void);

xmlDoc *
mh_ports_virt_live_xml(const char *uri, const char *domain, struct mh_error *err)
{
    virConnectPtr connection;
    virDomainPtr guest = NULL;
    char *xml = NULL;
    xmlDoc *doc = NULL;

    /* libvirt prints its errors on stderr by default; ours say it better. */
    virSetErrorFunc(NULL, ignore_error);
    connection = virConnectOpenReadOnly(uri);
    if (!connection) {
        mh_error_set(err, "cannot connect to libvirt%s%s: %s", uri ? " at " : "", uri ? uri : "",
                     last_error());
        return NULL;
    }
    guest = virDomainLookupByName(connection, domain);
    if (!guest && strlen(domain) == 36)
        guest = virDomainLookupByUUIDString(connection, domain);
    if (!guest) {
        mh_error_set(err, "no guest \"%s\": %s", domain, last_error());
        goto cleanup;
    }
    if (virDomainIsActive(guest) != 1) {
        mh_error_set(err, "guest %s is not running: port data belongs to its running NICs",
                     domain);
        goto cleanup;
    }
    xml = virDomainGetXMLDesc(guest, 0);
    if (!xml) {
        mh_error_set(err, "cannot read the XML of guest %s: %s", domain, last_error());
        goto cleanup;
    }
    doc = mh_xml_parse(xml, strlen(xml), "live domain XML", err);

cleanup:
    free(xml);
    if (guest)
        virDomainFree(guest);
    virConnectClose(connection);
    return doc;
}

static void
ignore_error(void *data, virErrorPtr error)
{
    (void)data;
    (void)error;
}

static const char *
last_error(void)
{
    const char *message = virGetLastErrorMessage();

    return message ? message : "unknown libvirt error";
}
