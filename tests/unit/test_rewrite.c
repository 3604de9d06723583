/* test_rewrite.c - the XML rewrite engine: the corpus tests/data/rewrite/NAME/
 * (input.xml, config.json, and expected.xml - absent or empty means
 * unchanged - or error holding a substring of the expected message), a
 * robustness sweep over tests/data/rewrite-sweep/, and hostile input. */
#include "mh_test.h"

#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include "mh_command.h"
#include "mh_conf.h"
#include "mh_diff.h"
#include "mh_error.h"
#include "mh_file.h"
#include "mh_rewrite.h"
#include "mh_rewrite_guest.h"
#include "mh_xml.h"

#define CORPUS "tests/data/rewrite"
#define SWEEP "tests/data/rewrite-sweep"
#define VALIDATOR "/usr/bin/virt-xml-validate"

/* virt-xml-validate is a shell script around xmllint: the sanitized build
 * runs the same checks on the same code, so it skips the slow validator. */
#if defined(__SANITIZE_ADDRESS__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif
#ifndef UNDER_SANITIZER
#define UNDER_SANITIZER 0
#endif

struct loaded {
    struct mh_conf conf;
    struct mh_rewrite_rules *rules;
};

/* Load config text as the hook would; -1 with err on a refused config. */
static int
load_rules(struct loaded *loaded, const char *text, size_t length, struct mh_error *err)
{
    loaded->rules = NULL;
    if (mh_conf_load_text(&loaded->conf, text, length, "config.json", err) < 0)
        return -1;
    loaded->rules = mh_rewrite_rules_new(loaded->conf.rewrite, err);
    assert_non_null(loaded->rules);
    return 0;
}

static void
unload_rules(struct loaded *loaded)
{
    mh_rewrite_rules_free(loaded->rules);
    mh_conf_free(&loaded->conf);
}

/* Parse and rewrite text; the error is prefixed like mh-rewrite does. */
static int
rewrite_text(const struct mh_rewrite_rules *rules, const char *text, size_t length,
             struct mh_rewrite_result *result, struct mh_error *err)
{
    xmlDoc *doc = mh_xml_parse(text, length, "input.xml", err);
    int ret;

    memset(result, 0, sizeof(*result));
    if (!doc)
        return -1;
    ret = mh_rewrite_apply(rules, doc, text, length, result, err);
    if (ret < 0)
        mh_error_prefix(err, "input.xml");
    mh_xml_free_doc(doc);
    return ret;
}

/* 1 valid, 0 invalid, -1 no validator here. */
static int
validates(const char *text, size_t length)
{
    struct mh_command_result result;
    struct mh_error err = { { 0 } };
    char path[] = "/tmp/mh-unit-validate.XXXXXX";
    int fd, valid;

    if (UNDER_SANITIZER || access(VALIDATOR, X_OK) < 0)
        return -1;
    fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(mh_file_write_all(fd, text, length), 0);
    close(fd);
    assert_int_equal(mh_command_run((const char *const[]){ VALIDATOR, path, "domain", NULL },
                                    NULL, 0, 20000, 4096, &result, &err), 0);
    valid = result.exit_status == 0;
    mh_command_result_free(&result);
    unlink(path);
    return valid;
}

/* Independently of the engine's own check: same guest-visible parts. */
static void
assert_same_guest(const char *before, size_t before_length, const char *after,
                  size_t after_length)
{
    struct mh_error err = { { 0 } };
    xmlDoc *a = mh_xml_parse(before, before_length, "before", &err);
    xmlDoc *b = mh_xml_parse(after, after_length, "after", &err);
    size_t a_length, b_length;
    char *a_print, *b_print;

    assert_non_null(a);
    if (!b)
        fail_msg("rewritten XML does not parse: %s", err.message);
    a_print = mh_rewrite_guest_fingerprint(a, &a_length);
    b_print = mh_rewrite_guest_fingerprint(b, &b_length);
    if (mh_rewrite_guest_compare(a_print, a_length, b_print, b_length, &err) < 0)
        fail_msg("%s", err.message);
    free(a_print);
    free(b_print);
    mh_xml_free_doc(a);
    mh_xml_free_doc(b);
}

