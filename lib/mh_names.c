/* mh_names.c - sorted sets of short names. */
#include "mh_names.h"
#include "mh_error.h"
#include "mh_string.h"

#include <stdlib.h>
#include <string.h>

static int compare_names(const void *a, const void *b);

int
mh_names_add(struct mh_names *names, const char *name)
{
    char *copy;

    if (names->count == names->capacity) {
        size_t capacity = names->capacity ? names->capacity * 2 : 16;
        char **bigger = realloc(names->items, capacity * sizeof(*bigger));

        if (!bigger)
            return -1;
        names->items = bigger;
        names->capacity = capacity;
    }
    copy = strdup(name);
    if (!copy)
        return -1;
    names->items[names->count++] = copy;
    return 0;
}

void
mh_names_finish(struct mh_names *names)
{
    size_t kept = 0;

    if (names->count)
        qsort(names->items, names->count, sizeof(*names->items), compare_names);
    for (size_t i = 0; i < names->count; i++) {
        if (kept && strcmp(names->items[kept - 1], names->items[i]) == 0)
            free(names->items[i]);
        else
            names->items[kept++] = names->items[i];
    }
    names->count = kept;
    names->known = true;
}

bool
mh_names_has(const struct mh_names *names, const char *name)
{
    if (!names->count)
        return false;
    return bsearch(&name, names->items, names->count, sizeof(*names->items), compare_names) != NULL;
}

void
mh_names_free(struct mh_names *names)
{
    for (size_t i = 0; i < names->count; i++)
        free(names->items[i]);
    free(names->items);
    memset(names, 0, sizeof(*names));
}

json_t *
mh_names_to_json(const struct mh_names *names)
{
    json_t *array;

    if (!names->known)
        return NULL;
    array = json_array();
    for (size_t i = 0; array && i < names->count; i++)
        json_array_append_new(array, json_string(names->items[i]));
    return array;
}

int
mh_names_from_json(const json_t *array, size_t max_count, size_t max_length, const char *what,
                   struct mh_names *names, struct mh_error *err)
{
    size_t index;
    json_t *item;

    if (!json_is_array(array)) {
        mh_error_set(err, "%s must be an array of strings", what);
        return -1;
    }
    if (json_array_size(array) > max_count) {
        mh_error_set(err, "%s has more than %zu entries", what, max_count);
        return -1;
    }
    json_array_foreach(array, index, item) {
        size_t length;

        if (!json_is_string(item)) {
            mh_error_set(err, "%s[%zu] must be a string", what, index);
            return -1;
        }
        length = json_string_length(item);
        if (length == 0 || length > max_length || strlen(json_string_value(item)) != length) {
            mh_error_set(err, "%s[%zu] must be 1 to %zu characters without NUL", what, index,
                         max_length);
            return -1;
        }
        if (mh_names_add(names, json_string_value(item)) < 0) {
            mh_error_set(err, "out of memory");
            return -1;
        }
    }
    mh_names_finish(names);
    return 0;
}

size_t
mh_names_missing(const struct mh_names *list, const struct mh_names *set, char *buffer,
                 size_t size)
{
    size_t missing = 0;

    if (size)
        buffer[0] = '\0';
    for (size_t i = 0; i < list->count; i++) {
        if (mh_names_has(set, list->items[i]))
            continue;
        if (missing++)
            mh_string_append(buffer, size, ", ");
        mh_string_append(buffer, size, list->items[i]);
    }
    return missing;
}

static int
compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}
