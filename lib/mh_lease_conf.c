/* mh_lease_conf.c - read and check the "lease" configuration section. */
#include "mh_lease_conf.h"
#include "mh_conf.h"
#include "mh_string.h"

#include <stddef.h>
#include <string.h>

static const char *const backend_names[] = { "dir", "etcd", NULL };

static int parse_path(json_t *value, void *target, struct mh_conf_context *context);
static int parse_endpoints(json_t *value, void *target, struct mh_conf_context *context);
static int parse_prefix(json_t *value, void *target, struct mh_conf_context *context);

static const struct mh_conf_field etcd_fields[] = {
    { .key = "endpoints", .type = MH_CONF_CUSTOM,
      .offset = offsetof(struct mh_lease_etcd_conf, endpoints), .parse = parse_endpoints },
    { .key = "prefix", .type = MH_CONF_CUSTOM,
      .offset = offsetof(struct mh_lease_etcd_conf, prefix), .parse = parse_prefix },
    /* etcd itself rounds TTLs below about 2 s up. */
    { .key = "ttl_s", .type = MH_CONF_INT, .offset = offsetof(struct mh_lease_etcd_conf, ttl_s),
      .min = 2, .max = 86400 },
    { .key = "timeout_ms", .type = MH_CONF_INT,
      .offset = offsetof(struct mh_lease_etcd_conf, timeout_ms), .min = 10, .max = 60000 },
    { .key = "ca_file", .type = MH_CONF_CUSTOM,
      .offset = offsetof(struct mh_lease_etcd_conf, ca_file), .parse = parse_path },
    { .key = "cert_file", .type = MH_CONF_CUSTOM,
      .offset = offsetof(struct mh_lease_etcd_conf, cert_file), .parse = parse_path },
    { .key = "key_file", .type = MH_CONF_CUSTOM,
      .offset = offsetof(struct mh_lease_etcd_conf, key_file), .parse = parse_path },
    { .key = NULL },
};

static const struct mh_conf_field lease_fields[] = {
    { .key = "enabled", .type = MH_CONF_BOOL, .offset = offsetof(struct mh_lease_conf, enabled) },
    { .key = "backend", .type = MH_CONF_ENUM, .offset = offsetof(struct mh_lease_conf, backend),
      .choices = backend_names },
    { .key = "dir", .type = MH_CONF_CUSTOM, .offset = offsetof(struct mh_lease_conf, dir),
      .parse = parse_path },
    { .key = "lock_timeout_ms", .type = MH_CONF_INT,
      .offset = offsetof(struct mh_lease_conf, lock_timeout_ms), .min = 10, .max = 600000 },
    { .key = "pending_expiry_s", .type = MH_CONF_INT,
      .offset = offsetof(struct mh_lease_conf, pending_expiry_s), .min = 10, .max = 86400 },
    { .key = "migration_expiry_s", .type = MH_CONF_INT,
      .offset = offsetof(struct mh_lease_conf, migration_expiry_s), .min = 60,
      .max = 30L * 86400 },
    { .key = "etcd", .type = MH_CONF_SECTION, .offset = offsetof(struct mh_lease_conf, etcd),
      .fields = etcd_fields },
    { .key = NULL },
};

void
mh_lease_conf_defaults(struct mh_lease_conf *conf)
{
    memset(conf, 0, sizeof(*conf));
    conf->enabled = false;
    conf->backend = MH_LEASE_BACKEND_DIR;
    conf->dir = MH_LEASE_DEFAULT_DIR;
    conf->lock_timeout_ms = 5000;
    conf->pending_expiry_s = 300;
    conf->migration_expiry_s = 86400;
    conf->etcd.endpoints = NULL;
    conf->etcd.prefix = "/migrate-hooks/";
    conf->etcd.ttl_s = 60;
    conf->etcd.timeout_ms = 2000;
    conf->etcd.refresh_file = MH_LEASE_DEFAULT_REFRESH_FILE;
    conf->etcd.cache_dir = MH_LEASE_DEFAULT_CACHE_DIR;
}

int
mh_lease_conf_parse(json_t *value, void *target, struct mh_conf_context *context)
{
    struct mh_lease_conf *conf = target;

    if (mh_conf_read_fields(value, lease_fields, conf, context) < 0)
        return -1;
    /* A reservation must be able to live as long as the confirmed one. */
    if (conf->migration_expiry_s < conf->pending_expiry_s)
        return mh_conf_fail(context, "migration_expiry_s",
                            "must not be shorter than pending_expiry_s (%ld)",
                            conf->pending_expiry_s);
    if ((conf->etcd.cert_file != NULL) != (conf->etcd.key_file != NULL))
        return mh_conf_fail(context, "etcd", "cert_file and key_file go together");
    return 0;
}

const char *
mh_lease_backend_name(int kind)
{
    if (kind < 0 || kind >= (int)(sizeof(backend_names) / sizeof(backend_names[0])) - 1)
        return "unknown";
    return backend_names[kind];
}

/* An absolute path without NUL bytes or "..": paths are used as given. */
static int
parse_path(json_t *value, void *target, struct mh_conf_context *context)
{
    const char *path;

    if (!json_is_string(value) || strlen(json_string_value(value)) != json_string_length(value))
        return mh_conf_fail(context, NULL, "must be a string");
    path = json_string_value(value);
    if (path[0] != '/' || strlen(path) > 1024)
        return mh_conf_fail(context, NULL, "must be an absolute path of at most 1024 bytes");
    *(const char **)target = path;
    return 0;
}

static int
parse_endpoints(json_t *value, void *target, struct mh_conf_context *context)
{
    size_t index;
    json_t *item;

    if (!json_is_array(value) || json_array_size(value) == 0 || json_array_size(value) > 16)
        return mh_conf_fail(context, NULL, "must be an array of 1 to 16 URLs");
    json_array_foreach(value, index, item) {
        const char *url = json_string_value(item);

        if (!url || strlen(url) != json_string_length(item) || strlen(url) > 512 ||
            (!mh_string_has_prefix(url, "http://") && !mh_string_has_prefix(url, "https://")) ||
            strpbrk(url, " \t\r\n?#")) {
            mh_conf_push(context, NULL, index);
            return mh_conf_fail(context, NULL,
                                "must be an http:// or https:// URL such as %s, without "
                                "spaces, query or fragment", MH_LEASE_DEFAULT_ENDPOINT);
        }
    }
    *(json_t **)target = value;
    return 0;
}

/* Keys are PREFIX + "guests/" + UUID and so on: the prefix must end with
 * '/' so that two clusters' prefixes cannot run into each other. */
static int
parse_prefix(json_t *value, void *target, struct mh_conf_context *context)
{
    const char *prefix = json_string_value(value);
    size_t length;

    if (!prefix || strlen(prefix) != json_string_length(value))
        return mh_conf_fail(context, NULL, "must be a string");
    length = strlen(prefix);
    if (length < 2 || length > 128 || prefix[0] != '/' || prefix[length - 1] != '/' ||
        strspn(prefix, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/._-")
            != length)
        return mh_conf_fail(context, NULL,
                            "must be 2 to 128 of letters, digits, '/', '.', '_' and '-', "
                            "starting and ending with '/'");
    *(const char **)target = prefix;
    return 0;
}