static void
run_case(const char *name)
{
    struct mh_rewrite_result result;
    struct mh_error err = { { 0 } };
    struct loaded loaded;
    char path[4096], expected_error[512] = "";
    size_t config_length, input_length, expected_length = 0, error_length;
    char *config, *input, *expected, *error_text;
    int ret;

    MH_TEST_PRINT(path, "%s/%s/config.json", CORPUS, name);
    config = mh_test_slurp_if_there(path, &config_length);
    MH_TEST_PRINT(path, "%s/%s/input.xml", CORPUS, name);
    input = mh_test_slurp_if_there(path, &input_length);
    MH_TEST_PRINT(path, "%s/%s/expected.xml", CORPUS, name);
    expected = mh_test_slurp_if_there(path, &expected_length);
    MH_TEST_PRINT(path, "%s/%s/error", CORPUS, name);
    error_text = mh_test_slurp_if_there(path, &error_length);
    if (!config || !input)
        fail_msg("%s: needs config.json and input.xml", name);
    if (error_text) {
        MH_TEST_PRINT(expected_error, "%s", error_text);
        expected_error[strcspn(expected_error, "\n")] = '\0';
        if (expected && expected_length)
            fail_msg("%s: has both expected.xml and error", name);
    }

    ret = load_rules(&loaded, config, config_length, &err);
    if (ret == 0) {
        ret = rewrite_text(loaded.rules, input, input_length, &result, &err);
        unload_rules(&loaded);
    } else {
        mh_conf_free(&loaded.conf);
        memset(&result, 0, sizeof(result));
    }
    if (ret < 0) {
        if (!error_text)
            fail_msg("%s: unexpected error: %s", name, err.message);
        if (!strstr(err.message, expected_error))
            fail_msg("%s: expected \"%s\" in \"%s\"", name, expected_error, err.message);
        assert_false(result.changed);
        assert_null(result.output);
        assert_null(strstr(err.message, "s3cret"));
    } else if (error_text) {
        fail_msg("%s: expected an error \"%s\", got none", name, expected_error);
    } else if (expected && expected_length) {
        if (!result.changed)
            fail_msg("%s: expected a change, got none", name);
        if (result.output_length != expected_length ||
            memcmp(result.output, expected, expected_length) != 0)
            fail_msg("%s: output differs from expected.xml:\n%s", name, result.output);
        assert_same_guest(input, input_length, result.output, result.output_length);
        if (validates(input, input_length) == 1 &&
            validates(result.output, result.output_length) != 1)
            fail_msg("%s: input validates, output does not", name);
    } else if (result.changed || result.output) {
        fail_msg("%s: expected no change, got:\n%s", name, result.output);
    }
    mh_rewrite_result_free(&result);
    free(config);
    free(input);
    free(expected);
    free(error_text);
}

static void
corpus_cases_meet_their_expectations(void **state)
{
    DIR *dir = opendir(CORPUS);
    struct dirent *entry;
    int cases = 0;
    (void)state;

    assert_non_null(dir);
    while ((entry = readdir(dir))) {
        if (entry->d_name[0] == '.')
            continue;
        run_case(entry->d_name);
        cases++;
    }
    closedir(dir);
    assert_true(cases >= 70);
}

/* Added or removed lines of a diff, to show that only edited lines move. */
static size_t
changed_lines(const char *before, size_t before_length, const char *after, size_t after_length)
{
    struct mh_error err = { { 0 } };
    size_t length, count = 0;
    char *diff;

    assert_int_equal(mh_diff_unified(before, before_length, after, after_length, "a", "b", 0,
                                     &diff, &length, &err), 0);
    for (char *line = diff; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if ((*line == '+' && strncmp(line, "+++", 3) != 0) ||
            (*line == '-' && strncmp(line, "---", 3) != 0))
            count++;
    }
    free(diff);
    return count;
}

/* Every sweep document under every sweep config: no crash, clean errors,
 * well-formed output with the same guest-visible parts, only edited lines
 * changed, valid when the input was, and idempotent under configs whose
 * targets are never sources (broad.json). */
