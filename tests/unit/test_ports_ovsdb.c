/* test_ports_ovsdb.c - collect and apply against a real ovsdb-server: the
 * "source" tap's controller keys, VLAN and policing move to the
 * "destination" tap of the same MAC, libvirt's keys stay libvirt's, in one
 * transaction; the policies when OVSDB is down or the port is not OVS; the
 * hook stages around them. */
#include "mh_test.h"

#include <fcntl.h>
#include <unistd.h>

#include "mh_test_ovsdb.h"

#include "mh_conf.h"
#include "mh_error.h"
#include "mh_hook.h"
#include "mh_ports.h"
#include "mh_ports_stage.h"
#include "mh_xml.h"

#define MAC1 "52:54:00:aa:00:01"
#define MAC2 "52:54:00:aa:00:02"
#define UUID "4dea22b3-1d52-d8f3-2516-782e98ab3fa0"

/* What libvirt puts on every tap, plus what a controller added. */
#define SOURCE_IDS                                                                          \
    "{\"attached-mac\": \"" MAC1 "\", \"iface-id\": \"src-iface\", \"iface-status\": "      \
    "\"active\", \"vm-id\": \"" UUID "\", \"ctl-vlan\": \"42\", \"ctl-segment\": \"blue\"}"
#define DESTINATION_IDS                                                                     \
    "{\"attached-mac\": \"" MAC1 "\", \"iface-id\": \"dst-iface\", \"iface-status\": "      \
    "\"active\", \"vm-id\": \"" UUID "\", \"ctl-vlan\": \"stale\", \"keep\": \"me\"}"

struct fixture {
    struct mh_test_ovsdb server;
    struct mh_conf conf;
    char *dir;
};

/* A domain XML with NICs given as "MAC TAP ovs|bridge" strings. */
static xmlDoc *
domain(const char *first, const char *second)
{
    struct mh_error err = { { 0 } };
    char xml[4096], nic[1024];
    const char *nics[] = { first, second };
    xmlDoc *doc;

    MH_TEST_PRINT(xml, "<domain type='kvm'><name>vm1</name><uuid>" UUID "</uuid><devices>");
    for (int i = 0; i < 2; i++) {
        char mac[32], tap[32], kind[16];

        if (!nics[i])
            continue;
        assert_int_equal(sscanf(nics[i], "%31s %31s %15s", mac, tap, kind), 3);
        MH_TEST_PRINT(nic,
                      "<interface type='bridge'><mac address='%s'/><source bridge='%s'/>%s"
                      "<target dev='%s'/><model type='virtio'/></interface>",
                      mac, strcmp(kind, "ovs") == 0 ? "br0" : "virbr0",
                      strcmp(kind, "ovs") == 0
                          ? "<virtualport type='openvswitch'><parameters "
                            "interfaceid='0b6a5d4e-0000-4000-8000-000000000001'/></virtualport>"
                          : "",
                      tap);
        assert_true(strlen(xml) + strlen(nic) < sizeof(xml) - 32);
        strcat(xml, nic);
    }
    strcat(xml, "</devices></domain>");
    doc = mh_xml_parse(xml, strlen(xml), "test domain", &err);
    assert_non_null(doc);
    return doc;
}

static void
configure(struct fixture *fixture, const char *ports_section)
{
    struct mh_error err = { { 0 } };
    char text[2048];

    mh_conf_free(&fixture->conf);
    MH_TEST_PRINT(text, "{\"syslog\": false, \"ports\": {\"ovsdb_socket\": \"%s\", %s}}",
                  fixture->server.socket, ports_section);
    if (mh_conf_load_text(&fixture->conf, text, strlen(text), "test.json", &err) < 0)
        fail_msg("config: %s", err.message);
    fixture->conf.ports.pending_dir = fixture->dir;
}

