/* mh_etcd.c - etcd v3 JSON gateway client: transport, requests, replies. */
#include "mh_etcd.h"
#include "mh_base64.h"
#include "mh_deadline.h"
#include "mh_error.h"
#include "mh_json.h"
#include "mh_lease_conf.h"
#include "mh_libcurl.h"
#include "mh_string.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Time kept back from the hook's deadline so that a request that runs out
 * still leaves room to report it. */
#define DEADLINE_MARGIN_MS 100
/* Keys are ours and short. */
#define MAX_KEY 1024

struct buffer {
    char *data;
    size_t length;
    size_t cap;
    bool overflow;
};

static long request_timeout_ms(const struct mh_etcd *etcd);
static int post(struct mh_etcd *etcd, const char *url, const char *body, size_t reply_cap,
                struct buffer *reply, long *status, struct mh_error *err);
static int post_curl(struct mh_etcd *etcd, const char *url, const char *body,
                     size_t reply_cap, struct buffer *reply, long *status,
                     struct mh_error *err);
static size_t collect(char *data, size_t size, size_t count, void *user);
static json_t *base64_string(const char *data, size_t length, struct mh_error *err);
static json_t *int64_string(long long value);
static int decode(json_t *value, size_t cap, char **out, size_t *length, struct mh_error *err);

int
mh_etcd_open(struct mh_etcd *etcd, const struct mh_lease_etcd_conf *conf, struct mh_error *err)
{
    (void)err;
    memset(etcd, 0, sizeof(*etcd));
    etcd->conf = conf;
    mh_http_init(&etcd->http);
    return 0;
}

void
mh_etcd_close(struct mh_etcd *etcd)
{
    mh_http_close(&etcd->http);
    if (etcd->curl)
        mh_libcurl.curl_easy_cleanup(etcd->curl);
    etcd->curl = NULL;
}

int
mh_etcd_call(struct mh_etcd *etcd, const char *path, json_t *request, size_t reply_cap,
             json_t **reply, struct mh_error *err)
{
    json_t *endpoints = etcd->conf->endpoints;
    size_t count = endpoints ? json_array_size(endpoints) : 0;
    struct mh_error last = { { 0 } };
    char *body = mh_json_line(request);
    int ret = -1;

    *reply = NULL;
    if (!body) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    if (count == 0)
        count = 1;
    for (size_t i = 0; i < count; i++) {
        size_t index = (etcd->preferred + i) % count;
        const char *endpoint = endpoints ? json_string_value(json_array_get(endpoints, index))
                                         : MH_LEASE_DEFAULT_ENDPOINT;
        struct buffer answer = { NULL, 0, reply_cap, false };
        char url[1024];
        long status = 0;

        snprintf(url, sizeof(url), "%s%s%s", endpoint,
                 endpoint[strlen(endpoint) - 1] == '/' ? "" : "/",
                 path[0] == '/' ? path + 1 : path);
        if (post(etcd, url, body, reply_cap, &answer, &status, &last) < 0) {
            free(answer.data);
            /* The next endpoint may answer; a deadline that has run out
             * will not come back. */
            if (request_timeout_ms(etcd) <= 0)
                break;
            continue;
        }
        etcd->preferred = index;
        *reply = mh_etcd_parse_reply(answer.data, answer.length, status, err);
        free(answer.data);
        if (*reply)
            ret = 0;
        else
            mh_error_prefix(err, "etcd %s", url);
        goto cleanup;
    }
    mh_error_set(err, "etcd: no endpoint answered (%zu tried); last: %s", count, last.message);

cleanup:
    free(body);
    return ret;
}

json_t *
mh_etcd_parse_reply(const char *body, size_t length, long status, struct mh_error *err)
{
    struct mh_error parse = { { 0 } };
    json_t *reply = length ? mh_json_parse(body, length, MH_ETCD_MAX_DEPTH, "reply", &parse)
                           : NULL;

    if (status != 200) {
        const char *message = reply ? json_string_value(json_object_get(reply, "message"))
                                    : NULL;
        char quoted[256];

        if (!message && reply)
            message = json_string_value(json_object_get(reply, "error"));
        mh_string_copy_text(quoted, sizeof(quoted), message ? message : "no error message");
        mh_error_set(err, "HTTP status %ld: %s", status, quoted);
        if (reply)
            json_decref(reply);
        return NULL;
    }
    if (!reply) {
        mh_error_set(err, "not a JSON reply: %s", length ? parse.message : "empty");
        return NULL;
    }
    if (!json_is_object(reply)) {
        mh_error_set(err, "the reply is not a JSON object");
        json_decref(reply);
        return NULL;
    }
    return reply;
}

