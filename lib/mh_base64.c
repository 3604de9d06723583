/* mh_base64.c - strict base64 over libcrypto's EVP_EncodeBlock/DecodeBlock. */
#include "mh_base64.h"
#include "mh_error.h"
#include "mh_libcrypto.h"

#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static bool is_alphabet(char c);

char *
mh_base64_encode(const void *data, size_t length, struct mh_error *err)
{
    char *text;

    if (mh_libcrypto_load(err) < 0)
        return NULL;
    if (length > (size_t)INT_MAX / 4 * 3 - 3) {
        mh_error_set(err, "base64: %zu bytes is too much to encode", length);
        return NULL;
    }
    text = malloc((length + 2) / 3 * 4 + 1);
    if (!text) {
        mh_error_set(err, "out of memory");
        return NULL;
    }
    mh_libcrypto.EVP_EncodeBlock((unsigned char *)text, data, (int)length);
    return text;
}

int
mh_base64_decode(const char *text, size_t length, size_t cap, char **data, size_t *decoded,
                 struct mh_error *err)
{
    size_t padding = 0;
    size_t size;
    char *buffer;
    int got;

    /* EVP_DecodeBlock skips surrounding blanks and does not strip padding
     * from its count: check the exact form first, then it only converts. */
    if (length % 4 != 0) {
        mh_error_set(err, "base64: length %zu is not a multiple of 4", length);
        return -1;
    }
    if (length >= 1 && text[length - 1] == '=')
        padding = length >= 2 && text[length - 2] == '=' ? 2 : 1;
    for (size_t i = 0; i < length - padding; i++) {
        if (!is_alphabet(text[i])) {
            mh_error_set(err, "base64: invalid character at offset %zu", i);
            return -1;
        }
    }
    size = length / 4 * 3 - padding;
    if (size > cap) {
        mh_error_set(err, "base64: decodes to %zu bytes, more than the limit of %zu", size, cap);
        return -1;
    }
    if (length > (size_t)INT_MAX) {
        mh_error_set(err, "base64: input too long");
        return -1;
    }
    if (mh_libcrypto_load(err) < 0)
        return -1;
    buffer = malloc(length / 4 * 3 + 1);
    if (!buffer) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    got = length ? mh_libcrypto.EVP_DecodeBlock((unsigned char *)buffer, (const unsigned char *)text,
                                          (int)length)
                 : 0;
    if (got < 0 || (size_t)got != length / 4 * 3) {
        free(buffer);
        mh_error_set(err, "base64: invalid encoding");
        return -1;
    }
    buffer[size] = '\0';
    *data = buffer;
    *decoded = size;
    return 0;
}

static bool
is_alphabet(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}
