/* mh_time.h - times as operators type them and as the journal stores them. */
#ifndef MH_TIME_H
#define MH_TIME_H

#include <time.h>

struct mh_error;

/* Turn an operator's time into the journal's form (RFC 3339 UTC with
 * milliseconds), so that journal times compare as strings. Accepts
 * "YYYY-MM-DD", "YYYY-MM-DDTHH:MM[:SS][Z]" (also with a space for T; times
 * are UTC), or an age "N" followed by s, m, h or d, counted back from now. */
int mh_time_parse(const char *text, time_t now, char out[32], struct mh_error *err);

/* Parse a time as migrate-hooks stores it (journal, cookie, lease records):
 * RFC 3339 UTC, "YYYY-MM-DDTHH:MM:SS", an optional fraction of 1 to 9
 * digits, then "Z", nothing else. Returns 0, or -1 for anything else. */
int mh_time_parse_stored(const char *text, time_t *when);

/* Format seconds since the epoch as RFC 3339 UTC with milliseconds. */
void mh_time_format(time_t when, char out[32]);

#endif