static void
sweep_is_safe_faithful_and_idempotent(void **state)
{
    static const char *const configs[] = { "broad", "swap", "no-match", "empty", NULL };
    size_t changed[4] = { 0 }, documents = 0;
    DIR *dir;
    struct dirent *entry;
    (void)state;

    for (int c = 0; configs[c]; c++) {
        struct mh_error err = { { 0 } };
        struct loaded loaded;
        char path[4096];
        size_t config_length;
        char *config;

        MH_TEST_PRINT(path, "%s/%s.json", SWEEP, configs[c]);
        config = mh_test_slurp(path, &config_length);
        if (load_rules(&loaded, config, config_length, &err) < 0)
            fail_msg("%s: %s", path, err.message);
        dir = opendir(SWEEP);
        assert_non_null(dir);
        documents = 0;
        while ((entry = readdir(dir))) {
            struct mh_rewrite_result result, again;
            size_t name_length = strlen(entry->d_name), input_length;
            char *input;

            if (name_length < 5 || strcmp(entry->d_name + name_length - 4, ".xml") != 0)
                continue;
            documents++;
            MH_TEST_PRINT(path, "%s/%s", SWEEP, entry->d_name);
            input = mh_test_slurp(path, &input_length);
            if (rewrite_text(loaded.rules, input, input_length, &result, &err) < 0)
                fail_msg("%s with %s: %s", entry->d_name, configs[c], err.message);
            if (!result.changed) {
                assert_null(result.output);
            } else {
                changed[c]++;
                assert_same_guest(input, input_length, result.output, result.output_length);
                assert_false(result.reserialized);
                if (changed_lines(input, input_length, result.output, result.output_length) >
                    4 * result.edits)
                    fail_msg("%s with %s: more lines changed than edits explain",
                             entry->d_name, configs[c]);
                if (validates(input, input_length) == 1 &&
                    validates(result.output, result.output_length) != 1)
                    fail_msg("%s with %s: input validates, output does not", entry->d_name,
                             configs[c]);
                if (strcmp(configs[c], "broad") == 0) {
                    if (rewrite_text(loaded.rules, result.output, result.output_length, &again,
                                     &err) < 0)
                        fail_msg("%s again: %s", entry->d_name, err.message);
                    if (again.changed)
                        fail_msg("%s: rewriting the output again changed it:\n%s",
                                 entry->d_name, again.output);
                    mh_rewrite_result_free(&again);
                }
            }
            mh_rewrite_result_free(&result);
            free(input);
        }
        closedir(dir);
        unload_rules(&loaded);
        free(config);
    }
    assert_true(documents >= 12);
    assert_true(changed[0] >= 10);  /* broad changes nearly everything */
    assert_true(changed[1] >= 8);   /* swap too */
    assert_int_equal(changed[2], 0);/* no-match: not a byte, no taint */
    assert_int_equal(changed[3], 0);
}

