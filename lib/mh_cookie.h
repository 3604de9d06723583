/* mh_cookie.h - the cookie (docs/cookie.md): the versioned <mh:cookie>
 * element in the domain's <metadata> that carries what the destination
 * needs from the source, optionally authenticated with HMAC-SHA256 under a
 * cluster key. Reading it never trusts it: every way it can be wrong is a
 * clear message, never a crash. */
#ifndef MH_COOKIE_H
#define MH_COOKIE_H

#include "mh_xml.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct mh_error;
struct mh_hook;

#define MH_COOKIE_NAMESPACE "urn:migrate-hooks:cookie:1"
#define MH_COOKIE_PREFIX "mh"
#define MH_COOKIE_ELEMENT "cookie"
#define MH_COOKIE_VERSION "1"
#define MH_COOKIE_MAX_BYTES (256 * 1024)
#define MH_COOKIE_MAX_DEPTH 32
#define MH_COOKIE_KEY_MIN_BYTES 16
#define MH_COOKIE_KEY_MAX_BYTES 4096
/* How far in the future a stamp may be (clock skew) when max_age is set. */
#define MH_COOKIE_MAX_SKEW_SECONDS 300
/* base64 of a SHA-256 digest, with its terminating NUL. */
#define MH_COOKIE_HMAC_SIZE 45

struct mh_cookie_key {
    unsigned char bytes[MH_COOKIE_KEY_MAX_BYTES];
    size_t length;
};

struct mh_cookie {
    json_t *content;            /* the parsed JSON object; owned */
    char migration_id[64];
    char source_host[65];
    char stamped[32];
    time_t stamped_at;
    bool has_hmac;
    bool authenticated;         /* the HMAC was verified with our key */
};

/* Read the cluster key from path: a regular file (not a symlink) owned by
 * root with no permission for group or others (0600 or 0400). The key is
 * the file's bytes without trailing newlines, 16 to 4096 of them. */
int mh_cookie_key_load(const char *path, struct mh_cookie_key *key, struct mh_error *err);

/* Forget the key's bytes. */
void mh_cookie_key_clear(struct mh_cookie_key *key);

/* The cookie element in the <metadata> of a domain XML. Returns 1 and sets
 * *element, 0 when there is none, -1 when there is more than one. */
int mh_cookie_find(xmlDoc *doc, xmlNode **element, struct mh_error *err);

/* Check and decode a cookie element (its namespace is not looked at:
 * virDomainGetMetadata returns the element without it). With key, the
 * HMAC must be there and match; with max_age > 0, the stamp must be at
 * most that many seconds before now. Returns 0 with cookie filled (free
 * with mh_cookie_free), or -1 with the reason. */
int mh_cookie_parse_element(xmlNode *element, const struct mh_cookie_key *key, long max_age,
                            time_t now, struct mh_cookie *cookie, struct mh_error *err);

/* mh_cookie_find and mh_cookie_parse_element for the cookie of a domain XML
 * read by mh_xml_domain_summary (without libxml2): same results, same
 * messages. */
int mh_cookie_find_summary(const struct mh_xml_summary *summary, struct mh_error *err);

int mh_cookie_parse_summary(const struct mh_xml_summary *summary, const struct mh_cookie_key *key,
                            long max_age, time_t now, struct mh_cookie *cookie,
                            struct mh_error *err);

/* The same from the parts of an element: its version and hmac attributes
 * (NULL when absent) and its text. */
int mh_cookie_parse(const char *version, const char *hmac, const char *text, size_t length,
                    const struct mh_cookie_key *key, long max_age, time_t now,
                    struct mh_cookie *cookie, struct mh_error *err);

void mh_cookie_free(struct mh_cookie *cookie);

/* A new content object (new reference): {"migration_id": ...,
 * "stamped": now}; sections ("source", "lease", "ports") are added by their
 * providers. */
json_t *mh_cookie_content_new(const char *migration_id, time_t now);

/* A fresh migration id: a random UUID. */
int mh_cookie_new_migration_id(char out[64], struct mh_error *err);

/* The cookie element for content, signed when key is not NULL, as a new
 * string. With with_namespace it declares xmlns:mh and uses the mh: prefix
 * (for a domain XML's <metadata>); without, it is the bare element that
 * virDomainSetMetadata wants with the namespace passed separately. */
char *mh_cookie_build(const json_t *content, const struct mh_cookie_key *key, bool with_namespace,
                      struct mh_error *err);

/* base64(HMAC-SHA256(key, "1\n" + text)) into out. */
int mh_cookie_hmac(const struct mh_cookie_key *key, const char *text, size_t length,
                   char out[MH_COOKIE_HMAC_SIZE], struct mh_error *err);

/* For the stages after migrate begin (prepare, started, stopped, release
 * end): the cookie as it is, from the document when it was parsed, else
 * from mh_hook_identity (expat, no libxml2), without cookie.policy, the key or max_age, and
 * never a refusal. What those stages do with it is gated by what migrate
 * begin verified and recorded on this host (a lease reservation, a port data
 * marker); a normal start of a guest that still carries the cookie of an old
 * migration must not fail because of it. A cookie that cannot be decoded is
 * ignored (hook->cookie stays NULL). Returns -1 only when the domain XML
 * cannot be read. */
int mh_cookie_read(struct mh_hook *hook, struct mh_error *err);

/* migrate begin: read the cookie of the call's domain XML into hook->cookie,
 * hook->migration_id and hook->source_host, and apply cookie.policy to a
 * missing or invalid one (allow: go on; warn: go on with a warning; refuse:
 * refuse). With cookie.key_file set, an invalid, unsigned, forged or stale
 * cookie is always refused. Returns -1 on refusal (hook->outcome
 * MH_OUTCOME_REFUSED) or error. */
int mh_cookie_load(struct mh_hook *hook, struct mh_error *err);

#endif
