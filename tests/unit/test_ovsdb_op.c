/* test_ovsdb_op.c - OVSDB operations and the set/map/uuid encodings. */
#include "mh_test.h"

#include "mh_error.h"
#include "mh_ovsdb_op.h"

/* Compare value (reference taken) with the JSON text expected. */
static void
assert_json(json_t *value, const char *expected)
{
    json_t *want = json_loads(expected, JSON_DECODE_ANY, NULL);
    char *got = json_dumps(value, JSON_COMPACT | JSON_SORT_KEYS);

    assert_non_null(want);
    assert_non_null(value);
    if (!json_equal(value, want))
        fail_msg("got %s, expected %s", got, expected);
    free(got);
    json_decref(want);
    json_decref(value);
}

static void
operations_have_the_rfc_7047_shape(void **state)
{
    json_t *wait;
    (void)state;
    assert_json(mh_ovsdb_where_equal("name", json_string("vnet0")), "[[\"name\",\"==\",\"vnet0\"]]");
    assert_json(mh_ovsdb_select("Port", json_array(), json_pack("[s]", "tag")),
                "{\"op\":\"select\",\"table\":\"Port\",\"where\":[],\"columns\":[\"tag\"]}");
    /* No columns: the key is left out (all columns), not sent as null. */
    assert_json(mh_ovsdb_select("Port", json_array(), NULL),
                "{\"op\":\"select\",\"table\":\"Port\",\"where\":[]}");
    assert_json(mh_ovsdb_update("Port", json_array(), json_pack("{s:i}", "tag", 7)),
                "{\"op\":\"update\",\"table\":\"Port\",\"where\":[],\"row\":{\"tag\":7}}");
    assert_json(mh_ovsdb_mutate("Port", json_array(), json_array()),
                "{\"op\":\"mutate\",\"table\":\"Port\",\"where\":[],\"mutations\":[]}");
    assert_json(mh_ovsdb_insert("Bridge", json_pack("{s:s}", "name", "br0"), "br"),
                "{\"op\":\"insert\",\"table\":\"Bridge\",\"row\":{\"name\":\"br0\"},"
                "\"uuid-name\":\"br\"}");
    assert_json(mh_ovsdb_wait("Interface", json_array(), json_pack("[s]", "name"), "==",
                              json_pack("[{s:s}]", "name", "vnet0"), 1500),
                "{\"op\":\"wait\",\"table\":\"Interface\",\"where\":[],\"columns\":[\"name\"],"
                "\"until\":\"==\",\"rows\":[{\"name\":\"vnet0\"}],\"timeout\":1500}");
    /* Negative: a negative timeout is not sent as such. */
    wait = mh_ovsdb_wait("I", json_array(), json_array(), "!=", json_array(), -5);
    assert_json(json_incref(json_object_get(wait, "timeout")), "0");
    json_decref(wait);
    assert_json(mh_ovsdb_uuid("0b6a5d4e-0000-4000-8000-000000000001"),
                "[\"uuid\",\"0b6a5d4e-0000-4000-8000-000000000001\"]");
}

/* Positive: keys are deleted, then inserted, in one mutation list; other
 * keys are not named. Negative: nothing to write gives no mutation. */
static void
map_replace_deletes_then_inserts(void **state)
{
    json_t *pairs = json_pack("{s:s, s:s}", "ctl-vlan", "42", "ctl-segment", "blue");
    json_t *empty = json_object();
    (void)state;

    assert_json(mh_ovsdb_map_replace("external_ids", pairs),
                "[[\"external_ids\",\"delete\",[\"set\",[\"ctl-vlan\",\"ctl-segment\"]]],"
                "[\"external_ids\",\"insert\",[\"map\",[[\"ctl-vlan\",\"42\"],"
                "[\"ctl-segment\",\"blue\"]]]]]");
    assert_json(mh_ovsdb_map_replace("external_ids", empty), "[]");
    json_decref(pairs);
    json_decref(empty);
}

static void
map_decode_accepts_string_maps_only(void **state)
{
    struct mh_error err = { { 0 } };
    json_t *datum;
    (void)state;

    datum = json_loads("[\"map\",[[\"a\",\"1\"],[\"attached-mac\",\"52:54:00:aa:00:01\"]]]", 0, NULL);
    assert_json(mh_ovsdb_map_decode(datum, &err), "{\"a\":\"1\",\"attached-mac\":\"52:54:00:aa:00:01\"}");
    json_decref(datum);
    datum = json_loads("[\"map\",[]]", 0, NULL);
    assert_json(mh_ovsdb_map_decode(datum, &err), "{}");
    json_decref(datum);

    static const char *const bad[] = {
        "[\"set\",[]]", "[\"map\"]", "[\"map\",{}]", "{\"map\":[]}", "\"map\"",
        "[\"map\",[[\"a\"]]]", "[\"map\",[[\"a\",1]]]", "[\"map\",[[1,\"a\"]]]",
        "[\"map\",[[\"a\",\"1\"],[\"a\",\"2\"]]]", "[\"map\",[[\"a\\u0000b\",\"1\"]]]",
        "[\"map\",[[\"a\",\"1\",\"2\"]]]",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        datum = json_loads(bad[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
        assert_non_null(datum);
        if (mh_ovsdb_map_decode(datum, &err))
            fail_msg("accepted %s", bad[i]);
        json_decref(datum);
    }
}

static void
set_decode_handles_atoms_sets_and_uuids(void **state)
{
    struct mh_error err = { { 0 } };
    json_t *datum;
    (void)state;

    datum = json_integer(7);
    assert_json(mh_ovsdb_set_decode(datum, &err), "[7]");
    json_decref(datum);
    datum = json_string("access");
    assert_json(mh_ovsdb_set_decode(datum, &err), "[\"access\"]");
    json_decref(datum);
    datum = json_loads("[\"set\",[]]", 0, NULL);
    assert_json(mh_ovsdb_set_decode(datum, &err), "[]");
    json_decref(datum);
    datum = json_loads("[\"set\",[10,20]]", 0, NULL);
    assert_json(mh_ovsdb_set_decode(datum, &err), "[10,20]");
    json_decref(datum);
    datum = json_loads("[\"uuid\",\"x\"]", 0, NULL);
    assert_json(mh_ovsdb_set_decode(datum, &err), "[[\"uuid\",\"x\"]]");
    assert_string_equal(mh_ovsdb_uuid_decode(datum), "x");
    json_decref(datum);

    datum = json_loads("[\"map\",[]]", 0, NULL);
    assert_null(mh_ovsdb_set_decode(datum, &err));
    assert_null(mh_ovsdb_uuid_decode(datum));
    json_decref(datum);
    datum = json_loads("[1,2,3]", 0, NULL);
    assert_null(mh_ovsdb_set_decode(datum, &err));
    json_decref(datum);
    datum = json_loads("[\"set\",7]", 0, NULL);
    assert_null(mh_ovsdb_set_decode(datum, &err));
    json_decref(datum);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(operations_have_the_rfc_7047_shape),
        cmocka_unit_test(map_replace_deletes_then_inserts),
        cmocka_unit_test(map_decode_accepts_string_maps_only),
        cmocka_unit_test(set_decode_handles_atoms_sets_and_uuids),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
