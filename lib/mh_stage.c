/* mh_stage.c - the stages of a hook call (SPEC section 4). */
#include "mh_stage.h"
#include "mh_error.h"
#include "mh_hook.h"
#include "mh_lease_stage.h"

#include <stddef.h>
#include <string.h>

static int migrate_begin(struct mh_hook *hook, struct mh_error *err);
static int prepare_begin(struct mh_hook *hook, struct mh_error *err);
static int stopped_end(struct mh_hook *hook, struct mh_error *err);

static const struct mh_stage stages[] = {
    { "migrate", "begin", migrate_begin, true },
    { "prepare", "begin", prepare_begin, true },
    { "stopped", "end", stopped_end, false },
    { "release", "end", stopped_end, false },
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
    mh_hook_note(hook, "accepted", json_true());
    return mh_lease_stage_reserve(hook, err);
}

/* Normal start or incoming migration, before QEMU starts: the lease. */
static int
prepare_begin(struct mh_hook *hook, struct mh_error *err)
{
    return mh_lease_stage_start(hook, err);
}

/* Every stop, on the source of a migration too: the lease, as the record
 * says. Runs at release end again, where it usually has nothing left to do,
 * because libvirt may skip stopped end when QEMU never started. */
static int
stopped_end(struct mh_hook *hook, struct mh_error *err)
{
    return mh_lease_stage_stopped(hook, err);
}
