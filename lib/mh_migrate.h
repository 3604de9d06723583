/* mh_migrate.h - driving one migration through the libvirt API (mh-migrate):
 * typed migration parameters, the migration call in a thread while the
 * caller watches job statistics, abort on request, and the confirm step
 * that leaves exactly one copy of the guest. Links libvirt. */
#ifndef MH_MIGRATE_H
#define MH_MIGRATE_H

#include <libvirt/libvirt.h>
#include <signal.h>
#include <stdbool.h>

struct mh_error;

/* What the operator asked for (mh-migrate's options). */
struct mh_migrate_request {
    const char *destination_uri;
    bool offline;                   /* not --live */
    bool p2p;
    bool tunnelled;
    bool persistent;
    bool undefine_source;
    bool postcopy;
    long postcopy_after_s;          /* switch to post-copy after this; -1: never by itself */
    const char *dname;              /* NULL: keep the name */
    const char *migrate_uri;        /* NULL: libvirt picks */
    unsigned long bandwidth_mib;    /* MiB/s; 0: unlimited */
    long timeout_s;                 /* abort after this; 0: never */
};

/* One look at the migration job (virDomainGetJobStats). Unknown fields are 0. */
struct mh_migrate_progress {
    double elapsed_s;
    unsigned long long memory_total;        /* bytes */
    unsigned long long memory_processed;
    unsigned long long memory_remaining;
    unsigned long long memory_bps;          /* transfer rate, bytes/s */
    unsigned long long dirty_bps;           /* dirty rate, bytes/s */
    unsigned long long downtime_ms;         /* expected downtime */
    unsigned long long iterations;
    bool postcopy;                          /* switched to post-copy */
};

/* How the migration call ended, before confirming. */
struct mh_migrate_result {
    int api_status;                 /* 0 / -1 of virDomainMigrate*3 */
    char api_error[512];            /* libvirt's message when it failed */
    bool aborted;                   /* by the interrupt flag */
    bool timed_out;                 /* by request->timeout_s */
    bool postcopy_started;
    double seconds;
};

/* Called a few times a second while the job runs; final is set once, with
 * the last statistics, when the migration call has returned. */
typedef void (*mh_migrate_watch)(const struct mh_migrate_progress *progress, bool final,
                                 void *data);

/* Fill the typed parameters and flags of request for virDomainMigrate*3.
 * *params is allocated by libvirt (virTypedParamsFree). */
int mh_migrate_params(const struct mh_migrate_request *request, virTypedParameterPtr *params,
                      int *count, unsigned int *flags, struct mh_error *err);

/* Migrate domain as request says, calling watch every interval_ms with the
 * job's statistics. When *interrupt becomes non-zero, or timeout_s passes,
 * the job is aborted (virDomainAbortJob). destination may be NULL for a
 * peer-to-peer migration. Returns 0 whatever the migration did (see
 * result); -1 only when it could not be started. */
int mh_migrate_run(virDomainPtr domain, virConnectPtr destination,
                   const struct mh_migrate_request *request, long interval_ms,
                   mh_migrate_watch watch, void *data, volatile sig_atomic_t *interrupt,
                   struct mh_migrate_result *result, struct mh_error *err);

/* Read the job statistics of domain into progress. Returns 1 when a job is
 * running, 0 when none is, -1 when they cannot be read. */
int mh_migrate_job(virDomainPtr domain, struct mh_migrate_progress *progress);

#endif
