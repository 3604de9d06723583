/* test_lease_etcd.c - the etcd lease backend against a real etcd, started
 * by this test on loopback (temporary data directory, free ports) and
 * stopped by its pid. */
#include "mh_test.h"
#include "mh_test_responder.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mh_error.h"
#include "mh_etcd.h"
#include "mh_http.h"
#include "mh_lease.h"
#include "mh_lease_conf.h"
#include "mh_lease_store.h"
#include "mh_string.h"

#define ETCD "/usr/bin/etcd"
#define UUID "4dea22b3-1d52-d8f3-2516-782e98ab3fa0"
#define UUID2 "11111111-2222-3333-4444-555555555555"
#define UUID3 "66666666-7777-8888-9999-aaaaaaaaaaaa"

static struct {
    char *top;
    pid_t pid;
    char endpoint[64];
    json_t *endpoints;
    int prefixes;
} server;

struct fixture {
    struct mh_lease_conf conf;
    char prefix[32];
};

static void
stop_etcd(void)
{
    int status;

    if (server.pid <= 0)
        return;
    kill(server.pid, SIGTERM);
    for (int i = 0; i < 50; i++) {
        if (waitpid(server.pid, &status, WNOHANG) == server.pid) {
            server.pid = 0;
            return;
        }
        usleep(100000);
    }
    kill(server.pid, SIGKILL);
    waitpid(server.pid, &status, 0);
    server.pid = 0;
}

/* Start etcd and wait until it answers; the ports may be taken between
 * choosing and binding them, so try a few times. */
static int
start_etcd(void **state)
{
    (void)state;
    if (access(ETCD, X_OK) != 0) {
        fprintf(stderr, "test_lease_etcd: %s is not installed (Debian: etcd-server)\n", ETCD);
        return -1;
    }
    server.top = mh_test_tmpdir();
    for (int attempt = 0; attempt < 3; attempt++) {
        char data[4096], log[4096], client[64], peer[64], cluster[128];
        int client_port = mh_test_unused_port(), peer_port = mh_test_unused_port();

        MH_TEST_PRINT(data, "%s/data%d", server.top, attempt);
        MH_TEST_PRINT(log, "%s/etcd%d.log", server.top, attempt);
        MH_TEST_PRINT(client, "http://127.0.0.1:%d", client_port);
        MH_TEST_PRINT(peer, "http://127.0.0.1:%d", peer_port);
        MH_TEST_PRINT(cluster, "test=%s", peer);
        server.pid = fork();
        if (server.pid == 0) {
            int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);

            prctl(PR_SET_PDEATHSIG, SIGKILL);
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
            execl(ETCD, ETCD, "--name", "test", "--data-dir", data, "--listen-client-urls",
                  client, "--advertise-client-urls", client, "--listen-peer-urls", peer,
                  "--initial-advertise-peer-urls", peer, "--initial-cluster", cluster,
                  "--log-level", "warn", (char *)NULL);
            _exit(127);
        }
        mh_string_copy(server.endpoint, sizeof(server.endpoint), client);
        server.endpoints = json_pack("[s]", client);
        for (int wait = 0; wait < 100; wait++) {
            struct mh_lease_etcd_conf conf = { .endpoints = server.endpoints, .prefix = "/",
                                               .timeout_ms = 500 };
            struct mh_error err = { { 0 } };
            struct mh_etcd etcd;
            json_t *request = json_pack("{s:s}", "key", "eA==");
            json_t *reply = NULL;
            int ret;

            if (waitpid(server.pid, NULL, WNOHANG) == server.pid)
                break;
            mh_etcd_open(&etcd, &conf, &err);
            ret = mh_etcd_call(&etcd, "/v3/kv/range", request, MH_ETCD_MAX_REPLY, &reply, &err);
            mh_etcd_close(&etcd);
            json_decref(request);
            if (reply)
                json_decref(reply);
            if (ret == 0)
                return 0;
            usleep(100000);
        }
        stop_etcd();
        json_decref(server.endpoints);
    }
    fprintf(stderr, "test_lease_etcd: etcd did not start (logs in %s)\n", server.top);
    return -1;
}

static int
stop_etcd_and_clean(void **state)
{
    (void)state;
    stop_etcd();
    json_decref(server.endpoints);
    mh_test_rmdir(server.top);
    return 0;
}

/* Each test works under its own key prefix. */
static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    MH_TEST_PRINT(f->prefix, "/t%d/", ++server.prefixes);
    mh_lease_conf_defaults(&f->conf);
    f->conf.enabled = true;
    f->conf.backend = MH_LEASE_BACKEND_ETCD;
    f->conf.etcd.endpoints = server.endpoints;
    f->conf.etcd.prefix = f->prefix;
    f->conf.etcd.timeout_ms = 3000;
    /* No refresh file and no cache unless a test asks for them: every
     * call reads, and refreshes the lease. */
    f->conf.etcd.refresh_file = NULL;
    f->conf.etcd.cache_dir = NULL;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    free(*state);
    return 0;
}

static void
open_store(struct fixture *f, struct mh_lease_store *store, const char *host)
{
    struct mh_error err = { { 0 } };

    if (mh_lease_store_open(store, &f->conf, host, &err) < 0)
        fail_msg("open as %s: %s", host, err.message);
}

