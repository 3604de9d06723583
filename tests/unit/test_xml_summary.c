/* test_xml_summary.c - the expat reader of a domain's identity and cookie
 * (mh_xml_domain_summary): what it reads of good documents, what it refuses,
 * and that it agrees with the libxml2 reading on every XML file the tests
 * and fuzz corpora hold, and on mutations of them. */
#include "mh_test.h"

#include <ftw.h>

#include "../fuzz/identity_oracle.h"

#define UUID "4dea22b3-1d52-d8f3-2516-782e98ab3fa0"
#define COOKIE_NS "urn:migrate-hooks:cookie:1"
#define CONTENT "{\"migration_id\":\"m-1\",\"stamped\":\"2026-11-23T10:00:00.000Z\"," \
                "\"source\":{\"host_id\":\"src\"}}"

/* Read doc the expat way, asserting it agrees with libxml2; returns the
 * summary's status, with summary and err filled. */
static int
summary_of(const char *doc, struct mh_xml_summary *summary, struct mh_error *err)
{
    struct identity_reading libxml, expat;
    const char *difference = identity_oracle_check(doc, strlen(doc), &libxml, &expat);

    if (difference)
        fail_msg("%s: libxml2 \"%s\" / expat \"%s\"", difference, libxml.message, expat.message);
    identity_oracle_free(&libxml);
    identity_oracle_free(&expat);
    return mh_xml_domain_summary(doc, strlen(doc), summary, err);
}

static void
good_domain_without_cookie(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_xml_summary summary;
    (void)state;

    assert_int_equal(summary_of("<domain type='kvm'><name>vm1</name><uuid>4DEA22B3-1D52-D8F3-"
                                "2516-782E98AB3FA0</uuid><metadata/></domain>", &summary, &err), 0);
    assert_string_equal(summary.name, "vm1");
    assert_string_equal(summary.uuid, UUID);
    assert_int_equal(summary.cookie_count, 0);
    assert_int_equal(mh_cookie_find_summary(&summary, &err), 0);
    mh_xml_summary_free(&summary);
}

static void
cookie_with_any_prefix_is_read(void **state)
{
    static const char *const docs[] = {
        "<domain><name>vm1</name><uuid>" UUID "</uuid><metadata><mh:cookie xmlns:mh='"
        COOKIE_NS "' version='1' hmac='abc'>" CONTENT "</mh:cookie></metadata></domain>",
        "<domain xmlns:zz='" COOKIE_NS "'><name>vm1</name><uuid>" UUID "</uuid><metadata>"
        "<zz:cookie version='1' hmac='abc'>" CONTENT "</zz:cookie></metadata></domain>",
        "<domain><name>vm1</name><uuid>" UUID "</uuid><metadata><cookie xmlns='" COOKIE_NS
        "' version='1' hmac='abc'><![CDATA[" CONTENT "]]></cookie></metadata></domain>",
    };
    (void)state;

    for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++) {
        struct mh_error err = { { 0 } };
        struct mh_xml_summary summary;
        struct mh_cookie cookie;

        assert_int_equal(summary_of(docs[i], &summary, &err), 0);
        assert_int_equal(mh_cookie_find_summary(&summary, &err), 1);
        assert_string_equal(summary.cookie_version, "1");
        assert_string_equal(summary.cookie_hmac, "abc");
        assert_string_equal(summary.cookie_text, CONTENT);
        assert_true(summary.cookie_only_text);
        assert_int_equal(mh_cookie_parse_summary(&summary, NULL, 0, 0, &cookie, &err), 0);
        assert_string_equal(cookie.migration_id, "m-1");
        assert_string_equal(cookie.source_host, "src");
        mh_cookie_free(&cookie);
        mh_xml_summary_free(&summary);
    }
}

