/* mh_confirm.h - the confirm step after a migration call returned: look at
 * the guest on both hosts and leave exactly one copy (destroy a paused
 * source when the destination runs it, resume the source when the
 * destination does not), or say what an operator must do. The decision is
 * a pure function of the states, so it is tested without libvirt. */
#ifndef MH_CONFIRM_H
#define MH_CONFIRM_H

#include <libvirt/libvirt.h>
#include <stdbool.h>
#include <stddef.h>

struct mh_error;

/* A copy of the guest on one host. */
enum mh_confirm_copy {
    MH_COPY_ABSENT,         /* not defined, or defined and not running */
    MH_COPY_RUNNING,
    MH_COPY_PAUSED,         /* paused for any reason but post-copy */
    MH_COPY_POSTCOPY,       /* paused in (or after a failed) post-copy */
    MH_COPY_UNKNOWN,        /* the host could not be asked */
};

enum mh_confirm_action {
    MH_CONFIRM_NOTHING,
    MH_CONFIRM_DESTROY_SOURCE,
    MH_CONFIRM_RESUME_SOURCE,
};

/* The overall result, which mh-migrate maps to its exit code. */
enum mh_confirm_outcome {
    MH_OUTCOME_MIGRATED,    /* only the destination runs it */
    MH_OUTCOME_STAYED,      /* only the source runs it (failed or aborted) */
    MH_OUTCOME_OPERATOR,    /* no safe automatic answer */
};

struct mh_confirm_decision {
    enum mh_confirm_action action;
    enum mh_confirm_outcome outcome;
    char reason[512];       /* what was seen and, for OPERATOR, what to do */
};

/* Decide from the two copies. guest, source_uri and destination_uri are
 * only used in the reason text. */
void mh_confirm_decide(enum mh_confirm_copy source, enum mh_confirm_copy destination,
                       const char *guest, const char *source_uri, const char *destination_uri,
                       struct mh_confirm_decision *decision);

/* The copy of the guest with uuid on connection (NULL: UNKNOWN). */
enum mh_confirm_copy mh_confirm_copy_of(virConnectPtr connection, const unsigned char *uuid);

const char *mh_confirm_copy_name(enum mh_confirm_copy copy);

/* Look at both hosts, decide, and carry out the action on source (a
 * destroy or a resume; afterwards the source copy is looked at again, and
 * a failed action turns the outcome into OPERATOR). destination may be NULL
 * when it cannot be reached (its copy is then UNKNOWN). Returns 0 with
 * decision filled; -1 only on a bad argument. */
int mh_confirm_run(virConnectPtr source, virConnectPtr destination, const unsigned char *uuid,
                   const char *guest, const char *source_uri, const char *destination_uri,
                   struct mh_confirm_decision *decision, struct mh_error *err);

#endif
