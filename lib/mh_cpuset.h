/* mh_cpuset.h - libvirt CPU and NUMA node lists ("0-3,8,^2") and maps
 * between two hosts' numbering, for pinning and NUMA tuning rewrites. */
#ifndef MH_CPUSET_H
#define MH_CPUSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct mh_error;

/* Highest CPU or node number accepted: libvirt's own bitmap limit for
 * cpusets (VIR_DOMAIN_CPUMASK_LEN - 1). */
#define MH_CPUSET_MAX 16383

struct mh_cpuset {
    uint64_t bits[(MH_CPUSET_MAX + 1) / 64];
};

/* How one host's CPU (or node) numbers become another's: either shifted by
 * a constant or looked up one by one. A number the map does not name is an
 * error, not left alone: pinning half a guest's CPUs by mistake is worse
 * than refusing the migration. */
struct mh_cpuset_map {
    bool by_table;
    long shift;                 /* !by_table: added to every number */
    int16_t *table;             /* by_table: MH_CPUSET_MAX + 1 entries, -1 unmapped */
    long max;                   /* highest number the result may hold */
};

/* Parse a libvirt cpuset: comma-separated N, N-M and ^N (exclusion), spaces
 * allowed around items, as libvirt's own parser does. An empty result is an
 * error. Messages name the offending item but not the context; callers
 * prefix it. */
int mh_cpuset_parse(const char *text, struct mh_cpuset *set, struct mh_error *err);

/* Format set the way libvirt does ("0-3,8") into a new string the caller
 * frees; NULL when out of memory. */
char *mh_cpuset_format(const struct mh_cpuset *set);

void mh_cpuset_add(struct mh_cpuset *set, unsigned number);
bool mh_cpuset_has(const struct mh_cpuset *set, unsigned number);
size_t mh_cpuset_count(const struct mh_cpuset *set);
bool mh_cpuset_equal(const struct mh_cpuset *a, const struct mh_cpuset *b);

/* out = map applied to every number of in. Fails naming the first number
 * the map leaves out or that lands outside 0..map->max. what names the kind
 * of number ("CPU", "NUMA node") in messages. */
int mh_cpuset_map_apply(const struct mh_cpuset_map *map, const struct mh_cpuset *in,
                        struct mh_cpuset *out, const char *what, struct mh_error *err);

void mh_cpuset_map_free(struct mh_cpuset_map *map);

#endif
