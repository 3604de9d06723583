/* test_check.c - every built-in check's pass, warn (or skip) and fail
 * cases over hand-made facts; severities; the report's lines; external
 * checks run from a checks.d of scripts. */
#include "mh_test.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "mh_check.h"
#include "mh_conf.h"
#include "mh_error.h"
#include "mh_facts.h"
#include "mh_guest.h"
#include "mh_json.h"
#include "mh_string.h"
#include "mh_xml.h"

struct fixture {
    struct mh_conf conf;
    struct mh_facts source;
    struct mh_facts destination;
    struct mh_guest guest;
    struct mh_check_input input;
    char reason[MH_CHECK_REASON_MAX];
};

static void
add_names(struct mh_names *names, const char *const *list)
{
    for (; *list; list++)
        assert_int_equal(mh_names_add(names, *list), 0);
    mh_names_finish(names);
}

/* A destination that has everything the default guest needs. */
static void
healthy_host(struct mh_facts *facts, enum mh_facts_origin origin)
{
    mh_facts_init(facts, origin);
    mh_facts_parse_version("9.0.0", &facts->libvirt_version);
    mh_facts_parse_version("7.2.0", &facts->qemu_version);
    strcpy(facts->hypervisor, "QEMU");
    strcpy(facts->host_id, "hv-a");
    strcpy(facts->cpu_vendor, "GenuineIntel");
    add_names(&facts->domain_types, (const char *[]){ "kvm", "qemu", NULL });
    add_names(&facts->cpu_flags, (const char *[]){ "sse2", "sse42", "avx2", "aes", "pti", NULL });
    facts->memory_total_kib = 16LL << 20;
    facts->memory_available_kib = 8LL << 20;
    facts->hugepages_known = true;
    facts->default_hugepage_kib = 2048;
    facts->hugepage_sizes = 1;
    facts->hugepages[0] = (struct mh_facts_hugepages){ 2048, 1024, 1024 };
    add_names(&facts->netdevs, (const char *[]){ "eth0", "br0", NULL });
    add_names(&facts->bridges, (const char *[]){ "br0", NULL });
    add_names(&facts->ovs_bridges, (const char *[]){ "br-int", NULL });
    add_names(&facts->networks_active, (const char *[]){ "default", NULL });
    add_names(&facts->networks_defined, (const char *[]){ "default", "stopped", NULL });
    facts->maintenance = 0;
    facts->incoming_migrations = 0;
    add_names(&facts->usb_devices, (const char *[]){ "046d:c52b", NULL });
}

/* Set up with the guest given by the XML inside <domain>. */
static void
setup(struct fixture *f, const char *inside)
{
    struct mh_error err = { { 0 } };
    char xml[8192];
    xmlDoc *doc;

    memset(f, 0, sizeof(*f));
    assert_int_equal(mh_conf_load_text(&f->conf, "{}", 2, "test", &err), 0);
    healthy_host(&f->source, MH_FACTS_COOKIE);
    healthy_host(&f->destination, MH_FACTS_LOCAL);
    MH_TEST_PRINT(xml, "<domain type='kvm'><name>g</name><uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0"
                       "</uuid><memory unit='MiB'>1024</memory>%s</domain>", inside);
    doc = mh_xml_parse(xml, strlen(xml), "test", &err);
    assert_non_null(doc);
    assert_int_equal(mh_guest_from_xml(doc, &f->guest, &err), 0);
    mh_xml_free_doc(doc);
    f->input = (struct mh_check_input){ &f->source, &f->destination, &f->guest, &f->conf.checks,
                                        "hv-a", true };
}

static void
teardown(struct fixture *f)
{
    mh_guest_free(&f->guest);
    mh_facts_free(&f->source);
    mh_facts_free(&f->destination);
    mh_conf_free(&f->conf);
}

static enum mh_check_result
run(struct fixture *f, const char *name)
{
    int index = mh_check_find(name);

    assert_true(index >= 0);
    f->reason[0] = '\0';
    return mh_check_builtins[index].run(&f->input, f->reason, sizeof(f->reason));
}

#define EXPECT(f, name, result, words)                                                        \
    do {                                                                                       \
        enum mh_check_result got_ = run((f), (name));                                          \
        if (got_ != (result) || !strstr((f)->reason, (words)))                                 \
            fail_msg("%s: got %s \"%s\", wanted %s with \"%s\"", (name),                       \
                     mh_check_result_name(got_), (f)->reason, mh_check_result_name(result),    \
                     (words));                                                                 \
    } while (0)

