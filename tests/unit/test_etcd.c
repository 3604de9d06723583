/* test_etcd.c - the etcd gateway client against hostile replies: parsers
 * fed directly, and a tiny local HTTP responder that answers garbage, too
 * much, too slowly, or not at all. */
#include "mh_test.h"
#include "mh_test_responder.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mh_deadline.h"
#include "mh_error.h"
#include "mh_etcd.h"
#include "mh_lease_conf.h"

/* ---- parsers ---- */

static void
reply_errors_quote_etcd_printably(void **state)
{
    static const struct {
        const char *body;
        long status;
        const char *error;
    } cases[] = {
        { "{\"error\":\"etcdserver: requested lease not found\",\"message\":\"etcdserver: "
          "requested lease not found\",\"code\":5}", 404,
          "HTTP status 404: etcdserver: requested lease not found" },
        { "<html>bad gateway</html>", 502, "HTTP status 502: no error message" },
        { "{\"message\":\"\\u001b[2Jgone\\n\"}", 500, "HTTP status 500:  [2Jgone " },
        { "{\"error\":\"only error\"}", 400, "HTTP status 400: only error" },
        { "", 200, "not a JSON reply: empty" },
        { "[1,2]", 200, "the reply is not a JSON object" },
        { "{\"a\":", 200, "not a JSON reply: reply:1:5" },
        { "{\"a\":[[[[[[[[[[1]]]]]]]]]]}", 200, "nested deeper than 8 levels" },
        { "{\"a\":1,\"a\":2}", 200, "duplicate object key" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mh_error err = { { 0 } };
        json_t *reply = mh_etcd_parse_reply(cases[i].body, strlen(cases[i].body),
                                            cases[i].status, &err);

        assert_null(reply);
        if (!strstr(err.message, cases[i].error))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.message, cases[i].error);
    }
}

static void
good_reply_parses(void **state)
{
    struct mh_error err = { { 0 } };
    const char *body = "{\"header\":{\"revision\":\"5\"},\"count\":\"0\"}";
    json_t *reply = mh_etcd_parse_reply(body, strlen(body), 200, &err);

    (void)state;
    assert_non_null(reply);
    json_decref(reply);
}

static int
parse_range(const char *text, size_t value_cap, struct mh_etcd_range *range,
            struct mh_error *err)
{
    json_t *response = json_loads(text, 0, NULL);
    int ret;

    assert_non_null(response);
    ret = mh_etcd_range_parse(response, value_cap, range, err);
    json_decref(response);
    return ret;
}

static void
range_results_are_decoded(void **state)
{
    struct mh_etcd_range range;
    struct mh_error err = { { 0 } };

    (void)state;
    /* "Zm9v" = foo, "YmFy" = bar */
    assert_int_equal(parse_range("{\"kvs\":[{\"key\":\"Zm9v\",\"create_revision\":\"2\","
                                 "\"mod_revision\":\"9\",\"version\":\"3\",\"value\":\"YmFy\","
                                 "\"lease\":\"7587878\"},{\"key\":\"Zm9w\",\"mod_revision\":4}],"
                                 "\"count\":\"2\",\"more\":true}",
                                 64, &range, &err), 0);
    assert_int_equal(range.count, 2);
    assert_true(range.more);
    assert_string_equal(range.kvs[0].key, "foo");
    assert_string_equal(range.kvs[0].value, "bar");
    assert_int_equal(range.kvs[0].value_length, 3);
    assert_int_equal(range.kvs[0].mod_revision, 9);
    assert_int_equal(range.kvs[0].create_revision, 2);
    assert_int_equal(range.kvs[0].lease, 7587878);
    assert_string_equal(range.kvs[1].value, "");
    assert_int_equal(range.kvs[1].lease, 0);
    mh_etcd_range_free(&range);
    /* no kvs: nothing there */
    assert_int_equal(parse_range("{\"header\":{}}", 64, &range, &err), 0);
    assert_int_equal(range.count, 0);
    mh_etcd_range_free(&range);
}