static void
cookie_edge_cases_match_libxml2(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_xml_summary summary;
    struct mh_cookie cookie;
    (void)state;

    /* Positive: entity and character references are text; no hmac is NULL. */
    assert_int_equal(summary_of("<domain><name>a&amp;b&#x41;<!--c--><![CDATA[<x>]]></name><uuid>"
                                UUID "</uuid><metadata><p:cookie xmlns:p='" COOKIE_NS
                                "' version='1'>{&quot;a&quot;:1}</p:cookie></metadata></domain>",
                                &summary, &err), 0);
    assert_string_equal(summary.name, "a&bA<x>");
    assert_null(summary.cookie_hmac);
    assert_string_equal(summary.cookie_text, "{\"a\":1}");
    mh_xml_summary_free(&summary);
    /* Negative: two cookies are an error, as in mh_cookie_find. */
    assert_int_equal(summary_of("<domain><name>a</name><uuid>" UUID "</uuid><metadata>"
                                "<a:cookie xmlns:a='" COOKIE_NS "'/><b:cookie xmlns:b='"
                                COOKIE_NS "'/></metadata></domain>", &summary, &err), 0);
    assert_int_equal(mh_cookie_find_summary(&summary, &err), -1);
    assert_non_null(strstr(err.message, "more than one cookie"));
    mh_xml_summary_free(&summary);
    /* Negative: an element (or a comment) in the cookie. */
    assert_int_equal(summary_of("<domain><name>a</name><uuid>" UUID "</uuid><metadata>"
                                "<a:cookie xmlns:a='" COOKIE_NS "' version='1'>{}<b/></a:cookie>"
                                "</metadata></domain>", &summary, &err), 0);
    assert_false(summary.cookie_only_text);
    assert_int_equal(mh_cookie_parse_summary(&summary, NULL, 0, 0, &cookie, &err), -1);
    assert_non_null(strstr(err.message, "only text"));
    mh_xml_summary_free(&summary);
    /* Not a cookie: another namespace, no namespace, outside the first
     * <metadata>, deeper than its children. */
    assert_int_equal(summary_of("<domain><name>a</name><uuid>" UUID "</uuid><metadata>"
                                "<cookie/><x:cookie xmlns:x='urn:other'/><d><a:cookie xmlns:a='"
                                COOKIE_NS "'/></d></metadata><metadata><a:cookie xmlns:a='"
                                COOKIE_NS "'/></metadata></domain>", &summary, &err), 0);
    assert_int_equal(summary.cookie_count, 0);
    mh_xml_summary_free(&summary);
    /* The first <name>, in any namespace; a nested <name> is not it. */
    assert_int_equal(summary_of("<domain><devices><name>no</name></devices><q:name xmlns:q="
                                "'urn:q'>first</q:name><name>second</name><uuid>" UUID
                                "</uuid></domain>", &summary, &err), 0);
    assert_string_equal(summary.name, "first");
    mh_xml_summary_free(&summary);
}

struct refusal {
    const char *doc;
    const char *error;          /* what the message must hold */
};

/* Each document is refused with its error, never quoting a secret. */
static void
assert_refused(const struct refusal *cases, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        struct mh_error err = { { 0 } };
        struct mh_xml_summary summary;

        assert_int_equal(summary_of(cases[i].doc, &summary, &err), -1);
        if (!strstr(err.message, cases[i].error))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, err.message, cases[i].error);
        assert_null(strstr(err.message, "s3cret"));
        assert_null(strstr(err.message, "passwd"));
    }
}

static void
identity_errors_match_libxml2(void **state)
{
    static const struct refusal cases[] = {
        { "<notdomain><name>a</name><uuid>" UUID "</uuid></notdomain>", "not <domain>" },
        { "<domain><uuid>" UUID "</uuid></domain>", "no <name>" },
        { "<domain><name></name><uuid>" UUID "</uuid></domain>", "no <name>" },
        { "<domain><name>a</name></domain>", "malformed <uuid>" },
        { "<domain><name>a</name><uuid> " UUID "</uuid></domain>", "malformed <uuid>" },
        { "<domain><name>a</name><uuid>zdea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid></domain>",
          "malformed <uuid>" },
    };
    (void)state;

    assert_refused(cases, sizeof(cases) / sizeof(cases[0]));
}

