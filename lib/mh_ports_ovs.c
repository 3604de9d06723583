/* mh_ports_ovs.c - the "ovs" port provider: Open vSwitch Interface and Port rows, over OVSDB.
 *
 * Data carried per NIC (docs/ports.md):
 *   {"interface": {"external_ids": {KEY: VALUE...},
 *                  "ingress_policing_rate": N, "ingress_policing_burst": N},
 *    "port": {"tag": N, "trunks": [N...], "vlan_mode": "access",
 *             "other_config": {KEY: VALUE...}}}
 * Only what is set is carried, and only what is carried is written: a
 * column or key absent from the data is left as the destination has it. */
#include "mh_error.h"
#include "mh_ovsdb.h"
#include "mh_ovsdb_op.h"
#include "mh_pattern.h"
#include "mh_ports.h"

#include <stdlib.h>
#include <string.h>

/* Keys libvirt writes on every OVS port it creates: never carried, never
 * written, whatever the configuration says (SPEC section 1). */
static const char *const libvirt_keys[] = { "attached-mac", "iface-id", "iface-status", "vm-id",
                                            NULL };
static const char *const vlan_modes[] = { "trunk", "access", "native-tagged", "native-untagged",
                                          "dot1q-tunnel", NULL };

/* Bounds on cookie content; OVSDB itself has none worth relying on. */
#define MAX_MAP_KEYS 256
#define MAX_KEY_BYTES 256
#define MAX_VALUE_BYTES 65536
#define MAX_POLICING 4294967295LL       /* vswitchd keeps these as uint32 */
#define MAX_VLAN 4095

struct ovs_session {
    const struct mh_conf *conf;
    struct mh_ovsdb db;
    json_t *operations;         /* staged by apply, sent by commit */
    json_t *purposes;           /* per operation: what it means, for errors */
};

static bool ovs_matches(const struct mh_ports_interface *interface);
static int ovs_open(const struct mh_conf *conf, void **session, struct mh_error *err);
static void ovs_close(void *session);
static json_t *ovs_collect(void *session, const struct mh_ports_interface *interface,
                           struct mh_error *err);
static int ovs_validate(const json_t *data, struct mh_error *err);
static int ovs_apply(void *session, const struct mh_ports_interface *interface,
                     const json_t *data, json_t *note, struct mh_error *err);
static int ovs_commit(void *session, struct mh_error *err);

static json_t *select_one(struct ovs_session *session, const char *table, json_t *where,
                          json_t *columns, const char *what, struct mh_error *err);
static int collect_port(struct ovs_session *session, const char *interface_uuid, json_t *data,
                        struct mh_error *err);
static bool port_column_enabled(const struct mh_conf *conf, const char *column);
static bool is_libvirt_key(const char *key);
static json_t *filter_map(const json_t *map, const json_t *patterns);
static json_t *key_names(const json_t *map);
static int check_map(const json_t *map, bool libvirt_forbidden, const char *label,
                     struct mh_error *err);
static int check_integer(const json_t *value, json_int_t max, const char *label,
                         struct mh_error *err);
static int check_trunks(const json_t *trunks, struct mh_error *err);
static json_t *attached_mac_condition(const char *mac);
static void stage(struct ovs_session *session, json_t *operation, const char *purpose);

const struct mh_ports_provider mh_ports_ovs_provider = {
    .name = "ovs",
    .matches = ovs_matches,
    .open = ovs_open,
    .close = ovs_close,
    .collect = ovs_collect,
    .validate = ovs_validate,
    .apply = ovs_apply,
    .commit = ovs_commit,
};

/* libvirt writes <virtualport type='openvswitch'> into the live XML of
 * every NIC it plugged into OVS, also for <interface type='network'> whose
 * network is an OVS bridge. */
static bool
ovs_matches(const struct mh_ports_interface *interface)
{
    return strcmp(interface->virtualport, "openvswitch") == 0;
}