static void
hostile_range_results_are_refused(void **state)
{
    static const struct {
        const char *text;
        const char *error;
    } cases[] = {
        { "{\"kvs\":{}}", "malformed range result" },
        { "{\"kvs\":[],\"more\":\"yes\"}", "malformed range result" },
        { "{\"kvs\":[7]}", "malformed key-value #1" },
        { "{\"kvs\":[{\"key\":\"Zm9v\"}]}", "malformed key-value #1" },
        { "{\"kvs\":[{\"key\":\"Zm9v\",\"mod_revision\":\"abc\"}]}", "malformed key-value #1" },
        { "{\"kvs\":[{\"key\":\"Zm9v\",\"mod_revision\":-4}]}", "malformed key-value #1" },
        { "{\"kvs\":[{\"key\":\"Zm9v\",\"mod_revision\":\"99999999999999999999\"}]}",
          "malformed key-value #1" },
        { "{\"kvs\":[{\"key\":\"Zm9v\",\"mod_revision\":\"1\",\"lease\":\"-1\"}]}",
          "malformed key-value #1" },
        { "{\"kvs\":[{\"key\":\"Zm9v!\",\"mod_revision\":\"1\"}]}", "key-value #1" },
        { "{\"kvs\":[{\"key\":\"Zm9v\",\"mod_revision\":\"1\",\"value\":7}]}", "key-value #1" },
        { "{\"kvs\":[{\"key\":\"Zm9v\",\"mod_revision\":\"1\",\"value\":\"YmFyYmF6YmF6\"}]}",
          "more than the limit of 8" },
        { "{\"kvs\":[{\"mod_revision\":\"1\"}]}", "has no key" },
        { "{\"kvs\":[{\"key\":\"Zm9v\",\"mod_revision\":\"1\"},{\"key\":\"=\"}]}",
          "key-value #2" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mh_etcd_range range = { 0 };
        struct mh_error err = { { 0 } };

        assert_int_equal(parse_range(cases[i].text, 8, &range, &err), -1);
        assert_null(range.kvs);
        assert_int_equal(range.count, 0);
        if (!strstr(err.message, cases[i].error))
            fail_msg("%s: \"%s\" lacks \"%s\"", cases[i].text, err.message, cases[i].error);
    }
}

static void
int64_as_the_gateway_writes_it(void **state)
{
    long long value;
    json_t *v;

    (void)state;
    assert_int_equal(mh_etcd_int64(NULL, &value), 0);
    assert_int_equal(value, 0);
    v = json_string("9223372036854775807");
    assert_int_equal(mh_etcd_int64(v, &value), 0);
    assert_true(value == 9223372036854775807LL);
    json_decref(v);
    v = json_string("9223372036854775808");
    assert_int_equal(mh_etcd_int64(v, &value), -1);
    json_decref(v);
    v = json_string(" 1");
    assert_int_equal(mh_etcd_int64(v, &value), -1);
    json_decref(v);
    v = json_string("");
    assert_int_equal(mh_etcd_int64(v, &value), -1);
    json_decref(v);
    v = json_real(1.5);
    assert_int_equal(mh_etcd_int64(v, &value), -1);
    json_decref(v);
    v = json_integer(12);
    assert_int_equal(mh_etcd_int64(v, &value), 0);
    assert_int_equal(value, 12);
    json_decref(v);
}

static void
requests_have_the_gateway_form(void **state)
{
    struct mh_error err = { { 0 } };
    json_t *range = mh_etcd_request_range("/mh/guests/", true, 10, &err);
    json_t *put = mh_etcd_request_put("k", "v", 1, 42, &err);
    json_t *compare = mh_etcd_compare_mod_revision("k", 0, &err);
    json_t *remove = mh_etcd_request_delete("k", &err);

    (void)state;
    /* "/mh/guests/" and its end "/mh/guests0" */
    assert_string_equal(json_string_value(json_object_get(range, "key")), "L21oL2d1ZXN0cy8=");
    assert_string_equal(json_string_value(json_object_get(range, "range_end")),
                        "L21oL2d1ZXN0czA=");
    assert_string_equal(json_string_value(json_object_get(range, "limit")), "10");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(put, "request_put"), "lease")), "42");
    assert_string_equal(json_string_value(json_object_get(compare, "target")), "MOD");
    assert_string_equal(json_string_value(json_object_get(compare, "mod_revision")), "0");
    assert_non_null(json_object_get(remove, "request_delete_range"));
    json_decref(range);
    json_decref(put);
    json_decref(compare);
    json_decref(remove);
}

