/* mh_check_external.c - external checks: executables in checks.d, run in
 * name order with the check document on stdin; exit 0/1/2 means
 * pass/fail/warn and the first line of stdout says why. */
#include "mh_check.h"
#include "mh_command.h"
#include "mh_deadline.h"
#include "mh_error.h"
#include "mh_file.h"
#include "mh_json.h"
#include "mh_string.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Left of the hook's deadline for what comes after the checks (rewrite,
 * journal): a check never gets that. */
#define DEADLINE_MARGIN_MS 250L
#define OUTPUT_CAP 4096
#define MAX_CHECKS 256

static int is_check_name(const struct dirent *entry);
static int compare_names(const struct dirent **a, const struct dirent **b);
static int run_one(const char *dir, const char *name, long timeout_ms, const char *input,
                   size_t input_length, struct mh_check_report *report, struct mh_error *err);
static void first_line(const char *output, char *line, size_t size);

int
mh_check_external_list(const char *dir, char ***names, size_t *count, struct mh_error *err)
{
    struct dirent **entries = NULL;
    int found;
    int ret = -1;

    *names = NULL;
    *count = 0;
    if (!dir || !*dir || (access(dir, F_OK) < 0 && errno == ENOENT))
        return 0;
    if (mh_file_check_trusted_dir(dir, err) < 0) {
        mh_error_prefix(err, "external checks");
        return -1;
    }
    found = scandir(dir, &entries, is_check_name, compare_names);
    if (found < 0) {
        mh_error_set_errno(err, errno, "external checks: %s", dir);
        return -1;
    }
    if (found > MAX_CHECKS) {
        mh_error_set(err, "external checks: more than %d in %s", MAX_CHECKS, dir);
        goto cleanup;
    }
    *names = calloc((size_t)found + 1, sizeof(**names));
    if (!*names) {
        mh_error_set(err, "out of memory");
        goto cleanup;
    }
    for (int i = 0; i < found; i++) {
        (*names)[i] = strdup(entries[i]->d_name);
        if (!(*names)[i]) {
            mh_check_external_free(*names, (size_t)i);
            *names = NULL;
            mh_error_set(err, "out of memory");
            goto cleanup;
        }
    }
    *count = (size_t)found;
    ret = 0;

cleanup:
    for (int i = 0; i < found; i++)
        free(entries[i]);
    free(entries);
    return ret;
}

void
mh_check_external_free(char **names, size_t count)
{
    for (size_t i = 0; names && i < count; i++)
        free(names[i]);
    free(names);
}

int
mh_check_run_external(const char *dir, long timeout_ms, const json_t *document,
                      struct mh_check_report *report, struct mh_error *err)
{
    char **names = NULL;
    char *input = NULL;
    size_t count = 0;
    int ret = -1;

    if (mh_check_external_list(dir, &names, &count, err) < 0)
        return -1;
    if (!count)
        return 0;
    input = mh_json_line(document);
    if (!input) {
        mh_error_set(err, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < count; i++) {
        if (run_one(dir, names[i], timeout_ms, input, strlen(input), report, err) < 0)
            goto cleanup;
    }
    ret = 0;

cleanup:
    free(input);
    mh_check_external_free(names, count);
    return ret;
}

enum mh_check_result
mh_check_external_outcome(const struct mh_command_result *result, long timeout_ms, char *reason,
                          size_t size)
{
    enum mh_check_result outcome;

    first_line(result->output ? result->output : "", reason, size);
    if (result->timed_out) {
        snprintf(reason, size, "did not answer within %ld ms; killed", timeout_ms);
        outcome = MH_CHECK_FAIL;
    } else if (result->signal) {
        snprintf(reason, size, "killed by signal %d", result->signal);
        outcome = MH_CHECK_FAIL;
    } else if (result->exit_status == 0) {
        outcome = MH_CHECK_PASS;
    } else if (result->exit_status == 2) {
        outcome = MH_CHECK_WARN;
    } else {
        outcome = MH_CHECK_FAIL;
        if (result->exit_status != 1 || !reason[0]) {
            char detail[MH_CHECK_REASON_MAX + 32];

            snprintf(detail, sizeof(detail), "exited with status %d%s%s", result->exit_status,
                     reason[0] ? ": " : "", reason);
            mh_string_copy(reason, size, detail);
        }
    }
    if (!reason[0])
        mh_string_copy(reason, size, outcome == MH_CHECK_PASS ? "passed" : "warned");
    return outcome;
}

static int
run_one(const char *dir, const char *name, long timeout_ms, const char *input,
        size_t input_length, struct mh_check_report *report, struct mh_error *err)
{
    char path[PATH_MAX], line[MH_CHECK_REASON_MAX];
    const char *argv[] = { path, NULL };
    struct mh_command_result result;
    struct mh_error why = { { 0 } };
    enum mh_check_result outcome;
    long remaining = mh_deadline_remaining_ms() - DEADLINE_MARGIN_MS;
    struct stat st;
    int fd;

    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)) {
        mh_error_set(err, "external checks: %s/%s: path too long", dir, name);
        return -1;
    }
    /* Trusted like configuration: root's, not writable by others, and no
     * symbolic link to somewhere that is not. */
    fd = mh_file_open_trusted(path, &why);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        return mh_check_report_add(report, name, MH_CHECK_FAIL, true, why.message) < 0 ? -1 : 0;
    }
    if (fstat(fd, &st) < 0 || !(st.st_mode & S_IXUSR)) {
        /* chmod -x is how an operator switches a check off. */
        close(fd);
        return 0;
    }
    close(fd);
    if (remaining <= 0)
        return mh_check_report_add(report, name, MH_CHECK_FAIL, true,
                                   "not run: the hook's deadline is too close") < 0 ? -1 : 0;
    if (timeout_ms > remaining)
        timeout_ms = remaining;
    if (mh_command_run(argv, input, input_length, timeout_ms, OUTPUT_CAP, &result, &why) < 0)
        return mh_check_report_add(report, name, MH_CHECK_FAIL, true, why.message) < 0 ? -1 : 0;
    outcome = mh_check_external_outcome(&result, timeout_ms, line, sizeof(line));
    mh_command_result_free(&result);
    if (mh_check_report_add(report, name, outcome, true, line) < 0) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    return 0;
}

/* run-parts' rule: letters, digits, '_' and '-' only, so that editor
 * backups, *.dpkg-old and dot files never run. */
static int
is_check_name(const struct dirent *entry)
{
    const char *name = entry->d_name;

    if (!*name || strlen(name) >= MH_CHECK_NAME_MAX)
        return 0;
    return name[strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")] ==
           '\0';
}

/* Byte order, whatever the locale. */
static int
compare_names(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static void
first_line(const char *output, char *line, size_t size)
{
    size_t length = strcspn(output, "\r\n");

    if (length >= size)
        length = size - 1;
    memcpy(line, output, length);
    line[length] = '\0';
}
