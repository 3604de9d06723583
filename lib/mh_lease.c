/* mh_lease.c - the lease state machine (see mh_lease.h) and running it
 * against a store. */
#include "mh_lease.h"
#include "mh_error.h"
#include "mh_lease_conf.h"
#include "mh_lease_store.h"
#include "mh_string.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* How often a change is retried when another host changed the record
 * between our read and our write (etcd); each retry re-reads it. */
#define MAX_ATTEMPTS 8

struct context {
    const struct mh_lease_request *request;
    struct mh_lease_result *result;
    struct mh_lease_record *after;
    const char *guest;                  /* name or UUID, for messages */
    struct mh_error *err;
};

static int acquire(struct context *c);
static int reserve(struct context *c);
static int confirm(struct context *c);
static int hand_over(struct context *c);
static int drop_pending(struct context *c);
static int release(struct context *c);
static int stopped(struct context *c);
static int refuse(struct context *c, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
static int refuse_owned(struct context *c);
static int refuse_reserved(struct context *c);
static bool pending_matches(const struct context *c);
static bool can_hand_over(const struct context *c);
static bool can_drop_pending(const struct context *c);
static bool reason_proves_no_migration(const char *reason);
static void clear_pending(struct mh_lease_record *record);
static void set_owner(struct context *c, const char *owner);
static void note(struct context *c, const char *format, ...)
    __attribute__((format(printf, 2, 3)));
static int check_request(const struct mh_lease_request *request, struct mh_error *err);

void
mh_lease_request_init(struct mh_lease_request *request, enum mh_lease_operation operation,
                      const struct mh_lease_conf *conf, const char *host, const char *uuid,
                      const char *name)
{
    memset(request, 0, sizeof(*request));
    request->operation = operation;
    request->host = host;
    request->uuid = uuid;
    request->name = name;
    request->source_host = "";
    request->migration_id = "";
    request->stop_reason = "-";
    request->pending_expiry_s = conf ? conf->pending_expiry_s : 300;
    request->migration_expiry_s = conf ? conf->migration_expiry_s : 86400;
    request->now = time(NULL);
}

int
mh_lease_apply(const struct mh_lease_record *before, const struct mh_lease_request *request,
               struct mh_lease_result *result, struct mh_error *err)
{
    struct context c = { request, result, &result->after, NULL, err };
    int ret = -1;

    memset(result, 0, sizeof(*result));
    result->before = *before;
    result->after = *before;
    result->operation = request->operation;
    if (check_request(request, err) < 0)
        return -1;
    c.guest = request->name && *request->name ? request->name
              : before->name[0]                ? before->name
                                               : request->uuid;
    /* An expired reservation is as good as none: forget it now, and the
     * next write cleans it from the store. */
    if (before->pending.host[0] && !mh_lease_pending_is_valid(before, request->now)) {
        note(&c, "ignored the expired reservation for host %s", before->pending.host);
        clear_pending(c.after);
    }

    switch (request->operation) {
    case MH_LEASE_ACQUIRE:
        ret = acquire(&c);
        break;
    case MH_LEASE_RESERVE:
        ret = reserve(&c);
        break;
    case MH_LEASE_CONFIRM:
        ret = confirm(&c);
        break;
    case MH_LEASE_HAND_OVER:
        ret = hand_over(&c);
        break;
    case MH_LEASE_DROP_PENDING:
        ret = drop_pending(&c);
        break;
    case MH_LEASE_RELEASE:
        ret = release(&c);
        break;
    case MH_LEASE_BREAK:
    case MH_LEASE_BREAK_PENDING:
        if (!before->exists) {
            ret = refuse(&c, "guest %s has no lease record", c.guest);
            break;
        }
        if (request->operation == MH_LEASE_BREAK_PENDING && !c.after->pending.host[0]) {
            note(&c, "guest %s has no pending reservation", c.guest);
            ret = 0;
            break;
        }
        if (request->operation == MH_LEASE_BREAK)
            set_owner(&c, "");
        clear_pending(c.after);
        result->transition = MH_LEASE_BROKEN;
        ret = 0;
        break;
    case MH_LEASE_START:
        if (pending_matches(&c)) {
            result->operation = MH_LEASE_CONFIRM;
            ret = confirm(&c);
        } else {
            result->operation = MH_LEASE_ACQUIRE;
            ret = acquire(&c);
        }
        break;
    case MH_LEASE_STOPPED:
        ret = stopped(&c);
        break;
    }
    if (ret < 0) {
        result->after = *before;
        return -1;
    }
    if (result->transition == MH_LEASE_UNCHANGED) {
        result->after = *before;
        return 0;
    }
    result->changed = true;
    c.after->generation = before->generation + 1;
    c.after->updated = request->now;
    mh_string_copy(c.after->updated_by, sizeof(c.after->updated_by), request->host);
    mh_string_copy(c.after->change, sizeof(c.after->change),
                   mh_lease_operation_name(result->operation));
    mh_string_copy(c.after->uuid, sizeof(c.after->uuid), request->uuid);
    if (request->name && *request->name)
        mh_string_copy(c.after->name, sizeof(c.after->name), request->name);
    c.after->expired_owner[0] = '\0';
    c.after->exists = true;
    return 0;
}

int
mh_lease_run(struct mh_lease_store *store, const struct mh_lease_request *request,
             struct mh_lease_result *result, struct mh_error *err)
{
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        struct mh_lease_record before;
        struct mh_error problem = { { 0 } };
        bool corrupt = false;
        bool conflict = false;
        int ret;

        /* Only the first read may be a guess (mh_lease_store.h). */
        store->may_guess = attempt == 0;
        ret = mh_lease_store_load(store, request->uuid, &before, &corrupt, &problem);
        store->may_guess = false;
        if (ret < 0) {
            /* The operator's way out of a record nobody can read. */
            if (!corrupt || request->operation != MH_LEASE_BREAK) {
                mh_lease_store_unlock(store);
                memcpy(err, &problem, sizeof(problem));
                memset(result, 0, sizeof(*result));
                return -1;
            }
            mh_lease_record_init(&before, request->uuid);
            before.exists = true;
        }
        ret = mh_lease_apply(&before, request, result, err);
        /* A save checks a guess; nothing else would: read for real. */
        if (store->guessed && (ret < 0 || !result->changed)) {
            mh_lease_store_unlock(store);
            continue;
        }
        if (ret == 0 && corrupt) {
            mh_string_copy(result->note, sizeof(result->note), "replaced an unreadable record: ");
            mh_string_append(result->note, sizeof(result->note), problem.message);
        }
        if (ret < 0 || !result->changed) {
            mh_lease_store_unlock(store);
            return ret;
        }
        ret = mh_lease_store_save(store, &result->after, &conflict, err);
        mh_lease_store_unlock(store);
        if (ret < 0) {
            result->changed = false;
            return -1;
        }
        if (!conflict)
            return 0;
    }
    result->changed = false;
    mh_error_set(err, "guest %s: the lease record kept changing while we tried to update it "
                 "(%d attempts); try again", request->uuid, MAX_ATTEMPTS);
    return -1;
}

