/* mh_cookie.c - find, verify, decode and build the migrate-hooks cookie. */
#include "mh_cookie.h"
#include "mh_base64.h"
#include "mh_conf.h"
#include "mh_error.h"
#include "mh_facts.h"
#include "mh_file.h"
#include "mh_hook.h"
#include "mh_json.h"
#include "mh_libcrypto.h"
#include "mh_string.h"
#include "mh_time.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#define SHA256_BYTES 32
#define SHA256_BLOCK_BYTES 64

static int verify_hmac(const struct mh_cookie_key *key, const char *hmac, const char *text,
                       size_t length, struct mh_error *err);
static int check_content(json_t *content, struct mh_cookie *cookie, struct mh_error *err);
static bool is_migration_id(const char *text);
static bool only_text_children(const xmlNode *element);
static char *escape_text(const char *text);
static int apply_policy(struct mh_hook *hook, const char *problem, bool missing, bool keyed,
                        struct mh_error *err);

int
mh_cookie_key_load(const char *path, struct mh_cookie_key *key, struct mh_error *err)
{
    char *data = NULL;
    size_t length = 0;
    struct stat st;
    int fd;
    int ret = -1;

    memset(key, 0, sizeof(*key));
    fd = mh_file_open_trusted(path, err);
    if (fd < 0)
        return -1;
    if (fstat(fd, &st) < 0) {
        mh_error_set_errno(err, errno, "%s", path);
        goto cleanup;
    }
    /* A key others can read is a key others can forge cookies with. */
    if (st.st_mode & (S_IRWXG | S_IRWXO)) {
        mh_error_set(err, "%s: mode %04o lets group or others read the key; chmod 0600 it", path,
                     (unsigned)(st.st_mode & 07777));
        goto cleanup;
    }
    if (mh_file_read_fd(fd, MH_COOKIE_KEY_MAX_BYTES + 2, &data, &length, err) < 0) {
        mh_error_prefix(err, "%s", path);
        goto cleanup;
    }
    while (length && (data[length - 1] == '\n' || data[length - 1] == '\r'))
        length--;
    if (length < MH_COOKIE_KEY_MIN_BYTES || length > MH_COOKIE_KEY_MAX_BYTES) {
        mh_error_set(err, "%s: a key must be %d to %d bytes (e.g. openssl rand -hex 32)", path,
                     MH_COOKIE_KEY_MIN_BYTES, MH_COOKIE_KEY_MAX_BYTES);
        goto cleanup;
    }
    memcpy(key->bytes, data, length);
    key->length = length;
    ret = 0;

cleanup:
    if (data) {
        explicit_bzero(data, length);
        free(data);
    }
    close(fd);
    return ret;
}

void
mh_cookie_key_clear(struct mh_cookie_key *key)
{
    explicit_bzero(key, sizeof(*key));
}

int
mh_cookie_find(xmlDoc *doc, xmlNode **element, struct mh_error *err)
{
    xmlNode *metadata = mh_xml_child(mh_libxml.xmlDocGetRootElement(doc), "metadata");
    int found = 0;

    *element = NULL;
    for (xmlNode *node = metadata ? metadata->children : NULL; node; node = node->next) {
        if (node->type != XML_ELEMENT_NODE || !node->ns || !node->ns->href ||
            strcmp((const char *)node->ns->href, MH_COOKIE_NAMESPACE) != 0 ||
            strcmp((const char *)node->name, MH_COOKIE_ELEMENT) != 0)
            continue;
        if (found++) {
            mh_error_set(err, "the domain XML has more than one cookie element");
            return -1;
        }
        *element = node;
    }
    return found;
}

int
mh_cookie_parse_element(xmlNode *element, const struct mh_cookie_key *key, long max_age,
                        time_t now, struct mh_cookie *cookie, struct mh_error *err)
{
    char *version = mh_xml_attribute(element, "version");
    char *hmac = mh_xml_attribute(element, "hmac");
    char *text = NULL;
    int ret = -1;

    memset(cookie, 0, sizeof(*cookie));
    if (!only_text_children(element)) {
        mh_error_set(err, "the cookie element must hold only text (JSON), no elements");
        goto cleanup;
    }
    text = mh_xml_text(element);
    if (!text) {
        mh_error_set(err, "out of memory reading the cookie");
        goto cleanup;
    }
    ret = mh_cookie_parse(version, hmac, text, strlen(text), key, max_age, now, cookie, err);

cleanup:
    free(version);
    free(hmac);
    free(text);
    return ret;
}

