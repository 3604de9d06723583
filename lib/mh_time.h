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

/* Format seconds since the epoch as RFC 3339 UTC with milliseconds. */
void mh_time_format(time_t when, char out[32]);

#endif
