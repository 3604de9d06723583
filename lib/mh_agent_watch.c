/* mh_agent_watch.c - an OVSDB monitor whose only use is waking mh-agent. */
#include "mh_agent_watch.h"
#include "mh_conf.h"
#include "mh_error.h"

#include <errno.h>
#include <sys/socket.h>

int
mh_agent_watch_start(struct mh_ovsdb *db, const struct mh_conf *conf, struct mh_error *err)
{
    json_t *params, *result;

    if (mh_ovsdb_connect(db, conf->ports.ovsdb_socket, conf->ports.timeout_ms, err) < 0)
        return -1;
    /* "initial": false - the reply carries no rows, however many ports. */
    params = json_pack("[s n {s{s[sss] s{sbsbsbsb}} s{s[ssss] s{sbsbsbsb}}}]", "Open_vSwitch",
                       "Interface",
                       "columns", "external_ids", "ingress_policing_rate",
                       "ingress_policing_burst", "select", "initial", 0, "insert", 1, "delete", 0,
                       "modify", 1, "Port", "columns", "tag", "trunks", "vlan_mode",
                       "other_config", "select", "initial", 0, "insert", 1, "delete", 0, "modify",
                       1);
    if (!params) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    result = mh_ovsdb_call(db, "monitor", params, 0, err);
    if (!result) {
        mh_error_prefix(err, "OVSDB monitor");
        return -1;
    }
    json_decref(result);
    return 0;
}

int
mh_agent_watch_drain(struct mh_ovsdb *db)
{
    char scratch[4096];
    int got = 0;

    for (;;) {
        ssize_t count = recv(db->fd, scratch, sizeof(scratch), MSG_DONTWAIT);

        if (count > 0) {
            got = 1;
            continue;
        }
        if (count == 0)
            return -1;
        if (errno == EINTR)
            continue;
        return errno == EAGAIN || errno == EWOULDBLOCK ? got : -1;
    }
}