static char *
interfaces_domain(size_t count, size_t *length)
{
    size_t size = 512 + count * 160;
    char *text = malloc(size);
    size_t used;

    assert_non_null(text);
    used = (size_t)snprintf(text, size,
                            "<domain type='kvm'>\n  <name>many</name>\n"
                            "  <uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>\n"
                            "  <memory>1048576</memory>\n  <os><type>hvm</type></os>\n"
                            "  <devices>\n");
    for (size_t i = 0; i < count; i++)
        used += (size_t)snprintf(text + used, size - used,
                                 "    <interface type='bridge'>\n"
                                 "      <mac address='52:54:00:%02zx:%02zx:%02zx'/>\n"
                                 "      <source bridge='br%zu'/>\n"
                                 "    </interface>\n",
                                 (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff, i % 2);
    used += (size_t)snprintf(text + used, size - used, "  </devices>\n</domain>\n");
    *length = used;
    return text;
}

static void
ten_thousand_interfaces_are_rewritten(void **state)
{
    static const char config[] =
        "{\"rewrite\": {\"bridges\": {\"br0\": {\"bridge\": \"ovs0\", \"virtualport\": "
        "\"openvswitch\"}, \"br1\": \"br0\"}}}";
    struct mh_rewrite_result result;
    struct mh_error err = { { 0 } };
    struct loaded loaded;
    size_t length;
    char *input = interfaces_domain(10000, &length);
    (void)state;

    assert_int_equal(load_rules(&loaded, config, strlen(config), &err), 0);
    if (rewrite_text(loaded.rules, input, length, &result, &err) < 0)
        fail_msg("%s", err.message);
    assert_true(result.changed);
    assert_false(result.reserialized);
    assert_int_equal(result.counts[MH_REWRITE_BRIDGES], 10000);
    assert_int_equal(result.edits, 15000);  /* 10000 renames, 5000 virtualports */
    assert_non_null(strstr(result.output, "<source bridge='ovs0'/>\n"
                                          "      <virtualport type='openvswitch'/>"));
    assert_null(strstr(result.output, "br1"));
    mh_rewrite_result_free(&result);
    unload_rules(&loaded);
    free(input);
}

static void
huge_attribute_values_are_handled(void **state)
{
    static const char config[] =
        "{\"rewrite\": {\"bridges\": {\"br0\": \"br1\"}, "
        "\"disk_prefixes\": {\"/var/big\": \"/srv\"}, \"cpus\": {\"shift\": 1}}}";
    struct mh_rewrite_result result;
    struct mh_error err = { { 0 } };
    struct loaded loaded;
    size_t huge = 1 << 20, size = 3 * huge + 1024, used = 0;
    char *input = malloc(size);
    char *p;
    (void)state;

    assert_non_null(input);
    used += (size_t)snprintf(input, size, "<domain><vcpu cpuset='");
    for (size_t i = 0; i < huge / 2; i++)
        memcpy(input + used + 2 * i, "0,", 2);
    used += huge - 1;
    used += (size_t)snprintf(input + used, size - used,
                             "'>1</vcpu><devices><interface type='bridge'><source bridge='");
    memset(input + used, 'b', huge);
    used += huge;
    used += (size_t)snprintf(input + used, size - used,
                             "'/></interface><disk type='file'><source file='/var/big/");
    memset(input + used, 'p', huge);
    used += huge;
    used += (size_t)snprintf(input + used, size - used, "'/></disk></devices></domain>");

    assert_int_equal(load_rules(&loaded, config, strlen(config), &err), 0);
    if (rewrite_text(loaded.rules, input, used, &result, &err) < 0)
        fail_msg("%s", err.message);
    assert_true(result.changed);
    assert_int_equal(result.counts[MH_REWRITE_DISKS], 1);
    assert_int_equal(result.counts[MH_REWRITE_BRIDGES], 0);
    assert_int_equal(result.counts[MH_REWRITE_CPUS], 1);
    assert_non_null(strstr(result.output, "<vcpu cpuset='1'>"));
    p = strstr(result.output, "<source file='/srv/ppp");
    assert_non_null(p);
    assert_int_equal(result.output_length, used - (huge - 1) + 1 - strlen("/var/big") +
                                               strlen("/srv"));
    mh_rewrite_result_free(&result);
    unload_rules(&loaded);
    free(input);
}

/* Documents the engine meets in the wild but should not choke on. */
static void
odd_documents_are_handled(void **state)
{
    static const char config[] =
        "{\"rewrite\": {\"bridges\": {\"br0\": {\"bridge\": \"br1\", \"virtualport\": "
        "\"openvswitch\"}}, \"disk_prefixes\": {\"/a\": \"/b\"}, \"emulator\": \"/usr/bin/q\","
        " \"graphics_listen\": {\"*\": \"::\"}, \"nodes\": {\"shift\": 1}}}";
    static const struct {
        const char *xml;
        bool changed;
    } documents[] = {
        { "<domain/>", false },
        { "<domain><devices/></domain>", false },
        { "<domain><devices><interface type='bridge'/></devices></domain>", false },
        { "<domain><devices><interface type='bridge'><source/></interface></devices></domain>",
          false },
        { "<domain><devices><interface><source bridge='br0'/></interface></devices></domain>",
          false },
        { "<domain><devices><disk type='file'><source/></disk></devices></domain>", false },
        { "<domain><devices><disk><source file='/a/x'/></disk></devices></domain>", false },
        { "<domain><devices><emulator/></devices></domain>", false },
        { "<domain><devices><graphics type='vnc'/></devices></domain>", false },
        { "<domain><numatune><memory placement='auto'/></numatune></domain>", false },
        { "<domain><devices><interface type='bridge'><source bridge='br0'/></interface>"
          "</devices></domain>", true },
        { "<domain><devices><interface type='bridge'><source bridge='br0'>"
          "<!-- <virtualport/> --></source></interface></devices></domain>", true },
        { "<domain><devices><disk type='file'><source file='/a'/></disk></devices></domain>",
          true },
        { "<domain><devices><emulator> /usr/bin/x </emulator></devices></domain>", true },
        { "<domain><devices><emulator><![CDATA[/usr/bin/x]]></emulator></devices></domain>",
          false },
    };
    struct mh_error err = { { 0 } };
    struct loaded loaded;
    (void)state;

    assert_int_equal(load_rules(&loaded, config, strlen(config), &err), 0);
    for (size_t i = 0; i < sizeof(documents) / sizeof(documents[0]); i++) {
        struct mh_rewrite_result result;
        const char *xml = documents[i].xml;
        int ret = rewrite_text(loaded.rules, xml, strlen(xml), &result, &err);

        /* CDATA in <emulator> is refused: it is not a plain path. */
        if (strstr(xml, "CDATA")) {
            assert_int_equal(ret, -1);
            assert_non_null(strstr(err.message, "more than a path"));
            continue;
        }
        if (ret < 0)
            fail_msg("document %zu: %s", i, err.message);
        if (result.changed != documents[i].changed)
            fail_msg("document %zu: changed=%d, expected %d", i, result.changed,
                     documents[i].changed);
        if (result.changed)
            assert_same_guest(xml, strlen(xml), result.output, result.output_length);
        mh_rewrite_result_free(&result);
    }
    unload_rules(&loaded);
}

/* Text that does not match the tree (another stage edited it, or the
 * caller has none) is not patched: the tree is serialized instead. */
static void
unmatched_text_falls_back_to_serializing(void **state)
{
    static const char config[] = "{\"rewrite\": {\"bridges\": {\"br0\": \"br1\"}}}";
    static const char xml[] =
        "<domain type='kvm'><devices><interface type='bridge'><source bridge='br0'/>"
        "</interface></devices></domain>";
    static const char other[] =
        "<domain type='kvm'><devices><disk/><interface type='bridge'><source bridge='br0'/>"
        "</interface></devices></domain>";
    struct mh_rewrite_result result;
    struct mh_error err = { { 0 } };
    struct loaded loaded;
    xmlDoc *doc;
    (void)state;

    assert_int_equal(load_rules(&loaded, config, strlen(config), &err), 0);
    for (int variant = 0; variant < 2; variant++) {
        doc = mh_xml_parse(xml, strlen(xml), "x", &err);
        assert_non_null(doc);
        assert_int_equal(mh_rewrite_apply(loaded.rules, doc, variant ? other : NULL,
                                          variant ? strlen(other) : 0, &result, &err), 0);
        assert_true(result.changed);
        assert_true(result.reserialized);
        assert_string_equal(result.output, "<domain type=\"kvm\"><devices><interface "
                                           "type=\"bridge\"><source bridge=\"br1\"/>"
                                           "</interface></devices></domain>\n");
        mh_rewrite_result_free(&result);
        mh_xml_free_doc(doc);
    }
    unload_rules(&loaded);
}

static void
no_rules_means_no_work(void **state)
{
    static const char *const configs[] = {
        "{}", "{\"rewrite\": {}}", "{\"rewrite\": {\"enabled\": false, \"bridges\": {\"a\": \"b\"}}}",
    };
    (void)state;

    for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
        struct mh_rewrite_result result;
        struct mh_error err = { { 0 } };
        struct loaded loaded;

        assert_int_equal(load_rules(&loaded, configs[i], strlen(configs[i]), &err), 0);
        assert_true(mh_rewrite_rules_empty(loaded.rules));
        /* Not even the root is looked at. */
        assert_int_equal(rewrite_text(loaded.rules, "<network/>", 10, &result, &err), 0);
        assert_false(result.changed);
        unload_rules(&loaded);
    }
    assert_true(mh_rewrite_rules_empty(NULL));
}

