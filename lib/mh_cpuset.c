/* mh_cpuset.c - parse, format and remap libvirt CPU and node lists. */
#include "mh_cpuset.h"
#include "mh_error.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* How much of a bad cpuset a message quotes: enough to recognize it. */
#define QUOTE_MAX 32

static int parse_number(const char **cursor, const char *text, long *number,
                        struct mh_error *err);
static long next_number(const struct mh_cpuset *set, long from);
static const char *skip_spaces(const char *p);

int
mh_cpuset_parse(const char *text, struct mh_cpuset *set, struct mh_error *err)
{
    struct mh_cpuset excluded;
    const char *p = text;

    memset(set, 0, sizeof(*set));
    memset(&excluded, 0, sizeof(excluded));
    p = skip_spaces(p);
    if (!*p) {
        mh_error_set(err, "'%.*s' is empty", QUOTE_MAX, text);
        return -1;
    }
    for (;;) {
        bool exclude = false;
        long first, last;

        p = skip_spaces(p);
        if (*p == '^') {
            exclude = true;
            p++;
        }
        if (parse_number(&p, text, &first, err) < 0)
            return -1;
        last = first;
        p = skip_spaces(p);
        if (*p == '-') {
            if (exclude) {
                mh_error_set(err, "'%.*s': an exclusion (^N) cannot be a range", QUOTE_MAX,
                             text);
                return -1;
            }
            p = skip_spaces(p + 1);
            if (!isdigit((unsigned char)*p)) {
                mh_error_set(err, "'%.*s': the range starting at %ld has no end", QUOTE_MAX,
                             text, first);
                return -1;
            }
            if (parse_number(&p, text, &last, err) < 0)
                return -1;
            if (last < first) {
                mh_error_set(err, "'%.*s': the range %ld-%ld ends before it starts", QUOTE_MAX,
                             text, first, last);
                return -1;
            }
            p = skip_spaces(p);
        }
        for (long n = first; n <= last; n++)
            mh_cpuset_add(exclude ? &excluded : set, (unsigned)n);
        if (!*p)
            break;
        if (*p != ',') {
            mh_error_set(err, "'%.*s': unexpected '%c'; expected N, N-M or ^N separated by "
                         "commas", QUOTE_MAX, text, *p);
            return -1;
        }
        p++;
    }
    for (size_t i = 0; i < sizeof(set->bits) / sizeof(set->bits[0]); i++)
        set->bits[i] &= ~excluded.bits[i];
    if (mh_cpuset_count(set) == 0) {
        mh_error_set(err, "'%.*s' selects nothing", QUOTE_MAX, text);
        return -1;
    }
    return 0;
}

char *
mh_cpuset_format(const struct mh_cpuset *set)
{
    /* At most every number, each up to 5 digits and a separator. */
    size_t size = (size_t)mh_cpuset_count(set) * 7 + 1;
    char *text = malloc(size);
    size_t used = 0;
    long n = 0;

    if (!text)
        return NULL;
    text[0] = '\0';
    while ((n = next_number(set, n)) >= 0) {
        long last = n;

        while (last + 1 <= MH_CPUSET_MAX && mh_cpuset_has(set, (unsigned)last + 1))
            last++;
        if (last == n)
            used += (size_t)snprintf(text + used, size - used, "%s%ld", used ? "," : "", n);
        else
            used += (size_t)snprintf(text + used, size - used, "%s%ld-%ld", used ? "," : "", n,
                                     last);
        n = last + 1;
    }
    return text;
}

void
mh_cpuset_add(struct mh_cpuset *set, unsigned number)
{
    if (number <= MH_CPUSET_MAX)
        set->bits[number / 64] |= UINT64_C(1) << (number % 64);
}

bool
mh_cpuset_has(const struct mh_cpuset *set, unsigned number)
{
    return number <= MH_CPUSET_MAX && (set->bits[number / 64] >> (number % 64)) & 1;
}

size_t
mh_cpuset_count(const struct mh_cpuset *set)
{
    size_t count = 0;

    for (size_t i = 0; i < sizeof(set->bits) / sizeof(set->bits[0]); i++)
        count += (size_t)__builtin_popcountll(set->bits[i]);
    return count;
}

bool
mh_cpuset_equal(const struct mh_cpuset *a, const struct mh_cpuset *b)
{
    return memcmp(a->bits, b->bits, sizeof(a->bits)) == 0;
}

int
mh_cpuset_map_apply(const struct mh_cpuset_map *map, const struct mh_cpuset *in,
                    struct mh_cpuset *out, const char *what, struct mh_error *err)
{
    long n = 0;

    memset(out, 0, sizeof(*out));
    for (; (n = next_number(in, n)) >= 0; n++) {
        long target;

        if (map->by_table) {
            target = map->table[n];
            if (target < 0) {
                mh_error_set(err, "%s %ld is not in the map", what, n);
                return -1;
            }
        } else {
            target = n + map->shift;
            if (target < 0) {
                mh_error_set(err, "%s %ld shifted by %ld is negative", what, n, map->shift);
                return -1;
            }
        }
        if (target > map->max) {
            mh_error_set(err, "%s %ld maps to %ld, above the highest allowed (%ld)", what, n,
                         target, map->max);
            return -1;
        }
        mh_cpuset_add(out, (unsigned)target);
    }
    return 0;
}

void
mh_cpuset_map_free(struct mh_cpuset_map *map)
{
    free(map->table);
    map->table = NULL;
}

/* Digits only: strtol would also take signs, spaces and hexadecimal. */
static int
parse_number(const char **cursor, const char *text, long *number, struct mh_error *err)
{
    const char *p = *cursor;
    long value = 0;

    if (!isdigit((unsigned char)*p)) {
        if (*p)
            mh_error_set(err, "'%.*s': expected a number at '%c'", QUOTE_MAX, text, *p);
        else
            mh_error_set(err, "'%.*s': expected a number at the end", QUOTE_MAX, text);
        return -1;
    }
    while (isdigit((unsigned char)*p)) {
        value = value * 10 + (*p - '0');
        if (value > MH_CPUSET_MAX) {
            while (isdigit((unsigned char)*p))
                p++;
            mh_error_set(err, "'%.*s': %.*s is above the highest number supported (%d)",
                         QUOTE_MAX, text, (int)(p - *cursor > 20 ? 20 : p - *cursor), *cursor,
                         MH_CPUSET_MAX);
            return -1;
        }
        p++;
    }
    *number = value;
    *cursor = p;
    return 0;
}

/* The smallest number >= from in set, or -1; skips empty words, since
 * sets are sparse in a space of 16384. */
static long
next_number(const struct mh_cpuset *set, long from)
{
    while (from <= MH_CPUSET_MAX) {
        uint64_t word = set->bits[from / 64] >> (from % 64);

        if (word)
            return from + __builtin_ctzll(word);
        from = (from / 64 + 1) * 64;
    }
    return -1;
}

static const char *
skip_spaces(const char *p)
{
    while (*p == ' ' || *p == '\t')
        p++;
    return p;
}
