/* mh_base64.h - strict base64 (RFC 4648, with padding) through glibc's
 * libresolv, loaded on demand: etcd's JSON gateway carries keys and values
 * as base64, and the cookie its HMAC. */
#ifndef MH_BASE64_H
#define MH_BASE64_H

#include <stddef.h>

struct mh_error;

/* Encode length bytes of data. Returns a new NUL-terminated string the
 * caller frees, or NULL with err filled. */
char *mh_base64_encode(const void *data, size_t length, struct mh_error *err);

/* Decode text (length characters): only the standard alphabet, a length
 * that is a multiple of 4 and '=' padding at the very end are accepted (no
 * whitespace). At most cap decoded bytes. On success *data is a new buffer
 * of *decoded bytes plus a NUL, which the caller frees. */
int mh_base64_decode(const char *text, size_t length, size_t cap, char **data, size_t *decoded,
                     struct mh_error *err);

#endif