json_t *
mh_etcd_request_range(const char *key, bool prefix, long limit, struct mh_error *err)
{
    json_t *range = json_object();
    json_t *encoded = base64_string(key, strlen(key), err);

    if (!range || !encoded)
        goto failed;
    json_object_set_new(range, "key", encoded);
    encoded = NULL;
    if (prefix) {
        /* Every key that starts with key: [key, key with its last byte + 1). */
        char end[MAX_KEY];
        size_t length = strlen(key);

        if (length == 0 || length >= sizeof(end) || (unsigned char)key[length - 1] == 0xff) {
            mh_error_set(err, "etcd: cannot make a prefix range of '%s'", key);
            goto failed;
        }
        memcpy(end, key, length);
        end[length - 1]++;
        encoded = base64_string(end, length, err);
        if (!encoded)
            goto failed;
        json_object_set_new(range, "range_end", encoded);
    }
    if (limit > 0)
        json_object_set_new(range, "limit", int64_string(limit));
    return range;

failed:
    json_decref(range);
    json_decref(encoded);
    return NULL;
}

json_t *
mh_etcd_txn_range_op(json_t *range)
{
    if (!range)
        return NULL;
    return json_pack("{s:o}", "request_range", range);
}

json_t *
mh_etcd_request_put(const char *key, const char *value, size_t length, long long lease,
                    struct mh_error *err)
{
    json_t *encoded_key = base64_string(key, strlen(key), err);
    json_t *encoded_value = encoded_key ? base64_string(value, length, err) : NULL;
    json_t *put;

    if (!encoded_value) {
        json_decref(encoded_key);
        return NULL;
    }
    put = json_pack("{s:o, s:o}", "key", encoded_key, "value", encoded_value);
    if (put && lease)
        json_object_set_new(put, "lease", int64_string(lease));
    if (!put)
        mh_error_set(err, "out of memory");
    return put ? json_pack("{s:o}", "request_put", put) : NULL;
}

json_t *
mh_etcd_request_delete(const char *key, struct mh_error *err)
{
    json_t *encoded = base64_string(key, strlen(key), err);

    if (!encoded)
        return NULL;
    return json_pack("{s:{s:o}}", "request_delete_range", "key", encoded);
}

json_t *
mh_etcd_compare_mod_revision(const char *key, long long revision, struct mh_error *err)
{
    json_t *encoded = base64_string(key, strlen(key), err);

    /* A key that does not exist has mod_revision 0. */
    if (!encoded)
        return NULL;
    return json_pack("{s:o, s:s, s:s, s:o}", "key", encoded, "result", "EQUAL", "target", "MOD",
                     "mod_revision", int64_string(revision));
}

json_t *
mh_etcd_compare_value(const char *key, const char *value, size_t length, struct mh_error *err)
{
    json_t *encoded_key = base64_string(key, strlen(key), err);
    json_t *encoded_value = encoded_key ? base64_string(value, length, err) : NULL;

    /* A key that does not exist never compares equal on its value. */
    if (!encoded_value) {
        json_decref(encoded_key);
        return NULL;
    }
    return json_pack("{s:o, s:s, s:s, s:o}", "key", encoded_key, "result", "EQUAL", "target",
                     "VALUE", "value", encoded_value);
}

int
mh_etcd_txn(struct mh_etcd *etcd, json_t *compare, json_t *success, size_t reply_cap,
            bool *succeeded, json_t **responses, struct mh_error *err)
{
    return mh_etcd_txn_else(etcd, compare, success, NULL, reply_cap, succeeded, responses, err);
}

