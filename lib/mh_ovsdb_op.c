/* mh_ovsdb_op.c - OVSDB operations and the set/map/uuid wire encodings. */
#include "mh_ovsdb_op.h"
#include "mh_error.h"

#include <string.h>

json_t *
mh_ovsdb_condition(const char *column, const char *function, json_t *value)
{
    return json_pack("[s, s, o]", column, function, value);
}

json_t *
mh_ovsdb_where_equal(const char *column, json_t *value)
{
    return json_pack("[o]", mh_ovsdb_condition(column, "==", value));
}

json_t *
mh_ovsdb_uuid(const char *uuid)
{
    return json_pack("[s, s]", "uuid", uuid);
}

json_t *
mh_ovsdb_set(json_t *array)
{
    return json_pack("[s, o]", "set", array);
}

json_t *
mh_ovsdb_map(json_t *object)
{
    json_t *pairs = json_array();
    const char *key;
    json_t *value;

    if (!pairs) {
        json_decref(object);
        return NULL;
    }
    json_object_foreach(object, key, value) {
        if (json_array_append_new(pairs, json_pack("[s, O]", key, value)) < 0) {
            json_decref(pairs);
            json_decref(object);
            return NULL;
        }
    }
    json_decref(object);
    return json_pack("[s, o]", "map", pairs);
}

json_t *
mh_ovsdb_select(const char *table, json_t *where, json_t *columns)
{
    return json_pack("{s:s, s:s, s:o, s:o*}", "op", "select", "table", table, "where", where,
                     "columns", columns);
}

json_t *
mh_ovsdb_update(const char *table, json_t *where, json_t *row)
{
    return json_pack("{s:s, s:s, s:o, s:o}", "op", "update", "table", table, "where", where,
                     "row", row);
}

json_t *
mh_ovsdb_mutate(const char *table, json_t *where, json_t *mutations)
{
    return json_pack("{s:s, s:s, s:o, s:o}", "op", "mutate", "table", table, "where", where,
                     "mutations", mutations);
}

json_t *
mh_ovsdb_insert(const char *table, json_t *row, const char *uuid_name)
{
    return json_pack("{s:s, s:s, s:o, s:s*}", "op", "insert", "table", table, "row", row,
                     "uuid-name", uuid_name);
}

json_t *
mh_ovsdb_wait(const char *table, json_t *where, json_t *columns, const char *until,
              json_t *rows, long timeout_ms)
{
    return json_pack("{s:s, s:s, s:o, s:o, s:s, s:o, s:I}", "op", "wait", "table", table,
                     "where", where, "columns", columns, "until", until, "rows", rows,
                     "timeout", (json_int_t)(timeout_ms > 0 ? timeout_ms : 0));
}

json_t *
mh_ovsdb_map_replace(const char *column, const json_t *pairs)
{
    json_t *keys = json_array();
    const char *key;
    json_t *value;

    if (!keys)
        return NULL;
    if (json_object_size(pairs) == 0)
        return keys;
    json_object_foreach((json_t *)pairs, key, value) {
        if (json_array_append_new(keys, json_string(key)) < 0) {
            json_decref(keys);
            return NULL;
        }
    }
    return json_pack("[[s, s, o], [s, s, o]]", column, "delete", mh_ovsdb_set(keys), column,
                     "insert", mh_ovsdb_map(json_deep_copy(pairs)));
}

json_t *
mh_ovsdb_map_decode(const json_t *datum, struct mh_error *err)
{
    json_t *pairs = json_array_get(datum, 1);
    json_t *object;
    json_t *pair;
    size_t index;

    if (!json_is_array(datum) || json_array_size(datum) != 2 ||
        !json_is_string(json_array_get(datum, 0)) ||
        strcmp(json_string_value(json_array_get(datum, 0)), "map") != 0 || !json_is_array(pairs)) {
        mh_error_set(err, "expected an OVSDB map [\"map\", [...]]");
        return NULL;
    }
    object = json_object();
    if (!object) {
        mh_error_set(err, "out of memory");
        return NULL;
    }
    json_array_foreach(pairs, index, pair) {
        json_t *key = json_array_get(pair, 0);
        json_t *value = json_array_get(pair, 1);

        if (!json_is_array(pair) || json_array_size(pair) != 2 || !json_is_string(key) ||
            !json_is_string(value) || strlen(json_string_value(key)) != json_string_length(key)) {
            mh_error_set(err, "OVSDB map pair %zu is not [string, string]", index);
            json_decref(object);
            return NULL;
        }
        if (json_object_get(object, json_string_value(key))) {
            mh_error_set(err, "OVSDB map has key \"%.64s\" twice", json_string_value(key));
            json_decref(object);
            return NULL;
        }
        json_object_set(object, json_string_value(key), value);
    }
    return object;
}

json_t *
mh_ovsdb_set_decode(const json_t *datum, struct mh_error *err)
{
    const char *tag = json_string_value(json_array_get(datum, 0));
    json_t *atoms;

    if (!json_is_array(datum))
        return json_pack("[O]", datum);
    if (!tag || json_array_size(datum) != 2) {
        mh_error_set(err, "expected an OVSDB set or atom");
        return NULL;
    }
    if (strcmp(tag, "uuid") == 0 || strcmp(tag, "named-uuid") == 0)
        return json_pack("[O]", datum);
    atoms = json_array_get(datum, 1);
    if (strcmp(tag, "set") != 0 || !json_is_array(atoms)) {
        mh_error_set(err, "expected an OVSDB set [\"set\", [...]]");
        return NULL;
    }
    return json_copy(atoms);
}

const char *
mh_ovsdb_uuid_decode(const json_t *datum)
{
    const char *tag = json_string_value(json_array_get(datum, 0));

    if (!tag || strcmp(tag, "uuid") != 0 || json_array_size(datum) != 2)
        return NULL;
    return json_string_value(json_array_get(datum, 1));
}
