/* mh_hook.c - the state of one hook call. */
#include "mh_hook.h"
#include "mh_error.h"
#include "mh_file.h"
#include "mh_journal.h"
#include "mh_log.h"

#include <syslog.h>

#include <stdlib.h>
#include <string.h>

static int read_input(struct mh_hook *hook, struct mh_error *err);

void
mh_hook_init(struct mh_hook *hook, const char *guest, const char *operation,
             const char *sub_operation, const char *extra, int input_fd)
{
    memset(hook, 0, sizeof(*hook));
    hook->guest = guest;
    hook->operation = operation;
    hook->sub_operation = sub_operation;
    hook->extra = extra;
    hook->input_fd = input_fd;
    hook->outcome = MH_OUTCOME_NOTHING;
}

void
mh_hook_free(struct mh_hook *hook)
{
    mh_xml_free_doc(hook->document);
    if (hook->identity) {
        mh_xml_summary_free(hook->identity);
        free(hook->identity);
    }
    free(hook->input);
    free(hook->output);
    if (hook->details)
        json_decref(hook->details);
    if (hook->cookie)
        json_decref(hook->cookie);
    mh_conf_free(&hook->conf);
    hook->document = NULL;
    hook->identity = NULL;
    hook->input = hook->output = NULL;
    hook->details = NULL;
    hook->cookie = NULL;
}

xmlDoc *
mh_hook_document(struct mh_hook *hook, struct mh_error *err)
{
    if (hook->document)
        return hook->document;
    if (read_input(hook, err) < 0)
        return NULL;
    hook->document = mh_xml_parse(hook->input, hook->input_length, "domain XML", err);
    if (!hook->document)
        return NULL;
    if (mh_xml_domain_identity(hook->document, hook->name, sizeof(hook->name), hook->uuid,
                               err) < 0) {
        mh_xml_free_doc(hook->document);
        hook->document = NULL;
        return NULL;
    }
    return hook->document;
}

int
mh_hook_identity(struct mh_hook *hook, struct mh_error *err)
{
    struct mh_xml_summary *identity;

    if (hook->document || hook->identity)
        return 0;
    if (read_input(hook, err) < 0)
        return -1;
    identity = calloc(1, sizeof(*identity));
    if (!identity) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    /* libvirt wrote the document with libxml2, which stays the authority:
     * what expat refuses (the few documents only libxml2 reads, see
     * mh_xml.c; or expat not installed) is read by libxml2, whose verdict
     * and error message stand. */
    if (mh_xml_domain_summary(hook->input, hook->input_length, identity, NULL) < 0) {
        free(identity);
        return mh_hook_document(hook, err) ? 0 : -1;
    }
    memcpy(hook->name, identity->name, sizeof(hook->name));
    memcpy(hook->uuid, identity->uuid, sizeof(hook->uuid));
    hook->identity = identity;
    return 0;
}

void
mh_hook_note(struct mh_hook *hook, const char *key, json_t *value)
{
    if (!hook->details)
        hook->details = json_object();
    if (hook->details)
        json_object_set_new(hook->details, key, value);
    else
        json_decref(value);
    if (hook->outcome == MH_OUTCOME_NOTHING)
        hook->outcome = MH_OUTCOME_OK;
}

void
mh_hook_warn(struct mh_hook *hook, const char *from, const char *message)
{
    json_t *warnings = json_object_get(hook->details, "warnings");

    if (!json_is_array(warnings)) {
        mh_hook_note(hook, "warnings", json_array());
        warnings = json_object_get(hook->details, "warnings");
    }
    if (warnings)
        json_array_append_new(warnings, json_pack("{ss ss}", "from", from, "message", message));
    if (hook->outcome == MH_OUTCOME_OK || hook->outcome == MH_OUTCOME_NOTHING)
        hook->outcome = MH_OUTCOME_WARNED;
    mh_log(&hook->conf, LOG_WARNING, "guest %s: %s %s: warning: %s: %s", hook->guest,
           hook->operation, hook->sub_operation, from, message);
}

size_t
mh_hook_warning_count(const struct mh_hook *hook)
{
    return json_array_size(json_object_get(hook->details, "warnings"));
}

json_t *
mh_hook_journal_entry(const struct mh_hook *hook, const char *message, double milliseconds)
{
    char timestamp[32];
    json_t *entry = json_object();

    if (!entry)
        return NULL;
    mh_journal_timestamp(timestamp);
    json_object_set_new(entry, "time", json_string(timestamp));
    json_object_set_new(entry, "host", json_string(hook->conf.host_id));
    json_object_set_new(entry, "guest", json_string(hook->guest));
    if (hook->uuid[0])
        json_object_set_new(entry, "uuid", json_string(hook->uuid));
    json_object_set_new(entry, "operation", json_string(hook->operation));
    json_object_set_new(entry, "sub_operation", json_string(hook->sub_operation));
    json_object_set_new(entry, "extra", json_string(hook->extra));
    if (hook->migration_id[0])
        json_object_set_new(entry, "migration_id", json_string(hook->migration_id));
    json_object_set_new(entry, "outcome", json_string(mh_hook_outcome_name(hook->outcome)));
    json_object_set_new(entry, "ms", json_real(milliseconds));
    /* Which build decided: during a rolling upgrade one migration's calls
     * may be answered by two versions. */
    json_object_set_new(entry, "version", json_string(MH_VERSION));
    if (message && *message)
        json_object_set_new(entry, "message", json_string(message));
    if (hook->details)
        json_object_set(entry, "details", hook->details);
    return entry;
}

const char *
mh_hook_outcome_name(enum mh_outcome outcome)
{
    switch (outcome) {
    case MH_OUTCOME_NOTHING: return "nothing";
    case MH_OUTCOME_OK: return "ok";
    case MH_OUTCOME_WARNED: return "warned";
    case MH_OUTCOME_REFUSED: return "refused";
    case MH_OUTCOME_ERROR: return "error";
    }
    return "unknown";
}

/* stdin, once, at most conf.max_input_bytes of it. */
static int
read_input(struct mh_hook *hook, struct mh_error *err)
{
    if (!hook->input &&
        mh_file_read_fd(hook->input_fd, (size_t)hook->conf.max_input_bytes, &hook->input,
                        &hook->input_length, err) < 0) {
        mh_error_prefix(err, "domain XML on stdin");
        return -1;
    }
    if (hook->input_length == 0) {
        mh_error_set(err, "domain XML on stdin: empty");
        return -1;
    }
    return 0;
}