static void
libvirt_and_qemu_versions(void **state)
{
    struct fixture f;
    (void)state;

    setup(&f, "");
    EXPECT(&f, "libvirt-version", MH_CHECK_PASS, "libvirt 9.0.0 on both hosts");
    EXPECT(&f, "qemu-version", MH_CHECK_PASS, "QEMU 7.2.0 on both hosts");
    mh_facts_parse_version("9.5.0", &f.destination.libvirt_version);
    EXPECT(&f, "libvirt-version", MH_CHECK_WARN, "destination runs libvirt 9.5.0, the source 9.0.0");
    mh_facts_parse_version("8.0.0", &f.destination.libvirt_version);
    EXPECT(&f, "libvirt-version", MH_CHECK_FAIL, "libvirt 8.0.0, older than the source's 9.0.0");
    mh_facts_parse_version("7.1.0", &f.destination.qemu_version);
    EXPECT(&f, "qemu-version", MH_CHECK_FAIL, "older than the source's 7.2.0");
    f.destination.qemu_version = 0;
    EXPECT(&f, "qemu-version", MH_CHECK_SKIP, "the destination's QEMU version is unknown");
    f.input.source = NULL;
    EXPECT(&f, "libvirt-version", MH_CHECK_SKIP, "unknown (no cookie)");
    teardown(&f);
}

static void
hypervisor(void **state)
{
    struct fixture f;
    (void)state;

    setup(&f, "");
    EXPECT(&f, "hypervisor", MH_CHECK_PASS, "kvm guest, QEMU destination");
    mh_names_free(&f.destination.domain_types);
    add_names(&f.destination.domain_types, (const char *[]){ "qemu", NULL });
    EXPECT(&f, "hypervisor", MH_CHECK_FAIL, "<domain type='kvm'>, which the destination cannot run (no KVM");
    mh_names_free(&f.destination.domain_types);
    EXPECT(&f, "hypervisor", MH_CHECK_WARN, "cannot confirm");
    f.destination.origin = MH_FACTS_API;
    EXPECT(&f, "hypervisor", MH_CHECK_SKIP, "the hook on the destination checks it");
    strcpy(f.source.hypervisor, "Xen");
    EXPECT(&f, "hypervisor", MH_CHECK_FAIL, "the source runs Xen, the destination QEMU");
    teardown(&f);
}

static void
cpu_flags_of_a_custom_model(void **state)
{
    struct fixture f;
    (void)state;

    setup(&f, "");
    EXPECT(&f, "cpu-flags", MH_CHECK_PASS, "guest needs no particular CPU flags");
    teardown(&f);

    /* x2apic is provided by KVM whatever the host has. */
    setup(&f, "<cpu mode='custom'><model>Skylake</model><feature policy='require' name='sse4.2'/>"
              "<feature name='x2apic'/></cpu>");
    EXPECT(&f, "cpu-flags", MH_CHECK_PASS, "has the 2 flags the guest requires");
    teardown(&f);

    setup(&f, "<cpu mode='custom'><feature policy='require' name='avx512f'/>"
              "<feature policy='force' name='sha-ni'/></cpu>");
    EXPECT(&f, "cpu-flags", MH_CHECK_FAIL, "lacks flags the guest requires: avx512f, shani");
    mh_names_free(&f.destination.cpu_flags);
    EXPECT(&f, "cpu-flags", MH_CHECK_WARN, "cannot confirm");
    teardown(&f);

    setup(&f, "<cpu mode='custom'><feature policy='forbid' name='aes'/></cpu>");
    EXPECT(&f, "cpu-flags", MH_CHECK_FAIL, "has flags the guest forbids: aes");
    teardown(&f);
}

static void
cpu_flags_of_host_passthrough(void **state)
{
    struct fixture f;
    (void)state;

    setup(&f, "<cpu mode='host-passthrough'/>");
    EXPECT(&f, "cpu-flags", MH_CHECK_PASS, "destination CPU has every flag of the source's");
    /* pti is the kernel's, not the CPU's: never a reason to refuse. */
    mh_names_free(&f.destination.cpu_flags);
    add_names(&f.destination.cpu_flags, (const char *[]){ "sse2", "sse42", "avx2", "aes", NULL });
    EXPECT(&f, "cpu-flags", MH_CHECK_PASS, "every flag");
    mh_names_free(&f.destination.cpu_flags);
    add_names(&f.destination.cpu_flags, (const char *[]){ "sse2", "sse42", NULL });
    EXPECT(&f, "cpu-flags", MH_CHECK_FAIL, "lacks 2 flags of the source's: aes, avx2");
    strcpy(f.destination.cpu_vendor, "AuthenticAMD");
    EXPECT(&f, "cpu-flags", MH_CHECK_FAIL, "cannot move from a GenuineIntel to a AuthenticAMD CPU");
    f.input.source = NULL;
    EXPECT(&f, "cpu-flags", MH_CHECK_WARN, "source's CPU flags are unknown (no cookie)");
    teardown(&f);

    /* A feature the guest disables need not be on the destination. */
    setup(&f, "<cpu mode='host-passthrough'><feature policy='disable' name='avx2'/></cpu>");
    mh_names_free(&f.destination.cpu_flags);
    add_names(&f.destination.cpu_flags, (const char *[]){ "sse2", "sse42", "aes", NULL });
    EXPECT(&f, "cpu-flags", MH_CHECK_PASS, "every flag");
    teardown(&f);
}

