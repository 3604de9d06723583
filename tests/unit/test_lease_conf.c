/* test_lease_conf.c - the "lease" configuration section. */
#include "mh_test.h"

#include "mh_conf.h"
#include "mh_error.h"

static int
load_text(struct mh_conf *conf, const char *text, struct mh_error *err)
{
    return mh_conf_load_text(conf, text, strlen(text), "test.json", err);
}

static void
defaults_leave_leases_off(void **state)
{
    struct mh_conf conf;
    struct mh_error err = { { 0 } };

    (void)state;
    assert_int_equal(load_text(&conf, "{}", &err), 0);
    assert_false(conf.lease.enabled);
    assert_int_equal(conf.lease.backend, MH_LEASE_BACKEND_DIR);
    assert_string_equal(conf.lease.dir, MH_STATE_DIR "/leases");
    assert_int_equal(conf.lease.lock_timeout_ms, 5000);
    assert_int_equal(conf.lease.pending_expiry_s, 300);
    assert_int_equal(conf.lease.migration_expiry_s, 86400);
    assert_null(conf.lease.etcd.endpoints);
    assert_string_equal(conf.lease.etcd.prefix, "/migrate-hooks/");
    assert_int_equal(conf.lease.etcd.ttl_s, 60);
    assert_int_equal(conf.lease.etcd.timeout_ms, 2000);
    assert_null(conf.lease.etcd.ca_file);
    assert_null(conf.lease.etcd.cert_file);
    mh_conf_free(&conf);
}

static void
every_key_is_read(void **state)
{
    struct mh_conf conf;
    struct mh_error err = { { 0 } };

    (void)state;
    assert_int_equal(load_text(&conf,
                               "{\"lease\": {\"enabled\": true, \"backend\": \"etcd\","
                               " \"dir\": \"/srv/leases\", \"lock_timeout_ms\": 800,"
                               " \"pending_expiry_s\": 120, \"migration_expiry_s\": 3600,"
                               " \"etcd\": {\"endpoints\": [\"https://10.0.0.1:2379\","
                               " \"https://10.0.0.2:2379/\"], \"prefix\": \"/prod/mh/\","
                               " \"ttl_s\": 30, \"timeout_ms\": 500,"
                               " \"ca_file\": \"/etc/etcd/ca.pem\","
                               " \"cert_file\": \"/etc/etcd/client.pem\","
                               " \"key_file\": \"/etc/etcd/client.key\"}}}",
                               &err), 0);
    assert_true(conf.lease.enabled);
    assert_int_equal(conf.lease.backend, MH_LEASE_BACKEND_ETCD);
    assert_string_equal(conf.lease.dir, "/srv/leases");
    assert_int_equal(conf.lease.lock_timeout_ms, 800);
    assert_int_equal(conf.lease.pending_expiry_s, 120);
    assert_int_equal(conf.lease.migration_expiry_s, 3600);
    assert_int_equal(json_array_size(conf.lease.etcd.endpoints), 2);
    assert_string_equal(conf.lease.etcd.prefix, "/prod/mh/");
    assert_int_equal(conf.lease.etcd.ttl_s, 30);
    assert_int_equal(conf.lease.etcd.timeout_ms, 500);
    assert_string_equal(conf.lease.etcd.ca_file, "/etc/etcd/ca.pem");
    assert_string_equal(conf.lease.etcd.cert_file, "/etc/etcd/client.pem");
    assert_string_equal(conf.lease.etcd.key_file, "/etc/etcd/client.key");
    assert_string_equal(mh_lease_backend_name(conf.lease.backend), "etcd");
    mh_conf_free(&conf);
}

static void
bad_values_are_refused_with_their_place(void **state)
{
    static const struct {
        const char *text;
        const char *error;
    } cases[] = {
        { "{\"lease\": {\"backend\": \"nfs\"}}", "test.json:1:12: " },
        { "{\"lease\": {\"backend\": \"nfs\"}}", "must be one of: dir, etcd" },
        { "{\"lease\": {\"enabled\": \"yes\"}}", "must be true or false" },
        { "{\"lease\": {\"dir\": \"leases\"}}", "must be an absolute path" },
        { "{\"lease\": {\"dir\": 7}}", "must be a string" },
        { "{\"lease\": {\"lock_timeout_ms\": 0}}", "must be between 10 and 600000" },
        { "{\"lease\": {\"pending_expiry_s\": 5}}", "must be between 10 and 86400" },
        { "{\"lease\": {\"pending_expiry_s\": 600, \"migration_expiry_s\": 300}}",
          "must not be shorter than pending_expiry_s (600)" },
        { "{\"lease\": {\"etcd\": {\"endpoints\": []}}}", "must be an array of 1 to 16 URLs" },
        { "{\"lease\": {\"etcd\": {\"endpoints\": \"http://x:2379\"}}}", "array of 1 to 16" },
        { "{\"lease\": {\"etcd\": {\"endpoints\": [\"ftp://x\"]}}}", "http:// or https://" },
        { "{\"lease\": {\"etcd\": {\"endpoints\": [\"http://x:2379?a=b\"]}}}", "without" },
        { "{\"lease\": {\"etcd\": {\"endpoints\": [\"http://x\", 3]}}}", "http:// or https://" },
        { "{\"lease\": {\"etcd\": {\"prefix\": \"mh\"}}}", "starting and ending with '/'" },
        { "{\"lease\": {\"etcd\": {\"prefix\": \"/a b/\"}}}", "starting and ending with '/'" },
        { "{\"lease\": {\"etcd\": {\"ttl_s\": 1}}}", "must be between 2 and 86400" },
        { "{\"lease\": {\"etcd\": {\"timeout_ms\": 1}}}", "must be between 10 and 60000" },
        { "{\"lease\": {\"etcd\": {\"cert_file\": \"/c.pem\"}}}", "go together" },
        { "{\"lease\": {\"etcd\": {\"ca_file\": \"ca.pem\"}}}", "absolute path" },
        { "{\"lease\": {\"etcd\": {\"ttl\": 5}}}", "unknown key \"ttl\"" },
        { "{\"lease\": {\"enable\": true}}", "unknown key \"enable\"" },
        { "{\"lease\": true}", "must be an object" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mh_conf conf;
        struct mh_error err = { { 0 } };

        assert_int_equal(load_text(&conf, cases[i].text, &err), -1);
        if (!strstr(err.message, cases[i].error) || !strstr(err.message, "test.json:1:"))
            fail_msg("%s: got \"%s\", expected \"%s\"", cases[i].text, err.message,
                     cases[i].error);
        mh_conf_free(&conf);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_leave_leases_off),
        cmocka_unit_test(every_key_is_read),
        cmocka_unit_test(bad_values_are_refused_with_their_place),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
