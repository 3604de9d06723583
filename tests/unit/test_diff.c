/* test_diff.c - the unified line diff that mh-rewrite --diff prints. */
#include "mh_test.h"

#include "mh_diff.h"
#include "mh_error.h"

static char *
diff(const char *a, const char *b, unsigned context)
{
    struct mh_error err = { { 0 } };
    size_t length;
    char *out;

    assert_int_equal(mh_diff_unified(a, strlen(a), b, strlen(b), "old", "new", context, &out,
                                     &length, &err), 0);
    assert_int_equal(length, strlen(out));
    return out;
}

static void
expect(const char *a, const char *b, unsigned context, const char *expected)
{
    char *out = diff(a, b, context);

    assert_string_equal(out, expected);
    free(out);
}

static void
equal_texts_give_nothing(void **state)
{
    (void)state;
    expect("", "", 3, "");
    expect("a\nb\n", "a\nb\n", 3, "");
}

static void
changes_get_hunks_with_context(void **state)
{
    (void)state;
    expect("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nfive\n6\n7\n8\n9\n", 2,
           "--- old\n+++ new\n@@ -3,5 +3,5 @@\n 3\n 4\n-5\n+five\n 6\n 7\n");
    /* Far apart: two hunks; close together: one. */
    expect("1\n2\n3\n4\n5\n6\n7\n8\n9\n", "one\n2\n3\n4\n5\n6\n7\n8\nnine\n", 1,
           "--- old\n+++ new\n@@ -1,2 +1,2 @@\n-1\n+one\n 2\n@@ -8,2 +8,2 @@\n 8\n-9\n+nine\n");
    expect("1\n2\n3\n4\n", "one\n2\n3\nfour\n", 1,
           "--- old\n+++ new\n@@ -1,4 +1,4 @@\n-1\n+one\n 2\n 3\n-4\n+four\n");
}

static void
insertions_and_deletions(void **state)
{
    (void)state;
    expect("a\nb\nc\n", "a\nb\nx\nc\n", 1, "--- old\n+++ new\n@@ -2,2 +2,3 @@\n b\n+x\n c\n");
    expect("a\nb\nx\ny\nc\n", "a\nb\nc\n", 0, "--- old\n+++ new\n@@ -3,2 +2,0 @@\n-x\n-y\n");
    expect("", "a\n", 3, "--- old\n+++ new\n@@ -0,0 +1,1 @@\n+a\n");
    expect("a\n", "", 3, "--- old\n+++ new\n@@ -1,1 +0,0 @@\n-a\n");
}

static void
missing_final_newline_is_marked(void **state)
{
    (void)state;
    expect("a\nb", "a\nc", 0,
           "--- old\n+++ new\n@@ -2,1 +2,1 @@\n-b\n\\ No newline at end of file\n"
           "+c\n\\ No newline at end of file\n");
    expect("a\nb", "a\nb\n", 0,
           "--- old\n+++ new\n@@ -2,1 +2,1 @@\n-b\n\\ No newline at end of file\n+b\n");
}

static void
crlf_lines_are_lines(void **state)
{
    (void)state;
    expect("a\r\nb\r\n", "a\r\nc\r\n", 0, "--- old\n+++ new\n@@ -2,1 +2,1 @@\n-b\r\n+c\r\n");
}

/* Count the '-' and '+' lines of a diff. */
static void
count_changes(const char *out, size_t *removed, size_t *added)
{
    *removed = *added = 0;
    for (const char *line = out; *line; line = strchr(line, '\n') + 1) {
        if (*line == '-' && strncmp(line, "---", 3) != 0)
            (*removed)++;
        if (*line == '+' && strncmp(line, "+++", 3) != 0)
            (*added)++;
    }
}

/* Many scattered changes: still minimal below the cap, and beyond it the
 * middle becomes one replaced block instead of a long search. */
static void
large_inputs_stay_bounded(void **state)
{
    size_t lines = 40000, removed, added;
    char *a = malloc(lines * 8 + 1), *b = malloc(lines * 8 + 1);
    char *out;
    (void)state;

    assert_non_null(a);
    assert_non_null(b);
    for (int changes = 0; changes < 2; changes++) {
        size_t every = changes == 0 ? 100 : 10;
        char *pa = a, *pb = b;

        for (size_t i = 0; i < lines; i++) {
            pa += sprintf(pa, "%06zu\n", i);
            pb += sprintf(pb, i % every == 0 ? "x%05zu\n" : "%06zu\n", i);
        }
        out = diff(a, b, 3);
        count_changes(out, &removed, &added);
        if (changes == 0) {
            assert_int_equal(removed, lines / every);
            assert_int_equal(added, lines / every);
        } else {
            /* 8000 edits > MH_DIFF_MAX_EDITS: one block from the first to
             * the last change. */
            assert_int_equal(removed, lines - every + 1);
            assert_int_equal(added, lines - every + 1);
        }
        free(out);
    }
    free(a);
    free(b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(equal_texts_give_nothing),
        cmocka_unit_test(changes_get_hunks_with_context),
        cmocka_unit_test(insertions_and_deletions),
        cmocka_unit_test(missing_final_newline_is_marked),
        cmocka_unit_test(crlf_lines_are_lines),
        cmocka_unit_test(large_inputs_stay_bounded),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
