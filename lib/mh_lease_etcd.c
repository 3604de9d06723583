/* mh_lease_etcd.c - the "etcd" lease backend: records in etcd v3, owner
 * keys that die with their host.
 *
 * PREFIX guests/UUID   the record (JSON, as the dir backend stores it)
 * PREFIX owners/UUID   the owner's host id, attached to the owner's etcd
 *                      lease: when a host stops refreshing it (dead,
 *                      partitioned) for ttl_s, etcd deletes its owner keys
 *                      and the guests are nobody's
 * PREFIX hosts/HOST    this host's etcd lease id, attached to that lease;
 *                      lets a source hand a guest over to the destination's
 *                      lease, and tells whether a host is alive
 *
 * A record and its owner key change together in one transaction that
 * compares both keys' mod_revision with what was read: a concurrent change
 * makes it fail, and mh_lease_run reads again.
 *
 * A hook call costs two round trips: one transaction reads the record, the
 * owner key and hosts/HOST at one revision, one writes. This host's lease
 * is refreshed by mh_lease_store_keepalive() (mh-agent, mh-lease
 * keepalive), and by a hook call's read when it is due: when the refresh
 * file (conf refresh_file, written after each refresh) does not show a
 * refresh of the very lease hosts/HOST names within the last third of its
 * TTL. A lease is never left with less than two thirds of its TTL by a
 * call that skipped it; an unreadable, foreign or future refresh file only
 * means a refresh. */
#include "mh_error.h"
#include "mh_etcd.h"
#include "mh_file.h"
#include "mh_json.h"
#include "mh_lease_conf.h"
#include "mh_lease_record.h"
#include "mh_lease_store.h"
#include "mh_string.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Enough for every guest of a large cluster; more is refused, not cut. */
#define MAX_LIST 10000
#define LIST_REPLY_CAP (64 * 1024 * 1024)
#define RECORD_REPLY_CAP (4 * MH_LEASE_RECORD_MAX_BYTES)
#define MAX_KEY 512

struct etcd_state {
    struct mh_etcd etcd;
    long long host_lease;               /* this host's etcd lease, once settled */
    bool loaded;
    char held[MH_UUID_LENGTH + 1];      /* guest read by load */
    long long record_revision;          /* mod_revision of guests/UUID as read, 0 absent */
    long long owner_revision;           /* of owners/UUID */
    bool guessed;                       /* held from the cache, not read */
    char *record_value;                 /* guests/UUID as held, NULL absent */
    size_t record_length;
    char owner_value[MH_LEASE_HOST_SIZE]; /* owners/UUID as held, "" absent */
    bool unnoted;                       /* held as read from etcd, not yet in the cache */
    bool foreign;                       /* held: another host owns it, no pending for us */
    json_t *reread;                     /* a failed save's reads, for the next load */
    char reread_uuid[MH_UUID_LENGTH + 1];
};

static int etcd_open(struct mh_lease_store *store, struct mh_error *err);
static int etcd_load(struct mh_lease_store *store, const char *uuid,
                     struct mh_lease_record *record, bool *corrupt, struct mh_error *err);
static int etcd_save(struct mh_lease_store *store, const struct mh_lease_record *record,
                     bool *conflict, struct mh_error *err);
static void etcd_unlock(struct mh_lease_store *store);
static int etcd_list(struct mh_lease_store *store, mh_lease_visit visit, void *data,
                     struct mh_error *err);
static int etcd_keepalive(struct mh_lease_store *store, struct mh_error *err);
static void etcd_close(struct mh_lease_store *store);
static int read_keys(struct mh_lease_store *store, const char *uuid, json_t **responses,
                     struct mh_error *err);
static int take_keys(struct mh_lease_store *store, const char *uuid, json_t *responses,
                     struct mh_lease_record *record, bool *corrupt, struct mh_error *err);
static json_t *keys_ops(const struct mh_lease_store *store, const char *uuid,
                        struct mh_error *err);
static bool guess(struct mh_lease_store *store, const char *uuid,
                  struct mh_lease_record *record);
static bool has_stake(const struct mh_lease_store *store, const struct mh_lease_record *record);
static void forget(const struct mh_lease_store *store, const char *uuid);
static void prune_cache(const struct mh_lease_store *store, long long since_ms);
static void remember(const struct mh_lease_store *store, const char *uuid, const char *record,
                     size_t length, const char *owner);
static int hold(struct etcd_state *state, const char *uuid, const struct mh_etcd_kv *record_kv,
                const struct mh_etcd_kv *owner_kv);
static int settle_host_lease(struct mh_lease_store *store, long long lease,
                             long long revision, bool force, struct mh_error *err);
static bool refreshed_lately(const struct mh_lease_store *store, long long lease);
static void note_refresh(const struct mh_lease_store *store, long long lease, long ttl_s,
                         long long when_ms);
static long long now_ms(void);
static void named_lease(const struct mh_etcd_range *range, long long *lease,
                        long long *revision);
static int host_lease_of(struct mh_lease_store *store, const char *host, long long *lease,
                         long long *revision, struct mh_error *err);
static int adopt_owner_keys(struct mh_lease_store *store, struct mh_error *err);
static int reclaim_expired(struct mh_lease_store *store, struct mh_error *err);
static int collect_expired(const struct mh_lease_record *record, bool readable,
                           const char *problem, void *data);