static int
run_on(struct mh_lease_store *store, enum mh_lease_operation operation, const char *uuid,
       const char *source, const char *migration_id, struct mh_lease_result *result,
       struct mh_error *err)
{
    struct mh_lease_request request;

    mh_lease_request_init(&request, operation, store->conf, store->host, uuid, "vm1");
    request.source_host = source;
    request.migration_id = migration_id;
    return mh_lease_run(store, &request, result, err);
}

static int
run(struct fixture *f, const char *host, enum mh_lease_operation operation, const char *uuid,
    struct mh_lease_result *result, struct mh_error *err)
{
    struct mh_lease_store store;
    int ret;

    open_store(f, &store, host);
    ret = run_on(&store, operation, uuid, "", "", result, err);
    mh_lease_store_close(&store);
    return ret;
}

/* The raw key-value at PREFIX + name, or count 0. */
static struct mh_etcd_range
raw_get(struct fixture *f, const char *name)
{
    struct mh_lease_etcd_conf conf = f->conf.etcd;
    struct mh_error err = { { 0 } };
    struct mh_etcd_range range = { 0 };
    struct mh_etcd etcd;
    char key[256];
    json_t *request, *reply = NULL;

    MH_TEST_PRINT(key, "%s%s", f->prefix, name);
    assert_int_equal(mh_etcd_open(&etcd, &conf, &err), 0);
    request = mh_etcd_request_range(key, false, 0, &err);
    if (mh_etcd_call(&etcd, "/v3/kv/range", request, MH_ETCD_MAX_REPLY, &reply, &err) < 0 ||
        mh_etcd_range_parse(reply, 1 << 20, &range, &err) < 0)
        fail_msg("raw get %s: %s", key, err.message);
    json_decref(request);
    json_decref(reply);
    mh_etcd_close(&etcd);
    return range;
}

static void
raw_put(struct fixture *f, const char *name, const char *value)
{
    struct mh_error err = { { 0 } };
    struct mh_etcd etcd;
    json_t *success = json_array(), *responses = NULL;
    bool succeeded;
    char key[256];

    MH_TEST_PRINT(key, "%s%s", f->prefix, name);
    assert_int_equal(mh_etcd_open(&etcd, &f->conf.etcd, &err), 0);
    json_array_append_new(success, mh_etcd_request_put(key, value, strlen(value), 0, &err));
    if (mh_etcd_txn(&etcd, json_array(), success, MH_ETCD_MAX_REPLY, &succeeded, &responses,
                    &err) < 0)
        fail_msg("raw put: %s", err.message);
    assert_true(succeeded);
    json_decref(responses);
    mh_etcd_close(&etcd);
}

static void
raw_delete(struct fixture *f, const char *name)
{
    struct mh_error err = { { 0 } };
    struct mh_etcd etcd;
    json_t *success = json_array(), *responses = NULL;
    bool succeeded;
    char key[256];

    MH_TEST_PRINT(key, "%s%s", f->prefix, name);
    assert_int_equal(mh_etcd_open(&etcd, &f->conf.etcd, &err), 0);
    json_array_append_new(success, mh_etcd_request_delete(key, &err));
    assert_int_equal(mh_etcd_txn(&etcd, json_array(), success, MH_ETCD_MAX_REPLY, &succeeded,
                                 &responses, &err), 0);
    json_decref(responses);
    mh_etcd_close(&etcd);
}

/* The etcd lease that hosts/HOST names (0: none). */
static long long
host_lease(struct fixture *f, const char *host)
{
    char name[128];
    struct mh_etcd_range range;
    long long lease = 0;

    MH_TEST_PRINT(name, "hosts/%s", host);
    range = raw_get(f, name);
    if (range.count)
        lease = range.kvs[0].lease;
    mh_etcd_range_free(&range);
    return lease;
}

static long long
owner_key_lease(struct fixture *f, const char *uuid)
{
    char name[128];
    struct mh_etcd_range range;
    long long lease = -1;

    MH_TEST_PRINT(name, "owners/%s", uuid);
    range = raw_get(f, name);
    if (range.count)
        lease = range.kvs[0].lease;
    mh_etcd_range_free(&range);
    return lease;
}

static void
start_refuse_stop(void **state)
{
    struct fixture *f = *state;
    struct mh_lease_result result;
    struct mh_error err = { { 0 } };

    assert_int_equal(run(f, "hostA", MH_LEASE_START, UUID, &result, &err), 0);
    assert_string_equal(result.after.owner, "hostA");
    assert_int_equal(result.after.generation, 1);
    /* the owner key hangs on hostA's etcd lease */
    assert_true(host_lease(f, "hostA") > 0);
    assert_true(owner_key_lease(f, UUID) == host_lease(f, "hostA"));
    assert_int_equal(run(f, "hostB", MH_LEASE_START, UUID, &result, &err), -1);
    assert_true(result.refused);
    assert_non_null(strstr(err.message, "guest vm1 is owned by host hostA (since "));
    assert_int_equal(run(f, "hostA", MH_LEASE_STOPPED, UUID, &result, &err), 0);
    assert_int_equal(result.transition, MH_LEASE_RELEASED);
    assert_int_equal(owner_key_lease(f, UUID), -1);
    assert_int_equal(run(f, "hostB", MH_LEASE_START, UUID, &result, &err), 0);
    assert_string_equal(result.after.owner, "hostB");
    assert_int_equal(result.after.generation, 3);
}