int
mh_cookie_find_summary(const struct mh_xml_summary *summary, struct mh_error *err)
{
    if (summary->cookie_count > 1) {
        mh_error_set(err, "the domain XML has more than one cookie element");
        return -1;
    }
    return summary->cookie_count;
}

int
mh_cookie_parse_summary(const struct mh_xml_summary *summary, const struct mh_cookie_key *key,
                        long max_age, time_t now, struct mh_cookie *cookie,
                        struct mh_error *err)
{
    memset(cookie, 0, sizeof(*cookie));
    if (!summary->cookie_only_text) {
        mh_error_set(err, "the cookie element must hold only text (JSON), no elements");
        return -1;
    }
    return mh_cookie_parse(summary->cookie_version, summary->cookie_hmac, summary->cookie_text,
                           strlen(summary->cookie_text), key, max_age, now, cookie, err);
}

int
mh_cookie_parse(const char *version, const char *hmac, const char *text, size_t length,
                const struct mh_cookie_key *key, long max_age, time_t now,
                struct mh_cookie *cookie, struct mh_error *err)
{
    json_t *content = NULL;

    memset(cookie, 0, sizeof(*cookie));
    if (!version) {
        mh_error_set(err, "the cookie has no version attribute");
        return -1;
    }
    if (strcmp(version, MH_COOKIE_VERSION) != 0) {
        mh_error_set(err, "unsupported cookie version \"%.16s\" (this host reads version %s)",
                     version, MH_COOKIE_VERSION);
        return -1;
    }
    if (length > MH_COOKIE_MAX_BYTES) {
        mh_error_set(err, "the cookie is larger than %d KiB", MH_COOKIE_MAX_BYTES / 1024);
        return -1;
    }
    cookie->has_hmac = hmac != NULL;
    /* Authenticate before parsing: content from a forger is never read. */
    if (key) {
        if (!hmac) {
            mh_error_set(err, "the cookie is not signed, and this host accepts only signed "
                         "cookies (cookie.key_file is set)");
            return -1;
        }
        if (verify_hmac(key, hmac, text, length, err) < 0)
            return -1;
        cookie->authenticated = true;
    }
    content = mh_json_parse(text, length, MH_COOKIE_MAX_DEPTH, "cookie", err);
    if (!content)
        return -1;
    if (check_content(content, cookie, err) < 0)
        goto failed;
    if (max_age > 0) {
        double age = difftime(now, cookie->stamped_at);

        if (age > (double)max_age) {
            mh_error_set(err, "the cookie was stamped %.0f s ago (%s), more than cookie.max_age "
                         "(%ld s); stamp it again", age, cookie->stamped, max_age);
            goto failed;
        }
        if (age < -(double)MH_COOKIE_MAX_SKEW_SECONDS) {
            mh_error_set(err, "the cookie is stamped %.0f s in the future (%s); check the clocks "
                         "of both hosts", -age, cookie->stamped);
            goto failed;
        }
    }
    cookie->content = content;
    return 0;

failed:
    json_decref(content);
    memset(cookie, 0, sizeof(*cookie));
    return -1;
}

void
mh_cookie_free(struct mh_cookie *cookie)
{
    json_decref(cookie->content);
    memset(cookie, 0, sizeof(*cookie));
}

json_t *
mh_cookie_content_new(const char *migration_id, time_t now)
{
    char stamped[32];

    mh_time_format(now, stamped);
    return json_pack("{ss ss}", "migration_id", migration_id, "stamped", stamped);
}

int
mh_cookie_new_migration_id(char out[64], struct mh_error *err)
{
    unsigned char bytes[16];

    if (getrandom(bytes, sizeof(bytes), 0) != (ssize_t)sizeof(bytes)) {
        mh_error_set_errno(err, errno, "getrandom");
        return -1;
    }
    bytes[6] = (unsigned char)((bytes[6] & 0x0f) | 0x40);   /* version 4 */
    bytes[8] = (unsigned char)((bytes[8] & 0x3f) | 0x80);   /* RFC 4122 variant */
    snprintf(out, 64, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
             bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]);
    return 0;
}

