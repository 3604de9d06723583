/* test_stamp.c - stamping cookies through libvirt's test driver (in
 * process: test:///default lives as long as the connection) and reading
 * them back as a destination would. */
#include "mh_test.h"

#include <libvirt/libvirt.h>
#include <time.h>

#include "mh_conf.h"
#include "mh_cookie.h"
#include "mh_error.h"
#include "mh_facts_virt.h"
#include "mh_stamp.h"
#include "mh_string.h"

#define KEY_TEXT "0123456789abcdef0123456789abcdef"

struct world {
    virConnectPtr connection;
    virDomainPtr domain;
    struct mh_conf conf;
    char *dir;
};

/* With a key, cookie.key_file names w->dir/key. */
static void
open_world(struct world *w, bool with_key)
{
    struct mh_error err = { { 0 } };
    char text[1024] = "{\"host_id\": \"hv-src\"}";

    mh_facts_virt_quiet();
    w->dir = mh_test_tmpdir();
    mh_test_write(w->dir, "key", KEY_TEXT, 0600);
    if (with_key)
        MH_TEST_PRINT(text, "{\"host_id\": \"hv-src\", \"cookie\": {\"key_file\": \"%s/key\"}}",
                      w->dir);
    assert_int_equal(mh_conf_load_text(&w->conf, text, strlen(text), "test", &err), 0);
    w->connection = virConnectOpen("test:///default");
    assert_non_null(w->connection);
    w->domain = virDomainLookupByName(w->connection, "test");
    assert_non_null(w->domain);
}

static void
close_world(struct world *w)
{
    virDomainFree(w->domain);
    virConnectClose(w->connection);
    mh_conf_free(&w->conf);
    mh_test_rmdir(w->dir);
}

static void
the_source_section_is_provided(void **state)
{
    (void)state;
    assert_true(mh_stamp_section_count >= 1);
    assert_string_equal(mh_stamp_sections[0].key, "source");
}

/* Positive: a stamped guest carries a signed cookie a destination with the
 * same key accepts. */
static void
stamped_cookie_reads_back_authenticated(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_cookie cookie;
    struct world w;
    char migration_id[64] = "";
    char *element = NULL;
    json_t *source;
    (void)state;

    open_world(&w, true);
    assert_int_equal(mh_stamp_read(w.domain, &w.conf, &cookie, &err), 0);
    assert_int_equal(mh_stamp_domain(w.connection, w.domain, &w.conf, false, migration_id,
                                     &element, &err), 0);
    assert_int_equal(strlen(migration_id), 36);
    assert_true(mh_string_has_prefix(element, "<cookie version=\"1\" hmac=\""));
    assert_int_equal(mh_stamp_read(w.domain, &w.conf, &cookie, &err), 1);
    assert_true(cookie.authenticated);
    assert_string_equal(cookie.migration_id, migration_id);
    assert_string_equal(cookie.source_host, "hv-src");
    source = json_object_get(cookie.content, "source");
    assert_string_equal(json_string_value(json_object_get(source, "libvirt_version")), "9.0.0");
    assert_string_equal(json_string_value(json_object_get(source, "hypervisor")), "TEST");
    assert_true(json_is_array(json_object_get(json_object_get(source, "cpu"), "flags")));
    mh_cookie_free(&cookie);

    /* Stamping again gives a fresh migration id. */
    {
        char second[64] = "";

        assert_int_equal(mh_stamp_domain(w.connection, w.domain, &w.conf, false, second, NULL,
                                         &err), 0);
        assert_string_not_equal(second, migration_id);
    }
    free(element);
    close_world(&w);
}

/* Negative: read with another key, the same cookie is refused. */
static void
cookie_signed_with_another_key_is_refused(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_cookie cookie;
    struct world w;
    char migration_id[64];
    (void)state;

    open_world(&w, true);
    assert_int_equal(mh_stamp_domain(w.connection, w.domain, &w.conf, false, migration_id, NULL,
                                     &err), 0);
    mh_test_write(w.dir, "key", "another-key-another-key-another", 0600);
    assert_int_equal(mh_stamp_read(w.domain, &w.conf, &cookie, &err), -1);
    assert_non_null(strstr(err.message, "HMAC does not match"));
    close_world(&w);
}

static void
dry_run_writes_nothing(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_cookie cookie;
    struct world w;
    char migration_id[64];
    char *element = NULL;
    (void)state;

    open_world(&w, false);
    assert_int_equal(mh_stamp_domain(w.connection, w.domain, &w.conf, true, migration_id, &element,
                                     &err), 0);
    assert_true(mh_string_has_prefix(element, "<mh:cookie xmlns:mh=\"urn:migrate-hooks:cookie:1\" "
                                              "version=\"1\">"));
    assert_int_equal(mh_stamp_read(w.domain, &w.conf, &cookie, &err), 0);
    free(element);
    close_world(&w);
}

/* Cookies go on running guests only. */
static void
stopped_guests_are_not_stamped(void **state)
{
    struct mh_error err = { { 0 } };
    struct world w;
    char migration_id[64];
    (void)state;

    open_world(&w, false);
    assert_int_equal(virDomainDestroy(w.domain), 0);
    assert_int_equal(mh_stamp_domain(w.connection, w.domain, &w.conf, false, migration_id, NULL,
                                     &err), -1);
    assert_non_null(strstr(err.message, "not running"));
    close_world(&w);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(the_source_section_is_provided),
        cmocka_unit_test(stamped_cookie_reads_back_authenticated),
        cmocka_unit_test(cookie_signed_with_another_key_is_refused),
        cmocka_unit_test(dry_run_writes_nothing),
        cmocka_unit_test(stopped_guests_are_not_stamped),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
