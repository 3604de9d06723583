/* mh_base64.c - strict base64 over glibc's b64_ntop/b64_pton (libresolv,
 * the BIND implementation, loaded on first use). libcrypto's
 * EVP_EncodeBlock did this before; loading libcrypto costs a hook call about
 * 2.5 ms, libresolv about 0.3 ms, and every etcd request needs base64. */
#include "mh_base64.h"
#include "mh_dl.h"
#include "mh_error.h"

#include <limits.h>
#include <resolv.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* b64_ntop and b64_pton are macros for these two. */
static struct {
    __typeof__(__b64_ntop) *ntop;
    __typeof__(__b64_pton) *pton;
} resolv;

static int load(struct mh_error *err);
static bool is_alphabet(char c);

char *
mh_base64_encode(const void *data, size_t length, struct mh_error *err)
{
    size_t size;
    char *text;

    if (load(err) < 0)
        return NULL;
    /* b64_ntop counts in int */
    if (length > (size_t)INT_MAX / 4 * 3 - 3) {
        mh_error_set(err, "base64: %zu bytes is too much to encode", length);
        return NULL;
    }
    size = (length + 2) / 3 * 4 + 1;
    text = malloc(size);
    if (!text) {
        mh_error_set(err, "out of memory");
        return NULL;
    }
    if (resolv.ntop(data, length, text, size) != (int)(size - 1)) {
        free(text);
        mh_error_set(err, "base64: cannot encode");
        return NULL;
    }
    return text;
}

int
mh_base64_decode(const char *text, size_t length, size_t cap, char **data, size_t *decoded,
                 struct mh_error *err)
{
    size_t padding = 0;
    size_t size;
    char *buffer, *copy;
    int got;

    /* b64_pton skips blanks and reads a NUL-terminated string: check the
     * exact form first, then it only converts (and refuses bits past the
     * last byte that are not zero). */
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
    if (load(err) < 0)
        return -1;
    /* b64_pton writes the partial byte after the last whole one too. */
    buffer = malloc(length / 4 * 3 + 1);
    copy = strndup(text, length);
    if (!buffer || !copy) {
        free(buffer);
        free(copy);
        mh_error_set(err, "out of memory");
        return -1;
    }
    got = resolv.pton(copy, (unsigned char *)buffer, length / 4 * 3 + 1);
    free(copy);
    if (got < 0 || (size_t)got != size) {
        free(buffer);
        mh_error_set(err, "base64: invalid encoding");
        return -1;
    }
    buffer[size] = '\0';
    *data = buffer;
    *decoded = size;
    return 0;
}

static int
load(struct mh_error *err)
{
    static void *library;
    static const struct mh_dl_symbol symbols[] = {
        { "__b64_ntop", (void **)&resolv.ntop },
        { "__b64_pton", (void **)&resolv.pton },
        { NULL, NULL },
    };

    return mh_dl_load("libresolv.so.2", &library, symbols, err);
}

static bool
is_alphabet(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '+' || c == '/';
}