char *
mh_cookie_build(const json_t *content, const struct mh_cookie_key *key, bool with_namespace,
                struct mh_error *err)
{
    const char *prefix = with_namespace ? MH_COOKIE_PREFIX ":" : "";
    char hmac[MH_COOKIE_HMAC_SIZE] = "";
    char *text = mh_json_line(content);
    char *escaped = NULL;
    char *out = NULL;
    size_t size;

    if (!text) {
        mh_error_set(err, "out of memory");
        return NULL;
    }
    if (strlen(text) > MH_COOKIE_MAX_BYTES) {
        mh_error_set(err, "the cookie would be larger than %d KiB", MH_COOKIE_MAX_BYTES / 1024);
        goto cleanup;
    }
    if (key && mh_cookie_hmac(key, text, strlen(text), hmac, err) < 0)
        goto cleanup;
    escaped = escape_text(text);
    size = strlen(escaped ? escaped : "") + 512;
    out = escaped ? malloc(size) : NULL;
    if (!out) {
        mh_error_set(err, "out of memory");
        goto cleanup;
    }
    snprintf(out, size, "<%s%s%s version=\"%s\"%s%s%s>%s</%s%s>", prefix, MH_COOKIE_ELEMENT,
             with_namespace ? " xmlns:" MH_COOKIE_PREFIX "=\"" MH_COOKIE_NAMESPACE "\"" : "",
             MH_COOKIE_VERSION, key ? " hmac=\"" : "", hmac, key ? "\"" : "", escaped, prefix,
             MH_COOKIE_ELEMENT);

cleanup:
    free(escaped);
    free(text);
    return out;
}

int
mh_cookie_hmac(const struct mh_cookie_key *key, const char *text, size_t length,
               char out[MH_COOKIE_HMAC_SIZE], struct mh_error *err)
{
    unsigned char block[SHA256_BLOCK_BYTES], pad[SHA256_BLOCK_BYTES];
    unsigned char inner[SHA256_BYTES], digest[SHA256_BYTES];
    SHA256_CTX context;

    if (mh_libcrypto_load(err) < 0)
        return -1;
    /* HMAC-SHA256 as RFC 2104 has it: a key longer than a block is hashed
     * first, shorter ones are padded with zeros. */
    memset(block, 0, sizeof(block));
    if (key->length > sizeof(block)) {
        mh_libcrypto.SHA256_Init(&context);
        mh_libcrypto.SHA256_Update(&context, key->bytes, key->length);
        mh_libcrypto.SHA256_Final(block, &context);
    } else {
        memcpy(block, key->bytes, key->length);
    }
    for (size_t i = 0; i < sizeof(block); i++)
        pad[i] = block[i] ^ 0x36;
    mh_libcrypto.SHA256_Init(&context);
    mh_libcrypto.SHA256_Update(&context, pad, sizeof(pad));
    /* The version is part of what is signed: a cookie cannot be replayed
     * as another version's. */
    mh_libcrypto.SHA256_Update(&context, MH_COOKIE_VERSION "\n", 2);
    mh_libcrypto.SHA256_Update(&context, text, length);
    mh_libcrypto.SHA256_Final(inner, &context);
    for (size_t i = 0; i < sizeof(block); i++)
        pad[i] = block[i] ^ 0x5c;
    mh_libcrypto.SHA256_Init(&context);
    mh_libcrypto.SHA256_Update(&context, pad, sizeof(pad));
    mh_libcrypto.SHA256_Update(&context, inner, sizeof(inner));
    mh_libcrypto.SHA256_Final(digest, &context);
    explicit_bzero(block, sizeof(block));
    explicit_bzero(pad, sizeof(pad));
    explicit_bzero(&context, sizeof(context));
    mh_libcrypto.EVP_EncodeBlock((unsigned char *)out, digest, SHA256_BYTES);
    return 0;
}

