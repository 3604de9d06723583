/* mh_conf.h - configuration: /etc/migrate-hooks/migrate-hooks.json plus
 * conf.d/NAME.json merged in name order, trusted only when root-owned, read
 * through declarative field tables that reject unknown keys and wrong types
 * with file:line:column. */
#ifndef MH_CONF_H
#define MH_CONF_H

#include "mh_lease_conf.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct mh_error;

#define MH_CONF_DIR MH_SYSCONFDIR "/migrate-hooks"
#define MH_CONF_FILE MH_CONF_DIR "/migrate-hooks.json"
#define MH_CONF_DROPIN_DIR MH_CONF_DIR "/conf.d"
#define MH_STATE_DIR MH_LOCALSTATEDIR "/lib/migrate-hooks"

/* Largest config file read; configs are small, anything bigger is a mistake. */
#define MH_CONF_MAX_BYTES (1024 * 1024)
#define MH_CONF_MAX_DEPTH 16
#define MH_CONF_MAX_DROPINS 256

struct mh_conf {
    /* Merged document. String fields point into it (or at static defaults)
     * and stay valid until mh_conf_free(). */
    json_t *root;

    const char *host_id;            /* names this host in leases and cookies */
    long deadline_ms;               /* bound on every hook stage */
    long max_input_bytes;           /* cap on the domain XML read from stdin */
    bool journal_enabled;
    const char *journal_path;
    long journal_max_bytes;         /* rotated to .1 beyond this */
    bool syslog_enabled;
    struct mh_lease_conf lease;     /* ownership leases (mh_lease_conf.h) */

    char host_id_default[65];       /* the host name, when host_id is unset */
};

/* What a field table reads a JSON value into. */
enum mh_conf_type {
    MH_CONF_BOOL,       /* bool */
    MH_CONF_INT,        /* long within [min, max] */
    MH_CONF_STRING,     /* const char *, pointing into the document */
    MH_CONF_ENUM,       /* int: index into choices */
    MH_CONF_STRINGS,    /* json_t * (borrowed): an array of strings */
    MH_CONF_SECTION,    /* nested object read by fields, into the same target */
    MH_CONF_CUSTOM,     /* parse() does the work */
};

/* Where a value sits, for messages: a JSON pointer such as /journal/path. */
struct mh_conf_context {
    char pointer[512];
    struct mh_error *err;
};

struct mh_conf_field {
    const char *key;
    enum mh_conf_type type;
    size_t offset;                          /* of the target member */
    long min, max;                          /* MH_CONF_INT */
    const char *const *choices;             /* MH_CONF_ENUM, NULL-terminated */
    const struct mh_conf_field *fields;     /* MH_CONF_SECTION, ends with key NULL */
    int (*parse)(json_t *value, void *target, struct mh_conf_context *context);
};

/* Load the installed configuration: MH_CONF_FILE (defaults when it does not
 * exist) and every conf.d/NAME.json in name order. conf is filled even on
 * error (with defaults) so that callers can fail closed and still log. */
int mh_conf_load(struct mh_conf *conf, struct mh_error *err);

/* Load one file and, when dropin_dir is not NULL, its drop-ins. */
int mh_conf_load_files(struct mh_conf *conf, const char *path, const char *dropin_dir,
                       struct mh_error *err);

/* Load from text already in memory (tests, fuzzing); name is used in errors. */
int mh_conf_load_text(struct mh_conf *conf, const char *text, size_t length, const char *name,
                      struct mh_error *err);

void mh_conf_free(struct mh_conf *conf);

/* Read object into target through a field table: every key must be in the
 * table and of its type. Extending the config means adding a table here or
 * a section to the top-level table in mh_conf.c. */
int mh_conf_read_fields(json_t *object, const struct mh_conf_field *fields, void *target,
                        struct mh_conf_context *context);

/* Report a problem at the value at context->pointer + "/" + key (key may be
 * NULL for the value itself). Always returns -1. */
int mh_conf_fail(struct mh_conf_context *context, const char *key, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Push key (or array index, when key is NULL) onto context->pointer and pop
 * it again; used by custom parsers that walk into arrays and objects. */
size_t mh_conf_push(struct mh_conf_context *context, const char *key, size_t index);
void mh_conf_pop(struct mh_conf_context *context, size_t mark);

#endif