static int combine(const char *uuid, const struct mh_etcd_kv *record_kv,
                   const struct mh_etcd_kv *owner_kv, struct mh_lease_record *record,
                   struct mh_error *err);
static int key(const struct mh_lease_store *store, const char *kind, const char *name,
               char out[MAX_KEY]);
static int append(json_t *array, json_t *item, struct mh_error *err);
static json_t *range_op(const char *key, bool prefix, struct mh_error *err);

const struct mh_lease_backend mh_lease_etcd_backend = {
    .name = "etcd",
    .open = etcd_open,
    .load = etcd_load,
    .save = etcd_save,
    .unlock = etcd_unlock,
    .list = etcd_list,
    .keepalive = etcd_keepalive,
    .close = etcd_close,
};

static int
etcd_open(struct mh_lease_store *store, struct mh_error *err)
{
    struct etcd_state *state = calloc(1, sizeof(*state));

    if (!state) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    store->state = state;
    /* Nothing is asked of etcd yet: the first read settles this host's
     * lease in the same round trip. */
    return mh_etcd_open(&state->etcd, &store->conf->etcd, err);
}

static int
etcd_load(struct mh_lease_store *store, const char *uuid, struct mh_lease_record *record,
          bool *corrupt, struct mh_error *err)
{
    struct etcd_state *state = store->state;
    json_t *responses = NULL;
    int ret;

    etcd_unlock(store);
    /* The save that just failed read the keys as they are now. */
    if (state->reread && strcmp(state->reread_uuid, uuid) == 0) {
        responses = state->reread;
        state->reread = NULL;
    } else {
        json_decref(state->reread);
        state->reread = NULL;
        if (store->may_guess && guess(store, uuid, record))
            return 0;
        if (read_keys(store, uuid, &responses, err) < 0)
            return -1;
    }
    ret = take_keys(store, uuid, responses, record, corrupt, err);
    json_decref(responses);
    return ret;
}

/* guests/UUID, owners/UUID and hosts/HOST from one revision: a txn without
 * compares always succeeds. hosts/HOST comes along to settle this host's
 * lease without another round trip. */
static int
read_keys(struct mh_lease_store *store, const char *uuid, json_t **responses,
          struct mh_error *err)
{
    struct etcd_state *state = store->state;
    json_t *success = keys_ops(store, uuid, err);
    bool succeeded;

    if (!success)
        return -1;
    return mh_etcd_txn(&state->etcd, json_array(), success, RECORD_REPLY_CAP, &succeeded,
                       responses, err);
}

/* The three range operations of read_keys. */
static json_t *
keys_ops(const struct mh_lease_store *store, const char *uuid, struct mh_error *err)
{
    char record_key[MAX_KEY], owner_key[MAX_KEY], host_key[MAX_KEY];
    json_t *ops = json_array();

    if (!ops || key(store, "guests/", uuid, record_key) < 0 ||
        key(store, "owners/", uuid, owner_key) < 0 ||
        key(store, "hosts/", store->host, host_key) < 0) {
        mh_error_set(err, "etcd: key too long");
        json_decref(ops);
        return NULL;
    }
    if (append(ops, range_op(record_key, false, err), err) < 0 ||
        append(ops, range_op(owner_key, false, err), err) < 0 ||
        append(ops, range_op(host_key, false, err), err) < 0) {
        json_decref(ops);
        return NULL;
    }
    return ops;
}

/* Hold what read_keys' responses say, settle this host's lease from them
 * and make the record. */
static int
take_keys(struct mh_lease_store *store, const char *uuid, json_t *responses,
          struct mh_lease_record *record, bool *corrupt, struct mh_error *err)
{
    struct etcd_state *state = store->state;
    struct mh_etcd_range records = { 0 }, owners = { 0 }, hosts = { 0 };
    const struct mh_etcd_kv *record_kv, *owner_kv;
    json_t *range;
    long long lease, revision;
    int ret = -1;

    if (!(range = mh_etcd_txn_range(responses, 0, err)) ||
        mh_etcd_range_parse(range, MH_LEASE_RECORD_MAX_BYTES, &records, err) < 0 ||
        !(range = mh_etcd_txn_range(responses, 1, err)) ||
        mh_etcd_range_parse(range, MH_LEASE_RECORD_MAX_BYTES, &owners, err) < 0 ||
        !(range = mh_etcd_txn_range(responses, 2, err)) ||
        mh_etcd_range_parse(range, 64, &hosts, err) < 0)
        goto cleanup;
    if (records.count > 1 || owners.count > 1 || hosts.count > 1) {
        mh_error_set(err, "etcd: more than one key-value for one key");
        goto cleanup;
    }
    named_lease(&hosts, &lease, &revision);
    if (settle_host_lease(store, lease, revision, false, err) < 0)
        goto cleanup;
    record_kv = records.count ? &records.kvs[0] : NULL;
    owner_kv = owners.count ? &owners.kvs[0] : NULL;
    if (hold(state, uuid, record_kv, owner_kv) < 0) {
        mh_error_set(err, "out of memory");
        goto cleanup;
    }
    state->record_revision = record_kv ? record_kv->mod_revision : 0;
    state->owner_revision = owner_kv ? owner_kv->mod_revision : 0;
    if (combine(uuid, record_kv, owner_kv, record, err) < 0) {
        char record_key[MAX_KEY];

        key(store, "guests/", uuid, record_key);
        *corrupt = true;
        mh_error_prefix(err, "etcd key %s: unreadable lease record (inspect it, then replace "
                        "it with mh-lease break %s)", record_key, uuid);
        goto cleanup;
    }
    /* noted in the cache at unlock, unless a save replaces them first */
    state->unnoted = true;
    state->foreign = !has_stake(store, record);
    ret = 0;

cleanup:
    mh_etcd_range_free(&records);
    mh_etcd_range_free(&owners);
    mh_etcd_range_free(&hosts);
    return ret;
}