static int
ovs_open(const struct mh_conf *conf, void **handle, struct mh_error *err)
{
    struct ovs_session *session = calloc(1, sizeof(*session));
    json_t *databases = NULL;
    size_t index;
    json_t *name;
    bool served = false;

    *handle = NULL;
    if (!session) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    session->conf = conf;
    if (mh_ovsdb_connect(&session->db, conf->ports.ovsdb_socket, conf->ports.timeout_ms,
                         err) < 0)
        goto failed;
    /* A socket that accepts is not yet a server that answers. */
    databases = mh_ovsdb_call(&session->db, "list_dbs", json_array(), 0, err);
    if (!databases)
        goto failed;
    json_array_foreach(databases, index, name) {
        if (json_is_string(name) && strcmp(json_string_value(name), MH_OVSDB_DATABASE) == 0)
            served = true;
    }
    json_decref(databases);
    if (!served) {
        mh_error_set(err, "ovsdb-server at %s does not serve the %s database",
                     conf->ports.ovsdb_socket, MH_OVSDB_DATABASE);
        goto failed;
    }
    session->operations = json_array();
    session->purposes = json_array();
    if (!session->operations || !session->purposes) {
        mh_error_set(err, "out of memory");
        goto failed;
    }
    *handle = session;
    return 0;

failed:
    ovs_close(session);
    return -1;
}

static void
ovs_close(void *handle)
{
    struct ovs_session *session = handle;

    if (!session)
        return;
    mh_ovsdb_close(&session->db);
    json_decref(session->operations);
    json_decref(session->purposes);
    free(session);
}

/* The Interface row is found by the tap's name and must belong to the NIC's
 * MAC (libvirt's attached-mac), so a tap name reused by another guest is
 * never read; without a tap name the MAC alone finds it. */
static json_t *
ovs_collect(void *handle, const struct mh_ports_interface *interface, struct mh_error *err)
{
    struct ovs_session *session = handle;
    const struct mh_conf *conf = session->conf;
    char what[160];
    json_t *where, *row, *ids = NULL, *data = NULL, *carried = NULL, *section = NULL;
    const char *uuid, *attached;
    char attached_mac[18];

    if (interface->target[0]) {
        snprintf(what, sizeof(what), "OVSDB Interface named %s", interface->target);
        where = mh_ovsdb_where_equal("name", json_string(interface->target));
    } else {
        snprintf(what, sizeof(what), "OVSDB Interface with attached-mac %s", interface->mac);
        where = json_pack("[o]", attached_mac_condition(interface->mac));
    }
    row = select_one(session, "Interface", where,
                     json_pack("[s, s, s, s, s]", "_uuid", "name", "external_ids",
                               "ingress_policing_rate", "ingress_policing_burst"),
                     what, err);
    if (!row)
        return NULL;
    uuid = mh_ovsdb_uuid_decode(json_object_get(row, "_uuid"));
    ids = mh_ovsdb_map_decode(json_object_get(row, "external_ids"), err);
    if (!uuid || !ids) {
        mh_error_prefix(err, "%s: unreadable row", what);
        goto cleanup;
    }
    attached = json_string_value(json_object_get(ids, "attached-mac"));
    if (attached && (mh_ports_mac_normalize(attached, attached_mac) < 0 ||
                     strcmp(attached_mac, interface->mac) != 0)) {
        mh_error_set(err, "%s belongs to MAC %.17s, not to this NIC", what, attached);
        goto cleanup;
    }

    data = json_object();
    section = json_object();
    carried = filter_map(ids, conf->ports.external_ids);
    if (!data || !section || !carried) {
        mh_error_set(err, "out of memory");
        goto cleanup;
    }
    if (json_object_size(carried))
        json_object_set(section, "external_ids", carried);
    if (conf->ports.policing) {
        json_t *rate = json_object_get(row, "ingress_policing_rate");
        json_t *burst = json_object_get(row, "ingress_policing_burst");

        /* 0 is OVS's "no policing": nothing worth carrying. */
        if (json_integer_value(rate) > 0 || json_integer_value(burst) > 0) {
            json_object_set(section, "ingress_policing_rate", rate);
            json_object_set(section, "ingress_policing_burst", burst);
        }
    }
    if (json_object_size(section))
        json_object_set(data, "interface", section);
    /* Refuse to stamp what the destination would refuse to apply. */
    if (collect_port(session, uuid, data, err) < 0 || ovs_validate(data, err) < 0) {
        json_decref(data);
        data = NULL;
    }

cleanup:
    json_decref(row);
    json_decref(ids);
    json_decref(carried);
    json_decref(section);
    return data;
}

