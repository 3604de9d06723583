/* mh_lease_record.c - lease records and tokens to and from JSON, checked. */
#include "mh_lease_record.h"
#include "mh_error.h"
#include "mh_json.h"
#include "mh_string.h"
#include "mh_time.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* JSON numbers beyond 2^53 lose precision in other readers. */
#define MAX_GENERATION (1LL << 53)

static int read_string(json_t *object, const char *key, bool required, char *out, size_t size,
                       bool (*valid)(const char *), const char *what, struct mh_error *err);
static int read_time(json_t *object, const char *key, bool required, time_t *out,
                     struct mh_error *err);
static int read_pending(json_t *value, struct mh_lease_pending *pending, struct mh_error *err);
static bool is_host(const char *text);
static bool is_printable(const char *text);
static bool is_change(const char *text);
static json_t *time_or_null(time_t when);

void
mh_lease_record_init(struct mh_lease_record *record, const char *uuid)
{
    memset(record, 0, sizeof(*record));
    if (uuid)
        mh_string_copy(record->uuid, sizeof(record->uuid), uuid);
}

bool
mh_lease_uuid_is_valid(const char *text)
{
    if (strlen(text) != MH_UUID_LENGTH)
        return false;
    for (size_t i = 0; i < MH_UUID_LENGTH; i++) {
        bool dash = i == 8 || i == 13 || i == 18 || i == 23;

        if (dash ? text[i] != '-' : !isxdigit((unsigned char)text[i]))
            return false;
    }
    return true;
}

bool
mh_lease_migration_id_is_valid(const char *text)
{
    size_t length = strlen(text);

    return length >= 1 && length < MH_LEASE_MIGRATION_ID_SIZE &&
           strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-")
               == length;
}

json_t *
mh_lease_record_to_json(const struct mh_lease_record *record)
{
    json_t *object = json_object();
    json_t *pending = json_null();

    if (!object)
        return NULL;
    if (record->pending.host[0]) {
        pending = json_object();
        json_object_set_new(pending, "host", json_string(record->pending.host));
        json_object_set_new(pending, "migration_id", json_string(record->pending.migration_id));
        json_object_set_new(pending, "confirmed", json_boolean(record->pending.confirmed));
        json_object_set_new(pending, "expires", time_or_null(record->pending.expires));
    }
    json_object_set_new(object, "version", json_integer(MH_LEASE_RECORD_VERSION));
    json_object_set_new(object, "uuid", json_string(record->uuid));
    json_object_set_new(object, "name", json_string(record->name));
    json_object_set_new(object, "generation", json_integer(record->generation));
    json_object_set_new(object, "owner",
                        record->owner[0] ? json_string(record->owner) : json_null());
    json_object_set_new(object, "since", record->owner[0] ? time_or_null(record->since)
                                                          : json_null());
    json_object_set_new(object, "pending", pending);
    json_object_set_new(object, "updated", time_or_null(record->updated));
    json_object_set_new(object, "updated_by", json_string(record->updated_by));
    json_object_set_new(object, "change", json_string(record->change));
    return object;
}

char *
mh_lease_record_format(const struct mh_lease_record *record)
{
    json_t *object = mh_lease_record_to_json(record);
    char *text = NULL;
    char *line;
    size_t length;

    if (!object)
        return NULL;
    text = json_dumps(object, JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);
    json_decref(object);
    if (!text)
        return NULL;
    length = strlen(text);
    line = realloc(text, length + 2);
    if (!line) {
        free(text);
        return NULL;
    }
    line[length] = '\n';
    line[length + 1] = '\0';
    return line;
}

int
mh_lease_record_parse(const char *text, size_t length, const char *uuid, const char *what,
                      struct mh_lease_record *record, struct mh_error *err)
{
    json_t *value;
    int ret;

    mh_lease_record_init(record, uuid);
    if (length > MH_LEASE_RECORD_MAX_BYTES) {
        mh_error_set(err, "%s: larger than %d bytes", what, MH_LEASE_RECORD_MAX_BYTES);
        return -1;
    }
    value = mh_json_parse(text, length, MH_LEASE_RECORD_MAX_DEPTH, what, err);
    if (!value)
        return -1;
    ret = mh_lease_record_from_json(value, uuid, record, err);
    json_decref(value);
    if (ret < 0) {
        mh_error_prefix(err, "%s", what);
        mh_lease_record_init(record, uuid);
    }
    return ret;
}

int
mh_lease_record_from_json(json_t *value, const char *uuid, struct mh_lease_record *record,
                          struct mh_error *err)
{
    json_t *member;