int
mh_cookie_load(struct mh_hook *hook, struct mh_error *err)
{
    const struct mh_conf_cookie *conf = &hook->conf.cookie;
    struct mh_cookie_key *key = NULL;
    struct mh_cookie cookie;
    struct mh_error why = { { 0 } };
    xmlNode *element = NULL;
    xmlDoc *doc = mh_hook_document(hook, err);
    bool keyed = conf->key_file && *conf->key_file;
    int found;
    int ret = -1;

    if (!doc)
        return -1;
    found = mh_cookie_find(doc, &element, &why);
    if (found == 0)
        return apply_policy(hook, "the domain XML carries no migrate-hooks cookie", true, false,
                            err);
    if (found < 0)
        return apply_policy(hook, why.message, false, keyed, err);
    if (keyed) {
        key = malloc(sizeof(*key));
        if (!key) {
            mh_error_set(err, "out of memory");
            return -1;
        }
        if (mh_cookie_key_load(conf->key_file, key, err) < 0) {
            mh_error_prefix(err, "cookie.key_file");
            goto cleanup;
        }
    }
    if (mh_cookie_parse_element(element, key, conf->max_age, time(NULL), &cookie, &why) < 0) {
        ret = apply_policy(hook, why.message, false, keyed, err);
        goto cleanup;
    }
    /* No host migrates a guest to itself: a cookie naming this host was
     * stamped here before the guest left and came back with it, unstamped
     * by the host it comes from. Its port data, lease token and facts are
     * from then; using them would re-apply stale port data. */
    if (hook->conf.host_id && strcmp(cookie.source_host, hook->conf.host_id) == 0) {
        mh_error_set(&why, "the cookie names this host (%s) as its source: it was stamped "
                     "here before the guest left and came back with it; stamp it on the "
                     "source (mh-stamp) before migrating", cookie.source_host);
        mh_cookie_free(&cookie);
        ret = apply_policy(hook, why.message, false, keyed, err);
        goto cleanup;
    }
    hook->cookie = cookie.content;
    mh_string_copy(hook->migration_id, sizeof(hook->migration_id), cookie.migration_id);
    mh_string_copy(hook->source_host, sizeof(hook->source_host), cookie.source_host);
    mh_hook_note(hook, "cookie",
                 json_pack("{ss ss sb}", "state", "valid", "source_host", cookie.source_host,
                           "authenticated", cookie.authenticated));
    ret = 0;

cleanup:
    if (key) {
        mh_cookie_key_clear(key);
        free(key);
    }
    return ret;
}

int
mh_cookie_read(struct mh_hook *hook, struct mh_error *err)
{
    struct mh_cookie cookie;
    struct mh_error ignored = { { 0 } };
    xmlNode *element = NULL;
    int found;

    if (hook->cookie)
        return 0;
    /* The document when a stage parsed it, else only the identity: the
     * lease stage never loads libxml2. */
    if (mh_hook_identity(hook, err) < 0)
        return -1;
    if (hook->document) {
        found = mh_cookie_find(hook->document, &element, &ignored);
        if (found != 1 ||
            mh_cookie_parse_element(element, NULL, 0, time(NULL), &cookie, &ignored) < 0)
            return 0;
    } else {
        found = mh_cookie_find_summary(hook->identity, &ignored);
        if (found != 1 ||
            mh_cookie_parse_summary(hook->identity, NULL, 0, time(NULL), &cookie, &ignored) < 0)
            return 0;
    }
    hook->cookie = cookie.content;
    mh_string_copy(hook->migration_id, sizeof(hook->migration_id), cookie.migration_id);
    mh_string_copy(hook->source_host, sizeof(hook->source_host), cookie.source_host);
    return 0;
}

static int
apply_policy(struct mh_hook *hook, const char *problem, bool missing, bool keyed,
             struct mh_error *err)
{
    int policy = hook->conf.cookie.policy;

    /* A cookie we cannot authenticate is refused when a key says we
     * authenticate: otherwise anyone could make one up. */
    if ((keyed && !missing) || policy == MH_COOKIE_REFUSE) {
        hook->outcome = MH_OUTCOME_REFUSED;
        mh_error_set(err, "cookie: %s%s", problem,
                     missing ? " (cookie.policy is refuse; stamp it with mh-stamp)" : "");
        return -1;
    }
    if (policy == MH_COOKIE_WARN) {
        mh_hook_warn(hook, "cookie", problem);
        return 0;
    }
    mh_hook_note(hook, "cookie", json_pack("{ss ss}", "state", missing ? "none" : "ignored",
                                           "reason", problem));
    return 0;
}