static int
ovs_validate(const json_t *data, struct mh_error *err)
{
    json_t *interface = json_object_get(data, "interface");
    json_t *port = json_object_get(data, "port");
    json_t *value;

    if (interface && !json_is_object(interface)) {
        mh_error_set(err, "interface: must be an object");
        return -1;
    }
    if (port && !json_is_object(port)) {
        mh_error_set(err, "port: must be an object");
        return -1;
    }
    if ((value = json_object_get(interface, "external_ids")) &&
        check_map(value, true, "interface.external_ids", err) < 0)
        return -1;
    if ((value = json_object_get(interface, "ingress_policing_rate")) &&
        check_integer(value, MAX_POLICING, "interface.ingress_policing_rate", err) < 0)
        return -1;
    if ((value = json_object_get(interface, "ingress_policing_burst")) &&
        check_integer(value, MAX_POLICING, "interface.ingress_policing_burst", err) < 0)
        return -1;
    if ((value = json_object_get(port, "tag")) &&
        check_integer(value, MAX_VLAN, "port.tag", err) < 0)
        return -1;
    if ((value = json_object_get(port, "trunks")) && check_trunks(value, err) < 0)
        return -1;
    if ((value = json_object_get(port, "vlan_mode"))) {
        bool known = false;

        for (int i = 0; json_is_string(value) && vlan_modes[i]; i++)
            known = known || strcmp(vlan_modes[i], json_string_value(value)) == 0;
        if (!known) {
            mh_error_set(err, "port.vlan_mode: must be one of trunk, access, native-tagged, "
                         "native-untagged, dot1q-tunnel");
            return -1;
        }
    }
    if ((value = json_object_get(port, "other_config")) &&
        check_map(value, false, "port.other_config", err) < 0)
        return -1;
    return 0;
}

/* Stage, for one NIC: wait for its Interface row (the tap named in the
 * live XML, carrying this NIC's MAC) for at most wait_ms, then replace the
 * carried external_ids keys (delete + insert: other keys, libvirt's among
 * them, are untouched), policing, and the Port's columns. data was checked
 * by ovs_validate. The destination's own patterns filter again: what is
 * written here is this host's operator's call. */
