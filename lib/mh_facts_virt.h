/* mh_facts_virt.h - host facts read through a libvirt connection, for the
 * helpers that run from an operator's seat (mh-check, mh-stamp). Links
 * libvirt: the hook dispatcher never uses this. */
#ifndef MH_FACTS_VIRT_H
#define MH_FACTS_VIRT_H

#include <libvirt/libvirt.h>

struct mh_error;
struct mh_facts;
struct mh_guest;

/* Fill facts (origin MH_FACTS_API) from conn: versions, driver type,
 * capabilities (CPU, domain types, hugepage sizes), node memory, free
 * hugepages, networks, interfaces (bridges), incoming migrations and, for
 * guest (may be NULL), which of its disk paths are storage volumes and
 * which of its USB devices exist. What libvirt cannot tell (OVS bridges,
 * the maintenance flag) stays unknown. Returns -1 only when the connection
 * itself fails. */
int mh_facts_from_connection(virConnectPtr conn, const struct mh_guest *guest,
                             struct mh_facts *facts, struct mh_error *err);

/* The message of libvirt's last error in this thread (owned by libvirt,
 * valid until its next call), or "unknown libvirt error". */
const char *mh_facts_virt_error(void);

/* Silence libvirt's default error printer: messages are reported by the
 * helpers themselves, once, with context. */
void mh_facts_virt_quiet(void);

#endif
