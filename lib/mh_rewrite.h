/* mh_rewrite.h - the XML rewrite engine (SPEC section 6): a domain XML and
 * the "rewrite" rules in, the same XML with this host's bridges, paths,
 * addresses and CPUs out. Only host-side parts change, each at most once
 * (a->b and b->a swap, they never chain); every untouched byte of the input
 * stays as it was; and when no rule applies there is no output at all, so
 * libvirt uses its XML unchanged and does not taint the guest. */
#ifndef MH_REWRITE_H
#define MH_REWRITE_H

#include "mh_libxml.h"
#include "mh_rewrite_conf.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct mh_error;

struct mh_rewrite_result {
    bool changed;
    char *output;                   /* the rewritten XML, only when changed */
    size_t output_length;
    size_t edits;                   /* attribute, text and element edits made */
    size_t counts[MH_REWRITE_KINDS];/* parts changed, per rule kind */
    bool reserialized;              /* written out by libxml2, not patched into the input */
};

/* Rewrite doc in place with rules. input (input_length bytes) is the text
 * doc was parsed from, unmodified since; the output is that text with only
 * the edited bytes replaced. When input is NULL, or is not UTF-8, or cannot
 * be lined up with the tree, the output is doc serialized by libxml2
 * instead (result->reserialized). Before returning, the engine checks that
 * the output parses, equals the rewritten tree, and has the same
 * guest-visible parts as the input; anything else is an error.
 *
 * Returns 0 (result->changed tells whether anything changed), or -1 with
 * err set and result empty. On -1, doc may be partly rewritten: callers
 * fail closed and print nothing. Free result with mh_rewrite_result_free. */
int mh_rewrite_apply(const struct mh_rewrite_rules *rules, xmlDoc *doc, const char *input,
                     size_t input_length, struct mh_rewrite_result *result,
                     struct mh_error *err);

void mh_rewrite_result_free(struct mh_rewrite_result *result);

/* What the journal records of a rewrite: whether it changed anything, the
 * number of edits and of parts changed per rule kind. Never any XML
 * content. New reference. */
json_t *mh_rewrite_summary(const struct mh_rewrite_result *result);

/* path with the longest matching "from" prefix of map replaced by its
 * "to", keeping the rest of the path, in a new string the caller frees;
 * NULL when no prefix matches (or out of memory). A prefix matches the
 * path itself and anything below it: "/a/b" matches "/a/b" and "/a/b/c",
 * not "/a/bc"; trailing slashes do not matter. */
char *mh_rewrite_prefix(const struct mh_rewrite_map *map, const char *path);

#endif