static int
ovs_apply(void *handle, const struct mh_ports_interface *interface, const json_t *data,
          json_t *note, struct mh_error *err)
{
    struct ovs_session *session = handle;
    const struct mh_conf *conf = session->conf;
    const char *tap = interface->target;
    json_t *interface_data = json_object_get(data, "interface");
    json_t *port_data = json_object_get(data, "port");
    json_t *ids = NULL, *other = NULL, *policing = NULL, *port_row = NULL;
    char purpose[256];
    int ret = -1;

    if (!tap[0]) {
        mh_error_set(err, "the domain XML has no <target dev> for it: its tap is unknown");
        return -1;
    }
    ids = filter_map(json_object_get(interface_data, "external_ids"), conf->ports.external_ids);
    other = filter_map(port_data && port_column_enabled(conf, "other_config")
                           ? json_object_get(port_data, "other_config") : NULL,
                       conf->ports.other_config);
    policing = json_object();
    port_row = json_object();
    if (!ids || !other || !policing || !port_row) {
        mh_error_set(err, "out of memory");
        goto cleanup;
    }
    if (conf->ports.policing) {
        json_t *value;

        if ((value = json_object_get(interface_data, "ingress_policing_rate")))
            json_object_set(policing, "ingress_policing_rate", value);
        if ((value = json_object_get(interface_data, "ingress_policing_burst")))
            json_object_set(policing, "ingress_policing_burst", value);
    }
    if (port_column_enabled(conf, "tag") && json_object_get(port_data, "tag"))
        json_object_set(port_row, "tag", json_object_get(port_data, "tag"));
    if (port_column_enabled(conf, "trunks") && json_object_get(port_data, "trunks"))
        json_object_set_new(port_row, "trunks",
                            mh_ovsdb_set(json_copy(json_object_get(port_data, "trunks"))));
    if (port_column_enabled(conf, "vlan_mode") && json_object_get(port_data, "vlan_mode"))
        json_object_set(port_row, "vlan_mode", json_object_get(port_data, "vlan_mode"));

    if (!json_object_size(ids) && !json_object_size(other) && !json_object_size(policing) &&
        !json_object_size(port_row)) {
        json_object_set_new(note, "nothing", json_true());
        ret = 0;
        goto cleanup;
    }

    snprintf(purpose, sizeof(purpose),
             "no OVSDB Interface %s carrying attached-mac %s appeared within %ld ms", tap,
             interface->mac, conf->ports.wait_ms);
    stage(session,
          mh_ovsdb_wait("Interface",
                        json_pack("[o, o]", mh_ovsdb_condition("name", "==", json_string(tap)),
                                  attached_mac_condition(interface->mac)),
                        json_pack("[s]", "name"), "==", json_pack("[{s:s}]", "name", tap),
                        conf->ports.wait_ms),
          purpose);
    snprintf(purpose, sizeof(purpose), "writing Interface %s", tap);
    if (json_object_size(ids)) {
        stage(session,
              mh_ovsdb_mutate("Interface", mh_ovsdb_where_equal("name", json_string(tap)),
                              mh_ovsdb_map_replace("external_ids", ids)),
              purpose);
        json_object_set_new(note, "external_ids", key_names(ids));
    }
    if (json_object_size(policing)) {
        stage(session,
              mh_ovsdb_update("Interface", mh_ovsdb_where_equal("name", json_string(tap)),
                              json_incref(policing)),
              purpose);
        json_object_set_new(note, "interface", key_names(policing));
    }
    if (json_object_size(port_row) || json_object_size(other)) {
        /* libvirt (ovs-vsctl add-port) names the Port after its tap. */
        snprintf(purpose, sizeof(purpose), "no OVSDB Port named %s", tap);
        stage(session,
              mh_ovsdb_wait("Port", mh_ovsdb_where_equal("name", json_string(tap)),
                            json_pack("[s]", "name"), "==", json_pack("[{s:s}]", "name", tap), 0),
              purpose);
        snprintf(purpose, sizeof(purpose), "writing Port %s", tap);
    }
    if (json_object_size(port_row)) {
        stage(session,
              mh_ovsdb_update("Port", mh_ovsdb_where_equal("name", json_string(tap)),
                              json_incref(port_row)),
              purpose);
        json_object_set_new(note, "port", key_names(port_row));
    }
    if (json_object_size(other)) {
        stage(session,
              mh_ovsdb_mutate("Port", mh_ovsdb_where_equal("name", json_string(tap)),
                              mh_ovsdb_map_replace("other_config", other)),
              purpose);
        json_object_set_new(note, "other_config", key_names(other));
    }
    ret = 0;

cleanup:
    json_decref(ids);
    json_decref(other);
    json_decref(policing);
    json_decref(port_row);
    return ret;
}

/* One transaction for every NIC staged: all of it is written or none. */
static int
ovs_commit(void *handle, struct mh_error *err)
{
    struct ovs_session *session = handle;
    json_t *operations = session->operations;
    json_t *results;
    int failed = -1;

    if (json_array_size(operations) == 0)
        return 0;
    if (json_array_size(operations) != json_array_size(session->purposes)) {
        mh_error_set(err, "out of memory while preparing the OVSDB transaction");
        return -1;
    }
    session->operations = json_array();
    results = mh_ovsdb_transact(&session->db, MH_OVSDB_DATABASE, operations,
                                session->conf->ports.wait_ms, &failed, err);
    if (!results) {
        if (failed >= 0)
            mh_error_prefix(err, "%s",
                            json_string_value(json_array_get(session->purposes, (size_t)failed)));
        return -1;
    }
    json_decref(results);
    json_array_clear(session->purposes);
    return 0;
}

/* Select exactly one row (a new reference), or fail naming what. Takes
 * the references to where and columns. */
static json_t *
select_one(struct ovs_session *session, const char *table, json_t *where, json_t *columns,
           const char *what, struct mh_error *err)
{
    json_t *operations = json_pack("[o]", mh_ovsdb_select(table, where, columns));
    json_t *results, *rows, *row = NULL;

    if (!operations) {
        mh_error_set(err, "out of memory");
        return NULL;
    }
    results = mh_ovsdb_transact(&session->db, MH_OVSDB_DATABASE, operations, 0, NULL, err);
    if (!results)
        return NULL;
    rows = json_object_get(json_array_get(results, 0), "rows");
    if (!json_is_array(rows))
        mh_error_set(err, "%s: ovsdb-server sent no rows", what);
    else if (json_array_size(rows) == 0)
        mh_error_set(err, "no %s", what);
    else if (json_array_size(rows) > 1)
        mh_error_set(err, "%zu rows match: %s", json_array_size(rows), what);
    else if (!json_is_object(json_array_get(rows, 0)))
        mh_error_set(err, "%s: ovsdb-server sent a malformed row", what);
    else
        row = json_incref(json_array_get(rows, 0));
    json_decref(results);
    return row;
}

