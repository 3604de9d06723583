/* test_facts_virt.c - host facts through the libvirt API, against
 * libvirt's test driver. */
#include "mh_test.h"

#include <libvirt/libvirt.h>

#include "mh_error.h"
#include "mh_facts.h"
#include "mh_facts_virt.h"
#include "mh_guest.h"
#include "mh_xml.h"

static void
test_driver_facts(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_facts facts;
    virConnectPtr connection;
    (void)state;

    mh_facts_virt_quiet();
    connection = virConnectOpenReadOnly("test:///default");
    assert_non_null(connection);
    mh_facts_init(&facts, MH_FACTS_API);
    assert_int_equal(mh_facts_from_connection(connection, NULL, &facts, &err), 0);
    assert_int_equal(facts.origin, MH_FACTS_API);
    assert_int_equal(facts.libvirt_version, 9000000);
    assert_string_equal(facts.hypervisor, "TEST");
    assert_int_equal(facts.qemu_version, 0);    /* not the QEMU driver */
    assert_true(mh_names_has(&facts.domain_types, "test"));
    assert_true(mh_names_has(&facts.networks_active, "default"));
    assert_true(mh_names_has(&facts.netdevs, "eth1"));
    assert_false(mh_names_has(&facts.bridges, "eth1"));
    assert_int_equal(facts.memory_total_kib, 3145728);
    assert_true(facts.hugepages_known);
    assert_non_null(mh_facts_hugepages(&facts, 2048));
    /* What libvirt cannot show stays unknown, and says why. */
    assert_false(facts.ovs_bridges.known);
    assert_non_null(strstr(facts.ovs_note, "cannot be read through libvirt"));
    assert_int_equal(facts.maintenance, -1);
    mh_facts_free(&facts);
    virConnectClose(connection);
}

static void
guest_paths_outside_pools_are_unknown(void **state)
{
    static const char xml[] =
        "<domain><name>g</name><uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid><devices>"
        "<disk type='file'><source file='/default-pool/nowhere.img'/></disk></devices></domain>";
    struct mh_error err = { { 0 } };
    struct mh_facts facts;
    struct mh_guest guest;
    virConnectPtr connection;
    xmlDoc *doc = mh_xml_parse(xml, strlen(xml), "test", &err);
    (void)state;

    assert_non_null(doc);
    assert_int_equal(mh_guest_from_xml(doc, &guest, &err), 0);
    connection = virConnectOpenReadOnly("test:///default");
    assert_non_null(connection);
    mh_facts_init(&facts, MH_FACTS_API);
    assert_int_equal(mh_facts_from_connection(connection, &guest, &facts, &err), 0);
    assert_int_equal(mh_facts_path_state(&facts, "/default-pool/nowhere.img"), MH_FACTS_PATH_UNKNOWN);
    assert_int_equal(facts.path_count, 1);
    mh_facts_free(&facts);
    mh_guest_free(&guest);
    mh_xml_free_doc(doc);
    virConnectClose(connection);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_driver_facts),
        cmocka_unit_test(guest_paths_outside_pools_are_unknown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
