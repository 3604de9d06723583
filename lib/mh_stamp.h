/* mh_stamp.h - stamping the cookie on a running guest through libvirt
 * (mh-stamp, mh-agent, mh-migrate), and reading a guest's cookie back.
 * Links libvirt: the hook dispatcher never uses this.
 *
 * The content is assembled from providers, one per section of the cookie:
 * each module that carries something from source to destination adds a
 * row to mh_stamp_sections (mh_stamp.c). */
#ifndef MH_STAMP_H
#define MH_STAMP_H

#include "mh_xml.h"

#include <jansson.h>
#include <libvirt/libvirt.h>
#include <stdbool.h>

struct mh_conf;
struct mh_cookie;
struct mh_error;
struct mh_guest;

/* What a section provider may use to build its section. */
struct mh_stamp_context {
    virConnectPtr connection;
    virDomainPtr domain;
    const struct mh_conf *conf;
    xmlDoc *domain_xml;             /* the live domain XML */
    const struct mh_guest *guest;   /* read from it */
    const char *migration_id;
};

struct mh_stamp_section {
    const char *key;                /* top-level key in the cookie */
    /* Set *section to a new reference (or leave it NULL to add nothing).
     * Returns 0, or -1 to refuse stamping with err filled. */
    int (*build)(const struct mh_stamp_context *context, json_t **section, struct mh_error *err);
};

extern const struct mh_stamp_section mh_stamp_sections[];
extern const size_t mh_stamp_section_count;

/* The content of a fresh cookie for domain: migration_id (a new one, also
 * copied to migration_id), stamped, and every provider's section. New
 * reference. */
json_t *mh_stamp_content(virConnectPtr connection, virDomainPtr domain, const struct mh_conf *conf,
                         char migration_id[64], struct mh_error *err);

/* Build the cookie for domain (signed with cookie.key_file when set) and,
 * unless dry_run, write it into the running guest's metadata. *element, if
 * not NULL, receives the element as written (the caller frees it). */
int mh_stamp_domain(virConnectPtr connection, virDomainPtr domain, const struct mh_conf *conf,
                    bool dry_run, char migration_id[64], char **element, struct mh_error *err);

/* Read the running guest's cookie and check it as a destination with conf
 * would (key, max_age). Returns 1 with cookie filled (free with
 * mh_cookie_free), 0 when the guest has none, -1 when it is invalid or
 * cannot be read. */
int mh_stamp_read(virDomainPtr domain, const struct mh_conf *conf, struct mh_cookie *cookie,
                  struct mh_error *err);

#endif
