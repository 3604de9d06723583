/* test_lease_stage.c - the hook stages' lease calls on a real hook context:
 * the cookie fields (source host, migration id, lease token) are set here
 * the way mh_cookie_load() fills them. */
#include "mh_test.h"

#include <unistd.h>

#include "mh_conf.h"
#include "mh_error.h"
#include "mh_file.h"
#include "mh_hook.h"
#include "mh_lease_stage.h"

#define UUID "4dea22b3-1d52-d8f3-2516-782e98ab3fa0"

struct fixture {
    char *top;
    char dir[4096];
    char *xml;
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct mh_error err = { { 0 } };
    FILE *file = fopen("tests/data/xml/domain-template.xml", "r");
    size_t length;
    char *at;

    assert_non_null(f);
    assert_non_null(file);
    assert_int_equal(mh_file_read_fd(fileno(file), 1 << 20, &f->xml, &length, &err), 0);
    fclose(file);
    at = strstr(f->xml, "@NAME@");
    assert_non_null(at);
    memcpy(at, "web-1\0", 6);
    memmove(at + 5, at + 6, strlen(at + 6) + 1);
    f->top = mh_test_tmpdir();
    MH_TEST_PRINT(f->dir, "%s/leases", f->top);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    mh_test_rmdir(f->top);
    free(f->xml);
    free(f);
    return 0;
}

/* A hook call as host with leases on (or off), the domain XML on a pipe. */
static void
hook_open(struct fixture *f, struct mh_hook *hook, const char *host, bool enabled,
          const char *operation, const char *sub_operation, const char *extra)
{
    struct mh_error err = { { 0 } };
    char text[8192];
    int pipes[2];

    assert_int_equal(pipe(pipes), 0);
    assert_int_equal(mh_file_write_all(pipes[1], f->xml, strlen(f->xml)), 0);
    close(pipes[1]);
    mh_hook_init(hook, "web-1", operation, sub_operation, extra, pipes[0]);
    MH_TEST_PRINT(text, "{\"host_id\": \"%s\", \"lease\": {\"enabled\": %s, \"dir\": \"%s\"}}",
                  host, enabled ? "true" : "false", f->dir);
    assert_int_equal(mh_conf_load_text(&hook->conf, text, strlen(text), "t.json", &err), 0);
}

static void
hook_close(struct mh_hook *hook)
{
    close(hook->input_fd);
    mh_hook_free(hook);
}

static json_t *
lease_note(struct mh_hook *hook)
{
    json_t *lease = hook->details ? json_object_get(hook->details, "lease") : NULL;

    assert_non_null(lease);
    return lease;
}

static void
disabled_leases_do_nothing_and_read_nothing(void **state)
{
    struct fixture *f = *state;
    struct mh_error err = { { 0 } };
    struct mh_hook hook;

    hook_open(f, &hook, "hostA", false, "prepare", "begin", "-");
    assert_int_equal(mh_lease_stage_start(&hook, &err), 0);
    assert_int_equal(mh_lease_stage_stopped(&hook, &err), 0);
    assert_int_equal(mh_lease_stage_reserve(&hook, &err), 0);
    assert_int_equal(hook.outcome, MH_OUTCOME_NOTHING);
    assert_null(hook.input);
    assert_int_equal(access(f->dir, F_OK), -1);
    hook_close(&hook);
}