static void
migration_hands_over_onto_the_destinations_etcd_lease(void **state)
{
    struct fixture *f = *state;
    struct mh_lease_store a, b;
    struct mh_lease_result result;
    struct mh_error err = { { 0 } };

    open_store(f, &a, "hostA");
    open_store(f, &b, "hostB");
    assert_int_equal(run_on(&a, MH_LEASE_START, UUID, "", "", &result, &err), 0);
    assert_int_equal(run_on(&b, MH_LEASE_RESERVE, UUID, "hostA", "m-1", &result, &err), 0);
    assert_int_equal(run_on(&b, MH_LEASE_START, UUID, "", "m-1", &result, &err), 0);
    assert_int_equal(result.operation, MH_LEASE_CONFIRM);
    assert_int_equal(run_on(&a, MH_LEASE_STOPPED, UUID, "", "", &result, &err), 0);
    assert_int_equal(result.transition, MH_LEASE_HANDED_OVER);
    assert_string_equal(result.after.owner, "hostB");
    assert_true(owner_key_lease(f, UUID) == host_lease(f, "hostB"));
    assert_int_equal(run_on(&a, MH_LEASE_STOPPED, UUID, "", "", &result, &err), 0);
    assert_false(result.changed);
    assert_int_equal(run_on(&a, MH_LEASE_START, UUID, "", "", &result, &err), -1);
    assert_true(result.refused);
    mh_lease_store_close(&a);
    mh_lease_store_close(&b);
}

static void
a_concurrent_change_is_a_conflict_not_a_lost_update(void **state)
{
    struct fixture *f = *state;
    struct mh_lease_store a, b;
    struct mh_lease_record record;
    struct mh_lease_result result;
    struct mh_error err = { { 0 } };
    bool corrupt, conflict;

    open_store(f, &a, "hostA");
    open_store(f, &b, "hostB");
    assert_int_equal(mh_lease_store_load(&a, UUID, &record, &corrupt, &err), 0);
    assert_false(record.exists);
    /* B takes it between A's read and A's write */
    assert_int_equal(run_on(&b, MH_LEASE_START, UUID, "", "", &result, &err), 0);
    strcpy(record.owner, "hostA");
    record.generation = 1;
    assert_int_equal(mh_lease_store_save(&a, &record, &conflict, &err), 0);
    assert_true(conflict);
    mh_lease_store_unlock(&a);
    /* mh_lease_run reads again and refuses for the right reason */
    assert_int_equal(run_on(&a, MH_LEASE_START, UUID, "", "", &result, &err), -1);
    assert_non_null(strstr(err.message, "owned by host hostB"));
    mh_lease_store_close(&a);
    mh_lease_store_close(&b);
}

static void
a_dead_owners_ownership_expires_and_a_live_one_is_kept_or_reclaimed(void **state)
{
    struct fixture *f = *state;
    struct mh_lease_store a, c;
    struct mh_lease_result result;
    struct mh_lease_record record;
    struct mh_error err = { { 0 } };
    bool missing;
    int waited = 0;
    int repaired;

    f->conf.etcd.ttl_s = 2;
    /* hostC keeps its lease alive, hostA goes silent ("dies") */
    open_store(f, &c, "hostC");
    assert_int_equal(run_on(&c, MH_LEASE_START, UUID2, "", "", &result, &err), 0);
    open_store(f, &a, "hostA");
    assert_int_equal(run_on(&a, MH_LEASE_START, UUID, "", "", &result, &err), 0);
    assert_int_equal(run(f, "hostB", MH_LEASE_START, UUID, &result, &err), -1);
    assert_true(result.refused);
    while (waited < 8000) {
        usleep(250000);
        waited += 250;
        assert_true(mh_lease_store_keepalive(&c, &err) >= 0);
        if (run(f, "hostB", MH_LEASE_START, UUID, &result, &err) == 0)
            break;
        assert_true(result.refused);
    }
    /* etcd rounds TTLs up to about 2 s and checks them every 0.5 s */
    if (waited < 1500 || waited >= 8000)
        fail_msg("hostA's ownership ended after %d ms with a 2 s TTL", waited);
    assert_string_equal(result.before.owner, "");
    assert_string_equal(result.before.expired_owner, "hostA");
    assert_string_equal(result.after.owner, "hostB");
    /* hostC's guest was kept alive all along */
    assert_int_equal(run(f, "hostB", MH_LEASE_START, UUID2, &result, &err), -1);
    assert_non_null(strstr(err.message, "owned by host hostC"));
    /* hostA comes back: it must not claim what hostB took */
    repaired = mh_lease_store_keepalive(&a, &err);
    assert_int_equal(repaired, 0);
    assert_int_equal(mh_lease_store_find(&a, UUID, &record, &missing, &err), 0);
    assert_string_equal(record.owner, "hostB");
    mh_lease_store_close(&a);
    mh_lease_store_close(&c);
}