int
mh_etcd_txn_else(struct mh_etcd *etcd, json_t *compare, json_t *success, json_t *failure,
                 size_t reply_cap, bool *succeeded, json_t **responses, struct mh_error *err)
{
    json_t *request = json_pack("{s:o, s:o, s:o*}", "compare", compare, "success", success,
                                "failure", failure);
    json_t *reply = NULL;
    json_t *flag, *list;
    int ret = -1;

    *succeeded = false;
    *responses = NULL;
    if (!request) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    if (mh_etcd_call(etcd, "/v3/kv/txn", request, reply_cap, &reply, err) < 0)
        goto cleanup;
    /* proto3 JSON leaves out false and empty fields. */
    flag = json_object_get(reply, "succeeded");
    list = json_object_get(reply, "responses");
    if ((flag && !json_is_boolean(flag)) || (list && !json_is_array(list))) {
        mh_error_set(err, "etcd: malformed txn reply (succeeded/responses)");
        goto cleanup;
    }
    *succeeded = json_is_true(flag);
    *responses = list ? json_incref(list) : json_array();
    ret = 0;

cleanup:
    json_decref(request);
    if (reply)
        json_decref(reply);
    return ret;
}

json_t *
mh_etcd_txn_range(json_t *responses, size_t index, struct mh_error *err)
{
    json_t *range = json_object_get(json_array_get(responses, index), "response_range");

    if (!json_is_object(range)) {
        mh_error_set(err, "etcd: txn reply has no range result #%zu", index + 1);
        return NULL;
    }
    return range;
}

int
mh_etcd_range_parse(json_t *response, size_t value_cap, struct mh_etcd_range *range,
                    struct mh_error *err)
{
    json_t *kvs = json_object_get(response, "kvs");
    json_t *more = json_object_get(response, "more");
    size_t index;
    json_t *item;

    memset(range, 0, sizeof(*range));
    if (!json_is_object(response) || (kvs && !json_is_array(kvs)) ||
        (more && !json_is_boolean(more))) {
        mh_error_set(err, "etcd: malformed range result");
        return -1;
    }
    range->more = json_is_true(more);
    if (!kvs || json_array_size(kvs) == 0)
        return 0;
    range->kvs = calloc(json_array_size(kvs), sizeof(*range->kvs));
    if (!range->kvs) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    json_array_foreach(kvs, index, item) {
        struct mh_etcd_kv *kv = &range->kvs[index];

        range->count = index + 1;
        if (!json_is_object(item) ||
            mh_etcd_int64(json_object_get(item, "create_revision"), &kv->create_revision) < 0 ||
            mh_etcd_int64(json_object_get(item, "mod_revision"), &kv->mod_revision) < 0 ||
            mh_etcd_int64(json_object_get(item, "lease"), &kv->lease) < 0 ||
            kv->mod_revision <= 0) {
            mh_error_set(err, "etcd: malformed key-value #%zu in a range result", index + 1);
            goto failed;
        }
        if (decode(json_object_get(item, "key"), MAX_KEY, &kv->key, &kv->key_length, err) < 0 ||
            decode(json_object_get(item, "value"), value_cap, &kv->value, &kv->value_length,
                   err) < 0) {
            mh_error_prefix(err, "etcd: key-value #%zu in a range result", index + 1);
            goto failed;
        }
        if (kv->key_length == 0) {
            mh_error_set(err, "etcd: key-value #%zu in a range result has no key", index + 1);
            goto failed;
        }
    }
    return 0;

failed:
    mh_etcd_range_free(range);
    return -1;
}

void
mh_etcd_range_free(struct mh_etcd_range *range)
{
    for (size_t i = 0; i < range->count; i++) {
        free(range->kvs[i].key);
        free(range->kvs[i].value);
    }
    free(range->kvs);
    memset(range, 0, sizeof(*range));
}

int
mh_etcd_lease_grant(struct mh_etcd *etcd, long ttl_s, long long *id, struct mh_error *err)
{
    json_t *request = json_pack("{s:o}", "TTL", int64_string(ttl_s));
    json_t *reply = NULL;
    long long ttl = 0;
    int ret = -1;

    if (!request) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    if (mh_etcd_call(etcd, "/v3/lease/grant", request, 64 * 1024, &reply, err) < 0)
        goto cleanup;
    if (mh_etcd_int64(json_object_get(reply, "ID"), id) < 0 || *id <= 0 ||
        mh_etcd_int64(json_object_get(reply, "TTL"), &ttl) < 0 || ttl <= 0) {
        const char *error = json_string_value(json_object_get(reply, "error"));
        char quoted[256];

        mh_string_copy_text(quoted, sizeof(quoted), error ? error : "no lease ID or TTL in the reply");
        mh_error_set(err, "etcd: lease grant failed: %s", quoted);
        goto cleanup;
    }
    ret = 0;

cleanup:
    json_decref(request);
    if (reply)
        json_decref(reply);
    return ret;
}