static int
setup(void **state)
{
    struct fixture *fixture = calloc(1, sizeof(*fixture));

    assert_non_null(fixture);
    assert_int_equal(mh_test_ovsdb_start(&fixture->server), 0);
    assert_int_equal(mh_test_ovsdb_add_port(fixture->server.socket, "vnet-src", SOURCE_IDS), 0);
    assert_int_equal(mh_test_ovsdb_add_port(fixture->server.socket, "vnet-dst", DESTINATION_IDS),
                     0);
    /* The source Port's VLAN, trunking mode and policing, as a controller set them. */
    assert_int_equal(
        mh_test_ovsdb_transact(
            fixture->server.socket,
            json_pack("[o, o]",
                      mh_ovsdb_update("Port", mh_ovsdb_where_equal("name", json_string("vnet-src")),
                                      json_pack("{s:i, s:s, s:o, s:o}", "tag", 7, "vlan_mode",
                                                "native-untagged", "trunks",
                                                mh_ovsdb_set(json_pack("[i, i]", 10, 20)),
                                                "other_config",
                                                mh_ovsdb_map(json_pack("{s:s, s:s}", "ctl-qos",
                                                                       "gold", "priority-tags",
                                                                       "true")))),
                      mh_ovsdb_update("Interface",
                                      mh_ovsdb_where_equal("name", json_string("vnet-src")),
                                      json_pack("{s:i, s:i}", "ingress_policing_rate", 1000,
                                                "ingress_policing_burst", 100)))),
        0);
    fixture->dir = mh_test_tmpdir();
    configure(fixture, "\"wait_ms\": 300");
    *state = fixture;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *fixture = *state;

    mh_test_ovsdb_stop(&fixture->server);
    mh_conf_free(&fixture->conf);
    mh_test_rmdir(fixture->dir);
    free(fixture);
    return 0;
}

static json_t *
collect(struct fixture *fixture, const char *nic)
{
    struct mh_error err = { { 0 } };
    xmlDoc *doc = domain(nic, NULL);
    json_t *section = NULL;

    if (mh_ports_collect(&fixture->conf, doc, &section, &err) < 0)
        fail_msg("collect: %s", err.message);
    mh_xml_free_doc(doc);
    return section;
}

static const char *
id_of(json_t *row, const char *key)
{
    struct mh_error err = { { 0 } };
    static char value[256];
    json_t *ids = mh_ovsdb_map_decode(json_object_get(row, "external_ids"), &err);

    assert_non_null(ids);
    snprintf(value, sizeof(value), "%s",
             json_string_value(json_object_get(ids, key)) ? json_string_value(json_object_get(ids, key))
                                                         : "(absent)");
    json_decref(ids);
    return value;
}

/* Positive: the controller's keys, the Port's tag/trunks/vlan_mode/
 * other_config and policing are collected; negative: libvirt's keys are
 * not, whatever the patterns say. */
static void
collect_carries_controller_data_not_libvirts_keys(void **state)
{
    struct fixture *fixture = *state;
    json_t *section, *data, *ids;

    configure(fixture, "\"external_ids\": [\"*\", \"attached-mac\", \"iface-*\"]");
    section = collect(fixture, MAC1 " vnet-src ovs");
    assert_int_equal(json_object_size(section), 1);
    assert_string_equal(json_string_value(json_object_get(json_object_get(section, MAC1),
                                                           "provider")), "ovs");
    data = json_object_get(json_object_get(section, MAC1), "data");
    ids = json_object_get(json_object_get(data, "interface"), "external_ids");
    assert_int_equal(json_object_size(ids), 2);
    assert_string_equal(json_string_value(json_object_get(ids, "ctl-vlan")), "42");
    assert_string_equal(json_string_value(json_object_get(ids, "ctl-segment")), "blue");
    assert_null(json_object_get(ids, "attached-mac"));
    assert_null(json_object_get(ids, "iface-id"));
    assert_int_equal(json_integer_value(json_object_get(json_object_get(data, "interface"),
                                                        "ingress_policing_rate")), 1000);
    assert_int_equal(json_integer_value(json_object_get(json_object_get(data, "port"), "tag")), 7);
    assert_string_equal(json_string_value(json_object_get(json_object_get(data, "port"),
                                                          "vlan_mode")), "native-untagged");
    assert_int_equal(json_array_size(json_object_get(json_object_get(data, "port"), "trunks")), 2);
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_object_get(data, "port"), "other_config"),
                            "ctl-qos")), "gold");
    /* The result is what the destination accepts. */
    assert_int_equal(mh_ports_validate(section, NULL), 0);
    json_decref(section);

    /* Patterns narrow it; Port columns can be left out. */
    configure(fixture, "\"external_ids\": [\"ctl-*\", \"!ctl-segment\"], \"port_columns\": "
                       "[\"tag\"], \"policing\": false");
    section = collect(fixture, MAC1 " vnet-src ovs");
    data = json_object_get(json_object_get(section, MAC1), "data");
    ids = json_object_get(json_object_get(data, "interface"), "external_ids");
    assert_int_equal(json_object_size(ids), 1);
    assert_non_null(json_object_get(ids, "ctl-vlan"));
    assert_null(json_object_get(json_object_get(data, "interface"), "ingress_policing_rate"));
    assert_int_equal(json_object_size(json_object_get(data, "port")), 1);
    json_decref(section);
    configure(fixture, "\"wait_ms\": 300");
}

