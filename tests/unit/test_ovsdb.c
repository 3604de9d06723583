/* test_ovsdb.c - the JSON-RPC client against recorded and hostile server
 * replies (tests/data/ovsdb/NAME.reply with NAME.expect: "ok" or "error
 * SUBSTRING"), fed through a socketpair, plus echo, ids, time bounds and
 * transaction results. */
#include "mh_test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "mh_deadline.h"
#include "mh_error.h"
#include "mh_file.h"
#include "mh_ovsdb.h"

#define CORPUS "tests/data/ovsdb"

/* A client session on one end of a socketpair; *server is the other end. */
static void
open_pair(struct mh_ovsdb *db, int *server, long timeout_ms)
{
    int fds[2];

    assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), 0);
    assert_int_equal(fcntl(fds[0], F_SETFL, O_NONBLOCK), 0);
    mh_ovsdb_open_fd(db, fds[0], "test-socket", timeout_ms);
    *server = fds[1];
}

/* What the server says, written before the client asks: the socket
 * buffers it, so no server thread is needed. */
static void
server_says(int server, const char *text)
{
    assert_int_equal(mh_file_write_all(server, text, strlen(text)), 0);
}

/* Everything the client wrote so far, NUL-terminated (free it). */
static char *
client_wrote(int server)
{
    char *buffer = calloc(1, 65536);
    ssize_t length;

    assert_non_null(buffer);
    length = recv(server, buffer, 65535, MSG_DONTWAIT);
    if (length < 0)
        length = 0;
    buffer[length] = '\0';
    return buffer;
}

/* Positive: recorded replies of a real server parse; negative: malformed,
 * oversized, too deep, wrong id, error replies are errors, not crashes. */
static void
corpus_replies_meet_their_expectations(void **state)
{
    DIR *dir = opendir(CORPUS);
    struct dirent *entry;
    int cases = 0, errors = 0;
    (void)state;

    assert_non_null(dir);
    while ((entry = readdir(dir))) {
        char path[4096], expectation[256] = "";
        struct mh_error err = { { 0 } };
        size_t name_length = strlen(entry->d_name);
        size_t length;
        struct mh_ovsdb db;
        char *data, *expect;
        json_t *result;
        int server;

        if (name_length < 7 || strcmp(entry->d_name + name_length - 6, ".reply") != 0)
            continue;
        MH_TEST_PRINT(path, "%s/%s", CORPUS, entry->d_name);
        data = mh_test_slurp(path, &length);
        MH_TEST_PRINT(path, "%s/%.*s.expect", CORPUS, (int)(name_length - 6), entry->d_name);
        expect = mh_test_slurp(path, &(size_t){ 0 });
        MH_TEST_PRINT(expectation, "%s", expect);
        expectation[strcspn(expectation, "\n")] = '\0';
        free(expect);

        open_pair(&db, &server, 1000);
        db.max_message_bytes = 4096;
        assert_int_equal(mh_file_write_all(server, data, length), 0);
        shutdown(server, SHUT_WR);
        result = mh_ovsdb_call(&db, "transact", json_pack("[s]", "Open_vSwitch"), 0, &err);
        if (strcmp(expectation, "ok") == 0) {
            if (!result)
                fail_msg("%s: expected ok, got: %s", entry->d_name, err.message);
        } else {
            if (result)
                fail_msg("%s: expected an error, got a result", entry->d_name);
            assert_true(strncmp(expectation, "error ", 6) == 0);
            if (!strstr(err.message, expectation + 6))
                fail_msg("%s: expected \"%s\" in \"%s\"", entry->d_name, expectation + 6,
                         err.message);
            errors++;
        }
        json_decref(result);
        mh_ovsdb_close(&db);
        close(server);
        free(data);
        cases++;
    }
    closedir(dir);
    assert_true(cases >= 20);
    assert_true(errors >= 15);
}

/* Positive: the request is one JSON-RPC object with method, params, id. */
static void
request_is_json_rpc_with_increasing_ids(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_ovsdb db;
    json_t *result, *request;
    char *wrote;
    int server;
    (void)state;

    open_pair(&db, &server, 1000);
    server_says(server, "{\"id\":1,\"result\":[\"Open_vSwitch\"],\"error\":null}");
    result = mh_ovsdb_call(&db, "list_dbs", json_array(), 0, &err);
    assert_non_null(result);
    assert_string_equal(json_string_value(json_array_get(result, 0)), "Open_vSwitch");
    json_decref(result);
    wrote = client_wrote(server);
    request = json_loads(wrote, 0, NULL);
    assert_non_null(request);
    assert_string_equal(json_string_value(json_object_get(request, "method")), "list_dbs");
    assert_int_equal(json_integer_value(json_object_get(request, "id")), 1);
    assert_true(json_is_array(json_object_get(request, "params")));
    json_decref(request);
    free(wrote);

    /* Negative: the second call's reply must carry id 2, not 1 again. */
    server_says(server, "{\"id\":2,\"result\":[],\"error\":null}");
    result = mh_ovsdb_call(&db, "list_dbs", json_array(), 0, &err);
    assert_non_null(result);
    json_decref(result);
    server_says(server, "{\"id\":2,\"result\":[],\"error\":null}");
    assert_null(mh_ovsdb_call(&db, "list_dbs", json_array(), 0, &err));
    assert_non_null(strstr(err.message, "expected 3"));
    mh_ovsdb_close(&db);
    close(server);
}

