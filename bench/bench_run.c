/* bench_run.c - run a command N times with a file on stdin and print the
 * median wall-clock milliseconds of a run: the timing loop of the
 * benchmarks, without a shell's own cost in it, and steady when other work
 * shares the machine. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double
now_ms(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec * 1000.0 + (double)now.tv_nsec / 1e6;
}

static int
run_once(char **argv, const char *input)
{
    posix_spawn_file_actions_t actions;
    pid_t pid;
    int status = 0;

    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, input, O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    if (posix_spawn(&pid, argv[0], &actions, NULL, argv, environ) != 0) {
        perror(argv[0]);
        exit(1);
    }
    posix_spawn_file_actions_destroy(&actions);
    waitpid(pid, &status, 0);
    return status;
}

static int
compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
    double *times;
    long runs;

    if (argc < 4) {
        fprintf(stderr, "usage: bench_run N STDIN_FILE COMMAND [ARG...]\n");
        return 64;
    }
    runs = atol(argv[1]);
    times = calloc(runs > 0 ? (size_t)runs : 1, sizeof(*times));
    if (runs <= 0 || !times)
        return 64;
    for (int i = 0; i < 5; i++)
        run_once(argv + 3, argv[2]);
    for (long i = 0; i < runs; i++) {
        double start = now_ms();

        run_once(argv + 3, argv[2]);
        times[i] = now_ms() - start;
    }
    qsort(times, (size_t)runs, sizeof(*times), compare);
    printf("%.4f\n", times[runs / 2]);
    free(times);
    return 0;
}