bool
mh_lease_pending_is_valid(const struct mh_lease_record *record, time_t now)
{
    return record->pending.host[0] && now < record->pending.expires;
}

const char *
mh_lease_operation_name(enum mh_lease_operation operation)
{
    switch (operation) {
    case MH_LEASE_ACQUIRE: return "acquire";
    case MH_LEASE_RESERVE: return "reserve";
    case MH_LEASE_CONFIRM: return "confirm";
    case MH_LEASE_HAND_OVER: return "hand-over";
    case MH_LEASE_DROP_PENDING: return "drop-pending";
    case MH_LEASE_RELEASE: return "release";
    case MH_LEASE_BREAK: return "break";
    case MH_LEASE_BREAK_PENDING: return "break-pending";
    case MH_LEASE_START: return "start";
    case MH_LEASE_STOPPED: return "stopped";
    }
    return "unknown";
}

const char *
mh_lease_transition_name(enum mh_lease_transition transition)
{
    switch (transition) {
    case MH_LEASE_UNCHANGED: return "unchanged";
    case MH_LEASE_ACQUIRED: return "acquired";
    case MH_LEASE_RESERVED: return "reserved";
    case MH_LEASE_CONFIRMED: return "confirmed";
    case MH_LEASE_HANDED_OVER: return "handed-over";
    case MH_LEASE_PENDING_DROPPED: return "pending-dropped";
    case MH_LEASE_RELEASED: return "released";
    case MH_LEASE_BROKEN: return "broken";
    }
    return "unknown";
}