static void
memory(void **state)
{
    struct fixture f;
    (void)state;

    setup(&f, "");
    EXPECT(&f, "memory", MH_CHECK_PASS, "guest needs 1024 MiB (+512 MiB reserve), 8192 MiB available");
    f.destination.memory_available_kib = 1400 * 1024;
    EXPECT(&f, "memory", MH_CHECK_FAIL, "guest needs 1024 MiB and 512 MiB stay reserved; the "
                                       "destination has 1400 MiB available");
    f.conf.checks.memory_reserve_mib = 0;
    EXPECT(&f, "memory", MH_CHECK_PASS, "1400 MiB available");
    f.destination.memory_available_kib = -1;
    EXPECT(&f, "memory", MH_CHECK_WARN, "cannot confirm");
    teardown(&f);

    setup(&f, "<memoryBacking><hugepages/></memoryBacking>");
    f.destination.memory_available_kib = 0;
    EXPECT(&f, "memory", MH_CHECK_PASS, "backed by hugepages");
    teardown(&f);
}

static void
hugepages(void **state)
{
    struct fixture f;
    (void)state;

    setup(&f, "");
    EXPECT(&f, "hugepages", MH_CHECK_PASS, "guest uses no hugepages");
    teardown(&f);

    setup(&f, "<memoryBacking><hugepages/></memoryBacking>");
    EXPECT(&f, "hugepages", MH_CHECK_PASS, "guest needs 512 hugepages of 2048 KiB, 1024 free");
    f.destination.hugepages[0].free = 100;
    EXPECT(&f, "hugepages", MH_CHECK_FAIL, "needs 512 hugepages of 2048 KiB; the destination has 100 free");
    f.destination.hugepages_known = false;
    EXPECT(&f, "hugepages", MH_CHECK_WARN, "cannot confirm");
    teardown(&f);

    setup(&f, "<memoryBacking><hugepages><page size='1' unit='G'/></hugepages></memoryBacking>");
    EXPECT(&f, "hugepages", MH_CHECK_FAIL, "needs 1048576 KiB hugepages; the destination has none");
    teardown(&f);
}

static void
bridges(void **state)
{
    struct fixture f;
    (void)state;

    setup(&f, "<devices><interface type='bridge'><source bridge='br0'/></interface>"
              "<interface type='bridge'><source bridge='br-int'/>"
              "<virtualport type='openvswitch'/></interface>"
              "<interface type='direct'><source dev='eth0'/></interface></devices>");
    EXPECT(&f, "bridges", MH_CHECK_PASS, "3 bridges and host interfaces present");
    teardown(&f);

    setup(&f, "<devices><interface type='bridge'><source bridge='br-missing'/></interface>"
              "<interface type='direct'><source dev='eth9'/></interface></devices>");
    strcpy(f.destination.ovs_note, "Open vSwitch is not running");
    EXPECT(&f, "bridges", MH_CHECK_FAIL,
           "the destination has no bridge br-missing; host interface eth9 (Open vSwitch is not running)");
    mh_names_free(&f.destination.ovs_bridges);
    strcpy(f.destination.ovs_note, "cannot reach OVSDB");
    mh_names_free(&f.destination.netdevs);
    add_names(&f.destination.netdevs, (const char *[]){ "eth9", NULL });
    EXPECT(&f, "bridges", MH_CHECK_WARN, "cannot confirm bridge br-missing on the destination (cannot reach OVSDB)");
    teardown(&f);

    /* An OVS port needs an OVS bridge: a Linux bridge of that name won't do. */
    setup(&f, "<devices><interface type='bridge'><source bridge='br0'/>"
              "<virtualport type='openvswitch'/></interface></devices>");
    EXPECT(&f, "bridges", MH_CHECK_FAIL, "the destination has no OVS bridge br0");
    teardown(&f);

    setup(&f, "<devices><interface type='user'/></devices>");
    EXPECT(&f, "bridges", MH_CHECK_PASS, "guest uses no bridge");
    teardown(&f);
}

