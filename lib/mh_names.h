/* mh_names.h - a sorted set of short names (bridges, networks, CPU flags)
 * that may also be unknown, which is not the same as empty. */
#ifndef MH_NAMES_H
#define MH_NAMES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct mh_error;

struct mh_names {
    char **items;       /* sorted, unique once mh_names_finish() ran */
    size_t count;
    size_t capacity;
    bool known;         /* false: nobody could find out (not "none") */
};

/* Add a copy of name (duplicates are dropped by mh_names_finish). Returns 0,
 * or -1 when out of memory. */
int mh_names_add(struct mh_names *names, const char *name);

/* Sort, drop duplicates and mark the set known. */
void mh_names_finish(struct mh_names *names);

/* True when the finished set holds name. */
bool mh_names_has(const struct mh_names *names, const char *name);

void mh_names_free(struct mh_names *names);

/* A JSON array of the names (new reference), or NULL when the set is unknown. */
json_t *mh_names_to_json(const struct mh_names *names);

/* Fill names from a JSON array of at most max_count strings of at most
 * max_length bytes each; what names the value in errors. Returns 0, or -1
 * naming what and the problem. */
int mh_names_from_json(const json_t *array, size_t max_count, size_t max_length,
                       const char *what, struct mh_names *names, struct mh_error *err);

/* "a, b, c" of the names in list not in set, into buffer; returns how many. */
size_t mh_names_missing(const struct mh_names *list, const struct mh_names *set, char *buffer,
                        size_t size);

#endif