/* Normal start on H. */
static int
acquire(struct context *c)
{
    const struct mh_lease_record *now = c->after;
    const char *host = c->request->host;

    if (now->owner[0] && strcmp(now->owner, host) != 0)
        return refuse_owned(c);
    if (!now->owner[0] && now->pending.host[0] && strcmp(now->pending.host, host) != 0)
        return refuse_reserved(c);
    if (now->owner[0] && now->pending.host[0] && strcmp(now->pending.host, host) != 0 &&
        now->pending.confirmed)
        return refuse(c,
                      "guest %s was being migrated from this host (%s) to host %s (migration "
                      "%s), which may be running it; check %s, then use mh-lease break "
                      "--pending after fencing it",
                      c->guest, host, now->pending.host,
                      now->pending.migration_id[0] ? now->pending.migration_id : "without id",
                      now->pending.host);
    if (now->pending.host[0])
        note(c, "cleared the reservation for host %s", now->pending.host);
    clear_pending(c->after);
    set_owner(c, host);
    c->result->transition = MH_LEASE_ACQUIRED;
    return 0;
}

/* Incoming migration, migrate begin on the destination H. */
static int
reserve(struct context *c)
{
    const struct mh_lease_request *request = c->request;
    const struct mh_lease_record *now = c->after;
    const char *host = request->host;
    const char *source = request->source_host;
    const struct mh_lease_token *token = request->token;

    if (strcmp(source, host) == 0)
        return refuse(c, "the migration's cookie names this host (%s) as its source", host);
    if (!*source && now->owner[0])
        return refuse(c,
                      "guest %s is owned by host %s, and the incoming migration carries no "
                      "migrate-hooks cookie naming its source, so the lease cannot be handed "
                      "over; migrate with mh-migrate, or run mh-agent on the source",
                      c->guest, now->owner);
    if (now->owner[0] && strcmp(now->owner, source) != 0)
        return refuse(c,
                      "guest %s is owned by host %s, not by the migration's source %s; use "
                      "mh-lease break after fencing %s",
                      c->guest, now->owner, source, now->owner);
    if (token && token->present && strcmp(token->owner, source) != 0)
        return refuse(c,
                      "the cookie's lease token names host %s as the owner, but the cookie's "
                      "source is %s; refusing an inconsistent cookie",
                      token->owner, source);
    if (!now->owner[0] && now->pending.host[0] && strcmp(now->pending.host, host) != 0)
        return refuse_reserved(c);
    if (now->owner[0] && now->pending.host[0] &&
        (strcmp(now->pending.host, host) != 0 ||
         strcmp(now->pending.migration_id, request->migration_id) != 0))
        note(c, "replaced the reservation for host %s (migration %s): %s started a new "
             "migration", now->pending.host, now->pending.migration_id, source);
    if (!now->owner[0] && token && token->present) {
        c->result->warning = true;
        note(c, "the lease store has no owner for this guest although the source %s says it "
             "owns it (generation %lld): do both hosts use the same lease store?",
             source, token->generation);
    }
    clear_pending(c->after);
    mh_string_copy(c->after->pending.host, sizeof(c->after->pending.host), host);
    mh_string_copy(c->after->pending.migration_id, sizeof(c->after->pending.migration_id),
                   request->migration_id);
    c->after->pending.confirmed = false;
    c->after->pending.expires = request->now + request->pending_expiry_s;
    c->result->transition = MH_LEASE_RESERVED;
    return 0;
}