static void
huge_name_is_refused(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_xml_summary summary;
    char doc[2048];
    char name[1001];
    (void)state;

    memset(name, 'n', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    MH_TEST_PRINT(doc, "<domain><name>%s</name><uuid>" UUID "</uuid></domain>", name);
    assert_int_equal(summary_of(doc, &summary, &err), -1);
    assert_non_null(strstr(err.message, "longer than 255 bytes"));
    /* Positive: 255 bytes fit. */
    name[255] = '\0';
    MH_TEST_PRINT(doc, "<domain><name>%s</name><uuid>" UUID "</uuid></domain>", name);
    assert_int_equal(summary_of(doc, &summary, &err), 0);
    mh_xml_summary_free(&summary);
}

/* Hostile documents: refused, with a message that names where and never
 * quotes the document. */
static void
hostile_documents_are_refused(void **state)
{
    static const struct refusal cases[] = {
        { "<!DOCTYPE d [<!ENTITY a 's3cret'><!ENTITY b '&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;'>]>"
          "<domain><name>&b;</name><uuid>" UUID "</uuid></domain>", "DOCTYPE" },
        { "<!DOCTYPE d SYSTEM 'file:///etc/passwd'><domain/>", "DOCTYPE" },
        { "<domain><name>&xxe;</name><uuid>" UUID "</uuid></domain>", "domain XML:1:" },
        { "<?xml version='1.0' encoding='ISO-8859-1'?><domain><name>s3cret</name></domain>",
          "encoding other than UTF-8" },
        { "<domain><name>\xc3\x28</name><uuid>" UUID "</uuid></domain>", "domain XML:1:" },
        { "<domain><name>a</name><uuid>" UUID "</uuid></domain><x/>", "domain XML:1:" },
        { "<p:domain><name>a</name><uuid>" UUID "</uuid></p:domain>", "domain XML:1:" },
        { "<domain><name>s3cret</name><uuid>" UUID "</uuid>\n<a></b></domain>", "domain XML:2:" },
        { "", "domain XML:1:" },
    };
    (void)state;

    assert_refused(cases, sizeof(cases) / sizeof(cases[0]));
}

/* Where libxml2 and expat differ, the expat reader refuses (mh_xml.c):
 * libxml2 accepts these, the expat reader does not. XML 1.1 is read by
 * both, as libxml2 reads it: as 1.0. */
static void
documented_differences_refuse_more(void **state)
{
    static const char *const refused[] = {
        "<?xml version='1.0' encoding='ISO-8859-1'?><domain><name>caf\xe9</name><uuid>" UUID
        "</uuid></domain>",
        "<domain><name>a</name><uuid>" UUID "</uuid><x\xef\xbb\xbfy/></domain>",
    };
    const char *version_1_1 = "<?xml version='1.1'?><domain><name>a</name><uuid>" UUID
                              "</uuid></domain>";
    struct mh_error err = { { 0 } };
    struct mh_xml_summary summary;
    (void)state;

    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        xmlDoc *doc = mh_xml_parse(refused[i], strlen(refused[i]), "domain XML", &err);

        assert_non_null(doc);
        mh_xml_free_doc(doc);
        assert_int_equal(summary_of(refused[i], &summary, &err), -1);
    }
    assert_int_equal(summary_of(version_1_1, &summary, &err), 0);
    mh_xml_summary_free(&summary);
}

static void
nul_byte_is_refused(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_xml_summary summary;
    const char doc[] = "<domain><name>a\0b</name><uuid>" UUID "</uuid></domain>";
    (void)state;

    assert_int_equal(mh_xml_domain_summary(doc, sizeof(doc) - 1, &summary, &err), -1);
    assert_non_null(strstr(err.message, "NUL"));
}

