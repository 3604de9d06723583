/* test_http.c - the small HTTP/1.1 client: replies parsed whole, in every
 * prefix and hostile; URLs; and requests against a local responder that
 * keeps connections, drops them, answers in chunks or not at all. */
#include "mh_test.h"
#include "mh_test_responder.h"

#include <signal.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mh_error.h"
#include "mh_http.h"

/* ---- replies ---- */

#define CHUNKED_REPLY                                                                  \
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n" \
    "\r\n3\r\n{\"a\r\n8;name=value\r\n\":[1,2]}\r\n0\r\nX-Trailer: yes\r\n\r\n"

static void
well_formed_replies_are_read_whole(void **state)
{
    static const struct {
        const char *text;
        long status;
        const char *body;
        bool close;
        size_t extra;       /* bytes after the reply */
    } cases[] = {
        { "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", 200, "{}", false, 0 },
        { "HTTP/1.1 200 OK\r\ncontent-length:2  \r\n\r\n{}", 200, "{}", false, 0 },
        { CHUNKED_REPLY, 200, "{\"a\":[1,2]}", false, 0 },
        { "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 1\r\n"
          "Connection: close\r\n\r\nx", 404, "x", true, 0 },
        { "HTTP/1.1 204 No Content\r\n\r\n", 204, "", false, 0 },
        { "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\ny", 200, "y", true, 0 },
        { "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\ny", 200, "y",
          false, 0 },
        { "HTTP/1.1 200\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\nzHTTP/1.1", 200, "z",
          false, 8 },
        { "HTTP/1.1 500 Internal\r\nTransfer-Encoding: CHUNKED\r\n\r\n0\r\n\r\n", 500, "",
          false, 0 },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *text = cases[i].text;
        struct mh_error err = { { 0 } };
        struct mh_http_reply reply;
        size_t used;

        if (mh_http_reply_parse(text, strlen(text), false, 4096, &reply, &used, &err) != 1)
            fail_msg("case %zu: %s", i, err.message);
        assert_int_equal(reply.status, cases[i].status);
        assert_string_equal(reply.body, cases[i].body);
        assert_int_equal(reply.length, strlen(cases[i].body));
        assert_int_equal(reply.close, cases[i].close);
        assert_int_equal(used, strlen(text) - cases[i].extra);
        mh_http_reply_free(&reply);
    }
}

static void
every_prefix_of_a_reply_asks_for_more_or_fails_at_eof(void **state)
{
    static const char *const replies[] = {
        CHUNKED_REPLY,
        "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"a\":[1,2]}",
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
    };

    (void)state;
    for (size_t r = 0; r < sizeof(replies) / sizeof(replies[0]); r++) {
        const char *text = replies[r];

        for (size_t cut = 0; cut < strlen(text); cut++) {
            struct mh_error err = { { 0 } };
            struct mh_http_reply reply;
            size_t used;

            if (mh_http_reply_parse(text, cut, false, 4096, &reply, &used, &err) != 0)
                fail_msg("reply %zu cut at %zu: not incomplete (%s)", r, cut, err.message);
            if (mh_http_reply_parse(text, cut, true, 4096, &reply, &used, &err) != -1)
                fail_msg("reply %zu cut at %zu: accepted at eof", r, cut);
            assert_non_null(strstr(err.message, "the connection closed"));
        }
    }
}

static void
a_reply_without_length_ends_with_the_connection(void **state)
{
    const char *text = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{\"kvs\":[]}";
    struct mh_error err = { { 0 } };
    struct mh_http_reply reply;
    size_t used;

    (void)state;
    assert_int_equal(mh_http_reply_parse(text, strlen(text), false, 4096, &reply, &used, &err),
                     0);
    assert_int_equal(mh_http_reply_parse(text, strlen(text), true, 4096, &reply, &used, &err),
                     1);
    assert_string_equal(reply.body, "{\"kvs\":[]}");
    assert_true(reply.close);
    mh_http_reply_free(&reply);
    /* and is bounded like any other */
    assert_int_equal(mh_http_reply_parse(text, strlen(text), false, 5, &reply, &used, &err), -1);
    assert_non_null(strstr(err.message, "reply larger than 5 bytes"));
}

static void
hostile_replies_are_errors(void **state)
{
    static const struct {
        const char *text;
        const char *error;
    } cases[] = {
        { "HTTP/2 200\r\n\r\n", "not an HTTP/1.x reply" },
        { "HTTP/1.1 20 OK\r\n\r\n", "not an HTTP/1.x reply" },
        { "http/1.1 200 OK\r\n\r\n", "not an HTTP/1.x reply" },
        { "HTTP/1.1 2000 OK\r\n\r\n", "not an HTTP/1.x reply" },
        { "HTTP/1.1 099 Odd\r\n\r\n", "unexpected HTTP status 99" },
        { "HTTP/1.1 101 Switching\r\n\r\n", "unexpected HTTP status 101" },
        { "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", "malformed Content-Length" },
        { "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\nx", "malformed Content-Length" },
        { "HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n", "malformed Content-Length" },
        { "HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
          "malformed Content-Length" },
        { "HTTP/1.1 200 OK\r\nContent-Length: 1025\r\n\r\n", "reply larger than 1024 bytes" },
        { "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nxx",
          "two different Content-Length" },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
          "transfer coding other than chunked" },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n",
          "both Content-Length and Transfer-Encoding" },
        { "HTTP/1.1 200 OK\r\nno colon here\r\n\r\n", "malformed reply header line" },
        { "HTTP/1.1 200 OK\r\n: empty name\r\n\r\n", "malformed reply header line" },
        { "HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n", "malformed reply header name" },
        { "HTTP/1.1 200 OK\r\nX-A: 1\r\n folded: 2\r\n\r\n", "malformed reply header name" },
        { "HTTP/1.1 200 OK\r\nX-A: a\001b\r\n\r\n", "control character in a reply header" },
        { "HTTP/1.1 200 OK\r\nX-A: a\rb\r\n\r\n", "control character in a reply header" },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
          "malformed chunk-size line" },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n",
          "malformed chunk-size line" },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n",
          "malformed chunk-size line" },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1000000000000000\r\n",
          "chunk size out of range" },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabcd\r\n",
          "chunk not followed by CRLF" },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n",
          "reply larger than 1024 bytes" },
        { "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n200\r\n", NULL },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *text = cases[i].text;
        struct mh_error err = { { 0 } };
        struct mh_http_reply reply;
        size_t used;
        int ret = mh_http_reply_parse(text, strlen(text), false, 1024, &reply, &used, &err);

        if (!cases[i].error) {
            /* the control: a chunk within the cap is waited for */
            assert_int_equal(ret, 0);
            continue;
        }
        if (ret != -1 || !strstr(err.message, cases[i].error))
            fail_msg("case %zu: returned %d, error \"%s\", wanted \"%s\"", i, ret, err.message,
                     cases[i].error);
    }
}