static void
networks(void **state)
{
    struct fixture f;
    (void)state;

    setup(&f, "<devices><interface type='network'><source network='default'/></interface></devices>");
    EXPECT(&f, "networks", MH_CHECK_PASS, "1 network interface");
    mh_names_free(&f.destination.networks_active);
    EXPECT(&f, "networks", MH_CHECK_WARN, "cannot confirm");
    teardown(&f);

    setup(&f, "<devices><interface type='network'><source network='stopped'/></interface>"
              "<interface type='network'><source network='nowhere'/></interface></devices>");
    EXPECT(&f, "networks", MH_CHECK_FAIL, "network stopped is defined but not active; network "
                                         "nowhere is not defined");
    teardown(&f);

    setup(&f, "");
    EXPECT(&f, "networks", MH_CHECK_PASS, "guest uses no libvirt network");
    teardown(&f);
}

static void
disks(void **state)
{
    static const char devices[] =
        "<devices><disk type='file'><source file='/img/a.qcow2'/><target dev='vda'/></disk>"
        "<disk type='file' device='cdrom'><source file='/iso/x.iso' startupPolicy='optional'/>"
        "<target dev='sda'/></disk>"
        "<disk type='network'><source protocol='rbd' name='p/i'/><target dev='vdb'/></disk>"
        "</devices>";
    struct fixture f;
    (void)state;

    setup(&f, devices);
    mh_facts_set_path(&f.destination, "/img/a.qcow2", MH_FACTS_PATH_PRESENT);
    mh_facts_set_path(&f.destination, "/iso/x.iso", MH_FACTS_PATH_PRESENT);
    EXPECT(&f, "disks", MH_CHECK_PASS, "2 disk sources present");
    mh_facts_set_path(&f.destination, "/iso/x.iso", MH_FACTS_PATH_ABSENT);
    EXPECT(&f, "disks", MH_CHECK_PASS, "optional ones missing are dropped");
    mh_facts_set_path(&f.destination, "/img/a.qcow2", MH_FACTS_PATH_ABSENT);
    EXPECT(&f, "disks", MH_CHECK_FAIL, "disk source missing on the destination: vda (/img/a.qcow2)");
    mh_facts_set_path(&f.destination, "/img/a.qcow2", MH_FACTS_PATH_UNKNOWN);
    EXPECT(&f, "disks", MH_CHECK_WARN, "cannot confirm disk source on the destination: vda");
    f.destination.origin = MH_FACTS_API;
    EXPECT(&f, "disks", MH_CHECK_WARN, "(not in a storage pool)");
    teardown(&f);
}

static void
host_devices(void **state)
{
    struct fixture f;
    (void)state;

    setup(&f, "");
    EXPECT(&f, "host-devices", MH_CHECK_PASS, "no host devices");
    teardown(&f);

    setup(&f, "<devices><hostdev mode='subsystem' type='pci'><source><address bus='0x03' "
              "slot='0x00' function='0x0'/></source></hostdev>"
              "<hostdev mode='subsystem' type='mdev'/></devices>");
    EXPECT(&f, "host-devices", MH_CHECK_FAIL, "passthrough devices cannot migrate: pci bus 0x03 "
                                             "slot 0x00 function 0x0, subsystemmdev");
    teardown(&f);

    setup(&f, "<devices><interface type='hostdev'><mac address='52:54:00:00:00:09'/>"
              "<teaming type='transient' persistent='ua-net0'/></interface>"
              "<hostdev mode='subsystem' type='usb'><source><vendor id='0x046d'/>"
              "<product id='0xc52b'/></source></hostdev></devices>");
    EXPECT(&f, "host-devices", MH_CHECK_PASS, "1 USB device present");
    mh_names_free(&f.destination.usb_devices);
    EXPECT(&f, "host-devices", MH_CHECK_WARN, "cannot confirm the destination has usb 046d:c52b");
    add_names(&f.destination.usb_devices, (const char *[]){ "1d6b:0002", NULL });
    EXPECT(&f, "host-devices", MH_CHECK_FAIL, "the destination has no usb 046d:c52b");
    teardown(&f);

    setup(&f, "<devices><interface type='hostdev'><mac address='52:54:00:00:00:09'/></interface>"
              "</devices>");
    EXPECT(&f, "host-devices", MH_CHECK_FAIL, "cannot migrate: interface 52:54:00:00:00:09");
    teardown(&f);
}

