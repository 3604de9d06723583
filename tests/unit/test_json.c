/* test_json.c - limits of the JSON parser and locating values in text. */
#include "mh_test.h"

#include "mh_error.h"
#include "mh_json.h"

static void
parse_accepts_plain_objects(void **state)
{
    struct mh_error err = { { 0 } };
    const char *text = "{\"a\": [1, 2, {\"b\": true}]}";
    json_t *value = mh_json_parse(text, strlen(text), 8, "t.json", &err);
    (void)state;

    assert_non_null(value);
    assert_int_equal(mh_json_depth(value), 3);
    json_decref(value);
}

static void
parse_rejects_duplicate_keys_with_position(void **state)
{
    struct mh_error err = { { 0 } };
    const char *text = "{\n  \"a\": 1,\n  \"a\": 2\n}";
    (void)state;

    assert_null(mh_json_parse(text, strlen(text), 8, "t.json", &err));
    assert_non_null(strstr(err.message, "t.json:3:"));
    assert_non_null(strstr(err.message, "duplicate"));
}

static void
parse_rejects_trailing_garbage_nul_and_depth(void **state)
{
    struct mh_error err = { { 0 } };
    const char *garbage = "{} x";
    const char nul[] = "{\"a\":\"b\0c\"}";
    const char *deep = "[[[[[[[[[[1]]]]]]]]]]";
    (void)state;

    assert_null(mh_json_parse(garbage, strlen(garbage), 8, "g.json", &err));
    assert_non_null(strstr(err.message, "g.json:1:"));
    assert_null(mh_json_parse(nul, sizeof(nul) - 1, 8, "n.json", &err));
    assert_non_null(strstr(err.message, "NUL"));
    assert_null(mh_json_parse(deep, strlen(deep), 5, "d.json", &err));
    assert_non_null(strstr(err.message, "deeper than 5"));
}

static void
parse_survives_very_deep_nesting(void **state)
{
    struct mh_error err = { { 0 } };
    size_t depth = 100000;
    char *text = malloc(2 * depth + 1);
    (void)state;

    memset(text, '[', depth);
    memset(text + depth, ']', depth);
    text[2 * depth] = '\0';
    assert_null(mh_json_parse(text, 2 * depth, 16, "deep.json", &err));
    free(text);
}

static void
locate_finds_keys_and_array_items(void **state)
{
    const char *text = "{\n  \"journal\": {\n    \"path\": 5\n  },\n"
                       "  \"list\": [\"x\",\n    {\"a/b\": 1, \"t~\": 2}]\n}";
    int line = 0, column = 0;
    (void)state;

    assert_int_equal(mh_json_locate(text, strlen(text), "/journal/path", &line, &column), 0);
    assert_int_equal(line, 3);
    assert_int_equal(column, 5);
    assert_int_equal(mh_json_locate(text, strlen(text), "/list/1/a~1b", &line, &column), 0);
    assert_int_equal(line, 6);
    assert_int_equal(column, 6);
    assert_int_equal(mh_json_locate(text, strlen(text), "/list/1/t~0", &line, &column), 0);
    assert_int_equal(mh_json_locate(text, strlen(text), "", &line, &column), 0);
    assert_int_equal(line, 1);
    assert_int_equal(column, 1);
}

static void
locate_reports_missing_pointers(void **state)
{
    const char *text = "{\"a\": [1], \"b\": {\"c\": \"}\"}}";
    int line, column;
    (void)state;

    assert_int_equal(mh_json_locate(text, strlen(text), "/x", &line, &column), -1);
    assert_int_equal(mh_json_locate(text, strlen(text), "/a/1", &line, &column), -1);
    assert_int_equal(mh_json_locate(text, strlen(text), "/a/x", &line, &column), -1);
    assert_int_equal(mh_json_locate(text, strlen(text), "/b/c/d", &line, &column), -1);
    assert_int_equal(mh_json_locate(text, strlen(text), "bad", &line, &column), -1);
    assert_int_equal(mh_json_locate(text, strlen(text), "/b/c", &line, &column), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_accepts_plain_objects),
        cmocka_unit_test(parse_rejects_duplicate_keys_with_position),
        cmocka_unit_test(parse_rejects_trailing_garbage_nul_and_depth),
        cmocka_unit_test(parse_survives_very_deep_nesting),
        cmocka_unit_test(locate_finds_keys_and_array_items),
        cmocka_unit_test(locate_reports_missing_pointers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
