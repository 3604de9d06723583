/* test_progress.c - the progress bar, line and JSON of a migration job. */
#include "mh_test.h"

#include "mh_progress.h"

static void
percent_is_of_memory_transferred_and_bounded(void **state)
{
    struct mh_migrate_progress progress = { 0 };
    (void)state;
    assert_int_equal(mh_progress_percent(&progress), 0);       /* nothing known yet */
    progress.memory_total = 1000;
    progress.memory_remaining = 250;
    assert_int_equal(mh_progress_percent(&progress), 75);
    progress.memory_remaining = 5000;                           /* hostile: more than total */
    assert_int_equal(mh_progress_percent(&progress), 0);
    progress.memory_remaining = 0;
    assert_int_equal(mh_progress_percent(&progress), 100);
}

static void
bytes_use_binary_units(void **state)
{
    char out[32];
    (void)state;
    mh_progress_bytes(0, out, sizeof(out));
    assert_string_equal(out, "0 B");
    mh_progress_bytes(1023, out, sizeof(out));
    assert_string_equal(out, "1023 B");
    mh_progress_bytes(1536, out, sizeof(out));
    assert_string_equal(out, "1.5 KiB");
    mh_progress_bytes(64ULL << 20, out, sizeof(out));
    assert_string_equal(out, "64.0 MiB");
    mh_progress_bytes(~0ULL, out, sizeof(out));
    assert_non_null(strstr(out, "TiB"));
}

static void
line_and_bar_show_every_field(void **state)
{
    struct mh_migrate_progress progress = { 0 };
    char line[256], small[16];
    (void)state;
    progress.elapsed_s = 0.25;
    mh_progress_format(&progress, 0, line, sizeof(line));
    assert_string_equal(line, "setting up  0.2 s");
    progress.elapsed_s = 3.14;
    progress.memory_total = 100ULL << 20;
    progress.memory_remaining = 50ULL << 20;
    progress.memory_bps = 10ULL << 20;
    progress.dirty_bps = 1ULL << 20;
    progress.downtime_ms = 300;
    mh_progress_format(&progress, 0, line, sizeof(line));
    assert_string_equal(line, " 50%  10.0 MiB/s  remaining 50.0 MiB  dirty 1.0 MiB/s  downtime ~300 ms  3.1 s");
    mh_progress_format(&progress, 10, line, sizeof(line));
    assert_non_null(strstr(line, "[#####.....]  50%"));
    progress.postcopy = true;
    mh_progress_format(&progress, 1000, line, sizeof(line));   /* width is capped */
    assert_non_null(strstr(line, "post-copy"));
    mh_progress_format(&progress, 10, small, sizeof(small));    /* truncated, terminated */
    assert_int_equal(strlen(small), sizeof(small) - 1);
}

static void
json_has_the_numbers(void **state)
{
    struct mh_migrate_progress progress = { 0 };
    json_t *object;
    (void)state;
    progress.memory_total = 4;
    progress.memory_remaining = 1;
    progress.iterations = 2;
    object = mh_progress_to_json(&progress);
    assert_non_null(object);
    assert_int_equal(json_integer_value(json_object_get(object, "percent")), 75);
    assert_int_equal(json_integer_value(json_object_get(object, "iterations")), 2);
    assert_true(json_is_false(json_object_get(object, "postcopy")));
    json_decref(object);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(percent_is_of_memory_transferred_and_bounded),
        cmocka_unit_test(bytes_use_binary_units),
        cmocka_unit_test(line_and_bar_show_every_field),
        cmocka_unit_test(json_has_the_numbers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
