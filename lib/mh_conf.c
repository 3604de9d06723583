/* mh_conf.c - load, merge, trust-check and read the configuration. */
#include "mh_conf.h"
#include "mh_check.h"
#include "mh_error.h"
#include "mh_file.h"
#include "mh_json.h"
#include "mh_ports_conf.h"
#include "mh_rewrite_conf.h"
#include "mh_string.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct source {
    char name[PATH_MAX];
    char *text;
    size_t length;
};

struct sources {
    struct source items[MH_CONF_MAX_DROPINS + 1];
    size_t count;
};

static const struct mh_conf_field journal_fields[] = {
    { .key = "enabled", .type = MH_CONF_BOOL, .offset = offsetof(struct mh_conf, journal_enabled) },
    { .key = "path", .type = MH_CONF_STRING, .offset = offsetof(struct mh_conf, journal_path) },
    { .key = "max_bytes", .type = MH_CONF_INT, .offset = offsetof(struct mh_conf, journal_max_bytes),
      .min = 4096, .max = 1L << 40 },
    { .key = NULL },
};

static int parse_host_id(json_t *value, void *target, struct mh_conf_context *context);
static int parse_severities(json_t *value, void *target, struct mh_conf_context *context);

static const char *const warning_policies[] = { "continue", "abort", NULL };
static const char *const cookie_policies[] = { "allow", "warn", "refuse", NULL };

static const struct mh_conf_field checks_fields[] = {
    { .key = "severity", .type = MH_CONF_CUSTOM, .offset = offsetof(struct mh_conf_checks, severity),
      .parse = parse_severities },
    { .key = "warning_policy", .type = MH_CONF_ENUM,
      .offset = offsetof(struct mh_conf_checks, warning_policy), .choices = warning_policies },
    { .key = "memory_reserve_mib", .type = MH_CONF_INT,
      .offset = offsetof(struct mh_conf_checks, memory_reserve_mib), .min = 0, .max = 1L << 30 },
    { .key = "allowed_sources", .type = MH_CONF_STRINGS,
      .offset = offsetof(struct mh_conf_checks, allowed_sources) },
    { .key = "max_incoming", .type = MH_CONF_INT,
      .offset = offsetof(struct mh_conf_checks, max_incoming), .min = 0, .max = 1000 },
    { .key = "maintenance_file", .type = MH_CONF_STRING,
      .offset = offsetof(struct mh_conf_checks, maintenance_file) },
    { .key = "external_dir", .type = MH_CONF_STRING,
      .offset = offsetof(struct mh_conf_checks, external_dir) },
    { .key = "external_timeout_ms", .type = MH_CONF_INT,
      .offset = offsetof(struct mh_conf_checks, external_timeout_ms), .min = 100, .max = 600000 },
    { .key = NULL },
};

static const struct mh_conf_field cookie_fields[] = {
    { .key = "key_file", .type = MH_CONF_STRING, .offset = offsetof(struct mh_conf_cookie, key_file) },
    { .key = "max_age", .type = MH_CONF_INT, .offset = offsetof(struct mh_conf_cookie, max_age),
      .min = 0, .max = 366L * 86400 },
    { .key = "policy", .type = MH_CONF_ENUM, .offset = offsetof(struct mh_conf_cookie, policy),
      .choices = cookie_policies },
    { .key = NULL },
};

static const struct mh_conf_field agent_fields[] = {
    { .key = "interval_s", .type = MH_CONF_INT, .offset = offsetof(struct mh_conf_agent, interval_s),
      .min = 5, .max = 86400 },
    { .key = "stamp", .type = MH_CONF_BOOL, .offset = offsetof(struct mh_conf_agent, stamp) },
    { .key = "reconcile", .type = MH_CONF_BOOL, .offset = offsetof(struct mh_conf_agent, reconcile) },
    { .key = "peer_uri", .type = MH_CONF_STRING, .offset = offsetof(struct mh_conf_agent, peer_uri) },
    { .key = NULL },
};

