/* mh_progress.h - how mh-migrate shows a migration job: a bar redrawn on a
 * terminal, a plain line for logs, or a JSON object. Pure formatting. */
#ifndef MH_PROGRESS_H
#define MH_PROGRESS_H

#include "mh_migrate.h"

#include <jansson.h>
#include <stddef.h>

/* Percent of memory transferred (0-100), from total and remaining. */
int mh_progress_percent(const struct mh_migrate_progress *progress);

/* "[#####.....]  42%  118.0 MiB/s  remaining 30.1 MiB  dirty 1.2 MiB/s
 * downtime ~300 ms  3.1 s" with a bar of width characters (0: no bar);
 * "setting up  0.3 s" while libvirt has no memory numbers yet. */
void mh_progress_format(const struct mh_migrate_progress *progress, int width, char *out,
                        size_t size);

/* Bytes as "118.0 MiB" (binary units) into out. */
void mh_progress_bytes(unsigned long long bytes, char *out, size_t size);

/* {"elapsed_s", "percent", "memory_total", "memory_remaining", "memory_bps",
 * "dirty_bps", "downtime_ms", "iterations", "postcopy"}. New reference. */
json_t *mh_progress_to_json(const struct mh_migrate_progress *progress);

#endif
