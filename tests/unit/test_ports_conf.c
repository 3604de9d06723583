/* test_ports_conf.c - the "ports" configuration section. */
#include "mh_test.h"

#include "mh_conf.h"
#include "mh_error.h"
#include "mh_ovsdb.h"

static int
load_text(struct mh_conf *conf, const char *text, struct mh_error *err)
{
    return mh_conf_load_text(conf, text, strlen(text), "test.json", err);
}

static void
defaults_when_absent(void **state)
{
    struct mh_conf conf;
    struct mh_error err = { { 0 } };
    (void)state;

    assert_int_equal(load_text(&conf, "{}", &err), 0);
    assert_int_equal(conf.ports.policy, MH_PORTS_POLICY_REFUSE);
    assert_string_equal(conf.ports.ovsdb_socket, MH_OVSDB_DEFAULT_SOCKET);
    assert_int_equal(conf.ports.timeout_ms, 2000);
    assert_int_equal(conf.ports.wait_ms, 1000);
    assert_true(conf.ports.policing);
    assert_null(conf.ports.external_ids);
    assert_null(conf.ports.port_columns);
    assert_null(conf.ports.other_config);
    assert_string_equal(conf.ports.pending_dir, MH_STATE_DIR "/ports");
    mh_conf_free(&conf);
}

static void
values_are_read(void **state)
{
    struct mh_conf conf;
    struct mh_error err = { { 0 } };
    (void)state;

    assert_int_equal(load_text(&conf,
                               "{\"ports\": {\"policy\": \"warn\", \"ovsdb_socket\": \"/tmp/db.sock\","
                               " \"timeout_ms\": 500, \"wait_ms\": 0, \"policing\": false,"
                               " \"external_ids\": [\"ctl-*\", \"!ctl-tmp\"],"
                               " \"port_columns\": [\"tag\"], \"other_config\": []}}",
                               &err), 0);
    assert_int_equal(conf.ports.policy, MH_PORTS_POLICY_WARN);
    assert_string_equal(conf.ports.ovsdb_socket, "/tmp/db.sock");
    assert_int_equal(conf.ports.timeout_ms, 500);
    assert_int_equal(conf.ports.wait_ms, 0);
    assert_false(conf.ports.policing);
    assert_int_equal(json_array_size(conf.ports.external_ids), 2);
    assert_int_equal(json_array_size(conf.ports.port_columns), 1);
    assert_int_equal(json_array_size(conf.ports.other_config), 0);
    mh_conf_free(&conf);
}

static void
bad_values_are_refused_where_they_are(void **state)
{
    static const struct {
        const char *text;
        const char *message;
    } cases[] = {
        { "{\"ports\": {\"policy\": \"ignore\"}}", "test.json:1:12: must be one of: refuse, warn, drop" },
        { "{\"ports\": {\"ovsdb_socket\": \"db.sock\"}}", "must be an absolute path" },
        { "{\"ports\": {\"ovsdb_socket\": \"/"
          "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
          "aaaaaaaaaaaaaaaaaaaaaaaaaaa\"}}", "shorter than 108 bytes" },
        { "{\"ports\": {\"timeout_ms\": 10}}", "between 50 and 60000" },
        { "{\"ports\": {\"wait_ms\": -1}}", "between 0 and 60000" },
        { "{\"ports\": {\"external_ids\": \"*\"}}", "must be an array of glob patterns" },
        { "{\"ports\": {\"external_ids\": [\"*\", \"!\"]}}", "test.json:1:34: must not be empty" },
        { "{\"ports\": {\"other_config\": [7]}}", "must be a string" },
        { "{\"ports\": {\"port_columns\": [\"tag\", \"mtu\"]}}", "test.json:1:36: must be one of: tag" },
        { "{\"ports\": {\"port_columns\": [\"tag\", \"tag\"]}}", "listed twice" },
        { "{\"ports\": {\"pending_dir\": \"/tmp\"}}", "unknown key \"pending_dir\"" },
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mh_conf conf;
        struct mh_error err = { { 0 } };

        assert_int_equal(load_text(&conf, cases[i].text, &err), -1);
        if (!strstr(err.message, cases[i].message))
            fail_msg("%s: expected \"%s\" in \"%s\"", cases[i].text, cases[i].message,
                     err.message);
        mh_conf_free(&conf);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_when_absent),
        cmocka_unit_test(values_are_read),
        cmocka_unit_test(bad_values_are_refused_where_they_are),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
