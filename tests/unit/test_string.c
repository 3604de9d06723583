/* test_string.c - strict integer parsing and bounded copies. */
#include "mh_test.h"

#include <errno.h>
#include <limits.h>
#include <sys/stat.h>

#include "mh_string.h"

static void
to_long_accepts_whole_numbers_in_range(void **state)
{
    long value = 0;
    (void)state;
    assert_int_equal(mh_string_to_long("42", 0, 100, &value), 0);
    assert_int_equal(value, 42);
    assert_int_equal(mh_string_to_long("-7", -10, 10, &value), 0);
    assert_int_equal(value, -7);
}

static void
to_long_rejects_garbage_range_and_overflow(void **state)
{
    long value = 5;
    (void)state;
    assert_int_equal(mh_string_to_long("", 0, 10, &value), -1);
    assert_int_equal(mh_string_to_long(" 1", 0, 10, &value), -1);
    assert_int_equal(mh_string_to_long("1 ", 0, 10, &value), -1);
    assert_int_equal(mh_string_to_long("0x10", 0, 100, &value), -1);
    assert_int_equal(mh_string_to_long("11", 0, 10, &value), -1);
    assert_int_equal(errno, ERANGE);
    assert_int_equal(mh_string_to_long("99999999999999999999999", 0, LONG_MAX, &value), -1);
    assert_int_equal(mh_string_to_long(NULL, 0, 10, &value), -1);
    assert_int_equal(value, 5);
}

static void
copy_reports_truncation(void **state)
{
    char small[4];
    (void)state;
    assert_int_equal(mh_string_copy(small, sizeof(small), "abc"), 0);
    assert_string_equal(small, "abc");
    assert_int_equal(mh_string_copy(small, sizeof(small), "abcd"), -1);
    assert_string_equal(small, "abc");
    assert_int_equal(mh_string_append(small, sizeof(small), "x"), -1);
}

static void
copy_text_keeps_utf8_and_cleans_the_rest(void **state)
{
    char out[16];
    char tiny[5];
    (void)state;
    /* Valid UTF-8 passes unchanged. */
    assert_int_equal(mh_string_copy_text(out, sizeof(out), "caf\xc3\xa9 \xe2\x82\xac"), 0);
    assert_string_equal(out, "caf\xc3\xa9 \xe2\x82\xac");
    /* Controls become spaces; stray, overlong, surrogate, C1 and too-high
     * sequences become '?'. */
    assert_int_equal(mh_string_copy_text(out, sizeof(out), "a\tb\nc\x1b["), 0);
    assert_string_equal(out, "a b c [");
    assert_int_equal(mh_string_copy_text(out, sizeof(out), "\xff\xc0\x80\xed\xa0\x80"), 0);
    assert_string_equal(out, "??????");
    assert_int_equal(mh_string_copy_text(out, sizeof(out), "\xc2\x9b\xf4\x90\x80\x80"), 0);
    assert_string_equal(out, "??????");
    assert_int_equal(mh_string_copy_text(out, sizeof(out), "\xe2\x82"), 0);
    assert_string_equal(out, "??");
    /* Truncation never splits a character. */
    assert_int_equal(mh_string_copy_text(tiny, sizeof(tiny), "ab\xe2\x82\xac"), -1);
    assert_string_equal(tiny, "ab");
    assert_int_equal(mh_string_copy_text(tiny, 1, "x"), -1);
    assert_string_equal(tiny, "");
}

static void
identifier_accepts_host_names_only(void **state)
{
    (void)state;
    assert_true(mh_string_is_identifier("host-a.example_1"));
    assert_false(mh_string_is_identifier(""));
    assert_false(mh_string_is_identifier("-a"));
    assert_false(mh_string_is_identifier(".a"));
    assert_false(mh_string_is_identifier("a/b"));
    assert_false(mh_string_is_identifier("a b"));
    assert_false(mh_string_is_identifier(
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(to_long_accepts_whole_numbers_in_range),
        cmocka_unit_test(to_long_rejects_garbage_range_and_overflow),
        cmocka_unit_test(copy_reports_truncation),
        cmocka_unit_test(copy_text_keeps_utf8_and_cleans_the_rest),
        cmocka_unit_test(identifier_accepts_host_names_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
