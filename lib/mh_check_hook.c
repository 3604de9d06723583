/* mh_check_hook.c - the checks at migrate begin on the destination: the
 * source's facts from the cookie, ours probed locally, the guest as we will
 * run it; refuse with every failing check named, or go on. */
#include "mh_check.h"
#include "mh_error.h"
#include "mh_facts.h"
#include "mh_guest.h"
#include "mh_hook.h"
#include "mh_string.h"

#include <stdio.h>
#include <string.h>

static int copy_hook_warnings(const struct mh_hook *hook, struct mh_check_report *report,
                              struct mh_error *err);
static void journal_results(struct mh_hook *hook, const struct mh_check_report *report,
                            size_t first_own);
static bool cookie_authenticated(const struct mh_hook *hook);

int
mh_check_hook(struct mh_hook *hook, struct mh_error *err)
{
    const struct mh_conf_checks *conf = &hook->conf.checks;
    struct mh_check_report report = { 0 };
    struct mh_check_input input = { 0 };
    struct mh_facts source, destination;
    struct mh_guest guest;
    struct mh_facts_probe probe = { 0 };
    char **externals = NULL;
    size_t external_count = 0, first_own;
    json_t *document = NULL;
    const json_t *source_json = json_object_get(hook->cookie, "source");
    xmlDoc *doc = mh_hook_document(hook, err);
    bool abort_on_warnings = conf->warning_policy == MH_WARNINGS_ABORT;
    int ret = -1;

    mh_facts_init(&source, MH_FACTS_COOKIE);
    mh_facts_init(&destination, MH_FACTS_LOCAL);
    memset(&guest, 0, sizeof(guest));
    if (!doc || mh_guest_from_xml(doc, &guest, err) < 0)
        goto cleanup;
    if (source_json && mh_facts_from_json(source_json, "source", true, &source, err) < 0) {
        mh_error_prefix(err, "cookie");
        goto cleanup;
    }
    input.source = source_json ? &source : NULL;
    input.destination = &destination;
    input.guest = &guest;
    input.conf = conf;
    input.source_host = hook->source_host[0] ? hook->source_host : NULL;
    input.source_authenticated = cookie_authenticated(hook);

    if (mh_check_external_list(conf->external_dir, &externals, &external_count, err) < 0)
        goto cleanup;
    probe.root = "";
    probe.host_id = hook->conf.host_id;
    probe.guest = &guest;
    probe.state_dir = MH_STATE_DIR;
    probe.maintenance_file = conf->maintenance_file;
    probe.ovsdb_socket = MH_FACTS_OVSDB_SOCKET;
    probe.ovsdb_timeout_ms = MH_FACTS_OVSDB_TIMEOUT_MS;
    /* External checks may look at anything; the built-ins only at what
     * this guest makes them read. */
    probe.what = external_count ? MH_FACTS_ALL : mh_check_facts_needed(&input);
    if (mh_facts_probe_local(&probe, &destination, err) < 0)
        goto cleanup;

    if (copy_hook_warnings(hook, &report, err) < 0)
        goto cleanup;
    first_own = report.count;
    if (mh_check_run_builtins(&input, &report, err) < 0)
        goto cleanup;
    if (external_count) {
        document = mh_check_document(&input, &report, "hook", hook->migration_id);
        if (!document) {
            mh_error_set(err, "out of memory");
            goto cleanup;
        }
        if (mh_check_run_external(conf->external_dir, conf->external_timeout_ms, document,
                                  &report, err) < 0)
            goto cleanup;
    }
    journal_results(hook, &report, first_own);

    if (report.failed || (report.warned && abort_on_warnings)) {
        hook->outcome = MH_OUTCOME_REFUSED;
        if (report.failed && report.warned && abort_on_warnings)
            snprintf(err->message, sizeof(err->message),
                     "%zu pre-migration check%s failed and %zu warned (checks.warning_policy is "
                     "abort):", report.failed, report.failed == 1 ? "" : "s", report.warned);
        else if (report.failed)
            snprintf(err->message, sizeof(err->message), "%zu pre-migration check%s failed:",
                     report.failed, report.failed == 1 ? "" : "s");
        else
            snprintf(err->message, sizeof(err->message),
                     "%zu pre-migration warning%s and checks.warning_policy is abort:",
                     report.warned, report.warned == 1 ? "" : "s");
        mh_check_report_lines(&report, abort_on_warnings ? MH_CHECK_WARN : MH_CHECK_FAIL,
                              err->message, sizeof(err->message));
        goto cleanup;
    }
    ret = 0;

cleanup:
    json_decref(document);
    mh_check_external_free(externals, external_count);
    mh_check_report_free(&report);
    mh_guest_free(&guest);
    mh_facts_free(&source);
    mh_facts_free(&destination);
    return ret;
}

/* Warnings from before the checks (the cookie's) count for the warning
 * policy like the checks' own. */
static int
copy_hook_warnings(const struct mh_hook *hook, struct mh_check_report *report,
                   struct mh_error *err)
{
    json_t *warnings = json_object_get(hook->details, "warnings");
    size_t index;
    json_t *warning;

    json_array_foreach(warnings, index, warning) {
        const char *from = json_string_value(json_object_get(warning, "from"));
        const char *message = json_string_value(json_object_get(warning, "message"));

        if (mh_check_report_add(report, from ? from : "warning", MH_CHECK_WARN, false,
                                message ? message : "") < 0) {
            mh_error_set(err, "out of memory");
            return -1;
        }
    }
    return 0;
}

/* The journal keeps what did not pass: enough to see why, short enough
 * for one line per hook call. */
static void
journal_results(struct mh_hook *hook, const struct mh_check_report *report, size_t first_own)
{
    json_t *problems = json_array();

    for (size_t i = first_own; i < report->count; i++) {
        const struct mh_check_item *item = &report->items[i];

        if (item->result == MH_CHECK_WARN)
            mh_hook_warn(hook, item->name, item->reason);
        if (item->result == MH_CHECK_FAIL)
            json_array_append_new(problems, json_pack("{ss ss}", "check", item->name, "reason",
                                                      item->reason));
    }
    mh_hook_note(hook, "checks", json_pack("{sI so}", "run", (json_int_t)(report->count - first_own),
                                           "failed", problems));
}

static bool
cookie_authenticated(const struct mh_hook *hook)
{
    return json_is_true(json_object_get(json_object_get(hook->details, "cookie"), "authenticated"));
}
