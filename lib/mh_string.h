/* mh_string.h - strict number parsing and bounded string copies. */
#ifndef MH_STRING_H
#define MH_STRING_H

#include <stdbool.h>
#include <stddef.h>

/* Parse a whole base-10 integer in [min, max]: no sign games, no trailing
 * characters, no overflow. Returns 0, or -1 with errno set (EINVAL/ERANGE). */
int mh_string_to_long(const char *text, long min, long max, long *out);

/* Copy src into dst of size bytes. Returns -1 (dst holds a truncated,
 * terminated copy) when src does not fit. */
int mh_string_copy(char *dst, size_t size, const char *src);

/* Copy untrusted src (an external check's output, a server's message) into
 * dst as one line of text that is safe in a terminal, syslog and JSON:
 * control characters become spaces, bytes that are not valid UTF-8 become
 * '?', and truncation never splits a character. Returns -1 when src was
 * cut to fit. */
int mh_string_copy_text(char *dst, size_t size, const char *src);

/* Append src to the string in dst; -1 when it does not fit. */
int mh_string_append(char *dst, size_t size, const char *src);

bool mh_string_has_prefix(const char *text, const char *prefix);

/* True when text is a usable identifier for hosts and guests in file names
 * and messages: 1..64 of [A-Za-z0-9._-], not starting with '.' or '-'. */
bool mh_string_is_identifier(const char *text);

#endif
