/* test_deadline.c - the per-call deadline kills children and exits. */
#include "mh_test.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mh_command.h"
#include "mh_deadline.h"
#include "mh_error.h"

static void
expiry_exits_with_the_code_writes_message_and_journal(void **state)
{
    char *dir = mh_test_tmpdir();
    char journal[4096], errfile[4096];
    int status;
    pid_t pid;
    FILE *file;
    char line[256] = "";
    (void)state;

    MH_TEST_PRINT(journal, "%s/journal.jsonl", dir);
    MH_TEST_PRINT(errfile, "%s/stderr", dir);
    pid = fork();
    if (pid == 0) {
        struct mh_error err = { { 0 } };
        int fd = open(errfile, O_WRONLY | O_CREAT, 0600);
        dup2(fd, 2);
        if (mh_deadline_start(200, 7, "too slow\n", journal, "{\"outcome\":\"error\"}\n", &err) < 0)
            _exit(99);
        pause();
        _exit(98);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 7);
    file = fopen(errfile, "r");
    assert_non_null(fgets(line, sizeof(line), file));
    fclose(file);
    assert_string_equal(line, "too slow\n");
    file = fopen(journal, "r");
    assert_non_null(file);
    assert_non_null(fgets(line, sizeof(line), file));
    fclose(file);
    assert_string_equal(line, "{\"outcome\":\"error\"}\n");
    mh_test_rmdir(dir);
}

static void
expiry_kills_a_running_child_group(void **state)
{
    int status;
    pid_t pid;
    struct timespec start, end;
    (void)state;

    clock_gettime(CLOCK_MONOTONIC, &start);
    pid = fork();
    if (pid == 0) {
        struct mh_error err = { { 0 } };
        struct mh_command_result result;
        const char *argv[] = { "/bin/sleep", "30", NULL };
        mh_deadline_start(300, 3, "", NULL, NULL, &err);
        /* The child's own timeout is longer: the deadline must win. */
        mh_command_run(argv, NULL, 0, 60000, 100, &result, &err);
        _exit(0);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    clock_gettime(CLOCK_MONOTONIC, &end);
    assert_true(WIFEXITED(status));
    /* mh_command_run stops at the deadline itself (exit 0) or the timer
     * fires first (exit 3); either way well before 30 s. */
    assert_true(WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == 3);
    assert_true(end.tv_sec - start.tv_sec < 5);
}

static void
stop_disarms_and_remaining_counts_down(void **state)
{
    struct mh_error err = { { 0 } };
    long remaining;
    (void)state;

    assert_true(mh_deadline_remaining_ms() > 1000000);
    assert_int_equal(mh_deadline_start(5000, 1, "x", NULL, NULL, &err), 0);
    remaining = mh_deadline_remaining_ms();
    assert_true(remaining > 4000 && remaining <= 5000);
    mh_deadline_stop();
    assert_true(mh_deadline_remaining_ms() > 1000000);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(expiry_exits_with_the_code_writes_message_and_journal),
        cmocka_unit_test(expiry_kills_a_running_child_group),
        cmocka_unit_test(stop_disarms_and_remaining_counts_down),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
