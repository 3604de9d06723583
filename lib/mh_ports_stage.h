/* mh_ports_stage.h - what the hook's stages do with port data (SPEC
 * section 4): check it on the destination's migrate begin, apply it on
 * started begin. Both read the cookie's "ports" section from hook->cookie
 * (filled by mh_cookie_load()) and do nothing when there is none. */
#ifndef MH_PORTS_STAGE_H
#define MH_PORTS_STAGE_H

struct mh_error;
struct mh_hook;

/* A record left by migrate begin for started begin is trusted this long:
 * the two run seconds apart in one incoming migration (started begin comes
 * in libvirt's prepare phase, before memory is copied). */
#define MH_PORTS_PENDING_MAX_AGE_S 600

/* migrate begin: refuse invalid port data, and under policy refuse a host
 * whose OVSDB does not answer, before any memory is copied; then record
 * that this guest's start is an incoming migration (in
 * conf.ports.pending_dir/UUID), so started begin applies the cookie's port
 * data then and not on some later normal start of the same XML. */
int mh_ports_stage_migrate_begin(struct mh_hook *hook, struct mh_error *err);

/* started begin: when migrate begin recorded an incoming migration of this
 * guest, apply the port data to the new taps (mh_ports_apply) under
 * ports.policy; a refusal fails the start, and libvirt then fails the
 * migration, leaving the guest running on the source. */
int mh_ports_stage_started_begin(struct mh_hook *hook, struct mh_error *err);

#endif
