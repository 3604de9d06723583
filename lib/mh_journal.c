/* mh_journal.c - append and read the JSON-lines journal. */
#include "mh_journal.h"
#include "mh_conf.h"
#include "mh_error.h"
#include "mh_file.h"
#include "mh_json.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static int open_for_append(const char *path, struct mh_error *err);
static int rotate_if_large(const struct mh_conf *conf, int *fd, struct mh_error *err);
static bool ends_mid_line(int fd);
static int read_one(const char *path, int (*visit)(json_t *entry, void *data), void *data,
                    size_t *skipped, struct mh_error *err);

void
mh_journal_timestamp(char buffer[32])
{
    struct timespec now;
    struct tm tm;

    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    if (strftime(buffer, 20, "%Y-%m-%dT%H:%M:%S", &tm) != 19) {
        buffer[0] = '\0';
        return;
    }
    snprintf(buffer + 19, 32 - 19, ".%03uZ", (unsigned)(now.tv_nsec / 1000000) % 1000u);
}

char *
mh_journal_format(const struct mh_conf *conf, json_t *entry)
{
    char timestamp[32];
    char *line;
    char *with_newline;
    size_t length;

    if (!json_object_get(entry, "time")) {
        mh_journal_timestamp(timestamp);
        json_object_set_new(entry, "time", json_string(timestamp));
    }
    if (!json_object_get(entry, "host"))
        json_object_set_new(entry, "host", json_string(conf->host_id));
    line = json_dumps(entry, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER |
                           JSON_REAL_PRECISION(6));
    if (!line)
        return NULL;
    length = strlen(line);
    with_newline = realloc(line, length + 2);
    if (!with_newline) {
        free(line);
        return NULL;
    }
    with_newline[length] = '\n';
    with_newline[length + 1] = '\0';
    return with_newline;
}

int
mh_journal_append(const struct mh_conf *conf, json_t *entry, struct mh_error *err)
{
    char *line = NULL;
    int fd = -1;
    int ret = -1;

    if (!conf->journal_enabled)
        return 0;
    line = mh_journal_format(conf, entry);
    if (!line) {
        mh_error_set(err, "journal: cannot format entry");
        return -1;
    }
    fd = open_for_append(conf->journal_path, err);
    if (fd < 0)
        goto cleanup;
    if (rotate_if_large(conf, &fd, err) < 0)
        goto cleanup;
    /* A line cut short (the disk filled mid-write) would swallow this one:
     * start a new line, so only the torn entry is lost. */
    if (ends_mid_line(fd)) {
        size_t length = strlen(line);
        char *healed = malloc(length + 2);

        if (!healed) {
            mh_error_set(err, "journal: out of memory");
            goto cleanup;
        }
        healed[0] = '\n';
        memcpy(healed + 1, line, length + 1);
        free(line);
        line = healed;
    }
    /* One write(2) with O_APPEND: lines of concurrent hooks never mix. */
    if (mh_file_write_all(fd, line, strlen(line)) < 0) {
        mh_error_set_errno(err, errno, "journal %s: write", conf->journal_path);
        goto cleanup;
    }
    ret = 0;

cleanup:
    if (fd >= 0)
        close(fd);
    free(line);
    return ret;
}

int
mh_journal_read(const char *path, int (*visit)(json_t *entry, void *data), void *data,
                size_t *skipped, struct mh_error *err)
{
    char rotated[PATH_MAX];
    int ret;

    *skipped = 0;
    if (snprintf(rotated, sizeof(rotated), "%s.1", path) >= (int)sizeof(rotated)) {
        mh_error_set(err, "%s: path too long", path);
        return -1;
    }
    ret = read_one(rotated, visit, data, skipped, err);
    if (ret != 0)
        return ret;
    return read_one(path, visit, data, skipped, err);
}

static int
open_for_append(const char *path, struct mh_error *err)
{
    /* Read and write: ends_mid_line() looks at the last byte. */
    int fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0640);

    if (fd < 0)
        mh_error_set_errno(err, errno, "journal %s: cannot open", path);
    return fd;
}

/* Keep one old generation. The rename happens under an exclusive lock on
 * the journal so that two hooks never rotate twice; a hook still holding the
 * old descriptor just lands its line in PATH.1. */
static int
rotate_if_large(const struct mh_conf *conf, int *fd, struct mh_error *err)
{
    char rotated[PATH_MAX];
    struct stat st;
    struct stat current;

    if (fstat(*fd, &st) < 0 || st.st_size < conf->journal_max_bytes)
        return 0;
    if (flock(*fd, LOCK_EX) < 0)
        return 0;
    /* Another hook may have rotated while we waited: only rename if the
     * path still names the file we hold. */
    if (stat(conf->journal_path, &current) == 0 && current.st_ino == st.st_ino &&
        current.st_dev == st.st_dev &&
        snprintf(rotated, sizeof(rotated), "%s.1", conf->journal_path) < (int)sizeof(rotated))
        rename(conf->journal_path, rotated);
    flock(*fd, LOCK_UN);
    close(*fd);
    *fd = open_for_append(conf->journal_path, err);
    return *fd < 0 ? -1 : 0;
}

