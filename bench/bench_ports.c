/* bench_ports.c - applying port data for a guest with 4 NICs: one OVSDB
 * JSON-RPC transaction (mh_ports_apply, what the started hook does) against
 * the ovs-vsctl calls a shell hook would make, on a real ovsdb-server
 * started here. Prints min/median/max of each and the ratio of medians.
 *
 *   make bench && build/bench/bench_ports [ROUNDS]
 */
#include "../tests/unit/mh_test_ovsdb.h"

#include "mh_command.h"
#include "mh_conf.h"
#include "mh_error.h"
#include "mh_ports.h"
#include "mh_string.h"
#include "mh_xml.h"

#define NICS 4
#define VSCTL "/usr/bin/ovs-vsctl"

struct series {
    const char *name;
    double *ms;
    size_t count;
};

static double
now_ms(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec * 1000.0 + (double)now.tv_nsec / 1e6;
}

static int
compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

static double
median(struct series *series)
{
    qsort(series->ms, series->count, sizeof(double), compare_doubles);
    return series->ms[series->count / 2];
}

static void
report(struct series *series)
{
    double middle = median(series);

    printf("%-44s min %7.2f  median %7.2f  max %7.2f ms\n", series->name, series->ms[0], middle,
           series->ms[series->count - 1]);
}

/* The guest's live XML: NIC i is MAC 52:54:00:be:00:0i on tap vnet-bench-i. */
static xmlDoc *
guest_xml(void)
{
    struct mh_error err = { { 0 } };
    char xml[8192];
    size_t used;
    xmlDoc *doc;

    used = (size_t)snprintf(xml, sizeof(xml), "<domain type='kvm'><name>bench</name><uuid>"
                                              "4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid><devices>");
    for (int i = 0; i < NICS; i++)
        used += (size_t)snprintf(xml + used, sizeof(xml) - used,
                                 "<interface type='bridge'><mac address='52:54:00:be:00:0%d'/>"
                                 "<source bridge='br0'/><virtualport type='openvswitch'/>"
                                 "<target dev='vnet-bench-%d'/></interface>", i, i);
    snprintf(xml + used, sizeof(xml) - used, "</devices></domain>");
    doc = mh_xml_parse(xml, strlen(xml), "bench domain", &err);
    if (!doc)
        fprintf(stderr, "bench: %s\n", err.message);
    return doc;
}

/* What a controller set on each NIC on the source: three keys, a VLAN
 * tag and mode, policing. */
static json_t *
port_data(void)
{
    json_t *section = json_object();

    for (int i = 0; i < NICS; i++) {
        char mac[18];

        snprintf(mac, sizeof(mac), "52:54:00:be:00:0%d", i);
        json_object_set_new(section, mac,
                            json_pack("{s:s, s:{s:{s:{s:s, s:s, s:s}, s:i, s:i}, s:{s:i, s:s}}}",
                                      "provider", "ovs", "data", "interface", "external_ids",
                                      "ctl-vlan", "42", "ctl-segment", "blue", "ctl-tenant", "t1",
                                      "ingress_policing_rate", 1000, "ingress_policing_burst", 100,
                                      "port", "tag", 7, "vlan_mode", "access"));
    }
    return section;
}

static int
run_vsctl(const char *const argv[])
{
    struct mh_error err = { { 0 } };
    struct mh_command_result result;
    int ok;

    if (mh_command_run(argv, NULL, 0, 10000, 65536, &result, &err) < 0) {
        fprintf(stderr, "bench: %s\n", err.message);
        return -1;
    }
    ok = result.exit_status == 0;
    mh_command_result_free(&result);
    return ok ? 0 : -1;
}

/* What a shell hook does: one ovs-vsctl per NIC (Interface and Port in
 * one call each), or, at best, all NICs chained in a single call. */
static int
apply_with_vsctl(const char *socket_path, bool one_call)
{
    char db[160], taps[NICS][32];
    const char *argv[16 + NICS * 12];
    size_t n = 0;

    snprintf(db, sizeof(db), "--db=unix:%s", socket_path);
    for (int i = 0; i < NICS; i++) {
        snprintf(taps[i], sizeof(taps[i]), "vnet-bench-%d", i);
        if (n == 0 || !one_call) {
            n = 0;
            argv[n++] = VSCTL;
            argv[n++] = db;
            argv[n++] = "--no-wait";
        } else {
            argv[n++] = "--";
        }
        argv[n++] = "set";
        argv[n++] = "Interface";
        argv[n++] = taps[i];
        argv[n++] = "external_ids:ctl-vlan=42";
        argv[n++] = "external_ids:ctl-segment=blue";
        argv[n++] = "external_ids:ctl-tenant=t1";
        argv[n++] = "ingress_policing_rate=1000";
        argv[n++] = "ingress_policing_burst=100";
        argv[n++] = "--";
        argv[n++] = "set";
        argv[n++] = "Port";
        argv[n++] = taps[i];
        argv[n++] = "tag=7";
        argv[n++] = "vlan_mode=access";
        if (!one_call) {
            argv[n] = NULL;
            if (run_vsctl(argv) < 0)
                return -1;
        }
    }
    argv[n] = NULL;
    return one_call ? run_vsctl(argv) : 0;
}

