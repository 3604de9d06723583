/* mh_stage.c - the stages of a hook call (SPEC section 4). */
#include "mh_stage.h"
#include "mh_check.h"
#include "mh_cookie.h"
#include "mh_error.h"
#include "mh_hook.h"
#include "mh_lease_stage.h"
#include "mh_ports_stage.h"
#include "mh_rewrite.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

static int migrate_begin(struct mh_hook *hook, struct mh_error *err);
static int restore_begin(struct mh_hook *hook, struct mh_error *err);
static int prepare_begin(struct mh_hook *hook, struct mh_error *err);
static int started_begin(struct mh_hook *hook, struct mh_error *err);
static int stopped_end(struct mh_hook *hook, struct mh_error *err);
static int rewrite_document(struct mh_hook *hook, struct mh_rewrite_rules *rules,
                            struct mh_error *err);

/* In the order libvirt calls them (SPEC section 1). */
static const struct mh_stage stages[] = {
    { "migrate", "begin", migrate_begin, true },
    { "restore", "begin", restore_begin, true },
    { "prepare", "begin", prepare_begin, true },
    /* can_abort: libvirt runs it in qemuProcessFinishStartup and stops the
     * guest when it fails; in an incoming migration that is the prepare
     * phase, so the migration fails and the source keeps running. */
    { "started", "begin", started_begin, true },
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
    /* A forged or stale cookie is refused before any other work. */
    if (mh_cookie_load(hook, err) < 0)
        return -1;
    /* Before the checks, so that they judge the XML this host will run. */
    if (rewrite_document(hook, NULL, err) < 0)
        return -1;
    if (mh_check_hook(hook, err) < 0)
        return -1;
    if (mh_ports_stage_migrate_begin(hook, err) < 0)
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

/* A save image being restored (virsh restore, or a managed save at start)
 * names the host it was saved on, like an incoming migration: same rules.
 * Without rules there is nothing to do, not even reading the XML. */
static int
restore_begin(struct mh_hook *hook, struct mh_error *err)
{
    struct mh_rewrite_rules *rules = mh_rewrite_rules_new(hook->conf.rewrite, err);

    if (!rules)
        return -1;
    if (mh_rewrite_rules_empty(rules)) {
        mh_rewrite_rules_free(rules);
        return 0;
    }
    if (!mh_hook_document(hook, err)) {
        mh_rewrite_rules_free(rules);
        return -1;
    }
    return rewrite_document(hook, rules, err);
}

/* Rewrite hook->document in place with the configured rules (rules, which
 * this frees, or compiled here when NULL), journal what changed (counts,
 * never content) and hand the new XML to the dispatcher to print, only when
 * something changed: empty output keeps libvirt from tainting the guest. */
static int
rewrite_document(struct mh_hook *hook, struct mh_rewrite_rules *rules, struct mh_error *err)
{
    struct mh_rewrite_result result;
    int ret = -1;

    if (!rules && !(rules = mh_rewrite_rules_new(hook->conf.rewrite, err)))
        return -1;
    if (mh_rewrite_rules_empty(rules)) {
        ret = 0;
        goto cleanup;
    }
    if (mh_rewrite_apply(rules, hook->document, hook->input, hook->input_length, &result,
                         err) < 0) {
        mh_error_prefix(err, "XML rewrite");
        goto cleanup;
    }
    mh_hook_note(hook, "rewrite", mh_rewrite_summary(&result));
    if (result.changed) {
        free(hook->output);
        hook->output = result.output;
        hook->output_length = result.output_length;
        result.output = NULL;
    }
    mh_rewrite_result_free(&result);
    ret = 0;

cleanup:
    mh_rewrite_rules_free(rules);
    return ret;
}

/* Destination side of an incoming migration, the new taps exist: apply
 * the port data carried in the cookie. */
static int
started_begin(struct mh_hook *hook, struct mh_error *err)
{
    /* The cookie through the identity (expat): every start of every guest
     * passes here, and only port data to apply needs the document. */
    if (mh_cookie_read(hook, err) < 0)
        return -1;
    return mh_ports_stage_started_begin(hook, err);
}