static void
keepalive_reclaims_an_expired_ownership_nobody_took(void **state)
{
    struct fixture *f = *state;
    struct mh_lease_store a;
    struct mh_lease_result result;
    struct mh_lease_record record;
    struct mh_error err = { { 0 } };
    bool missing;
    int repaired = 0;

    f->conf.etcd.ttl_s = 2;
    open_store(f, &a, "hostA");
    assert_int_equal(run_on(&a, MH_LEASE_START, UUID, "", "", &result, &err), 0);
    for (int waited = 0; waited < 8000; waited += 250) {
        usleep(250000);
        assert_int_equal(mh_lease_store_find(&a, UUID, &record, &missing, &err), 0);
        if (record.expired_owner[0])
            break;
    }
    assert_string_equal(record.expired_owner, "hostA");
    repaired = mh_lease_store_keepalive(&a, &err);
    assert_int_equal(repaired, 1);
    assert_int_equal(mh_lease_store_find(&a, UUID, &record, &missing, &err), 0);
    assert_string_equal(record.owner, "hostA");
    assert_string_equal(record.change, "reclaim");
    assert_true(owner_key_lease(f, UUID) == host_lease(f, "hostA"));
    mh_lease_store_close(&a);
}

static void
keepalive_moves_owner_keys_onto_the_current_lease(void **state)
{
    struct fixture *f = *state;
    struct mh_lease_store a;
    struct mh_lease_result result;
    struct mh_error err = { { 0 } };
    long long first;

    assert_int_equal(run(f, "hostA", MH_LEASE_START, UUID, &result, &err), 0);
    first = host_lease(f, "hostA");
    /* Someone deletes the host key: the next open grants a new lease, and
     * the owner key still hangs on the old one. */
    raw_delete(f, "hosts/hostA");
    open_store(f, &a, "hostA");
    assert_int_equal(mh_lease_store_keepalive(&a, &err), 1);
    assert_true(host_lease(f, "hostA") != first);
    assert_true(owner_key_lease(f, UUID) == host_lease(f, "hostA"));
    assert_int_equal(mh_lease_store_keepalive(&a, &err), 0);
    mh_lease_store_close(&a);
    /* the same when a hook call's read grants the new lease */
    first = host_lease(f, "hostA");
    raw_delete(f, "hosts/hostA");
    assert_int_equal(run(f, "hostA", MH_LEASE_START, UUID2, &result, &err), 0);
    open_store(f, &a, "hostA");
    assert_true(host_lease(f, "hostA") != first);
    assert_true(owner_key_lease(f, UUID) == first);
    assert_int_equal(mh_lease_store_keepalive(&a, &err), 1);
    assert_true(owner_key_lease(f, UUID) == host_lease(f, "hostA"));
    assert_int_equal(mh_lease_store_keepalive(&a, &err), 0);
    mh_lease_store_close(&a);
}

/* How many requests of a kind ("Txn", "LeaseKeepAlive"...) etcd has
 * started, from its own /metrics. */
static long
etcd_started(const char *method)
{
    struct mh_error err = { { 0 } };
    struct mh_http http;
    struct mh_http_reply reply;
    char url[128], needle[128];
    const char *at;
    long count = 0;

    MH_TEST_PRINT(url, "%s/metrics", server.endpoint);
    MH_TEST_PRINT(needle, "grpc_server_started_total{grpc_method=\"%s\",", method);
    mh_http_init(&http);
    if (mh_http_post(&http, url, "text/plain", "", 0, 3000, 16 << 20, &reply, &err) < 0)
        fail_msg("etcd metrics: %s", err.message);
    assert_int_equal(reply.status, 200);
    at = strstr(reply.body, needle);
    if (at && (at = strchr(at, '}')))
        count = strtol(at + 1, NULL, 10);
    mh_http_reply_free(&reply);
    mh_http_close(&http);
    return count;
}

/* Every request a lease operation can make. */
static long
etcd_requests(void)
{
    static const char *const methods[] = { "Range", "Txn", "Put", "DeleteRange",
                                           "LeaseGrant", "LeaseKeepAlive", "LeaseRevoke",
                                           "LeaseTimeToLive", NULL };
    long total = 0;

    for (size_t i = 0; methods[i]; i++)
        total += etcd_started(methods[i]);
    return total;
}

/* One hook call (its own store) of operation by host: the requests it
 * made to etcd, and how many of them refreshed a lease. */
static long
requests_of_a_call(struct fixture *f, const char *host, enum mh_lease_operation operation,
                   long *keepalives)
{
    struct mh_lease_result result;
    struct mh_error err = { { 0 } };
    long before = etcd_requests(), refreshes = etcd_started("LeaseKeepAlive");

    if (run(f, host, operation, UUID, &result, &err) < 0 || !result.changed)
        fail_msg("%s by %s: %s", mh_lease_operation_name(operation), host,
                 result.changed ? err.message : "changed nothing");
    *keepalives = etcd_started("LeaseKeepAlive") - refreshes;
    return etcd_requests() - before;
}

