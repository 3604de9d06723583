/* mh_ports_stage.c - port data in the hook: check at migrate begin, apply at started begin. */
#include "mh_ports_stage.h"
#include "mh_error.h"
#include "mh_file.h"
#include "mh_hook.h"
#include "mh_log.h"
#include "mh_ports.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static json_t *cookie_section(const struct mh_hook *hook);
static int pending_path(const struct mh_hook *hook, char *path, size_t size, struct mh_error *err);
static int pending_record(const struct mh_hook *hook, struct mh_error *err);
static int pending_take(const struct mh_hook *hook, bool *fresh, struct mh_error *err);

int
mh_ports_stage_migrate_begin(struct mh_hook *hook, struct mh_error *err)
{
    json_t *section = cookie_section(hook);
    json_t *report;
    int ret;

    if (!section)
        return 0;
    if (!mh_hook_document(hook, err))
        return -1;
    report = json_object();
    ret = mh_ports_check(&hook->conf, section, report, err);
    if (ret < 0) {
        mh_hook_note(hook, "ports", report);
        hook->outcome = MH_OUTCOME_REFUSED;
        return -1;
    }
    ret = pending_record(hook, err);
    json_object_set_new(report, "pending", json_boolean(ret == 0));
    mh_hook_note(hook, "ports", report);
    return ret;
}

int
mh_ports_stage_started_begin(struct mh_hook *hook, struct mh_error *err)
{
    json_t *section = cookie_section(hook);
    json_t *report, *problems;
    bool fresh = false;
    int ret;

    if (!section)
        return 0;
    if (!mh_hook_document(hook, err) || pending_take(hook, &fresh, err) < 0)
        return -1;
    /* A normal start of a guest that once migrated here still carries the
     * cookie in its XML; its port data is from then, not for now. */
    if (!fresh)
        return 0;
    report = json_object();
    ret = mh_ports_apply(&hook->conf, hook->document, section, report, err);
    problems = json_incref(json_object_get(report, "problems"));
    mh_hook_note(hook, "ports", report);
    if (ret < 0) {
        hook->outcome = MH_OUTCOME_REFUSED;
    } else if (json_object_size(problems) && hook->conf.ports.policy == MH_PORTS_POLICY_WARN) {
        const char *mac;
        json_t *reason;

        hook->outcome = MH_OUTCOME_WARNED;
        json_object_foreach(problems, mac, reason)
            mh_log(&hook->conf, LOG_WARNING, "guest %s: port data of NIC %s not applied: %s",
                   hook->guest, mac, json_string_value(reason));
    }
    json_decref(problems);
    return ret;
}

/* The cookie's "ports" section, or NULL when there is nothing to do. A
 * section that is not an object is returned, for validation to refuse. */
static json_t *
cookie_section(const struct mh_hook *hook)
{
    json_t *section = hook->cookie ? json_object_get(hook->cookie, "ports") : NULL;

    if (!section || (json_is_object(section) && json_object_size(section) == 0))
        return NULL;
    return section;
}

static int
pending_path(const struct mh_hook *hook, char *path, size_t size, struct mh_error *err)
{
    /* hook->uuid was checked to be a UUID: a safe file name. */
    if (!hook->uuid[0] ||
        snprintf(path, size, "%s/%s", hook->conf.ports.pending_dir, hook->uuid) >= (int)size) {
        mh_error_set(err, "cannot name the pending port data record of guest %s", hook->guest);
        return -1;
    }
    return 0;
}

static int
pending_record(const struct mh_hook *hook, struct mh_error *err)
{
    char path[PATH_MAX];
    char text[128];

    if (pending_path(hook, path, sizeof(path), err) < 0)
        return -1;
    if (mkdir(hook->conf.ports.pending_dir, 0700) < 0 && errno != EEXIST) {
        mh_error_set_errno(err, errno, "cannot create %s", hook->conf.ports.pending_dir);
        return -1;
    }
    snprintf(text, sizeof(text), "%s\n", hook->migration_id[0] ? hook->migration_id : "-");
    return mh_file_write_atomic(path, text, strlen(text), 0600, err);
}

/* Remove this guest's record; *fresh tells whether there was one, recent
 * enough to belong to the migration now starting. */
static int
pending_take(const struct mh_hook *hook, bool *fresh, struct mh_error *err)
{
    char path[PATH_MAX];
    struct stat info;
    time_t now = time(NULL);

    *fresh = false;
    if (pending_path(hook, path, sizeof(path), err) < 0)
        return -1;
    if (lstat(path, &info) < 0) {
        if (errno == ENOENT)
            return 0;
        mh_error_set_errno(err, errno, "%s", path);
        return -1;
    }
    if (unlink(path) < 0) {
        mh_error_set_errno(err, errno, "cannot remove %s", path);
        return -1;
    }
    *fresh = S_ISREG(info.st_mode) && info.st_mtime <= now + 5 &&
             now - info.st_mtime <= MH_PORTS_PENDING_MAX_AGE_S;
    return 0;
}
