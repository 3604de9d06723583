/* mh_migrate.c - one migration through virDomainMigrate3 or
 * virDomainMigrateToURI3, watched and abortable from the calling thread. */
#include "mh_migrate.h"
#include "mh_error.h"
#include "mh_facts_virt.h"
#include "mh_string.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What the migration thread needs and gives back. */
struct call {
    virDomainPtr domain;
    virConnectPtr destination;
    const char *destination_uri;
    virTypedParameterPtr params;
    int count;
    unsigned int flags;
    int status;
    char error[512];
    pthread_mutex_t lock;
    pthread_cond_t finished;
    bool done;
};

static void *migrate_thread(void *data);
static bool call_wait(struct call *call, long ms);
static int read_stats(virDomainPtr domain, unsigned int flags,
                      struct mh_migrate_progress *progress);
static double now_seconds(void);

int
mh_migrate_params(const struct mh_migrate_request *request, virTypedParameterPtr *params,
                  int *count, unsigned int *flags, struct mh_error *err)
{
    int max = 0;

    *params = NULL;
    *count = 0;
    *flags = 0;
    if (request->offline) {
        /* libvirt migrates an offline guest as its definition only. */
        *flags |= VIR_MIGRATE_OFFLINE | VIR_MIGRATE_PERSIST_DEST;
    } else {
        *flags |= VIR_MIGRATE_LIVE;
    }
    if (request->p2p || request->tunnelled)
        *flags |= VIR_MIGRATE_PEER2PEER;
    if (request->tunnelled)
        *flags |= VIR_MIGRATE_TUNNELLED;
    if (request->persistent)
        *flags |= VIR_MIGRATE_PERSIST_DEST;
    if (request->undefine_source)
        *flags |= VIR_MIGRATE_UNDEFINE_SOURCE;
    if (request->postcopy)
        *flags |= VIR_MIGRATE_POSTCOPY;
    if ((request->dname &&
         virTypedParamsAddString(params, count, &max, VIR_MIGRATE_PARAM_DEST_NAME,
                                 request->dname) < 0) ||
        (request->migrate_uri &&
         virTypedParamsAddString(params, count, &max, VIR_MIGRATE_PARAM_URI,
                                 request->migrate_uri) < 0) ||
        (request->bandwidth_mib &&
         virTypedParamsAddULLong(params, count, &max, VIR_MIGRATE_PARAM_BANDWIDTH,
                                 request->bandwidth_mib) < 0)) {
        mh_error_set(err, "migration parameters: %s", mh_facts_virt_error());
        virTypedParamsFree(*params, *count);
        *params = NULL;
        *count = 0;
        return -1;
    }
    return 0;
}

int
mh_migrate_run(virDomainPtr domain, virConnectPtr destination,
               const struct mh_migrate_request *request, long interval_ms,
               mh_migrate_watch watch, void *data, volatile sig_atomic_t *interrupt,
               struct mh_migrate_result *result, struct mh_error *err)
{
    struct mh_migrate_progress progress;
    struct call call;
    pthread_condattr_t attributes;
    pthread_t thread;
    sigset_t blocked, previous;
    double started = now_seconds(), switch_at = -1;
    bool abort_sent = false;
    int ret = -1;

    memset(result, 0, sizeof(*result));
    memset(&call, 0, sizeof(call));
    memset(&progress, 0, sizeof(progress));
    call.domain = domain;
    call.destination = destination;
    call.destination_uri = request->destination_uri;
    if (!request->p2p && !request->tunnelled && !destination) {
        mh_error_set(err, "a direct (not peer-to-peer) migration needs a destination connection");
        return -1;
    }
    if (mh_migrate_params(request, &call.params, &call.count, &call.flags, err) < 0)
        return -1;
    if (request->postcopy && request->postcopy_after_s >= 0)
        switch_at = started + (double)request->postcopy_after_s;
    pthread_mutex_init(&call.lock, NULL);
    pthread_condattr_init(&attributes);
    pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC);
    pthread_cond_init(&call.finished, &attributes);
    pthread_condattr_destroy(&attributes);
    /* Signals stay with the caller's thread, which turns them into an abort. */
    sigfillset(&blocked);
    pthread_sigmask(SIG_BLOCK, &blocked, &previous);
    errno = pthread_create(&thread, NULL, migrate_thread, &call);
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (errno) {
        mh_error_set_errno(err, errno, "cannot start the migration thread");
        goto cleanup;
    }
    for (;;) {
        double now = now_seconds();

        if (!abort_sent && ((interrupt && *interrupt) ||
                            (request->timeout_s > 0 && now - started >= request->timeout_s))) {
            result->aborted = interrupt && *interrupt;
            result->timed_out = !result->aborted;
            /* The migration call then fails and libvirt resumes the source;
             * an abort libvirt refuses (post-copy) is left to the confirm. */
            virDomainAbortJob(domain);
            abort_sent = true;
        }
        /* Refused until the migration has really started: tried again on
         * every tick until it takes. */
        if (switch_at >= 0 && now >= switch_at && !result->postcopy_started && !abort_sent &&
            virDomainMigrateStartPostCopy(domain, 0) == 0)
            result->postcopy_started = true;
        if (mh_migrate_job(domain, &progress) > 0) {
            progress.postcopy = result->postcopy_started;
            if (watch)
                watch(&progress, false, data);
        }
        /* Woken at once when the call returns: no polling delay is added
         * to the migration's wall time. */
        if (call_wait(&call, interval_ms))
            break;
    }
    pthread_join(thread, NULL);
    result->api_status = call.status;
    mh_string_copy(result->api_error, sizeof(result->api_error), call.error);
    result->seconds = now_seconds() - started;
    if (watch) {
        /* The completed job's own numbers (real downtime, totals) when
         * libvirt kept them; else the last look at the running job. */
        if (call.status == 0 &&
            read_stats(domain, VIR_DOMAIN_JOB_STATS_COMPLETED, &progress) <= 0)
            progress.memory_remaining = 0;
        progress.elapsed_s = result->seconds;
        progress.postcopy = result->postcopy_started;
        watch(&progress, true, data);
    }
    ret = 0;