static void
prefixes_respect_path_boundaries(void **state)
{
    struct mh_rewrite_pair pairs[] = {
        { "/var/lib/images", "/srv/images" },
        { "/var/lib/images/gold/", "/gold/" },
        { "/", "/old" },
    };
    struct mh_rewrite_map map = { pairs, 2 };
    static const struct {
        const char *path, *expected;
    } cases[] = {
        { "/var/lib/images", "/srv/images" },
        { "/var/lib/images/", "/srv/images/" },
        { "/var/lib/images/a.qcow2", "/srv/images/a.qcow2" },
        { "/var/lib/images/gold/b.qcow2", "/gold/b.qcow2" },
        { "/var/lib/images2/a.qcow2", NULL },
        { "/var/lib/image", NULL },
        { "relative/var/lib/images", NULL },
    };
    char *out;
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        out = mh_rewrite_prefix(&map, cases[i].path);
        if (cases[i].expected)
            assert_string_equal(out, cases[i].expected);
        else
            assert_null(out);
        free(out);
    }
    map.count = 3;
    out = mh_rewrite_prefix(&map, "/etc/x");
    assert_string_equal(out, "/old/etc/x");
    free(out);
    map = (struct mh_rewrite_map){ (struct mh_rewrite_pair[]){ { "/srv", "/" } }, 1 };
    out = mh_rewrite_prefix(&map, "/srv");
    assert_string_equal(out, "/");
    free(out);
    out = mh_rewrite_prefix(&map, "/srv/x");
    assert_string_equal(out, "/x");
    free(out);
}