/* The top level. Each part of migrate-hooks adds its section here. */
static const struct mh_conf_field top_fields[] = {
    { .key = "host_id", .type = MH_CONF_CUSTOM, .offset = offsetof(struct mh_conf, host_id),
      .parse = parse_host_id },
    { .key = "deadline_ms", .type = MH_CONF_INT, .offset = offsetof(struct mh_conf, deadline_ms),
      .min = 100, .max = 600000 },
    { .key = "max_input_bytes", .type = MH_CONF_INT,
      .offset = offsetof(struct mh_conf, max_input_bytes), .min = 4096, .max = 256L << 20 },
    { .key = "journal", .type = MH_CONF_SECTION, .offset = 0, .fields = journal_fields },
    { .key = "syslog", .type = MH_CONF_BOOL, .offset = offsetof(struct mh_conf, syslog_enabled) },
    { .key = "rewrite", .type = MH_CONF_CUSTOM, .offset = offsetof(struct mh_conf, rewrite),
      .parse = mh_rewrite_conf_parse },
    { .key = "checks", .type = MH_CONF_SECTION, .offset = offsetof(struct mh_conf, checks),
      .fields = checks_fields },
    { .key = "cookie", .type = MH_CONF_SECTION, .offset = offsetof(struct mh_conf, cookie),
      .fields = cookie_fields },
    { .key = "ports", .type = MH_CONF_SECTION, .offset = offsetof(struct mh_conf, ports),
      .fields = mh_ports_conf_fields },
    { .key = "lease", .type = MH_CONF_CUSTOM, .offset = offsetof(struct mh_conf, lease),
      .parse = mh_lease_conf_parse },
    { .key = "agent", .type = MH_CONF_SECTION, .offset = offsetof(struct mh_conf, agent),
      .fields = agent_fields },
    { .key = NULL },
};

static void set_defaults(struct mh_conf *conf);
static int add_source(struct sources *sources, const char *path, bool optional,
                      struct mh_error *err);
static int add_dropins(struct sources *sources, const char *directory, struct mh_error *err);
static int merge_and_read(struct mh_conf *conf, struct sources *sources, struct mh_error *err);
static void locate_problem(const struct sources *sources, const char *pointer,
                           struct mh_error *err);
static void free_sources(struct sources *sources);
static int compare_names(const struct dirent **a, const struct dirent **b);
static int is_dropin(const struct dirent *entry);
static int read_field(json_t *value, const struct mh_conf_field *field, void *target,
                      struct mh_conf_context *context);

int
mh_conf_load(struct mh_conf *conf, struct mh_error *err)
{
    return mh_conf_load_files(conf, MH_CONF_FILE, MH_CONF_DROPIN_DIR, err);
}

int
mh_conf_load_files(struct mh_conf *conf, const char *path, const char *dropin_dir,
                   struct mh_error *err)
{
    struct sources *sources = calloc(1, sizeof(*sources));
    int ret = -1;

    set_defaults(conf);
    if (!sources) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    if (add_source(sources, path, dropin_dir != NULL, err) < 0)
        goto cleanup;
    if (dropin_dir && add_dropins(sources, dropin_dir, err) < 0)
        goto cleanup;
    ret = merge_and_read(conf, sources, err);

cleanup:
    free_sources(sources);
    free(sources);
    return ret;
}

int
mh_conf_load_text(struct mh_conf *conf, const char *text, size_t length, const char *name,
                  struct mh_error *err)
{
    struct sources *sources = calloc(1, sizeof(*sources));
    struct source *source;
    int ret = -1;

    set_defaults(conf);
    if (!sources) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    source = &sources->items[sources->count++];
    mh_string_copy(source->name, sizeof(source->name), name);
    source->text = malloc(length + 1);
    if (!source->text) {
        mh_error_set(err, "out of memory");
        goto cleanup;
    }
    memcpy(source->text, text, length);
    source->text[length] = '\0';
    source->length = length;
    ret = merge_and_read(conf, sources, err);

cleanup:
    free_sources(sources);
    free(sources);
    return ret;
}

