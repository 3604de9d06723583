/* mh_lease_store.c - pick the configured lease backend and call through it. */
#include "mh_lease_store.h"
#include "mh_error.h"
#include "mh_lease_conf.h"
#include "mh_lease_record.h"
#include "mh_string.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

struct find {
    const char *name;
    struct mh_lease_record *record;
    size_t matches;
    char uuids[256];
};

static int match_name(const struct mh_lease_record *record, bool readable, const char *problem,
                      void *data);

int
mh_lease_store_open(struct mh_lease_store *store, const struct mh_lease_conf *conf,
                    const char *host, struct mh_error *err)
{
    memset(store, 0, sizeof(*store));
    store->conf = conf;
    store->host = host;
    switch (conf->backend) {
    case MH_LEASE_BACKEND_DIR:
        store->backend = &mh_lease_dir_backend;
        break;
    case MH_LEASE_BACKEND_ETCD:
        store->backend = &mh_lease_etcd_backend;
        break;
    default:
        mh_error_set(err, "unknown lease backend %d", conf->backend);
        return -1;
    }
    if (!mh_string_is_identifier(host)) {
        mh_error_set(err, "host id '%s' cannot name a lease owner", host);
        store->backend = NULL;
        return -1;
    }
    if (store->backend->open(store, err) < 0) {
        mh_error_prefix(err, "lease store (%s)", store->backend->name);
        mh_lease_store_close(store);
        return -1;
    }
    return 0;
}

void
mh_lease_store_close(struct mh_lease_store *store)
{
    if (store->backend)
        store->backend->close(store);
    store->backend = NULL;
    store->state = NULL;
}

int
mh_lease_store_load(struct mh_lease_store *store, const char *uuid,
                    struct mh_lease_record *record, bool *corrupt, struct mh_error *err)
{
    *corrupt = false;
    store->guessed = false;
    mh_lease_record_init(record, uuid);
    if (!mh_lease_uuid_is_valid(uuid)) {
        mh_error_set(err, "'%s' is not a guest UUID", uuid);
        return -1;
    }
    return store->backend->load(store, uuid, record, corrupt, err);
}

int
mh_lease_store_save(struct mh_lease_store *store, const struct mh_lease_record *record,
                    bool *conflict, struct mh_error *err)
{
    *conflict = false;
    return store->backend->save(store, record, conflict, err);
}

void
mh_lease_store_unlock(struct mh_lease_store *store)
{
    store->backend->unlock(store);
}

int
mh_lease_store_list(struct mh_lease_store *store, mh_lease_visit visit, void *data,
                    struct mh_error *err)
{
    return store->backend->list(store, visit, data, err);
}

int
mh_lease_store_keepalive(struct mh_lease_store *store, struct mh_error *err)
{
    return store->backend->keepalive(store, err);
}

int
mh_lease_store_find(struct mh_lease_store *store, const char *name_or_uuid,
                    struct mh_lease_record *record, bool *missing, struct mh_error *err)
{
    struct find find = { name_or_uuid, record, 0, "" };
    bool corrupt;
    int ret;

    *missing = false;
    if (mh_lease_uuid_is_valid(name_or_uuid)) {
        char uuid[MH_UUID_LENGTH + 1];

        /* libvirt prints UUIDs in lower case; accept what was typed. */
        for (size_t i = 0; i <= MH_UUID_LENGTH; i++)
            uuid[i] = (char)(name_or_uuid[i] >= 'A' && name_or_uuid[i] <= 'F'
                                 ? name_or_uuid[i] - 'A' + 'a' : name_or_uuid[i]);
        ret = mh_lease_store_load(store, uuid, record, &corrupt, err);
        mh_lease_store_unlock(store);
        if (ret < 0)
            return -1;
        if (!record->exists) {
            *missing = true;
            mh_error_set(err, "no lease record for guest %s", name_or_uuid);
            return -1;
        }
        return 0;
    }
    if (mh_lease_store_list(store, match_name, &find, err) < 0)
        return -1;
    if (find.matches == 0) {
        *missing = true;
        mh_error_set(err, "no lease record for a guest named '%s'", name_or_uuid);
        return -1;
    }
    if (find.matches > 1) {
        mh_error_set(err, "%zu lease records are for guests named '%s' (%s); use the UUID",
                     find.matches, name_or_uuid, find.uuids);
        return -1;
    }
    return 0;
}

static int
match_name(const struct mh_lease_record *record, bool readable, const char *problem, void *data)
{
    struct find *find = data;

    (void)problem;
    if (!readable || strcmp(record->name, find->name) != 0)
        return 0;
    if (find->matches++ == 0)
        *find->record = *record;
    mh_string_append(find->uuids, sizeof(find->uuids), find->matches > 1 ? ", " : "");
    mh_string_append(find->uuids, sizeof(find->uuids), record->uuid);
    return 0;
}
