/* test_ports.c - the provider table, the NICs of a domain XML, and the
 * validation of cookie "ports" sections against a corpus of good and
 * hostile ones (tests/data/ports/NAME.json with NAME.expect: "ok" or
 * "error SUBSTRING") and generated ones too large to keep as files. */
#include "mh_test.h"

#include <dirent.h>

#include "mh_error.h"
#include "mh_file.h"
#include "mh_json.h"
#include "mh_ports.h"
#include "mh_xml.h"

#define CORPUS "tests/data/ports"

static void
corpus_sections_meet_their_expectations(void **state)
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
        char *data, *expect;
        json_t *section;
        int ret;

        if (name_length < 6 || strcmp(entry->d_name + name_length - 5, ".json") != 0)
            continue;
        MH_TEST_PRINT(path, "%s/%s", CORPUS, entry->d_name);
        data = mh_test_slurp(path, &length);
        MH_TEST_PRINT(path, "%s/%.*s.expect", CORPUS, (int)(name_length - 5), entry->d_name);
        expect = mh_test_slurp(path, &(size_t){ 0 });
        MH_TEST_PRINT(expectation, "%s", expect);
        expectation[strcspn(expectation, "\n")] = '\0';
        free(expect);

        section = mh_json_parse(data, length, 16, entry->d_name, &err);
        assert_non_null(section);
        ret = mh_ports_validate(section, &err);
        if (strcmp(expectation, "ok") == 0) {
            if (ret < 0)
                fail_msg("%s: expected ok, got: %s", entry->d_name, err.message);
        } else {
            if (ret == 0)
                fail_msg("%s: expected an error, validated fine", entry->d_name);
            assert_true(strncmp(expectation, "error ", 6) == 0);
            if (!strstr(err.message, expectation + 6))
                fail_msg("%s: expected \"%s\" in \"%s\"", entry->d_name, expectation + 6,
                         err.message);
            errors++;
        }
        json_decref(section);
        free(data);
        cases++;
    }
    closedir(dir);
    assert_true(cases >= 30);
    assert_true(errors >= 25);
}

/* Negative: sizes beyond the bounds are refused; positive: at the bound. */
static void
oversized_sections_are_refused(void **state)
{
    struct mh_error err = { { 0 } };
    json_t *section = json_object();
    json_t *ids = json_object();
    char key[300], *value;
    (void)state;

    for (int i = 0; i <= MH_PORTS_MAX_INTERFACES; i++) {
        char mac[18];
        snprintf(mac, sizeof(mac), "52:54:00:00:%02x:%02x", i / 256, i % 256);
        json_object_set_new(section, mac, json_pack("{s:s, s:{}}", "provider", "ovs", "data"));
    }
    assert_int_equal(mh_ports_validate(section, &err), -1);
    assert_non_null(strstr(err.message, "more than 128 NICs"));
    json_object_del(section, "52:54:00:00:00:00");
    assert_int_equal(mh_ports_validate(section, &err), 0);
    json_decref(section);

    for (int i = 0; i <= 256; i++) {
        snprintf(key, sizeof(key), "ctl-%d", i);
        json_object_set_new(ids, key, json_string("x"));
    }
    section = json_pack("{s:{s:s, s:{s:{s:O}}}}", "52:54:00:aa:00:01", "provider", "ovs", "data",
                        "interface", "external_ids", ids);
    assert_int_equal(mh_ports_validate(section, &err), -1);
    assert_non_null(strstr(err.message, "more than 256 keys"));
    json_decref(section);
    json_object_clear(ids);

    memset(key, 'k', 257);
    key[257] = '\0';
    json_object_set_new(ids, key, json_string("x"));
    section = json_pack("{s:{s:s, s:{s:{s:O}}}}", "52:54:00:aa:00:01", "provider", "ovs", "data",
                        "interface", "external_ids", ids);
    assert_int_equal(mh_ports_validate(section, &err), -1);
    assert_non_null(strstr(err.message, "1 to 256 bytes"));
    json_decref(section);
    json_object_clear(ids);

    value = malloc(65538);
    memset(value, 'v', 65537);
    value[65537] = '\0';
    json_object_set_new(ids, "ctl-big", json_string(value));
    section = json_pack("{s:{s:s, s:{s:{s:O}}}}", "52:54:00:aa:00:01", "provider", "ovs", "data",
                        "port", "other_config", ids);
    assert_int_equal(mh_ports_validate(section, &err), -1);
    assert_non_null(strstr(err.message, "at most 65536 bytes"));
    json_decref(section);
    free(value);
    json_decref(ids);
}

static void
mac_addresses_are_normalized_or_refused(void **state)
{
    char out[18];
    static const char *const bad[] = { "", "52:54:00:aa:00", "52:54:00:aa:00:011",
                                       "52-54-00-aa-00-01", "52:54:00:aa:00:0g",
                                       "5:254:00:aa:00:01", "52:54:00:aa:00:01 " };
    (void)state;

    assert_int_equal(mh_ports_mac_normalize("52:54:00:AA:0b:01", out), 0);
    assert_string_equal(out, "52:54:00:aa:0b:01");
    assert_int_equal(mh_ports_mac_normalize(NULL, out), -1);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        if (mh_ports_mac_normalize(bad[i], out) == 0)
            fail_msg("accepted \"%s\"", bad[i]);
    }
}

static xmlDoc *
parse(const char *xml)
{
    struct mh_error err = { { 0 } };
    xmlDoc *doc = mh_xml_parse(xml, strlen(xml), "test", &err);

    assert_non_null(doc);
    return doc;
}

