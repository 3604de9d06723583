/* test_pattern.c - ordered include/exclude glob lists. */
#include "mh_test.h"

#include "mh_pattern.h"

static bool
selects(const char *patterns, const char *name)
{
    json_t *list = json_loads(patterns, 0, NULL);
    bool selected;

    assert_non_null(list);
    selected = mh_pattern_select(list, name);
    json_decref(list);
    return selected;
}

/* The last matching pattern decides; no match selects nothing. */
static void
last_match_decides(void **state)
{
    (void)state;
    assert_true(selects("[\"*\"]", "ctl-vlan"));
    assert_false(selects("[]", "ctl-vlan"));
    assert_true(selects("[\"ctl-*\"]", "ctl-vlan"));
    assert_false(selects("[\"ctl-*\"]", "PortData"));
    assert_false(selects("[\"*\", \"!ctl-*\"]", "ctl-vlan"));
    assert_true(selects("[\"*\", \"!ctl-*\"]", "PortData"));
    assert_true(selects("[\"*\", \"!ctl-*\", \"ctl-vlan\"]", "ctl-vlan"));
    assert_false(selects("[\"*\", \"!ctl-*\", \"ctl-vlan\"]", "ctl-segment"));
    assert_true(selects("[\"ovn/*\"]", "ovn/port"));
    assert_true(selects("[\"ctl-[ab]\"]", "ctl-a"));
    assert_false(selects("[\"ctl-[ab]\"]", "ctl-c"));
    assert_true(selects("[\"\\\\!literal\"]", "!literal"));
}

static void
check_rejects_unusable_lists(void **state)
{
    static const struct {
        const char *patterns;
        long bad;
        const char *reason;
    } cases[] = {
        { "{}", -1, "array" },
        { "[\"ok\", 3]", 1, "string" },
        { "[\"\"]", 0, "empty" },
        { "[\"*\", \"!\"]", 1, "empty" },
        { "[\"a\\u0000b\"]", 0, "NUL" },
    };
    const char *reason = NULL;
    json_t *list;
    long bad;
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        list = json_loads(cases[i].patterns, JSON_ALLOW_NUL, NULL);
        assert_non_null(list);
        assert_int_equal(mh_pattern_check(list, &bad, &reason), -1);
        assert_int_equal(bad, cases[i].bad);
        assert_non_null(strstr(reason, cases[i].reason));
        json_decref(list);
    }
    list = json_pack("[s, s, s]", "*", "!vm-*", "ctl-?");
    assert_int_equal(mh_pattern_check(list, &bad, &reason), 0);
    json_decref(list);
    {
        char long_glob[MH_PATTERN_MAX_LENGTH + 2];
        memset(long_glob, 'a', sizeof(long_glob) - 1);
        long_glob[sizeof(long_glob) - 1] = '\0';
        list = json_pack("[s]", long_glob);
        assert_int_equal(mh_pattern_check(list, &bad, &reason), -1);
        assert_non_null(strstr(reason, "longer"));
        json_decref(list);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(last_match_decides),
        cmocka_unit_test(check_rejects_unusable_lists),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