/* Negative: a NIC that is not on OVS, or whose tap belongs to another
 * MAC, or has no row, is not collected as this NIC's. */
static void
collect_matches_by_tap_and_mac(void **state)
{
    struct fixture *fixture = *state;
    struct mh_error err = { { 0 } };
    json_t *section = NULL;
    xmlDoc *doc;

    section = collect(fixture, MAC1 " vnet-src bridge");
    assert_int_equal(json_object_size(section), 0);
    json_decref(section);

    doc = domain(MAC2 " vnet-src ovs", NULL);
    assert_int_equal(mh_ports_collect(&fixture->conf, doc, &section, &err), -1);
    assert_non_null(strstr(err.message, "belongs to MAC " MAC1));
    mh_xml_free_doc(doc);

    doc = domain(MAC1 " vnet-none ovs", NULL);
    assert_int_equal(mh_ports_collect(&fixture->conf, doc, &section, &err), -1);
    assert_non_null(strstr(err.message, "no OVSDB Interface named vnet-none"));
    mh_xml_free_doc(doc);
    assert_null(section);
}

/* The e2e scenario on one database: everything moves, libvirt's keys and
 * keys the source did not carry stay as the destination has them. */
static void
apply_moves_everything_and_leaves_libvirts_keys(void **state)
{
    struct fixture *fixture = *state;
    struct mh_error err = { { 0 } };
    json_t *section = collect(fixture, MAC1 " vnet-src ovs");
    json_t *report = json_object();
    json_t *row, *note;
    xmlDoc *doc = domain(MAC1 " vnet-dst ovs", NULL);
    char *line;

    assert_int_equal(mh_ports_apply(&fixture->conf, doc, section, report, &err), 0);
    note = json_object_get(json_object_get(report, "applied"), MAC1);
    assert_non_null(note);
    assert_string_equal(json_string_value(json_object_get(note, "tap")), "vnet-dst");
    assert_int_equal(json_array_size(json_object_get(note, "external_ids")), 2);
    assert_null(json_object_get(report, "problems"));
    /* The journal gets names, not values. */
    line = json_dumps(report, JSON_COMPACT);
    assert_null(strstr(line, "blue"));
    assert_non_null(strstr(line, "ctl-segment"));
    free(line);

    row = mh_test_ovsdb_row(fixture->server.socket, "Interface", "vnet-dst",
                            "[\"external_ids\", \"ingress_policing_rate\", \"ingress_policing_burst\"]");
    assert_non_null(row);
    assert_string_equal(id_of(row, "ctl-vlan"), "42");
    assert_string_equal(id_of(row, "ctl-segment"), "blue");
    assert_string_equal(id_of(row, "keep"), "me");
    assert_string_equal(id_of(row, "iface-id"), "dst-iface");
    assert_string_equal(id_of(row, "attached-mac"), MAC1);
    assert_string_equal(id_of(row, "iface-status"), "active");
    assert_int_equal(json_integer_value(json_object_get(row, "ingress_policing_rate")), 1000);
    assert_int_equal(json_integer_value(json_object_get(row, "ingress_policing_burst")), 100);
    json_decref(row);

    row = mh_test_ovsdb_row(fixture->server.socket, "Port", "vnet-dst",
                            "[\"tag\", \"trunks\", \"vlan_mode\", \"other_config\"]");
    assert_non_null(row);
    assert_int_equal(json_integer_value(json_object_get(row, "tag")), 7);
    assert_string_equal(json_string_value(json_object_get(row, "vlan_mode")), "native-untagged");
    {
        json_t *trunks = mh_ovsdb_set_decode(json_object_get(row, "trunks"), &err);
        json_t *other = mh_ovsdb_map_decode(json_object_get(row, "other_config"), &err);
        assert_int_equal(json_array_size(trunks), 2);
        assert_string_equal(json_string_value(json_object_get(other, "ctl-qos")), "gold");
        json_decref(trunks);
        json_decref(other);
    }
    json_decref(row);
    json_decref(report);
    json_decref(section);
    mh_xml_free_doc(doc);
}

