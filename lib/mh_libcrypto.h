/* mh_libcrypto.h - the libcrypto (OpenSSL) functions migrate-hooks uses,
 * loaded on demand like mh_libxml.h: only a hook call that verifies a
 * cookie pays for loading libcrypto.
 *
 * Call them as mh_libcrypto.HMAC(...) after mh_libcrypto_load(). To use
 * another function, add it to the list. */
#ifndef MH_LIBCRYPTO_H
#define MH_LIBCRYPTO_H

/* HMAC() is deprecated in OpenSSL 3 in favour of EVP_MAC, but it exists in
 * 1.1 and 3 alike, which is what a dlopen'ed table needs. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

struct mh_error;

#define MH_LIBCRYPTO_FUNCTIONS(X) \
    X(EVP_sha256) \
    X(HMAC) \
    X(EVP_EncodeBlock) \
    X(EVP_DecodeBlock) \
    X(CRYPTO_memcmp)

struct mh_libcrypto_table {
#define MH_LIBCRYPTO_SLOT(name) __typeof__(name) *name;
    MH_LIBCRYPTO_FUNCTIONS(MH_LIBCRYPTO_SLOT)
#undef MH_LIBCRYPTO_SLOT
};

extern struct mh_libcrypto_table mh_libcrypto;

/* Load libcrypto (OpenSSL 3, else 1.1) and fill mh_libcrypto; cheap after
 * the first call. */
int mh_libcrypto_load(struct mh_error *err);

#endif