/* Incoming migration, prepare begin on the destination H. */
static int
confirm(struct context *c)
{
    const struct mh_lease_record *now = c->after;
    const char *host = c->request->host;

    if (!pending_matches(c))
        return refuse(c, "guest %s has no pending reservation for host %s%s%s", c->guest, host,
                      *c->request->migration_id ? " and migration " : "",
                      c->request->migration_id);
    if (!now->owner[0] || strcmp(now->owner, host) == 0) {
        /* Nobody else runs it: the destination simply owns it now. */
        clear_pending(c->after);
        if (strcmp(now->owner, host) != 0)
            set_owner(c, host);
    } else {
        c->after->pending.confirmed = true;
        c->after->pending.expires = c->request->now + c->request->migration_expiry_s;
    }
    c->result->transition = MH_LEASE_CONFIRMED;
    return 0;
}

/* Source after a migration: the destination owns it now. */
static int
hand_over(struct context *c)
{
    char pending_host[MH_LEASE_HOST_SIZE];

    if (c->after->owner[0] && strcmp(c->after->owner, c->request->host) != 0)
        return refuse(c, "guest %s is owned by host %s, not by this host (%s): it is not ours "
                      "to hand over", c->guest, c->after->owner, c->request->host);
    if (!can_hand_over(c))
        return refuse(c, "guest %s has no confirmed reservation by another host to hand it "
                      "over to", c->guest);
    mh_string_copy(pending_host, sizeof(pending_host), c->after->pending.host);
    clear_pending(c->after);
    set_owner(c, pending_host);
    c->result->transition = MH_LEASE_HANDED_OVER;
    return 0;
}

/* Destination after a failed incoming migration. */
static int
drop_pending(struct context *c)
{
    if (!can_drop_pending(c))
        return refuse(c, "guest %s has no pending reservation for host %s to drop", c->guest,
                      c->request->host);
    clear_pending(c->after);
    c->result->transition = MH_LEASE_PENDING_DROPPED;
    return 0;
}

/* Normal stop on the owner. */
static int
release(struct context *c)
{
    if (strcmp(c->after->owner, c->request->host) != 0) {
        if (!c->after->owner[0])
            return refuse(c, "guest %s is not owned by any host", c->guest);
        return refuse(c, "guest %s is owned by host %s, not by this host (%s)", c->guest,
                      c->after->owner, c->request->host);
    }
    if (c->after->pending.host[0])
        note(c, "cleared the reservation for host %s", c->after->pending.host);
    clear_pending(c->after);
    set_owner(c, "");
    c->result->transition = MH_LEASE_RELEASED;
    return 0;
}

/* stopped end / release end: the record says which of the three it is. */
static int
stopped(struct context *c)
{
    const char *reason = c->request->stop_reason;
    bool not_migrated = reason_proves_no_migration(reason);

    if (!not_migrated && can_hand_over(c)) {
        c->result->operation = MH_LEASE_HAND_OVER;
        return hand_over(c);
    }
    if (can_drop_pending(c)) {
        c->result->operation = MH_LEASE_DROP_PENDING;
        return drop_pending(c);
    }
    if (strcmp(c->after->owner, c->request->host) == 0) {
        c->result->operation = MH_LEASE_RELEASE;
        if (not_migrated && c->after->pending.host[0] && c->after->pending.confirmed)
            note(c, "did not hand over to host %s: the guest stopped (%s), it was not "
                 "migrated", c->after->pending.host, reason);
        return release(c);
    }
    if (c->after->owner[0])
        note(c, "not ours: owned by host %s", c->after->owner);
    else
        note(c, "not ours: nobody owns it");
    return 0;
}

/* Fill err with the reason and mark the result as a deliberate refusal. */
static int
refuse(struct context *c, const char *format, ...)
{
    va_list args;
    char message[sizeof(c->err->message)];

    va_start(args, format);
    vsnprintf(message, sizeof(message), format, args);
    va_end(args);
    mh_error_set(c->err, "%s", message);
    c->result->refused = true;
    return -1;
}

static int
refuse_owned(struct context *c)
{
    char since[32];

    mh_lease_time_format(c->after->since, since);
    return refuse(c, "guest %s is owned by host %s (since %s); use mh-lease break after "
                  "fencing %s", c->guest, c->after->owner, since, c->after->owner);
}

