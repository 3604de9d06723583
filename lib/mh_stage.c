/* mh_stage.c - the stages of a hook call (SPEC section 4). */
#include "mh_stage.h"
#include "mh_check.h"
#include "mh_cookie.h"
#include "mh_error.h"
#include "mh_hook.h"

#include <stddef.h>
#include <string.h>

static int migrate_begin(struct mh_hook *hook, struct mh_error *err);

static const struct mh_stage stages[] = {
    { "migrate", "begin", migrate_begin, true },
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
    if (mh_cookie_load(hook, err) < 0)
        return -1;
    /* The XML rewrite (issue 5) goes here: the checks read hook->document
     * as the destination will run it. */
    if (mh_check_hook(hook, err) < 0)
        return -1;
    mh_hook_note(hook, "accepted", json_true());
    return 0;
}