/* Hold uuid with these values of its keys (either may be NULL: absent). */
static int
hold(struct etcd_state *state, const char *uuid, const struct mh_etcd_kv *record_kv,
     const struct mh_etcd_kv *owner_kv)
{
    free(state->record_value);
    state->record_value = NULL;
    state->record_length = 0;
    state->owner_value[0] = '\0';
    if (record_kv) {
        state->record_value = malloc(record_kv->value_length + 1);
        if (!state->record_value)
            return -1;
        memcpy(state->record_value, record_kv->value, record_kv->value_length);
        state->record_value[record_kv->value_length] = '\0';
        state->record_length = record_kv->value_length;
    }
    /* combine() refuses an owner value that is not a host id */
    if (owner_kv && owner_kv->value_length < sizeof(state->owner_value))
        memcpy(state->owner_value, owner_kv->value, owner_kv->value_length + 1);
    state->loaded = true;
    mh_string_copy(state->held, sizeof(state->held), uuid);
    return 0;
}

static int
etcd_save(struct mh_lease_store *store, const struct mh_lease_record *record, bool *conflict,
          struct mh_error *err)
{
    struct etcd_state *state = store->state;
    char record_key[MAX_KEY], owner_key[MAX_KEY], host_key[MAX_KEY];
    json_t *compare = json_array();
    json_t *success = json_array();
    json_t *failure, *responses = NULL;
    char *text = NULL;
    bool succeeded;
    int ret = -1;

    *conflict = false;
    if (!compare || !success) {
        mh_error_set(err, "out of memory");
        goto cleanup;
    }
    if (!state->loaded || strcmp(state->held, record->uuid) != 0 || !state->host_lease) {
        mh_error_set(err, "internal error: saving the lease of %s without reading it first",
                     record->uuid);
        goto cleanup;
    }
    key(store, "guests/", record->uuid, record_key);
    key(store, "owners/", record->uuid, owner_key);
    text = mh_lease_record_format(record);
    if (!text) {
        mh_error_set(err, "out of memory");
        goto cleanup;
    }
    if (state->guessed) {
        char lease[32];

        /* What was guessed must be what is there, value for value (a
         * cache that lies changes nothing), and this host's lease still
         * the one hosts/HOST names. A key that is absent has revision 0. */
        snprintf(lease, sizeof(lease), "%lld", state->host_lease);
        key(store, "hosts/", store->host, host_key);
        if (append(compare,
                   state->record_value
                       ? mh_etcd_compare_value(record_key, state->record_value,
                                               state->record_length, err)
                       : mh_etcd_compare_mod_revision(record_key, 0, err), err) < 0 ||
            append(compare,
                   state->owner_value[0]
                       ? mh_etcd_compare_value(owner_key, state->owner_value,
                                               strlen(state->owner_value), err)
                       : mh_etcd_compare_mod_revision(owner_key, 0, err), err) < 0 ||
            append(compare, mh_etcd_compare_value(host_key, lease, strlen(lease), err), err) < 0)
            goto cleanup;
    } else if (append(compare, mh_etcd_compare_mod_revision(record_key, state->record_revision,
                                                            err), err) < 0 ||
               append(compare, mh_etcd_compare_mod_revision(owner_key, state->owner_revision,
                                                            err), err) < 0) {
        goto cleanup;
    }
    if (append(success, mh_etcd_request_put(record_key, text, strlen(text), 0, err), err) < 0)
        goto cleanup;
    if (!record->owner[0]) {
        if (append(success, mh_etcd_request_delete(owner_key, err), err) < 0)
            goto cleanup;
    } else {
        long long lease = state->host_lease;

        if (strcmp(record->owner, store->host) != 0) {
            /* A hand-over: the owner key hangs on the new owner's lease,
             * which must still be the one we saw when the txn applies. */
            long long revision;

            if (host_lease_of(store, record->owner, &lease, &revision, err) < 0)
                goto cleanup;
            if (!lease) {
                mh_error_set(err, "cannot give guest %s to host %s: %s has no live etcd lease "
                             "(is it down, or not running mh-agent / mh-lease keepalive?)",
                             record->name[0] ? record->name : record->uuid, record->owner,
                             record->owner);
                goto cleanup;
            }
            key(store, "hosts/", record->owner, host_key);
            if (append(compare, mh_etcd_compare_mod_revision(host_key, revision, err), err) < 0)
                goto cleanup;
        }
        if (append(success, mh_etcd_request_put(owner_key, record->owner,
                                                strlen(record->owner), lease, err), err) < 0)
            goto cleanup;
    }
    /* When a compare fails, the keys are read in the same round trip: the
     * next load takes them from here. */
    failure = keys_ops(store, record->uuid, err);
    if (!failure)
        goto cleanup;
    if (mh_etcd_txn_else(&state->etcd, compare, success, failure, RECORD_REPLY_CAP, &succeeded,
                         &responses, err) < 0) {
        compare = success = NULL;
        goto cleanup;
    }
    compare = success = NULL;
    *conflict = !succeeded;
    state->unnoted = false;
    if (succeeded && has_stake(store, record)) {
        remember(store, record->uuid, text, strlen(text), record->owner);
    } else if (succeeded) {
        forget(store, record->uuid);
    } else {
        state->reread = responses;
        responses = NULL;
        mh_string_copy(state->reread_uuid, sizeof(state->reread_uuid), record->uuid);
    }
    ret = 0;

cleanup:
    json_decref(compare);
    json_decref(success);
    json_decref(responses);
    free(text);
    return ret;
}