static int
read_one(const char *path, int (*visit)(json_t *entry, void *data), void *data,
         size_t *skipped, struct mh_error *err)
{
    FILE *file = fopen(path, "re");
    char *line = NULL;
    size_t capacity = 0;
    ssize_t length;
    int ret = 0;

    if (!file) {
        if (errno == ENOENT)
            return 0;
        mh_error_set_errno(err, errno, "journal %s", path);
        return -1;
    }
    while ((length = getline(&line, &capacity, file)) >= 0) {
        json_t *entry;

        if (length > 0 && line[length - 1] == '\n')
            line[--length] = '\0';
        if (length == 0)
            continue;
        if (length > MH_JOURNAL_MAX_LINE) {
            (*skipped)++;
            continue;
        }
        entry = mh_json_parse(line, (size_t)length, 16, path, NULL);
        if (!entry || !json_is_object(entry)) {
            (*skipped)++;
            json_decref(entry);
            continue;
        }
        ret = visit(entry, data);
        json_decref(entry);
        if (ret != 0)
            break;
    }
    free(line);
    fclose(file);
    return ret;
}

struct query {
    const struct mh_journal_filter *filter;
    json_t **ring;              /* the last filter->last matches */
    size_t count;
    size_t next;
    int (*visit)(json_t *entry, void *data);
    void *data;
};

static int
collect(json_t *entry, void *data)
{
    struct query *query = data;

    if (!mh_journal_matches(query->filter, entry))
        return 0;
    if (!query->ring)
        return query->visit(entry, query->data);
    if (query->ring[query->next])
        json_decref(query->ring[query->next]);
    query->ring[query->next] = json_incref(entry);
    query->next = (query->next + 1) % query->filter->last;
    if (query->count < query->filter->last)
        query->count++;
    return 0;
}

bool
mh_journal_matches(const struct mh_journal_filter *filter, json_t *entry)
{
    const char *time = json_string_value(json_object_get(entry, "time"));

    if (filter->guest && *filter->guest) {
        const char *guest = json_string_value(json_object_get(entry, "guest"));
        const char *uuid = json_string_value(json_object_get(entry, "uuid"));
        if (!(guest && strcmp(guest, filter->guest) == 0) &&
            !(uuid && strcasecmp(uuid, filter->guest) == 0))
            return false;
    }
    if (filter->since && *filter->since && (!time || strcmp(time, filter->since) < 0))
        return false;
    if (filter->outcome && *filter->outcome) {
        const char *outcome = json_string_value(json_object_get(entry, "outcome"));
        if (!outcome || strcmp(outcome, filter->outcome) != 0)
            return false;
    }
    return true;
}

int
mh_journal_query(const char *path, const struct mh_journal_filter *filter,
                 int (*visit)(json_t *entry, void *data), void *data, size_t *skipped,
                 struct mh_error *err)
{
    struct query query = { .filter = filter, .visit = visit, .data = data };
    int ret;

    if (filter->last) {
        query.ring = calloc(filter->last, sizeof(*query.ring));
        if (!query.ring) {
            mh_error_set(err, "out of memory");
            return -1;
        }
    }
    ret = mh_journal_read(path, collect, &query, skipped, err);
    if (query.ring) {
        size_t first = query.count < filter->last ? 0 : query.next;
        for (size_t i = 0; i < query.count; i++) {
            json_t *entry = query.ring[(first + i) % filter->last];
            if (ret == 0)
                ret = visit(entry, data);
        }
        for (size_t i = 0; i < filter->last; i++)
            json_decref(query.ring[i]);
        free(query.ring);
    }
    return ret;
}

void
mh_journal_format_row(json_t *entry, char *line, size_t size)
{
    const char *time = json_string_value(json_object_get(entry, "time"));
    const char *host = json_string_value(json_object_get(entry, "host"));
    const char *guest = json_string_value(json_object_get(entry, "guest"));
    const char *operation = json_string_value(json_object_get(entry, "operation"));
    const char *sub_operation = json_string_value(json_object_get(entry, "sub_operation"));
    const char *outcome = json_string_value(json_object_get(entry, "outcome"));
    const char *message = json_string_value(json_object_get(entry, "message"));
    json_t *ms = json_object_get(entry, "ms");
    char stage[64];

    snprintf(stage, sizeof(stage), "%s %s", operation ? operation : "-",
             sub_operation ? sub_operation : "");
    snprintf(line, size, "%-24s %-12s %-16s %-16s %-8s %8.1f  %s", time ? time : "-",
             host ? host : "-", guest ? guest : "-", stage, outcome ? outcome : "-",
             json_is_number(ms) ? json_number_value(ms) : 0.0, message ? message : "");
}

/* True when the journal's last byte is not a newline. */
static bool
ends_mid_line(int fd)
{
    struct stat st;
    char last;

    if (fstat(fd, &st) < 0 || st.st_size == 0)
        return false;
    return pread(fd, &last, 1, st.st_size - 1) == 1 && last != '\n';
}
