/* mh_ports.h - per-port network data carried from the source host to the
 * destination in the cookie's "ports" section (docs/ports.md): a table of
 * providers, one per port type, each collecting on the source and applying
 * on the destination; and the policy for ports that cannot be applied.
 *
 * The "ports" section maps a guest NIC's MAC (lower case) to
 * {"provider": NAME, "data": {...provider's data...}}. */
#ifndef MH_PORTS_H
#define MH_PORTS_H

#include "mh_conf.h"
#include "mh_xml.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct mh_error;

/* More NICs than this in a domain or a cookie is refused as hostile. */
#define MH_PORTS_MAX_INTERFACES 128

/* A guest NIC as the live domain XML describes it. Empty strings for what
 * the XML does not say. */
struct mh_ports_interface {
    char mac[18];               /* <mac address>, lower case */
    char type[32];              /* <interface type>: bridge, network, direct... */
    char source[256];           /* <source bridge>, else network, else dev */
    char virtualport[32];       /* <virtualport type>: openvswitch, 802.1Qbh... */
    char target[64];            /* <target dev>: the tap on this host */
};

/* One port type. A new one (a Linux bridge with VLAN filtering, say) is a
 * new file defining one of these and a line in the table in mh_ports.c;
 * callers do not change. A session is what the provider needs to talk to
 * its backend on this host (for "ovs", an OVSDB connection). */
struct mh_ports_provider {
    const char *name;

    /* Whether this provider handles the NIC as the domain XML describes it. */
    bool (*matches)(const struct mh_ports_interface *interface);

    /* Connect to the backend; *session is released with close(). */
    int (*open)(const struct mh_conf *conf, void **session, struct mh_error *err);
    void (*close)(void *session);

    /* Source: what to carry for interface, as a new object (empty when
     * there is nothing). */
    json_t *(*collect)(void *session, const struct mh_ports_interface *interface,
                       struct mh_error *err);

    /* Check data from a cookie before anything uses it. */
    int (*validate)(const json_t *data, struct mh_error *err);

    /* Destination: stage writing data to interface, and describe in note
     * (an object) what will be written: key and column names, no values.
     * Nothing is written before commit(). */
    int (*apply)(void *session, const struct mh_ports_interface *interface, const json_t *data,
                 json_t *note, struct mh_error *err);

    /* Write everything staged in this session, all or nothing. */
    int (*commit)(void *session, struct mh_error *err);
};

/* The providers. */
extern const struct mh_ports_provider mh_ports_ovs_provider;

/* The provider called name, or NULL. */
const struct mh_ports_provider *mh_ports_provider_find(const char *name);

/* The first provider that matches interface, or NULL (no port data for it). */
const struct mh_ports_provider *mh_ports_provider_for(const struct mh_ports_interface *interface);

/* The NICs of a domain XML (<devices><interface>), in document order, as a
 * new array the caller frees with free(). NICs without a valid MAC are left
 * out (nothing could be matched to them). */
int mh_ports_interfaces(xmlDoc *doc, struct mh_ports_interface **interfaces, size_t *count,
                        struct mh_error *err);

/* Normalize a MAC address to lower case aa:bb:cc:dd:ee:ff into out.
 * Returns -1 when text is not a MAC address. */
int mh_ports_mac_normalize(const char *text, char out[18]);

/* Source side (mh-stamp, mh-migrate, mh-ports show): the cookie's "ports"
 * section for the running guest whose live XML is given, as a new object
 * in *section. NICs no provider matches, and NICs with nothing to carry,
 * are left out. Fails when a provider's backend cannot be read. */
int mh_ports_collect(const struct mh_conf *conf, xmlDoc *live_xml, json_t **section,
                     struct mh_error *err);

/* Check a "ports" section from a cookie: shape, MACs, provider names, and
 * each known provider's data. Unknown providers pass (the policy decides
 * when applying); unknown keys are ignored, for newer sources. */
int mh_ports_validate(const json_t *section, struct mh_error *err);

/* Destination side (started begin, mh-ports apply): write section to the
 * guest's NICs found in live_xml (by MAC; the tap from <target dev>), one
 * commit per provider, so all OVS ports in one OVSDB transaction. report
 * (an object) gets:
 *   "applied":  MAC -> what was written (names, no values)
 *   "problems": MAC -> why it was not applied
 *   "absent":   MACs of the cookie this guest has no NIC for (ignored)
 *   "policy":   the policy that decided, when there were problems
 * With problems and policy refuse nothing is written and -1 is returned
 * with every problem in err; with warn or drop the rest is written and 0
 * returned. An invalid section is always refused. */
int mh_ports_apply(const struct mh_conf *conf, xmlDoc *live_xml, const json_t *section,
                   json_t *report, struct mh_error *err);

/* Destination's migrate begin, before any memory is copied: the section is
 * valid, and under policy refuse every provider it names exists here and
 * its backend (OVSDB) answers. report gets "entries" and "reachable". */
int mh_ports_check(const struct mh_conf *conf, const json_t *section, json_t *report,
                   struct mh_error *err);

#endif
