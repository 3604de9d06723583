/* sanitizer-probe.c - makes one mistake on request, for test_sanitizers.sh.
 *
 * Built with the flags of build/asan/ only: it shows that a finding in a
 * program run the way the CLI tests run the hook (through tests/wrap.sh, in
 * the mount namespace of tests/cli/lib.sh) fails the run with a report.
 *
 *   sanitizer-probe none|leak|thread-leak|overflow|use-after-free|ub */
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *idle(void *unused);

int
main(int argc, char **argv)
{
    const char *what = argc > 1 ? argv[1] : "";
    /* volatile: the compiler must not see the mistake and drop it. */
    char *volatile block;
    volatile int number = INT_MAX - 1;
    pthread_t thread;

    if (strcmp(what, "none") == 0) {
        block = malloc(16);
        free(block);
        return 0;
    }
    if (strcmp(what, "leak") == 0) {
        block = malloc(16);
        block[0] = 1;
        block = NULL;
        return 0;
    }
    /* LSan stops every thread with ptrace before it scans: libvirt's
     * threads in the helpers. */
    if (strcmp(what, "thread-leak") == 0) {
        if (pthread_create(&thread, NULL, idle, NULL) != 0)
            return 2;
        block = malloc(16);
        block[0] = 1;
        block = NULL;
        return 0;
    }
    if (strcmp(what, "overflow") == 0) {
        block = malloc(16);
        number = block[16 + argc - 2];
        free(block);
        return number == 0 ? 0 : 1;
    }
    if (strcmp(what, "use-after-free") == 0) {
        block = malloc(16);
        free(block);
        return block[argc - 2];
    }
    if (strcmp(what, "ub") == 0) {
        number += argc;
        return number == 0 ? 0 : 1;
    }
    fprintf(stderr, "usage: sanitizer-probe none|leak|thread-leak|overflow|use-after-free|ub\n");
    return 64;
}

static void *
idle(void *unused)
{
    (void)unused;
    for (;;)
        pause();
    return NULL;
}
