/* mh_ports_virt.h - the live domain XML of a running guest through the
 * libvirt API, for mh-ports. Only helpers link libvirt: the hook runs
 * inside libvirtd's job for the guest and must never call back into it. */
#ifndef MH_PORTS_VIRT_H
#define MH_PORTS_VIRT_H

#include "mh_xml.h"

struct mh_error;

/* The live XML of the running guest called domain (a name or a UUID) at
 * uri (NULL: libvirt's default), over a read-only connection, parsed with
 * mh_xml_parse into a new document (free with mh_xml_free_doc). NULL with
 * err when libvirt cannot be reached, there is no such guest or it is not
 * running. */
xmlDoc *mh_ports_virt_live_xml(const char *uri, const char *domain, struct mh_error *err);

#endif