void
mh_conf_free(struct mh_conf *conf)
{
    if (conf->root)
        json_decref(conf->root);
    conf->root = NULL;
}

int
mh_conf_read_fields(json_t *object, const struct mh_conf_field *fields, void *target,
                    struct mh_conf_context *context)
{
    const char *key;
    json_t *value;

    if (!json_is_object(object))
        return mh_conf_fail(context, NULL, "must be an object");
    json_object_foreach(object, key, value) {
        const struct mh_conf_field *field = fields;
        size_t mark;
        int ret;

        while (field->key && strcmp(field->key, key) != 0)
            field++;
        if (!field->key)
            return mh_conf_fail(context, key, "unknown key \"%s\"", key);
        mark = mh_conf_push(context, key, 0);
        ret = read_field(value, field, target, context);
        if (ret < 0)
            return -1;
        mh_conf_pop(context, mark);
    }
    return 0;
}

int
mh_conf_fail(struct mh_conf_context *context, const char *key, const char *format, ...)
{
    char message[sizeof(context->err->message)];
    va_list args;

    if (key)
        mh_conf_push(context, key, 0);
    va_start(args, format);
    vsnprintf(message, sizeof(message), format, args);
    va_end(args);
    mh_error_set(context->err, "%s", message);
    return -1;
}

size_t
mh_conf_push(struct mh_conf_context *context, const char *key, size_t index)
{
    size_t mark = strlen(context->pointer);
    char token[32];

    mh_string_append(context->pointer, sizeof(context->pointer), "/");
    if (!key) {
        snprintf(token, sizeof(token), "%zu", index);
        mh_string_append(context->pointer, sizeof(context->pointer), token);
        return mark;
    }
    for (const char *p = key; *p; p++) {
        const char *piece = *p == '~' ? "~0" : *p == '/' ? "~1" : NULL;
        char one[2] = { *p, '\0' };
        mh_string_append(context->pointer, sizeof(context->pointer), piece ? piece : one);
    }
    return mark;
}

void
mh_conf_pop(struct mh_conf_context *context, size_t mark)
{
    if (mark < sizeof(context->pointer))
        context->pointer[mark] = '\0';
}

static int
read_field(json_t *value, const struct mh_conf_field *field, void *target,
           struct mh_conf_context *context)
{
    char *member = (char *)target + field->offset;

    switch (field->type) {
    case MH_CONF_BOOL:
        if (!json_is_boolean(value))
            return mh_conf_fail(context, NULL, "must be true or false");
        *(bool *)member = json_is_true(value);
        return 0;
    case MH_CONF_INT:
        if (!json_is_integer(value))
            return mh_conf_fail(context, NULL, "must be an integer");
        if (json_integer_value(value) < field->min || json_integer_value(value) > field->max)
            return mh_conf_fail(context, NULL, "must be between %ld and %ld", field->min,
                                field->max);
        *(long *)member = (long)json_integer_value(value);
        return 0;
    case MH_CONF_STRING:
        if (!json_is_string(value))
            return mh_conf_fail(context, NULL, "must be a string");
        if (strlen(json_string_value(value)) != json_string_length(value))
            return mh_conf_fail(context, NULL, "must not contain NUL characters");
        *(const char **)member = json_string_value(value);
        return 0;
    case MH_CONF_ENUM:
        if (json_is_string(value)) {
            for (int i = 0; field->choices[i]; i++) {
                if (strcmp(field->choices[i], json_string_value(value)) == 0) {
                    *(int *)member = i;
                    return 0;
                }
            }
        }
        {
            char list[256] = "";
            for (int i = 0; field->choices[i]; i++) {
                mh_string_append(list, sizeof(list), i ? ", " : "");
                mh_string_append(list, sizeof(list), field->choices[i]);
            }
            return mh_conf_fail(context, NULL, "must be one of: %s", list);
        }
    case MH_CONF_STRINGS: {
        size_t index;
        json_t *item;

        if (!json_is_array(value))
            return mh_conf_fail(context, NULL, "must be an array of strings");
        json_array_foreach(value, index, item) {
            if (!json_is_string(item) || strlen(json_string_value(item)) != json_string_length(item)) {
                mh_conf_push(context, NULL, index);
                return mh_conf_fail(context, NULL, "must be a string");
            }
        }
        *(json_t **)member = value;
        return 0;
    }
    case MH_CONF_SECTION:
        return mh_conf_read_fields(value, field->fields, member, context);
    case MH_CONF_CUSTOM:
        return field->parse(value, member, context);
    }
    return mh_conf_fail(context, NULL, "internal error: unknown field type");
}

