/* test_facts.c - host facts: probing fixture trees (tests/data/facts/NAME/
 * holds a host's /proc, /sys, libvirt files; NAME.expect the facts as
 * JSON; MH_TEST_UPDATE=1 rewrites them), the QEMU version cache, OVSDB,
 * and facts read back from JSON. */
#include "mh_test.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "mh_error.h"
#include "mh_facts.h"
#include "mh_file.h"
#include "mh_guest.h"
#include "mh_json.h"
#include "mh_xml.h"

#define CORPUS "tests/data/facts"

static void
probe_tree(const char *root, struct mh_facts *facts)
{
    struct mh_error err = { { 0 } };
    struct mh_facts_probe probe = {
        .root = root,
        .host_id = "test-host",
        .what = MH_FACTS_ALL & ~MH_FACTS_OVS,
        .maintenance_file = "/var/lib/migrate-hooks/maintenance",
    };

    mh_facts_init(facts, MH_FACTS_LOCAL);
    assert_int_equal(mh_facts_probe_local(&probe, facts, &err), 0);
}

/* Every fixture tree gives exactly the facts its .expect file lists. */
static void
fixture_trees_give_their_expected_facts(void **state)
{
    DIR *dir = opendir(CORPUS);
    struct dirent *entry;
    int cases = 0;
    (void)state;

    assert_non_null(dir);
    while ((entry = readdir(dir))) {
        char root[512], expect_path[512];
        struct mh_error err = { { 0 } };
        struct mh_facts facts;
        json_t *expected, *actual;
        size_t length;
        char *text;

        if (entry->d_name[0] == '.' || strchr(entry->d_name, '.'))
            continue;
        MH_TEST_PRINT(root, "%s/%s", CORPUS, entry->d_name);
        MH_TEST_PRINT(expect_path, "%s/%s.expect", CORPUS, entry->d_name);
        probe_tree(root, &facts);
        actual = mh_facts_to_json(&facts, MH_FACTS_ALL);
        text = mh_test_slurp(expect_path, &length);
        expected = mh_json_parse(text, length, 16, expect_path, &err);
        assert_non_null(expected);
        if (!json_equal(expected, actual)) {
            char *got = json_dumps(actual, JSON_INDENT(2) | JSON_SORT_KEYS);

            /* MH_TEST_UPDATE=1 writes what was found, for review in git diff. */
            if (getenv("MH_TEST_UPDATE")) {
                FILE *out = fopen(expect_path, "w");
                assert_non_null(out);
                fprintf(out, "%s\n", got);
                fclose(out);
            } else {
                fprintf(stderr, "%s: facts differ; got:\n%s\n", entry->d_name, got);
                free(got);
                fail();
            }
            free(got);
        }
        json_decref(expected);
        json_decref(actual);
        free(text);
        mh_facts_free(&facts);
        cases++;
    }
    closedir(dir);
    assert_true(cases >= 2);
}

/* Only the first processor's block is read, flags in canonical form. */
static void
cpuinfo_reads_the_first_processor_only(void **state)
{
    struct mh_facts facts;
    (void)state;

    probe_tree(CORPUS "/amd-host", &facts);
    assert_string_equal(facts.cpu_model, "AMD EPYC 7713 64-Core Processor");
    assert_true(mh_names_has(&facts.cpu_flags, "sse3"));       /* pni */
    assert_true(mh_names_has(&facts.cpu_flags, "sse41"));      /* sse4_1 */
    assert_true(mh_names_has(&facts.cpu_flags, "tscdeadline"));
    assert_false(mh_names_has(&facts.cpu_flags, "onlyinsecondcpu"));
    assert_false(mh_names_has(&facts.cpu_flags, "pni"));
    mh_facts_free(&facts);
}

/* Nothing probed is not "none": a missing tree leaves facts unknown. */
static void
missing_files_leave_facts_unknown(void **state)
{
    struct mh_facts facts;
    (void)state;

    probe_tree("/nonexistent-root", &facts);
    assert_false(facts.cpu_flags.known);
    assert_int_equal(facts.memory_available_kib, -1);
    assert_false(facts.netdevs.known);
    assert_int_equal(facts.libvirt_version, 0);
    /* ...except where absence is the answer: no maintenance flag file, no
     * libvirt networks or running guests, no hugepages support. */
    assert_int_equal(facts.maintenance, 0);
    assert_true(facts.networks_defined.known);
    assert_int_equal(facts.networks_defined.count, 0);
    assert_int_equal(facts.incoming_migrations, 0);
    assert_true(facts.hugepages_known);
    mh_facts_free(&facts);
}