static void
etcd_unlock(struct mh_lease_store *store)
{
    struct etcd_state *state = store->state;

    if (state) {
        if (state->loaded && state->unnoted && state->foreign)
            forget(store, state->held);
        else if (state->loaded && state->unnoted)
            remember(store, state->held, state->record_value, state->record_length,
                     state->owner_value);
        state->loaded = state->guessed = state->unnoted = state->foreign = false;
        state->held[0] = '\0';
    }
}

static int
etcd_list(struct mh_lease_store *store, mh_lease_visit visit, void *data, struct mh_error *err)
{
    struct etcd_state *state = store->state;
    struct mh_etcd_range records = { 0 }, owners = { 0 };
    char guests_prefix[MAX_KEY], owners_prefix[MAX_KEY];
    json_t *success = json_array();
    json_t *responses = NULL;
    json_t *range;
    bool succeeded;
    size_t prefix_length, o = 0;
    int ret = -1;

    if (!success || key(store, "guests/", "", guests_prefix) < 0 ||
        key(store, "owners/", "", owners_prefix) < 0) {
        mh_error_set(err, "out of memory");
        json_decref(success);
        return -1;
    }
    if (append(success, range_op(guests_prefix, true, err), err) < 0 ||
        append(success, range_op(owners_prefix, true, err), err) < 0) {
        json_decref(success);
        return -1;
    }
    if (mh_etcd_txn(&state->etcd, json_array(), success, LIST_REPLY_CAP, &succeeded, &responses,
                    err) < 0)
        return -1;
    if (!(range = mh_etcd_txn_range(responses, 0, err)) ||
        mh_etcd_range_parse(range, MH_LEASE_RECORD_MAX_BYTES, &records, err) < 0 ||
        !(range = mh_etcd_txn_range(responses, 1, err)) ||
        mh_etcd_range_parse(range, MH_LEASE_RECORD_MAX_BYTES, &owners, err) < 0)
        goto cleanup;
    if (records.more || owners.more || records.count > MAX_LIST || owners.count > MAX_LIST) {
        mh_error_set(err, "etcd: more than %d lease records under %s", MAX_LIST, guests_prefix);
        goto cleanup;
    }
    /* Both lists come sorted by key, so by UUID: merge them. */
    prefix_length = strlen(guests_prefix);
    for (size_t r = 0; r < records.count || o < owners.count;) {
        const struct mh_etcd_kv *record_kv = r < records.count ? &records.kvs[r] : NULL;
        const struct mh_etcd_kv *owner_kv = o < owners.count ? &owners.kvs[o] : NULL;
        const char *record_uuid = record_kv ? record_kv->key + prefix_length : NULL;
        const char *owner_uuid = owner_kv ? owner_kv->key + strlen(owners_prefix) : NULL;
        struct mh_lease_record record;
        struct mh_error problem = { { 0 } };
        const char *uuid;
        int order = !record_uuid ? 1 : !owner_uuid ? -1 : strcmp(record_uuid, owner_uuid);
        int stop;

        if (order < 0)
            owner_kv = NULL;
        else if (order > 0)
            record_kv = NULL;
        uuid = record_kv ? record_uuid : owner_uuid;
        r += record_kv != NULL;
        o += owner_kv != NULL;
        if (!mh_lease_uuid_is_valid(uuid)) {
            mh_lease_record_init(&record, NULL);
            mh_string_copy(record.name, sizeof(record.name), "?");
            stop = visit(&record, false, "etcd key does not end in a guest UUID", data);
        } else if (combine(uuid, record_kv, owner_kv, &record, &problem) < 0) {
            stop = visit(&record, false, problem.message, data);
        } else {
            stop = visit(&record, true, NULL, data);
        }
        if (stop)
            break;
    }
    ret = 0;

cleanup:
    mh_etcd_range_free(&records);
    mh_etcd_range_free(&owners);
    json_decref(responses);
    return ret;
}