static int
parse_host_id(json_t *value, void *target, struct mh_conf_context *context)
{
    if (!json_is_string(value) || !mh_string_is_identifier(json_string_value(value)))
        return mh_conf_fail(context, NULL,
                            "must be 1 to 64 of letters, digits, '.', '_' and '-', "
                            "not starting with '.' or '-'");
    *(const char **)target = json_string_value(value);
    return 0;
}

/* {"memory": "warn", ...}: names from the table of built-in checks. */
static int
parse_severities(json_t *value, void *target, struct mh_conf_context *context)
{
    static const char *const severities[] = { "fail", "warn", "off" };
    int *severity = target;
    const char *name;
    json_t *level;

    if (!json_is_object(value))
        return mh_conf_fail(context, NULL, "must be an object of check names to \"fail\", "
                            "\"warn\" or \"off\"");
    json_object_foreach(value, name, level) {
        int index = mh_check_find(name);
        int chosen = -1;

        if (index < 0)
            return mh_conf_fail(context, name, "unknown check \"%s\" (see mh-check --list)", name);
        for (int i = 0; i < 3 && json_is_string(level); i++) {
            if (strcmp(json_string_value(level), severities[i]) == 0)
                chosen = i;
        }
        if (chosen < 0)
            return mh_conf_fail(context, name, "must be one of: fail, warn, off");
        severity[index] = chosen;
    }
    return 0;
}

static void
set_defaults(struct mh_conf *conf)
{
    char hostname[256] = "";

    memset(conf, 0, sizeof(*conf));
    if (gethostname(hostname, sizeof(hostname) - 1) < 0 || !mh_string_is_identifier(hostname))
        mh_string_copy(hostname, sizeof(hostname), "localhost");
    mh_string_copy(conf->host_id_default, sizeof(conf->host_id_default), hostname);
    conf->host_id = conf->host_id_default;
    conf->deadline_ms = 10000;
    conf->max_input_bytes = 8L << 20;
    conf->journal_enabled = true;
    conf->journal_path = MH_STATE_DIR "/journal.jsonl";
    conf->journal_max_bytes = 16L << 20;
    conf->syslog_enabled = true;
    for (int i = 0; i < MH_CONF_MAX_CHECKS; i++)
        conf->checks.severity[i] = MH_SEVERITY_DEFAULT;
    conf->checks.warning_policy = MH_WARNINGS_CONTINUE;
    conf->checks.memory_reserve_mib = 512;
    conf->checks.maintenance_file = MH_STATE_DIR "/maintenance";
    conf->checks.external_dir = MH_CONF_DIR "/checks.d";
    conf->checks.external_timeout_ms = 5000;
    conf->cookie.policy = MH_COOKIE_ALLOW;
    mh_ports_conf_defaults(&conf->ports);
    mh_lease_conf_defaults(&conf->lease);
    conf->agent.interval_s = 60;
    conf->agent.stamp = true;
    conf->agent.reconcile = true;
    conf->agent.peer_uri = "qemu+ssh://{host}/system";
}

static int
add_source(struct sources *sources, const char *path, bool optional, struct mh_error *err)
{
    struct source *source = &sources->items[sources->count];

    if (mh_string_copy(source->name, sizeof(source->name), path) < 0) {
        mh_error_set(err, "%s: path too long", path);
        return -1;
    }
    if (mh_file_read_trusted(path, MH_CONF_MAX_BYTES, &source->text, &source->length, err) < 0) {
        if (optional && errno == ENOENT) {
            source->text = NULL;
            return 0;
        }
        return -1;
    }
    sources->count++;
    return 0;
}

