/* mh_diff.h - a unified diff of two texts by lines, for showing what a
 * rewrite changed. In-process, so the XML (which may hold passwords) never
 * goes to a temporary file for diff(1) to read. */
#ifndef MH_DIFF_H
#define MH_DIFF_H

#include <stddef.h>

struct mh_error;

/* Beyond this many changed lines the middle of the texts is shown as one
 * replaced block instead of searching for the shortest edit script, which
 * keeps time and memory bounded on hostile input. */
#define MH_DIFF_MAX_EDITS 2000

/* Unified diff ("--- old_name", "+++ new_name", "@@ -l,n +l,n @@" hunks with
 * context lines around each change) of old_text and new_text, in a new
 * NUL-terminated string the caller frees; empty when the texts are equal. */
int mh_diff_unified(const char *old_text, size_t old_length, const char *new_text,
                    size_t new_length, const char *old_name, const char *new_name,
                    unsigned context, char **out, size_t *out_length, struct mh_error *err);

#endif
