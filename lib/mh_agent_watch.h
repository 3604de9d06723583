/* mh_agent_watch.h - tell mh-agent when port data changes in OVSDB, so that
 * cookies carry it at once: an RFC 7047 "monitor" of the columns the ports
 * module carries, whose notifications only wake the agent (they are read
 * and dropped, never parsed: the pass re-reads what it needs). */
#ifndef MH_AGENT_WATCH_H
#define MH_AGENT_WATCH_H

#include "mh_ovsdb.h"

struct mh_conf;
struct mh_error;

/* Connect to conf->ports.ovsdb_socket and monitor Interface external_ids
 * and policing and Port tag, trunks, vlan_mode and other_config, without
 * the initial contents. db->fd is then the socket to wait on. */
int mh_agent_watch_start(struct mh_ovsdb *db, const struct mh_conf *conf, struct mh_error *err);

/* Read whatever the server sent without blocking. Returns 1 when something
 * came (a change), 0 when nothing did, -1 when the server closed the
 * connection (watch again later). */
int mh_agent_watch_drain(struct mh_ovsdb *db);

#endif
