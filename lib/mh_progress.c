/* mh_progress.c - text and JSON forms of a migration job's progress. */
#include "mh_progress.h"

#include <stdio.h>
#include <string.h>

int
mh_progress_percent(const struct mh_migrate_progress *progress)
{
    if (!progress->memory_total || progress->memory_remaining >= progress->memory_total)
        return 0;
    return (int)((progress->memory_total - progress->memory_remaining) * 100 /
                 progress->memory_total);
}

void
mh_progress_bytes(unsigned long long bytes, char *out, size_t size)
{
    static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
    double value = (double)bytes;
    size_t unit = 0;

    while (value >= 1024.0 && unit + 1 < sizeof(units) / sizeof(units[0])) {
        value /= 1024.0;
        unit++;
    }
    if (unit == 0)
        snprintf(out, size, "%llu B", bytes);
    else
        snprintf(out, size, "%.1f %s", value, units[unit]);
}

void
mh_progress_format(const struct mh_migrate_progress *progress, int width, char *out, size_t size)
{
    char bar[128] = "", rate[32], remaining[32], dirty[32];
    int percent = mh_progress_percent(progress);

    if (width > 0) {
        int filled;

        if (width > (int)sizeof(bar) - 4)
            width = (int)sizeof(bar) - 4;
        filled = percent * width / 100;
        bar[0] = '[';
        for (int i = 0; i < width; i++)
            bar[i + 1] = i < filled ? '#' : '.';
        bar[width + 1] = ']';
        bar[width + 2] = ' ';
        bar[width + 3] = '\0';
    }
    /* Before the first memory pass libvirt has no numbers to show. */
    if (!progress->memory_total && !progress->memory_bps) {
        snprintf(out, size, "%ssetting up  %.1f s", bar, progress->elapsed_s);
        return;
    }
    mh_progress_bytes(progress->memory_bps, rate, sizeof(rate));
    mh_progress_bytes(progress->memory_remaining, remaining, sizeof(remaining));
    mh_progress_bytes(progress->dirty_bps, dirty, sizeof(dirty));
    snprintf(out, size, "%s%3d%%  %s/s  remaining %s  dirty %s/s  downtime ~%llu ms  %.1f s%s",
             bar, percent, rate, remaining, dirty, progress->downtime_ms, progress->elapsed_s,
             progress->postcopy ? "  post-copy" : "");
}

json_t *
mh_progress_to_json(const struct mh_migrate_progress *progress)
{
    return json_pack("{sf si sI sI sI sI sI sI sb}", "elapsed_s", progress->elapsed_s, "percent",
                     mh_progress_percent(progress), "memory_total",
                     (json_int_t)progress->memory_total, "memory_remaining",
                     (json_int_t)progress->memory_remaining, "memory_bps",
                     (json_int_t)progress->memory_bps, "dirty_bps",
                     (json_int_t)progress->dirty_bps, "downtime_ms",
                     (json_int_t)progress->downtime_ms, "iterations",
                     (json_int_t)progress->iterations, "postcopy", progress->postcopy);
}
