/* mh_pattern.h - select names (OVSDB map keys...) with an ordered list of
 * fnmatch(3) globs, where a leading '!' excludes, like .gitignore. */
#ifndef MH_PATTERN_H
#define MH_PATTERN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define MH_PATTERN_MAX_LENGTH 256

/* True when name is selected by patterns (an array of strings): every glob
 * is tried in order and the last one that matches decides; "!glob" excludes
 * what glob matches. A name no pattern matches is not selected, so [] selects
 * nothing and ["*", "!tmp-*"] everything but tmp-*. Globs are plain fnmatch
 * without flags: '*' also matches '/' and '.'. */
bool mh_pattern_select(const json_t *patterns, const char *name);

/* Check that patterns can be used: an array of strings of 1 to
 * MH_PATTERN_MAX_LENGTH bytes without NUL, "!" followed by a glob. Returns 0,
 * or -1 with *bad the index of the first bad entry (the array itself: -1)
 * and *reason a static explanation. */
int mh_pattern_check(const json_t *patterns, long *bad, const char **reason);

#endif
