/* mh-bench.c - time commands side by side and print ratios to a baseline.
 *
 * These machines are noisy, so a bare time means little: every command is
 * run in turn, round after round (interleaved, so that a slow moment hits all
 * of them), and each is reported as min/median/max and as the ratio of its
 * median to the first command's, measured in the same run.
 *
 *   mh-bench [-n ROUNDS] [-w WARMUP] [-i INPUT] 'LABEL=PROGRAM ARG...' ...
 *
 * PROGRAM is executed directly (no shell; arguments split on spaces) with
 * INPUT on stdin (or /dev/null) and stdout/stderr to /dev/null; a last word
 * "<FILE" gives that command its own stdin. A command that exits non-zero
 * is reported, since a failing run is not a measurement.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_COMMANDS 16
#define MAX_ARGS 32

struct command {
    char *label;
    char *argv[MAX_ARGS];
    const char *input;          /* its own stdin ("<FILE"), or NULL */
    double *samples;
    int failures;
    int last_status;
};

static double
now_ms(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int
compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double
run_once(struct command *command, const char *input)
{
    double start = now_ms();
    int status;
    pid_t pid = fork();

    if (pid < 0) {
        perror("fork");
        exit(1);
    }
    if (pid == 0) {
        const char *path = command->input ? command->input : input;
        int in = open(path ? path : "/dev/null", O_RDONLY);
        int out = open("/dev/null", O_WRONLY);
        if (in < 0 || out < 0)
            _exit(126);
        dup2(in, 0);
        dup2(out, 1);
        dup2(out, 2);
        execv(command->argv[0], command->argv);
        _exit(127);
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        command->failures++;
        command->last_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    return now_ms() - start;
}

int
main(int argc, char **argv)
{
    struct command commands[MAX_COMMANDS];
    const char *input = NULL;
    int rounds = 200, warmup = 20, count = 0, option;
    double baseline = 0;

    while ((option = getopt(argc, argv, "n:w:i:")) != -1) {
        switch (option) {
        case 'n': rounds = atoi(optarg); break;
        case 'w': warmup = atoi(optarg); break;
        case 'i': input = optarg; break;
        default:
            fprintf(stderr, "usage: mh-bench [-n ROUNDS] [-w WARMUP] [-i INPUT] 'LABEL=PROGRAM ARG... [<FILE]'...\n");
            return 64;
        }
    }
    if (rounds < 1 || optind >= argc) {
        fprintf(stderr, "mh-bench: nothing to run\n");
        return 64;
    }
    for (int i = optind; i < argc && count < MAX_COMMANDS; i++, count++) {
        struct command *c = &commands[count];
        char *spec = strdup(argv[i]);
        char *equals = strchr(spec, '=');
        int n = 0;

        memset(c, 0, sizeof(*c));
        if (!equals) {
            fprintf(stderr, "mh-bench: '%s' is not LABEL=PROGRAM ARG...\n", argv[i]);
            return 64;
        }
        *equals = '\0';
        c->label = spec;
        for (char *word = strtok(equals + 1, " "); word && n < MAX_ARGS - 1; word = strtok(NULL, " ")) {
            if (word[0] == '<')
                c->input = word + 1;
            else
                c->argv[n++] = word;
        }
        c->samples = calloc((size_t)rounds, sizeof(double));
    }
    for (int r = 0; r < warmup; r++) {
        for (int i = 0; i < count; i++)
            run_once(&commands[i], input);
    }
    for (int i = 0; i < count; i++)
        commands[i].failures = 0;
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < count; i++)
            commands[i].samples[r] = run_once(&commands[i], input);
    }

    printf("%-34s %9s %9s %9s %8s\n", "command", "min ms", "median", "max", "ratio");
    for (int i = 0; i < count; i++) {
        struct command *c = &commands[i];
        double median;

        qsort(c->samples, (size_t)rounds, sizeof(double), compare);
        median = c->samples[rounds / 2];
        if (i == 0)
            baseline = median;
        printf("%-34s %9.3f %9.3f %9.3f %7.2fx%s\n", c->label, c->samples[0], median,
               c->samples[rounds - 1], median / baseline,
               c->failures ? "  (FAILED RUNS)" : "");
        if (c->failures)
            fprintf(stderr, "mh-bench: %s failed %d of %d runs (last exit %d)\n", c->label,
                    c->failures, rounds, c->last_status);
    }
    return 0;
}