/* depth elements nested in the root, as a new string. */
static char *
nested(size_t depth)
{
    char *doc = malloc(depth * 7 + 256);
    char *p = doc;

    p += sprintf(p, "<domain><name>a</name><uuid>" UUID "</uuid>");
    for (size_t i = 0; i < depth; i++, p += 3)
        memcpy(p, "<a>", 3);
    for (size_t i = 0; i < depth; i++, p += 4)
        memcpy(p, "</a>", 4);
    strcpy(p, "</domain>");
    return doc;
}

static void
deep_nesting_is_refused_where_libxml2_refuses(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_xml_summary summary;
    (void)state;

    /* Around libxml2's limit both must agree exactly (summary_of). */
    for (size_t depth = 250; depth < 262; depth++) {
        char *doc = nested(depth);
        int status = summary_of(doc, &summary, &err);

        if (status == 0)
            mh_xml_summary_free(&summary);
        free(doc);
    }
    {
        char *doc = nested(300);

        assert_int_equal(summary_of(doc, &summary, &err), -1);
        assert_non_null(strstr(err.message, "nesting deeper than 256"));
        free(doc);
    }
}

static void
every_truncation_is_refused(void **state)
{
    const char *doc = "<domain type='kvm'><name>vm1</name><uuid>" UUID "</uuid><metadata>"
                      "<mh:cookie xmlns:mh='" COOKIE_NS "' version='1'><![CDATA[" CONTENT
                      "]]></mh:cookie></metadata><devices/></domain>\n";
    size_t length = strlen(doc);
    (void)state;

    /* Everything short of the root's end tag is refused; the whole, not. */
    for (size_t cut = 0; cut < length - 1; cut++) {
        struct identity_reading libxml, expat;
        const char *difference = identity_oracle_check(doc, cut, &libxml, &expat);

        if (difference)
            fail_msg("prefix of %zu bytes: %s", cut, difference);
        assert_int_equal(expat.status, -1);
        identity_oracle_free(&libxml);
        identity_oracle_free(&expat);
    }
}

static void
huge_tokens_are_refused_like_libxml2(void **state)
{
    static const char *const shapes[][2] = {
        { "<domain a='", "'><name>a</name><uuid>" UUID "</uuid></domain>" },
        { "<domain><name>a</name><uuid>" UUID "</uuid><x>", "</x></domain>" },
        { "<domain><name>a</name><uuid>" UUID "</uuid><!--", "--></domain>" },
        { "<domain><name>a</name><uuid>" UUID "</uuid><![CDATA[", "]]></domain>" },
    };
    size_t size = 10000001;
    char *filler = malloc(size + 1);
    char *doc = malloc(size + 256);
    (void)state;

    memset(filler, 'x', size);
    filler[size] = '\0';
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        struct identity_reading libxml, expat;
        const char *difference;

        sprintf(doc, "%s%s%s", shapes[i][0], filler, shapes[i][1]);
        difference = identity_oracle_check(doc, strlen(doc), &libxml, &expat);
        if (difference)
            fail_msg("shape %zu: %s (libxml2: %s; expat: %s)", i, difference, libxml.message,
                     expat.message);
        identity_oracle_free(&libxml);
        identity_oracle_free(&expat);
    }
    /* Names: libxml2 reads 50000 bytes of one, no more. */
    for (size_t length = 49999; length <= 50001; length++) {
        struct identity_reading libxml, expat;
        const char *difference;

        filler[length] = '\0';
        sprintf(doc, "<domain><name>a</name><uuid>" UUID "</uuid><%s/></domain>", filler);
        difference = identity_oracle_check(doc, strlen(doc), &libxml, &expat);
        if (difference)
            fail_msg("name of %zu bytes: %s", length, difference);
        identity_oracle_free(&libxml);
        identity_oracle_free(&expat);
        filler[length] = 'x';
    }
    free(filler);
    free(doc);
}

/* ---- the differential test over every XML file the tests hold ---- */

static size_t differential_inputs;