/* Negative: hostile cookie content naming libvirt's keys is refused before
 * anything is written, under every policy. */
static void
apply_refuses_libvirt_keys_in_the_cookie(void **state)
{
    struct fixture *fixture = *state;
    struct mh_error err = { { 0 } };
    json_t *section = json_loads("{\"" MAC1 "\": {\"provider\": \"ovs\", \"data\": {\"interface\":"
                                 " {\"external_ids\": {\"iface-id\": \"evil\"}}}}}", 0, NULL);
    json_t *report = json_object();
    xmlDoc *doc = domain(MAC1 " vnet-dst ovs", NULL);
    json_t *row;

    configure(fixture, "\"policy\": \"drop\"");
    assert_int_equal(mh_ports_apply(&fixture->conf, doc, section, report, &err), -1);
    assert_non_null(strstr(err.message, "\"iface-id\" belongs to libvirt"));
    row = mh_test_ovsdb_row(fixture->server.socket, "Interface", "vnet-dst", "[\"external_ids\"]");
    assert_string_equal(id_of(row, "iface-id"), "dst-iface");
    json_decref(row);
    json_decref(report);
    json_decref(section);
    mh_xml_free_doc(doc);
    configure(fixture, "\"wait_ms\": 300");
}

/* One transaction: when the second NIC's tap never appears, the first NIC
 * is not written either; refuse names the NIC and the tap. */
static void
apply_is_all_or_nothing(void **state)
{
    struct fixture *fixture = *state;
    struct mh_error err = { { 0 } };
    json_t *section = json_loads("{\"" MAC1 "\": {\"provider\": \"ovs\", \"data\": {\"port\":"
                                 " {\"tag\": 99}}}, \"" MAC2 "\": {\"provider\": \"ovs\","
                                 " \"data\": {\"port\": {\"tag\": 98}}}}", 0, NULL);
    json_t *report = json_object();
    xmlDoc *doc = domain(MAC1 " vnet-dst ovs", MAC2 " vnet-late ovs");
    json_t *row;

    assert_int_equal(mh_ports_apply(&fixture->conf, doc, section, report, &err), -1);
    assert_non_null(strstr(err.message, "policy is refuse"));
    assert_non_null(strstr(err.message, "no OVSDB Interface vnet-late carrying attached-mac " MAC2
                                        " appeared within 300 ms"));
    assert_null(json_object_get(report, "applied"));
    row = mh_test_ovsdb_row(fixture->server.socket, "Port", "vnet-dst", "[\"tag\"]");
    assert_int_equal(json_integer_value(json_object_get(row, "tag")), 7);
    json_decref(row);
    json_decref(report);

    /* warn: the same, reported instead of refused. */
    configure(fixture, "\"wait_ms\": 100, \"policy\": \"warn\"");
    report = json_object();
    assert_int_equal(mh_ports_apply(&fixture->conf, doc, section, report, &err), 0);
    assert_int_equal(json_object_size(json_object_get(report, "problems")), 2);
    assert_string_equal(json_string_value(json_object_get(report, "policy")), "warn");
    json_decref(report);
    json_decref(section);
    mh_xml_free_doc(doc);
    configure(fixture, "\"wait_ms\": 300");
}

