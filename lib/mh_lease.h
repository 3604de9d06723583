/* mh_lease.h - ownership leases: at most one running copy of a guest
 * (SPEC section 7), handed over exactly when a migration succeeds.
 *
 * Each guest (by UUID) has one record (mh_lease_record.h): an owner host,
 * a generation, and at most one pending reservation {host, migration id,
 * confirmed, expires} made by the destination of a migration. A pending
 * reservation past its expiry is treated as absent and cleaned at the next
 * write. H is the host acting (conf->host_id), O the owner, P the pending
 * host, S the source host named by the migration's cookie, M its migration
 * id. "-" is nobody.
 *
 *   state            operation (hook call)             result
 *   ---------------  --------------------------------  -------------------------
 *   O=-,  no P       ACQUIRE (prepare begin, start)    O=H                acquired
 *   O=-,  P!=H       ACQUIRE                           refused: P's reservation
 *   O=-,  P=H        ACQUIRE                           O=H, P cleared     acquired
 *   O=H              ACQUIRE, P unconfirmed or none    O=H, P cleared     acquired
 *   O=H,  P!=H conf. ACQUIRE                           refused: P may run it
 *   O!=H             ACQUIRE                           refused: "guest G is owned
 *                                                      by host O (since T); use
 *                                                      mh-lease break after
 *                                                      fencing O"
 *
 *   S=H              RESERVE (migrate begin)           refused: source is us
 *   S=-  (no cookie) RESERVE, O=-, no P for another    P=H unconfirmed    reserved
 *   S=-              RESERVE, O!=- or P for another    refused: cannot hand over
 *   O!=-, O!=S       RESERVE                           refused: owned by O, not S
 *   O=S or O=-       RESERVE, token owner != S         refused: cookie inconsistent
 *   O=-,  P!=H       RESERVE                           refused: P's reservation
 *   O=S or O=-       RESERVE (any older P is replaced  P={H, M, unconfirmed,
 *                    when O=S: S started a new          now+pending_expiry_s}
 *                    migration, so the old one ended)                 reserved
 *
 *   P=H, M matches   CONFIRM (prepare begin), O=-      O=H, P cleared     confirmed
 *   P=H, M matches   CONFIRM, O!=-                     P confirmed, expires
 *                                                      now+migration_expiry_s
 *   otherwise        CONFIRM                           refused: no reservation
 *   (M matches: the reservation has no migration id, or the same as the call.)
 *
 *   P!=H confirmed,  HAND_OVER (stopped/release end    O=P, P cleared     handed over
 *   O=H or O=-       on the source)
 *   otherwise        HAND_OVER                         refused
 *
 *   P=H, O!=H        DROP_PENDING (stopped end on the  P cleared          dropped
 *                    destination of a failed migration)
 *   otherwise        DROP_PENDING                      refused
 *
 *   O=H              RELEASE (normal stop)             O=-, P cleared     released
 *   O!=H             RELEASE                           refused
 *
 *   any              BREAK (operator: mh-lease break)  O=-, P cleared     broken
 *   any              BREAK_PENDING                     P cleared          broken
 *
 * Hook calls combine these, deciding under the record's lock:
 *   START   (prepare begin) = CONFIRM if P=H and M matches, else ACQUIRE.
 *   STOPPED (stopped end, release end) = HAND_OVER if it applies and the
 *     stop reason (EXTRA) is "-", "migrated" or unknown; else DROP_PENDING
 *     if it applies; else RELEASE if O=H; else nothing (not ours). libvirt
 *     9.0 passes "-" on every stop; >= 10.5 the shutoff reason, and a reason
 *     that proves the guest was not migrated (shutdown, destroyed, crashed,
 *     saved, failed, "from snapshot") never hands over.
 *
 * Why a reservation must be confirmed before a hand-over: the destination
 * starts QEMU only after prepare begin, so a source that stops before that
 * cannot have been migrated. Why a confirmed reservation lives long
 * (migration_expiry_s): releasing instead of handing over, after a long
 * migration that did succeed, would let a third host start a second copy;
 * handing over by mistake only needs an operator's `mh-lease break`.
 *
 * Every change increments the generation and stamps updated/updated_by. */