static void
probing_only_what_is_asked(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_facts facts;
    struct mh_facts_probe probe = { .root = CORPUS "/amd-host", .what = MH_FACTS_MEMORY };
    (void)state;

    mh_facts_init(&facts, MH_FACTS_LOCAL);
    assert_int_equal(mh_facts_probe_local(&probe, &facts, &err), 0);
    assert_int_equal(facts.memory_available_kib, 200000000);
    assert_false(facts.cpu_flags.known);
    assert_false(facts.netdevs.known);
    assert_int_equal(facts.maintenance, -1);
    mh_facts_free(&facts);
}

/* Disk paths of the guest are looked up under the root. */
static void
guest_disk_paths_are_present_or_absent(void **state)
{
    static const char xml[] =
        "<domain type='kvm'><name>g</name><uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>"
        "<devices><disk type='file'><source file='/proc/meminfo'/><target dev='vda'/></disk>"
        "<disk type='file'><source file='/images/missing.qcow2'/><target dev='vdb'/></disk>"
        "<disk type='network'><source protocol='rbd' name='pool/img'/><target dev='vdc'/></disk>"
        "</devices></domain>";
    struct mh_error err = { { 0 } };
    xmlDoc *doc = mh_xml_parse(xml, strlen(xml), "test", &err);
    struct mh_guest guest;
    struct mh_facts facts;
    struct mh_facts_probe probe = { .root = CORPUS "/amd-host", .what = MH_FACTS_PATHS,
                                    .guest = &guest };
    (void)state;

    assert_non_null(doc);
    assert_int_equal(mh_guest_from_xml(doc, &guest, &err), 0);
    mh_facts_init(&facts, MH_FACTS_LOCAL);
    assert_int_equal(mh_facts_probe_local(&probe, &facts, &err), 0);
    assert_int_equal(mh_facts_path_state(&facts, "/proc/meminfo"), MH_FACTS_PATH_PRESENT);
    assert_int_equal(mh_facts_path_state(&facts, "/images/missing.qcow2"), MH_FACTS_PATH_ABSENT);
    assert_int_equal(facts.path_count, 2);
    mh_facts_free(&facts);
    mh_guest_free(&guest);
    mh_xml_free_doc(doc);
}

static void
versions_parse_strictly(void **state)
{
    unsigned long version = 0;
    char text[32];
    (void)state;

    assert_int_equal(mh_facts_parse_version("9.0.0", &version), 0);
    assert_int_equal(version, 9000000);
    assert_int_equal(mh_facts_parse_version("10.5", &version), 0);
    assert_int_equal(version, 10005000);
    mh_facts_format_version(7002022, text);
    assert_string_equal(text, "7.2.22");
    assert_int_equal(mh_facts_parse_version("", &version), -1);
    assert_int_equal(mh_facts_parse_version("9", &version), -1);
    assert_int_equal(mh_facts_parse_version("9.0.0.1", &version), -1);
    assert_int_equal(mh_facts_parse_version("9.1000.0", &version), -1);
    assert_int_equal(mh_facts_parse_version("-1.0", &version), -1);
    assert_int_equal(mh_facts_parse_version("9.0.0 ", &version), -1);
    assert_int_equal(mh_facts_parse_version("0.0.0", &version), -1);
}

static void
cpu_flags_compare_in_canonical_form(void **state)
{
    char a[64], b[64];
    (void)state;

    assert_string_equal(mh_facts_cpu_flag("sse4_1", a, sizeof(a)),
                        mh_facts_cpu_flag("sse4.1", b, sizeof(b)));
    assert_string_equal(mh_facts_cpu_flag("pni", a, sizeof(a)), mh_facts_cpu_flag("sse3", b, sizeof(b)));
    assert_string_equal(mh_facts_cpu_flag("tsc_deadline_timer", a, sizeof(a)),
                        mh_facts_cpu_flag("tsc-deadline", b, sizeof(b)));
    assert_string_equal(mh_facts_cpu_flag("AVX512_VNNI", a, sizeof(a)), "avx512vnni");
    /* Different bits stay different. */
    assert_string_not_equal(mh_facts_cpu_flag("sse4_1", a, sizeof(a)),
                            mh_facts_cpu_flag("sse4_2", b, sizeof(b)));
}

