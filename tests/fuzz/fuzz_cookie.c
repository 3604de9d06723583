/* fuzz_cookie.c - libFuzzer target: a cookie element's version and hmac
 * attributes and text, verified with and without a cluster key. Input:
 * "VERSION\nHMAC\nTEXT"; what the later stages read of a good one (lease
 * token, port data) is read too. */
#include "mh_cookie.h"
#include "mh_error.h"
#include "mh_lease_record.h"
#include "mh_ports.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char *field(const char **data, size_t *size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The key of tests/unit/test_cookie.c, so that seeds can be signed. */
    static const char key_text[] = "0123456789abcdef0123456789abcdef";
    struct mh_cookie_key key = { .length = sizeof(key_text) - 1 };
    const char *rest = (const char *)data;
    char *version = field(&rest, &size);
    char *hmac = field(&rest, &size);

    memcpy(key.bytes, key_text, key.length);
    for (int keyed = 0; keyed < 2; keyed++) {
        struct mh_error err = { { 0 } };
        struct mh_cookie cookie;

        if (mh_cookie_parse(version, hmac && *hmac ? hmac : NULL, rest, size,
                            keyed ? &key : NULL, keyed ? 3600 : 0, 1795428060, &cookie,
                            &err) == 0) {
            struct mh_lease_token token;

            /* What the later stages read from it. */
            mh_lease_token_read(cookie.content, &token, &err);
            mh_ports_validate(json_object_get(cookie.content, "ports"), &err);
            mh_cookie_free(&cookie);
        }
    }
    free(version);
    free(hmac);
    return 0;
}

/* The text up to the next newline, as a new string (NULL at the end). */
static char *
field(const char **data, size_t *size)
{
    const char *end = memchr(*data, '\n', *size);
    size_t length;
    char *text;

    if (!end)
        return NULL;
    length = (size_t)(end - *data);
    text = strndup(*data, length);
    *data += length + 1;
    *size -= length + 1;
    return text;
}