/* ---- a tiny HTTP responder ---- */

enum mode { GARBAGE, HUGE, SLOW, GOOD };

static void
serve(int listener, int mode)
{
    for (;;) {
        int client = accept(listener, NULL, NULL);
        char request[8192];
        size_t used = 0;

        if (client < 0)
            _exit(1);
        /* Headers and the (small) body: read until the client waits. */
        while (used < sizeof(request)) {
            ssize_t got = recv(client, request + used, sizeof(request) - used, 0);
            if (got <= 0)
                break;
            used += (size_t)got;
            if (memmem(request, used, "\r\n\r\n", 4) && memchr(request, '}', used))
                break;
        }
        if (mode == SLOW) {
            sleep(30);
        } else if (mode == HUGE) {
            static char chunk[65536];
            const char *head = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                               "Content-Length: 4194304\r\n\r\n";
            memset(chunk, ' ', sizeof(chunk));
            if (write(client, head, strlen(head)) < 0)
                _exit(1);
            for (int i = 0; i < 64; i++) {
                if (write(client, chunk, sizeof(chunk)) < 0)
                    break;
            }
        } else {
            const char *body = mode == GARBAGE ? "\x01\x02 not json at all \xff"
                                               : "{\"header\":{\"revision\":\"3\"}}";
            char reply[512];
            int length = snprintf(reply, sizeof(reply),
                                  "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                                  "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
                                  strlen(body), body);
            if (write(client, reply, (size_t)length) < 0)
                _exit(1);
        }
        close(client);
    }
}

struct client {
    struct mh_lease_etcd_conf conf;
    struct mh_etcd etcd;
};

static void
client_open(struct client *c, int first_port, int second_port, long timeout_ms)
{
    struct mh_error err = { { 0 } };
    char url[64];

    memset(c, 0, sizeof(*c));
    c->conf.endpoints = json_array();
    snprintf(url, sizeof(url), "http://127.0.0.1:%d", first_port);
    json_array_append_new(c->conf.endpoints, json_string(url));
    if (second_port) {
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/", second_port);
        json_array_append_new(c->conf.endpoints, json_string(url));
    }
    c->conf.prefix = "/mh/";
    c->conf.timeout_ms = timeout_ms;
    if (mh_etcd_open(&c->etcd, &c->conf, &err) < 0)
        fail_msg("open: %s", err.message);
}

static void
client_close(struct client *c)
{
    mh_etcd_close(&c->etcd);
    json_decref(c->conf.endpoints);
}

static int
call(struct client *c, size_t cap, struct mh_error *err)
{
    json_t *request = json_pack("{s:s}", "key", "Zm9v");
    json_t *reply = NULL;
    int ret = mh_etcd_call(&c->etcd, "/v3/kv/range", request, cap, &reply, err);

    json_decref(request);
    if (reply)
        json_decref(reply);
    return ret;
}

static void
garbage_reply_is_an_error(void **state)
{
    struct mh_test_responder r = mh_test_responder_loopback(serve, GARBAGE);
    struct mh_error err = { { 0 } };
    struct client c;

    (void)state;
    client_open(&c, r.port, 0, 2000);
    assert_int_equal(call(&c, MH_ETCD_MAX_REPLY, &err), -1);
    assert_non_null(strstr(err.message, "not a JSON reply"));
    client_close(&c);
    mh_test_responder_stop(&r);
}

