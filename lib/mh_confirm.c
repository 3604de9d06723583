/* mh_confirm.c - after a migration: exactly one running copy of the guest. */
#include "mh_confirm.h"
#include "mh_error.h"
#include "mh_facts_virt.h"

#include <libvirt/virterror.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static void set(struct mh_confirm_decision *decision, enum mh_confirm_action action,
                enum mh_confirm_outcome outcome, const char *format, ...)
    __attribute__((format(printf, 4, 5)));

void
mh_confirm_decide(enum mh_confirm_copy source, enum mh_confirm_copy destination,
                  const char *guest, const char *source_uri, const char *destination_uri,
                  struct mh_confirm_decision *decision)
{
    const char *src = source_uri ? source_uri : "the source";
    const char *dst = destination_uri ? destination_uri : "the destination";

    if (destination == MH_COPY_RUNNING) {
        switch (source) {
        case MH_COPY_ABSENT:
            set(decision, MH_CONFIRM_NOTHING, MH_OUTCOME_MIGRATED,
                "%s runs on the destination only", guest);
            return;
        case MH_COPY_PAUSED:
        case MH_COPY_POSTCOPY:
            /* The destination's copy is the live one: the paused source
             * must never be resumed. */
            set(decision, MH_CONFIRM_DESTROY_SOURCE, MH_OUTCOME_MIGRATED,
                "%s runs on the destination; destroying the paused copy on the source", guest);
            return;
        case MH_COPY_RUNNING:
            set(decision, MH_CONFIRM_NOTHING, MH_OUTCOME_OPERATOR,
                "%s runs on both hosts: stop the copy that is not the real one "
                "(virsh -c %s destroy %s, or the same on %s)", guest, src, guest, dst);
            return;
        case MH_COPY_UNKNOWN:
            set(decision, MH_CONFIRM_NOTHING, MH_OUTCOME_OPERATOR,
                "%s runs on the destination but the source cannot be asked: make sure it does "
                "not run there too (virsh -c %s domstate %s)", guest, src, guest);
            return;
        }
    }
    switch (source) {
    case MH_COPY_RUNNING:
        if (destination == MH_COPY_PAUSED || destination == MH_COPY_POSTCOPY)
            set(decision, MH_CONFIRM_NOTHING, MH_OUTCOME_STAYED,
                "%s keeps running on the source; a paused incoming copy is left on the "
                "destination (virsh -c %s destroy %s)", guest, dst, guest);
        else
            set(decision, MH_CONFIRM_NOTHING, MH_OUTCOME_STAYED,
                "%s keeps running on the source", guest);
        return;
    case MH_COPY_PAUSED:
        if (destination == MH_COPY_UNKNOWN) {
            set(decision, MH_CONFIRM_NOTHING, MH_OUTCOME_OPERATOR,
                "%s is paused on the source and the destination cannot be asked: resume it "
                "(virsh -c %s resume %s) only once %s surely does not run it, or let "
                "mh-agent --once decide from the lease", guest, src, guest, dst);
            return;
        }
        set(decision, MH_CONFIRM_RESUME_SOURCE, MH_OUTCOME_STAYED,
            "%s does not run on the destination; resuming it on the source", guest);
        return;
    case MH_COPY_POSTCOPY:
        set(decision, MH_CONFIRM_NOTHING, MH_OUTCOME_OPERATOR,
            "%s failed in post-copy: part of its memory is only on the destination, so "
            "neither copy can simply be resumed; recover it on %s (virsh -c %s migrate "
            "--postcopy --postcopy-resume) or destroy both and start it again",
            guest, dst, src);
        return;
    case MH_COPY_ABSENT:
        if (destination == MH_COPY_PAUSED || destination == MH_COPY_POSTCOPY)
            set(decision, MH_CONFIRM_NOTHING, MH_OUTCOME_OPERATOR,
                "%s is gone from the source and paused on the destination: check it there "
                "and resume it (virsh -c %s resume %s)", guest, dst, guest);
        else
            set(decision, MH_CONFIRM_NOTHING, MH_OUTCOME_OPERATOR,
                "%s runs on neither host (source: gone, destination: %s): start it again "
                "where its disks are", guest, mh_confirm_copy_name(destination));
        return;
    case MH_COPY_UNKNOWN:
        set(decision, MH_CONFIRM_NOTHING, MH_OUTCOME_OPERATOR,
            "the source cannot be asked about %s and the destination does not run it: "
            "check %s", guest, src);
        return;
    }
}