static xmlDoc *
parse_string(const char *xml)
{
    struct mh_error err = { { 0 } };
    xmlDoc *doc = mh_xml_parse(xml, strlen(xml), "test", &err);

    assert_non_null(doc);
    return doc;
}

/* 0 when a and b have the same guest-visible parts; the message names the
 * part otherwise. */
static int
guest_compare(const char *a, const char *b, struct mh_error *err)
{
    xmlDoc *x = parse_string(a), *y = parse_string(b);
    size_t x_length, y_length;
    char *x_print = mh_rewrite_guest_fingerprint(x, &x_length);
    char *y_print = mh_rewrite_guest_fingerprint(y, &y_length);
    int ret = mh_rewrite_guest_compare(x_print, x_length, y_print, y_length, err);

    free(x_print);
    free(y_print);
    mh_xml_free_doc(x);
    mh_xml_free_doc(y);
    return ret;
}

static void
guest_visible_changes_are_caught(void **state)
{
    static const char base[] =
        "<domain type='kvm'><name>g</name><memory unit='KiB'>1024</memory>"
        "<vcpu placement='static' cpuset='0-1'>2</vcpu>"
        "<os><type arch='x86_64' machine='pc-q35-7.2'>hvm</type></os>"
        "<cpu mode='custom'><model>Skylake</model><feature policy='require' name='x'/></cpu>"
        "<devices><emulator>/usr/bin/q</emulator>"
        "<disk type='file'><source file='/a'/><target dev='vda' bus='virtio'/>"
        "<address type='pci' slot='0x04'/></disk>"
        "<interface type='bridge'><mac address='52:54:00:00:00:01'/><source bridge='br0'/>"
        "<model type='virtio'/><mtu size='1500'/></interface>"
        "<graphics type='vnc' listen='1.2.3.4' passwd='s3cret'/></devices></domain>";
    static const struct {
        const char *from, *to, *part;
    } guest[] = {
        { "52:54:00:00:00:01", "52:54:00:00:00:02", "devices/interface/mac/@address" },
        { "type='virtio'/><mtu", "type='e1000'/><mtu", "devices/interface/model/@type" },
        { "slot='0x04'", "slot='0x05'", "devices/disk/address/@slot" },
        { ">1024<", ">2048<", "memory" },
        { "'0-1'>2<", "'0-1'>4<", "vcpu" },
        { "pc-q35-7.2", "pc-q35-8.0", "os/type/@machine" },
        { "Skylake", "Haswell", "cpu/model" },
        { "policy='require'", "policy='disable'", "cpu/feature/@policy" },
        { "dev='vda'", "dev='vdb'", "devices/disk/target/@dev" },
        { "size='1500'", "size='9000'", "devices/interface/mtu/@size" },
        { "<disk type='file'>", "<disk type='file' device='cdrom'>", "devices/disk" },
    };
    static const struct {
        const char *from, *to;
    } host[] = {
        { "bridge='br0'", "bridge='br1'" },
        { "file='/a'", "file='/b'" },
        { "listen='1.2.3.4'", "listen='0.0.0.0'" },
        { "cpuset='0-1'", "cpuset='4-5'" },
        { "/usr/bin/q<", "/usr/bin/r<" },
        { "<interface type='bridge'>", "<interface type='network'>" },
        { "<source bridge='br0'/>", "<source bridge='br0'/><virtualport type='openvswitch'/>" },
    };
    struct mh_error err = { { 0 } };
    char changed[2048];
    (void)state;

    assert_int_equal(guest_compare(base, base, &err), 0);
    for (size_t i = 0; i < sizeof(guest) / sizeof(guest[0]); i++) {
        const char *at = strstr(base, guest[i].from);

        assert_non_null(at);
        MH_TEST_PRINT(changed, "%.*s%s%s", (int)(at - base), base, guest[i].to,
                      at + strlen(guest[i].from));
        if (guest_compare(base, changed, &err) == 0)
            fail_msg("a change of %s went unnoticed", guest[i].part);
        if (!strstr(err.message, guest[i].part))
            fail_msg("expected %s in \"%s\"", guest[i].part, err.message);
        assert_null(strstr(err.message, guest[i].from));
    }
    for (size_t i = 0; i < sizeof(host) / sizeof(host[0]); i++) {
        const char *at = strstr(base, host[i].from);

        assert_non_null(at);
        MH_TEST_PRINT(changed, "%.*s%s%s", (int)(at - base), base, host[i].to,
                      at + strlen(host[i].from));
        if (guest_compare(base, changed, &err) < 0)
            fail_msg("host-side change %s -> %s flagged: %s", host[i].from, host[i].to,
                     err.message);
    }
}

