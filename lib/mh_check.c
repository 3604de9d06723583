/* mh_check.c - running the built-in checks under their severities, and the
 * report every caller (hook, mh-check) reads the results from. */
#include "mh_check.h"
#include "mh_error.h"
#include "mh_facts.h"
#include "mh_guest.h"
#include "mh_string.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int add_facts(json_t *document, const char *key, const struct mh_facts *facts);

int
mh_check_find(const char *name)
{
    for (size_t i = 0; i < mh_check_builtin_count; i++) {
        if (strcmp(mh_check_builtins[i].name, name) == 0)
            return (int)i;
    }
    return -1;
}

enum mh_conf_severity
mh_check_severity(const struct mh_conf_checks *conf, size_t index)
{
    if (index < MH_CONF_MAX_CHECKS && conf->severity[index] != MH_SEVERITY_DEFAULT)
        return (enum mh_conf_severity)conf->severity[index];
    return mh_check_builtins[index].default_severity;
}

const char *
mh_check_result_name(enum mh_check_result result)
{
    switch (result) {
    case MH_CHECK_PASS: return "pass";
    case MH_CHECK_SKIP: return "skip";
    case MH_CHECK_WARN: return "warn";
    case MH_CHECK_FAIL: return "fail";
    }
    return "unknown";
}

const char *
mh_check_severity_name(enum mh_conf_severity severity)
{
    switch (severity) {
    case MH_SEVERITY_FAIL: return "fail";
    case MH_SEVERITY_WARN: return "warn";
    case MH_SEVERITY_OFF: return "off";
    case MH_SEVERITY_DEFAULT: break;
    }
    return "default";
}

int
mh_check_report_add(struct mh_check_report *report, const char *name,
                    enum mh_check_result result, bool external, const char *reason)
{
    struct mh_check_item *bigger = realloc(report->items, (report->count + 1) * sizeof(*bigger));
    struct mh_check_item *item;

    if (!bigger)
        return -1;
    report->items = bigger;
    item = &report->items[report->count++];
    memset(item, 0, sizeof(*item));
    mh_string_copy(item->name, sizeof(item->name), name);
    /* Reasons end up on one line of stderr, syslog, a table and JSON; an
     * external check's output may be anything. */
    mh_string_copy_text(item->reason, sizeof(item->reason), reason ? reason : "");
    item->result = result;
    item->external = external;
    if (result == MH_CHECK_FAIL)
        report->failed++;
    else if (result == MH_CHECK_WARN)
        report->warned++;
    return 0;
}

void
mh_check_report_free(struct mh_check_report *report)
{
    free(report->items);
    memset(report, 0, sizeof(*report));
}

json_t *
mh_check_report_to_json(const struct mh_check_report *report)
{
    json_t *array = json_array();

    for (size_t i = 0; array && i < report->count; i++) {
        const struct mh_check_item *item = &report->items[i];

        json_array_append_new(array, json_pack("{ss ss ss sb}", "check", item->name, "result",
                                               mh_check_result_name(item->result), "reason",
                                               item->reason, "external", item->external));
    }
    return array;
}

void
mh_check_report_lines(const struct mh_check_report *report, enum mh_check_result minimum,
                      char *out, size_t size)
{
    size_t lines = 0, used = strlen(out), room;

    for (size_t i = 0; i < report->count; i++)
        lines += report->items[i].result >= minimum && report->items[i].result != MH_CHECK_SKIP;
    if (!lines || used + 1 >= size)
        return;
    /* Share what is left fairly, so that a long reason cannot push the
     * names of later checks out of the message. */
    room = (size - used - 1) / lines;
    for (enum mh_check_result result = MH_CHECK_FAIL; result >= minimum && result > MH_CHECK_SKIP;
         result--) {
        for (size_t i = 0; i < report->count; i++) {
            const struct mh_check_item *item = &report->items[i];
            char line[MH_CHECK_NAME_MAX + MH_CHECK_REASON_MAX + 8];
            size_t length;

            if (item->result != result)
                continue;
            length = (size_t)snprintf(line, sizeof(line), "\n%s: %s", item->name, item->reason);
            if (length >= sizeof(line))
                length = sizeof(line) - 1;
            if (length > room && room > 4) {
                memcpy(line + room - 3, "...", 4);
                length = room;
            }
            if (length <= room)
                mh_string_append(out, size, line);
        }
    }
}

unsigned
mh_check_facts_needed(const struct mh_check_input *input)
{
    unsigned what = 0;

    for (size_t i = 0; i < mh_check_builtin_count; i++) {
        if (mh_check_severity(input->conf, i) != MH_SEVERITY_OFF)
            what |= mh_check_builtins[i].needs(input);
    }
    return what;
}

int
mh_check_run_builtins(const struct mh_check_input *input, struct mh_check_report *report,
                      struct mh_error *err)
{
    for (size_t i = 0; i < mh_check_builtin_count; i++) {
        const struct mh_check *check = &mh_check_builtins[i];
        enum mh_conf_severity severity = mh_check_severity(input->conf, i);
        enum mh_check_result result = MH_CHECK_SKIP;
        char reason[MH_CHECK_REASON_MAX] = "off in the configuration";

        if (severity != MH_SEVERITY_OFF) {
            result = check->run(input, reason, sizeof(reason));
            if (result == MH_CHECK_FAIL && severity == MH_SEVERITY_WARN)
                result = MH_CHECK_WARN;
        }
        if (mh_check_report_add(report, check->name, result, false, reason) < 0) {
            mh_error_set(err, "out of memory");
            return -1;
        }
    }
    return 0;
}

json_t *
mh_check_document(const struct mh_check_input *input, const struct mh_check_report *builtins,
                  const char *context, const char *migration_id)
{
    json_t *document = json_object();

    if (!document)
        return NULL;
    json_object_set_new(document, "version", json_integer(1));
    json_object_set_new(document, "context", json_string(context));
    json_object_set_new(document, "guest", mh_guest_to_json(input->guest));
    if (add_facts(document, "source", input->source) < 0 ||
        add_facts(document, "destination", input->destination) < 0) {
        json_decref(document);
        return NULL;
    }
    json_object_set_new(document, "source_host",
                        input->source_host ? json_string(input->source_host) : json_null());
    json_object_set_new(document, "migration_id",
                        migration_id && *migration_id ? json_string(migration_id) : json_null());
    json_object_set_new(document, "checks",
                        builtins ? mh_check_report_to_json(builtins) : json_array());
    return document;
}

static int
add_facts(json_t *document, const char *key, const struct mh_facts *facts)
{
    json_t *value = facts ? mh_facts_to_json(facts, MH_FACTS_ALL) : json_null();

    if (!value)
        return -1;
    return json_object_set_new(document, key, value);
}