static void
maintenance(void **state)
{
    struct fixture f;
    (void)state;

    setup(&f, "");
    EXPECT(&f, "maintenance", MH_CHECK_PASS, "not in maintenance");
    f.destination.maintenance = 1;
    strcpy(f.destination.maintenance_reason, "disk swap");
    EXPECT(&f, "maintenance", MH_CHECK_FAIL, "destination is in maintenance: disk swap (flag file");
    f.destination.maintenance = -1;
    EXPECT(&f, "maintenance", MH_CHECK_WARN, "cannot confirm");
    f.destination.origin = MH_FACTS_API;
    EXPECT(&f, "maintenance", MH_CHECK_SKIP, "cannot be read through libvirt");
    teardown(&f);
}

static void
allowed_sources(void **state)
{
    struct mh_error err = { { 0 } };
    struct fixture f;
    static const char config[] = "{\"checks\": {\"allowed_sources\": [\"hv-*\", \"spare\"]}}";
    (void)state;

    setup(&f, "");
    EXPECT(&f, "allowed-sources", MH_CHECK_PASS, "any source host is allowed");
    mh_conf_free(&f.conf);
    assert_int_equal(mh_conf_load_text(&f.conf, config, strlen(config), "test", &err), 0);
    f.input.conf = &f.conf.checks;
    EXPECT(&f, "allowed-sources", MH_CHECK_PASS, "source host hv-a is allowed");
    f.input.source_authenticated = false;
    EXPECT(&f, "allowed-sources", MH_CHECK_PASS, "(cookie not authenticated)");
    f.input.source_host = "rogue";
    EXPECT(&f, "allowed-sources", MH_CHECK_FAIL, "source host rogue is not allowed (allowed: hv-*, spare)");
    f.input.source_host = NULL;
    EXPECT(&f, "allowed-sources", MH_CHECK_FAIL, "source host unknown (no cookie)");
    teardown(&f);
}

static void
max_incoming(void **state)
{
    struct fixture f;
    (void)state;

    setup(&f, "");
    EXPECT(&f, "max-incoming", MH_CHECK_PASS, "no limit configured");
    f.conf.checks.max_incoming = 2;
    f.destination.incoming_migrations = 1;
    EXPECT(&f, "max-incoming", MH_CHECK_PASS, "1 incoming migration in flight, limit 2");
    f.destination.incoming_migrations = 2;
    EXPECT(&f, "max-incoming", MH_CHECK_FAIL, "already receives 2 migrations (limit 2)");
    f.destination.incoming_migrations = -1;
    EXPECT(&f, "max-incoming", MH_CHECK_WARN, "cannot confirm");
    teardown(&f);
}

/* warn turns a failure into a warning, off skips the check. */
static void
severities_apply(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_check_report report = { 0 };
    struct fixture f;
    static const char config[] =
        "{\"checks\": {\"severity\": {\"maintenance\": \"warn\", \"memory\": \"off\"}}}";
    (void)state;

    setup(&f, "");
    mh_conf_free(&f.conf);
    assert_int_equal(mh_conf_load_text(&f.conf, config, strlen(config), "test", &err), 0);
    f.input.conf = &f.conf.checks;
    f.destination.maintenance = 1;
    f.destination.memory_available_kib = 0;
    assert_int_equal(mh_check_run_builtins(&f.input, &report, &err), 0);
    assert_int_equal(report.count, mh_check_builtin_count);
    assert_int_equal(report.failed, 0);
    assert_int_equal(report.warned, 1);
    for (size_t i = 0; i < report.count; i++) {
        if (strcmp(report.items[i].name, "maintenance") == 0)
            assert_int_equal(report.items[i].result, MH_CHECK_WARN);
        if (strcmp(report.items[i].name, "memory") == 0) {
            assert_int_equal(report.items[i].result, MH_CHECK_SKIP);
            assert_string_equal(report.items[i].reason, "off in the configuration");
        }
    }
    mh_check_report_free(&report);

    /* Without the config the same facts fail. */
    mh_conf_free(&f.conf);
    assert_int_equal(mh_conf_load_text(&f.conf, "{}", 2, "test", &err), 0);
    f.input.conf = &f.conf.checks;
    assert_int_equal(mh_check_run_builtins(&f.input, &report, &err), 0);
    assert_int_equal(report.failed, 2);
    mh_check_report_free(&report);
    teardown(&f);
}