/* <domain><a><b attr='value'/></b></domain> for "a/b/@attr", or
 * <domain><a><b>value</b></a></domain> for "a/b". */
static void
document_at(const char *path, const char *value, char *out, size_t size)
{
    const char *segments[16];
    size_t count = 0, used = 0;
    const char *attribute = NULL;
    char copy[256];
    char *saved = NULL;

    MH_TEST_PRINT(copy, "%s", path);
    for (char *segment = strtok_r(copy, "/", &saved); segment && count < 16;
         segment = strtok_r(NULL, "/", &saved)) {
        if (segment[0] == '@')
            attribute = segment + 1;
        else
            segments[count++] = segment;
    }
    used += (size_t)snprintf(out + used, size - used, "<domain>");
    for (size_t i = 0; i + 1 < count; i++)
        used += (size_t)snprintf(out + used, size - used, "<%s>", segments[i]);
    if (attribute)
        used += (size_t)snprintf(out + used, size - used, "<%s %s='%s'/>", segments[count - 1],
                                 attribute, value);
    else
        used += (size_t)snprintf(out + used, size - used, "<%s>%s</%s>", segments[count - 1],
                                 value, segments[count - 1]);
    for (size_t i = count - 1; i-- > 0;)
        used += (size_t)snprintf(out + used, size - used, "</%s>", segments[i]);
    assert_true(used + strlen("</domain>") < size);
    strcat(out, "</domain>");
}

/* Every path an "attributes" rule may name is accepted by the config and
 * is outside the guest-visible fingerprint: the whitelist and the check
 * cannot drift apart. */
