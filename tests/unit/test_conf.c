/* test_conf.c - loading, merging and rejecting configuration. */
#include "mh_test.h"

#include <unistd.h>

#include "mh_conf.h"
#include "mh_error.h"

static int
load_text(struct mh_conf *conf, const char *text, struct mh_error *err)
{
    return mh_conf_load_text(conf, text, strlen(text), "test.json", err);
}

static void
defaults_when_empty(void **state)
{
    struct mh_conf conf;
    struct mh_error err = { { 0 } };
    char hostname[256] = "";
    (void)state;

    assert_int_equal(load_text(&conf, "{}", &err), 0);
    gethostname(hostname, sizeof(hostname));
    assert_string_equal(conf.host_id, hostname);
    assert_int_equal(conf.deadline_ms, 10000);
    assert_int_equal(conf.max_input_bytes, 8L << 20);
    assert_true(conf.journal_enabled);
    assert_string_equal(conf.journal_path, MH_STATE_DIR "/journal.jsonl");
    mh_conf_free(&conf);
}

static void
values_are_read(void **state)
{
    struct mh_conf conf;
    struct mh_error err = { { 0 } };
    (void)state;

    assert_int_equal(load_text(&conf,
                               "{\"host_id\": \"hv-7\", \"deadline_ms\": 2500,"
                               " \"journal\": {\"enabled\": false, \"path\": \"/tmp/j\"},"
                               " \"syslog\": false}",
                               &err), 0);
    assert_string_equal(conf.host_id, "hv-7");
    assert_int_equal(conf.deadline_ms, 2500);
    assert_false(conf.journal_enabled);
    assert_string_equal(conf.journal_path, "/tmp/j");
    assert_false(conf.syslog_enabled);
    mh_conf_free(&conf);
}

static void
unknown_key_names_file_line_column(void **state)
{
    struct mh_conf conf;
    struct mh_error err = { { 0 } };
    (void)state;

    assert_int_equal(load_text(&conf, "{\n  \"journal\": {\n    \"pth\": \"/x\"\n  }\n}", &err), -1);
    assert_string_equal(err.message, "test.json:3:5: unknown key \"pth\"");
    mh_conf_free(&conf);
}

static void
wrong_types_and_ranges_are_rejected(void **state)
{
    struct mh_conf conf;
    struct mh_error err = { { 0 } };
    (void)state;

    assert_int_equal(load_text(&conf, "{\"deadline_ms\": \"10\"}", &err), -1);
    assert_string_equal(err.message, "test.json:1:2: must be an integer");
    mh_conf_free(&conf);
    assert_int_equal(load_text(&conf, "{\"deadline_ms\": 5}", &err), -1);
    assert_non_null(strstr(err.message, "must be between 100 and"));
    mh_conf_free(&conf);
    assert_int_equal(load_text(&conf, "{\"journal\": []}", &err), -1);
    assert_non_null(strstr(err.message, "must be an object"));
    mh_conf_free(&conf);
    assert_int_equal(load_text(&conf, "{\"syslog\": 1}", &err), -1);
    assert_non_null(strstr(err.message, "true or false"));
    mh_conf_free(&conf);
    assert_int_equal(load_text(&conf, "{\"host_id\": \"a/b\"}", &err), -1);
    assert_non_null(strstr(err.message, "letters, digits"));
    mh_conf_free(&conf);
    assert_int_equal(load_text(&conf, "[]", &err), -1);
    assert_non_null(strstr(err.message, "must be a JSON object"));
    mh_conf_free(&conf);
}

static void
syntax_errors_duplicates_and_garbage_are_rejected(void **state)
{
    struct mh_conf conf;
    struct mh_error err = { { 0 } };
    (void)state;

    assert_int_equal(load_text(&conf, "{\"syslog\": true, \"syslog\": false}", &err), -1);
    assert_non_null(strstr(err.message, "duplicate"));
    assert_int_equal(load_text(&conf, "{\"syslog\": true} trailing", &err), -1);
    assert_non_null(strstr(err.message, "test.json:1:"));
    assert_int_equal(load_text(&conf, "{\"syslog\": tru", &err), -1);
    assert_int_equal(load_text(&conf, "", &err), -1);
}

static void
dropins_merge_in_name_order(void **state)
{
    struct mh_conf conf;
    struct mh_error err = { { 0 } };
    char *dir = mh_test_tmpdir();
    char main_path[4096], dropins[4096];
    (void)state;

    assert_int_equal(chmod(dir, 0755), 0);
    MH_TEST_PRINT(main_path, "%s",
             mh_test_write(dir, "main.json",
                           "{\"deadline_ms\": 1000, \"journal\": {\"path\": \"/a\"}}", 0644));
    MH_TEST_PRINT(dropins, "%s/conf.d", dir);
    assert_int_equal(mkdir(dropins, 0755), 0);
    mh_test_write(dropins, "20-late.json", "{\"deadline_ms\": 3000}", 0644);
    mh_test_write(dropins, "10-early.json", "{\"deadline_ms\": 2000, \"journal\": {\"enabled\": false}}", 0644);
    mh_test_write(dropins, "ignored.conf", "not json", 0644);
    mh_test_write(dropins, ".hidden.json", "not json", 0644);

    assert_int_equal(mh_conf_load_files(&conf, main_path, dropins, &err), 0);
    assert_int_equal(conf.deadline_ms, 3000);
    assert_false(conf.journal_enabled);
    assert_string_equal(conf.journal_path, "/a");
    mh_conf_free(&conf);

    /* A problem in a drop-in is reported in that drop-in. */
    mh_test_write(dropins, "30-bad.json", "{\n\"journal\": {\"max_bytes\": 1}}", 0644);
    assert_int_equal(mh_conf_load_files(&conf, main_path, dropins, &err), -1);
    assert_non_null(strstr(err.message, "30-bad.json:2:13: must be between"));
    mh_conf_free(&conf);
    mh_test_rmdir(dir);
}

