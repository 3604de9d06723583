/* mh_facts_ovs.c - the names of the Open vSwitch bridges, from OVSDB: one
 * "select" on the Bridge table (RFC 7047 section 5.2.2) through mh_ovsdb. */
#include "mh_error.h"
#include "mh_facts.h"
#include "mh_ovsdb.h"
#include "mh_ovsdb_op.h"

#include <jansson.h>

static int read_rows(const json_t *result, const char *socket_path, struct mh_names *bridges,
                     struct mh_error *err);

int
mh_facts_ovs_bridges(const char *socket_path, long timeout_ms, struct mh_names *bridges,
                     struct mh_error *err)
{
    struct mh_ovsdb db;
    json_t *operations, *result = NULL;
    int ret = -1;

    ret = mh_ovsdb_connect(&db, socket_path, timeout_ms, err);
    if (ret == -2) {
        /* No ovsdb-server: no OVS bridges, and that is a known fact. */
        mh_error_set(err, "Open vSwitch is not running: nothing listens on %s", socket_path);
        mh_names_finish(bridges);
        ret = 1;
        goto cleanup;
    }
    if (ret < 0)
        goto cleanup;
    ret = -1;
    operations = json_pack("[o]", mh_ovsdb_select("Bridge", json_array(),
                                                  json_pack("[s]", "name")));
    if (!operations) {
        mh_error_set(err, "out of memory");
        goto cleanup;
    }
    result = mh_ovsdb_transact(&db, MH_OVSDB_DATABASE, operations, 0, NULL, err);
    if (!result)
        goto cleanup;
    ret = read_rows(result, socket_path, bridges, err);

cleanup:
    json_decref(result);
    mh_ovsdb_close(&db);
    return ret;
}

static int
read_rows(const json_t *result, const char *socket_path, struct mh_names *bridges,
          struct mh_error *err)
{
    const json_t *rows = json_object_get(json_array_get(result, 0), "rows");
    size_t index;
    json_t *row;

    if (!json_is_array(rows)) {
        mh_error_set(err, "OVSDB at %s: the select of bridges has no rows", socket_path);
        return -1;
    }
    json_array_foreach(rows, index, row) {
        const char *name = json_string_value(json_object_get(row, "name"));

        if (!name || !*name)
            continue;
        if (mh_names_add(bridges, name) < 0) {
            mh_error_set(err, "out of memory");
            return -1;
        }
    }
    mh_names_finish(bridges);
    return 0;
}
