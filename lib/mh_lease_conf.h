/* mh_lease_conf.h - the "lease" section of the configuration (docs/leases.md). */
#ifndef MH_LEASE_CONF_H
#define MH_LEASE_CONF_H

#include <jansson.h>
#include <stdbool.h>

struct mh_conf_context;

enum mh_lease_backend_kind {
    MH_LEASE_BACKEND_DIR,       /* one file per guest in a (shared) directory */
    MH_LEASE_BACKEND_ETCD,      /* etcd v3 through its JSON gateway */
};

struct mh_lease_etcd_conf {
    json_t *endpoints;          /* array of URL strings, borrowed from the config */
    const char *prefix;         /* of every key, ends with '/' */
    long ttl_s;                 /* of this host's etcd lease, which owner keys hang on */
    long timeout_ms;            /* per request, also bounded by the hook's deadline */
    const char *ca_file;        /* NULL: the system's CAs */
    const char *cert_file;      /* client certificate, NULL: none */
    const char *key_file;
    /* Not configured: where this host notes when it last refreshed its
     * etcd lease, so that a hook call skips the refresh while the lease has
     * more than two thirds of its TTL left. NULL: refresh on every call. */
    const char *refresh_file;
    /* Not configured either: where this host keeps, per guest, what it
     * last saw of its keys, so that a change can be one write compared on
     * those values instead of a read and a write. NULL: no cache. */
    const char *cache_dir;
};

struct mh_lease_conf {
    bool enabled;
    int backend;                /* enum mh_lease_backend_kind */
    const char *dir;            /* dir backend */
    long lock_timeout_ms;       /* dir backend: longest wait for a guest's lock */
    long pending_expiry_s;      /* a reservation not confirmed by then is void */
    long migration_expiry_s;    /* a confirmed reservation is void after this */
    struct mh_lease_etcd_conf etcd;
};

#define MH_LEASE_DEFAULT_DIR MH_LOCALSTATEDIR "/lib/migrate-hooks/leases"
#define MH_LEASE_DEFAULT_REFRESH_FILE MH_LOCALSTATEDIR "/lib/migrate-hooks/etcd-lease.json"
#define MH_LEASE_DEFAULT_CACHE_DIR MH_LOCALSTATEDIR "/lib/migrate-hooks/etcd-cache"
#define MH_LEASE_DEFAULT_ENDPOINT "http://127.0.0.1:2379"

/* The defaults: disabled, dir backend in MH_LEASE_DEFAULT_DIR. */
void mh_lease_conf_defaults(struct mh_lease_conf *conf);

/* MH_CONF_CUSTOM parser of the "lease" object into the struct mh_lease_conf
 * at target. */
int mh_lease_conf_parse(json_t *value, void *target, struct mh_conf_context *context);

/* Name of a backend kind ("dir", "etcd"). */
const char *mh_lease_backend_name(int kind);

#endif