static void
a_change_is_one_read_and_one_write_once_the_host_lease_is_fresh(void **state)
{
    struct fixture *f = *state;
    char *dir = mh_test_tmpdir();
    char path[512];
    long keepalives;

    /* The first call grants hostA its lease and notes the refresh. */
    MH_TEST_PRINT(path, "%s/etcd-lease.json", dir);
    f->conf.etcd.refresh_file = path;
    assert_true(requests_of_a_call(f, "hostA", MH_LEASE_START, &keepalives) > 2);
    /* Calls after it: the read txn (record, owner key and hosts/hostA at
     * once) and the write txn, nothing else. */
    assert_int_equal(requests_of_a_call(f, "hostA", MH_LEASE_STOPPED, &keepalives), 2);
    assert_int_equal(keepalives, 0);
    assert_int_equal(requests_of_a_call(f, "hostA", MH_LEASE_START, &keepalives), 2);
    /* Without a refresh file each call refreshes the lease: one more. */
    f->conf.etcd.refresh_file = NULL;
    assert_int_equal(requests_of_a_call(f, "hostA", MH_LEASE_STOPPED, &keepalives), 3);
    assert_int_equal(keepalives, 1);
    mh_test_rmdir(dir);
}

/* Write dir/etcd-lease.json for hostA's current lease (lease_delta added
 * to its id), refreshed age_ms ago, with the given host and prefix. */
