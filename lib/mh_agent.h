/* mh_agent.h - one pass of mh-agent over this host's guests: re-stamp the
 * cookie of running guests, reconcile guests a migration left paused, and
 * keep this host's etcd lease alive. Links libvirt. */
#ifndef MH_AGENT_H
#define MH_AGENT_H

#include <libvirt/libvirt.h>
#include <stdbool.h>
#include <stddef.h>

struct mh_conf;
struct mh_error;

struct mh_agent_counts {
    size_t stamped;
    size_t resumed;
    size_t destroyed;
    size_t reported;        /* left for an operator */
    size_t failed;          /* a stamp or an action that failed */
};

/* Told about every guest the pass did something with (or failed to):
 * what is "stamped", "resume", "destroy", "report" or "error". */
typedef void (*mh_agent_notify)(const char *guest, const char *what, const char *message,
                                void *data);

/* One pass over the active guests of connection (all of them, or only the
 * one with uuid when it is not NULL). Each action is journaled (operation
 * mh-agent) and passed to notify. Returns -1 only when the guests cannot
 * be listed or the lease store cannot be opened. */
int mh_agent_pass(virConnectPtr connection, const struct mh_conf *conf, const unsigned char *uuid,
                  mh_agent_notify notify, void *data, struct mh_agent_counts *counts,
                  struct mh_error *err);

/* Refresh this host's etcd lease (nothing for the dir backend or with
 * leases off). The daemon calls it every third of lease.etcd.ttl_s, which
 * may be shorter than agent.interval_s. */
int mh_agent_keepalive(const struct mh_conf *conf, struct mh_error *err);

/* Seconds between keepalives for conf: a third of the etcd TTL (at least
 * 1), or 0 when there is nothing to keep alive. */
long mh_agent_keepalive_period(const struct mh_conf *conf);

#endif