/* Only what the guest and the enabled checks need is probed. */
static void
facts_needed_follow_the_guest(void **state)
{
    struct mh_error err = { { 0 } };
    struct fixture f;
    static const char config[] = "{\"checks\": {\"severity\": {\"maintenance\": \"off\"}}}";
    unsigned what;
    (void)state;

    setup(&f, "");
    what = mh_check_facts_needed(&f.input);
    assert_true(what & MH_FACTS_MEMORY);
    assert_true(what & MH_FACTS_MAINTENANCE);
    assert_false(what & (MH_FACTS_CPU | MH_FACTS_OVS | MH_FACTS_NETWORKS | MH_FACTS_INCOMING |
                         MH_FACTS_HUGEPAGES | MH_FACTS_USB | MH_FACTS_PATHS));
    f.input.source = NULL;
    assert_false(mh_check_facts_needed(&f.input) & MH_FACTS_VERSIONS);
    mh_conf_free(&f.conf);
    assert_int_equal(mh_conf_load_text(&f.conf, config, strlen(config), "test", &err), 0);
    f.input.conf = &f.conf.checks;
    assert_false(mh_check_facts_needed(&f.input) & MH_FACTS_MAINTENANCE);
    teardown(&f);

    setup(&f, "<cpu mode='host-passthrough'/><devices><interface type='bridge'><source "
              "bridge='br0'/></interface><disk type='file'><source file='/a'/></disk></devices>");
    f.conf.checks.max_incoming = 3;
    what = mh_check_facts_needed(&f.input);
    assert_true(what & MH_FACTS_CPU);
    assert_true(what & MH_FACTS_OVS);
    assert_true(what & MH_FACTS_PATHS);
    assert_true(what & MH_FACTS_INCOMING);
    teardown(&f);
}

/* Failures first, one "name: reason" per line, every name kept even when
 * reasons must be shortened to fit. */
static void
report_lines_name_every_check(void **state)
{
    struct mh_check_report report = { 0 };
    char message[1024] = "header:";
    char long_reason[300];
    char name[32];
    (void)state;

    memset(long_reason, 'x', sizeof(long_reason) - 1);
    long_reason[sizeof(long_reason) - 1] = '\0';
    assert_int_equal(mh_check_report_add(&report, "quiet", MH_CHECK_WARN, false, "w\nline"), 0);
    for (int i = 0; i < 8; i++) {
        MH_TEST_PRINT(name, "check-%d", i);
        assert_int_equal(mh_check_report_add(&report, name, MH_CHECK_FAIL, false, long_reason), 0);
    }
    assert_int_equal(mh_check_report_add(&report, "fine", MH_CHECK_PASS, false, "ok"), 0);
    mh_check_report_lines(&report, MH_CHECK_WARN, message, sizeof(message));
    assert_true(strlen(message) < sizeof(message));
    assert_true(mh_string_has_prefix(message, "header:\ncheck-0: xxx"));
    for (int i = 0; i < 8; i++) {
        MH_TEST_PRINT(name, "\ncheck-%d: ", i);
        assert_non_null(strstr(message, name));
    }
    /* The warning comes after the failures, its newline made a space. */
    assert_non_null(strstr(message, "\nquiet: w line"));
    assert_null(strstr(message, "fine"));
    assert_non_null(strstr(message, "..."));
    mh_check_report_free(&report);
}

/* An external check may print anything; its reason must still reach the
 * JSON report (jansson refuses strings that are not UTF-8). */
static void
report_json_keeps_a_reason_that_is_not_utf8(void **state)
{
    struct mh_check_report report = { 0 };
    json_t *json;
    (void)state;

    assert_int_equal(mh_check_report_add(&report, "ext", MH_CHECK_FAIL, true,
                                         "bad \xff\xfe byte \x1b[31m"), 0);
    json = mh_check_report_to_json(&report);
    assert_non_null(json);
    assert_int_equal(json_array_size(json), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(json, 0), "reason")),
                        "bad ?? byte  [31m");
    json_decref(json);
    mh_check_report_free(&report);
}

static void
unknown_check_names(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_conf conf;
    static const char config[] = "{\"checks\": {\"severity\": {\"bridgez\": \"off\"}}}";
    static const char bad_level[] = "{\"checks\": {\"severity\": {\"bridges\": \"maybe\"}}}";
    (void)state;

    assert_int_equal(mh_check_find("bridges"), 6);
    assert_int_equal(mh_check_find("bridgez"), -1);
    assert_int_equal(mh_conf_load_text(&conf, config, strlen(config), "test.json", &err), -1);
    assert_non_null(strstr(err.message, "test.json:1:26: unknown check \"bridgez\""));
    mh_conf_free(&conf);
    assert_int_equal(mh_conf_load_text(&conf, bad_level, strlen(bad_level), "test.json", &err), -1);
    assert_non_null(strstr(err.message, "must be one of: fail, warn, off"));
    mh_conf_free(&conf);
}

