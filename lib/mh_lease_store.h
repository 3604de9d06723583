/* mh_lease_store.h - where lease records live: a table of operations per
 * backend ("dir" embedded, "etcd" for clusters) behind one store handle. */
#ifndef MH_LEASE_STORE_H
#define MH_LEASE_STORE_H

#include <stdbool.h>

struct mh_error;
struct mh_lease_conf;
struct mh_lease_record;
struct mh_lease_store;

/* Called for each record by list; a record that could not be read comes
 * with readable false and problem saying why. Non-zero stops the listing. */
typedef int (*mh_lease_visit)(const struct mh_lease_record *record, bool readable,
                              const char *problem, void *data);

struct mh_lease_backend {
    const char *name;
    /* Set up access to the storage (etcd: nothing is asked of it yet). */
    int (*open)(struct mh_lease_store *store, struct mh_error *err);
    /* Read the record of uuid (record->exists false when there is none)
     * and hold what makes the following save atomic: the guest's lock
     * (dir) or what was read (etcd). Content that cannot be read as a
     * record fails with *corrupt set; the hold is kept even then. With
     * store->may_guess a backend may answer from what it last knew instead
     * (etcd: a local cache) and set store->guessed: its save then changes
     * the record only if it still is what was guessed, and a decision to
     * change nothing must be checked by a load that does not guess. */
    int (*load)(struct mh_lease_store *store, const char *uuid, struct mh_lease_record *record,
                bool *corrupt, struct mh_error *err);
    /* Store record in place of what load saw; *conflict when someone else
     * changed it meanwhile (nothing was stored, load again). */
    int (*save)(struct mh_lease_store *store, const struct mh_lease_record *record,
                bool *conflict, struct mh_error *err);
    /* End what load started; safe to call when nothing is held. */
    void (*unlock)(struct mh_lease_store *store);
    int (*list)(struct mh_lease_store *store, mh_lease_visit visit, void *data,
                struct mh_error *err);
    /* Keep this host's ownerships alive (etcd: refresh its lease, move
     * owner keys onto it). Returns how many ownerships it had to repair. */
    int (*keepalive)(struct mh_lease_store *store, struct mh_error *err);
    void (*close)(struct mh_lease_store *store);
};

struct mh_lease_store {
    const struct mh_lease_backend *backend;
    const struct mh_lease_conf *conf;   /* borrowed */
    const char *host;                   /* this host's id, borrowed */
    void *state;                        /* the backend's own */
    bool may_guess;                     /* set by mh_lease_run for its first load */
    bool guessed;                       /* the last load answered from a guess */
};

extern const struct mh_lease_backend mh_lease_dir_backend;
extern const struct mh_lease_backend mh_lease_etcd_backend;

/* Open the backend conf names, acting as host. conf and host must outlive
 * the store. On error the store is closed already. */
int mh_lease_store_open(struct mh_lease_store *store, const struct mh_lease_conf *conf,
                        const char *host, struct mh_error *err);

void mh_lease_store_close(struct mh_lease_store *store);

int mh_lease_store_load(struct mh_lease_store *store, const char *uuid,
                        struct mh_lease_record *record, bool *corrupt, struct mh_error *err);
int mh_lease_store_save(struct mh_lease_store *store, const struct mh_lease_record *record,
                        bool *conflict, struct mh_error *err);
void mh_lease_store_unlock(struct mh_lease_store *store);
int mh_lease_store_list(struct mh_lease_store *store, mh_lease_visit visit, void *data,
                        struct mh_error *err);
int mh_lease_store_keepalive(struct mh_lease_store *store, struct mh_error *err);

/* Read one record, addressed by UUID or by guest name (a name must match
 * exactly one record). Returns 0 with the record, or -1: *missing when no
 * record matches, otherwise an error (unreadable, ambiguous name). */
int mh_lease_store_find(struct mh_lease_store *store, const char *name_or_uuid,
                        struct mh_lease_record *record, bool *missing, struct mh_error *err);

#endif