static void
oversized_reply_is_cut_off(void **state)
{
    struct mh_test_responder r = mh_test_responder_loopback(serve, HUGE);
    struct mh_error err = { { 0 } };
    struct client c;

    (void)state;
    client_open(&c, r.port, 0, 5000);
    assert_int_equal(call(&c, 100000, &err), -1);
    assert_non_null(strstr(err.message, "reply larger than 100000 bytes"));
    client_close(&c);
    mh_test_responder_stop(&r);
}

static void
slow_reply_times_out_within_the_bound(void **state)
{
    struct mh_test_responder r = mh_test_responder_loopback(serve, SLOW);
    struct mh_error err = { { 0 } };
    struct timespec started;
    struct client c;
    long took;

    (void)state;
    client_open(&c, r.port, 0, 300);
    clock_gettime(CLOCK_MONOTONIC, &started);
    assert_int_equal(call(&c, MH_ETCD_MAX_REPLY, &err), -1);
    took = mh_test_elapsed_ms(&started);
    assert_non_null(strstr(err.message, "no endpoint answered"));
    if (!strstr(err.message, "timed out after 300 ms"))
        fail_msg("not a timeout: %s", err.message);
    assert_true(took >= 250 && took < 1500);
    client_close(&c);
    mh_test_responder_stop(&r);
}

static void
the_hooks_deadline_bounds_a_request(void **state)
{
    struct mh_test_responder r = mh_test_responder_loopback(serve, SLOW);
    struct mh_error err = { { 0 } };
    struct timespec started;
    struct client c;
    long took;

    (void)state;
    client_open(&c, r.port, 0, 20000);
    /* The deadline would _exit(0) this test if a request outlived it. */
    assert_int_equal(mh_deadline_start(700, 0, "deadline\n", NULL, NULL, &err), 0);
    clock_gettime(CLOCK_MONOTONIC, &started);
    assert_int_equal(call(&c, MH_ETCD_MAX_REPLY, &err), -1);
    took = mh_test_elapsed_ms(&started);
    mh_deadline_stop();
    assert_true(took >= 500 && took < 700);
    client_close(&c);
    mh_test_responder_stop(&r);
}

static void
a_dead_endpoint_fails_over_to_the_next(void **state)
{
    struct mh_test_responder r = mh_test_responder_loopback(serve, GOOD);
    struct mh_error err = { { 0 } };
    struct client c;

    (void)state;
    client_open(&c, mh_test_unused_port(), r.port, 2000);
    assert_int_equal(call(&c, MH_ETCD_MAX_REPLY, &err), 0);
    /* and remembers which one answered */
    assert_int_equal(c.etcd.preferred, 1);
    assert_int_equal(call(&c, MH_ETCD_MAX_REPLY, &err), 0);
    client_close(&c);
    mh_test_responder_stop(&r);

    client_open(&c, mh_test_unused_port(), mh_test_unused_port(), 2000);
    assert_int_equal(call(&c, MH_ETCD_MAX_REPLY, &err), -1);
    assert_non_null(strstr(err.message, "no endpoint answered (2 tried)"));
    client_close(&c);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reply_errors_quote_etcd_printably),
        cmocka_unit_test(good_reply_parses),
        cmocka_unit_test(range_results_are_decoded),
        cmocka_unit_test(hostile_range_results_are_refused),
        cmocka_unit_test(int64_as_the_gateway_writes_it),
        cmocka_unit_test(requests_have_the_gateway_form),
        cmocka_unit_test(garbage_reply_is_an_error),
        cmocka_unit_test(oversized_reply_is_cut_off),
        cmocka_unit_test(slow_reply_times_out_within_the_bound),
        cmocka_unit_test(the_hooks_deadline_bounds_a_request),
        cmocka_unit_test(a_dead_endpoint_fails_over_to_the_next),
    };

    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