/* Positive: an echo from the server in between is answered with its own
 * params and id; negative: the notification (id null) gets no answer. */
static void
echo_interleaved_is_answered(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_ovsdb db;
    json_t *result;
    char *wrote;
    int server;
    (void)state;

    open_pair(&db, &server, 1000);
    server_says(server, "{\"method\":\"echo\",\"params\":[\"x\",1],\"id\":\"echo\"}"
                        "{\"method\":\"update\",\"params\":[null,{}],\"id\":null}"
                        "{\"method\":\"echo\",\"params\":[],\"id\":42}"
                        "{\"method\":\"lock\",\"params\":[\"l\"],\"id\":43}"
                        "{\"id\":1,\"result\":[\"ok\"],\"error\":null}");
    result = mh_ovsdb_call(&db, "transact", json_pack("[s]", "Open_vSwitch"), 0, &err);
    assert_non_null(result);
    assert_string_equal(json_string_value(json_array_get(result, 0)), "ok");
    json_decref(result);
    assert_int_equal(db.echoes, 2);
    wrote = client_wrote(server);
    assert_non_null(strstr(wrote, "{\"id\":\"echo\",\"result\":[\"x\",1],\"error\":null}"));
    assert_non_null(strstr(wrote, "{\"id\":42,\"result\":[],\"error\":null}"));
    assert_non_null(strstr(wrote, "{\"id\":43,\"result\":null,\"error\":\"unknown method\"}"));
    assert_null(strstr(wrote, "\"id\":null"));
    free(wrote);
    mh_ovsdb_close(&db);
    close(server);
}

/* Negative: after a reply that breaks the protocol the session is closed,
 * so a later call cannot read a stale, out-of-step reply. */
static void
session_is_closed_after_a_protocol_error(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_ovsdb db;
    int server;
    (void)state;

    open_pair(&db, &server, 1000);
    server_says(server, "{\"id\":9,\"result\":[],\"error\":null}"
                        "{\"id\":2,\"result\":[],\"error\":null}");
    assert_null(mh_ovsdb_call(&db, "list_dbs", json_array(), 0, &err));
    assert_null(mh_ovsdb_call(&db, "list_dbs", json_array(), 0, &err));
    assert_non_null(strstr(err.message, "not connected"));
    mh_ovsdb_close(&db);
    close(server);
}

/* Negative: a server that never answers costs the timeout, no more. */
static void
silence_is_bounded_by_the_timeout(void **state)
{
    struct mh_error err = { { 0 } };
    struct timespec start;
    struct mh_ovsdb db;
    int server;
    long took;
    (void)state;

    open_pair(&db, &server, 150);
    clock_gettime(CLOCK_MONOTONIC, &start);
    assert_null(mh_ovsdb_call(&db, "list_dbs", json_array(), 0, &err));
    took = mh_test_elapsed_ms(&start);
    assert_non_null(strstr(err.message, "did not answer within 150 ms"));
    assert_true(took >= 140 && took < 1000);
    mh_ovsdb_close(&db);
    close(server);

    /* extra_ms (a "wait" the server may hold) adds to the timeout. */
    open_pair(&db, &server, 100);
    clock_gettime(CLOCK_MONOTONIC, &start);
    assert_null(mh_ovsdb_call(&db, "list_dbs", json_array(), 150, &err));
    took = mh_test_elapsed_ms(&start);
    assert_true(took >= 240 && took < 1000);
    mh_ovsdb_close(&db);
    close(server);
}

/* Negative: the hook's deadline is shorter than the timeout: it wins, less
 * a reserve, so the caller still has time to apply its policy. */
static void
silence_is_bounded_by_the_hook_deadline(void **state)
{
    struct mh_error err = { { 0 } };
    struct timespec start;
    struct mh_ovsdb db;
    int server;
    long took;
    (void)state;

    assert_int_equal(mh_deadline_start(700, 1, "test deadline\n", NULL, NULL, &err), 0);
    open_pair(&db, &server, 10000);
    clock_gettime(CLOCK_MONOTONIC, &start);
    assert_null(mh_ovsdb_call(&db, "list_dbs", json_array(), 0, &err));
    took = mh_test_elapsed_ms(&start);
    mh_deadline_stop();
    assert_true(took < 650);
    assert_non_null(strstr(err.message, "did not answer"));
    mh_ovsdb_close(&db);
    close(server);
}

/* transact: positive, all results; negative, the failing operation is
 * named by index and op, a failed commit is named, a short result list
 * and a result that is neither an object nor an error are refused. */