static int
add_dropins(struct sources *sources, const char *directory, struct mh_error *err)
{
    struct dirent **entries = NULL;
    int count;
    int ret = -1;

    if (access(directory, F_OK) < 0 && errno == ENOENT)
        return 0;
    if (mh_file_check_trusted_dir(directory, err) < 0)
        return -1;
    count = scandir(directory, &entries, is_dropin, compare_names);
    if (count < 0) {
        mh_error_set_errno(err, errno, "%s", directory);
        return -1;
    }
    if ((size_t)count > MH_CONF_MAX_DROPINS) {
        mh_error_set(err, "%s: more than %d drop-in files", directory, MH_CONF_MAX_DROPINS);
        goto cleanup;
    }
    for (int i = 0; i < count; i++) {
        char path[PATH_MAX];

        if (snprintf(path, sizeof(path), "%s/%s", directory, entries[i]->d_name)
            >= (int)sizeof(path)) {
            mh_error_set(err, "%s/%s: path too long", directory, entries[i]->d_name);
            goto cleanup;
        }
        if (add_source(sources, path, false, err) < 0)
            goto cleanup;
    }
    ret = 0;

cleanup:
    for (int i = 0; i < count; i++)
        free(entries[i]);
    free(entries);
    return ret;
}

static int
merge_and_read(struct mh_conf *conf, struct sources *sources, struct mh_error *err)
{
    struct mh_conf_context context = { .pointer = "", .err = err };
    json_t *root = json_object();

    if (!root) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < sources->count; i++) {
        struct source *source = &sources->items[i];
        json_t *document = mh_json_parse(source->text, source->length, MH_CONF_MAX_DEPTH,
                                         source->name, err);

        if (!document)
            goto failed;
        if (!json_is_object(document)) {
            mh_error_set(err, "%s:1:1: the configuration must be a JSON object", source->name);
            json_decref(document);
            goto failed;
        }
        /* Objects merge key by key; any other value of a later file wins. */
        json_object_update_recursive(root, document);
        json_decref(document);
    }
    conf->root = root;
    if (mh_conf_read_fields(root, top_fields, conf, &context) < 0) {
        locate_problem(sources, context.pointer, err);
        return -1;
    }
    return 0;

failed:
    json_decref(root);
    return -1;
}

/* Prefix the message with the file, line and column where the value at
 * pointer was written: the last file that sets it wins the merge, so it is
 * searched from the last file back; a value no file has (a key that should
 * have been there) is reported at its nearest ancestor. */
static void
locate_problem(const struct sources *sources, const char *pointer, struct mh_error *err)
{
    char path[sizeof(((struct mh_conf_context *)0)->pointer)];

    mh_string_copy(path, sizeof(path), pointer);
    for (;;) {
        for (size_t i = sources->count; i-- > 0;) {
            const struct source *source = &sources->items[i];
            int line, column;

            if (mh_json_locate(source->text, source->length, path, &line, &column) == 0) {
                mh_error_prefix(err, "%s:%d:%d", source->name, line, column);
                return;
            }
        }
        if (!*path)
            break;
        *strrchr(path, '/') = '\0';
    }
    if (sources->count)
        mh_error_prefix(err, "%s", sources->items[sources->count - 1].name);
}

static void
free_sources(struct sources *sources)
{
    for (size_t i = 0; i < sources->count; i++)
        free(sources->items[i].text);
    sources->count = 0;
}

/* Plain byte order, whatever the locale: "name order" must not depend on it. */
static int
compare_names(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static int
is_dropin(const struct dirent *entry)
{
    size_t length = strlen(entry->d_name);

    return entry->d_name[0] != '.' && length > 5 &&
           strcmp(entry->d_name + length - 5, ".json") == 0;
}