static int
etcd_keepalive(struct mh_lease_store *store, struct mh_error *err)
{
    long long lease, revision;
    int adopted, reclaimed;

    if (host_lease_of(store, store->host, &lease, &revision, err) < 0 ||
        settle_host_lease(store, lease, revision, true, err) < 0)
        return -1;
    adopted = adopt_owner_keys(store, err);
    if (adopted < 0)
        return -1;
    reclaimed = reclaim_expired(store, err);
    if (reclaimed < 0)
        return -1;
    return adopted + reclaimed;
}

static void
etcd_close(struct mh_lease_store *store)
{
    struct etcd_state *state = store->state;

    if (!state)
        return;
    etcd_unlock(store);
    mh_etcd_close(&state->etcd);
    json_decref(state->reread);
    free(state->record_value);
    free(state);
    store->state = NULL;
}

/* Make sure hosts/HOST names a live etcd lease of ours with time left.
 * lease and revision are what hosts/HOST held when last read (lease 0: no
 * live lease). It is refreshed when force, or when this process has not
 * settled it yet and the refresh file shows no refresh of it within the
 * last third of its TTL; when it expired, a new one is granted and the key
 * claimed (compared on its revision, so two hook calls at once end up with
 * one lease). */
static int
settle_host_lease(struct mh_lease_store *store, long long lease, long long revision,
                  bool force, struct mh_error *err)
{
    struct etcd_state *state = store->state;
    char host_key[MAX_KEY], value[32];

    if (key(store, "hosts/", store->host, host_key) < 0) {
        mh_error_set(err, "etcd: key too long");
        return -1;
    }
    for (int attempt = 0; attempt < 4; attempt++) {
        json_t *compare, *success, *responses = NULL;
        long long granted = 0, started;
        bool succeeded = false;
        long ttl = 0;

        if (attempt > 0 && host_lease_of(store, store->host, &lease, &revision, err) < 0)
            return -1;
        if (lease && !force && (lease == state->host_lease || refreshed_lately(store, lease))) {
            state->host_lease = lease;
            return 0;
        }
        started = now_ms();
        if (lease) {
            if (mh_etcd_lease_keepalive(&state->etcd, lease, &ttl, err) < 0)
                return -1;
            if (ttl > 0) {
                state->host_lease = lease;
                note_refresh(store, lease, ttl, started);
                return 0;
            }
        }
        if (mh_etcd_lease_grant(&state->etcd, store->conf->etcd.ttl_s, &granted, err) < 0)
            return -1;
        snprintf(value, sizeof(value), "%lld", granted);
        compare = json_array();
        success = json_array();
        if (append(compare, mh_etcd_compare_mod_revision(host_key, revision, err), err) < 0 ||
            append(success, mh_etcd_request_put(host_key, value, strlen(value), granted, err),
                   err) < 0) {
            json_decref(compare);
            json_decref(success);
            mh_etcd_lease_revoke(&state->etcd, granted, NULL);
            return -1;
        }
        /* The txn takes compare and success, whatever happens. */
        if (mh_etcd_txn(&state->etcd, compare, success, RECORD_REPLY_CAP, &succeeded,
                        &responses, err) < 0) {
            mh_etcd_lease_revoke(&state->etcd, granted, NULL);
            return -1;
        }
        json_decref(responses);
        if (succeeded) {
            state->host_lease = granted;
            /* etcd rounds a TTL up, never down: the configured one is safe. */
            note_refresh(store, granted, store->conf->etcd.ttl_s, started);
            prune_cache(store, started);
            return 0;
        }
        /* Another call of ours was quicker: use its lease. */
        mh_etcd_lease_revoke(&state->etcd, granted, NULL);
    }
    mh_error_set(err, "etcd: could not settle this host's lease (%s): too many concurrent "
                 "changes", host_key);
    return -1;
}

/* The cache file of uuid: cache_dir/UUID.json (false when there is none). */
static bool
cache_path(const struct mh_lease_store *store, const char *uuid, char path[PATH_MAX])
{
    const char *dir = store->conf->etcd.cache_dir;

    return dir && snprintf(path, PATH_MAX, "%s/%s.json", dir, uuid) < PATH_MAX;
}

/* Hold uuid as the cache last saw it, if the cache is this host's, for
 * this prefix and guest, readable and consistent, and names the lease
 * hosts/HOST named then, refreshed lately. Then the record is a guess
 * (store->guessed): a save compares every value it was made from. */