enum mh_confirm_copy
mh_confirm_copy_of(virConnectPtr connection, const unsigned char *uuid)
{
    virDomainPtr domain;
    int state = VIR_DOMAIN_NOSTATE, reason = 0, active;

    if (!connection)
        return MH_COPY_UNKNOWN;
    domain = virDomainLookupByUUID(connection, uuid);
    if (!domain) {
        virErrorPtr error = virGetLastError();

        return error && error->code == VIR_ERR_NO_DOMAIN ? MH_COPY_ABSENT : MH_COPY_UNKNOWN;
    }
    active = virDomainIsActive(domain);
    if (active == 1 && virDomainGetState(domain, &state, &reason, 0) < 0)
        active = -1;
    virDomainFree(domain);
    if (active < 0)
        return MH_COPY_UNKNOWN;
    if (active == 0)
        return MH_COPY_ABSENT;
    if (state == VIR_DOMAIN_RUNNING)
        return MH_COPY_RUNNING;
    if (state == VIR_DOMAIN_PAUSED)
        return reason == VIR_DOMAIN_PAUSED_POSTCOPY || reason == VIR_DOMAIN_PAUSED_POSTCOPY_FAILED
                   ? MH_COPY_POSTCOPY
                   : MH_COPY_PAUSED;
    /* Shutting down, crashed, pmsuspended: not a copy to resume or keep. */
    return MH_COPY_ABSENT;
}

const char *
mh_confirm_copy_name(enum mh_confirm_copy copy)
{
    static const char *const names[] = { "absent", "running", "paused", "postcopy-paused",
                                         "unknown" };

    return copy <= MH_COPY_UNKNOWN ? names[copy] : "unknown";
}

int
mh_confirm_run(virConnectPtr source, virConnectPtr destination, const unsigned char *uuid,
               const char *guest, const char *source_uri, const char *destination_uri,
               struct mh_confirm_decision *decision, struct mh_error *err)
{
    enum mh_confirm_copy source_copy, destination_copy;
    virDomainPtr domain;
    int status;

    if (!source || !uuid || !guest) {
        mh_error_set(err, "confirm: no source connection or guest");
        return -1;
    }
    source_copy = mh_confirm_copy_of(source, uuid);
    destination_copy = mh_confirm_copy_of(destination, uuid);
    mh_confirm_decide(source_copy, destination_copy, guest, source_uri, destination_uri,
                      decision);
    if (decision->action == MH_CONFIRM_NOTHING)
        return 0;
    domain = virDomainLookupByUUID(source, uuid);
    status = -1;
    if (domain) {
        status = decision->action == MH_CONFIRM_DESTROY_SOURCE ? virDomainDestroy(domain)
                                                                : virDomainResume(domain);
        virDomainFree(domain);
    }
    if (status < 0) {
        /* The reason grows by libvirt's word; truncation is acceptable. */
        size_t used = strlen(decision->reason);

        decision->outcome = MH_OUTCOME_OPERATOR;
        snprintf(decision->reason + used, sizeof(decision->reason) - used, ", but that failed: %.200s",
                 mh_facts_virt_error());
    }
    return 0;
}

static void
set(struct mh_confirm_decision *decision, enum mh_confirm_action action,
    enum mh_confirm_outcome outcome, const char *format, ...)
{
    va_list args;

    decision->action = action;
    decision->outcome = outcome;
    va_start(args, format);
    vsnprintf(decision->reason, sizeof(decision->reason), format, args);
    va_end(args);
}
