/* mh_lease_stage.h - what the hook's stages do about ownership leases
 * (SPEC section 4). Each does nothing unless lease.enabled is true. */
#ifndef MH_LEASE_STAGE_H
#define MH_LEASE_STAGE_H

struct mh_error;
struct mh_hook;

/* migrate begin (destination): reserve the guest for this host, from the
 * cookie's source host, migration id and lease token (hook->source_host,
 * hook->migration_id, hook->cookie). A refusal sets MH_OUTCOME_REFUSED. */
int mh_lease_stage_reserve(struct mh_hook *hook, struct mh_error *err);

/* prepare begin: confirm this host's reservation (incoming migration), or
 * acquire (normal start); refuses a guest another host owns. */
int mh_lease_stage_start(struct mh_hook *hook, struct mh_error *err);

/* stopped end / release end: hand over, drop the reservation, or release,
 * as the record says. Never refuses (libvirt cannot abort a stop). */
int mh_lease_stage_stopped(struct mh_hook *hook, struct mh_error *err);

#endif
