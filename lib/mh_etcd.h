/* mh_etcd.h - a small etcd v3 client over its JSON gRPC gateway: POST of
 * JSON to /v3/kv/range, /v3/kv/txn, /v3/lease/grant|keepalive|revoke, keys
 * and values in base64, 64-bit numbers as strings. http:// endpoints are
 * spoken to by mh_http, https:// ones through libcurl, loaded on the first
 * of them (loading it costs a hook more than the requests do); every
 * request bounded in time (configured timeout and the hook's deadline) and
 * in reply size; replies are parsed as hostile. */
#ifndef MH_ETCD_H
#define MH_ETCD_H

#include "mh_http.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct mh_error;
struct mh_lease_etcd_conf;

/* Replies nest: txn -> responses[] -> response_range -> kvs[] -> kv. */
#define MH_ETCD_MAX_DEPTH 8
#define MH_ETCD_MAX_REPLY (1024 * 1024)

struct mh_etcd {
    const struct mh_lease_etcd_conf *conf;  /* borrowed */
    struct mh_http http;                    /* http:// endpoints; keeps the connection */
    void *curl;                             /* CURL * for https://, made on first use */
    size_t preferred;                       /* endpoint that answered last */
};

struct mh_etcd_kv {
    char *key;                  /* decoded, NUL-terminated */
    size_t key_length;
    char *value;                /* decoded, NUL-terminated (may hold NULs) */
    size_t value_length;
    long long create_revision;
    long long mod_revision;
    long long lease;            /* 0: not attached to a lease */
};

struct mh_etcd_range {
    struct mh_etcd_kv *kvs;
    size_t count;
    bool more;                  /* etcd had more than the limit */
};

/* Set up a client for conf's endpoints (nothing is connected yet). */
int mh_etcd_open(struct mh_etcd *etcd, const struct mh_lease_etcd_conf *conf,
                 struct mh_error *err);

void mh_etcd_close(struct mh_etcd *etcd);

/* POST request to path ("/v3/kv/range") on the first endpoint that
 * answers, starting with the one that answered last; a transport failure
 * moves on to the next. On success *reply is the parsed body (new
 * reference). Replies larger than reply_cap are an error. */
int mh_etcd_call(struct mh_etcd *etcd, const char *path, json_t *request, size_t reply_cap,
                 json_t **reply, struct mh_error *err);

/* Check an HTTP reply: status 200 and a JSON object, or an error that
 * quotes etcd's own message. New reference, or NULL with err filled. */
json_t *mh_etcd_parse_reply(const char *body, size_t length, long status,
                            struct mh_error *err);

/* Operations for a txn's "success"/"failure" lists and its "compare" list.
 * New references, or NULL with err filled. A prefix range covers every key
 * that starts with key. lease 0: none. */
json_t *mh_etcd_request_range(const char *key, bool prefix, long limit, struct mh_error *err);
/* A range request as an operation of a txn: {"request_range": range}
 * (stolen; NULL passes through as NULL). */
json_t *mh_etcd_txn_range_op(json_t *range);
json_t *mh_etcd_request_put(const char *key, const char *value, size_t length, long long lease,
                            struct mh_error *err);
json_t *mh_etcd_request_delete(const char *key, struct mh_error *err);
json_t *mh_etcd_compare_mod_revision(const char *key, long long revision,
                                     struct mh_error *err);
/* key holds exactly value (length bytes); false when key does not exist. */
json_t *mh_etcd_compare_value(const char *key, const char *value, size_t length,
                              struct mh_error *err);

/* Run a transaction; compare and success are arrays and are consumed (the
 * references are stolen). *succeeded says whether the compares held;
 * *responses is the "responses" array (new reference, [] when none). */
int mh_etcd_txn(struct mh_etcd *etcd, json_t *compare, json_t *success, size_t reply_cap,
                bool *succeeded, json_t **responses, struct mh_error *err);

/* The same with failure, the operations run when a compare fails (stolen
 * too; NULL: none): *responses are then theirs. */
int mh_etcd_txn_else(struct mh_etcd *etcd, json_t *compare, json_t *success, json_t *failure,
                     size_t reply_cap, bool *succeeded, json_t **responses,
                     struct mh_error *err);

/* Read a range result: a /v3/kv/range reply, or the "response_range"
 * member of one txn response. Values longer than value_cap are an error.
 * Free with mh_etcd_range_free. */
int mh_etcd_range_parse(json_t *response, size_t value_cap, struct mh_etcd_range *range,
                        struct mh_error *err);

/* The response_range of the index-th txn response. */
json_t *mh_etcd_txn_range(json_t *responses, size_t index, struct mh_error *err);

void mh_etcd_range_free(struct mh_etcd_range *range);

int mh_etcd_lease_grant(struct mh_etcd *etcd, long ttl_s, long long *id, struct mh_error *err);

/* Refresh lease id; *ttl_s is what is left of it afterwards, 0 when it
 * has already expired (and cannot be brought back). */
int mh_etcd_lease_keepalive(struct mh_etcd *etcd, long long id, long *ttl_s,
                            struct mh_error *err);

int mh_etcd_lease_revoke(struct mh_etcd *etcd, long long id, struct mh_error *err);

/* An int64 the way the gateway writes it: a string of digits, or a plain
 * JSON integer; absent (NULL) is 0. Returns -1 for anything else or a
 * negative number. */
int mh_etcd_int64(json_t *value, long long *out);

#endif
