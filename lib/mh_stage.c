/* mh_stage.c - the stages of a hook call (SPEC section 4). */
#include "mh_stage.h"
#include "mh_error.h"
#include "mh_hook.h"
#include "mh_ports_stage.h"

#include <stddef.h>
#include <string.h>

static int migrate_begin(struct mh_hook *hook, struct mh_error *err);
static int started_begin(struct mh_hook *hook, struct mh_error *err);

static const struct mh_stage stages[] = {
    { "migrate", "begin", migrate_begin, true },
    /* can_abort: libvirt runs it in qemuProcessFinishStartup and stops the
     * guest when it fails; in an incoming migration that is the prepare
     * phase, so the migration fails and the source keeps running. */
    { "started", "begin", started_begin, true },
};

const struct mh_stage *
mh_stage_find(const char *operation, const char *sub_operation)
{
    for (size_t i = 0; i < sizeof(stages) / sizeof(stages[0]); i++) {
        if (strcmp(stages[i].operation, operation) == 0 &&
            strcmp(stages[i].sub_operation, sub_operation) == 0)
            return &stages[i];
    }
    return NULL;
}

/* Destination side, before any memory is copied: the incoming domain XML
 * must be something we can read, or the migration is refused. */
static int
migrate_begin(struct mh_hook *hook, struct mh_error *err)
{
    if (!mh_hook_document(hook, err))
        return -1;
    if (mh_ports_stage_migrate_begin(hook, err) < 0)
        return -1;
    mh_hook_note(hook, "accepted", json_true());
    return 0;
}

/* Destination side of an incoming migration, the new taps exist: apply
 * the port data carried in the cookie. */
static int
started_begin(struct mh_hook *hook, struct mh_error *err)
{
    /* LEAD: add the cookie load here once lib/mh_cookie.c is merged:
     * if (mh_cookie_load(hook, err) < 0) return -1; */
    return mh_ports_stage_started_begin(hook, err);
}