/* The Port holding the Interface: tag, trunks, vlan_mode, other_config,
 * as far as the configuration carries them. */
static int
collect_port(struct ovs_session *session, const char *interface_uuid, json_t *data,
             struct mh_error *err)
{
    const struct mh_conf *conf = session->conf;
    json_t *row, *section = json_object(), *value = NULL, *other = NULL, *carried = NULL;
    int ret = -1;

    if (!section) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    if (!port_column_enabled(conf, "tag") && !port_column_enabled(conf, "trunks") &&
        !port_column_enabled(conf, "vlan_mode") && !port_column_enabled(conf, "other_config")) {
        json_decref(section);
        return 0;
    }
    row = select_one(session, "Port",
                     json_pack("[o]", mh_ovsdb_condition("interfaces", "includes",
                                                         mh_ovsdb_uuid(interface_uuid))),
                     json_pack("[s, s, s, s, s]", "name", "tag", "trunks", "vlan_mode",
                               "other_config"),
                     "OVSDB Port holding the Interface", err);
    if (!row) {
        json_decref(section);
        return -1;
    }
    if (port_column_enabled(conf, "tag")) {
        value = mh_ovsdb_set_decode(json_object_get(row, "tag"), err);
        if (!value)
            goto cleanup;
        if (json_array_size(value) == 1 && json_is_integer(json_array_get(value, 0)))
            json_object_set(section, "tag", json_array_get(value, 0));
        json_decref(value);
    }
    if (port_column_enabled(conf, "trunks")) {
        value = mh_ovsdb_set_decode(json_object_get(row, "trunks"), err);
        if (!value)
            goto cleanup;
        if (json_array_size(value))
            json_object_set(section, "trunks", value);
        json_decref(value);
    }
    if (port_column_enabled(conf, "vlan_mode")) {
        value = mh_ovsdb_set_decode(json_object_get(row, "vlan_mode"), err);
        if (!value)
            goto cleanup;
        if (json_array_size(value) == 1 && json_is_string(json_array_get(value, 0)))
            json_object_set(section, "vlan_mode", json_array_get(value, 0));
        json_decref(value);
    }
    if (port_column_enabled(conf, "other_config")) {
        other = mh_ovsdb_map_decode(json_object_get(row, "other_config"), err);
        carried = other ? filter_map(other, conf->ports.other_config) : NULL;
        if (!carried)
            goto cleanup;
        if (json_object_size(carried))
            json_object_set(section, "other_config", carried);
    }
    if (json_object_size(section))
        json_object_set(data, "port", section);
    ret = 0;

cleanup:
    if (ret < 0)
        mh_error_prefix(err, "OVSDB Port of the Interface");
    json_decref(row);
    json_decref(other);
    json_decref(carried);
    json_decref(section);
    return ret;
}

/* ports.port_columns: NULL (unset) carries all four. */
static bool
port_column_enabled(const struct mh_conf *conf, const char *column)
{
    size_t index;
    json_t *item;

    if (!conf->ports.port_columns)
        return true;
    json_array_foreach(conf->ports.port_columns, index, item) {
        if (strcmp(json_string_value(item), column) == 0)
            return true;
    }
    return false;
}

static bool
is_libvirt_key(const char *key)
{
    for (int i = 0; libvirt_keys[i]; i++) {
        if (strcmp(libvirt_keys[i], key) == 0)
            return true;
    }
    return false;
}

/* The pairs of map (may be NULL) whose keys patterns select (NULL: all),
 * never libvirt's, as a new object. */
static json_t *
filter_map(const json_t *map, const json_t *patterns)
{
    json_t *result = json_object();
    const char *key;
    json_t *value;

    if (!result)
        return NULL;
    json_object_foreach((json_t *)map, key, value) {
        if (is_libvirt_key(key) || (patterns && !mh_pattern_select(patterns, key)))
            continue;
        json_object_set(result, key, value);
    }
    return result;
}

