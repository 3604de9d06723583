/* mh_libcurl.c - the libcurl function table, filled by dlopen on first use. */
#include "mh_libcurl.h"
#include "mh_dl.h"
#include "mh_error.h"

#include <stddef.h>

struct mh_libcurl_table mh_libcurl;

static void *library;

int
mh_libcurl_load(struct mh_error *err)
{
    static const struct mh_dl_symbol symbols[] = {
#define MH_LIBCURL_SYMBOL(name) { #name, (void **)&mh_libcurl.name },
        MH_LIBCURL_FUNCTIONS(MH_LIBCURL_SYMBOL)
#undef MH_LIBCURL_SYMBOL
        { NULL, NULL },
    };
    /* Debian ships both; either speaks HTTP and TLS with client certs. */
    static const char *const sonames[] = { "libcurl.so.4", "libcurl-gnutls.so.4" };
    struct mh_error first = { { 0 } };

    if (library)
        return 0;
    for (size_t i = 0; i < sizeof(sonames) / sizeof(sonames[0]); i++) {
        if (mh_dl_load(sonames[i], &library, symbols, i == 0 ? &first : NULL) == 0)
            break;
    }
    if (!library) {
        mh_error_set(err, "%s (the etcd lease backend needs libcurl)", first.message);
        return -1;
    }
    /* No SSL or Win32 init flags needed beyond the default; libcurl >= 7.84
     * makes this thread-safe and idempotent anyway. */
    if (mh_libcurl.curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        mh_error_set(err, "libcurl: global initialization failed");
        return -1;
    }
    return 0;
}