/* Undo what was written, so each round writes for real. */
static int
reset(const char *socket_path)
{
    json_t *operations = json_array();

    for (int i = 0; i < NICS; i++) {
        char tap[32];

        snprintf(tap, sizeof(tap), "vnet-bench-%d", i);
        json_array_append_new(operations,
                              mh_ovsdb_update("Port", mh_ovsdb_where_equal("name", json_string(tap)),
                                              json_pack("{s:[s,[]], s:[s,[]]}", "tag", "set",
                                                        "vlan_mode", "set")));
        json_array_append_new(operations,
                              mh_ovsdb_mutate("Interface",
                                              mh_ovsdb_where_equal("name", json_string(tap)),
                                              json_pack("[[s, s, [s, [s, s, s]]]]", "external_ids",
                                                        "delete", "set", "ctl-vlan",
                                                        "ctl-segment", "ctl-tenant")));
    }
    return mh_test_ovsdb_transact(socket_path, operations);
}

/* All NICs carry the data. */
static int
verify(const char *socket_path)
{
    for (int i = 0; i < NICS; i++) {
        char tap[32];
        json_t *row;
        int tag;

        snprintf(tap, sizeof(tap), "vnet-bench-%d", i);
        row = mh_test_ovsdb_row(socket_path, "Port", tap, "[\"tag\"]");
        tag = row ? (int)json_integer_value(json_object_get(row, "tag")) : -1;
        json_decref(row);
        if (tag != 7) {
            fprintf(stderr, "bench: %s has tag %d, not 7\n", tap, tag);
            return -1;
        }
    }
    return 0;
}

int
main(int argc, char **argv)
{
    struct mh_test_ovsdb server;
    struct mh_error err = { { 0 } };
    struct mh_conf conf;
    long rounds = 30;
    xmlDoc *doc = NULL;
    json_t *section = port_data();
    char text[512];
    double *samples;
    struct series jsonrpc = { "JSON-RPC, one transaction (mh_ports_apply)", NULL, 0 };
    struct series per_nic = { "ovs-vsctl, one call per NIC (4 calls)", NULL, 0 };
    struct series chained = { "ovs-vsctl, all NICs in one call", NULL, 0 };
    int status = 1;

    if (argc > 1 && mh_string_to_long(argv[1], 5, 10000, &rounds) < 0) {
        fprintf(stderr, "usage: %s [ROUNDS (5-10000)]\n", argv[0]);
        return 64;
    }
    samples = calloc(3 * (size_t)rounds, sizeof(double));
    jsonrpc.ms = samples;
    per_nic.ms = samples + rounds;
    chained.ms = samples + 2 * rounds;
    if (mh_test_ovsdb_start(&server) < 0) {
        fprintf(stderr, "bench: cannot start ovsdb-server\n");
        return 1;
    }
    for (int i = 0; i < NICS; i++) {
        char tap[32], ids[256];

        snprintf(tap, sizeof(tap), "vnet-bench-%d", i);
        snprintf(ids, sizeof(ids), "{\"attached-mac\": \"52:54:00:be:00:0%d\", \"iface-id\": "
                                   "\"x-%d\", \"iface-status\": \"active\"}", i, i);
        if (mh_test_ovsdb_add_port(server.socket, tap, ids) < 0)
            goto cleanup;
    }
    snprintf(text, sizeof(text), "{\"syslog\": false, \"ports\": {\"ovsdb_socket\": \"%s\"}}",
             server.socket);
    if (mh_conf_load_text(&conf, text, strlen(text), "bench.json", &err) < 0 ||
        !(doc = guest_xml())) {
        fprintf(stderr, "bench: %s\n", err.message);
        goto cleanup;
    }

    printf("Applying port data of a guest with %d NICs (3 external_ids keys, policing, tag, "
           "vlan_mode each)\nto a real ovsdb-server, %ld rounds each, data reset between "
           "rounds:\n\n", NICS, rounds);
    for (long round = -2; round < rounds; round++) {
        json_t *result = json_object();
        double start;

        if (reset(server.socket) < 0)
            goto cleanup;
        start = now_ms();
        if (mh_ports_apply(&conf, doc, section, result, &err) < 0) {
            fprintf(stderr, "bench: %s\n", err.message);
            json_decref(result);
            goto cleanup;
        }
        if (round >= 0)
            jsonrpc.ms[jsonrpc.count++] = now_ms() - start;
        json_decref(result);
        if (verify(server.socket) < 0)
            goto cleanup;

        if (reset(server.socket) < 0)
            goto cleanup;
        start = now_ms();
        if (apply_with_vsctl(server.socket, false) < 0)
            goto cleanup;
        if (round >= 0)
            per_nic.ms[per_nic.count++] = now_ms() - start;
        if (verify(server.socket) < 0)
            goto cleanup;

        if (reset(server.socket) < 0)
            goto cleanup;
        start = now_ms();
        if (apply_with_vsctl(server.socket, true) < 0)
            goto cleanup;
        if (round >= 0)
            chained.ms[chained.count++] = now_ms() - start;
        if (verify(server.socket) < 0)
            goto cleanup;
    }
    report(&jsonrpc);
    report(&per_nic);
    report(&chained);
    printf("\nratio (median ovs-vsctl per NIC / median JSON-RPC):  %.1fx  (target >= 5x)\n",
           median(&per_nic) / median(&jsonrpc));
    printf("ratio (median ovs-vsctl one call / median JSON-RPC):  %.1fx\n",
           median(&chained) / median(&jsonrpc));
    status = median(&per_nic) / median(&jsonrpc) >= 5.0 ? 0 : 2;

cleanup:
    mh_xml_free_doc(doc);
    json_decref(section);
    mh_conf_free(&conf);
    mh_test_ovsdb_stop(&server);
    free(samples);
    return status;
}
