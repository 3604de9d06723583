/* mh_diff.c - line diff (Myers' O(ND) greedy algorithm) and unified output. */
#include "mh_diff.h"
#include "mh_buffer.h"
#include "mh_error.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct line {
    const char *text;
    size_t length;          /* with its '\n', when it has one */
    uint64_t hash;
};

enum op { EQUAL, DELETE, INSERT };

struct script {
    enum op *ops;
    size_t count;
};

static size_t split_lines(const char *text, size_t length, struct line **lines);
static bool same_line(const struct line *a, const struct line *b);
static int diff_middle(const struct line *a, size_t n, const struct line *b, size_t m,
                       struct script *script);
static void add_ops(struct script *script, enum op op, size_t count);
static void write_hunks(struct mh_buffer *out, const struct script *script,
                        const struct line *a, const struct line *b, unsigned context);
static void write_line(struct mh_buffer *out, char mark, const struct line *line);

int
mh_diff_unified(const char *old_text, size_t old_length, const char *new_text,
                size_t new_length, const char *old_name, const char *new_name,
                unsigned context, char **out, size_t *out_length, struct mh_error *err)
{
    struct mh_buffer buffer = { 0 };
    struct script script = { 0 };
    struct line *a = NULL, *b = NULL;
    size_t n = split_lines(old_text, old_length, &a);
    size_t m = split_lines(new_text, new_length, &b);
    size_t prefix = 0, suffix = 0;
    int ret = -1;

    *out = NULL;
    if ((n && !a) || (m && !b))
        goto no_memory;
    script.ops = malloc((n + m + 1) * sizeof(*script.ops));
    if (!script.ops)
        goto no_memory;
    /* Most of a rewritten XML is unchanged: only the middle needs a search. */
    while (prefix < n && prefix < m && same_line(&a[prefix], &b[prefix]))
        prefix++;
    while (suffix < n - prefix && suffix < m - prefix &&
           same_line(&a[n - 1 - suffix], &b[m - 1 - suffix]))
        suffix++;
    add_ops(&script, EQUAL, prefix);
    /* Empty texts have no line arrays: no arithmetic on NULL. */
    if (diff_middle(a ? a + prefix : NULL, n - prefix - suffix, b ? b + prefix : NULL,
                    m - prefix - suffix, &script) < 0)
        goto no_memory;
    add_ops(&script, EQUAL, suffix);

    mh_buffer_append(&buffer, "", 0);
    if (prefix + suffix < n || prefix + suffix < m) {
        mh_buffer_printf(&buffer, "--- %s\n+++ %s\n", old_name, new_name);
        write_hunks(&buffer, &script, a, b, context);
    }
    *out = mh_buffer_take(&buffer, out_length);
    if (!*out)
        goto no_memory;
    ret = 0;
    goto cleanup;

no_memory:
    mh_error_set(err, "out of memory computing the diff");
    mh_buffer_free(&buffer);
cleanup:
    free(script.ops);
    free(a);
    free(b);
    return ret;
}

static size_t
split_lines(const char *text, size_t length, struct line **lines)
{
    size_t count = 0, index = 0;

    for (size_t i = 0; i < length; i++)
        count += text[i] == '\n';
    if (length && text[length - 1] != '\n')
        count++;
    *lines = count ? malloc(count * sizeof(**lines)) : NULL;
    if (!*lines)
        return count;
    for (size_t start = 0; start < length; index++) {
        const char *newline = memchr(text + start, '\n', length - start);
        size_t end = newline ? (size_t)(newline - text) + 1 : length;
        uint64_t hash = UINT64_C(14695981039346656037);

        for (size_t i = start; i < end; i++)
            hash = (hash ^ (unsigned char)text[i]) * UINT64_C(1099511628211);
        (*lines)[index] = (struct line){ text + start, end - start, hash };
        start = end;
    }
    return count;
}

static bool
same_line(const struct line *a, const struct line *b)
{
    return a->hash == b->hash && a->length == b->length &&
           memcmp(a->text, b->text, a->length) == 0;
}

/* Myers' greedy forward search, keeping each round's frontier to walk the
 * shortest edit script back. Rounds are capped (see MH_DIFF_MAX_EDITS). */
static int
diff_middle(const struct line *a, size_t n, const struct line *b, size_t m,
            struct script *script)
{
    long max = (long)(n + m);
    long cap = max < MH_DIFF_MAX_EDITS ? max : MH_DIFF_MAX_EDITS;
    long *v = NULL, **trace = NULL;
    enum op *reversed = NULL;
    long found = -1;
    int ret = -1;