/* Positive: an Interface row that appears while the transaction waits is
 * written (the server holds the "wait" until it exists). */
static void
apply_waits_for_a_late_interface(void **state)
{
    struct fixture *fixture = *state;
    struct mh_error err = { { 0 } };
    json_t *section = json_loads("{\"" MAC2 "\": {\"provider\": \"ovs\", \"data\": {\"interface\":"
                                 " {\"external_ids\": {\"ctl-vlan\": \"5\"}}}}}", 0, NULL);
    json_t *report = json_object();
    xmlDoc *doc = domain(MAC2 " vnet-slow ovs", NULL);
    json_t *row;
    pid_t child;

    configure(fixture, "\"wait_ms\": 3000");
    child = fork();
    if (child == 0) {
        struct timespec pause = { 0, 300 * 1000000L };
        nanosleep(&pause, NULL);
        _exit(mh_test_ovsdb_add_port(fixture->server.socket, "vnet-slow",
                                     "{\"attached-mac\": \"" MAC2 "\"}") == 0 ? 0 : 1);
    }
    assert_true(child > 0);
    assert_int_equal(mh_ports_apply(&fixture->conf, doc, section, report, &err), 0);
    assert_int_equal(waitpid(child, &(int){ 0 }, 0), child);
    row = mh_test_ovsdb_row(fixture->server.socket, "Interface", "vnet-slow", "[\"external_ids\"]");
    assert_string_equal(id_of(row, "ctl-vlan"), "5");
    json_decref(row);
    json_decref(report);
    json_decref(section);
    mh_xml_free_doc(doc);
    configure(fixture, "\"wait_ms\": 300");
}

/* The destination NIC is on a Linux bridge: refuse fails, warn and drop
 * go on and report it; a cookie NIC the guest no longer has is ignored. */
static void
not_an_ovs_port_follows_the_policy(void **state)
{
    struct fixture *fixture = *state;
    struct mh_error err = { { 0 } };
    json_t *section = collect(fixture, MAC1 " vnet-src ovs");
    xmlDoc *doc = domain(MAC1 " vnet-dst bridge", NULL);
    static const char *const policies[] = { "refuse", "warn", "drop" };

    json_object_set_new(section, MAC2, json_pack("{s:s, s:{}}", "provider", "ovs", "data"));
    for (int i = 0; i < 3; i++) {
        char setting[64];
        json_t *report = json_object();
        int ret;

        MH_TEST_PRINT(setting, "\"policy\": \"%s\"", policies[i]);
        configure(fixture, setting);
        ret = mh_ports_apply(&fixture->conf, doc, section, report, &err);
        assert_int_equal(ret, i == 0 ? -1 : 0);
        assert_non_null(strstr(json_string_value(json_object_get(json_object_get(report,
                                                                                 "problems"),
                                                                 MAC1)),
                               "vnet-dst is not an ovs port here (interface type bridge, source "
                               "virbr0, virtualport none)"));
        assert_string_equal(json_string_value(json_array_get(json_object_get(report, "absent"),
                                                             0)), MAC2);
        if (i == 0)
            assert_non_null(strstr(err.message, "is not an ovs port here"));
        json_decref(report);
    }
    json_decref(section);
    mh_xml_free_doc(doc);
    configure(fixture, "\"wait_ms\": 300");
}

/* OVSDB stopped: refuse fails at apply and already at the migrate begin
 * check; warn and drop go on (and the check does not even connect). */