static bool
guess(struct mh_lease_store *store, const char *uuid, struct mh_lease_record *record)
{
    struct etcd_state *state = store->state;
    struct mh_etcd_kv record_kv = { 0 }, owner_kv = { 0 };
    char path[PATH_MAX];
    char *text = NULL;
    size_t length;
    json_t *cache = NULL, *stored, *owner;
    const char *host, *prefix, *of;
    json_int_t lease;
    bool guessed = false;

    if (!cache_path(store, uuid, path) ||
        mh_file_read_trusted(path, 4 * MH_LEASE_RECORD_MAX_BYTES, &text, &length, NULL) < 0)
        return false;
    cache = mh_json_parse(text, length, 2, path, NULL);
    if (!cache ||
        json_unpack(cache, "{s:s, s:s, s:s, s:o, s:o, s:I}", "host", &host, "prefix", &prefix,
                    "uuid", &of, "record", &stored, "owner", &owner, "lease", &lease) < 0 ||
        strcmp(host, store->host) != 0 || strcmp(prefix, store->conf->etcd.prefix) != 0 ||
        strcmp(of, uuid) != 0 || (!json_is_string(stored) && !json_is_null(stored)) ||
        (!json_is_string(owner) && !json_is_null(owner)) || lease <= 0 ||
        !refreshed_lately(store, lease))
        goto cleanup;
    if (json_is_string(stored)) {
        record_kv.value = (char *)json_string_value(stored);
        record_kv.value_length = json_string_length(stored);
    }
    if (json_is_string(owner)) {
        owner_kv.value = (char *)json_string_value(owner);
        owner_kv.value_length = json_string_length(owner);
    }
    if (combine(uuid, record_kv.value ? &record_kv : NULL, owner_kv.value ? &owner_kv : NULL,
                record, NULL) < 0 ||
        hold(state, uuid, record_kv.value ? &record_kv : NULL,
             owner_kv.value ? &owner_kv : NULL) < 0) {
        mh_lease_record_init(record, uuid);
        etcd_unlock(store);
        goto cleanup;
    }
    state->host_lease = lease;
    state->guessed = store->guessed = guessed = true;

cleanup:
    json_decref(cache);
    free(text);
    return guessed;
}

/* Whether this host may be the next to change record's keys: it owns the
 * guest, nobody does, or the pending reservation is ours. A guest another
 * host owns is changed by that host next, which makes what we saw stale:
 * caching it would only turn our next change into a failed write. */
static bool
has_stake(const struct mh_lease_store *store, const struct mh_lease_record *record)
{
    return !record->owner[0] || strcmp(record->owner, store->host) == 0 ||
           strcmp(record->pending.host, store->host) == 0;
}

/* Remove uuid's cache file, if any: the guest has gone to another host. */
static void
forget(const struct mh_lease_store *store, const char *uuid)
{
    char path[PATH_MAX];

    if (cache_path(store, uuid, path))
        unlink(path);
}

/* This host's etcd lease is new, granted at since_ms: every cache file
 * written before then names an older lease and is of no use any more
 * (guess() wants the current one), so remove it. Files written since (by
 * another call of ours) stay: most name the new lease, and one that does
 * not is only never used. Judged by modification time, not contents: a
 * directory entry and a stat each, however many guests. This keeps the
 * cache to the guests this host handled under its current lease and did
 * not give to another host since. Failures are no error: a file left is
 * only a file that will not be used. */
