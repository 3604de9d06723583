/* test_journal.c - appending, rotating, reading and filtering the journal. */
#include "mh_test.h"

#include <sys/wait.h>
#include <unistd.h>

#include "mh_conf.h"
#include "mh_error.h"
#include "mh_journal.h"
#include "mh_time.h"

struct collected {
    size_t count;
    char guests[16][32];
};

static int
collect(json_t *entry, void *data)
{
    struct collected *c = data;
    const char *guest = json_string_value(json_object_get(entry, "guest"));
    if (c->count < 16)
        MH_TEST_PRINT(c->guests[c->count], "%s", guest ? guest : "?");
    c->count++;
    return 0;
}

static void
conf_for(struct mh_conf *conf, const char *path, long max_bytes)
{
    struct mh_error err = { { 0 } };
    char text[4200];

    MH_TEST_PRINT(text, "{\"host_id\": \"hv1\", \"journal\": {\"path\": \"%s\", \"max_bytes\": %ld}}",
                  path, max_bytes);
    assert_int_equal(mh_conf_load_text(conf, text, strlen(text), "t", &err), 0);
}

static void
append(struct mh_conf *conf, const char *guest, const char *outcome, const char *time)
{
    struct mh_error err = { { 0 } };
    json_t *entry = json_pack("{s:s, s:s, s:s}", "guest", guest, "outcome", outcome,
                              "uuid", "4dea22b3-1d52-d8f3-2516-782e98ab3fa0");
    if (time)
        json_object_set_new(entry, "time", json_string(time));
    assert_int_equal(mh_journal_append(conf, entry, &err), 0);
    json_decref(entry);
}

static void
append_adds_time_and_host_and_reads_back(void **state)
{
    char *dir = mh_test_tmpdir();
    char path[4096];
    struct mh_conf conf;
    struct collected c = { 0 };
    struct mh_journal_filter all = { 0 };
    struct mh_error err = { { 0 } };
    size_t skipped;
    FILE *file;
    char line[1024];
    (void)state;

    MH_TEST_PRINT(path, "%s/journal.jsonl", dir);
    conf_for(&conf, path, 1 << 20);
    append(&conf, "a", "ok", NULL);
    append(&conf, "b", "refused", NULL);
    file = fopen(path, "r");
    assert_non_null(fgets(line, sizeof(line), file));
    fclose(file);
    assert_non_null(strstr(line, "\"host\":\"hv1\""));
    assert_non_null(strstr(line, "\"time\":\"20"));
    assert_int_equal(mh_journal_query(path, &all, collect, &c, &skipped, &err), 0);
    assert_int_equal(c.count, 2);
    assert_string_equal(c.guests[0], "a");
    assert_int_equal(skipped, 0);
    mh_conf_free(&conf);
    mh_test_rmdir(dir);
}

static void
torn_and_foreign_lines_are_skipped(void **state)
{
    char *dir = mh_test_tmpdir();
    struct collected c = { 0 };
    struct mh_journal_filter all = { 0 };
    struct mh_error err = { { 0 } };
    size_t skipped;
    const char *path;
    (void)state;

    path = mh_test_write(dir, "journal.jsonl",
                         "{\"guest\":\"a\"}\nnot json\n[1,2]\n\n{\"guest\":\"b\"}\n{\"guest\":\"c\",\"tor", 0640);
    assert_int_equal(mh_journal_query(path, &all, collect, &c, &skipped, &err), 0);
    assert_int_equal(c.count, 2);
    assert_int_equal(skipped, 3);
    mh_test_rmdir(dir);
}

/* A line cut short when the disk filled (no newline at the end of the
 * journal) must not swallow the next entry. Positive: an append to a whole
 * journal reads back; negative: after the torn line only it is lost. */
