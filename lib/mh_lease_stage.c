/* mh_lease_stage.c - ownership leases in the hook's stages. */
#include "mh_lease_stage.h"
#include "mh_cookie.h"
#include "mh_error.h"
#include "mh_hook.h"
#include "mh_lease.h"
#include "mh_lease_store.h"
#include "mh_string.h"

#include <ctype.h>
#include <string.h>

static int run(struct mh_hook *hook, enum mh_lease_operation operation, struct mh_error *err);
static json_t *describe(const struct mh_lease_store *store, const struct mh_lease_result *result);

int
mh_lease_stage_reserve(struct mh_hook *hook, struct mh_error *err)
{
    return run(hook, MH_LEASE_RESERVE, err);
}

int
mh_lease_stage_start(struct mh_hook *hook, struct mh_error *err)
{
    return run(hook, MH_LEASE_START, err);
}

int
mh_lease_stage_stopped(struct mh_hook *hook, struct mh_error *err)
{
    return run(hook, MH_LEASE_STOPPED, err);
}

static int
run(struct mh_hook *hook, enum mh_lease_operation operation, struct mh_error *err)
{
    const struct mh_lease_conf *conf = &hook->conf.lease;
    struct mh_lease_store store = { 0 };
    struct mh_lease_request request;
    struct mh_lease_result result;
    struct mh_lease_token token = { 0 };
    char uuid[MH_UUID_LENGTH + 1];
    int ret;

    if (!conf->enabled)
        return 0;
    /* Name, uuid and cookie only: read without loading libxml2, which
     * costs every hook call that holds a lease about 3 ms. */
    if (mh_hook_identity(hook, err) < 0)
        return -1;
    /* After migrate begin the cookie only names the migration: a
     * reservation this host recorded is matched on its id. */
    if (operation != MH_LEASE_RESERVE && mh_cookie_read(hook, err) < 0)
        return -1;
    /* libvirt prints UUIDs in lower case but reads either. */
    for (size_t i = 0; i < sizeof(uuid); i++)
        uuid[i] = (char)tolower((unsigned char)hook->uuid[i]);
    if (operation == MH_LEASE_RESERVE && mh_lease_token_read(hook->cookie, &token, err) < 0) {
        hook->outcome = MH_OUTCOME_REFUSED;
        return -1;
    }
    mh_lease_request_init(&request, operation, conf, hook->conf.host_id, uuid,
                          hook->name[0] ? hook->name : hook->guest);
    request.source_host = hook->source_host;
    request.migration_id = hook->migration_id;
    request.token = &token;
    request.stop_reason = hook->extra;
    if (mh_lease_store_open(&store, conf, hook->conf.host_id, err) < 0)
        return -1;
    ret = mh_lease_run(&store, &request, &result, err);
    /* Nothing changed and nothing to say (e.g. release end after stopped
     * end did the work): no journal line. */
    if (result.refused || (ret == 0 && (result.changed || result.warning)))
        mh_hook_note(hook, "lease", describe(&store, &result));
    mh_lease_store_close(&store);
    if (ret < 0) {
        if (result.refused)
            hook->outcome = MH_OUTCOME_REFUSED;
        return -1;
    }
    if (result.warning)
        hook->outcome = MH_OUTCOME_WARNED;
    return 0;
}

/* For the journal: what happened and the record afterwards. */
static json_t *
describe(const struct mh_lease_store *store, const struct mh_lease_result *result)
{
    const struct mh_lease_record *after = &result->after;
    json_t *lease = json_object();

    if (!lease)
        return json_null();
    json_object_set_new(lease, "backend", json_string(store->backend->name));
    json_object_set_new(lease, "operation",
                        json_string(mh_lease_operation_name(result->operation)));
    json_object_set_new(lease, "transition",
                        json_string(result->refused ? "refused"
                                                    : mh_lease_transition_name(result->transition)));
    json_object_set_new(lease, "owner", after->owner[0] ? json_string(after->owner) : json_null());
    json_object_set_new(lease, "generation", json_integer(after->generation));
    if (after->pending.host[0])
        json_object_set_new(lease, "pending", json_string(after->pending.host));
    if (result->note[0])
        json_object_set_new(lease, "note", json_string(result->note));
    return lease;
}