static void
write_refresh_file(struct fixture *f, const char *dir, const char *host, const char *prefix,
                   long long lease_delta, long long age_ms, unsigned mode)
{
    struct timespec now;
    char text[512];

    clock_gettime(CLOCK_REALTIME, &now);
    MH_TEST_PRINT(text, "{\"host\":\"%s\",\"prefix\":\"%s\",\"lease\":%lld,"
                  "\"ttl_s\":60,\"refreshed_ms\":%lld}", host, prefix,
                  host_lease(f, "hostA") + lease_delta,
                  (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000 - age_ms);
    mh_test_write(dir, "etcd-lease.json", text, mode);
}

static void
the_host_lease_is_refreshed_unless_the_refresh_file_vouches_for_it(void **state)
{
    struct fixture *f = *state;
    static const char *const garbage[] = {
        "", "{", "[]", "null", "{\"host\":\"hostA\"}",
        "{\"host\":\"hostA\",\"prefix\":7,\"lease\":1,\"ttl_s\":60,\"refreshed_ms\":1}",
        NULL,
    };
    enum mh_lease_operation operation = MH_LEASE_STOPPED;
    char *dir = mh_test_tmpdir();
    char path[512];
    long keepalives;

    MH_TEST_PRINT(path, "%s/etcd-lease.json", dir);
    f->conf.etcd.refresh_file = path;
    f->conf.etcd.ttl_s = 60;
    requests_of_a_call(f, "hostA", MH_LEASE_START, &keepalives);
    /* vouches: refreshed 5 s ago, a third of 60 s is 20 */
    write_refresh_file(f, dir, "hostA", f->prefix, 0, 5000, 0644);
    requests_of_a_call(f, "hostA", operation, &keepalives);
    assert_int_equal(keepalives, 0);
    /* each of these does not */
#define REFRESHED(...)                                                            \
    do {                                                                          \
        __VA_ARGS__;                                                              \
        operation = operation == MH_LEASE_START ? MH_LEASE_STOPPED : MH_LEASE_START; \
        requests_of_a_call(f, "hostA", operation, &keepalives);                   \
        if (keepalives != 1)                                                      \
            fail_msg("no refresh after: %s", #__VA_ARGS__);                       \
    } while (0)
    REFRESHED(write_refresh_file(f, dir, "hostA", f->prefix, 0, 21000, 0644));
    REFRESHED(write_refresh_file(f, dir, "hostA", f->prefix, 0, -60000, 0644));
    REFRESHED(write_refresh_file(f, dir, "hostB", f->prefix, 0, 5000, 0644));
    REFRESHED(write_refresh_file(f, dir, "hostA", "/elsewhere/", 0, 5000, 0644));
    REFRESHED(write_refresh_file(f, dir, "hostA", f->prefix, 1, 5000, 0644));
    REFRESHED(write_refresh_file(f, dir, "hostA", f->prefix, 0, 5000, 0666));
    REFRESHED(unlink(path));
    for (size_t i = 0; garbage[i]; i++)
        REFRESHED(mh_test_write(dir, "etcd-lease.json", garbage[i], 0644));
#undef REFRESHED
    /* and the refresh wrote a file that vouches for the lease it refreshed */
    operation = operation == MH_LEASE_START ? MH_LEASE_STOPPED : MH_LEASE_START;
    requests_of_a_call(f, "hostA", operation, &keepalives);
    assert_int_equal(keepalives, 0);
    mh_test_rmdir(dir);
}

/* Host's own refresh note and cache under dir/HOST. */
static void
as_host(struct fixture *f, const char *dir, const char *host, char paths[2][512])
{
    MH_TEST_PRINT(paths[0], "%s/%s-etcd-lease.json", dir, host);
    MH_TEST_PRINT(paths[1], "%s/%s-cache", dir, host);
    f->conf.etcd.refresh_file = paths[0];
    f->conf.etcd.cache_dir = paths[1];
}

static void
a_cached_guest_changes_in_one_request(void **state)
{
    struct fixture *f = *state;
    char *dir = mh_test_tmpdir();
    char paths[2][512];
    long keepalives;

    as_host(f, dir, "hostA", paths);
    assert_true(requests_of_a_call(f, "hostA", MH_LEASE_START, &keepalives) > 2);
    assert_int_equal(requests_of_a_call(f, "hostA", MH_LEASE_STOPPED, &keepalives), 1);
    assert_int_equal(requests_of_a_call(f, "hostA", MH_LEASE_START, &keepalives), 1);
    assert_int_equal(keepalives, 0);
    mh_test_rmdir(dir);
}

static void
a_cache_that_lies_decides_nothing(void **state)
{
    struct fixture *f = *state;
    struct mh_lease_result result;
    struct mh_lease_record record;
    struct mh_lease_store store;
    struct mh_error err = { { 0 } };
    char *dir = mh_test_tmpdir();
    char paths[2][512], lie[1024], cache[600];
    struct mh_etcd_range held;
    const char *lies[][2] = {
        { "null", "null" },                       /* nobody's */
        { "null", "\"hostB\"" },                /* hostB's already */
        { "RECORD", "\"hostB\"" },              /* the record, with hostB as owner */
        { "RECORD", "null" },                     /* the record, its owner expired */
    };
    bool missing;

    as_host(f, dir, "hostA", paths);
    assert_int_equal(run(f, "hostA", MH_LEASE_START, UUID, &result, &err), 0);
    held = raw_get(f, "guests/" UUID);
    assert_int_equal(held.count, 1);
    /* hostB settles its lease and note with another guest */
    as_host(f, dir, "hostB", paths);
    assert_int_equal(run(f, "hostB", MH_LEASE_START, UUID2, &result, &err), 0);
    MH_TEST_PRINT(cache, "%s/%s.json", paths[1], UUID);
    for (size_t i = 0; i < sizeof(lies) / sizeof(lies[0]); i++) {
        json_t *text = json_stringn(held.kvs[0].value, held.kvs[0].value_length);
        char *quoted = json_dumps(text, JSON_ENCODE_ANY);
        char *slash;

        MH_TEST_PRINT(lie, "{\"host\":\"hostB\",\"prefix\":\"%s\",\"uuid\":\"%s\","
                      "\"record\":%s,\"owner\":%s,\"lease\":%lld}", f->prefix, UUID,
                      strcmp(lies[i][0], "RECORD") == 0 ? quoted : lies[i][0], lies[i][1],
                      host_lease(f, "hostB"));
        free(quoted);
        json_decref(text);
        slash = strrchr(cache, '/');
        *slash = '\0';
        mh_test_write(cache, UUID ".json", lie, 0600);
        *slash = '/';
        if (run(f, "hostB", MH_LEASE_START, UUID, &result, &err) != -1 || !result.refused)
            fail_msg("lie %zu: hostB started hostA's guest", i);
        assert_non_null(strstr(err.message, "owned by host hostA"));
    }
    /* and hostA's record is as it was */
    open_store(f, &store, "hostB");
    assert_int_equal(mh_lease_store_find(&store, UUID, &record, &missing, &err), 0);
    mh_lease_store_close(&store);
    assert_string_equal(record.owner, "hostA");
    assert_int_equal(record.generation, 1);
    mh_etcd_range_free(&held);
    mh_test_rmdir(dir);
}

static void
an_unusable_cache_is_read_around(void **state)
{
    struct fixture *f = *state;
    static const char *const garbage[] = {
        "", "{", "[]", "{\"host\":\"hostA\"}",
        "{\"host\":\"hostB\",\"prefix\":\"P\",\"uuid\":\"" UUID "\",\"record\":null,"
        "\"owner\":null,\"lease\":LEASE}",
        "{\"host\":\"hostA\",\"prefix\":\"/elsewhere/\",\"uuid\":\"" UUID "\","
        "\"record\":null,\"owner\":null,\"lease\":LEASE}",
        "{\"host\":\"hostA\",\"prefix\":\"P\",\"uuid\":\"" UUID2 "\",\"record\":null,"
        "\"owner\":null,\"lease\":LEASE}",
        "{\"host\":\"hostA\",\"prefix\":\"P\",\"uuid\":\"" UUID "\",\"record\":\"{}\","
        "\"owner\":null,\"lease\":LEASE}",
        "{\"host\":\"hostA\",\"prefix\":\"P\",\"uuid\":\"" UUID "\",\"record\":7,"
        "\"owner\":null,\"lease\":LEASE}",
        "{\"host\":\"hostA\",\"prefix\":\"P\",\"uuid\":\"" UUID "\",\"record\":null,"
        "\"owner\":\"no spaces\",\"lease\":LEASE}",
        "{\"host\":\"hostA\",\"prefix\":\"P\",\"uuid\":\"" UUID "\",\"record\":null,"
        "\"owner\":null,\"lease\":0}",
        NULL,
    };
    enum mh_lease_operation operation = MH_LEASE_START;
    char *dir = mh_test_tmpdir();
    char paths[2][512], text[1024], lease[32];
    long keepalives;

    as_host(f, dir, "hostA", paths);
    requests_of_a_call(f, "hostA", MH_LEASE_START, &keepalives);
    MH_TEST_PRINT(lease, "%lld", host_lease(f, "hostA"));
    for (size_t i = 0; garbage[i]; i++) {
        /* P is the prefix, LEASE hostA's lease: only one thing wrong each */
        char *at;

        mh_string_copy(text, sizeof(text), garbage[i]);
        if ((at = strstr(text, "\"P\""))) {
            memmove(at + strlen(f->prefix) + 2, at + 3, strlen(at + 3) + 1);
            memcpy(at + 1, f->prefix, strlen(f->prefix));
            at[strlen(f->prefix) + 1] = '"';
        }
        if ((at = strstr(text, "LEASE"))) {
            memmove(at + strlen(lease), at + 5, strlen(at + 5) + 1);
            memcpy(at, lease, strlen(lease));
        }
        mh_test_write(paths[1], UUID ".json", text, 0600);
        operation = operation == MH_LEASE_START ? MH_LEASE_STOPPED : MH_LEASE_START;
        if (requests_of_a_call(f, "hostA", operation, &keepalives) != 2)
            fail_msg("cache %zu was trusted: %s", i, text);
    }
    /* world-writable: not trusted either (the last call wrote it) */
    assert_int_equal(operation, MH_LEASE_STOPPED);
    MH_TEST_PRINT(text, "%s/%s.json", paths[1], UUID);
    assert_int_equal(chmod(text, 0666), 0);
    assert_int_equal(requests_of_a_call(f, "hostA", MH_LEASE_START, &keepalives), 2);
    /* and the cache the calls wrote is used again */
    assert_int_equal(requests_of_a_call(f, "hostA", MH_LEASE_STOPPED, &keepalives), 1);
    mh_test_rmdir(dir);
}

/* Whether dir holds a cache file for uuid. */
static bool
cached(const char *dir, const char *uuid)
{
    char path[600];

    MH_TEST_PRINT(path, "%s/%s.json", dir, uuid);
    return access(path, F_OK) == 0;
}

static void
the_cache_keeps_only_guests_this_host_may_change_next(void **state)
{
    struct fixture *f = *state;
    struct mh_lease_conf conf_b = f->conf;
    struct mh_lease_store b;
    struct mh_lease_result result;
    struct mh_error err = { { 0 } };
    char *dir = mh_test_tmpdir();
    char paths[2][512];

    as_host(f, dir, "hostA", paths);
    assert_int_equal(run(f, "hostA", MH_LEASE_START, UUID, &result, &err), 0);
    assert_int_equal(run(f, "hostA", MH_LEASE_START, UUID2, &result, &err), 0);
    assert_true(cached(paths[1], UUID) && cached(paths[1], UUID2));
    /* UUID migrates to hostB (which keeps no cache here) */
    assert_int_equal(mh_lease_store_open(&b, &conf_b, "hostB", &err), 0);
    assert_int_equal(run_on(&b, MH_LEASE_RESERVE, UUID, "hostA", "m-1", &result, &err), 0);
    assert_int_equal(run_on(&b, MH_LEASE_START, UUID, "", "m-1", &result, &err), 0);
    mh_lease_store_close(&b);
    assert_int_equal(run(f, "hostA", MH_LEASE_STOPPED, UUID, &result, &err), 0);
    assert_int_equal(result.transition, MH_LEASE_HANDED_OVER);
    /* hostB changes it next: what hostA saw is stale from then on */
    assert_false(cached(paths[1], UUID));
    /* nor does a read of a guest another host owns note it (release end
     * after stopped end) */
    assert_int_equal(run(f, "hostA", MH_LEASE_STOPPED, UUID, &result, &err), 0);
    assert_false(result.changed);
    assert_false(cached(paths[1], UUID));
    /* a guest released here stays cached: it is usually started here again */
    assert_int_equal(run(f, "hostA", MH_LEASE_STOPPED, UUID2, &result, &err), 0);
    assert_int_equal(result.transition, MH_LEASE_RELEASED);
    assert_true(cached(paths[1], UUID2));
    /* until hostA's etcd lease is replaced: notes of the old one go */
    mh_test_write(paths[1], "not-a-cache-file", "x", 0600);
    usleep(20000);  /* pruned by modification time: let the clock move on */
    raw_delete(f, "hosts/hostA");
    assert_int_equal(run(f, "hostA", MH_LEASE_START, UUID3, &result, &err), 0);
    assert_false(cached(paths[1], UUID2));
    assert_true(cached(paths[1], UUID3));
    MH_TEST_PRINT(paths[0], "%s/not-a-cache-file", paths[1]);
    assert_int_equal(access(paths[0], F_OK), 0);
    mh_test_rmdir(dir);
}

static void
hand_over_to_a_host_without_a_live_lease_is_an_error(void **state)
{
    struct fixture *f = *state;
    struct mh_lease_store a, z;
    struct mh_lease_result result;
    struct mh_lease_record record;
    struct mh_error err = { { 0 } };
    bool missing;

    open_store(f, &a, "hostA");
    open_store(f, &z, "hostZ");
    assert_int_equal(run_on(&a, MH_LEASE_START, UUID, "", "", &result, &err), 0);
    assert_int_equal(run_on(&z, MH_LEASE_RESERVE, UUID, "hostA", "m-9", &result, &err), 0);
    assert_int_equal(run_on(&z, MH_LEASE_START, UUID, "", "m-9", &result, &err), 0);
    mh_lease_store_close(&z);
    raw_delete(f, "hosts/hostZ");   /* as if its lease had expired */
    assert_int_equal(run_on(&a, MH_LEASE_STOPPED, UUID, "", "", &result, &err), -1);
    assert_false(result.refused);
    assert_non_null(strstr(err.message, "cannot give guest vm1 to host hostZ"));
    assert_int_equal(mh_lease_store_find(&a, UUID, &record, &missing, &err), 0);
    assert_string_equal(record.owner, "hostA");
    assert_string_equal(record.pending.host, "hostZ");
    mh_lease_store_close(&a);
}

static void
hostile_values_are_errors_and_break_replaces_them(void **state)
{
    struct fixture *f = *state;
    struct mh_lease_result result;
    struct mh_error err = { { 0 } };

    raw_put(f, "guests/" UUID, "{\"version\":1,\"uuid\":\"../x\"}");
    assert_int_equal(run(f, "hostA", MH_LEASE_START, UUID, &result, &err), -1);
    assert_false(result.refused);
    assert_non_null(strstr(err.message, "unreadable lease record"));
    assert_non_null(strstr(err.message, "\"uuid\" must be a UUID"));
    assert_int_equal(run(f, "hostA", MH_LEASE_BREAK, UUID, &result, &err), 0);
    assert_non_null(strstr(result.note, "replaced an unreadable record"));
    assert_int_equal(run(f, "hostA", MH_LEASE_START, UUID, &result, &err), 0);

    raw_put(f, "owners/" UUID, "host A; reboot");
    assert_int_equal(run(f, "hostA", MH_LEASE_START, UUID, &result, &err), -1);
    assert_non_null(strstr(err.message, "owner key does not hold a host id"));
    assert_int_equal(run(f, "hostA", MH_LEASE_BREAK, UUID, &result, &err), 0);
    assert_int_equal(owner_key_lease(f, UUID), -1);
}

struct listing {
    int readable, unreadable;
    char owners[4][128];
};

static int
collect(const struct mh_lease_record *record, bool readable, const char *problem, void *data)
{
    struct listing *l = data;

    (void)problem;
    if (!readable) {
        l->unreadable++;
        return 0;
    }
    if (l->readable < 4)
        snprintf(l->owners[l->readable], sizeof(l->owners[0]), "%s:%s", record->uuid,
                 record->owner);
    l->readable++;
    return 0;
}

static void
list_merges_records_and_owner_keys(void **state)
{
    struct fixture *f = *state;
    struct mh_lease_store store;
    struct mh_lease_result result;
    struct mh_error err = { { 0 } };
    struct listing l = { 0 };

    assert_int_equal(run(f, "hostA", MH_LEASE_START, UUID, &result, &err), 0);
    assert_int_equal(run(f, "hostB", MH_LEASE_START, UUID2, &result, &err), 0);
    raw_put(f, "guests/not-a-uuid", "{}");
    open_store(f, &store, "hostA");
    assert_int_equal(mh_lease_store_list(&store, collect, &l, &err), 0);
    mh_lease_store_close(&store);
    assert_int_equal(l.readable, 2);
    assert_int_equal(l.unreadable, 1);
    assert_string_equal(l.owners[0], UUID2 ":hostB");
    assert_string_equal(l.owners[1], UUID ":hostA");
}

static void
an_unreachable_etcd_is_a_clear_error(void **state)
{
    struct fixture *f = *state;
    struct mh_lease_store store;
    struct mh_error err = { { 0 } };
    json_t *nowhere = json_pack("[s]", "http://127.0.0.1:9/");

    struct mh_lease_result result;

    f->conf.etcd.endpoints = nowhere;
    /* opening asks nothing of etcd; the first read finds it unreachable */
    open_store(f, &store, "hostA");
    assert_int_equal(run_on(&store, MH_LEASE_START, UUID, "", "", &result, &err), -1);
    assert_false(result.refused);
    mh_lease_store_close(&store);
    if (!strstr(err.message, "etcd: no endpoint answered"))
        fail_msg("unexpected error: %s", err.message);
    json_decref(nowhere);
}

int
main(void)
{
#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        TEST(start_refuse_stop),
        TEST(migration_hands_over_onto_the_destinations_etcd_lease),
        TEST(a_concurrent_change_is_a_conflict_not_a_lost_update),
        TEST(a_dead_owners_ownership_expires_and_a_live_one_is_kept_or_reclaimed),
        TEST(keepalive_reclaims_an_expired_ownership_nobody_took),
        TEST(keepalive_moves_owner_keys_onto_the_current_lease),
        TEST(a_change_is_one_read_and_one_write_once_the_host_lease_is_fresh),
        TEST(the_host_lease_is_refreshed_unless_the_refresh_file_vouches_for_it),
        TEST(a_cached_guest_changes_in_one_request),
        TEST(a_cache_that_lies_decides_nothing),
        TEST(an_unusable_cache_is_read_around),
        TEST(the_cache_keeps_only_guests_this_host_may_change_next),
        TEST(hand_over_to_a_host_without_a_live_lease_is_an_error),
        TEST(hostile_values_are_errors_and_break_replaces_them),
        TEST(list_merges_records_and_owner_keys),
        TEST(an_unreachable_etcd_is_a_clear_error),
    };
#undef TEST

    return cmocka_run_group_tests(tests, start_etcd, stop_etcd_and_clean);
}
