/* mh_check.h - pre-migration checks: pure functions over (source facts,
 * destination facts, guest, config) that pass, warn or fail with one line
 * of reason; the table of built-in checks with their default severities;
 * external checks from checks.d; and the report of a run. The same code
 * runs in the hook (facts probed locally and read from the cookie) and in
 * mh-check (facts read through the libvirt API). */
#ifndef MH_CHECK_H
#define MH_CHECK_H

#include "mh_conf.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct mh_command_result;
struct mh_error;
struct mh_facts;
struct mh_guest;
struct mh_hook;

#define MH_CHECK_REASON_MAX 256
#define MH_CHECK_NAME_MAX 64

enum mh_check_result {
    MH_CHECK_PASS,
    MH_CHECK_SKIP,      /* not run: off in config, or nothing here can know */
    MH_CHECK_WARN,
    MH_CHECK_FAIL,
};

struct mh_check_input {
    const struct mh_facts *source;          /* NULL when unknown (no cookie) */
    const struct mh_facts *destination;
    const struct mh_guest *guest;           /* as the destination will run it (after rewrite) */
    const struct mh_conf_checks *conf;
    const char *source_host;                /* host id of the source, NULL when unknown */
    bool source_authenticated;              /* the cookie's HMAC was verified */
};

struct mh_check {
    const char *name;
    enum mh_conf_severity default_severity;
    /* Destination facts (MH_FACTS_*) the check reads for this input;
     * probing skips the rest. */
    unsigned (*needs)(const struct mh_check_input *input);
    enum mh_check_result (*run)(const struct mh_check_input *input, char *reason, size_t size);
    const char *summary;                    /* one line for --list and the docs */
};

extern const struct mh_check mh_check_builtins[];
extern const size_t mh_check_builtin_count;

/* Index of the built-in check called name, or -1. */
int mh_check_find(const char *name);

/* The severity in force for built-in check index. */
enum mh_conf_severity mh_check_severity(const struct mh_conf_checks *conf, size_t index);

const char *mh_check_result_name(enum mh_check_result result);
const char *mh_check_severity_name(enum mh_conf_severity severity);

struct mh_check_item {
    char name[MH_CHECK_NAME_MAX];
    enum mh_check_result result;
    bool external;
    char reason[MH_CHECK_REASON_MAX];
};

struct mh_check_report {
    struct mh_check_item *items;
    size_t count;
    size_t failed;
    size_t warned;
};

/* Append a result (reason is copied, control characters made spaces).
 * Returns 0, or -1 when out of memory. */
int mh_check_report_add(struct mh_check_report *report, const char *name,
                        enum mh_check_result result, bool external, const char *reason);

void mh_check_report_free(struct mh_check_report *report);

/* [{"check", "result", "reason", "external"}...] (new reference). */
json_t *mh_check_report_to_json(const struct mh_check_report *report);

/* "check-name: reason" lines of every result at least as bad as minimum,
 * failures first, into out; each reason is shortened as needed so that
 * every line fits. */
void mh_check_report_lines(const struct mh_check_report *report, enum mh_check_result minimum,
                           char *out, size_t size);

/* Destination facts the enabled checks need for this input (MH_FACTS_*). */
unsigned mh_check_facts_needed(const struct mh_check_input *input);

/* Run every built-in check not off in config, applying its severity (a
 * "warn" check's failure is reported as a warning). */
int mh_check_run_builtins(const struct mh_check_input *input, struct mh_check_report *report,
                          struct mh_error *err);

/* The document external checks read on stdin: {"version": 1, "context",
 * "guest", "source", "destination", "source_host", "migration_id",
 * "checks": built-in results}. New reference. */
json_t *mh_check_document(const struct mh_check_input *input, const struct mh_check_report *builtins,
                          const char *context, const char *migration_id);

/* Names of the external checks in dir, in the order they run; 0 when the
 * directory does not exist. An untrusted directory is an error. */
int mh_check_external_list(const char *dir, char ***names, size_t *count, struct mh_error *err);

void mh_check_external_free(char **names, size_t count);

/* Run every external check in dir with document on stdin, each for at most
 * timeout_ms and never past the hook's deadline, adding their results. */
int mh_check_run_external(const char *dir, long timeout_ms, const json_t *document,
                          struct mh_check_report *report, struct mh_error *err);

/* What an external check's run means (docs/checks.md): exit 0 passes, 2
 * warns, anything else fails; its first line of output, or what went
 * wrong, is the reason, copied into reason (size bytes). */
enum mh_check_result mh_check_external_outcome(const struct mh_command_result *result,
                                               long timeout_ms, char *reason, size_t size);

/* migrate begin: read the guest (as the destination will run it), the
 * source facts from the cookie and the local facts, run all checks, journal
 * the results and decide: any failure, or a warning under warning_policy
 * abort, refuses (hook->outcome MH_OUTCOME_REFUSED, err lists every
 * failing check as "name: reason", one per line). */
int mh_check_hook(struct mh_hook *hook, struct mh_error *err);

#endif
