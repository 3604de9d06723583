/* test_guest.c - the checks' view of a guest, read from domain XML. */
#include "mh_test.h"

#include "mh_error.h"
#include "mh_file.h"
#include "mh_guest.h"
#include "mh_json.h"
#include "mh_xml.h"

static xmlDoc *
parse_file(const char *path)
{
    struct mh_error err = { { 0 } };
    FILE *file = fopen(path, "r");
    char *data = NULL;
    size_t length = 0;
    xmlDoc *doc;

    assert_non_null(file);
    assert_int_equal(mh_file_read_fd(fileno(file), 1 << 20, &data, &length, &err), 0);
    fclose(file);
    doc = mh_xml_parse(data, length, path, &err);
    free(data);
    assert_non_null(doc);
    return doc;
}

static int
guest_from_text(const char *text, struct mh_guest *guest, struct mh_error *err)
{
    xmlDoc *doc = mh_xml_parse(text, strlen(text), "test", err);
    int ret;

    assert_non_null(doc);
    ret = mh_guest_from_xml(doc, guest, err);
    mh_xml_free_doc(doc);
    return ret;
}

static void
full_domain_is_read(void **state)
{
    struct mh_error err = { { 0 } };
    xmlDoc *doc = parse_file("tests/data/guest/full.xml");
    struct mh_guest guest;
    (void)state;

    assert_int_equal(mh_guest_from_xml(doc, &guest, &err), 0);
    assert_string_equal(guest.name, "full");
    assert_string_equal(guest.uuid, "0f2c8a9e-1111-2222-3333-444455556666");
    assert_string_equal(guest.domain_type, "kvm");
    assert_string_equal(guest.emulator, "/usr/bin/qemu-system-x86_64");
    assert_int_equal(guest.memory_kib, 4ULL * 1024 * 1024);
    assert_true(guest.hugepages);
    assert_int_equal(guest.hugepage_kib, 2048);
    /* Features: no policy means require; names canonical. */
    assert_string_equal(guest.cpu_mode, "custom");
    assert_string_equal(guest.cpu_model, "EPYC-Rome");
    assert_int_equal(guest.cpu_require.count, 4);
    assert_true(mh_names_has(&guest.cpu_require, "sse42"));
    assert_true(mh_names_has(&guest.cpu_require, "avx2"));
    assert_true(mh_names_has(&guest.cpu_require, "pclmuldq"));
    assert_false(mh_names_has(&guest.cpu_require, "rdrand"));
    assert_true(mh_names_has(&guest.cpu_forbid, "avx512f"));
    assert_true(mh_names_has(&guest.cpu_disable, "svm"));

    assert_int_equal(guest.disk_count, 5);
    assert_string_equal(guest.disks[0].source, "/var/lib/libvirt/images/full.qcow2");
    assert_string_equal(guest.disks[1].source, "/dev/mapper/data");
    assert_string_equal(guest.disks[1].type, "block");
    assert_string_equal(guest.disks[2].startup_policy, "optional");
    assert_null(guest.disks[3].source);
    assert_null(guest.disks[4].source);
    assert_string_equal(guest.disks[4].type, "network");

    assert_int_equal(guest.interface_count, 6);
    assert_string_equal(guest.interfaces[0].source, "br-int");
    assert_string_equal(guest.interfaces[0].virtualport, "openvswitch");
    assert_null(guest.interfaces[1].virtualport);
    assert_string_equal(guest.interfaces[2].source, "default");
    assert_string_equal(guest.interfaces[3].source, "eth0");
    assert_null(guest.interfaces[4].source);

    /* The hostdev interface counts as a PCI device, with its teaming. */
    assert_int_equal(guest.hostdev_count, 3);
    assert_string_equal(guest.hostdevs[0].type, "pci");
    assert_true(guest.hostdevs[0].transient_teaming);
    assert_string_equal(guest.hostdevs[1].usb_id, "046d:c52b");
    assert_string_equal(guest.hostdevs[1].startup_policy, "optional");
    assert_string_equal(guest.hostdevs[2].description, "pci bus 0x03 slot 0x00 function 0x0");
    assert_false(guest.hostdevs[2].transient_teaming);
    mh_guest_free(&guest);
    mh_xml_free_doc(doc);
}

/* The summary for external checks holds no secret of the XML. */
static void
summary_holds_no_secrets(void **state)
{
    struct mh_error err = { { 0 } };
    xmlDoc *doc = parse_file("tests/data/guest/full.xml");
    struct mh_guest guest;
    json_t *summary;
    char *text;
    (void)state;

    assert_int_equal(mh_guest_from_xml(doc, &guest, &err), 0);
    summary = mh_guest_to_json(&guest);
    text = mh_json_line(summary);
    assert_non_null(text);
    assert_null(strstr(text, "s3cret"));
    assert_non_null(strstr(text, "\"memory_kib\":4194304"));
    assert_non_null(strstr(text, "\"source\":\"br-int\""));
    assert_int_equal(json_array_size(json_object_get(summary, "disks")), 5);
    free(text);
    json_decref(summary);
    mh_guest_free(&guest);
    mh_xml_free_doc(doc);
}

