/* fuzz_http_reply.c - libFuzzer target: the bytes an http:// etcd endpoint
 * sends back, as mh_http reads them: every prefix as "more may come" and the
 * whole as "the connection closed", with an oracle: a reply complete at some
 * length stays the same reply with more bytes after it. */
#include "mh_error.h"
#include "mh_http.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct mh_error err = { { 0 } };
    struct mh_http_reply whole, part;
    size_t used_whole = 0, used_part = 0;
    int ret = mh_http_reply_parse(text, size, true, 4096, &whole, &used_whole, &err);

    if (ret == 1 && (used_whole > size || whole.length > 4096 || whole.body[whole.length]))
        abort();
    /* Read as it arrives, in two parts: complete at the first, the same. */
    if (size > 1 && mh_http_reply_parse(text, size / 2, false, 4096, &part, &used_part,
                                        &err) == 1) {
        struct mh_http_reply again;
        size_t used_again = 0;

        if (mh_http_reply_parse(text, size, false, 4096, &again, &used_again, &err) != 1 ||
            used_again != used_part || again.length != part.length ||
            memcmp(again.body, part.body, part.length) != 0)
            abort();
        mh_http_reply_free(&again);
        mh_http_reply_free(&part);
    }
    if (ret == 1)
        mh_http_reply_free(&whole);
    return 0;
}