/* Positive: every NIC with its MAC (lower case), source, virtualport and
 * tap; negative: NICs without a usable MAC are left out, an over-long tap
 * name is absent rather than cut, a non-domain root is refused. */
static void
interfaces_are_read_from_the_domain_xml(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_ports_interface *list = NULL;
    size_t count = 0;
    xmlDoc *doc;
    (void)state;

    doc = parse("<domain><name>vm</name><devices>"
                "<interface type='network'><mac address='52:54:00:AA:00:01'/>"
                "<source network='ovs-net' portid='x' bridge='br-int'/>"
                "<virtualport type='openvswitch'><parameters interfaceid='i'/></virtualport>"
                "<target dev='vnet3'/></interface>"
                "<interface type='bridge'><source bridge='virbr0'/><target dev='vnet4'/>"
                "</interface>"
                "<interface type='direct'><mac address='52:54:00:aa:00:03'/>"
                "<source dev='eth0' mode='bridge'/>"
                "<target dev='macvtap0123456789012345678901234567890123456789012345678901234567890'/>"
                "</interface>"
                "<interface type='user'><mac address='52:54:00:aa:00:04'/></interface>"
                "</devices></domain>");
    assert_int_equal(mh_ports_interfaces(doc, &list, &count, &err), 0);
    assert_int_equal(count, 3);
    assert_string_equal(list[0].mac, "52:54:00:aa:00:01");
    assert_string_equal(list[0].type, "network");
    assert_string_equal(list[0].source, "br-int");
    assert_string_equal(list[0].virtualport, "openvswitch");
    assert_string_equal(list[0].target, "vnet3");
    assert_ptr_equal(mh_ports_provider_for(&list[0]), &mh_ports_ovs_provider);
    assert_string_equal(list[1].source, "eth0");
    assert_string_equal(list[1].target, "");
    assert_null(mh_ports_provider_for(&list[1]));
    assert_string_equal(list[2].type, "user");
    assert_string_equal(list[2].source, "");
    free(list);
    mh_xml_free_doc(doc);

    doc = parse("<domain><devices/></domain>");
    assert_int_equal(mh_ports_interfaces(doc, &list, &count, &err), 0);
    assert_int_equal(count, 0);
    free(list);
    mh_xml_free_doc(doc);

    doc = parse("<network><devices/></network>");
    assert_int_equal(mh_ports_interfaces(doc, &list, &count, &err), -1);
    assert_non_null(strstr(err.message, "not <domain>"));
    mh_xml_free_doc(doc);
}

static void
too_many_interfaces_are_refused(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_ports_interface *list = NULL;
    size_t count = 0, used = 0;
    size_t size = 64 + (MH_PORTS_MAX_INTERFACES + 1) * 64;
    char *xml = malloc(size);
    xmlDoc *doc;
    (void)state;

    used += (size_t)snprintf(xml, size, "<domain><devices>");
    for (int i = 0; i <= MH_PORTS_MAX_INTERFACES; i++)
        used += (size_t)snprintf(xml + used, size - used,
                                 "<interface><mac address='52:54:00:00:00:%02x'/></interface>", i);
    snprintf(xml + used, size - used, "</devices></domain>");
    doc = parse(xml);
    assert_int_equal(mh_ports_interfaces(doc, &list, &count, &err), -1);
    assert_non_null(strstr(err.message, "more than 128 <interface>"));
    assert_null(list);
    mh_xml_free_doc(doc);
    free(xml);
}

static void
providers_are_found_by_name(void **state)
{
    (void)state;
    assert_ptr_equal(mh_ports_provider_find("ovs"), &mh_ports_ovs_provider);
    assert_null(mh_ports_provider_find("OVS"));
    assert_null(mh_ports_provider_find("linux-bridge"));
    assert_null(mh_ports_provider_find(""));
}

/* Without OVS NICs nothing is collected and OVSDB is never contacted (the
 * socket configured does not exist). */
static void
collect_without_ovs_nics_needs_no_ovsdb(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_conf conf;
    json_t *section = NULL;
    const char *text = "{\"ports\": {\"ovsdb_socket\": \"/nonexistent/db.sock\"}}";
    xmlDoc *doc = parse("<domain><devices><interface type='bridge'>"
                        "<mac address='52:54:00:aa:00:01'/><source bridge='virbr0'/>"
                        "<target dev='vnet0'/></interface></devices></domain>");
    (void)state;

    assert_int_equal(mh_conf_load_text(&conf, text, strlen(text), "t.json", &err), 0);
    assert_int_equal(mh_ports_collect(&conf, doc, &section, &err), 0);
    assert_int_equal(json_object_size(section), 0);
    json_decref(section);
    mh_xml_free_doc(doc);

    doc = parse("<domain><devices><interface type='bridge'>"
                "<mac address='52:54:00:aa:00:01'/><source bridge='br0'/>"
                "<virtualport type='openvswitch'/><target dev='vnet0'/></interface>"
                "</devices></domain>");
    assert_int_equal(mh_ports_collect(&conf, doc, &section, &err), -1);
    assert_non_null(strstr(err.message, "/nonexistent/db.sock"));
    assert_null(section);
    mh_xml_free_doc(doc);
    mh_conf_free(&conf);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(corpus_sections_meet_their_expectations),
        cmocka_unit_test(oversized_sections_are_refused),
        cmocka_unit_test(mac_addresses_are_normalized_or_refused),
        cmocka_unit_test(interfaces_are_read_from_the_domain_xml),
        cmocka_unit_test(too_many_interfaces_are_refused),
        cmocka_unit_test(providers_are_found_by_name),
        cmocka_unit_test(collect_without_ovs_nics_needs_no_ovsdb),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