static int
refuse_reserved(struct context *c)
{
    const struct mh_lease_pending *pending = &c->after->pending;
    char expires[32];

    mh_lease_time_format(pending->expires, expires);
    return refuse(c, "guest %s is reserved by host %s for an incoming migration (%s, until "
                  "%s); retry when it has ended, or use mh-lease break --pending after making "
                  "sure %s does not run it",
                  c->guest, pending->host,
                  pending->migration_id[0] ? pending->migration_id : "no migration id",
                  expires, pending->host);
}

/* Is the (valid) reservation this host's, for this migration? A
 * reservation made without a cookie has no id and matches any call. */
static bool
pending_matches(const struct context *c)
{
    const struct mh_lease_pending *pending = &c->after->pending;

    return pending->host[0] && strcmp(pending->host, c->request->host) == 0 &&
           (!pending->migration_id[0] ||
            strcmp(pending->migration_id, c->request->migration_id) == 0);
}

static bool
can_hand_over(const struct context *c)
{
    const struct mh_lease_record *now = c->after;

    return now->pending.host[0] && now->pending.confirmed &&
           strcmp(now->pending.host, c->request->host) != 0 &&
           (!now->owner[0] || strcmp(now->owner, c->request->host) == 0);
}

static bool
can_drop_pending(const struct context *c)
{
    const struct mh_lease_record *now = c->after;
    const char *migration_id = c->request->migration_id;

    return now->pending.host[0] && strcmp(now->pending.host, c->request->host) == 0 &&
           strcmp(now->owner, c->request->host) != 0 &&
           (!now->pending.migration_id[0] || !*migration_id ||
            strcmp(now->pending.migration_id, migration_id) == 0);
}

/* libvirt >= 10.5 passes the shutoff reason as EXTRA of the source's stop
 * (virDomainShutoffReason names). These say the guest did not leave by
 * migration; "-" (libvirt 9.0), "migrated", "unknown", "daemon" and
 * anything new say nothing, and the record decides. */
static bool
reason_proves_no_migration(const char *reason)
{
    static const char *const reasons[] = {
        "shutdown", "destroyed", "crashed", "saved", "failed", "from snapshot", "from-snapshot",
    };

    if (!reason)
        return false;
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
        if (strcmp(reason, reasons[i]) == 0)
            return true;
    }
    return false;
}

static void
clear_pending(struct mh_lease_record *record)
{
    memset(&record->pending, 0, sizeof(record->pending));
}

static void
set_owner(struct context *c, const char *owner)
{
    mh_string_copy(c->after->owner, sizeof(c->after->owner), owner);
    c->after->since = *owner ? c->request->now : 0;
}

static void
note(struct context *c, const char *format, ...)
{
    size_t used = strlen(c->result->note);
    va_list args;

    if (used && used + 2 < sizeof(c->result->note)) {
        mh_string_append(c->result->note, sizeof(c->result->note), "; ");
        used += 2;
    }
    va_start(args, format);
    vsnprintf(c->result->note + used, sizeof(c->result->note) - used, format, args);
    va_end(args);
}

static int
check_request(const struct mh_lease_request *request, struct mh_error *err)
{
    if (!request->uuid || !mh_lease_uuid_is_valid(request->uuid)) {
        mh_error_set(err, "'%s' is not a guest UUID", request->uuid ? request->uuid : "");
        return -1;
    }
    if (!request->host || !mh_string_is_identifier(request->host)) {
        mh_error_set(err, "'%s' is not a valid host id", request->host ? request->host : "");
        return -1;
    }
    if (!request->source_host || (*request->source_host &&
                                  !mh_string_is_identifier(request->source_host))) {
        mh_error_set(err, "the cookie's source host is not a valid host id");
        return -1;
    }
    if (!request->migration_id ||
        (*request->migration_id && !mh_lease_migration_id_is_valid(request->migration_id))) {
        mh_error_set(err, "the cookie's migration id is not valid");
        return -1;
    }
    if (request->name && strlen(request->name) >= MH_LEASE_NAME_SIZE) {
        mh_error_set(err, "guest name too long");
        return -1;
    }
    return 0;
}