static int
verify_hmac(const struct mh_cookie_key *key, const char *hmac, const char *text, size_t length,
            struct mh_error *err)
{
    char expected[MH_COOKIE_HMAC_SIZE];
    struct mh_error why = { { 0 } };
    char *given = NULL;
    char *wanted = NULL;
    size_t given_length = 0;
    size_t wanted_length = 0;
    int ret = -1;

    if (mh_base64_decode(hmac, strlen(hmac), SHA256_BYTES, &given, &given_length, &why) < 0 ||
        given_length != SHA256_BYTES) {
        mh_error_set(err, "the cookie's hmac is not base64 of a SHA-256 digest");
        goto cleanup;
    }
    if (mh_cookie_hmac(key, text, length, expected, err) < 0 ||
        mh_base64_decode(expected, strlen(expected), SHA256_BYTES, &wanted, &wanted_length,
                         err) < 0)
        goto cleanup;
    /* Compare digests, not their text, in constant time. */
    if (mh_libcrypto.CRYPTO_memcmp(given, wanted, SHA256_BYTES) != 0) {
        mh_error_set(err, "the cookie's HMAC does not match: forged, altered, or signed with "
                     "another key");
        goto cleanup;
    }
    ret = 0;

cleanup:
    free(given);
    free(wanted);
    return ret;
}

static int
check_content(json_t *content, struct mh_cookie *cookie, struct mh_error *err)
{
    static const char *const object_sections[] = { "lease", "ports" };
    struct mh_facts source;
    json_t *value;

    if (!json_is_object(content)) {
        mh_error_set(err, "the cookie must be a JSON object");
        return -1;
    }
    value = json_object_get(content, "migration_id");
    if (!json_is_string(value) || !is_migration_id(json_string_value(value))) {
        mh_error_set(err, "cookie key \"migration_id\" must be a string of 1 to 63 letters, "
                     "digits and '-'");
        return -1;
    }
    mh_string_copy(cookie->migration_id, sizeof(cookie->migration_id), json_string_value(value));
    value = json_object_get(content, "stamped");
    if (!json_is_string(value) || mh_time_parse_stored(json_string_value(value), &cookie->stamped_at) < 0) {
        mh_error_set(err, "cookie key \"stamped\" must be an RFC 3339 UTC time such as "
                     "2026-11-23T10:00:00.000Z");
        return -1;
    }
    mh_string_copy(cookie->stamped, sizeof(cookie->stamped), json_string_value(value));
    value = json_object_get(content, "source");
    if (!value) {
        mh_error_set(err, "cookie key \"source\" is missing");
        return -1;
    }
    mh_facts_init(&source, MH_FACTS_COOKIE);
    if (mh_facts_from_json(value, "source", true, &source, err) < 0) {
        mh_facts_free(&source);
        mh_error_prefix(err, "cookie key");
        return -1;
    }
    mh_string_copy(cookie->source_host, sizeof(cookie->source_host), source.host_id);
    mh_facts_free(&source);
    /* Their owners (leases, ports) read what is inside. */
    for (size_t i = 0; i < sizeof(object_sections) / sizeof(object_sections[0]); i++) {
        value = json_object_get(content, object_sections[i]);
        if (value && !json_is_object(value)) {
            mh_error_set(err, "cookie key \"%s\" must be an object", object_sections[i]);
            return -1;
        }
    }
    return 0;
}


static bool
is_migration_id(const char *text)
{
    size_t length = strlen(text);

    return length >= 1 && length <= 63 &&
           text[strspn(text, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")] ==
               '\0';
}

static bool
only_text_children(const xmlNode *element)
{
    for (const xmlNode *node = element->children; node; node = node->next) {
        if (node->type != XML_TEXT_NODE && node->type != XML_CDATA_SECTION_NODE)
            return false;
    }
    return true;
}

/* text with &, < and > escaped, as a new string. */
static char *
escape_text(const char *text)
{
    char *out = malloc(strlen(text) * 5 + 1);
    size_t used = 0;

    if (!out)
        return NULL;
    for (const char *c = text; *c; c++) {
        const char *entity = *c == '&' ? "&amp;" : *c == '<' ? "&lt;" : *c == '>' ? "&gt;" : NULL;

        if (entity) {
            memcpy(out + used, entity, strlen(entity));
            used += strlen(entity);
        } else {
            out[used++] = *c;
        }
    }
    out[used] = '\0';
    return out;
}