    mh_lease_record_init(record, uuid);
    if (!json_is_object(value)) {
        mh_error_set(err, "a lease record must be a JSON object");
        return -1;
    }
    member = json_object_get(value, "version");
    if (!json_is_integer(member)) {
        mh_error_set(err, "\"version\" must be an integer");
        return -1;
    }
    if (json_integer_value(member) != MH_LEASE_RECORD_VERSION) {
        mh_error_set(err, "record version %lld is not supported (this is version %d; was it "
                     "written by a newer migrate-hooks?)", (long long)json_integer_value(member),
                     MH_LEASE_RECORD_VERSION);
        return -1;
    }
    if (read_string(value, "uuid", true, record->uuid, sizeof(record->uuid),
                    mh_lease_uuid_is_valid, "a UUID", err) < 0)
        return -1;
    if (uuid && strcasecmp(uuid, record->uuid) != 0) {
        mh_error_set(err, "record is for guest %s, not %s", record->uuid, uuid);
        return -1;
    }
    if (read_string(value, "name", false, record->name, sizeof(record->name), is_printable,
                    "a guest name without control characters", err) < 0)
        return -1;
    member = json_object_get(value, "generation");
    if (!json_is_integer(member) || json_integer_value(member) < 0 ||
        json_integer_value(member) > MAX_GENERATION) {
        mh_error_set(err, "\"generation\" must be an integer from 0 to 2^53");
        return -1;
    }
    record->generation = (long long)json_integer_value(member);
    member = json_object_get(value, "owner");
    if (member && !json_is_null(member) &&
        read_string(value, "owner", true, record->owner, sizeof(record->owner), is_host,
                    "a host id", err) < 0)
        return -1;
    if (record->owner[0] && read_time(value, "since", false, &record->since, err) < 0)
        return -1;
    member = json_object_get(value, "pending");
    if (member && !json_is_null(member) && read_pending(member, &record->pending, err) < 0)
        return -1;
    if (read_time(value, "updated", false, &record->updated, err) < 0 ||
        read_string(value, "updated_by", false, record->updated_by, sizeof(record->updated_by),
                    is_host, "a host id", err) < 0 ||
        read_string(value, "change", false, record->change, sizeof(record->change), is_change,
                    "an operation name", err) < 0)
        return -1;
    record->exists = true;
    return 0;
}

json_t *
mh_lease_token_to_json(const struct mh_lease_record *record)
{
    if (!record->owner[0])
        return json_null();
    return json_pack("{s:s, s:I}", "owner", record->owner, "generation",
                     (json_int_t)record->generation);
}

int
mh_lease_token_read(json_t *cookie, struct mh_lease_token *token, struct mh_error *err)
{
    json_t *section = cookie ? json_object_get(cookie, "lease") : NULL;
    json_t *generation;

    memset(token, 0, sizeof(*token));
    if (!section || json_is_null(section))
        return 0;
    if (!json_is_object(section)) {
        mh_error_set(err, "cookie: \"lease\" must be an object");
        return -1;
    }
    if (read_string(section, "owner", true, token->owner, sizeof(token->owner), is_host,
                    "a host id", err) < 0) {
        mh_error_prefix(err, "cookie: \"lease\"");
        return -1;
    }
    generation = json_object_get(section, "generation");
    if (!json_is_integer(generation) || json_integer_value(generation) < 0 ||
        json_integer_value(generation) > MAX_GENERATION) {
        mh_error_set(err, "cookie: \"lease\": \"generation\" must be an integer from 0 to 2^53");
        return -1;
    }
    token->generation = (long long)json_integer_value(generation);
    token->present = true;
    return 0;
}

void
mh_lease_time_format(time_t when, char out[32])
{
    if (when <= 0)
        mh_string_copy(out, 32, "-");
    else
        mh_time_format(when, out);
}


/* Copy a string member into out; valid() decides what may be in it. */
static int
read_string(json_t *object, const char *key, bool required, char *out, size_t size,
            bool (*valid)(const char *), const char *what, struct mh_error *err)
{
    json_t *member = json_object_get(object, key);
    const char *text;

    if (!member) {
        if (!required)
            return 0;
        mh_error_set(err, "\"%s\" is missing", key);
        return -1;
    }
    text = json_string_value(member);
    if (!text || strlen(text) != json_string_length(member) || strlen(text) >= size ||
        (*text && !valid(text)) || (required && !*text)) {
        mh_error_set(err, "\"%s\" must be %s", key, what);
        return -1;
    }
    mh_string_copy(out, size, text);
    return 0;
}

static int
read_time(json_t *object, const char *key, bool required, time_t *out, struct mh_error *err)
{
    json_t *member = json_object_get(object, key);

    *out = 0;
    if (!member || json_is_null(member)) {
        if (!required)
            return 0;
        mh_error_set(err, "\"%s\" is missing", key);
        return -1;
    }
    if (!json_is_string(member) || mh_time_parse_stored(json_string_value(member), out) < 0 ||
        *out <= 0) {
        mh_error_set(err, "\"%s\" must be a time such as 2026-11-23T10:00:00.000Z", key);
        return -1;
    }
    return 0;
}

static int
read_pending(json_t *value, struct mh_lease_pending *pending, struct mh_error *err)
{
    json_t *confirmed;

    if (!json_is_object(value)) {
        mh_error_set(err, "\"pending\" must be an object or null");
        return -1;
    }
    if (read_string(value, "host", true, pending->host, sizeof(pending->host), is_host,
                    "a host id", err) < 0 ||
        read_string(value, "migration_id", false, pending->migration_id,
                    sizeof(pending->migration_id), mh_lease_migration_id_is_valid,
                    "a migration id (1-63 of A-Z, a-z, 0-9 and '-') or \"\"", err) < 0 ||
        read_time(value, "expires", true, &pending->expires, err) < 0) {
        mh_error_prefix(err, "\"pending\"");
        memset(pending, 0, sizeof(*pending));
        return -1;
    }
    confirmed = json_object_get(value, "confirmed");
    if (confirmed && !json_is_boolean(confirmed)) {
        mh_error_set(err, "\"pending\": \"confirmed\" must be true or false");
        memset(pending, 0, sizeof(*pending));
        return -1;
    }
    pending->confirmed = json_is_true(confirmed);
    return 0;
}

static bool
is_host(const char *text)
{
    return mh_string_is_identifier(text);
}

/* Names are printed on terminals: no escape sequences. */
static bool
is_printable(const char *text)
{
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            return false;
    }
    return true;
}

static bool
is_change(const char *text)
{
    return strspn(text, "abcdefghijklmnopqrstuvwxyz-") == strlen(text);
}

static json_t *
time_or_null(time_t when)
{
    char text[32];

    if (when <= 0)
        return json_null();
    mh_time_format(when, text);
    return json_string(text);
}
