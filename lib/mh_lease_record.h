/* mh_lease_record.h - the ownership lease record of one guest, its JSON
 * form (as stored by every backend) and the lease token a cookie carries.
 *
 * Stored form, one JSON object (docs/leases.md):
 *   {"version":1, "uuid":"...", "name":"vm1", "generation":7,
 *    "owner":"hostA" | null, "since":"2026-11-23T10:00:00.000Z" | null,
 *    "pending":{"host":"hostB", "migration_id":"m-1", "confirmed":false,
 *               "expires":"..."} | null,
 *    "updated":"...", "updated_by":"hostA", "change":"acquire"}
 * Unknown keys are ignored (a newer host may add some); known keys are
 * type-checked, and anything else is refused as corrupt. */
#ifndef MH_LEASE_RECORD_H
#define MH_LEASE_RECORD_H

#include "mh_xml.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

struct mh_error;

#define MH_LEASE_RECORD_VERSION 1
#define MH_LEASE_RECORD_MAX_BYTES (64 * 1024)
#define MH_LEASE_RECORD_MAX_DEPTH 4
#define MH_LEASE_HOST_SIZE 65           /* host ids: mh_string_is_identifier */
#define MH_LEASE_MIGRATION_ID_SIZE 64   /* docs/cookie.md: 1-63 of [A-Za-z0-9-] */
#define MH_LEASE_NAME_SIZE 256

/* A reservation of the guest by the destination of a migration. */
struct mh_lease_pending {
    char host[MH_LEASE_HOST_SIZE];      /* "" when there is none */
    char migration_id[MH_LEASE_MIGRATION_ID_SIZE];  /* "" when unknown */
    bool confirmed;                     /* the destination reached prepare begin */
    time_t expires;
};

struct mh_lease_record {
    char uuid[MH_UUID_LENGTH + 1];
    char name[MH_LEASE_NAME_SIZE];      /* the guest's name when last changed */
    long long generation;               /* +1 on every change; 0: never stored */
    char owner[MH_LEASE_HOST_SIZE];     /* "" when nobody owns it */
    time_t since;                       /* when owner took it */
    struct mh_lease_pending pending;
    time_t updated;
    char updated_by[MH_LEASE_HOST_SIZE];
    char change[24];                    /* the operation that made this version */

    /* Not stored, filled by backends when loading: */
    bool exists;                        /* a record was found */
    char expired_owner[MH_LEASE_HOST_SIZE]; /* etcd: owner whose host lease expired */
};

/* What a source cookie says about the lease (docs/cookie.md, "lease"). */
struct mh_lease_token {
    bool present;
    char owner[MH_LEASE_HOST_SIZE];
    long long generation;
};

/* An empty record (nobody owns it, never stored) for uuid. */
void mh_lease_record_init(struct mh_lease_record *record, const char *uuid);

/* True when text is a UUID in libvirt's canonical form (36 characters,
 * lower- or upper-case hex, dashes at 8-4-4-4-12), so it is safe as a file
 * name and an etcd key. */
bool mh_lease_uuid_is_valid(const char *text);

/* True when text is a usable migration id: 1-63 of [A-Za-z0-9-]. */
bool mh_lease_migration_id_is_valid(const char *text);

/* The stored form. New reference. */
json_t *mh_lease_record_to_json(const struct mh_lease_record *record);

/* The stored form as text with a trailing newline; the caller frees it. */
char *mh_lease_record_format(const struct mh_lease_record *record);

/* Parse and check length bytes of stored text; what names the source in
 * errors; when uuid is not NULL the record must be for that guest. On error
 * the message says what is wrong and record is left initialized for uuid. */
int mh_lease_record_parse(const char *text, size_t length, const char *uuid, const char *what,
                          struct mh_lease_record *record, struct mh_error *err);

/* Check a parsed stored form (see mh_lease_record_parse). */
int mh_lease_record_from_json(json_t *value, const char *uuid, struct mh_lease_record *record,
                              struct mh_error *err);

/* The lease token a source stamps into the cookie: {"owner", "generation"}.
 * New reference. */
json_t *mh_lease_token_to_json(const struct mh_lease_record *record);

/* Read the "lease" section of a cookie's content (NULL cookie or no
 * section: token->present is false). A section that is not an object with
 * a host id "owner" and an integer "generation" >= 0 is refused. */
int mh_lease_token_read(json_t *cookie, struct mh_lease_token *token, struct mh_error *err);

/* RFC 3339 UTC as stored ("2026-11-23T10:00:00.000Z"), "-" for 0. */
void mh_lease_time_format(time_t when, char out[32]);

#endif