/* ---- external checks ---- */

static void
write_check(const char *dir, const char *name, const char *body, unsigned mode)
{
    char text[4096];

    MH_TEST_PRINT(text, "#!/bin/sh\n%s\n", body);
    mh_test_write(dir, name, text, mode);
}

static const struct mh_check_item *
item_named(const struct mh_check_report *report, const char *name)
{
    for (size_t i = 0; i < report->count; i++) {
        if (strcmp(report->items[i].name, name) == 0)
            return &report->items[i];
    }
    return NULL;
}

static void
external_checks_answer_by_exit_code(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_check_report report = { 0 };
    char *dir = mh_test_tmpdir();
    json_t *document = json_pack("{si}", "version", 1);
    (void)state;

    assert_int_equal(chmod(dir, 0755), 0);
    write_check(dir, "10-pass", "echo 'san zoning ok'; exit 0", 0755);
    write_check(dir, "20-fail", "echo 'LUN 7 not zoned to this host'; echo more; exit 1", 0755);
    write_check(dir, "30-warn", "echo 'firmware differs'; exit 2", 0755);
    write_check(dir, "40-odd", "echo 'confused'; exit 3", 0755);
    write_check(dir, "50-silent", "exit 0", 0755);
    write_check(dir, "60-disabled", "exit 1", 0644);
    write_check(dir, "70-backup.dpkg-old", "exit 1", 0755);
    write_check(dir, "80-untrusted", "exit 0", 0757);
    write_check(dir, "90-killed", "kill -9 $$", 0755);
    assert_int_equal(mh_check_run_external(dir, 2000, document, &report, &err), 0);

    assert_int_equal(report.count, 7);
    assert_string_equal(report.items[0].name, "10-pass");
    assert_int_equal(report.items[0].result, MH_CHECK_PASS);
    assert_string_equal(report.items[0].reason, "san zoning ok");
    assert_true(report.items[0].external);
    assert_int_equal(item_named(&report, "20-fail")->result, MH_CHECK_FAIL);
    assert_string_equal(item_named(&report, "20-fail")->reason, "LUN 7 not zoned to this host");
    assert_int_equal(item_named(&report, "30-warn")->result, MH_CHECK_WARN);
    assert_int_equal(item_named(&report, "40-odd")->result, MH_CHECK_FAIL);
    assert_string_equal(item_named(&report, "40-odd")->reason, "exited with status 3: confused");
    assert_string_equal(item_named(&report, "50-silent")->reason, "passed");
    assert_null(item_named(&report, "60-disabled"));
    assert_null(item_named(&report, "70-backup.dpkg-old"));
    assert_int_equal(item_named(&report, "80-untrusted")->result, MH_CHECK_FAIL);
    assert_non_null(strstr(item_named(&report, "80-untrusted")->reason, "writable by group or others"));
    assert_string_equal(item_named(&report, "90-killed")->reason, "killed by signal 9");
    assert_int_equal(report.failed, 4);
    assert_int_equal(report.warned, 1);
    mh_check_report_free(&report);
    json_decref(document);
    mh_test_rmdir(dir);
}

/* A check that hangs is killed at its timeout; one that leaves a child
 * holding stdout does not hold us. */
static void
external_checks_are_bounded_in_time(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_check_report report = { 0 };
    char *dir = mh_test_tmpdir();
    json_t *document = json_pack("{si}", "version", 1);
    struct timespec start;
    (void)state;

    assert_int_equal(chmod(dir, 0755), 0);
    write_check(dir, "10-hangs", "sleep 30", 0755);
    write_check(dir, "20-leaves-a-child", "sleep 30 & echo 'done early'; exit 0", 0755);
    clock_gettime(CLOCK_MONOTONIC, &start);
    assert_int_equal(mh_check_run_external(dir, 300, document, &report, &err), 0);
    assert_true(mh_test_elapsed_ms(&start) < 1500);
    assert_int_equal(report.items[0].result, MH_CHECK_FAIL);
    assert_string_equal(report.items[0].reason, "did not answer within 300 ms; killed");
    assert_int_equal(report.items[1].result, MH_CHECK_PASS);
    assert_string_equal(report.items[1].reason, "done early");
    mh_check_report_free(&report);
    json_decref(document);
    mh_test_rmdir(dir);
}