static void
append_after_a_torn_line_starts_a_new_line(void **state)
{
    char *dir = mh_test_tmpdir();
    struct mh_conf conf;
    struct collected c = { 0 };
    struct mh_journal_filter all = { 0 };
    struct mh_error err = { { 0 } };
    size_t skipped;
    const char *path;
    (void)state;

    path = mh_test_write(dir, "journal.jsonl", "{\"guest\":\"a\"}\n{\"guest\":\"torn\",\"out", 0640);
    conf_for(&conf, path, 1 << 20);
    append(&conf, "b", "ok", NULL);
    append(&conf, "c", "ok", NULL);
    assert_int_equal(mh_journal_query(path, &all, collect, &c, &skipped, &err), 0);
    assert_int_equal(c.count, 3);
    assert_string_equal(c.guests[0], "a");
    assert_string_equal(c.guests[1], "b");
    assert_string_equal(c.guests[2], "c");
    assert_int_equal(skipped, 1);
    mh_conf_free(&conf);
    mh_test_rmdir(dir);
}

static void
rotation_keeps_one_generation_and_reads_both(void **state)
{
    char *dir = mh_test_tmpdir();
    char path[4096], rotated[4200];
    struct mh_conf conf;
    struct collected c = { 0 };
    struct mh_journal_filter all = { 0 };
    struct mh_error err = { { 0 } };
    size_t skipped;
    (void)state;

    MH_TEST_PRINT(path, "%s/journal.jsonl", dir);
    MH_TEST_PRINT(rotated, "%s.1", path);
    conf_for(&conf, path, 4096);
    for (int i = 0; i < 60; i++)
        append(&conf, "g", "ok", NULL);
    assert_int_equal(access(rotated, F_OK), 0);
    assert_int_equal(mh_journal_query(path, &all, collect, &c, &skipped, &err), 0);
    assert_true(c.count > 0 && c.count <= 60);
    mh_conf_free(&conf);
    mh_test_rmdir(dir);
}

static void
concurrent_appends_never_interleave(void **state)
{
    char *dir = mh_test_tmpdir();
    char path[4096];
    struct mh_conf conf;
    struct collected c = { 0 };
    struct mh_journal_filter all = { 0 };
    struct mh_error err = { { 0 } };
    size_t skipped;
    (void)state;

    MH_TEST_PRINT(path, "%s/journal.jsonl", dir);
    conf_for(&conf, path, 1L << 30);
    for (int p = 0; p < 4; p++) {
        if (fork() == 0) {
            for (int i = 0; i < 200; i++)
                append(&conf, "g", "ok", NULL);
            _exit(0);
        }
    }
    for (int p = 0; p < 4; p++)
        wait(NULL);
    assert_int_equal(mh_journal_query(path, &all, collect, &c, &skipped, &err), 0);
    assert_int_equal(c.count, 800);
    assert_int_equal(skipped, 0);
    mh_conf_free(&conf);
    mh_test_rmdir(dir);
}

static void
filters_by_guest_uuid_since_outcome_and_last(void **state)
{
    char *dir = mh_test_tmpdir();
    char path[4096];
    struct mh_conf conf;
    struct mh_error err = { { 0 } };
    size_t skipped;
    (void)state;

    MH_TEST_PRINT(path, "%s/journal.jsonl", dir);
    conf_for(&conf, path, 1 << 20);
    append(&conf, "a", "ok", "2026-01-01T00:00:00.000Z");
    append(&conf, "b", "refused", "2026-01-02T00:00:00.000Z");
    append(&conf, "a", "error", "2026-01-03T00:00:00.000Z");
    append(&conf, "a", "ok", "2026-01-04T00:00:00.000Z");
    {
        struct collected c = { 0 };
        struct mh_journal_filter f = { .guest = "a" };
        assert_int_equal(mh_journal_query(path, &f, collect, &c, &skipped, &err), 0);
        assert_int_equal(c.count, 3);
    }
    {
        struct collected c = { 0 };
        struct mh_journal_filter f = { .guest = "4DEA22B3-1D52-D8F3-2516-782E98AB3FA0" };
        assert_int_equal(mh_journal_query(path, &f, collect, &c, &skipped, &err), 0);
        assert_int_equal(c.count, 4);
    }
    {
        struct collected c = { 0 };
        struct mh_journal_filter f = { .since = "2026-01-02T00:00:00.000Z" };
        assert_int_equal(mh_journal_query(path, &f, collect, &c, &skipped, &err), 0);
        assert_int_equal(c.count, 3);
        assert_string_equal(c.guests[0], "b");
    }
    {
        struct collected c = { 0 };
        struct mh_journal_filter f = { .outcome = "ok", .last = 1 };
        assert_int_equal(mh_journal_query(path, &f, collect, &c, &skipped, &err), 0);
        assert_int_equal(c.count, 1);
    }
    {
        struct collected c = { 0 };
        struct mh_journal_filter f = { .guest = "nobody" };
        assert_int_equal(mh_journal_query(path, &f, collect, &c, &skipped, &err), 0);
        assert_int_equal(c.count, 0);
    }
    mh_conf_free(&conf);
    mh_test_rmdir(dir);
}

