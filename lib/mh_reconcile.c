/* mh_reconcile.c - resolve a guest left paused after a broken migration. */
#include "mh_reconcile.h"
#include "mh_conf.h"
#include "mh_error.h"
#include "mh_facts_virt.h"
#include "mh_lease_record.h"
#include "mh_lease_store.h"
#include "mh_string.h"

#include <stdio.h>
#include <string.h>

void
mh_reconcile_decide(const struct mh_reconcile_input *input, enum mh_reconcile_action *action,
                    char *reason, size_t size)
{
    const char *peer = input->peer_uri && *input->peer_uri ? input->peer_uri : "the other host";
    const char *owner = input->owner ? input->owner : "";
    const char *pending = input->pending_host ? input->pending_host : "";

    *action = MH_RECONCILE_NONE;
    if (!input->paused_by_migration) {
        snprintf(reason, size, "not paused by a migration");
        return;
    }
    if (input->job_active) {
        snprintf(reason, size, "a migration job still runs; libvirt finishes it");
        return;
    }
    *action = MH_RECONCILE_REPORT;
    if (!input->leases_enabled) {
        snprintf(reason, size,
                 "paused after a migration, and without leases nothing tells which copy is "
                 "the real one: resume it here only if no other host runs it");
        return;
    }
    if (!input->lease_found || !*owner) {
        snprintf(reason, size,
                 "paused after a migration and nobody owns its lease: resume it here only if "
                 "no other host runs it");
        return;
    }
    if (strcmp(owner, input->this_host) == 0) {
        /* Ours on paper; but a destination that reserved it may run it
         * already if only the hand-over was lost. */
        if (!*pending || strcmp(pending, input->this_host) == 0 ||
            input->peer_copy == MH_COPY_ABSENT) {
            *action = MH_RECONCILE_RESUME;
            snprintf(reason, size, "its lease is still this host's%s%s%s: resumed",
                     *pending ? " and " : "", *pending ? pending : "",
                     *pending ? " has no copy" : "");
            return;
        }
        if (input->pending_confirmed && input->peer_copy == MH_COPY_RUNNING) {
            /* The migration completed there; libvirt's confirm would have
             * killed this copy, and its stop hook hands the lease over. */
            *action = MH_RECONCILE_DESTROY;
            snprintf(reason, size,
                     "%s, which confirmed its reservation of the lease, runs it: this stale "
                     "copy destroyed (the lease is handed over)", pending);
            return;
        }
        snprintf(reason, size,
                 "its lease is this host's but %s, which reserved it, has a %s copy (%s): "
                 "decide which one is real", pending, mh_confirm_copy_name(input->peer_copy),
                 peer);
        return;
    }
    if (input->peer_copy == MH_COPY_RUNNING) {
        *action = MH_RECONCILE_DESTROY;
        snprintf(reason, size, "its lease moved to %s, which runs it: this stale copy destroyed",
                 owner);
        return;
    }
    snprintf(reason, size,
             "its lease moved to %s, whose copy is %s (%s): resume it there, or take the lease "
             "back (mh-lease) and resume it here", owner, mh_confirm_copy_name(input->peer_copy),
             peer);
}

bool
mh_reconcile_is_candidate(int state, int reason)
{
    return state == VIR_DOMAIN_PAUSED &&
           (reason == VIR_DOMAIN_PAUSED_MIGRATION || reason == VIR_DOMAIN_PAUSED_POSTCOPY ||
            reason == VIR_DOMAIN_PAUSED_POSTCOPY_FAILED);
}

int
mh_reconcile_peer_uri(const char *template, const char *host, char *out, size_t size)
{
    static const char marker[] = "{host}";
    const char *at;

    if (!template || !size)
        return -1;
    out[0] = '\0';
    while ((at = strstr(template, marker))) {
        size_t used = strlen(out), length = (size_t)(at - template);

        if (used + length >= size)
            return -1;
        memcpy(out + used, template, length);
        out[used + length] = '\0';
        if (mh_string_append(out, size, host) < 0)
            return -1;
        template = at + sizeof(marker) - 1;
    }
    return mh_string_append(out, size, template);
}

int
mh_reconcile_domain(virDomainPtr domain, const struct mh_conf *conf,
                    struct mh_lease_store *store, enum mh_reconcile_action *action,
                    char *reason, size_t size, struct mh_error *err)
{
    struct mh_reconcile_input input;
    struct mh_lease_record record;
    virDomainJobInfo job;
    unsigned char uuid[VIR_UUID_BUFLEN];
    char uuid_text[VIR_UUID_STRING_BUFLEN], peer_uri[1024] = "";
    int state, state_reason, status;
    bool missing = false;

    *action = MH_RECONCILE_NONE;
    memset(&input, 0, sizeof(input));
    input.this_host = conf->host_id;
    input.owner = "";
    input.pending_host = "";
    input.peer_copy = MH_COPY_UNKNOWN;
    if (virDomainGetState(domain, &state, &state_reason, 0) < 0 ||
        virDomainGetUUID(domain, uuid) < 0 || virDomainGetUUIDString(domain, uuid_text) < 0) {
        mh_error_set(err, "%s", mh_facts_virt_error());
        return -1;
    }
    input.paused_by_migration = mh_reconcile_is_candidate(state, state_reason);
    if (input.paused_by_migration) {
        memset(&job, 0, sizeof(job));
        input.job_active = virDomainGetJobInfo(domain, &job) == 0 && job.type != VIR_DOMAIN_JOB_NONE;
        input.leases_enabled = store != NULL;
    }
    if (input.paused_by_migration && !input.job_active && store) {
        if (mh_lease_store_find(store, uuid_text, &record, &missing, err) < 0) {
            if (!missing)
                return -1;
        } else {
            const char *peer;

            input.lease_found = true;
            input.owner = record.owner;
            input.pending_host = record.pending.host;
            input.pending_confirmed = record.pending.confirmed;
            peer = strcmp(record.owner, conf->host_id) != 0 ? record.owner : record.pending.host;
            if (*peer && strcmp(peer, conf->host_id) != 0 &&
                mh_reconcile_peer_uri(conf->agent.peer_uri, peer, peer_uri, sizeof(peer_uri)) == 0) {
                virConnectPtr connection = virConnectOpenReadOnly(peer_uri);

                input.peer_copy = mh_confirm_copy_of(connection, uuid);
                if (connection)
                    virConnectClose(connection);
                input.peer_uri = peer_uri;
            }
        }
    }
    mh_reconcile_decide(&input, action, reason, size);
    if (*action != MH_RECONCILE_RESUME && *action != MH_RECONCILE_DESTROY)
        return 0;
    status = *action == MH_RECONCILE_RESUME ? virDomainResume(domain) : virDomainDestroy(domain);
    if (status < 0) {
        mh_error_set(err, "%s failed: %s", mh_reconcile_action_name(*action),
                     mh_facts_virt_error());
        return -1;
    }
    return 0;
}

const char *
mh_reconcile_action_name(enum mh_reconcile_action action)
{
    static const char *const names[] = { "none", "resume", "destroy", "report" };

    return action <= MH_RECONCILE_REPORT ? names[action] : "none";
}