cleanup:
    pthread_cond_destroy(&call.finished);
    pthread_mutex_destroy(&call.lock);
    virTypedParamsFree(call.params, call.count);
    return ret;
}

int
mh_migrate_job(virDomainPtr domain, struct mh_migrate_progress *progress)
{
    return read_stats(domain, 0, progress);
}

/* The blocking migration call; libvirt's error is per thread, so it is
 * copied here for the caller. */
static void *
migrate_thread(void *data)
{
    struct call *call = data;
    int status;

    if (call->flags & VIR_MIGRATE_PEER2PEER)
        status = virDomainMigrateToURI3(call->domain, call->destination_uri, call->params,
                                        (unsigned)call->count, call->flags);
    else {
        virDomainPtr moved = virDomainMigrate3(call->domain, call->destination, call->params,
                                               (unsigned)call->count, call->flags);

        status = moved ? 0 : -1;
        if (moved)
            virDomainFree(moved);
    }
    pthread_mutex_lock(&call->lock);
    call->status = status;
    if (status < 0)
        mh_string_copy(call->error, sizeof(call->error), mh_facts_virt_error());
    call->done = true;
    pthread_cond_signal(&call->finished);
    pthread_mutex_unlock(&call->lock);
    return NULL;
}

/* Wait up to ms for the migration call to return; true once it has. */
static bool
call_wait(struct call *call, long ms)
{
    struct timespec until;
    bool done;

    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&call->lock);
    while (!call->done && pthread_cond_timedwait(&call->finished, &call->lock, &until) == 0)
        ;
    done = call->done;
    pthread_mutex_unlock(&call->lock);
    return done;
}

static double
now_seconds(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec + (double)now.tv_nsec / 1e9;
}

/* Job statistics into progress: of the running job (flags 0; returns 0 when
 * none runs) or of the last completed one (VIR_DOMAIN_JOB_STATS_COMPLETED). */
static int
read_stats(virDomainPtr domain, unsigned int flags, struct mh_migrate_progress *progress)
{
    virTypedParameterPtr params = NULL;
    unsigned long long value, page_size = 4096;
    int type = VIR_DOMAIN_JOB_NONE, count = 0;

    if (virDomainGetJobStats(domain, &type, &params, &count, flags) < 0)
        return -1;
    if (type == VIR_DOMAIN_JOB_NONE || (!flags && type == VIR_DOMAIN_JOB_COMPLETED)) {
        virTypedParamsFree(params, count);
        return 0;
    }
    if (virTypedParamsGetULLong(params, count, VIR_DOMAIN_JOB_TIME_ELAPSED, &value) == 1)
        progress->elapsed_s = (double)value / 1000.0;
    virTypedParamsGetULLong(params, count, VIR_DOMAIN_JOB_MEMORY_TOTAL, &progress->memory_total);
    virTypedParamsGetULLong(params, count, VIR_DOMAIN_JOB_MEMORY_PROCESSED,
                            &progress->memory_processed);
    virTypedParamsGetULLong(params, count, VIR_DOMAIN_JOB_MEMORY_REMAINING,
                            &progress->memory_remaining);
    virTypedParamsGetULLong(params, count, VIR_DOMAIN_JOB_MEMORY_BPS, &progress->memory_bps);
    virTypedParamsGetULLong(params, count, VIR_DOMAIN_JOB_MEMORY_PAGE_SIZE, &page_size);
    /* libvirt gives the dirty rate in pages per second. */
    if (virTypedParamsGetULLong(params, count, VIR_DOMAIN_JOB_MEMORY_DIRTY_RATE, &value) == 1)
        progress->dirty_bps = value * page_size;
    virTypedParamsGetULLong(params, count, VIR_DOMAIN_JOB_DOWNTIME, &progress->downtime_ms);
    virTypedParamsGetULLong(params, count, VIR_DOMAIN_JOB_MEMORY_ITERATION,
                            &progress->iterations);
    virTypedParamsFree(params, count);
    return 1;
}
