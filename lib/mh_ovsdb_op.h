/* mh_ovsdb_op.h - build OVSDB transaction operations and convert values
 * between OVSDB's wire encoding (RFC 7047 5.1) and plain JSON.
 *
 * On the wire a set is ["set", [atoms]] (a set of exactly one atom may be
 * the bare atom), a map is ["map", [[key, value], ...]] and a row reference
 * is ["uuid", "..."]. Callers here work with plain JSON: arrays for sets,
 * objects of strings for string maps.
 *
 * Builders take the references to the json_t arguments they are given (like
 * jansson's *_new functions) and return a new reference, or NULL when out of
 * memory (any argument is then released too). */
#ifndef MH_OVSDB_OP_H
#define MH_OVSDB_OP_H

#include <jansson.h>

struct mh_error;

/* [column, function, value]: one condition of a "where" clause. */
json_t *mh_ovsdb_condition(const char *column, const char *function, json_t *value);

/* A where clause of one condition: [[column, "==", value]]. */
json_t *mh_ovsdb_where_equal(const char *column, json_t *value);

/* ["uuid", uuid] */
json_t *mh_ovsdb_uuid(const char *uuid);

/* ["set", array]; array holds atoms. */
json_t *mh_ovsdb_set(json_t *array);

/* ["map", [[key, value], ...]] from an object whose values are strings (or
 * any atom), in the object's key order. */
json_t *mh_ovsdb_map(json_t *object);

/* {"op": "select", "table", "where", "columns"}; columns may be NULL (all). */
json_t *mh_ovsdb_select(const char *table, json_t *where, json_t *columns);

/* {"op": "update", "table", "where", "row"} */
json_t *mh_ovsdb_update(const char *table, json_t *where, json_t *row);

/* {"op": "mutate", "table", "where", "mutations"} */
json_t *mh_ovsdb_mutate(const char *table, json_t *where, json_t *mutations);

/* {"op": "insert", "table", "row", "uuid-name"}; uuid_name may be NULL. */
json_t *mh_ovsdb_insert(const char *table, json_t *row, const char *uuid_name);

/* {"op": "wait", "timeout", "table", "where", "columns", "until", "rows"}:
 * the server holds the transaction until selecting columns of the rows
 * matching where gives exactly rows (until "==") or anything else ("!="),
 * for at most timeout_ms; then the operation fails with "timed out" and the
 * whole transaction is rolled back. */
json_t *mh_ovsdb_wait(const char *table, json_t *where, json_t *columns, const char *until,
                      json_t *rows, long timeout_ms);

/* Mutations that set the keys of pairs (an object of strings) in the map
 * column and leave every other key alone: "insert" never overwrites a key
 * that exists, so the keys are deleted first, then inserted, in order, in
 * one mutate operation. Returns [[column, "delete", set of keys],
 * [column, "insert", map]], or an empty array when pairs is empty. Borrows
 * pairs. */
json_t *mh_ovsdb_map_replace(const char *column, const json_t *pairs);

/* A string-to-string map datum as a new object the caller owns, or NULL
 * with err when datum is not such a map. */
json_t *mh_ovsdb_map_decode(const json_t *datum, struct mh_error *err);

/* A set datum (or a bare atom: a set of one) as a new array the caller
 * owns, or NULL with err when it is malformed. */
json_t *mh_ovsdb_set_decode(const json_t *datum, struct mh_error *err);

/* The uuid string of a ["uuid", "..."] datum (borrowed), or NULL. */
const char *mh_ovsdb_uuid_decode(const json_t *datum);

#endif