/* The keys of map, sorted, for the journal (values may be private). */
static json_t *
key_names(const json_t *map)
{
    const char **keys = calloc(json_object_size(map) + 1, sizeof(*keys));
    json_t *names = json_array();
    size_t count = 0;
    const char *key;
    json_t *value;

    if (keys && names) {
        json_object_foreach((json_t *)map, key, value)
            keys[count++] = key;
        for (size_t i = 1; i < count; i++) {
            for (size_t j = i; j > 0 && strcmp(keys[j - 1], keys[j]) > 0; j--) {
                const char *swap = keys[j];
                keys[j] = keys[j - 1];
                keys[j - 1] = swap;
            }
        }
        for (size_t i = 0; i < count; i++)
            json_array_append_new(names, json_string(keys[i]));
    }
    free(keys);
    return names;
}

static int
check_map(const json_t *map, bool libvirt_forbidden, const char *label, struct mh_error *err)
{
    const char *key;
    json_t *value;

    if (!json_is_object(map)) {
        mh_error_set(err, "%s: must be an object of strings", label);
        return -1;
    }
    if (json_object_size(map) > MAX_MAP_KEYS) {
        mh_error_set(err, "%s: more than %d keys", label, MAX_MAP_KEYS);
        return -1;
    }
    json_object_foreach((json_t *)map, key, value) {
        size_t length = strlen(key);

        if (length == 0 || length > MAX_KEY_BYTES) {
            mh_error_set(err, "%s: keys must be 1 to %d bytes", label, MAX_KEY_BYTES);
            return -1;
        }
        if (libvirt_forbidden && is_libvirt_key(key)) {
            mh_error_set(err, "%s: \"%s\" belongs to libvirt and is never carried", label, key);
            return -1;
        }
        if (!json_is_string(value) || strlen(json_string_value(value)) != json_string_length(value) ||
            json_string_length(value) > MAX_VALUE_BYTES) {
            mh_error_set(err, "%s[\"%.64s\"]: must be a string of at most %d bytes without NUL",
                         label, key, MAX_VALUE_BYTES);
            return -1;
        }
    }
    return 0;
}

static int
check_integer(const json_t *value, json_int_t max, const char *label, struct mh_error *err)
{
    if (!json_is_integer(value) || json_integer_value(value) < 0 ||
        json_integer_value(value) > max) {
        mh_error_set(err, "%s: must be an integer from 0 to %" JSON_INTEGER_FORMAT, label, max);
        return -1;
    }
    return 0;
}

static int
check_trunks(const json_t *trunks, struct mh_error *err)
{
    unsigned char seen[(MAX_VLAN + 1) / 8] = { 0 };
    size_t index;
    json_t *item;

    if (!json_is_array(trunks) || json_array_size(trunks) > MAX_VLAN + 1) {
        mh_error_set(err, "port.trunks: must be an array of at most %d VLAN ids", MAX_VLAN + 1);
        return -1;
    }
    json_array_foreach(trunks, index, item) {
        json_int_t vlan;

        if (check_integer(item, MAX_VLAN, "port.trunks[]", err) < 0)
            return -1;
        vlan = json_integer_value(item);
        if (seen[vlan / 8] & (1u << (vlan % 8))) {
            mh_error_set(err, "port.trunks: VLAN %" JSON_INTEGER_FORMAT " is listed twice", vlan);
            return -1;
        }
        seen[vlan / 8] |= (unsigned char)(1u << (vlan % 8));
    }
    return 0;
}

/* ["external_ids", "includes", ["map", [["attached-mac", mac]]]] */
static json_t *
attached_mac_condition(const char *mac)
{
    return mh_ovsdb_condition("external_ids", "includes",
                              mh_ovsdb_map(json_pack("{s:s}", "attached-mac", mac)));
}

/* Append an operation and why it is there; a NULL operation (out of
 * memory) leaves the two arrays of different lengths, which commit refuses. */
static void
stage(struct ovs_session *session, json_t *operation, const char *purpose)
{
    json_array_append_new(session->purposes, json_string(purpose));
    if (operation)
        json_array_append_new(session->operations, operation);
}
