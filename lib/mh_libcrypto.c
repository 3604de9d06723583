/* mh_libcrypto.c - the libcrypto function table, filled by dlopen on first use. */
#include "mh_libcrypto.h"
#include "mh_dl.h"
#include "mh_error.h"

#include <stddef.h>

struct mh_libcrypto_table mh_libcrypto;

static void *library;

int
mh_libcrypto_load(struct mh_error *err)
{
    static const char *const sonames[] = { "libcrypto.so.3", "libcrypto.so.1.1" };
    static const struct mh_dl_symbol symbols[] = {
#define MH_LIBCRYPTO_SYMBOL(name) { #name, (void **)&mh_libcrypto.name },
        MH_LIBCRYPTO_FUNCTIONS(MH_LIBCRYPTO_SYMBOL)
#undef MH_LIBCRYPTO_SYMBOL
        { NULL, NULL },
    };

    struct mh_error first = { { 0 } };

    if (library)
        return 0;
    for (size_t i = 0; i < sizeof(sonames) / sizeof(sonames[0]); i++) {
        if (mh_dl_load(sonames[i], &library, symbols, i ? NULL : &first) == 0)
            return 0;
    }
    /* The newest library's reason is the one worth reading. */
    mh_error_set(err, "%s", first.message);
    return -1;
}
