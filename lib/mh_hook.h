/* mh_hook.h - one call of the hook by libvirtd: its arguments, the domain
 * XML read lazily from stdin, what the stage decided, and the journal entry
 * it leaves. Stages (mh_stage.c) work on this. */
#ifndef MH_HOOK_H
#define MH_HOOK_H

#include "mh_conf.h"
#include "mh_xml.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct mh_error;
struct mh_stage;

enum mh_outcome {
    MH_OUTCOME_NOTHING,     /* nothing to do: no journal line */
    MH_OUTCOME_OK,          /* did its work */
    MH_OUTCOME_WARNED,      /* did its work, with warnings the journal names */
    MH_OUTCOME_REFUSED,     /* deliberately refused (checks, lease, policy) */
    MH_OUTCOME_ERROR,       /* could not do its work */
};

struct mh_hook {
    const char *guest;
    const char *operation;
    const char *sub_operation;
    const char *extra;
    const struct mh_stage *stage;
    struct mh_conf conf;

    int input_fd;               /* stdin: the domain XML */
    char *input;                /* read by mh_hook_document(), NUL-terminated */
    size_t input_length;
    xmlDoc *document;
    struct mh_xml_summary *identity;    /* read by mh_hook_identity() instead */
    char name[MH_XML_NAME_SIZE];        /* <name> and <uuid> of the document */
    char uuid[MH_UUID_LENGTH + 1];

    char *output;               /* replacement XML to print, only when changed */
    size_t output_length;

    enum mh_outcome outcome;
    json_t *details;            /* what the stage did, for the journal */

    /* From the cookie (docs/cookie.md), filled by mh_cookie_load(): */
    json_t *cookie;             /* its content; NULL when there is none */
    char migration_id[64];
    char source_host[65];
};

/* Set up a call; the strings are borrowed from argv. */
void mh_hook_init(struct mh_hook *hook, const char *guest, const char *operation,
                  const char *sub_operation, const char *extra, int input_fd);

void mh_hook_free(struct mh_hook *hook);

/* The domain XML of this call, read from stdin (at most max_input_bytes) and
 * parsed safely on first use; also fills hook->name and hook->uuid. */
xmlDoc *mh_hook_document(struct mh_hook *hook, struct mh_error *err);

/* Only what the lease stage needs of the domain XML (name, uuid, cookie;
 * see mh_xml_domain_summary), read from stdin like mh_hook_document but
 * with expat, which costs a hook call far less to load than libxml2: fills
 * hook->name, hook->uuid and hook->identity (for mh_cookie_read). When the
 * document was already parsed, that is used and expat is never loaded; what
 * expat refuses is parsed with libxml2 (mh_hook_document), whose error is
 * the one returned. */
int mh_hook_identity(struct mh_hook *hook, struct mh_error *err);

/* Record a fact for the journal ("checks": [...], "rewrite": "...", ...) and
 * mark the call as having done something. Takes the reference to value. */
void mh_hook_note(struct mh_hook *hook, const char *key, json_t *value);

/* Record a warning (details "warnings": [{"from", "message"}]), mark the
 * call warned and send it to syslog. checks.warning_policy decides at the
 * end of the checks whether warnings refuse. */
void mh_hook_warn(struct mh_hook *hook, const char *from, const char *message);

/* How many warnings mh_hook_warn recorded. */
size_t mh_hook_warning_count(const struct mh_hook *hook);

/* The journal entry for this call: time, guest, uuid, operation, outcome,
 * migration id, ms taken, the hook's version, message and the noted
 * details. New reference. */
json_t *mh_hook_journal_entry(const struct mh_hook *hook, const char *message,
                              double milliseconds);

const char *mh_hook_outcome_name(enum mh_outcome outcome);

#endif
