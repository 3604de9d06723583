/* mh_reconcile.h - what to do with a guest a migration left paused on this
 * host and no job is driving any more: resume it when its ownership lease
 * is still this host's (and the reserving destination has no copy), destroy
 * it when the lease moved and the new owner runs the guest (or when the
 * destination that confirmed its reservation runs it: only the hand-over,
 * done by this copy's stop hook, was lost), otherwise
 * report it for an operator. The decision is a pure function, tested
 * without libvirt; mh_reconcile_domain gathers its input and acts. */
#ifndef MH_RECONCILE_H
#define MH_RECONCILE_H

#include "mh_confirm.h"

#include <libvirt/libvirt.h>
#include <stdbool.h>
#include <stddef.h>

struct mh_conf;
struct mh_error;
struct mh_lease_store;

enum mh_reconcile_action {
    MH_RECONCILE_NONE,      /* not a guest left paused by a migration, or a job still runs */
    MH_RECONCILE_RESUME,
    MH_RECONCILE_DESTROY,
    MH_RECONCILE_REPORT,    /* an operator must decide */
};

struct mh_reconcile_input {
    bool paused_by_migration;       /* paused, reason migration / post-copy (failed) */
    bool job_active;                /* a migration job still runs on it */
    bool leases_enabled;
    bool lease_found;
    const char *this_host;
    const char *owner;              /* "" when nobody owns it */
    const char *pending_host;       /* "" when nobody reserved it */
    bool pending_confirmed;         /* the reserving host reached prepare begin */
    enum mh_confirm_copy peer_copy; /* the owner's copy (owner not us), else the pending host's */
    const char *peer_uri;           /* where peer_copy was looked at, for messages */
};

void mh_reconcile_decide(const struct mh_reconcile_input *input, enum mh_reconcile_action *action,
                         char *reason, size_t size);

/* True for a state/reason pair a migration leaves behind. */
bool mh_reconcile_is_candidate(int state, int reason);

/* peer_uri template with every "{host}" replaced by host, into out.
 * Returns -1 when it does not fit. */
int mh_reconcile_peer_uri(const char *template, const char *host, char *out, size_t size);

/* Look at domain (on this host) and, when conf->agent.reconcile allows,
 * resume or destroy it. store may be NULL (leases off). *action and reason
 * say what was decided (and done); -1 when the guest could not be looked
 * at or the action failed. */
int mh_reconcile_domain(virDomainPtr domain, const struct mh_conf *conf,
                        struct mh_lease_store *store, enum mh_reconcile_action *action,
                        char *reason, size_t size, struct mh_error *err);

const char *mh_reconcile_action_name(enum mh_reconcile_action action);

#endif