static void
oversized_framing_is_an_error(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_http_reply reply;
    size_t used, length = MH_HTTP_MAX_HEAD + 100;
    char *text = malloc(length);

    (void)state;
    assert_non_null(text);
    /* a header that never ends */
    memcpy(text, "HTTP/1.1 200 OK\r\nX-A: ", 22);
    memset(text + 22, 'a', length - 22);
    assert_int_equal(mh_http_reply_parse(text, length, false, 4096, &reply, &used, &err), -1);
    assert_non_null(strstr(err.message, "reply header larger than"));
    /* a chunk-size line that never ends */
    snprintf(text, length, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;");
    memset(text + strlen(text), 'e', length - strlen(text));
    assert_int_equal(mh_http_reply_parse(text, length, false, 4096, &reply, &used, &err), -1);
    assert_non_null(strstr(err.message, "chunk-size line longer than"));
    free(text);
}

/* ---- a local responder ---- */

enum mode {
    KEEP,           /* answers on the same connection, Content-Length */
    CHUNKS,         /* a 100 KB body in 1000-byte chunks */
    DROP,           /* answers, then closes without saying so */
    SILENT,         /* reads the request, never answers */
};

/* Read one request (header and Content-Length body); its first line and
 * Host header into what. 0 when the client closed. */
static int
read_request(int client, char *what, size_t size)
{
    char request[8192];
    size_t used = 0;
    char *end, *host;

    for (;;) {
        ssize_t got = recv(client, request + used, sizeof(request) - 1 - used, 0);
        long length;

        if (got <= 0)
            return 0;
        used += (size_t)got;
        request[used] = '\0';
        end = strstr(request, "\r\n\r\n");
        if (!end)
            continue;
        length = strstr(request, "Content-Length: ")
                     ? strtol(strstr(request, "Content-Length: ") + 16, NULL, 10) : 0;
        if (used >= (size_t)(end + 4 - request) + (size_t)length)
            break;
    }
    /* "POST /path HTTP/1.1" and the Host header's value */
    host = strstr(request, "\r\nHost: ");
    assert_non_null(host);
    snprintf(what, size, "%.*s|%.*s", (int)strcspn(request, "\r"), request,
             (int)strcspn(host + 8, "\r"), host + 8);
    return 1;
}

static void
serve(int listener, int mode)
{
    for (int connection = 1;; connection++) {
        int client = accept(listener, NULL, NULL);
        char what[512];

        if (client < 0)
            _exit(1);
        for (int request = 1; read_request(client, what, sizeof(what)); request++) {
            char body[256], head[256];
            int length = snprintf(body, sizeof(body),
                                  "{\"connection\":%d,\"request\":%d,\"saw\":\"%s\"}",
                                  connection, request, what);

            if (mode == SILENT) {
                sleep(30);
                break;
            }
            if (mode == CHUNKS) {
                static char chunk[1000];
                const char *start = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";

                memset(chunk, 'c', sizeof(chunk));
                if (write(client, start, strlen(start)) < 0)
                    break;
                for (int i = 0; i < 100; i++) {
                    if (write(client, "3e8\r\n", 5) < 0 ||
                        write(client, chunk, sizeof(chunk)) < 0 || write(client, "\r\n", 2) < 0)
                        break;
                }
                if (write(client, "0\r\n\r\n", 5) < 0)
                    break;
                continue;
            }
            snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n", length);
            if (write(client, head, strlen(head)) < 0 || write(client, body, (size_t)length) < 0)
                break;
            if (mode == DROP)
                break;
        }
        close(client);
    }
}

static int
post(struct mh_http *http, const char *url, long timeout_ms, struct mh_http_reply *reply,
     struct mh_error *err)
{
    static const char body[] = "{\"key\":\"Zm9v\"}";

    return mh_http_post(http, url, "application/json", body, strlen(body), timeout_ms,
                        256 * 1024, reply, err);
}

static void
requests_share_a_kept_connection(void **state)
{
    struct mh_test_responder r = mh_test_responder_loopback(serve, KEEP);
    struct mh_error err = { { 0 } };
    struct mh_http http;
    char url[128], expected[256];

    (void)state;
    mh_http_init(&http);
    MH_TEST_PRINT(url, "http://127.0.0.1:%d/v3/kv/range", r.port);
    for (int i = 1; i <= 3; i++) {
        struct mh_http_reply reply;

        if (post(&http, url, 2000, &reply, &err) < 0)
            fail_msg("request %d: %s", i, err.message);
        assert_int_equal(reply.status, 200);
        MH_TEST_PRINT(expected,
                      "{\"connection\":1,\"request\":%d,\"saw\":\"POST /v3/kv/range HTTP/1.1|"
                      "127.0.0.1:%d\"}", i, r.port);
        assert_string_equal(reply.body, expected);
        mh_http_reply_free(&reply);
    }
    /* another path on the same host:port, same connection */
    MH_TEST_PRINT(url, "http://127.0.0.1:%d", r.port);
    {
        struct mh_http_reply reply;

        assert_int_equal(post(&http, url, 2000, &reply, &err), 0);
        assert_non_null(strstr(reply.body, "\"request\":4,\"saw\":\"POST / HTTP/1.1|"));
        mh_http_reply_free(&reply);
    }
    mh_http_close(&http);
    mh_test_responder_stop(&r);
}

static void
an_ipv6_literal_host_is_reached(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_test_responder r = { 0, 0 };
    struct mh_http_reply reply;
    struct mh_http http;
    char url[128];

    (void)state;
    if (!mh_test_responder_start(&r, AF_INET6, serve, KEEP)) {
        skip();     /* no IPv6 loopback here */
        return;
    }
    mh_http_init(&http);
    MH_TEST_PRINT(url, "http://[::1]:%d/v3/kv/range", r.port);
    if (post(&http, url, 2000, &reply, &err) < 0)
        fail_msg("%s", err.message);
    /* the Host header keeps the brackets */
    MH_TEST_PRINT(url, "HTTP/1.1|[::1]:%d\"}", r.port);
    assert_non_null(strstr(reply.body, url));
    mh_http_reply_free(&reply);
    mh_http_close(&http);
    mh_test_responder_stop(&r);
}

static void
a_connection_the_server_dropped_is_replaced_once(void **state)
{
    struct mh_test_responder r = mh_test_responder_loopback(serve, DROP);
    struct mh_error err = { { 0 } };
    struct mh_http_reply reply;
    struct mh_http http;
    char url[128];

    (void)state;
    mh_http_init(&http);
    MH_TEST_PRINT(url, "http://127.0.0.1:%d/v3/kv/txn", r.port);
    assert_int_equal(post(&http, url, 2000, &reply, &err), 0);
    assert_non_null(strstr(reply.body, "{\"connection\":1,\"request\":1,"));
    mh_http_reply_free(&reply);
    /* let the close arrive: the kept connection is dead, the retry works */
    usleep(100 * 1000);
    if (post(&http, url, 2000, &reply, &err) < 0)
        fail_msg("second request: %s", err.message);
    assert_non_null(strstr(reply.body, "{\"connection\":2,\"request\":1,"));
    mh_http_reply_free(&reply);
    mh_http_close(&http);
    mh_test_responder_stop(&r);
}

static void
a_chunked_reply_is_joined(void **state)
{
    struct mh_test_responder r = mh_test_responder_loopback(serve, CHUNKS);
    struct mh_error err = { { 0 } };
    struct mh_http_reply reply;
    struct mh_http http;
    char url[128];

    (void)state;
    mh_http_init(&http);
    MH_TEST_PRINT(url, "http://localhost:%d/v3/kv/range", r.port);
    assert_int_equal(post(&http, url, 5000, &reply, &err), 0);
    assert_int_equal(reply.length, 100000);
    assert_int_equal(strspn(reply.body, "c"), 100000);
    mh_http_reply_free(&reply);
    /* and bounded */
    assert_int_equal(mh_http_post(&http, url, "application/json", "{}", 2, 5000, 50000, &reply,
                                  &err), -1);
    assert_non_null(strstr(err.message, "reply larger than 50000 bytes"));
    mh_http_close(&http);
    mh_test_responder_stop(&r);
}

static void
silence_times_out_and_refusal_is_named(void **state)
{
    struct mh_test_responder r = mh_test_responder_loopback(serve, SILENT);
    struct mh_error err = { { 0 } };
    struct mh_http_reply reply;
    struct timespec started;
    struct mh_http http;
    char url[128];
    long took;
    int port;

    (void)state;
    mh_http_init(&http);
    MH_TEST_PRINT(url, "http://127.0.0.1:%d/v3/kv/range", r.port);
    clock_gettime(CLOCK_MONOTONIC, &started);
    assert_int_equal(post(&http, url, 300, &reply, &err), -1);
    took = mh_test_elapsed_ms(&started);
    assert_non_null(strstr(err.message, "timed out after 300 ms waiting for the reply"));
    assert_true(took >= 290 && took < 1500);
    assert_int_equal(http.fd, -1);
    mh_test_responder_stop(&r);

    /* nothing listens on a port just closed */
    port = r.port;
    MH_TEST_PRINT(url, "http://127.0.0.1:%d/", port);
    assert_int_equal(post(&http, url, 2000, &reply, &err), -1);
    if (!strstr(err.message, "cannot connect to 127.0.0.1:") ||
        !strstr(err.message, "Connection refused"))
        fail_msg("%s", err.message);
    MH_TEST_PRINT(url, "http://no-such-host.invalid:2379/");
    assert_int_equal(post(&http, url, 2000, &reply, &err), -1);
    assert_non_null(strstr(err.message, "cannot resolve no-such-host.invalid"));
}

static void
malformed_urls_are_refused_before_connecting(void **state)
{
    static const struct {
        const char *url;
        const char *error;
    } cases[] = {
        { "https://127.0.0.1:2379", "not an http:// URL" },
        { "unix:///run/etcd.sock", "not an http:// URL" },
        { "http://", "without a host" },
        { "http:///v3", "without a host" },
        { "http://127.0.0.1:0/", "malformed port" },
        { "http://127.0.0.1:65536/", "malformed port" },
        { "http://127.0.0.1:12a/", "malformed port" },
        { "http://127.0.0.1:/", "malformed port" },
        { "http://[::1/", "malformed [IPv6] host" },
        { "http://[::1]x/", "malformed [IPv6] host" },
        { "http://user@host/", "empty or malformed host" },
        { "http://ho st/", "empty or malformed host" },
        { "http://:2379/", "empty or malformed host" },
        { "http://host/a b", "space or control character in its path" },
        { "http://host/a\r\nX-Injected: 1", "space or control character in its path" },
    };
    struct mh_http http;

    (void)state;
    mh_http_init(&http);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mh_error err = { { 0 } };
        struct mh_http_reply reply;

        assert_int_equal(post(&http, cases[i].url, 1000, &reply, &err), -1);
        if (!strstr(err.message, cases[i].error))
            fail_msg("%s: \"%s\", wanted \"%s\"", cases[i].url, err.message, cases[i].error);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(well_formed_replies_are_read_whole),
        cmocka_unit_test(every_prefix_of_a_reply_asks_for_more_or_fails_at_eof),
        cmocka_unit_test(a_reply_without_length_ends_with_the_connection),
        cmocka_unit_test(hostile_replies_are_errors),
        cmocka_unit_test(oversized_framing_is_an_error),
        cmocka_unit_test(requests_share_a_kept_connection),
        cmocka_unit_test(an_ipv6_literal_host_is_reached),
        cmocka_unit_test(a_connection_the_server_dropped_is_replaced_once),
        cmocka_unit_test(a_chunked_reply_is_joined),
        cmocka_unit_test(silence_times_out_and_refusal_is_named),
        cmocka_unit_test(malformed_urls_are_refused_before_connecting),
    };

    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, NULL, NULL);
}