/* The document arrives on stdin; nothing else of ours is open. */
static void
external_checks_get_the_document_and_only_stdio(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_check_report report = { 0 };
    struct fixture f;
    char *dir = mh_test_tmpdir();
    char body[1024], path[512];
    json_t *document, *received;
    int leaked = open("/dev/null", O_RDONLY); /* no O_CLOEXEC: it would leak */
    (void)state;

    assert_true(leaked > 2);
    assert_int_equal(chmod(dir, 0755), 0);
    setup(&f, "<devices><interface type='bridge'><source bridge='br0'/></interface></devices>");
    MH_TEST_PRINT(body, "cat > '%s/document.json'\n"
                        "for fd in 3 4 5 6 7 8 9 %d; do [ -e /proc/$$/fd/$fd ] && "
                        "{ echo \"fd $fd is open\"; exit 1; }; done\nexit 0", dir, leaked);
    write_check(dir, "10-reads", body, 0755);
    document = mh_check_document(&f.input, NULL, "hook", "mig-1");
    assert_int_equal(mh_check_run_external(dir, 2000, document, &report, &err), 0);
    if (report.items[0].result != MH_CHECK_PASS)
        fail_msg("%s", report.items[0].reason);
    MH_TEST_PRINT(path, "%s/document.json", dir);
    received = json_load_file(path, 0, NULL);
    assert_non_null(received);
    assert_true(json_equal(received, document));
    assert_string_equal(json_string_value(json_object_get(received, "context")), "hook");
    assert_string_equal(json_string_value(json_object_get(received, "migration_id")), "mig-1");
    assert_string_equal(json_string_value(json_object_get(received, "source_host")), "hv-a");
    assert_non_null(json_object_get(json_object_get(received, "destination"), "bridges"));
    assert_string_equal(json_string_value(json_object_get(json_object_get(received, "guest"), "name")),
                        "g");
    json_decref(received);
    json_decref(document);
    close(leaked);
    mh_check_report_free(&report);
    teardown(&f);
    mh_test_rmdir(dir);
}

static void
external_check_directory_must_be_trusted(void **state)
{
    struct mh_error err = { { 0 } };
    char *dir = mh_test_tmpdir();
    char **names = NULL;
    size_t count = 99;
    (void)state;

    assert_int_equal(mh_check_external_list("/nonexistent/checks.d", &names, &count, &err), 0);
    assert_int_equal(count, 0);
    assert_int_equal(chmod(dir, 0777), 0);
    assert_int_equal(mh_check_external_list(dir, &names, &count, &err), -1);
    assert_non_null(strstr(err.message, "external checks: "));
    assert_non_null(strstr(err.message, "writable by group or others"));
    assert_int_equal(chmod(dir, 0755), 0);
    write_check(dir, "b", "exit 0", 0755);
    write_check(dir, "a", "exit 0", 0755);
    write_check(dir, ".hidden", "exit 0", 0755);
    write_check(dir, "c~", "exit 0", 0755);
    assert_int_equal(mh_check_external_list(dir, &names, &count, &err), 0);
    assert_int_equal(count, 2);
    assert_string_equal(names[0], "a");
    assert_string_equal(names[1], "b");
    mh_check_external_free(names, count);
    mh_test_rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(libvirt_and_qemu_versions),
        cmocka_unit_test(hypervisor),
        cmocka_unit_test(cpu_flags_of_a_custom_model),
        cmocka_unit_test(cpu_flags_of_host_passthrough),
        cmocka_unit_test(memory),
        cmocka_unit_test(hugepages),
        cmocka_unit_test(bridges),
        cmocka_unit_test(networks),
        cmocka_unit_test(disks),
        cmocka_unit_test(host_devices),
        cmocka_unit_test(maintenance),
        cmocka_unit_test(allowed_sources),
        cmocka_unit_test(max_incoming),
        cmocka_unit_test(severities_apply),
        cmocka_unit_test(facts_needed_follow_the_guest),
        cmocka_unit_test(report_lines_name_every_check),
        cmocka_unit_test(report_json_keeps_a_reason_that_is_not_utf8),
        cmocka_unit_test(unknown_check_names),
        cmocka_unit_test(external_checks_answer_by_exit_code),
        cmocka_unit_test(external_checks_are_bounded_in_time),
        cmocka_unit_test(external_checks_get_the_document_and_only_stdio),
        cmocka_unit_test(external_check_directory_must_be_trusted),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
