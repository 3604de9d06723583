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

/* What a pre-migration check's problems do (docs/checks.md). */
enum mh_conf_severity {
    MH_SEVERITY_DEFAULT = -1,       /* the check's own default */
    MH_SEVERITY_FAIL,               /* a failure refuses the migration */
    MH_SEVERITY_WARN,               /* a failure only warns */
    MH_SEVERITY_OFF,                /* the check does not run */
};

enum mh_conf_warning_policy { MH_WARNINGS_CONTINUE, MH_WARNINGS_ABORT };
enum mh_conf_cookie_policy { MH_COOKIE_ALLOW, MH_COOKIE_WARN, MH_COOKIE_REFUSE };

#define MH_CONF_MAX_CHECKS 32

/* Section "checks": the pre-migration checks (lib/mh_check*). */
struct mh_conf_checks {
    int severity[MH_CONF_MAX_CHECKS];   /* per built-in check, in mh_check_builtins order */
    int warning_policy;                 /* enum mh_conf_warning_policy */
    long memory_reserve_mib;            /* kept free on the destination beyond the guest */
    json_t *allowed_sources;            /* host id patterns (borrowed), NULL: any source */
    long max_incoming;                  /* concurrent incoming migrations; 0: no limit */
    const char *maintenance_file;
    const char *external_dir;           /* checks.d */
    long external_timeout_ms;
};

/* Section "cookie": the cookie the source stamps (docs/cookie.md). */
struct mh_conf_cookie {
    const char *key_file;               /* cluster HMAC key; NULL: unsigned cookies */
    long max_age;                       /* seconds; 0: no limit */
    int policy;                         /* enum mh_conf_cookie_policy */
};

/* ports.policy: what happens to port data that cannot be applied here. */
enum mh_ports_policy {
    MH_PORTS_POLICY_REFUSE,     /* fail the start: libvirt resumes the source */
    MH_PORTS_POLICY_WARN,       /* journal + syslog, let the guest start */
    MH_PORTS_POLICY_DROP,       /* journal only */
};

/* The "ports" section (docs/ports.md), read by lib/mh_ports_conf.c. The
 * pattern lists are borrowed from root; NULL means the documented default. */
struct mh_conf_ports {
    int policy;                     /* enum mh_ports_policy */
    const char *ovsdb_socket;
    long timeout_ms;                /* connect and each OVSDB request */
    long wait_ms;                   /* for the destination's Interface row to appear */
    bool policing;                  /* carry ingress_policing_rate/burst */
    json_t *external_ids;           /* Interface external_ids keys to carry */
    json_t *port_columns;           /* Port columns to carry */
    json_t *other_config;           /* Port other_config keys to carry */
    const char *pending_dir;        /* not configurable; tests move it */
};

/* Section "agent": mh-agent (docs/migrate.md). */
struct mh_conf_agent {
    long interval_s;                /* re-stamp, reconcile and keep leases alive this often */
    bool stamp;                     /* keep the cookies of running guests fresh */
    bool reconcile;                 /* resolve guests left paused by a migration */
    const char *peer_uri;           /* libvirt URI of another host, "{host}" is its host id */
};

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
    json_t *rewrite;                /* "rewrite" section, checked (mh_rewrite_conf.h) */
    struct mh_conf_checks checks;
    struct mh_conf_cookie cookie;
    struct mh_conf_ports ports;
    struct mh_lease_conf lease;     /* ownership leases (mh_lease_conf.h) */
    struct mh_conf_agent agent;

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