static void
prune_cache(const struct mh_lease_store *store, long long since_ms)
{
    const char *dir = store->conf->etcd.cache_dir;
    struct dirent *entry;
    DIR *directory;
    int fd;

    if (!dir || (fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) < 0)
        return;
    directory = fdopendir(fd);
    if (!directory) {
        close(fd);
        return;
    }
    while ((entry = readdir(directory))) {
        char uuid[MH_UUID_LENGTH + 1];
        struct stat st;

        if (strlen(entry->d_name) != MH_UUID_LENGTH + 5 ||
            strcmp(entry->d_name + MH_UUID_LENGTH, ".json") != 0)
            continue;
        memcpy(uuid, entry->d_name, MH_UUID_LENGTH);
        uuid[MH_UUID_LENGTH] = '\0';
        if (mh_lease_uuid_is_valid(uuid) &&
            fstatat(fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            (long long)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000 < since_ms)
            unlinkat(fd, entry->d_name, 0);
    }
    closedir(directory);
}

/* Note in uuid's cache what its keys hold now (record and owner values,
 * NULL or "" when absent) and this host's lease. Not flushed: a cache lost
 * in a crash costs a read. A failure is no error for the same reason. */
static void
remember(const struct mh_lease_store *store, const char *uuid, const char *record,
         size_t length, const char *owner)
{
    const struct etcd_state *state = store->state;
    char path[PATH_MAX];
    json_t *cache;
    char *text;

    if (!cache_path(store, uuid, path) || !state->host_lease)
        return;
    if (mkdir(store->conf->etcd.cache_dir, 0700) < 0 && errno != EEXIST)
        return;
    cache = json_pack("{s:s, s:s, s:s, s:o, s:o, s:I}", "host", store->host, "prefix",
                      store->conf->etcd.prefix, "uuid", uuid, "record",
                      record ? json_stringn(record, length) : json_null(), "owner",
                      owner && owner[0] ? json_string(owner) : json_null(), "lease",
                      (json_int_t)state->host_lease);
    text = cache ? json_dumps(cache, JSON_COMPACT) : NULL;
    if (text)
        mh_file_replace(path, text, strlen(text), 0600, NULL);
    free(text);
    json_decref(cache);
}

/* Whether the refresh file shows that this host refreshed lease (of this
 * key prefix) less than a third of its TTL ago. Anything else (no file, an
 * untrusted or unreadable one, another host, prefix or lease, a time in
 * the future: the clock was set back) is no. */
static bool
refreshed_lately(const struct mh_lease_store *store, long long lease)
{
    const char *path = store->conf->etcd.refresh_file;
    char *text = NULL;
    size_t length;
    json_t *note = NULL;
    const char *host, *prefix;
    json_int_t noted, ttl, when;
    long long age;
    bool lately = false;

    if (!path || mh_file_read_trusted(path, 4096, &text, &length, NULL) < 0)
        return false;
    note = mh_json_parse(text, length, 2, path, NULL);
    if (!note || json_unpack(note, "{s:s, s:s, s:I, s:I, s:I}", "host", &host, "prefix", &prefix,
                             "lease", &noted, "ttl_s", &ttl, "refreshed_ms", &when) < 0)
        goto cleanup;
    age = now_ms() - (long long)when;
    lately = strcmp(host, store->host) == 0 && strcmp(prefix, store->conf->etcd.prefix) == 0 &&
             noted == lease && ttl > 0 && ttl <= 1000000000 && age >= 0 && age < ttl * 1000 / 3;

cleanup:
    json_decref(note);
    free(text);
    return lately;
}

/* Write down that lease, of ttl_s, was refreshed at when_ms (the time the
 * request was sent: the TTL runs from no earlier). Written crash-safe; a
 * failure only costs the next calls a refresh, so it is not an error. */
static void
note_refresh(const struct mh_lease_store *store, long long lease, long ttl_s, long long when_ms)
{
    const char *path = store->conf->etcd.refresh_file;
    json_t *note;
    char *text;

    if (!path)
        return;
    note = json_pack("{s:s, s:s, s:I, s:I, s:I}", "host", store->host, "prefix",
                     store->conf->etcd.prefix, "lease", (json_int_t)lease, "ttl_s",
                     (json_int_t)ttl_s, "refreshed_ms", (json_int_t)when_ms);
    text = note ? json_dumps(note, JSON_COMPACT) : NULL;
    if (text)
        mh_file_write_atomic(path, text, strlen(text), 0644, NULL);
    free(text);
    json_decref(note);
}

static long long
now_ms(void)
{
    struct timespec now;

    clock_gettime(CLOCK_REALTIME, &now);
    return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* The lease a read of hosts/HOST names (0 when the key is missing or not
 * attached to the lease it names) and the key's mod_revision. */
static void
named_lease(const struct mh_etcd_range *range, long long *lease, long long *revision)
{
    long named;

    *lease = *revision = 0;
    if (range->count != 1)
        return;
    *revision = range->kvs[0].mod_revision;
    if (mh_string_to_long(range->kvs[0].value, 1, LONG_MAX, &named) == 0 &&
        named == range->kvs[0].lease)
        *lease = named;
}

/* The etcd lease hosts/HOST names (*lease 0 when there is none or it is
 * not attached to the lease it names) and that key's mod_revision. */
static int
host_lease_of(struct mh_lease_store *store, const char *host, long long *lease,
              long long *revision, struct mh_error *err)
{
    struct etcd_state *state = store->state;
    struct mh_etcd_range range = { 0 };
    char host_key[MAX_KEY];
    json_t *request, *reply = NULL;
    int ret = -1;

    *lease = *revision = 0;
    if (key(store, "hosts/", host, host_key) < 0) {
        mh_error_set(err, "etcd: key too long");
        return -1;
    }
    request = mh_etcd_request_range(host_key, false, 0, err);
    if (!request)
        return -1;
    if (mh_etcd_call(&state->etcd, "/v3/kv/range", request, RECORD_REPLY_CAP, &reply, err) < 0 ||
        mh_etcd_range_parse(reply, 64, &range, err) < 0)
        goto cleanup;
    named_lease(&range, lease, revision);
    ret = 0;

cleanup:
    mh_etcd_range_free(&range);
    json_decref(request);
    if (reply)
        json_decref(reply);
    return ret;
}

/* Owner keys of this host that hang on another (older) lease of ours would
 * expire while our guests run: move them onto the current lease. Records
 * that still name us although our owner key expired (we were cut off for
 * longer than the TTL and nobody took the guest since) are claimed back. */
static int
adopt_owner_keys(struct mh_lease_store *store, struct mh_error *err)
{
    struct etcd_state *state = store->state;
    struct mh_etcd_range owners = { 0 };
    char owners_prefix[MAX_KEY];
    json_t *request, *reply = NULL;
    size_t count = 0;
    int ret = -1;

    if (key(store, "owners/", "", owners_prefix) < 0)
        return -1;
    request = mh_etcd_request_range(owners_prefix, true, MAX_LIST + 1, err);
    if (!request)
        return -1;
    if (mh_etcd_call(&state->etcd, "/v3/kv/range", request, LIST_REPLY_CAP, &reply, err) < 0 ||
        mh_etcd_range_parse(reply, MH_LEASE_RECORD_MAX_BYTES, &owners, err) < 0)
        goto cleanup;
    for (size_t i = 0; i < owners.count; i++) {
        const struct mh_etcd_kv *kv = &owners.kvs[i];
        json_t *compare, *success, *responses = NULL;
        bool succeeded;

        if (strcmp(kv->value, store->host) != 0 || kv->lease == state->host_lease)
            continue;
        compare = json_array();
        success = json_array();
        if (append(compare, mh_etcd_compare_mod_revision(kv->key, kv->mod_revision, err),
                   err) < 0 ||
            append(success, mh_etcd_request_put(kv->key, kv->value, kv->value_length,
                                                state->host_lease, err), err) < 0) {
            json_decref(compare);
            json_decref(success);
            goto cleanup;
        }
        if (mh_etcd_txn(&state->etcd, compare, success, RECORD_REPLY_CAP, &succeeded,
                        &responses, err) < 0)
            goto cleanup;
        json_decref(responses);
        count += succeeded;
    }
    ret = 0;

cleanup:
    mh_etcd_range_free(&owners);
    json_decref(request);
    if (reply)
        json_decref(reply);
    return ret < 0 ? -1 : (int)count;
}

struct expired {
    const char *host;
    char (*uuids)[MH_UUID_LENGTH + 1];
    size_t count;
    size_t allocated;
};

/* Records that still name this host as owner although its owner key
 * expired (cut off from etcd for longer than the TTL, and nobody took the
 * guest since): claim them back, compared on revisions like any change.
 * Claiming a guest that meanwhile stopped here only keeps others from
 * starting it until it is started and stopped here, or broken. */
static int
reclaim_expired(struct mh_lease_store *store, struct mh_error *err)
{
    struct expired expired = { store->host, NULL, 0, 0 };
    int count = 0;
    int ret = -1;

    if (etcd_list(store, collect_expired, &expired, err) < 0)
        goto cleanup;
    for (size_t i = 0; i < expired.count; i++) {
        struct mh_lease_record record;
        bool corrupt, conflict;

        if (etcd_load(store, expired.uuids[i], &record, &corrupt, err) < 0)
            goto cleanup;
        if (record.owner[0] || strcmp(record.expired_owner, store->host) != 0) {
            etcd_unlock(store);
            continue;
        }
        mh_string_copy(record.owner, sizeof(record.owner), store->host);
        record.expired_owner[0] = '\0';
        record.since = record.updated = time(NULL);
        record.generation++;
        mh_string_copy(record.updated_by, sizeof(record.updated_by), store->host);
        mh_string_copy(record.change, sizeof(record.change), "reclaim");
        if (etcd_save(store, &record, &conflict, err) < 0)
            goto cleanup;
        etcd_unlock(store);
        count += !conflict;
    }
    ret = count;

cleanup:
    etcd_unlock(store);
    free(expired.uuids);
    return ret;
}

static int
collect_expired(const struct mh_lease_record *record, bool readable, const char *problem,
                void *data)
{
    struct expired *expired = data;

    (void)problem;
    if (!readable || strcmp(record->expired_owner, expired->host) != 0)
        return 0;
    if (expired->count == expired->allocated) {
        size_t want = expired->allocated ? expired->allocated * 2 : 16;
        char(*bigger)[MH_UUID_LENGTH + 1] = realloc(expired->uuids, want * sizeof(*bigger));

        if (!bigger)
            return 1;
        expired->uuids = bigger;
        expired->allocated = want;
    }
    mh_string_copy(expired->uuids[expired->count++], MH_UUID_LENGTH + 1, record->uuid);
    return 0;
}

/* One guest's record from its two keys (either may be missing). The owner
 * key is the truth about the owner; a record naming an owner whose key is
 * gone names a host whose etcd lease expired. */
static int
combine(const char *uuid, const struct mh_etcd_kv *record_kv, const struct mh_etcd_kv *owner_kv,
        struct mh_lease_record *record, struct mh_error *err)
{
    char stored_owner[MH_LEASE_HOST_SIZE] = "";

    mh_lease_record_init(record, uuid);
    if (record_kv) {
        if (mh_lease_record_parse(record_kv->value, record_kv->value_length, uuid, "record",
                                  record, err) < 0)
            return -1;
        mh_string_copy(stored_owner, sizeof(stored_owner), record->owner);
    }
    if (owner_kv) {
        if (owner_kv->value_length >= MH_LEASE_HOST_SIZE ||
            strlen(owner_kv->value) != owner_kv->value_length ||
            !mh_string_is_identifier(owner_kv->value)) {
            mh_error_set(err, "owner key does not hold a host id");
            return -1;
        }
        mh_string_copy(record->owner, sizeof(record->owner), owner_kv->value);
        if (strcmp(stored_owner, record->owner) != 0)
            record->since = 0;
        record->exists = true;
    } else if (stored_owner[0]) {
        mh_string_copy(record->expired_owner, sizeof(record->expired_owner), stored_owner);
        record->owner[0] = '\0';
        record->since = 0;
    }
    return 0;
}

static int
key(const struct mh_lease_store *store, const char *kind, const char *name, char out[MAX_KEY])
{
    return snprintf(out, MAX_KEY, "%s%s%s", store->conf->etcd.prefix, kind, name) < MAX_KEY
               ? 0 : -1;
}

/* Append item (stolen) to array; a NULL item is the error of its maker. */
static int
append(json_t *array, json_t *item, struct mh_error *err)
{
    if (!item)
        return -1;
    if (json_array_append_new(array, item) < 0) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    return 0;
}

/* A txn operation reading key (or every key under it, up to one more than
 * MAX_LIST so that too many shows). */
static json_t *
range_op(const char *key, bool prefix, struct mh_error *err)
{
    return mh_etcd_txn_range_op(mh_etcd_request_range(key, prefix, prefix ? MAX_LIST + 1 : 0,
                                                      err));
}