static void
host_paths_are_accepted_and_not_guest_visible(void **state)
{
    (void)state;

    for (size_t i = 0; mh_rewrite_host_paths[i]; i++) {
        const char *path = mh_rewrite_host_paths[i];
        struct mh_error err = { { 0 } };
        struct loaded loaded;
        char config[512], before[1024], after[1024];

        MH_TEST_PRINT(config, "{\"rewrite\": {\"attributes\": [{\"path\": \"%s\", "
                      "\"from\": \"/a\", \"to\": \"/b\"}]}}", path);
        if (load_rules(&loaded, config, strlen(config), &err) < 0)
            fail_msg("%s refused: %s", path, err.message);
        unload_rules(&loaded);
        document_at(path, "/a", before, sizeof(before));
        document_at(path, "/b", after, sizeof(after));
        if (guest_compare(before, after, &err) < 0)
            fail_msg("%s is whitelisted but guest-visible: %s", path, err.message);
    }
}

static void
summary_counts_and_never_quotes_content(void **state)
{
    static const char config[] =
        "{\"rewrite\": {\"bridges\": {\"br0\": \"secret-bridge\"}, "
        "\"disk_prefixes\": {\"/a\": \"/secret-path\"}}}";
    static const char xml[] =
        "<domain><devices><disk type='file'><source file='/a/x'/></disk>"
        "<interface type='bridge'><source bridge='br0'/></interface></devices></domain>";
    struct mh_rewrite_result result;
    struct mh_error err = { { 0 } };
    struct loaded loaded;
    json_t *summary;
    char *text;
    (void)state;

    assert_int_equal(load_rules(&loaded, config, strlen(config), &err), 0);
    assert_int_equal(rewrite_text(loaded.rules, xml, strlen(xml), &result, &err), 0);
    summary = mh_rewrite_summary(&result);
    text = json_dumps(summary, JSON_SORT_KEYS | JSON_COMPACT);
    assert_string_equal(text, "{\"changed\":true,\"edits\":2,"
                              "\"rules\":{\"bridges\":1,\"disk_prefixes\":1}}");
    free(text);
    json_decref(summary);
    mh_rewrite_result_free(&result);
    summary = mh_rewrite_summary(&result);
    text = json_dumps(summary, JSON_COMPACT);
    assert_string_equal(text, "{\"changed\":false}");
    free(text);
    json_decref(summary);
    unload_rules(&loaded);
}

static void
rewrite_is_fast_enough(void **state)
{
    static const char config[] =
        "{\"rewrite\": {\"bridges\": {\"br0\": \"br1\"}, \"disk_prefixes\": {\"/var\": \"/srv\"}}}";
    struct mh_rewrite_result result;
    struct mh_error err = { { 0 } };
    struct loaded loaded;
    struct timespec start, end;
    size_t length;
    char *input = interfaces_domain(1000, &length);   /* about 100 KB */
    double ms;
    (void)state;

    assert_int_equal(load_rules(&loaded, config, strlen(config), &err), 0);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &start);
    assert_int_equal(rewrite_text(loaded.rules, input, length, &result, &err), 0);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &end);
    ms = (double)(end.tv_sec - start.tv_sec) * 1e3 + (double)(end.tv_nsec - start.tv_nsec) / 1e6;
    /* bench/ measures properly; this only catches a complexity blunder
     * (sanitizers included): about 1 ms per 10 KB is the goal. */
    if (ms > 500)
        fail_msg("rewriting %zu bytes took %.1f ms of CPU", length, ms);
    mh_rewrite_result_free(&result);
    unload_rules(&loaded);
    free(input);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(corpus_cases_meet_their_expectations),
        cmocka_unit_test(sweep_is_safe_faithful_and_idempotent),
        cmocka_unit_test(ten_thousand_interfaces_are_rewritten),
        cmocka_unit_test(huge_attribute_values_are_handled),
        cmocka_unit_test(odd_documents_are_handled),
        cmocka_unit_test(unmatched_text_falls_back_to_serializing),
        cmocka_unit_test(no_rules_means_no_work),
        cmocka_unit_test(prefixes_respect_path_boundaries),
        cmocka_unit_test(guest_visible_changes_are_caught),
        cmocka_unit_test(host_paths_are_accepted_and_not_guest_visible),
        cmocka_unit_test(summary_counts_and_never_quotes_content),
        cmocka_unit_test(rewrite_is_fast_enough),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