static void
transact_names_the_failing_operation(void **state)
{
    struct mh_error err = { { 0 } };
    json_t *operations, *results;
    struct mh_ovsdb db;
    int failed = 99;
    int server;
    (void)state;

    open_pair(&db, &server, 1000);
    server_says(server, "{\"id\":1,\"result\":[{\"count\":1},{\"rows\":[]}],\"error\":null}");
    operations = json_pack("[{s:s}, {s:s}]", "op", "mutate", "op", "select");
    results = mh_ovsdb_transact(&db, "Open_vSwitch", operations, 0, &failed, &err);
    assert_non_null(results);
    assert_int_equal(failed, -1);
    json_decref(results);

    server_says(server, "{\"id\":2,\"result\":[{\"count\":1},{\"error\":\"timed out\","
                        "\"details\":\"\\\"where\\\" clause test failed\"},null],\"error\":null}");
    operations = json_pack("[{s:s}, {s:s}, {s:s}]", "op", "mutate", "op", "wait", "op", "update");
    assert_null(mh_ovsdb_transact(&db, "Open_vSwitch", operations, 0, &failed, &err));
    assert_int_equal(failed, 1);
    assert_non_null(strstr(err.message, "operation 1 (wait): timed out (\"where\" clause"));

    server_says(server, "{\"id\":3,\"result\":[{\"count\":1},{\"error\":\"constraint violation\"}],"
                        "\"error\":null}");
    operations = json_pack("[{s:s}]", "op", "update");
    assert_null(mh_ovsdb_transact(&db, "Open_vSwitch", operations, 0, &failed, &err));
    assert_int_equal(failed, -1);
    assert_non_null(strstr(err.message, "failed to commit: constraint violation"));

    server_says(server, "{\"id\":4,\"result\":[{\"count\":1}],\"error\":null}");
    operations = json_pack("[{s:s}, {s:s}]", "op", "update", "op", "update");
    assert_null(mh_ovsdb_transact(&db, "Open_vSwitch", operations, 0, &failed, &err));
    assert_non_null(strstr(err.message, "answered 2 operations with 1 results"));

    server_says(server, "{\"id\":5,\"result\":[7],\"error\":null}");
    operations = json_pack("[{s:s}]", "op", "update");
    assert_null(mh_ovsdb_transact(&db, "Open_vSwitch", operations, 0, &failed, &err));
    assert_non_null(strstr(err.message, "malformed result for operation 0"));
    mh_ovsdb_close(&db);
    close(server);
}

/* connect: positive against a listening socket; negative for a missing
 * socket (named, with a hint) and a path too long for a unix socket. */
static void
connect_reports_missing_and_reaches_a_listener(void **state)
{
    struct mh_error err = { { 0 } };
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    char *dir = mh_test_tmpdir();
    char path[200], long_path[300];
    struct mh_ovsdb db;
    json_t *result;
    int listener, server;
    (void)state;

    MH_TEST_PRINT(path, "%s/db.sock", dir);
    assert_int_equal(mh_ovsdb_connect(&db, path, 500, &err), -2);
    assert_non_null(strstr(err.message, path));
    assert_non_null(strstr(err.message, "is it running?"));
    mh_ovsdb_close(&db);

    memset(long_path, 'a', sizeof(long_path) - 1);
    long_path[0] = '/';
    long_path[sizeof(long_path) - 1] = '\0';
    assert_int_equal(mh_ovsdb_connect(&db, long_path, 500, &err), -1);
    assert_non_null(strstr(err.message, "longer than"));
    mh_ovsdb_close(&db);

    listener = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_true(listener >= 0);
    MH_TEST_PRINT(address.sun_path, "%s", path);
    assert_int_equal(bind(listener, (struct sockaddr *)&address, sizeof(address)), 0);
    assert_int_equal(listen(listener, 1), 0);
    assert_int_equal(mh_ovsdb_connect(&db, path, 500, &err), 0);
    server = accept(listener, NULL, NULL);
    assert_true(server >= 0);
    server_says(server, "{\"id\":1,\"result\":[\"Open_vSwitch\"],\"error\":null}");
    result = mh_ovsdb_call(&db, "list_dbs", json_array(), 0, &err);
    assert_non_null(result);
    json_decref(result);
    mh_ovsdb_close(&db);
    close(server);
    close(listener);
    mh_test_rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(corpus_replies_meet_their_expectations),
        cmocka_unit_test(request_is_json_rpc_with_increasing_ids),
        cmocka_unit_test(echo_interleaved_is_answered),
        cmocka_unit_test(session_is_closed_after_a_protocol_error),
        cmocka_unit_test(silence_is_bounded_by_the_timeout),
        cmocka_unit_test(silence_is_bounded_by_the_hook_deadline),
        cmocka_unit_test(transact_names_the_failing_operation),
        cmocka_unit_test(connect_reports_missing_and_reaches_a_listener),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
