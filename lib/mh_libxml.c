/* mh_libxml.c - the libxml2 function table, filled by dlopen on first use. */
#include "mh_libxml.h"
#include "mh_dl.h"

#include <stddef.h>

struct mh_libxml_table mh_libxml;

static void *library;

static void ignore_error(void *context, const char *message, ...);
static void ignore_structured_error(void *context, xmlErrorPtr error);

int
mh_libxml_load(struct mh_error *err)
{
    static const struct mh_dl_symbol symbols[] = {
#define MH_LIBXML_SYMBOL(name) { #name, (void **)&mh_libxml.name },
        MH_LIBXML_FUNCTIONS(MH_LIBXML_SYMBOL)
#undef MH_LIBXML_SYMBOL
        { "xmlFree", (void **)&mh_libxml.xmlFree },
        { NULL, NULL },
    };

    if (library)
        return 0;
    if (mh_dl_load("libxml2.so.2", &library, symbols, err) < 0)
        return -1;
    mh_libxml.xmlInitParser();
    /* Parse errors are read from the parser context; nothing of a document,
     * which may hold passwords, ever reaches stderr through libxml2. */
    mh_libxml.xmlSetGenericErrorFunc(NULL, ignore_error);
    mh_libxml.xmlSetStructuredErrorFunc(NULL, ignore_structured_error);
    return 0;
}

void
mh_libxml_free(void *memory)
{
    if (memory)
        (*mh_libxml.xmlFree)(memory);
}

static void
ignore_error(void *context, const char *message, ...)
{
    (void)context;
    (void)message;
}

static void
ignore_structured_error(void *context, xmlErrorPtr error)
{
    (void)context;
    (void)error;
}