int
mh_etcd_lease_keepalive(struct mh_etcd *etcd, long long id, long *ttl_s, struct mh_error *err)
{
    json_t *request = json_pack("{s:o}", "ID", int64_string(id));
    json_t *reply = NULL;
    json_t *result;
    long long ttl = 0;
    int ret = -1;

    *ttl_s = 0;
    if (!request) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    /* A streaming call in gRPC; the gateway answers one request with one
     * {"result": {...}} and ends. An expired lease comes back without TTL. */
    if (mh_etcd_call(etcd, "/v3/lease/keepalive", request, 64 * 1024, &reply, err) < 0)
        goto cleanup;
    result = json_object_get(reply, "result");
    if (!json_is_object(result) || mh_etcd_int64(json_object_get(result, "TTL"), &ttl) < 0 ||
        ttl > 1000000000LL) {
        mh_error_set(err, "etcd: malformed lease keepalive reply");
        goto cleanup;
    }
    *ttl_s = (long)ttl;
    ret = 0;

cleanup:
    json_decref(request);
    if (reply)
        json_decref(reply);
    return ret;
}

int
mh_etcd_lease_revoke(struct mh_etcd *etcd, long long id, struct mh_error *err)
{
    json_t *request = json_pack("{s:o}", "ID", int64_string(id));
    json_t *reply = NULL;
    int ret;

    if (!request) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    ret = mh_etcd_call(etcd, "/v3/lease/revoke", request, 64 * 1024, &reply, err);
    json_decref(request);
    if (reply)
        json_decref(reply);
    return ret;
}

int
mh_etcd_int64(json_t *value, long long *out)
{
    const char *text;
    char *end;

    *out = 0;
    if (!value)
        return 0;
    if (json_is_integer(value)) {
        if (json_integer_value(value) < 0)
            return -1;
        *out = (long long)json_integer_value(value);
        return 0;
    }
    text = json_string_value(value);
    if (!text || !*text || strlen(text) > 19 || strspn(text, "0123456789") != strlen(text))
        return -1;
    errno = 0;
    *out = strtoll(text, &end, 10);
    return errno == ERANGE ? -1 : 0;
}

/* The configured per-request timeout, cut down to what the hook's deadline
 * leaves. 0 or less: no time left. */
static long
request_timeout_ms(const struct mh_etcd *etcd)
{
    long remaining = mh_deadline_remaining_ms() - DEADLINE_MARGIN_MS;

    return remaining < etcd->conf->timeout_ms ? remaining : etcd->conf->timeout_ms;
}

static int
post(struct mh_etcd *etcd, const char *url, const char *body, size_t reply_cap,
     struct buffer *reply, long *status, struct mh_error *err)
{
    struct mh_http_reply answer;
    long timeout = request_timeout_ms(etcd);

    if (timeout <= 0) {
        mh_error_set(err, "%s: no time left before the hook's deadline", url);
        return -1;
    }
    if (!mh_string_has_prefix(url, "http://"))
        return post_curl(etcd, url, body, reply_cap, reply, status, err);
    if (mh_http_post(&etcd->http, url, "application/json", body, strlen(body), timeout,
                     reply_cap, &answer, err) < 0) {
        mh_error_prefix(err, "%s", url);
        return -1;
    }
    reply->data = answer.body;
    reply->length = answer.length;
    *status = answer.status;
    return 0;
}

static int
post_curl(struct mh_etcd *etcd, const char *url, const char *body, size_t reply_cap,
          struct buffer *reply, long *status, struct mh_error *err)
{
    const struct mh_lease_etcd_conf *conf = etcd->conf;
    char error_text[CURL_ERROR_SIZE] = "";
    struct curl_slist *headers = NULL, *more;
    long timeout = request_timeout_ms(etcd);
    CURL *curl;
    CURLcode code;