#ifndef MH_LEASE_H
#define MH_LEASE_H

#include "mh_lease_record.h"

#include <stdbool.h>
#include <time.h>

struct mh_error;
struct mh_lease_conf;
struct mh_lease_store;

enum mh_lease_operation {
    MH_LEASE_ACQUIRE,
    MH_LEASE_RESERVE,
    MH_LEASE_CONFIRM,
    MH_LEASE_HAND_OVER,
    MH_LEASE_DROP_PENDING,
    MH_LEASE_RELEASE,
    MH_LEASE_BREAK,
    MH_LEASE_BREAK_PENDING,
    MH_LEASE_START,             /* prepare begin: CONFIRM or ACQUIRE */
    MH_LEASE_STOPPED,           /* stopped/release end: HAND_OVER, DROP_PENDING, RELEASE */
};

enum mh_lease_transition {
    MH_LEASE_UNCHANGED,         /* nothing to do (not ours, already so) */
    MH_LEASE_ACQUIRED,
    MH_LEASE_RESERVED,
    MH_LEASE_CONFIRMED,
    MH_LEASE_HANDED_OVER,
    MH_LEASE_PENDING_DROPPED,
    MH_LEASE_RELEASED,
    MH_LEASE_BROKEN,
};

struct mh_lease_request {
    enum mh_lease_operation operation;
    const char *uuid;
    const char *name;           /* guest name to record, NULL keeps the stored one */
    const char *host;           /* who acts */
    const char *source_host;    /* RESERVE: the cookie's source host, "" unknown */
    const char *migration_id;   /* the cookie's migration id, "" unknown */
    const struct mh_lease_token *token;     /* RESERVE: the cookie's lease, or NULL */
    const char *stop_reason;    /* STOPPED: the hook's EXTRA, NULL or "-" unknown */
    long pending_expiry_s;
    long migration_expiry_s;
    time_t now;
};

struct mh_lease_result {
    enum mh_lease_transition transition;
    enum mh_lease_operation operation;  /* what START/STOPPED turned into */
    bool refused;               /* deliberately refused; err says why */
    bool changed;               /* after differs from before and was stored */
    char note[512];             /* something an operator should know, or "" */
    bool warning;               /* ...and it looks like a misconfiguration */
    struct mh_lease_record before;
    struct mh_lease_record after;
};

/* A request for operation by host on uuid, with the expiries of conf and
 * the current time; the other fields are "" (unknown). */
void mh_lease_request_init(struct mh_lease_request *request, enum mh_lease_operation operation,
                           const struct mh_lease_conf *conf, const char *host, const char *uuid,
                           const char *name);

/* The state machine, without any storage: compute result->after from
 * before. Returns 0 (result->changed says whether to store), or -1 with err
 * filled: result->refused for a deliberate refusal, else a bad request. */
int mh_lease_apply(const struct mh_lease_record *before, const struct mh_lease_request *request,
                   struct mh_lease_result *result, struct mh_error *err);

/* Apply request to the record in store: load it (locked, or with its
 * revision), apply, store when changed; retried when another host changed
 * it in between (etcd). A BREAK also replaces a record that cannot be read.
 * Returns as mh_lease_apply, or -1 when the store fails. */
int mh_lease_run(struct mh_lease_store *store, const struct mh_lease_request *request,
                 struct mh_lease_result *result, struct mh_error *err);

/* True when the pending reservation of record is there and not expired. */
bool mh_lease_pending_is_valid(const struct mh_lease_record *record, time_t now);

const char *mh_lease_operation_name(enum mh_lease_operation operation);
const char *mh_lease_transition_name(enum mh_lease_transition transition);

#endif
