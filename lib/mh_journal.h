/* mh_journal.h - the journal: one JSON object per line, appended with
 * O_APPEND in a single write so concurrent hooks never interleave. It never
 * holds domain XML (which may contain passwords). */
#ifndef MH_JOURNAL_H
#define MH_JOURNAL_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct mh_conf;
struct mh_error;

/* Longest journal line accepted when reading; longer lines are skipped. */
#define MH_JOURNAL_MAX_LINE (64 * 1024)

/* Append entry as one line to conf->journal_path (when the journal is
 * enabled), adding "time" and "host" when absent. Rotates the file to
 * PATH.1 when it has grown beyond conf->journal_max_bytes. */
int mh_journal_append(const struct mh_conf *conf, json_t *entry, struct mh_error *err);

/* Format entry as the line mh_journal_append would write, into a new string
 * the caller frees (with the trailing newline). */
char *mh_journal_format(const struct mh_conf *conf, json_t *entry);

/* Current time as RFC 3339 UTC with milliseconds, e.g. 2026-11-23T10:00:00.123Z. */
void mh_journal_timestamp(char buffer[32]);

/* Call visit for each entry of path.1 then path, oldest first. Lines that
 * are not JSON objects (a torn last line after a crash, hand edits) are
 * skipped and counted in *skipped. A visit returning non-zero stops. */
int mh_journal_read(const char *path, int (*visit)(json_t *entry, void *data), void *data,
                    size_t *skipped, struct mh_error *err);

/* Which entries an operator asked for; NULL or "" fields match anything. */
struct mh_journal_filter {
    const char *guest;          /* name or UUID */
    const char *since;          /* journal-form time (mh_time_parse) */
    const char *outcome;        /* ok, warned, refused, error */
    size_t last;                /* only the last N matches; 0 means all */
};

bool mh_journal_matches(const struct mh_journal_filter *filter, json_t *entry);

/* Read path (and path.1) and call visit for each entry that matches the
 * filter, oldest first. */
int mh_journal_query(const char *path, const struct mh_journal_filter *filter,
                     int (*visit)(json_t *entry, void *data), void *data, size_t *skipped,
                     struct mh_error *err);

/* One human-readable line for an entry: time, host, guest, stage, outcome,
 * milliseconds, message. */
void mh_journal_format_row(json_t *entry, char *line, size_t size);

#endif