static void
ovsdb_down_follows_the_policy(void **state)
{
    struct fixture *fixture = *state;
    struct mh_test_ovsdb stopped;
    struct mh_error err = { { 0 } };
    json_t *section = collect(fixture, MAC1 " vnet-src ovs");
    xmlDoc *doc = domain(MAC1 " vnet-dst ovs", NULL);
    static const char *const policies[] = { "refuse", "warn", "drop" };
    char setting[256];

    assert_int_equal(mh_test_ovsdb_start(&stopped), 0);
    mh_test_ovsdb_stop(&stopped);
    for (int i = 0; i < 3; i++) {
        json_t *report = json_object();

        MH_TEST_PRINT(setting, "\"policy\": \"%s\"", policies[i]);
        configure(fixture, setting);
        fixture->conf.ports.ovsdb_socket = stopped.socket;
        assert_int_equal(mh_ports_apply(&fixture->conf, doc, section, report, &err),
                         i == 0 ? -1 : 0);
        assert_non_null(strstr(json_string_value(json_object_get(json_object_get(report,
                                                                                 "problems"),
                                                                 MAC1)),
                               "cannot connect to ovsdb-server"));
        json_decref(report);
        report = json_object();
        assert_int_equal(mh_ports_check(&fixture->conf, section, report, &err), i == 0 ? -1 : 0);
        if (i == 0)
            assert_non_null(strstr(err.message, "has ovs port data that could not be applied "
                                                "here (ports.policy is refuse): cannot connect"));
        json_decref(report);
    }
    /* Positive: with OVSDB up the check passes and says so. */
    configure(fixture, "\"policy\": \"refuse\"");
    {
        json_t *report = json_object();
        assert_int_equal(mh_ports_check(&fixture->conf, section, report, &err), 0);
        assert_string_equal(json_string_value(json_array_get(json_object_get(report, "reachable"),
                                                             0)), "ovs");
        json_decref(report);
    }
    json_decref(section);
    mh_xml_free_doc(doc);
    configure(fixture, "\"wait_ms\": 300");
}

/* A hook call with the given XML on stdin and cookie content. */
static void
hook_call(struct mh_hook *hook, struct fixture *fixture, const char *operation, xmlDoc *doc,
          json_t *cookie, FILE **input)
{
    struct mh_error err = { { 0 } };
    char *xml = NULL;
    size_t length = 0;

    assert_int_equal(mh_xml_serialize(doc, &xml, &length, &err), 0);
    *input = tmpfile();
    assert_non_null(*input);
    fwrite(xml, 1, length, *input);
    rewind(*input);
    free(xml);
    mh_hook_init(hook, "vm1", operation, "begin", "-", fileno(*input));
    hook->conf = fixture->conf;
    hook->conf.root = json_incref(fixture->conf.root);
    hook->cookie = json_pack("{s:O}", "ports", cookie);
}

/* migrate begin records the incoming migration, started begin applies and
 * consumes it; a later normal start with the same cookie applies nothing. */
static void
stages_apply_only_on_an_incoming_migration(void **state)
{
    struct fixture *fixture = *state;
    struct mh_error err = { { 0 } };
    json_t *section = json_loads("{\"" MAC1 "\": {\"provider\": \"ovs\", \"data\": {\"port\":"
                                 " {\"tag\": 11}}}}", 0, NULL);
    xmlDoc *doc = domain(MAC1 " vnet-dst ovs", NULL);
    char pending[512];
    struct mh_hook hook;
    FILE *input;
    json_t *row;

    MH_TEST_PRINT(pending, "%s/" UUID, fixture->dir);
    hook_call(&hook, fixture, "started", doc, section, &input);
    assert_int_equal(mh_ports_stage_started_begin(&hook, &err), 0);
    assert_int_equal(hook.outcome, MH_OUTCOME_NOTHING);
    mh_hook_free(&hook);
    fclose(input);
    row = mh_test_ovsdb_row(fixture->server.socket, "Port", "vnet-dst", "[\"tag\"]");
    assert_int_not_equal(json_integer_value(json_object_get(row, "tag")), 11);
    json_decref(row);

    hook_call(&hook, fixture, "migrate", doc, section, &input);
    assert_int_equal(mh_ports_stage_migrate_begin(&hook, &err), 0);
    assert_true(json_is_true(json_object_get(json_object_get(hook.details, "ports"), "pending")));
    mh_hook_free(&hook);
    fclose(input);
    assert_int_equal(access(pending, F_OK), 0);

    hook_call(&hook, fixture, "started", doc, section, &input);
    assert_int_equal(mh_ports_stage_started_begin(&hook, &err), 0);
    assert_int_equal(hook.outcome, MH_OUTCOME_OK);
    assert_non_null(json_object_get(json_object_get(json_object_get(hook.details, "ports"),
                                                    "applied"), MAC1));
    mh_hook_free(&hook);
    fclose(input);
    assert_int_equal(access(pending, F_OK), -1);
    row = mh_test_ovsdb_row(fixture->server.socket, "Port", "vnet-dst", "[\"tag\"]");
    assert_int_equal(json_integer_value(json_object_get(row, "tag")), 11);
    json_decref(row);
    json_decref(section);
    mh_xml_free_doc(doc);
}

