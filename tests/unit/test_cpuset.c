/* test_cpuset.c - libvirt cpuset parsing, formatting and host CPU maps. */
#include "mh_test.h"

#include "mh_cpuset.h"
#include "mh_error.h"

static char *
round_trip(const char *text)
{
    struct mh_error err = { { 0 } };
    struct mh_cpuset set;

    if (mh_cpuset_parse(text, &set, &err) < 0)
        fail_msg("'%s' refused: %s", text, err.message);
    return mh_cpuset_format(&set);
}

static void
valid_lists_parse_and_format_like_libvirt(void **state)
{
    static const struct {
        const char *text, *formatted;
    } cases[] = {
        { "0", "0" },
        { "0-3", "0-3" },
        { "0-3,8", "0-3,8" },
        { "8,0-3", "0-3,8" },
        { "0,1,2,3", "0-3" },
        { "0-3,^1", "0,2-3" },
        { "^1,0-3", "0,2-3" },
        { " 1 , 3 - 4 ", "1,3-4" },
        { "007", "7" },
        { "1,1,1", "1" },
        { "16383", "16383" },
        { "0-16383,^1", "0,2-16383" },
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *out = round_trip(cases[i].text);
        assert_string_equal(out, cases[i].formatted);
        free(out);
    }
}

static void
malformed_lists_are_refused_with_the_reason(void **state)
{
    static const struct {
        const char *text, *reason;
    } cases[] = {
        { "", "is empty" },
        { "   ", "is empty" },
        { "0-", "has no end" },
        { "3-1", "ends before it starts" },
        { "99999999", "above the highest number supported (16383)" },
        { "16384", "above the highest number supported" },
        { "184467440737095516160", "above the highest number supported" },
        { "a", "expected a number at 'a'" },
        { "1,,2", "expected a number at ','" },
        { "1,", "expected a number at the end" },
        { "-1", "expected a number at '-'" },
        { "+1", "expected a number at '+'" },
        { "0x10", "unexpected 'x'" },
        { "1;2", "unexpected ';'" },
        { "^0", "selects nothing" },
        { "0-3,^0-3", "cannot be a range" },
        { "0,^0", "selects nothing" },
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mh_error err = { { 0 } };
        struct mh_cpuset set;

        if (mh_cpuset_parse(cases[i].text, &set, &err) == 0)
            fail_msg("'%s' accepted", cases[i].text);
        if (!strstr(err.message, cases[i].reason))
            fail_msg("'%s': expected \"%s\" in \"%s\"", cases[i].text, cases[i].reason,
                     err.message);
    }
}

static void
long_lists_are_quoted_short(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_cpuset set;
    char text[4096];
    (void)state;

    memset(text, '1', sizeof(text) - 1);
    text[sizeof(text) - 1] = '\0';
    assert_int_equal(mh_cpuset_parse(text, &set, &err), -1);
    assert_true(strlen(err.message) < 200);
}

static void
whole_range_formats(void **state)
{
    struct mh_cpuset set = { { 0 } };
    char *out;
    (void)state;

    for (unsigned n = 0; n <= MH_CPUSET_MAX; n += 2)
        mh_cpuset_add(&set, n);
    assert_int_equal(mh_cpuset_count(&set), (MH_CPUSET_MAX + 1) / 2);
    out = mh_cpuset_format(&set);
    assert_non_null(out);
    assert_true(strncmp(out, "0,2,4,", 6) == 0);
    assert_non_null(strstr(out, ",16382"));
    free(out);
    mh_cpuset_add(&set, MH_CPUSET_MAX + 1);     /* out of range: ignored */
    assert_false(mh_cpuset_has(&set, MH_CPUSET_MAX + 1));
}

static void
maps_shift_and_look_up(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_cpuset in, out;
    struct mh_cpuset_map shift = { .by_table = false, .shift = 8, .max = 15 };
    struct mh_cpuset_map table = { .by_table = true, .max = MH_CPUSET_MAX };
    char *text;
    (void)state;

    assert_int_equal(mh_cpuset_parse("0-3,7", &in, &err), 0);
    assert_int_equal(mh_cpuset_map_apply(&shift, &in, &out, "CPU", &err), 0);
    text = mh_cpuset_format(&out);
    assert_string_equal(text, "8-11,15");
    free(text);

    assert_int_equal(mh_cpuset_parse("8", &in, &err), 0);
    assert_int_equal(mh_cpuset_map_apply(&shift, &in, &out, "CPU", &err), -1);
    assert_non_null(strstr(err.message, "CPU 8 maps to 16, above the highest allowed (15)"));

    shift.shift = -4;
    assert_int_equal(mh_cpuset_parse("3", &in, &err), 0);
    assert_int_equal(mh_cpuset_map_apply(&shift, &in, &out, "NUMA node", &err), -1);
    assert_non_null(strstr(err.message, "NUMA node 3 shifted by -4 is negative"));

    table.table = malloc((MH_CPUSET_MAX + 1) * sizeof(*table.table));
    assert_non_null(table.table);
    for (int i = 0; i <= MH_CPUSET_MAX; i++)
        table.table[i] = -1;
    table.table[0] = 5;
    table.table[1] = 5;     /* two onto one is allowed */
    assert_int_equal(mh_cpuset_parse("0-1", &in, &err), 0);
    assert_int_equal(mh_cpuset_map_apply(&table, &in, &out, "CPU", &err), 0);
    text = mh_cpuset_format(&out);
    assert_string_equal(text, "5");
    free(text);
    assert_int_equal(mh_cpuset_parse("0-2", &in, &err), 0);
    assert_int_equal(mh_cpuset_map_apply(&table, &in, &out, "CPU", &err), -1);
    assert_non_null(strstr(err.message, "CPU 2 is not in the map"));
    mh_cpuset_map_free(&table);
    assert_null(table.table);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(valid_lists_parse_and_format_like_libvirt),
        cmocka_unit_test(malformed_lists_are_refused_with_the_reason),
        cmocka_unit_test(long_lists_are_quoted_short),
        cmocka_unit_test(whole_range_formats),
        cmocka_unit_test(maps_shift_and_look_up),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