static void
missing_main_file_means_defaults_but_untrusted_files_fail(void **state)
{
    struct mh_conf conf;
    struct mh_error err = { { 0 } };
    char *dir = mh_test_tmpdir();
    char path[4096], dropins[4096];
    (void)state;

    assert_int_equal(chmod(dir, 0755), 0);
    MH_TEST_PRINT(path, "%s/absent.json", dir);
    MH_TEST_PRINT(dropins, "%s/conf.d", dir);
    assert_int_equal(mh_conf_load_files(&conf, path, dropins, &err), 0);
    assert_int_equal(conf.deadline_ms, 10000);
    mh_conf_free(&conf);

    /* Without drop-ins (mh-check --config FILE) the file must exist. */
    assert_int_equal(mh_conf_load_files(&conf, path, NULL, &err), -1);
    mh_conf_free(&conf);

    MH_TEST_PRINT(path, "%s", mh_test_write(dir, "open.json", "{}", 0666));
    assert_int_equal(mh_conf_load_files(&conf, path, dropins, &err), -1);
    assert_non_null(strstr(err.message, "writable by group or others"));
    mh_conf_free(&conf);

    assert_int_equal(mkdir(dropins, 0777), 0);
    assert_int_equal(chmod(dropins, 0777), 0);
    MH_TEST_PRINT(path, "%s", mh_test_write(dir, "fine.json", "{}", 0644));
    assert_int_equal(mh_conf_load_files(&conf, path, dropins, &err), -1);
    assert_non_null(strstr(err.message, "conf.d: writable by group or others"));
    mh_conf_free(&conf);
    mh_test_rmdir(dir);
}

/* The checks and cookie sections (docs/checks.md, docs/cookie.md). */
static void
checks_and_cookie_sections(void **state)
{
    struct mh_conf conf;
    struct mh_error err = { { 0 } };
    (void)state;

    assert_int_equal(load_text(&conf, "{}", &err), 0);
    assert_int_equal(conf.checks.warning_policy, MH_WARNINGS_CONTINUE);
    assert_int_equal(conf.checks.memory_reserve_mib, 512);
    assert_null(conf.checks.allowed_sources);
    assert_int_equal(conf.checks.max_incoming, 0);
    assert_string_equal(conf.checks.maintenance_file, MH_STATE_DIR "/maintenance");
    assert_string_equal(conf.checks.external_dir, MH_CONF_DIR "/checks.d");
    assert_int_equal(conf.checks.external_timeout_ms, 5000);
    assert_int_equal(conf.checks.severity[0], MH_SEVERITY_DEFAULT);
    assert_null(conf.cookie.key_file);
    assert_int_equal(conf.cookie.max_age, 0);
    assert_int_equal(conf.cookie.policy, MH_COOKIE_ALLOW);
    mh_conf_free(&conf);

    assert_int_equal(load_text(&conf,
                               "{\"checks\": {\"warning_policy\": \"abort\", \"memory_reserve_mib\": 0,"
                               " \"allowed_sources\": [\"hv-*\"], \"max_incoming\": 2,"
                               " \"severity\": {\"qemu-version\": \"off\"}},"
                               " \"cookie\": {\"key_file\": \"/k\", \"max_age\": 900,"
                               " \"policy\": \"refuse\"}}",
                               &err), 0);
    assert_int_equal(conf.checks.warning_policy, MH_WARNINGS_ABORT);
    assert_int_equal(conf.checks.memory_reserve_mib, 0);
    assert_int_equal(json_array_size(conf.checks.allowed_sources), 1);
    assert_int_equal(conf.checks.max_incoming, 2);
    assert_int_equal(conf.checks.severity[1], MH_SEVERITY_OFF);
    assert_string_equal(conf.cookie.key_file, "/k");
    assert_int_equal(conf.cookie.max_age, 900);
    assert_int_equal(conf.cookie.policy, MH_COOKIE_REFUSE);
    mh_conf_free(&conf);

    assert_int_equal(load_text(&conf, "{\"checks\": {\"warning_policy\": \"shrug\"}}", &err), -1);
    assert_non_null(strstr(err.message, "must be one of: continue, abort"));
    mh_conf_free(&conf);
    assert_int_equal(load_text(&conf, "{\"cookie\": {\"policy\": true}}", &err), -1);
    assert_non_null(strstr(err.message, "must be one of: allow, warn, refuse"));
    mh_conf_free(&conf);
    assert_int_equal(load_text(&conf, "{\"checks\": {\"allowed_sources\": \"hv-a\"}}", &err), -1);
    assert_non_null(strstr(err.message, "must be an array of strings"));
    mh_conf_free(&conf);
    assert_int_equal(load_text(&conf, "{\"checks\": {\"external_timeout_ms\": 5}}", &err), -1);
    mh_conf_free(&conf);
    assert_int_equal(load_text(&conf, "{\"checks\": {\"severity\": [\"off\"]}}", &err), -1);
    assert_non_null(strstr(err.message, "must be an object of check names"));
    mh_conf_free(&conf);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults_when_empty),
        cmocka_unit_test(values_are_read),
        cmocka_unit_test(unknown_key_names_file_line_column),
        cmocka_unit_test(wrong_types_and_ranges_are_rejected),
        cmocka_unit_test(syntax_errors_duplicates_and_garbage_are_rejected),
        cmocka_unit_test(dropins_merge_in_name_order),
        cmocka_unit_test(missing_main_file_means_defaults_but_untrusted_files_fail),
        cmocka_unit_test(checks_and_cookie_sections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
