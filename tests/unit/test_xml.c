/* test_xml.c - the safe parser against a corpus of hostile documents
 * (tests/data/xml/NAME.xml with NAME.expect: "ok" or "error SUBSTRING")
 * and against generated ones too large to keep as files. */
#include "mh_test.h"

#include <dirent.h>
#include <time.h>

#include "mh_error.h"
#include "mh_file.h"
#include "mh_xml.h"

#define CORPUS "tests/data/xml"

/* Nothing a document holds (file contents pulled in by an entity, a VNC
 * password) may show up in an error message. */
static void
assert_no_leak(const char *message)
{
    assert_null(strstr(message, "root:"));
    assert_null(strstr(message, "s3cret"));
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
        char path[4096], expect_path[4096], expectation[256] = "";
        struct mh_error err = { { 0 } };
        size_t name_length = strlen(entry->d_name);
        size_t length;
        char *data, *expect;
        xmlDoc *doc;

        if (name_length < 5 || strcmp(entry->d_name + name_length - 4, ".xml") != 0)
            continue;
        MH_TEST_PRINT(path, "%s/%s", CORPUS, entry->d_name);
        MH_TEST_PRINT(expect_path, "%s/%.*s.expect", CORPUS, (int)(name_length - 4),
                      entry->d_name);
        data = mh_test_slurp(path, &length);
        expect = mh_test_slurp(expect_path, &(size_t){ 0 });
        MH_TEST_PRINT(expectation, "%s", expect);
        expectation[strcspn(expectation, "\n")] = '\0';
        free(expect);

        doc = mh_xml_parse(data, length, "domain XML", &err);
        if (strcmp(expectation, "ok") == 0) {
            char name[256], uuid[MH_UUID_LENGTH + 1];
            if (!doc)
                fail_msg("%s: expected ok, got: %s", entry->d_name, err.message);
            assert_int_equal(mh_xml_domain_identity(doc, name, sizeof(name), uuid, &err), 0);
        } else {
            if (doc)
                fail_msg("%s: expected an error, parsed fine", entry->d_name);
            assert_true(strncmp(expectation, "error ", 6) == 0);
            if (!strstr(err.message, expectation + 6))
                fail_msg("%s: expected \"%s\" in \"%s\"", entry->d_name, expectation + 6,
                         err.message);
            assert_no_leak(err.message);
        }
        mh_xml_free_doc(doc);
        free(data);
        cases++;
    }
    closedir(dir);
    assert_true(cases >= 10);
}

static void
billion_laughs_is_refused_quickly(void **state)
{
    struct mh_error err = { { 0 } };
    struct timespec start, end;
    size_t length;
    char *data = mh_test_slurp(CORPUS "/billion-laughs.xml", &length);
    (void)state;

    clock_gettime(CLOCK_MONOTONIC, &start);
    assert_null(mh_xml_parse(data, length, "domain XML", &err));
    clock_gettime(CLOCK_MONOTONIC, &end);
    assert_true((end.tv_sec - start.tv_sec) * 1000 + (end.tv_nsec - start.tv_nsec) / 1000000 < 200);
    free(data);
}

static void
deep_nesting_is_refused(void **state)
{
    struct mh_error err = { { 0 } };
    size_t depth = 100000;
    char *data = malloc(depth * 7 + 1);
    char *p = data;
    (void)state;

    for (size_t i = 0; i < depth; i++, p += 3)
        memcpy(p, "<a>", 3);
    for (size_t i = 0; i < depth; i++, p += 4)
        memcpy(p, "</a>", 4);
    *p = '\0';
    assert_null(mh_xml_parse(data, (size_t)(p - data), "domain XML", &err));
    assert_non_null(strstr(err.message, "depth"));
    free(data);
}

static void
nul_bytes_are_refused(void **state)
{
    struct mh_error err = { { 0 } };
    const char data[] = "<domain><name>a\0b</name></domain>";
    (void)state;

    assert_null(mh_xml_parse(data, sizeof(data) - 1, "domain XML", &err));
    assert_non_null(strstr(err.message, "NUL"));
}

static void
huge_attribute_is_refused_without_xml_parse_huge(void **state)
{
    struct mh_error err = { { 0 } };
    size_t size = 11u << 20;
    char *data = malloc(size + 64);
    int prefix = sprintf(data, "<domain a='");
    (void)state;

    memset(data + prefix, 'x', size);
    strcpy(data + prefix + size, "'/>");
    assert_null(mh_xml_parse(data, strlen(data), "domain XML", &err));
    free(data);
}

static void
identity_requires_domain_name_and_uuid(void **state)
{
    static const char *const bad[] = {
        "<notdomain><name>a</name><uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid></notdomain>",
        "<domain><uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid></domain>",
        "<domain><name>a</name></domain>",
        "<domain><name>a</name><uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa</uuid></domain>",
        "<domain><name>a</name><uuid>4dea22b3x1d52-d8f3-2516-782e98ab3fa0</uuid></domain>",
        "<domain><name>a</name><uuid>zdea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid></domain>",
    };
    char name[8], uuid[MH_UUID_LENGTH + 1];
    (void)state;

    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct mh_error err = { { 0 } };
        xmlDoc *doc = mh_xml_parse(bad[i], strlen(bad[i]), "domain XML", &err);
        assert_non_null(doc);
        assert_int_equal(mh_xml_domain_identity(doc, name, sizeof(name), uuid, &err), -1);
        mh_xml_free_doc(doc);
    }
    {
        const char *long_name = "<domain><name>abcdefghijk</name>"
                                "<uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid></domain>";
        struct mh_error err = { { 0 } };
        xmlDoc *doc = mh_xml_parse(long_name, strlen(long_name), "domain XML", &err);
        assert_int_equal(mh_xml_domain_identity(doc, name, sizeof(name), uuid, &err), -1);
        assert_non_null(strstr(err.message, "longer than"));
        mh_xml_free_doc(doc);
    }
}

static void
identity_lowercases_the_uuid_and_serialization_keeps_comments(void **state)
{
    struct mh_error err = { { 0 } };
    size_t length, out_length;
    char *data = mh_test_slurp(CORPUS "/good-domain.xml", &length);
    char name[64], uuid[MH_UUID_LENGTH + 1];
    char *out = NULL;
    xmlDoc *doc = mh_xml_parse(data, length, "domain XML", &err);
    (void)state;

    assert_non_null(doc);
    assert_int_equal(mh_xml_domain_identity(doc, name, sizeof(name), uuid, &err), 0);
    assert_string_equal(name, "vm1");
    assert_string_equal(uuid, "4dea22b3-1d52-d8f3-2516-782e98ab3fa0");
    assert_int_equal(mh_xml_serialize(doc, &out, &out_length, &err), 0);
    assert_non_null(strstr(out, "<!-- a comment that must survive -->"));
    assert_null(strstr(out, "<?xml"));
    assert_non_null(strstr(out, "xmlns:qemu="));
    free(out);
    mh_xml_free_doc(doc);
    free(data);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(corpus_cases_meet_their_expectations),
        cmocka_unit_test(billion_laughs_is_refused_quickly),
        cmocka_unit_test(deep_nesting_is_refused),
        cmocka_unit_test(nul_bytes_are_refused),
        cmocka_unit_test(huge_attribute_is_refused_without_xml_parse_huge),
        cmocka_unit_test(identity_requires_domain_name_and_uuid),
        cmocka_unit_test(identity_lowercases_the_uuid_and_serialization_keeps_comments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
