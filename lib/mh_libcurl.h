/* mh_libcurl.h - the libcurl functions migrate-hooks uses, loaded on demand.
 *
 * Call them as mh_libcurl.curl_easy_perform(...) after mh_libcurl_load().
 * Only the etcd lease backend needs HTTP, so the dispatcher does not link
 * libcurl (see mh_dl.h). To use another libcurl function, add it here. */
#ifndef MH_LIBCURL_H
#define MH_LIBCURL_H

/* curl.h otherwise turns curl_easy_setopt() into a type-checking macro,
 * which would also rewrite mh_libcurl.curl_easy_setopt(...). */
#define CURL_DISABLE_TYPECHECK 1
#include <curl/curl.h>

struct mh_error;

#define MH_LIBCURL_FUNCTIONS(X) \
    X(curl_global_init) \
    X(curl_easy_init) \
    X(curl_easy_setopt) \
    X(curl_easy_perform) \
    X(curl_easy_getinfo) \
    X(curl_easy_cleanup) \
    X(curl_easy_strerror) \
    X(curl_slist_append) \
    X(curl_slist_free_all)

struct mh_libcurl_table {
#define MH_LIBCURL_SLOT(name) __typeof__(name) *name;
    MH_LIBCURL_FUNCTIONS(MH_LIBCURL_SLOT)
#undef MH_LIBCURL_SLOT
};

extern struct mh_libcurl_table mh_libcurl;

/* Load libcurl (the OpenSSL flavour, else the GnuTLS one), initialize it
 * and fill mh_libcurl; cheap after the first call. */
int mh_libcurl_load(struct mh_error *err);

#endif