static void
memory_units_follow_libvirt(void **state)
{
    static const struct {
        const char *memory;
        unsigned long long kib;
    } cases[] = {
        { "<memory>65536</memory>", 65536 },
        { "<memory unit='KiB'>65536</memory>", 65536 },
        { "<memory unit='M'>64</memory>", 65536 },
        { "<memory unit='MB'>64</memory>", 62500 },
        { "<memory unit='G'>1</memory>", 1048576 },
        { "<memory unit='bytes'>1025</memory>", 2 },
        { "<memory unit='TiB'>1</memory>", 1ULL << 30 },
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mh_error err = { { 0 } };
        struct mh_guest guest;
        char xml[512];

        MH_TEST_PRINT(xml, "<domain><name>m</name><uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>"
                           "%s</domain>", cases[i].memory);
        assert_int_equal(guest_from_text(xml, &guest, &err), 0);
        if (guest.memory_kib != cases[i].kib)
            fail_msg("%s: %llu KiB", cases[i].memory, guest.memory_kib);
        mh_guest_free(&guest);
    }
}

static void
bad_sizes_are_refused(void **state)
{
    static const char *const cases[] = {
        "<memory unit='KiB'>lots</memory>",
        "<memory unit='parsecs'>1</memory>",
        "<memory>-1</memory>",
        "<memory unit='TiB'>99999999999</memory>",
        "<memoryBacking><hugepages><page size='0'/></hugepages></memoryBacking>",
        "<memoryBacking><hugepages><page unit='KiB'/></hugepages></memoryBacking>",
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mh_error err = { { 0 } };
        struct mh_guest guest;
        char xml[512];

        MH_TEST_PRINT(xml, "<domain><name>m</name><uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>"
                           "%s</domain>", cases[i]);
        if (guest_from_text(xml, &guest, &err) != -1)
            fail_msg("accepted: %s", cases[i]);
        assert_non_null(strstr(err.message, "is not a size"));
        mh_guest_free(&guest);
    }
}

/* A positive and a negative: no <cpu> means no requirements; a guest
 * without name or UUID is refused. */
static void
minimal_and_broken_domains(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_guest guest;
    (void)state;

    assert_int_equal(guest_from_text("<domain><name>m</name>"
                                     "<uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid></domain>",
                                     &guest, &err), 0);
    assert_null(guest.cpu_mode);
    assert_false(mh_guest_cpu_is_passthrough(&guest));
    assert_int_equal(guest.disk_count + guest.interface_count + guest.hostdev_count, 0);
    mh_guest_free(&guest);
    assert_int_equal(guest_from_text("<domain><name>m</name></domain>", &guest, &err), -1);
    mh_guest_free(&guest);
    assert_int_equal(guest_from_text("<domain><name>m</name><uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0"
                                     "</uuid><cpu mode='host-passthrough'/></domain>", &guest, &err), 0);
    assert_true(mh_guest_cpu_is_passthrough(&guest));
    mh_guest_free(&guest);
}

/* More devices than a guest can have: refused, not a memory blow-up or a
 * crash. (10,000 interfaces are still a guest: tests/cli/test_rewrite.sh.) */
static void
too_many_devices_are_refused(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_guest guest;
    size_t size = 64 * 1024 * 1024;
    char *xml = malloc(size);
    size_t used;
    (void)state;

    assert_non_null(xml);
    used = (size_t)snprintf(xml, size, "<domain><name>m</name><uuid>4dea22b3-1d52-d8f3-2516-"
                                       "782e98ab3fa0</uuid><devices>");
    for (int i = 0; i < MH_GUEST_MAX_DEVICES + 1; i++)
        used += (size_t)snprintf(xml + used, size - used,
                                 "<interface type='bridge'><source bridge='b%d'/></interface>", i);
    snprintf(xml + used, size - used, "</devices></domain>");
    assert_int_equal(guest_from_text(xml, &guest, &err), -1);
    assert_non_null(strstr(err.message, "more than 65536 devices"));
    mh_guest_free(&guest);
    free(xml);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(full_domain_is_read),
        cmocka_unit_test(summary_holds_no_secrets),
        cmocka_unit_test(memory_units_follow_libvirt),
        cmocka_unit_test(bad_sizes_are_refused),
        cmocka_unit_test(minimal_and_broken_domains),
        cmocka_unit_test(too_many_devices_are_refused),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