static void
disabled_journal_writes_nothing_and_bad_path_fails(void **state)
{
    struct mh_conf conf;
    struct mh_error err = { { 0 } };
    const char *off = "{\"journal\": {\"enabled\": false, \"path\": \"/nonexistent/j\"}}";
    json_t *entry = json_object();
    (void)state;

    assert_int_equal(mh_conf_load_text(&conf, off, strlen(off), "t", &err), 0);
    assert_int_equal(mh_journal_append(&conf, entry, &err), 0);
    mh_conf_free(&conf);
    conf_for(&conf, "/nonexistent/j", 1 << 20);
    assert_int_equal(mh_journal_append(&conf, entry, &err), -1);
    assert_non_null(strstr(err.message, "/nonexistent/j"));
    mh_conf_free(&conf);
    json_decref(entry);
}

static void
times_parse_absolute_and_relative(void **state)
{
    struct mh_error err = { { 0 } };
    char out[32];
    (void)state;

    assert_int_equal(mh_time_parse("2026-11-23", 0, out, &err), 0);
    assert_string_equal(out, "2026-11-23T00:00:00.000Z");
    assert_int_equal(mh_time_parse("2026-11-23T10:05", 0, out, &err), 0);
    assert_string_equal(out, "2026-11-23T10:05:00.000Z");
    assert_int_equal(mh_time_parse("2026-11-23 10:05:07Z", 0, out, &err), -1);
    assert_int_equal(mh_time_parse("2026-11-23T10:05:07Z", 0, out, &err), 0);
    assert_string_equal(out, "2026-11-23T10:05:07.000Z");
    assert_int_equal(mh_time_parse("2h", 86400, out, &err), 0);
    assert_string_equal(out, "1970-01-01T22:00:00.000Z");
    assert_int_equal(mh_time_parse("1d", 86400, out, &err), 0);
    assert_string_equal(out, "1970-01-01T00:00:00.000Z");
    assert_int_equal(mh_time_parse("yesterday", 0, out, &err), -1);
    assert_int_equal(mh_time_parse("-5m", 0, out, &err), -1);
    assert_int_equal(mh_time_parse("5x", 0, out, &err), -1);
    assert_int_equal(mh_time_parse("2026-13-45", 0, out, &err), -1);
    assert_int_equal(mh_time_parse("", 0, out, &err), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(append_adds_time_and_host_and_reads_back),
        cmocka_unit_test(torn_and_foreign_lines_are_skipped),
        cmocka_unit_test(append_after_a_torn_line_starts_a_new_line),
        cmocka_unit_test(rotation_keeps_one_generation_and_reads_both),
        cmocka_unit_test(concurrent_appends_never_interleave),
        cmocka_unit_test(filters_by_guest_uuid_since_outcome_and_last),
        cmocka_unit_test(disabled_journal_writes_nothing_and_bad_path_fails),
        cmocka_unit_test(times_parse_absolute_and_relative),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
