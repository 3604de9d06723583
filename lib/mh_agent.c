/* mh_agent.c - mh-agent's pass: fresh cookies, reconciled paused guests,
 * live etcd lease. */
#include "mh_agent.h"
#include "mh_conf.h"
#include "mh_error.h"
#include "mh_facts_virt.h"
#include "mh_journal.h"
#include "mh_lease_store.h"
#include "mh_log.h"
#include "mh_reconcile.h"
#include "mh_stamp.h"

#include <stdlib.h>
#include <string.h>
#include <syslog.h>

static void visit(virDomainPtr domain, const struct mh_conf *conf, struct mh_lease_store *store,
                  mh_agent_notify notify, void *data, struct mh_agent_counts *counts);
static void record(const struct mh_conf *conf, virDomainPtr domain, const char *what,
                   const char *outcome, const char *message, mh_agent_notify notify, void *data);

int
mh_agent_pass(virConnectPtr connection, const struct mh_conf *conf, const unsigned char *uuid,
              mh_agent_notify notify, void *data, struct mh_agent_counts *counts,
              struct mh_error *err)
{
    struct mh_lease_store store;
    bool store_open = false;
    virDomainPtr *domains = NULL;
    int count;

    memset(counts, 0, sizeof(*counts));
    if (conf->lease.enabled) {
        if (mh_lease_store_open(&store, &conf->lease, conf->host_id, err) < 0) {
            mh_error_prefix(err, "lease store");
            return -1;
        }
        store_open = true;
        /* etcd: owner keys hang on this host's etcd lease; refresh it. */
        if (mh_lease_store_keepalive(&store, err) < 0)
            mh_log(conf, LOG_WARNING, "mh-agent: lease keepalive: %s", err->message);
    }
    if (uuid) {
        virDomainPtr domain = virDomainLookupByUUID(connection, uuid);

        if (domain) {
            visit(domain, conf, store_open ? &store : NULL, notify, data, counts);
            virDomainFree(domain);
        }
    } else {
        count = virConnectListAllDomains(connection, &domains, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
        if (count < 0) {
            mh_error_set(err, "cannot list guests: %s", mh_facts_virt_error());
            if (store_open)
                mh_lease_store_close(&store);
            return -1;
        }
        for (int i = 0; i < count; i++) {
            visit(domains[i], conf, store_open ? &store : NULL, notify, data, counts);
            virDomainFree(domains[i]);
        }
        free(domains);
    }
    if (store_open)
        mh_lease_store_close(&store);
    return 0;
}

int
mh_agent_keepalive(const struct mh_conf *conf, struct mh_error *err)
{
    struct mh_lease_store store;
    int ret;

    if (!mh_agent_keepalive_period(conf))
        return 0;
    if (mh_lease_store_open(&store, &conf->lease, conf->host_id, err) < 0)
        return -1;
    ret = mh_lease_store_keepalive(&store, err) < 0 ? -1 : 0;
    mh_lease_store_close(&store);
    return ret;
}

long
mh_agent_keepalive_period(const struct mh_conf *conf)
{
    if (!conf->lease.enabled || conf->lease.backend != MH_LEASE_BACKEND_ETCD)
        return 0;
    return conf->lease.etcd.ttl_s / 3 > 0 ? conf->lease.etcd.ttl_s / 3 : 1;
}

/* One guest: a running one gets a fresh cookie unless a job runs on it
 * (libvirt would make the metadata change wait for the migration); a
 * paused one is reconciled. */
static void
visit(virDomainPtr domain, const struct mh_conf *conf, struct mh_lease_store *store,
      mh_agent_notify notify, void *data, struct mh_agent_counts *counts)
{
    struct mh_error err = { { 0 } };
    enum mh_reconcile_action action;
    virDomainJobInfo job;
    char migration_id[64], reason[768];
    int state, state_reason;

    if (virDomainGetState(domain, &state, &state_reason, 0) < 0)
        return;
    if (state == VIR_DOMAIN_RUNNING) {
        if (!conf->agent.stamp)
            return;
        memset(&job, 0, sizeof(job));
        if (virDomainGetJobInfo(domain, &job) == 0 && job.type != VIR_DOMAIN_JOB_NONE)
            return;
        if (mh_stamp_domain(virDomainGetConnect(domain), domain, conf, false, migration_id, NULL,
                            &err) < 0) {
            counts->failed++;
            record(conf, domain, "error", "error", err.message, notify, data);
            return;
        }
        counts->stamped++;
        /* Not journaled: it happens every interval for every guest. */
        if (notify)
            notify(virDomainGetName(domain), "stamped", migration_id, data);
        return;
    }
    if (!conf->agent.reconcile || !mh_reconcile_is_candidate(state, state_reason))
        return;
    if (mh_reconcile_domain(domain, conf, store, &action, reason, sizeof(reason), &err) < 0) {
        counts->failed++;
        record(conf, domain, "error", "error", err.message, notify, data);
        return;
    }
    switch (action) {
    case MH_RECONCILE_NONE:
        return;
    case MH_RECONCILE_RESUME:
        counts->resumed++;
        break;
    case MH_RECONCILE_DESTROY:
        counts->destroyed++;
        break;
    case MH_RECONCILE_REPORT:
        counts->reported++;
        break;
    }
    record(conf, domain, mh_reconcile_action_name(action),
           action == MH_RECONCILE_REPORT ? "warned" : "ok", reason, notify, data);
}

static void
record(const struct mh_conf *conf, virDomainPtr domain, const char *what, const char *outcome,
       const char *message, mh_agent_notify notify, void *data)
{
    struct mh_error err = { { 0 } };
    char uuid[VIR_UUID_STRING_BUFLEN] = "";
    const char *name = virDomainGetName(domain);
    json_t *entry;

    virDomainGetUUIDString(domain, uuid);
    entry = json_pack("{ss ss ss ss ss ss}", "guest", name ? name : "?", "uuid", uuid,
                      "operation", "mh-agent", "sub_operation", what, "outcome", outcome,
                      "message", message);
    if (entry && mh_journal_append(conf, entry, &err) < 0)
        mh_log(conf, LOG_WARNING, "mh-agent: journal: %s", err.message);
    json_decref(entry);
    mh_log(conf, strcmp(outcome, "ok") == 0 ? LOG_NOTICE : LOG_WARNING, "mh-agent: %s: %s: %s",
           name ? name : uuid, what, message);
    if (notify)
        notify(name ? name : uuid, what, message, data);
}
