/* mh_libcrypto.h - the libcrypto (OpenSSL) functions migrate-hooks uses,
 * loaded on demand like mh_libxml.h: only a hook call that verifies a
 * cookie pays for loading libcrypto.
 *
 * Call them as mh_libcrypto.HMAC(...) after mh_libcrypto_load(). To use
 * another function, add it to the list. */
#ifndef MH_LIBCRYPTO_H
#define MH_LIBCRYPTO_H

/* The low-level SHA256_* functions are deprecated in OpenSSL 3 but exist in
 * 1.1 and 3 alike, and they skip OpenSSL 3's provider machinery, whose
 * first use (HMAC(), EVP_MAC) costs a hook call about 1.5 ms more. HMAC
 * (RFC 2104) is built on them in mh_cookie.c. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

struct mh_error;

#define MH_LIBCRYPTO_FUNCTIONS(X) \
    X(SHA256_Init) \
    X(SHA256_Update) \
    X(SHA256_Final) \
    X(EVP_EncodeBlock) \
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