/* Refusals in the stages: migrate begin with OVSDB down under refuse,
 * started begin with a Linux bridge under refuse (outcome refused), and
 * under warn started begin goes on with outcome warned. */
static void
stages_refuse_and_warn(void **state)
{
    struct fixture *fixture = *state;
    struct mh_error err = { { 0 } };
    json_t *section = json_loads("{\"" MAC1 "\": {\"provider\": \"ovs\", \"data\": {\"port\":"
                                 " {\"tag\": 12}}}}", 0, NULL);
    xmlDoc *ovs = domain(MAC1 " vnet-dst ovs", NULL);
    xmlDoc *bridge = domain(MAC1 " vnet-dst bridge", NULL);
    struct mh_hook hook;
    FILE *input;

    hook_call(&hook, fixture, "migrate", ovs, section, &input);
    hook.conf.ports.ovsdb_socket = "/nonexistent/db.sock";
    assert_int_equal(mh_ports_stage_migrate_begin(&hook, &err), -1);
    assert_int_equal(hook.outcome, MH_OUTCOME_REFUSED);
    assert_non_null(strstr(err.message, "/nonexistent/db.sock"));
    mh_hook_free(&hook);
    fclose(input);

    hook_call(&hook, fixture, "migrate", bridge, section, &input);
    assert_int_equal(mh_ports_stage_migrate_begin(&hook, &err), 0);
    mh_hook_free(&hook);
    fclose(input);
    hook_call(&hook, fixture, "started", bridge, section, &input);
    assert_int_equal(mh_ports_stage_started_begin(&hook, &err), -1);
    assert_int_equal(hook.outcome, MH_OUTCOME_REFUSED);
    assert_non_null(strstr(err.message, "is not an ovs port here"));
    mh_hook_free(&hook);
    fclose(input);

    configure(fixture, "\"policy\": \"warn\"");
    hook_call(&hook, fixture, "migrate", bridge, section, &input);
    assert_int_equal(mh_ports_stage_migrate_begin(&hook, &err), 0);
    mh_hook_free(&hook);
    fclose(input);
    hook_call(&hook, fixture, "started", bridge, section, &input);
    assert_int_equal(mh_ports_stage_started_begin(&hook, &err), 0);
    assert_int_equal(hook.outcome, MH_OUTCOME_WARNED);
    mh_hook_free(&hook);
    fclose(input);

    /* Negative: a "ports" section that is not an object is refused. */
    json_decref(section);
    section = json_string("nonsense");
    hook_call(&hook, fixture, "migrate", ovs, section, &input);
    assert_int_equal(mh_ports_stage_migrate_begin(&hook, &err), -1);
    assert_non_null(strstr(err.message, "invalid port data in the cookie"));
    mh_hook_free(&hook);
    fclose(input);
    json_decref(section);
    mh_xml_free_doc(ovs);
    mh_xml_free_doc(bridge);
    configure(fixture, "\"wait_ms\": 300");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(collect_carries_controller_data_not_libvirts_keys),
        cmocka_unit_test(collect_matches_by_tap_and_mac),
        cmocka_unit_test(apply_moves_everything_and_leaves_libvirts_keys),
        cmocka_unit_test(apply_refuses_libvirt_keys_in_the_cookie),
        cmocka_unit_test(apply_is_all_or_nothing),
        cmocka_unit_test(apply_waits_for_a_late_interface),
        cmocka_unit_test(not_an_ovs_port_follows_the_policy),
        cmocka_unit_test(ovsdb_down_follows_the_policy),
        cmocka_unit_test(stages_apply_only_on_an_incoming_migration),
        cmocka_unit_test(stages_refuse_and_warn),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
