/* mh_libexpat.c - the expat function table, filled by dlopen on first use. */
#include "mh_libexpat.h"
#include "mh_dl.h"

#include <stddef.h>

struct mh_libexpat_table mh_libexpat;

static void *library;

int
mh_libexpat_load(struct mh_error *err)
{
    static const struct mh_dl_symbol symbols[] = {
#define MH_LIBEXPAT_SYMBOL(name) { #name, (void **)&mh_libexpat.name },
        MH_LIBEXPAT_FUNCTIONS(MH_LIBEXPAT_SYMBOL)
#undef MH_LIBEXPAT_SYMBOL
        { NULL, NULL },
    };

    return mh_dl_load("libexpat.so.1", &library, symbols, err);
}
