/* test_command.c - child processes: output, exit codes, timeouts, and no
 * leftover process or descriptor. */
#include "mh_test.h"

#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "mh_command.h"
#include "mh_error.h"

static int
run_shell(const char *script, const char *input, long timeout_ms, size_t cap,
          struct mh_command_result *result)
{
    const char *argv[] = { "/bin/sh", "-c", script, NULL };
    struct mh_error err = { { 0 } };
    return mh_command_run(argv, input, input ? strlen(input) : 0, timeout_ms, cap, result, &err);
}

static void
collects_output_and_exit_status(void **state)
{
    struct mh_command_result result;
    (void)state;

    assert_int_equal(run_shell("echo hello; exit 2", NULL, 5000, 1024, &result), 0);
    assert_string_equal(result.output, "hello\n");
    assert_int_equal(result.exit_status, 2);
    assert_false(result.timed_out);
    mh_command_result_free(&result);
}

static void
feeds_input_on_stdin(void **state)
{
    struct mh_command_result result;
    (void)state;

    assert_int_equal(run_shell("tr a-z A-Z", "abc", 5000, 1024, &result), 0);
    assert_string_equal(result.output, "ABC");
    assert_int_equal(result.exit_status, 0);
    mh_command_result_free(&result);
}

static void
large_input_to_a_child_that_does_not_read_is_fine(void **state)
{
    struct mh_command_result result;
    size_t size = 1 << 20;
    char *input = malloc(size + 1);
    (void)state;

    memset(input, 'x', size);
    input[size] = '\0';
    assert_int_equal(run_shell("exit 0", input, 5000, 1024, &result), 0);
    assert_int_equal(result.exit_status, 0);
    mh_command_result_free(&result);
    free(input);
}

static void
timeout_kills_the_child(void **state)
{
    struct mh_command_result result;
    struct timespec start;
    (void)state;

    clock_gettime(CLOCK_MONOTONIC, &start);
    assert_int_equal(run_shell("sleep 30", NULL, 300, 1024, &result), 0);
    assert_true(result.timed_out);
    assert_int_equal(result.exit_status, -1);
    assert_true(mh_test_elapsed_ms(&start) < 3000);
    mh_command_result_free(&result);
}

static void
grandchild_holding_stdout_does_not_hold_us(void **state)
{
    struct mh_command_result result;
    struct timespec start;
    char command[128];
    (void)state;

    clock_gettime(CLOCK_MONOTONIC, &start);
    /* The child answers, leaves a sleeper holding stdout, and exits 0. */
    assert_int_equal(run_shell("echo done; (sleep 30; echo late) & echo $! > /tmp/mh-unit-sleeper; exit 0",
                               NULL, 5000, 1024, &result), 0);
    assert_true(mh_test_elapsed_ms(&start) < 2000);
    assert_int_equal(result.exit_status, 0);
    assert_false(result.timed_out);
    assert_non_null(strstr(result.output, "done"));
    assert_null(strstr(result.output, "late"));
    mh_command_result_free(&result);
    /* ... and that sleeper is gone (killed with the group; it may linger
     * as a zombie until init reaps it). */
    usleep(100000);
    MH_TEST_PRINT(command, "ps -o stat= -p $(cat /tmp/mh-unit-sleeper) | grep -qv Z");
    assert_int_not_equal(system(command), 0);
    unlink("/tmp/mh-unit-sleeper");
}

static void
output_is_capped(void **state)
{
    struct mh_command_result result;
    (void)state;

    assert_int_equal(run_shell("head -c 100000 /dev/zero | tr '\\0' y", NULL, 5000, 10, &result), 0);
    assert_int_equal(result.output_length, 10);
    assert_true(result.output_truncated);
    mh_command_result_free(&result);
}

static void
child_gets_only_stdio_and_a_clean_environment(void **state)
{
    struct mh_command_result result;
    (void)state;

    setenv("MH_SECRET_VARIABLE", "leak", 1);
    assert_int_equal(run_shell("ls /proc/self/fd | sort -n | tr '\\n' ' '; env | grep -c MH_SECRET",
                               NULL, 5000, 1024, &result), 0);
    /* 0 1 2, and 3 is ls's own directory handle. */
    assert_string_equal(result.output, "0 1 2 3 0\n");
    mh_command_result_free(&result);
}

static void
refuses_relative_paths_and_reports_missing_programs(void **state)
{
    const char *relative[] = { "sh", NULL };
    const char *missing[] = { "/nonexistent/program", NULL };
    struct mh_command_result result;
    struct mh_error err = { { 0 } };
    (void)state;

    assert_int_equal(mh_command_run(relative, NULL, 0, 1000, 10, &result, &err), -1);
    assert_int_equal(mh_command_run(missing, NULL, 0, 1000, 10, &result, &err), 0);
    assert_int_equal(result.exit_status, 127);
    mh_command_result_free(&result);
}

static void
killed_child_reports_its_signal(void **state)
{
    struct mh_command_result result;
    (void)state;

    assert_int_equal(run_shell("kill -TERM $$", NULL, 5000, 10, &result), 0);
    assert_int_equal(result.exit_status, -1);
    assert_int_equal(result.signal, SIGTERM);
    assert_false(result.timed_out);
    mh_command_result_free(&result);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(collects_output_and_exit_status),
        cmocka_unit_test(feeds_input_on_stdin),
        cmocka_unit_test(large_input_to_a_child_that_does_not_read_is_fine),
        cmocka_unit_test(timeout_kills_the_child),
        cmocka_unit_test(grandchild_holding_stdout_does_not_hold_us),
        cmocka_unit_test(output_is_capped),
        cmocka_unit_test(child_gets_only_stdio_and_a_clean_environment),
        cmocka_unit_test(refuses_relative_paths_and_reports_missing_programs),
        cmocka_unit_test(killed_child_reports_its_signal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