static void
facts_survive_a_round_trip_through_json(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_facts facts, back;
    json_t *first, *second;
    (void)state;

    probe_tree(CORPUS "/amd-host", &facts);
    mh_facts_set_path(&facts, "/images/a.qcow2", MH_FACTS_PATH_ABSENT);
    first = mh_facts_to_json(&facts, MH_FACTS_ALL);
    mh_facts_init(&back, MH_FACTS_COOKIE);
    assert_int_equal(mh_facts_from_json(first, "source", true, &back, &err), 0);
    second = mh_facts_to_json(&back, MH_FACTS_ALL);
    assert_true(json_equal(first, second));
    json_decref(first);
    json_decref(second);
    mh_facts_free(&facts);
    mh_facts_free(&back);
}

/* Facts from another host: every known key of the wrong type is named. */
static void
hostile_facts_json_is_refused_naming_the_key(void **state)
{
    static const struct {
        const char *json;
        const char *message;
    } cases[] = {
        { "[]", "source must be an object" },
        { "{}", "source.host_id is missing" },
        { "{\"host_id\": 7}", "source.host_id must be a string" },
        { "{\"host_id\": \"-bad\"}", "source.host_id is not a valid host id" },
        { "{\"host_id\": \"h\", \"libvirt_version\": 9}", "source.libvirt_version must be a version" },
        { "{\"host_id\": \"h\", \"libvirt_version\": \"nine\"}", "source.libvirt_version" },
        { "{\"host_id\": \"h\", \"cpu\": []}", "source.cpu must be an object" },
        { "{\"host_id\": \"h\", \"cpu\": {\"flags\": \"sse\"}}", "source.cpu.flags must be an array" },
        { "{\"host_id\": \"h\", \"cpu\": {\"flags\": [1]}}", "source.cpu.flags[0] must be a string" },
        { "{\"host_id\": \"h\", \"cpu\": {\"flags\": [\"\"]}}", "source.cpu.flags[0] must be 1 to" },
        { "{\"host_id\": \"h\", \"memory\": {\"total_kib\": -1}}", "source.memory.total_kib" },
        { "{\"host_id\": \"h\", \"hugepages\": [{\"size_kib\": 0, \"total\": 1, \"free\": 1}]}",
          "source.hugepages[0]" },
        { "{\"host_id\": \"h\", \"maintenance\": {\"active\": \"yes\"}}", "source.maintenance" },
        { "{\"host_id\": \"h\", \"paths\": {\"/a\": \"maybe\"}}", "source.paths values" },
        { "{\"host_id\": \"h\", \"hypervisor\": \"" "0123456789012345678901234567890123456789\"}",
          "source.hypervisor must be a string of at most" },
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mh_error err = { { 0 } };
        struct mh_facts facts;
        json_t *value = json_loads(cases[i].json, JSON_DECODE_ANY, NULL);

        assert_non_null(value);
        mh_facts_init(&facts, MH_FACTS_COOKIE);
        assert_int_equal(mh_facts_from_json(value, "source", true, &facts, &err), -1);
        if (!strstr(err.message, cases[i].message))
            fail_msg("%s: got \"%s\"", cases[i].json, err.message);
        mh_facts_free(&facts);
        json_decref(value);
    }
}

/* Too many names is refused before anything is kept. */
static void
oversized_name_lists_are_refused(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_facts facts;
    json_t *object = json_pack("{ss}", "host_id", "h");
    json_t *flags = json_array();
    (void)state;

    for (int i = 0; i < 5000; i++)
        json_array_append_new(flags, json_string("x"));
    json_object_set_new(object, "cpu", json_pack("{so}", "flags", flags));
    mh_facts_init(&facts, MH_FACTS_COOKIE);
    assert_int_equal(mh_facts_from_json(object, "source", true, &facts, &err), -1);
    assert_non_null(strstr(err.message, "more than 4096"));
    mh_facts_free(&facts);
    json_decref(object);
}

/* ---- QEMU version: run once, then cached by path, inode, size, mtime ---- */

static void
write_fake_qemu(const char *path, const char *version)
{
    char script[256];

    MH_TEST_PRINT(script, "#!/bin/sh\necho 'QEMU emulator version %s (Debian)'\n", version);
    {
        FILE *file = fopen(path, "w");
        assert_non_null(file);
        fputs(script, file);
        fclose(file);
    }
    assert_int_equal(chmod(path, 0755), 0);
}

