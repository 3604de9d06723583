/* mh_ports_conf.h - the "ports" section of the configuration: its field
 * table (plugged into mh_conf.c's top level) and its defaults. */
#ifndef MH_PORTS_CONF_H
#define MH_PORTS_CONF_H

#include "mh_conf.h"

#define MH_PORTS_PENDING_DIR MH_STATE_DIR "/ports"

extern const struct mh_conf_field mh_ports_conf_fields[];

void mh_ports_conf_defaults(struct mh_conf_ports *ports);

/* The policy's name as written in config: refuse, warn, drop. */
const char *mh_ports_conf_policy_name(int policy);

/* Parse a policy name; -1 when it is none of them. */
int mh_ports_conf_policy_parse(const char *name);

#endif