    if (n == 0 || m == 0) {
        add_ops(script, DELETE, n);
        add_ops(script, INSERT, m);
        return 0;
    }
    v = calloc((size_t)(2 * cap + 3), sizeof(*v));
    trace = calloc((size_t)cap + 1, sizeof(*trace));
    if (!v || !trace)
        goto cleanup;
    v += cap + 1;
    for (long d = 0; d <= cap && found < 0; d++) {
        for (long k = -d; k <= d; k += 2) {
            long x = (k == -d || (k != d && v[k - 1] < v[k + 1])) ? v[k + 1] : v[k - 1] + 1;
            long y = x - k;

            while (x < (long)n && y < (long)m && same_line(&a[x], &b[y])) {
                x++;
                y++;
            }
            v[k] = x;
            if (x >= (long)n && y >= (long)m)
                found = d;
        }
        trace[d] = malloc((size_t)(2 * d + 1) * sizeof(**trace));
        if (!trace[d])
            goto cleanup;
        memcpy(trace[d], v - d, (size_t)(2 * d + 1) * sizeof(**trace));
    }
    if (found < 0) {
        /* Too different to be worth the search: one replaced block. */
        add_ops(script, DELETE, n);
        add_ops(script, INSERT, m);
        ret = 0;
        goto cleanup;
    }
    reversed = malloc((n + m) * sizeof(*reversed));
    if (!reversed)
        goto cleanup;
    {
        long x = (long)n, y = (long)m;
        size_t count = 0;

        for (long d = found; d > 0; d--) {
            const long *previous = trace[d - 1] + (d - 1);
            long k = x - y;
            long previous_k = (k == -d || (k != d && previous[k - 1] < previous[k + 1]))
                                  ? k + 1 : k - 1;
            long previous_x = previous[previous_k];
            long previous_y = previous_x - previous_k;

            while (x > previous_x && y > previous_y) {
                reversed[count++] = EQUAL;
                x--;
                y--;
            }
            reversed[count++] = previous_k == k + 1 ? INSERT : DELETE;
            x = previous_x;
            y = previous_y;
        }
        while (x > 0 && y > 0) {
            reversed[count++] = EQUAL;
            x--;
            y--;
        }
        while (count > 0)
            script->ops[script->count++] = reversed[--count];
    }
    ret = 0;

cleanup:
    for (long d = 0; trace && d <= cap; d++)
        free(trace[d]);
    free(trace);
    if (v)
        free(v - (cap + 1));
    free(reversed);
    return ret;
}

static void
add_ops(struct script *script, enum op op, size_t count)
{
    for (size_t i = 0; i < count; i++)
        script->ops[script->count++] = op;
}

/* Group changes closer than 2 * context lines into one hunk. */
static void
write_hunks(struct mh_buffer *out, const struct script *script, const struct line *a,
            const struct line *b, unsigned context)
{
    size_t i = 0;

    while (i < script->count) {
        size_t start, end, last_change, old_start = 0, new_start = 0, old_count = 0,
                                        new_count = 0;

        while (i < script->count && script->ops[i] == EQUAL)
            i++;
        if (i == script->count)
            break;
        start = i > context ? i - context : 0;
        last_change = i;
        for (end = i; end < script->count; end++) {
            if (script->ops[end] != EQUAL)
                last_change = end;
            else if (end - last_change > 2 * (size_t)context)
                break;
        }
        end = last_change + 1 + context < script->count ? last_change + 1 + context
                                                        : script->count;
        /* Line numbers where the hunk starts on each side. */
        for (size_t j = 0; j < start; j++) {
            old_start += script->ops[j] != INSERT;
            new_start += script->ops[j] != DELETE;
        }
        for (size_t j = start; j < end; j++) {
            old_count += script->ops[j] != INSERT;
            new_count += script->ops[j] != DELETE;
        }
        mh_buffer_printf(out, "@@ -%zu,%zu +%zu,%zu @@\n", old_count ? old_start + 1 : old_start,
                         old_count, new_count ? new_start + 1 : new_start, new_count);
        for (size_t j = start, x = old_start, y = new_start; j < end; j++) {
            if (script->ops[j] == EQUAL) {
                write_line(out, ' ', &a[x++]);
                y++;
            } else if (script->ops[j] == DELETE) {
                write_line(out, '-', &a[x++]);
            } else {
                write_line(out, '+', &b[y++]);
            }
        }
        i = end;
    }
}

static void
write_line(struct mh_buffer *out, char mark, const struct line *line)
{
    mh_buffer_append(out, &mark, 1);
    mh_buffer_append(out, line->text, line->length);
    if (!line->length || line->text[line->length - 1] != '\n')
        mh_buffer_append_string(out, "\n\\ No newline at end of file\n");
}
