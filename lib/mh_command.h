/* mh_command.h - run a child process the only way migrate-hooks does: argv,
 * no shell, a whitelisted environment, no inherited descriptors beyond the
 * pipes we give it, its own process group, a timeout, and nothing of it
 * left running afterwards. */
#ifndef MH_COMMAND_H
#define MH_COMMAND_H

#include <stdbool.h>
#include <stddef.h>

struct mh_error;

struct mh_command_result {
    int exit_status;        /* exit code, or -1 when killed by a signal */
    int signal;             /* the signal that ended it, or 0 */
    bool timed_out;         /* killed because the timeout (or deadline) passed */
    bool output_truncated;  /* it wrote more than output_cap bytes */
    char *output;           /* stdout, NUL-terminated; free with mh_command_result_free */
    size_t output_length;
};

/* Run argv[0] (an absolute path) with argv, feeding input on stdin and
 * collecting at most output_cap bytes of stdout; stderr goes to /dev/null.
 * The child gets PATH and LC_ALL=C only. When it exits, or after timeout_ms
 * (or the hook's deadline, whichever is sooner), its whole process group is
 * killed, so a grandchild that keeps the pipe open cannot hold us. Returns 0
 * when the child was run (see result), -1 when it could not be. */
int mh_command_run(const char *const argv[], const char *input, size_t input_length,
                   long timeout_ms, size_t output_cap, struct mh_command_result *result,
                   struct mh_error *err);

void mh_command_result_free(struct mh_command_result *result);

#endif