static void
qemu_version_is_run_once_then_cached(void **state)
{
    struct mh_error err = { { 0 } };
    char *root = mh_test_tmpdir();
    char *cache_dir = mh_test_tmpdir();
    char bin[512], binary[512], cache[512], command[1024];
    unsigned long version = 0;
    int ignored;
    (void)state;

    MH_TEST_PRINT(bin, "%s/usr/bin", root);
    MH_TEST_PRINT(command, "mkdir -p '%s'", bin);
    ignored = system(command);
    MH_TEST_PRINT(binary, "%s/qemu-system-x86_64", bin);
    write_fake_qemu(binary, "7.2.22");
    assert_int_equal(mh_facts_qemu_version(root, "/usr/bin/qemu-system-x86_64", cache_dir,
                                           &version, &err), 0);
    assert_int_equal(version, 7002022);

    /* Positive: with the binary unchanged the cache answers, even when it
     * says something else than the binary would. */
    MH_TEST_PRINT(cache, "%s/qemu-version.json", cache_dir);
    /* Only the version string: unescaped, the dots also matched digits of
     * the mtime_ns or inode lines now and then, which changed the key. */
    MH_TEST_PRINT(command, "sed -i 's/\"7\\.2\\.22\"/\"9.9.9\"/' '%s'", cache);
    ignored = system(command);
    assert_int_equal(mh_facts_qemu_version(root, "/usr/bin/qemu-system-x86_64", cache_dir,
                                           &version, &err), 0);
    assert_int_equal(version, 9009009);

    /* Negative: an upgraded binary (new size and mtime) is run again. */
    write_fake_qemu(binary, "8.0.10");
    assert_int_equal(mh_facts_qemu_version(root, "/usr/bin/qemu-system-x86_64", cache_dir,
                                           &version, &err), 0);
    assert_int_equal(version, 8000010);
    (void)ignored;
    mh_test_rmdir(root);
    mh_test_rmdir(cache_dir);
}

static void
qemu_version_runs_only_trusted_qemu_binaries(void **state)
{
    struct mh_error err = { { 0 } };
    char *root = mh_test_tmpdir();
    char binary[512];
    unsigned long version = 0;
    (void)state;

    MH_TEST_PRINT(binary, "%s/not-qemu", root);
    write_fake_qemu(binary, "1.0.0");
    assert_int_equal(mh_facts_qemu_version(root, "/not-qemu", NULL, &version, &err), -1);
    assert_non_null(strstr(err.message, "not a QEMU binary"));

    MH_TEST_PRINT(binary, "%s/qemu-kvm", root);
    write_fake_qemu(binary, "1.0.0");
    assert_int_equal(chmod(binary, 0777), 0);
    assert_int_equal(mh_facts_qemu_version(root, "/qemu-kvm", NULL, &version, &err), -1);
    assert_non_null(strstr(err.message, "not run"));
    assert_int_equal(chmod(binary, 0755), 0);
    assert_int_equal(chown(binary, 1000, 1000), 0);
    assert_int_equal(mh_facts_qemu_version(root, "/qemu-kvm", NULL, &version, &err), -1);
    assert_int_equal(chown(binary, 0, 0), 0);
    assert_int_equal(mh_facts_qemu_version(root, "/qemu-kvm", NULL, &version, &err), 0);
    assert_int_equal(version, 1000000);
    assert_int_equal(mh_facts_qemu_version(root, "relative/qemu", NULL, &version, &err), -1);
    mh_test_rmdir(root);
}

/* ---- OVS bridges from a real ovsdb-server ---- */

static void
run_or_fail(const char *command)
{
    if (system(command) != 0)
        fail_msg("command failed: %s", command);
}