    reply->cap = reply_cap;
    if (!etcd->curl) {
        if (mh_libcurl_load(err) < 0)
            return -1;
        etcd->curl = mh_libcurl.curl_easy_init();
        if (!etcd->curl) {
            mh_error_set(err, "libcurl: cannot create a handle");
            return -1;
        }
    }
    curl = etcd->curl;
    more = mh_libcurl.curl_slist_append(headers, "Content-Type: application/json");
    if (more)
        headers = more;
    /* No "100 Continue" round trip. */
    more = mh_libcurl.curl_slist_append(headers, "Expect:");
    if (more)
        headers = more;
    mh_libcurl.curl_easy_setopt(curl, CURLOPT_URL, url);
    mh_libcurl.curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    mh_libcurl.curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    mh_libcurl.curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
    mh_libcurl.curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
    mh_libcurl.curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    mh_libcurl.curl_easy_setopt(curl, CURLOPT_WRITEDATA, reply);
    mh_libcurl.curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_text);
    mh_libcurl.curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, timeout);
    mh_libcurl.curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, timeout);
    /* The hook's deadline owns SIGALRM; name resolution must not use it. */
    mh_libcurl.curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    mh_libcurl.curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
    /* Helpers inherit the operator's environment: no proxy for etcd. */
    mh_libcurl.curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
    if (conf->ca_file) {
        mh_libcurl.curl_easy_setopt(curl, CURLOPT_CAINFO, conf->ca_file);
        /* That CA only, as etcdctl --cacert: libcurl would also trust the
         * system's CA directory (Debian builds it with /etc/ssl/certs). */
        mh_libcurl.curl_easy_setopt(curl, CURLOPT_CAPATH, NULL);
    }
    if (conf->cert_file) {
        mh_libcurl.curl_easy_setopt(curl, CURLOPT_SSLCERT, conf->cert_file);
        mh_libcurl.curl_easy_setopt(curl, CURLOPT_SSLKEY, conf->key_file);
    }
    code = mh_libcurl.curl_easy_perform(curl);
    mh_libcurl.curl_easy_setopt(curl, CURLOPT_HTTPHEADER, NULL);
    mh_libcurl.curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, NULL);
    mh_libcurl.curl_slist_free_all(headers);
    if (reply->overflow) {
        mh_error_set(err, "%s: reply larger than %zu bytes", url, reply_cap);
        return -1;
    }
    if (code != CURLE_OK) {
        /* etcd with --client-cert-auth ends a TLS session that came
         * without a client certificate by a bare "bad certificate" alert. */
        bool no_certificate = !conf->cert_file && mh_string_has_prefix(url, "https://") &&
                              (code == CURLE_RECV_ERROR || code == CURLE_SEND_ERROR ||
                               code == CURLE_SSL_CONNECT_ERROR);

        mh_error_set(err, "%s: %s%s", url,
                     error_text[0] ? error_text : mh_libcurl.curl_easy_strerror(code),
                     no_certificate ? " (no client certificate sent: if etcd requires one, set "
                                      "lease.etcd.cert_file and key_file)" : "");
        return -1;
    }
    mh_libcurl.curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, status);
    return 0;
}

static size_t
collect(char *data, size_t size, size_t count, void *user)
{
    struct buffer *buffer = user;
    size_t length = size * count;
    char *bigger;

    if (length > buffer->cap - buffer->length) {
        buffer->overflow = true;
        return 0;   /* makes libcurl stop with CURLE_WRITE_ERROR */
    }
    bigger = realloc(buffer->data, buffer->length + length + 1);
    if (!bigger)
        return 0;
    memcpy(bigger + buffer->length, data, length);
    buffer->data = bigger;
    buffer->length += length;
    buffer->data[buffer->length] = '\0';
    return length;
}

static json_t *
base64_string(const char *data, size_t length, struct mh_error *err)
{
    char *text = mh_base64_encode(data, length, err);
    json_t *string;

    if (!text)
        return NULL;
    string = json_string(text);
    free(text);
    if (!string)
        mh_error_set(err, "out of memory");
    return string;
}

static json_t *
int64_string(long long value)
{
    char text[32];

    snprintf(text, sizeof(text), "%lld", value);
    return json_string(text);
}

/* A base64 member; absent means empty (proto3 leaves out empty bytes). */
static int
decode(json_t *value, size_t cap, char **out, size_t *length, struct mh_error *err)
{
    if (!value)
        return mh_base64_decode("", 0, cap, out, length, err);
    if (!json_is_string(value)) {
        mh_error_set(err, "not a string");
        return -1;
    }
    return mh_base64_decode(json_string_value(value), json_string_length(value), cap, out,
                            length, err);
}
