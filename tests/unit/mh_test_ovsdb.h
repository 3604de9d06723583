/* mh_test_ovsdb.h - a real ovsdb-server with a fresh vswitch database on a
 * temporary socket, for tests and benchmarks (no ovs-vswitchd: rows are
 * only rows). Started by pid and stopped by pid, never by name. Functions
 * return 0 or -1 and print why on stderr, so non-cmocka code can use them. */
#ifndef MH_TEST_OVSDB_H
#define MH_TEST_OVSDB_H

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mh_error.h"
#include "mh_ovsdb.h"
#include "mh_ovsdb_op.h"

#define MH_TEST_OVSDB_SCHEMA "/usr/share/openvswitch/vswitch.ovsschema"
#define MH_TEST_OVSDB_SERVER "/usr/sbin/ovsdb-server"
#define MH_TEST_OVSDB_TOOL "/usr/bin/ovsdb-tool"

struct mh_test_ovsdb {
    char dir[64];
    char socket[128];
    pid_t pid;
};

/* Run argv with stdout/stderr to /dev/null and wait; its exit status. */
static inline int
mh_test_ovsdb_run(char *const argv[])
{
    int status = 0;
    pid_t pid = fork();

    if (pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        execv(argv[0], argv);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* One transaction on a fresh connection; 0 when every operation worked. */
static inline int
mh_test_ovsdb_transact(const char *socket_path, json_t *operations)
{
    struct mh_error err = { { 0 } };
    struct mh_ovsdb db;
    json_t *result;

    if (mh_ovsdb_connect(&db, socket_path, 2000, &err) < 0) {
        json_decref(operations);
        fprintf(stderr, "test ovsdb: %s\n", err.message);
        return -1;
    }
    result = mh_ovsdb_transact(&db, MH_OVSDB_DATABASE, operations, 0, NULL, &err);
    mh_ovsdb_close(&db);
    if (!result) {
        fprintf(stderr, "test ovsdb: %s\n", err.message);
        return -1;
    }
    json_decref(result);
    return 0;
}

/* Start ovsdb-server on dir/db.sock with an Open_vSwitch row and a bridge
 * "br0" without ports. */
static inline int
mh_test_ovsdb_start(struct mh_test_ovsdb *server)
{
    char db[128], remote[160], unixctl[160], log[160];
    struct timespec pause = { 0, 10 * 1000000L };

    memset(server, 0, sizeof(*server));
    snprintf(server->dir, sizeof(server->dir), "/tmp/mh-ovsdb.XXXXXX");
    if (!mkdtemp(server->dir))
        return -1;
    snprintf(db, sizeof(db), "%s/conf.db", server->dir);
    snprintf(server->socket, sizeof(server->socket), "%s/db.sock", server->dir);
    snprintf(remote, sizeof(remote), "--remote=punix:%s", server->socket);
    snprintf(unixctl, sizeof(unixctl), "--unixctl=%s/ctl", server->dir);
    snprintf(log, sizeof(log), "--log-file=%s/ovsdb-server.log", server->dir);
    {
        char *create[] = { MH_TEST_OVSDB_TOOL, "create", db, MH_TEST_OVSDB_SCHEMA, NULL };
        if (mh_test_ovsdb_run(create) != 0) {
            fprintf(stderr, "test ovsdb: ovsdb-tool create %s failed\n", db);
            return -1;
        }
    }
    server->pid = fork();
    if (server->pid == 0) {
        int null = open("/dev/null", O_RDWR);
        dup2(null, STDOUT_FILENO);
        dup2(null, STDERR_FILENO);
        execl(MH_TEST_OVSDB_SERVER, "ovsdb-server", db, remote, unixctl, log, "--no-chdir",
              (char *)NULL);
        _exit(127);
    }
    if (server->pid < 0)
        return -1;
    /* Ready when it accepts a connection: the socket file appears before
     * ovsdb-server listens on it, and a loaded machine shows the gap. */
    for (int i = 0; i < 500; i++) {
        struct mh_error ignored = { { 0 } };
        struct mh_ovsdb probe;
        int connected = mh_ovsdb_connect(&probe, server->socket, 100, &ignored);

        mh_ovsdb_close(&probe);
        if (connected == 0)
            break;
        nanosleep(&pause, NULL);
    }
    return mh_test_ovsdb_transact(
        server->socket,
        json_pack("[o, o]",
                  mh_ovsdb_insert("Open_vSwitch",
                                  json_pack("{s:o}", "bridges",
                                            json_pack("[s, s]", "named-uuid", "br")),
                                  NULL),
                  mh_ovsdb_insert("Bridge", json_pack("{s:s}", "name", "br0"), "br")));
}

/* Stop the server (by its pid) and remove its directory. */
static inline void
mh_test_ovsdb_stop(struct mh_test_ovsdb *server)
{
    if (server->pid > 0) {
        kill(server->pid, SIGTERM);
        waitpid(server->pid, NULL, 0);
        server->pid = 0;
    }
    if (server->dir[0]) {
        char *remove[] = { "/bin/rm", "-rf", server->dir, NULL };
        mh_test_ovsdb_run(remove);
        server->dir[0] = '\0';
    }
}

/* Add Port + Interface tap to br0, as libvirt's ovs-vsctl add-port does,
 * with external_ids (a JSON object text) on the Interface. */
static inline int
mh_test_ovsdb_add_port(const char *socket_path, const char *tap, const char *external_ids)
{
    json_t *ids = json_loads(external_ids, 0, NULL);

    if (!ids)
        return -1;
    return mh_test_ovsdb_transact(
        socket_path,
        json_pack("[o, o, o]",
                  mh_ovsdb_insert("Interface",
                                  json_pack("{s:s, s:o}", "name", tap, "external_ids",
                                            mh_ovsdb_map(ids)),
                                  "i"),
                  mh_ovsdb_insert("Port",
                                  json_pack("{s:s, s:[s, s]}", "name", tap, "interfaces",
                                            "named-uuid", "i"),
                                  "p"),
                  mh_ovsdb_mutate("Bridge", mh_ovsdb_where_equal("name", json_string("br0")),
                                  json_pack("[[s, s, [s, [[s, s]]]]]", "ports", "insert", "set",
                                            "named-uuid", "p"))));
}

/* The one row of table whose name is name, selected with columns (a JSON
 * array text), as a new reference; NULL when there is none. */
static inline json_t *
mh_test_ovsdb_row(const char *socket_path, const char *table, const char *name,
                  const char *columns)
{
    struct mh_error err = { { 0 } };
    struct mh_ovsdb db;
    json_t *results, *row = NULL;

    if (mh_ovsdb_connect(&db, socket_path, 2000, &err) < 0)
        return NULL;
    results = mh_ovsdb_transact(
        &db, MH_OVSDB_DATABASE,
        json_pack("[o]", mh_ovsdb_select(table, mh_ovsdb_where_equal("name", json_string(name)),
                                         json_loads(columns, 0, NULL))),
        0, NULL, &err);
    mh_ovsdb_close(&db);
    if (results) {
        json_t *rows = json_object_get(json_array_get(results, 0), "rows");
        if (json_array_size(rows) == 1)
            row = json_incref(json_array_get(rows, 0));
    }
    json_decref(results);
    return row;
}

#endif
