/* test_agent.c - mh-agent's configuration section and its keepalive period. */
#include "mh_test.h"

#include "mh_agent.h"
#include "mh_conf.h"

static void
load(struct mh_conf *conf, const char *text, int expected)
{
    struct mh_error err = { { 0 } };

    assert_int_equal(mh_conf_load_text(conf, text, strlen(text), "test.json", &err), expected);
}

static void
agent_section_defaults_and_values(void **state)
{
    struct mh_conf conf;
    (void)state;
    load(&conf, "{}", 0);
    assert_int_equal(conf.agent.interval_s, 60);
    assert_true(conf.agent.stamp);
    assert_true(conf.agent.reconcile);
    assert_string_equal(conf.agent.peer_uri, "qemu+ssh://{host}/system");
    mh_conf_free(&conf);
    load(&conf,
         "{\"agent\": {\"interval_s\": 5, \"stamp\": false, \"reconcile\": false, "
         "\"peer_uri\": \"qemu+tls://{host}/system\"}}",
         0);
    assert_int_equal(conf.agent.interval_s, 5);
    assert_false(conf.agent.stamp);
    assert_false(conf.agent.reconcile);
    assert_string_equal(conf.agent.peer_uri, "qemu+tls://{host}/system");
    mh_conf_free(&conf);
}

static void
agent_section_rejects_bad_values(void **state)
{
    static const char *const bad[] = {
        "{\"agent\": {\"interval_s\": 4}}",
        "{\"agent\": {\"interval_s\": \"60\"}}",
        "{\"agent\": {\"stamp\": 1}}",
        "{\"agent\": {\"peer_uri\": 7}}",
        "{\"agent\": {\"unknown\": true}}",
        "{\"agent\": []}",
    };
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct mh_conf conf;

        load(&conf, bad[i], -1);
        mh_conf_free(&conf);
    }
}

static void
keepalive_only_for_etcd_every_third_of_the_ttl(void **state)
{
    struct mh_conf conf;
    (void)state;
    load(&conf, "{}", 0);
    assert_int_equal(mh_agent_keepalive_period(&conf), 0);
    mh_conf_free(&conf);
    load(&conf, "{\"lease\": {\"enabled\": true}}", 0);
    assert_int_equal(mh_agent_keepalive_period(&conf), 0);     /* dir backend */
    mh_conf_free(&conf);
    load(&conf, "{\"lease\": {\"enabled\": true, \"backend\": \"etcd\", \"etcd\": {\"ttl_s\": 30}}}",
         0);
    assert_int_equal(mh_agent_keepalive_period(&conf), 10);
    mh_conf_free(&conf);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(agent_section_defaults_and_values),
        cmocka_unit_test(agent_section_rejects_bad_values),
        cmocka_unit_test(keepalive_only_for_etcd_every_third_of_the_ttl),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