static void
ovs_bridges_come_from_a_real_ovsdb_server(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_names bridges = { 0 };
    char *dir = mh_test_tmpdir();
    char command[2048], socket_path[512], pid_path[512];
    char *pid_text;
    size_t length;
    (void)state;

    if (access("/usr/sbin/ovsdb-server", X_OK) < 0)
        skip();
    MH_TEST_PRINT(socket_path, "%s/db.sock", dir);
    MH_TEST_PRINT(pid_path, "%s/ovsdb.pid", dir);
    /* --unixctl: the default control socket is in /run/openvswitch, which
     * a machine where the OVS service never started does not have. */
    MH_TEST_PRINT(command,
                  "ovsdb-tool create '%s/conf.db' /usr/share/openvswitch/vswitch.ovsschema && "
                  "ovsdb-server '%s/conf.db' --remote=punix:'%s' --pidfile='%s' --detach "
                  "--no-chdir --log-file='%s/ovsdb.log' --unixctl='%s/ctl' && "
                  "ovs-vsctl --db=unix:'%s' --no-wait init && "
                  "ovs-vsctl --db=unix:'%s' --no-wait add-br br-int -- add-br br-ex",
                  dir, dir, socket_path, pid_path, dir, dir, socket_path, socket_path);
    run_or_fail(command);
    assert_int_equal(mh_facts_ovs_bridges(socket_path, 2000, &bridges, &err), 0);
    assert_true(bridges.known);
    assert_int_equal(bridges.count, 2);
    assert_true(mh_names_has(&bridges, "br-int"));
    assert_true(mh_names_has(&bridges, "br-ex"));
    assert_false(mh_names_has(&bridges, "br0"));
    mh_names_free(&bridges);

    pid_text = mh_test_slurp(pid_path, &length);
    kill((pid_t)atol(pid_text), SIGTERM);
    free(pid_text);
    for (int i = 0; i < 100 && access(socket_path, F_OK) == 0; i++)
        usleep(10000);
    mh_test_rmdir(dir);
}

/* No socket, or a stale one nobody listens on: OVS is not running, so
 * there are no OVS bridges (known, empty). */
static void
ovs_not_running_means_no_ovs_bridges(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_names bridges = { 0 };
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    char *dir = mh_test_tmpdir();
    int fd;
    (void)state;

    MH_TEST_PRINT(address.sun_path, "%s/db.sock", dir);
    assert_int_equal(mh_facts_ovs_bridges(address.sun_path, 500, &bridges, &err), 1);
    assert_true(bridges.known);
    assert_int_equal(bridges.count, 0);
    assert_non_null(strstr(err.message, "not running"));
    mh_names_free(&bridges);

    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&address, sizeof(address)), 0);
    close(fd); /* bound, never listened on: ECONNREFUSED */
    assert_int_equal(mh_facts_ovs_bridges(address.sun_path, 500, &bridges, &err), 1);
    mh_names_free(&bridges);
    mh_test_rmdir(dir);
}

/* A server that accepts and never answers costs at most the timeout. */
static void
ovsdb_that_never_answers_times_out(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_names bridges = { 0 };
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    struct timespec start;
    char *dir = mh_test_tmpdir();
    long took;
    int fd;
    (void)state;

    MH_TEST_PRINT(address.sun_path, "%s/db.sock", dir);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&address, sizeof(address)), 0);
    assert_int_equal(listen(fd, 4), 0);
    clock_gettime(CLOCK_MONOTONIC, &start);
    assert_int_equal(mh_facts_ovs_bridges(address.sun_path, 300, &bridges, &err), -1);
    took = mh_test_elapsed_ms(&start);
    assert_true(took >= 250 && took < 1500);
    assert_non_null(strstr(err.message, "did not answer within"));
    assert_false(bridges.known);
    close(fd);
    mh_names_free(&bridges);
    mh_test_rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixture_trees_give_their_expected_facts),
        cmocka_unit_test(cpuinfo_reads_the_first_processor_only),
        cmocka_unit_test(missing_files_leave_facts_unknown),
        cmocka_unit_test(probing_only_what_is_asked),
        cmocka_unit_test(guest_disk_paths_are_present_or_absent),
        cmocka_unit_test(versions_parse_strictly),
        cmocka_unit_test(cpu_flags_compare_in_canonical_form),
        cmocka_unit_test(facts_survive_a_round_trip_through_json),
        cmocka_unit_test(hostile_facts_json_is_refused_naming_the_key),
        cmocka_unit_test(oversized_name_lists_are_refused),
        cmocka_unit_test(qemu_version_is_run_once_then_cached),
        cmocka_unit_test(qemu_version_runs_only_trusted_qemu_binaries),
        cmocka_unit_test(ovs_bridges_come_from_a_real_ovsdb_server),
        cmocka_unit_test(ovs_not_running_means_no_ovs_bridges),
        cmocka_unit_test(ovsdb_that_never_answers_times_out),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
