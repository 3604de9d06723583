/* mh_json.h - the one place JSON text is parsed: size and depth limits, no
 * duplicate keys, and positions of values for error messages. */
#ifndef MH_JSON_H
#define MH_JSON_H

#include <jansson.h>
#include <stddef.h>

struct mh_error;

/* Parse text (length bytes, NUL bytes inside are an error) into a new
 * reference the caller must json_decref(). Rejects duplicate object keys,
 * nesting deeper than max_depth, and anything after the value. Errors read
 * "NAME:LINE:COLUMN: reason". */
json_t *mh_json_parse(const char *text, size_t length, size_t max_depth, const char *name,
                      struct mh_error *err);

/* Find where the value at a JSON pointer (RFC 6901, e.g. "/checks/severity/0")
 * starts in text, which must be valid JSON. For an object member the
 * position is that of its key. Returns 0 and 1-based line and column, or -1
 * when the pointer does not exist in text. */
int mh_json_locate(const char *text, size_t length, const char *pointer, int *line,
                   int *column);

/* Depth of nesting of value: a scalar is 0, [] and {} are 1. */
size_t mh_json_depth(const json_t *value);

/* Serialize value compactly on one line into a new string the caller frees. */
char *mh_json_line(const json_t *value);

#endif
