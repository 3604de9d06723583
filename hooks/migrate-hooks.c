/* migrate-hooks.c - the libvirt qemu hook: argv -> stage table -> stage.
 *
 * libvirtd runs it for every guest lifecycle event as
 *   50-migrate-hooks GUEST OPERATION SUB-OPERATION EXTRA
 * with the domain XML on stdin. It never connects to libvirtd (which holds
 * the guest's job), never logs the XML, prints XML only when it changed it,
 * and is bounded in input and time. */
#include "mh_conf.h"
#include "mh_deadline.h"
#include "mh_error.h"
#include "mh_file.h"
#include "mh_hook.h"
#include "mh_journal.h"
#include "mh_log.h"
#include "mh_stage.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static void
usage(FILE *out)
{
    fprintf(out,
            "usage: 50-migrate-hooks GUEST OPERATION SUB-OPERATION [EXTRA]\n"
            "\n"
            "The migrate-hooks libvirt qemu hook. libvirtd runs it with the domain XML on\n"
            "stdin; it is not meant to be run by hand (see mh-check, mh-rewrite and\n"
            "migrate-hooks(8)). Configuration: %s\n",
            MH_CONF_FILE);
}

static double
now_ms(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec * 1000.0 + (double)now.tv_nsec / 1e6;
}

/* Arm the deadline with the words it leaves if it fires. */
static int
arm_deadline(struct mh_hook *hook, struct mh_error *err)
{
    char message[1024];
    char *journal_line = NULL;
    json_t *entry;
    int ret;

    snprintf(message, sizeof(message),
             "migrate-hooks: guest %s: %s %s did not finish within %ld ms; %s\n", hook->guest,
             hook->operation, hook->sub_operation, hook->conf.deadline_ms,
             hook->stage->can_abort ? "refusing (fail closed)" : "giving up");
    hook->outcome = MH_OUTCOME_ERROR;
    entry = mh_hook_journal_entry(hook, "deadline exceeded", (double)hook->conf.deadline_ms);
    hook->outcome = MH_OUTCOME_NOTHING;
    if (entry && hook->conf.journal_enabled)
        journal_line = mh_journal_format(&hook->conf, entry);
    json_decref(entry);
    ret = mh_deadline_start(hook->conf.deadline_ms, hook->stage->can_abort ? 1 : 0, message,
                            hook->conf.journal_enabled ? hook->conf.journal_path : NULL,
                            journal_line, err);
    free(journal_line);
    return ret;
}

static void
journal(struct mh_hook *hook, const char *message, double started)
{
    struct mh_error err = { { 0 } };
    json_t *entry = mh_hook_journal_entry(hook, message, now_ms() - started);

    if (!entry || mh_journal_append(&hook->conf, entry, &err) < 0)
        mh_log(&hook->conf, LOG_ERR, "guest %s: %s", hook->guest,
               err.message[0] ? err.message : "cannot write the journal");
    json_decref(entry);
}

/* Say why the stage failed (stderr reaches the user through libvirt), log
 * it, journal it, and pick the exit code: 1 where libvirt aborts on it. */
static int
fail(struct mh_hook *hook, struct mh_error *err, double started)
{
    const char *how = hook->outcome == MH_OUTCOME_REFUSED ? "refused"
                      : hook->stage->can_abort           ? "failed, refusing (fail closed)"
                                                         : "failed";
    char line[sizeof(err->message)];

    if (hook->outcome != MH_OUTCOME_REFUSED)
        hook->outcome = MH_OUTCOME_ERROR;
    fprintf(stderr, "migrate-hooks: guest %s: %s %s %s: %s\n", hook->guest, hook->operation,
            hook->sub_operation, how, err->message);
    fflush(stderr);
    snprintf(line, sizeof(line), "%s", err->message);
    for (char *p = line; *p; p++) {
        if (*p == '\n')
            *p = ' ';
    }
    mh_log(&hook->conf, hook->outcome == MH_OUTCOME_REFUSED ? LOG_WARNING : LOG_ERR,
           "guest %s: %s %s %s: %s", hook->guest, hook->operation, hook->sub_operation, how,
           line);
    journal(hook, line, started);
    return hook->stage->can_abort ? 1 : 0;
}

int
main(int argc, char **argv)
{
    struct mh_error err = { { 0 } };
    const struct mh_stage *stage;
    struct mh_hook hook;
    double started;
    int status = 0;

    if (argc == 2 && strcmp(argv[1], "--version") == 0) {
        printf("migrate-hooks %s\n", MH_VERSION);
        return 0;
    }
    if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        usage(stdout);
        return 0;
    }
    if (argc < 4) {
        fprintf(stderr, "migrate-hooks: expected GUEST OPERATION SUB-OPERATION [EXTRA], "
                        "got %d argument%s\n", argc - 1, argc == 2 ? "" : "s");
        usage(stderr);
        return 1;
    }
    /* Most calls (start, stop, reconnect, attach...) have nothing to do:
     * exit before reading stdin or configuration. */
    stage = mh_stage_find(argv[2], argv[3]);
    if (!stage)
        return 0;

    started = now_ms();
    signal(SIGPIPE, SIG_IGN);
    mh_hook_init(&hook, argv[1], argv[2], argv[3], argc > 4 ? argv[4] : "-", STDIN_FILENO);
    hook.stage = stage;
    if (mh_conf_load(&hook.conf, &err) < 0) {
        mh_error_prefix(&err, "invalid configuration");
        status = fail(&hook, &err, started);
        goto cleanup;
    }
    if (arm_deadline(&hook, &err) < 0 || stage->run(&hook, &err) < 0) {
        mh_deadline_stop();
        status = fail(&hook, &err, started);
        goto cleanup;
    }
    mh_deadline_stop();
    if (hook.output && mh_file_write_all(STDOUT_FILENO, hook.output, hook.output_length) < 0) {
        mh_error_set(&err, "cannot write the rewritten domain XML to libvirtd");
        status = fail(&hook, &err, started);
        goto cleanup;
    }
    if (hook.outcome != MH_OUTCOME_NOTHING)
        journal(&hook, NULL, started);

cleanup:
    mh_hook_free(&hook);
    return status;
}