static void
agree_or_fail(const char *path, const char *what, const char *data, size_t size)
{
    struct identity_reading libxml, expat;
    const char *difference = identity_oracle_check(data, size, &libxml, &expat);

    if (difference)
        fail_msg("%s (%s): %s; libxml2: \"%s\"; expat: \"%s\"", path, what, difference,
                 libxml.message, expat.message);
    identity_oracle_free(&libxml);
    identity_oracle_free(&expat);
    differential_inputs++;
}

/* A small deterministic generator, so that a failure can be replayed. */
static unsigned long
next_random(unsigned long *seed)
{
    *seed = *seed * 6364136223846793005UL + 1442695040888963407UL;
    return *seed >> 33;
}

static void
compare_with_mutations(const char *path, const char *data, size_t size)
{
    static const char tokens[][12] = {
        "<", ">", "&", ";", "\"", "'", "/", "=", ":", "!", "?", "]]>", "<![CDATA[", "&amp;",
        "&#0;", "&#x10FFFF;", "\xc3", "\xff", "\xef\xbf\xbe", " ", "\n", "xmlns:a='u'", "a:",
        "<!--", "-->", "<?x ?>", "</a>", "<a>", "\r", "\x01", "\xed\xa0\x80",
    };
    unsigned long seed = size;
    char *copy = malloc(size + 64);
    size_t step = size / 256 + 1;

    agree_or_fail(path, "as is", data, size);
    for (size_t cut = 0; cut < size; cut += step)
        agree_or_fail(path, "truncated", data, cut);
    for (int i = 0; i < 300 && size; i++) {
        size_t at = next_random(&seed) % size;
        const char *token = tokens[next_random(&seed) % (sizeof(tokens) / sizeof(tokens[0]))];
        size_t token_length = strlen(token);
        size_t removed = next_random(&seed) % 3;
        size_t length;

        if (at + removed > size)
            removed = size - at;
        memcpy(copy, data, at);
        memcpy(copy + at, token, token_length);
        memcpy(copy + at + token_length, data + at + removed, size - at - removed);
        length = size - removed + token_length;
        agree_or_fail(path, "mutated", copy, length);
    }
    free(copy);
}

static int
visit(const char *path, const struct stat *st, int type, struct FTW *where)
{
    size_t length = strlen(path);
    bool is_xml = length > 4 && strcmp(path + length - 4, ".xml") == 0;
    bool is_corpus = strstr(path, "/corpus/xml_summary/") || strstr(path, "/corpus/domain_xml/") ||
                     strstr(path, "/regressions/xml_summary/");
    size_t size;
    char *data;

    (void)where;
    if (type != FTW_F || !S_ISREG(st->st_mode) || !(is_xml || is_corpus))
        return 0;
    data = mh_test_slurp(path, &size);
    compare_with_mutations(path, data, size);
    free(data);
    return 0;
}

static void
libxml2_and_expat_agree_on_every_test_file_and_mutations(void **state)
{
    (void)state;

    assert_int_equal(nftw("tests", visit, 16, FTW_PHYS), 0);
    assert_int_equal(nftw("bench", visit, 16, FTW_PHYS), 0);
    print_message("%zu inputs compared\n", differential_inputs);
    assert_true(differential_inputs > 10000);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_domain_without_cookie),
        cmocka_unit_test(cookie_with_any_prefix_is_read),
        cmocka_unit_test(cookie_edge_cases_match_libxml2),
        cmocka_unit_test(identity_errors_match_libxml2),
        cmocka_unit_test(huge_name_is_refused),
        cmocka_unit_test(hostile_documents_are_refused),
        cmocka_unit_test(documented_differences_refuse_more),
        cmocka_unit_test(nul_byte_is_refused),
        cmocka_unit_test(deep_nesting_is_refused_where_libxml2_refuses),
        cmocka_unit_test(every_truncation_is_refused),
        cmocka_unit_test(huge_tokens_are_refused_like_libxml2),
        cmocka_unit_test(libxml2_and_expat_agree_on_every_test_file_and_mutations),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