static void
a_migration_through_the_stages(void **state)
{
    struct fixture *f = *state;
    struct mh_error err = { { 0 } };
    struct mh_hook hook;

    /* A starts the guest */
    hook_open(f, &hook, "hostA", true, "prepare", "begin", "-");
    assert_int_equal(mh_lease_stage_start(&hook, &err), 0);
    assert_int_equal(hook.outcome, MH_OUTCOME_OK);
    assert_string_equal(json_string_value(json_object_get(lease_note(&hook), "transition")),
                        "acquired");
    assert_string_equal(json_string_value(json_object_get(lease_note(&hook), "backend")), "dir");
    hook_close(&hook);

    /* B: migrate begin, with the cookie's fields and a lease token */
    hook_open(f, &hook, "hostB", true, "migrate", "begin", "-");
    strcpy(hook.source_host, "hostA");
    strcpy(hook.migration_id, "m-42");
    hook.cookie = json_pack("{s:s, s:{s:s, s:i}}", "migration_id", "m-42", "lease", "owner",
                            "hostA", "generation", 1);
    assert_int_equal(mh_lease_stage_reserve(&hook, &err), 0);
    assert_string_equal(json_string_value(json_object_get(lease_note(&hook), "pending")),
                        "hostB");
    hook_close(&hook);

    /* B: prepare begin confirms */
    hook_open(f, &hook, "hostB", true, "prepare", "begin", "-");
    strcpy(hook.migration_id, "m-42");
    assert_int_equal(mh_lease_stage_start(&hook, &err), 0);
    assert_string_equal(json_string_value(json_object_get(lease_note(&hook), "operation")),
                        "confirm");
    hook_close(&hook);

    /* A: stopped end hands over, release end then has nothing to do */
    hook_open(f, &hook, "hostA", true, "stopped", "end", "-");
    assert_int_equal(mh_lease_stage_stopped(&hook, &err), 0);
    assert_string_equal(json_string_value(json_object_get(lease_note(&hook), "transition")),
                        "handed-over");
    assert_string_equal(json_string_value(json_object_get(lease_note(&hook), "owner")), "hostB");
    hook_close(&hook);
    hook_open(f, &hook, "hostA", true, "release", "end", "-");
    assert_int_equal(mh_lease_stage_stopped(&hook, &err), 0);
    assert_int_equal(hook.outcome, MH_OUTCOME_NOTHING);  /* no journal line */
    hook_close(&hook);

    /* A may not start it again */
    hook_open(f, &hook, "hostA", true, "prepare", "begin", "-");
    assert_int_equal(mh_lease_stage_start(&hook, &err), -1);
    assert_int_equal(hook.outcome, MH_OUTCOME_REFUSED);
    assert_non_null(strstr(err.message, "guest web-1 is owned by host hostB (since "));
    assert_non_null(strstr(err.message, "use mh-lease break after fencing hostB"));
    assert_string_equal(json_string_value(json_object_get(lease_note(&hook), "transition")),
                        "refused");
    hook_close(&hook);
}

static void
a_hostile_lease_token_in_the_cookie_is_refused(void **state)
{
    struct fixture *f = *state;
    struct mh_error err = { { 0 } };
    struct mh_hook hook;

    hook_open(f, &hook, "hostB", true, "migrate", "begin", "-");
    strcpy(hook.source_host, "hostA");
    strcpy(hook.migration_id, "m-1");
    hook.cookie = json_pack("{s:{s:s, s:s}}", "lease", "owner", "hostA", "generation", "1");
    assert_int_equal(mh_lease_stage_reserve(&hook, &err), -1);
    assert_int_equal(hook.outcome, MH_OUTCOME_REFUSED);
    assert_non_null(strstr(err.message, "cookie: \"lease\": \"generation\" must be"));
    hook_close(&hook);
}

static void
an_incoming_migration_without_a_cookie_of_an_owned_guest_is_refused(void **state)
{
    struct fixture *f = *state;
    struct mh_error err = { { 0 } };
    struct mh_hook hook;

    hook_open(f, &hook, "hostA", true, "prepare", "begin", "-");
    assert_int_equal(mh_lease_stage_start(&hook, &err), 0);
    hook_close(&hook);
    hook_open(f, &hook, "hostB", true, "migrate", "begin", "-");
    assert_int_equal(mh_lease_stage_reserve(&hook, &err), -1);
    assert_int_equal(hook.outcome, MH_OUTCOME_REFUSED);
    assert_non_null(strstr(err.message, "carries no migrate-hooks cookie"));
    hook_close(&hook);
}

static void
a_store_that_cannot_be_used_is_an_error_not_a_refusal(void **state)
{
    struct fixture *f = *state;
    struct mh_error err = { { 0 } };
    struct mh_hook hook;

    MH_TEST_PRINT(f->dir, "%s/missing/leases", f->top);
    hook_open(f, &hook, "hostA", true, "stopped", "end", "-");
    assert_int_equal(mh_lease_stage_stopped(&hook, &err), -1);
    assert_int_not_equal(hook.outcome, MH_OUTCOME_REFUSED);
    assert_non_null(strstr(err.message, "lease store (dir)"));
    hook_close(&hook);
}

int
main(void)
{
#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        TEST(disabled_leases_do_nothing_and_read_nothing),
        TEST(a_migration_through_the_stages),
        TEST(a_hostile_lease_token_in_the_cookie_is_refused),
        TEST(an_incoming_migration_without_a_cookie_of_an_owned_guest_is_refused),
        TEST(a_store_that_cannot_be_used_is_an_error_not_a_refusal),
    };
#undef TEST

    return cmocka_run_group_tests(tests, NULL, NULL);
}
