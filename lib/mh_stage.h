/* mh_stage.h - the stage table: which (operation, sub-operation) of a
 * libvirt qemu hook call does what. Calls with no stage exit at once. */
#ifndef MH_STAGE_H
#define MH_STAGE_H

#include <stdbool.h>

struct mh_error;
struct mh_hook;

struct mh_stage {
    const char *operation;
    const char *sub_operation;
    /* Returns 0, or -1 with err filled; a deliberate refusal also sets
     * hook->outcome to MH_OUTCOME_REFUSED, anything else is an error. */
    int (*run)(struct mh_hook *hook, struct mh_error *err);
    /* libvirt aborts the operation when this call exits non-zero, so a
     * failure here fails closed with exit 1; elsewhere it exits 0. */
    bool can_abort;
};

/* The stage for this call, or NULL when migrate-hooks has nothing to do. */
const struct mh_stage *mh_stage_find(const char *operation, const char *sub_operation);

#endif
