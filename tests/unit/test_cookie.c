/* test_cookie.c - the cookie: HMAC against an independent implementation
 * (openssl dgst), build and parse round trips, and hostile cookies (huge,
 * wrong types, missing fields, bad base64, wrong version, wrong HMAC,
 * stale), each refused with a message naming the problem. */
#include "mh_test.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include "mh_conf.h"
#include "mh_cookie.h"
#include "mh_error.h"
#include "mh_hook.h"
#include "mh_string.h"
#include "mh_xml.h"

#define KEY_TEXT "0123456789abcdef0123456789abcdef"
#define GOOD "{\"migration_id\":\"m-1\",\"stamped\":\"2026-11-23T10:00:00.000Z\"," \
             "\"source\":{\"host_id\":\"hv-a\"}}"
/* printf '1\n%s' GOOD | openssl dgst -sha256 -hmac KEY_TEXT -binary | base64 */
#define GOOD_HMAC "J8ONBr4dd/9riyOl2GIj0H/BRkxx3x/Xxq5gN9JDRUc="
#define STAMPED 1795428000 /* 2026-11-23T10:00:00Z */

static void
test_key(struct mh_cookie_key *key)
{
    memset(key, 0, sizeof(*key));
    memcpy(key->bytes, KEY_TEXT, strlen(KEY_TEXT));
    key->length = strlen(KEY_TEXT);
}

static void
hmac_matches_openssl(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_cookie_key key;
    char hmac[MH_COOKIE_HMAC_SIZE];
    (void)state;

    test_key(&key);
    assert_int_equal(mh_cookie_hmac(&key, GOOD, strlen(GOOD), hmac, &err), 0);
    assert_string_equal(hmac, GOOD_HMAC);
    /* One byte more of content, another MAC. */
    assert_int_equal(mh_cookie_hmac(&key, GOOD " ", strlen(GOOD) + 1, hmac, &err), 0);
    assert_string_not_equal(hmac, GOOD_HMAC);
    /* A key longer than SHA-256's block is hashed first (RFC 2104):
     * printf '1\n{"a":1}' | openssl dgst -sha256 -hmac kkk...(100) -binary | base64 */
    memset(key.bytes, 'k', 100);
    key.length = 100;
    assert_int_equal(mh_cookie_hmac(&key, "{\"a\":1}", 7, hmac, &err), 0);
    assert_string_equal(hmac, "7F1ycSbe7HKzWTHHVe/Na3rFqeXMVbno31mWAFs+Svg=");
}

static void
good_cookie_parses(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_cookie_key key;
    struct mh_cookie cookie;
    (void)state;

    test_key(&key);
    assert_int_equal(mh_cookie_parse("1", GOOD_HMAC, GOOD, strlen(GOOD), &key, 600, STAMPED + 30,
                                     &cookie, &err), 0);
    assert_string_equal(cookie.migration_id, "m-1");
    assert_string_equal(cookie.source_host, "hv-a");
    assert_int_equal(cookie.stamped_at, STAMPED);
    assert_true(cookie.has_hmac);
    assert_true(cookie.authenticated);
    assert_true(json_is_object(cookie.content));
    mh_cookie_free(&cookie);

    /* Without a key the HMAC is not checked (nor trusted). */
    assert_int_equal(mh_cookie_parse("1", "garbage", GOOD, strlen(GOOD), NULL, 0, 0, &cookie, &err), 0);
    assert_false(cookie.authenticated);
    mh_cookie_free(&cookie);
}

struct hostile {
    const char *name;
    const char *version;
    const char *hmac;
    const char *text;
    bool keyed;
    long max_age;
    time_t now;
    const char *message;
};

static void
hostile_cookies_are_refused_with_a_reason(void **state)
{
    static const struct hostile cases[] = {
        { "no version", NULL, NULL, GOOD, false, 0, 0, "the cookie has no version attribute" },
        { "version 2", "2", NULL, GOOD, false, 0, 0, "unsupported cookie version \"2\"" },
        { "version 1.0", "1.0", NULL, GOOD, false, 0, 0, "unsupported cookie version" },
        { "unsigned, keyed", "1", NULL, GOOD, true, 0, 0, "not signed, and this host accepts only signed" },
        { "bad base64", "1", "!!!not*base64!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!", GOOD, true, 0, 0,
          "not base64 of a SHA-256 digest" },
        { "short base64", "1", "AAAA", GOOD, true, 0, 0, "not base64 of a SHA-256 digest" },
        { "padding inside", "1", "J8ONBr4dd/9riyOl2GIj0H/BRkxx3x/Xxq5gN9JD=Uc=", GOOD, true, 0, 0,
          "not base64" },
        { "other key", "1", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", GOOD, true, 0, 0,
          "HMAC does not match" },
        { "altered content", "1", GOOD_HMAC,
          "{\"migration_id\":\"m-2\",\"stamped\":\"2026-11-23T10:00:00.000Z\","
          "\"source\":{\"host_id\":\"hv-a\"}}", true, 0, 0, "HMAC does not match" },
        { "not JSON", "1", NULL, "{migration_id: 1}", false, 0, 0, "cookie:1:10: string or" },
        { "trailing garbage", "1", NULL, GOOD " x", false, 0, 0, "cookie:1:" },
        { "duplicate keys", "1", NULL, "{\"migration_id\":\"a\",\"migration_id\":\"b\"}", false, 0, 0,
          "duplicate" },
        { "array", "1", NULL, "[1,2]", false, 0, 0, "must be a JSON object" },
        { "empty", "1", NULL, "", false, 0, 0, "cookie:" },
        { "no migration id", "1", NULL, "{\"stamped\":\"2026-11-23T10:00:00Z\"}", false, 0, 0,
          "\"migration_id\" must be a string" },
        { "numeric migration id", "1", NULL, "{\"migration_id\":7}", false, 0, 0, "\"migration_id\"" },
        { "migration id with /", "1", NULL, "{\"migration_id\":\"../etc\"}", false, 0, 0,
          "\"migration_id\"" },
        { "migration id too long", "1", NULL,
          "{\"migration_id\":\"0123456789012345678901234567890123456789012345678901234567890123\"}",
          false, 0, 0, "1 to 63" },
        { "no stamp", "1", NULL, "{\"migration_id\":\"m\"}", false, 0, 0, "\"stamped\" must be an RFC 3339" },
        { "stamp not UTC", "1", NULL, "{\"migration_id\":\"m\",\"stamped\":\"2026-11-23T10:00:00+01:00\"}",
          false, 0, 0, "\"stamped\"" },
        { "stamp a number", "1", NULL, "{\"migration_id\":\"m\",\"stamped\":1795428000}", false, 0, 0,
          "\"stamped\"" },
        { "stamp nonsense", "1", NULL, "{\"migration_id\":\"m\",\"stamped\":\"2026-13-45T99:00:00Z\"}",
          false, 0, 0, "\"stamped\"" },
        { "no source", "1", NULL, "{\"migration_id\":\"m\",\"stamped\":\"2026-11-23T10:00:00Z\"}", false,
          0, 0, "\"source\" is missing" },
        { "source a string", "1", NULL,
          "{\"migration_id\":\"m\",\"stamped\":\"2026-11-23T10:00:00Z\",\"source\":\"hv\"}", false, 0, 0,
          "cookie key: source must be an object" },
        { "source without host", "1", NULL,
          "{\"migration_id\":\"m\",\"stamped\":\"2026-11-23T10:00:00Z\",\"source\":{}}", false, 0, 0,
          "source.host_id is missing" },
        { "source flags wrong", "1", NULL,
          "{\"migration_id\":\"m\",\"stamped\":\"2026-11-23T10:00:00Z\",\"source\":{\"host_id\":\"h\","
          "\"cpu\":{\"flags\":{}}}}", false, 0, 0, "source.cpu.flags must be an array" },
        { "lease a string", "1", NULL,
          "{\"migration_id\":\"m\",\"stamped\":\"2026-11-23T10:00:00Z\",\"source\":{\"host_id\":\"h\"},"
          "\"lease\":\"mine\"}", false, 0, 0, "cookie key \"lease\" must be an object" },
        { "ports an array", "1", NULL,
          "{\"migration_id\":\"m\",\"stamped\":\"2026-11-23T10:00:00Z\",\"source\":{\"host_id\":\"h\"},"
          "\"ports\":[]}", false, 0, 0, "cookie key \"ports\" must be an object" },
        { "stale", "1", NULL, GOOD, false, 600, STAMPED + 3600,
          "stamped 3600 s ago (2026-11-23T10:00:00.000Z), more than cookie.max_age (600 s)" },
        { "from the future", "1", NULL, GOOD, false, 600, STAMPED - 3600,
          "stamped 3600 s in the future" },
    };
    struct mh_cookie_key key;
    (void)state;

    test_key(&key);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const struct hostile *c = &cases[i];
        struct mh_error err = { { 0 } };
        struct mh_cookie cookie;

        if (mh_cookie_parse(c->version, c->hmac, c->text, strlen(c->text), c->keyed ? &key : NULL,
                            c->max_age, c->now, &cookie, &err) != -1)
            fail_msg("%s: accepted", c->name);
        if (!strstr(err.message, c->message))
            fail_msg("%s: \"%s\" does not say \"%s\"", c->name, err.message, c->message);
        assert_null(cookie.content);
    }
}

static void
huge_and_deep_cookies_are_refused(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_cookie cookie;
    size_t size = MH_COOKIE_MAX_BYTES + 100;
    char *text = malloc(size + 1);
    (void)state;

    assert_non_null(text);
    memset(text, ' ', size);
    text[size] = '\0';
    text[0] = '{';
    text[size - 1] = '}';
    assert_int_equal(mh_cookie_parse("1", NULL, text, size, NULL, 0, 0, &cookie, &err), -1);
    assert_string_equal(err.message, "the cookie is larger than 256 KiB");
    /* 100 levels of nesting, well inside the size limit. */
    memset(text, 0, size);
    for (int i = 0; i < 100; i++)
        strcat(text, "[");
    for (int i = 0; i < 100; i++)
        strcat(text, "]");
    assert_int_equal(mh_cookie_parse("1", NULL, text, strlen(text), NULL, 0, 0, &cookie, &err), -1);
    assert_non_null(strstr(err.message, "nested deeper than 32 levels"));
    free(text);
}

/* Unknown top-level keys come from a newer source: ignored. */
static void
unknown_sections_are_ignored(void **state)
{
    static const char text[] = "{\"migration_id\":\"m\",\"stamped\":\"2026-11-23T10:00:00Z\","
                               "\"source\":{\"host_id\":\"h\",\"future_fact\":[1]},"
                               "\"future\":{\"x\":1},\"lease\":{},\"ports\":{}}";
    struct mh_error err = { { 0 } };
    struct mh_cookie cookie;
    (void)state;

    assert_int_equal(mh_cookie_parse("1", NULL, text, strlen(text), NULL, 0, 0, &cookie, &err), 0);
    mh_cookie_free(&cookie);
}

static xmlDoc *
domain_with_metadata(const char *metadata)
{
    struct mh_error err = { { 0 } };
    char xml[8192];
    xmlDoc *doc;

    MH_TEST_PRINT(xml, "<domain type='kvm'><name>g</name><uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0"
                       "</uuid><metadata>%s</metadata></domain>", metadata);
    doc = mh_xml_parse(xml, strlen(xml), "test", &err);
    assert_non_null(doc);
    return doc;
}

/* Built, put in a domain XML, found and parsed back, with the characters
 * XML must escape inside JSON strings. */
static void
built_cookies_round_trip(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_cookie_key key;
    struct mh_cookie cookie;
    xmlNode *element = NULL;
    json_t *content = mh_cookie_content_new("m-42", STAMPED);
    char *built, *bare;
    xmlDoc *doc;
    (void)state;

    test_key(&key);
    json_object_set_new(content, "source", json_pack("{ss ss}", "host_id", "hv-a", "hostname",
                                                     "a<b>&c\"d'"));
    built = mh_cookie_build(content, &key, true, &err);
    assert_non_null(built);
    assert_true(mh_string_has_prefix(built, "<mh:cookie xmlns:mh=\"urn:migrate-hooks:cookie:1\" "
                                            "version=\"1\" hmac=\""));
    assert_non_null(strstr(built, "a&lt;b&gt;&amp;c"));
    doc = domain_with_metadata(built);
    assert_int_equal(mh_cookie_find(doc, &element, &err), 1);
    assert_int_equal(mh_cookie_parse_element(element, &key, 60, STAMPED + 1, &cookie, &err), 0);
    assert_true(cookie.authenticated);
    assert_string_equal(cookie.migration_id, "m-42");
    assert_string_equal(cookie.stamped, "2026-11-23T10:00:00.000Z");
    assert_string_equal(json_string_value(json_object_get(json_object_get(cookie.content, "source"),
                                                          "hostname")), "a<b>&c\"d'");
    mh_cookie_free(&cookie);
    mh_xml_free_doc(doc);

    /* The bare form is what virDomainSetMetadata takes. */
    bare = mh_cookie_build(content, NULL, false, &err);
    assert_true(mh_string_has_prefix(bare, "<cookie version=\"1\">{"));
    assert_null(strstr(bare, "hmac="));
    free(bare);
    free(built);
    json_decref(content);
}

static void
cookie_elements_are_found_by_namespace(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_cookie cookie;
    xmlNode *element = NULL;
    xmlDoc *doc;
    (void)state;

    /* Another namespace, or none, is not ours. */
    doc = domain_with_metadata("<x:cookie xmlns:x='urn:other'>{}</x:cookie><cookie>{}</cookie>");
    assert_int_equal(mh_cookie_find(doc, &element, &err), 0);
    mh_xml_free_doc(doc);
    /* Any prefix for our namespace is ours. */
    doc = domain_with_metadata("<zz:cookie xmlns:zz='urn:migrate-hooks:cookie:1' version='1'>"
                               GOOD "</zz:cookie>");
    assert_int_equal(mh_cookie_find(doc, &element, &err), 1);
    assert_int_equal(mh_cookie_parse_element(element, NULL, 0, 0, &cookie, &err), 0);
    mh_cookie_free(&cookie);
    mh_xml_free_doc(doc);
    doc = domain_with_metadata("<mh:cookie xmlns:mh='urn:migrate-hooks:cookie:1' version='1'>{}"
                               "</mh:cookie><mh:cookie xmlns:mh='urn:migrate-hooks:cookie:1'/>");
    assert_int_equal(mh_cookie_find(doc, &element, &err), -1);
    assert_non_null(strstr(err.message, "more than one cookie"));
    mh_xml_free_doc(doc);
    /* Elements smuggled inside the JSON text. */
    doc = domain_with_metadata("<mh:cookie xmlns:mh='urn:migrate-hooks:cookie:1' version='1'>"
                               "{\"a\":<b/>1}</mh:cookie>");
    assert_int_equal(mh_cookie_find(doc, &element, &err), 1);
    assert_int_equal(mh_cookie_parse_element(element, NULL, 0, 0, &cookie, &err), -1);
    assert_non_null(strstr(err.message, "must hold only text"));
    mh_xml_free_doc(doc);
    /* CDATA is text. */
    doc = domain_with_metadata("<mh:cookie xmlns:mh='urn:migrate-hooks:cookie:1' version='1'>"
                               "<![CDATA[" GOOD "]]></mh:cookie>");
    assert_int_equal(mh_cookie_find(doc, &element, &err), 1);
    assert_int_equal(mh_cookie_parse_element(element, NULL, 0, 0, &cookie, &err), 0);
    mh_cookie_free(&cookie);
    mh_xml_free_doc(doc);
}

static void
key_files_must_be_private_and_root_owned(void **state)
{
    struct mh_error err = { { 0 } };
    struct mh_cookie_key key;
    char *dir = mh_test_tmpdir();
    char link[512];
    const char *path;
    (void)state;

    path = mh_test_write(dir, "key", KEY_TEXT "\n\n", 0600);
    assert_int_equal(mh_cookie_key_load(path, &key, &err), 0);
    assert_int_equal(key.length, strlen(KEY_TEXT));
    assert_memory_equal(key.bytes, KEY_TEXT, key.length);
    mh_cookie_key_clear(&key);
    assert_int_equal(key.length, 0);

    path = mh_test_write(dir, "key", KEY_TEXT, 0640);
    assert_int_equal(mh_cookie_key_load(path, &key, &err), -1);
    assert_non_null(strstr(err.message, "lets group or others read the key; chmod 0600"));
    path = mh_test_write(dir, "key", KEY_TEXT, 0600);
    assert_int_equal(chown(path, 1000, 1000), 0);
    assert_int_equal(mh_cookie_key_load(path, &key, &err), -1);
    assert_non_null(strstr(err.message, "not root"));
    path = mh_test_write(dir, "short", "tooshort\n", 0600);
    assert_int_equal(mh_cookie_key_load(path, &key, &err), -1);
    assert_non_null(strstr(err.message, "16 to 4096 bytes"));
    path = mh_test_write(dir, "good", KEY_TEXT, 0400);
    MH_TEST_PRINT(link, "%s/link", dir);
    assert_int_equal(symlink(path, link), 0);
    assert_int_equal(mh_cookie_key_load(link, &key, &err), -1);
    assert_non_null(strstr(err.message, "symbolic link"));
    MH_TEST_PRINT(link, "%s/missing", dir);
    assert_int_equal(mh_cookie_key_load(link, &key, &err), -1);
    mh_test_rmdir(dir);
}

static void
migration_ids_are_fresh_uuids(void **state)
{
    struct mh_error err = { { 0 } };
    char a[64], b[64];
    (void)state;

    assert_int_equal(mh_cookie_new_migration_id(a, &err), 0);
    assert_int_equal(mh_cookie_new_migration_id(b, &err), 0);
    assert_int_equal(strlen(a), 36);
    assert_int_equal(a[14], '4');
    assert_string_not_equal(a, b);
}

/* ---- mh_cookie_load: what the hook does with it ---- */

struct call {
    struct mh_hook hook;
    char *dir;
};

static void
start_call(struct call *call, const char *config, const char *metadata)
{
    struct mh_error err = { { 0 } };
    char xml[8192], text[2048];
    const char *path;
    int fd;

    call->dir = mh_test_tmpdir();
    MH_TEST_PRINT(xml, "<domain type='qemu'><name>g</name><uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0"
                       "</uuid><metadata>%s</metadata></domain>", metadata);
    path = mh_test_write(call->dir, "domain.xml", xml, 0600);
    fd = open(path, O_RDONLY);
    assert_true(fd >= 0);
    mh_test_write(call->dir, "key", KEY_TEXT, 0600);
    mh_hook_init(&call->hook, "g", "migrate", "begin", "-", fd);
    /* @KEY@ in config stands for the key file's path. */
    MH_TEST_PRINT(text, "%s", config);
    if (strstr(text, "@KEY@")) {
        char expanded[2048], *at = strstr(text, "@KEY@");

        *at = '\0';
        MH_TEST_PRINT(expanded, "%s%s/key%s", text, call->dir, at + 5);
        MH_TEST_PRINT(text, "%s", expanded);
    }
    assert_int_equal(mh_conf_load_text(&call->hook.conf, text, strlen(text), "test", &err), 0);
    call->hook.conf.syslog_enabled = false;
}

static void
end_call(struct call *call)
{
    close(call->hook.input_fd);
    mh_hook_free(&call->hook);
    mh_test_rmdir(call->dir);
}

static const char *
cookie_state(struct call *call)
{
    return json_string_value(json_object_get(json_object_get(call->hook.details, "cookie"), "state"));
}

static void
missing_cookie_follows_the_policy(void **state)
{
    struct mh_error err = { { 0 } };
    struct call call;
    (void)state;

    start_call(&call, "{}", "");
    assert_int_equal(mh_cookie_load(&call.hook, &err), 0);
    assert_string_equal(cookie_state(&call), "none");
    assert_int_equal(call.hook.outcome, MH_OUTCOME_OK);
    assert_null(call.hook.cookie);
    end_call(&call);

    start_call(&call, "{\"cookie\": {\"policy\": \"warn\"}}", "");
    assert_int_equal(mh_cookie_load(&call.hook, &err), 0);
    assert_int_equal(call.hook.outcome, MH_OUTCOME_WARNED);
    assert_int_equal(mh_hook_warning_count(&call.hook), 1);
    end_call(&call);

    start_call(&call, "{\"cookie\": {\"policy\": \"refuse\"}}", "");
    assert_int_equal(mh_cookie_load(&call.hook, &err), -1);
    assert_int_equal(call.hook.outcome, MH_OUTCOME_REFUSED);
    assert_string_equal(err.message, "cookie: the domain XML carries no migrate-hooks cookie "
                                     "(cookie.policy is refuse; stamp it with mh-stamp)");
    end_call(&call);
}

static void
valid_cookie_fills_the_hook(void **state)
{
    struct mh_error err = { { 0 } };
    struct call call;
    (void)state;

    start_call(&call, "{\"cookie\": {\"key_file\": \"@KEY@\", \"policy\": \"refuse\"}}",
               "<mh:cookie xmlns:mh='urn:migrate-hooks:cookie:1' version='1' hmac='" GOOD_HMAC
               "'>" GOOD "</mh:cookie>");
    assert_int_equal(mh_cookie_load(&call.hook, &err), 0);
    assert_string_equal(call.hook.migration_id, "m-1");
    assert_string_equal(call.hook.source_host, "hv-a");
    assert_true(json_is_object(call.hook.cookie));
    assert_string_equal(cookie_state(&call), "valid");
    assert_true(json_is_true(json_object_get(json_object_get(call.hook.details, "cookie"),
                                             "authenticated")));
    end_call(&call);
}

/* With a key, an invalid cookie is refused whatever the policy; without,
 * the policy decides. */
static void
invalid_cookie_with_and_without_a_key(void **state)
{
    static const char forged[] = "<mh:cookie xmlns:mh='urn:migrate-hooks:cookie:1' version='1' "
                                 "hmac='AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='>" GOOD
                                 "</mh:cookie>";
    struct mh_error err = { { 0 } };
    struct call call;
    (void)state;

    start_call(&call, "{\"cookie\": {\"key_file\": \"@KEY@\", \"policy\": \"allow\"}}", forged);
    assert_int_equal(mh_cookie_load(&call.hook, &err), -1);
    assert_int_equal(call.hook.outcome, MH_OUTCOME_REFUSED);
    assert_true(mh_string_has_prefix(err.message, "cookie: the cookie's HMAC does not match"));
    assert_null(call.hook.cookie);
    assert_string_equal(call.hook.migration_id, "");
    end_call(&call);

    start_call(&call, "{}", "<mh:cookie xmlns:mh='urn:migrate-hooks:cookie:1' version='7'>{}"
                            "</mh:cookie>");
    assert_int_equal(mh_cookie_load(&call.hook, &err), 0);
    assert_string_equal(cookie_state(&call), "ignored");
    end_call(&call);

    start_call(&call, "{\"cookie\": {\"policy\": \"refuse\"}}",
               "<mh:cookie xmlns:mh='urn:migrate-hooks:cookie:1' version='7'>{}</mh:cookie>");
    assert_int_equal(mh_cookie_load(&call.hook, &err), -1);
    assert_non_null(strstr(err.message, "cookie: unsupported cookie version \"7\""));
    end_call(&call);

    /* A key that cannot be read is an error, not a refusal. */
    start_call(&call, "{\"cookie\": {\"key_file\": \"/nonexistent/key\"}}", forged);
    assert_int_equal(mh_cookie_load(&call.hook, &err), -1);
    assert_int_not_equal(call.hook.outcome, MH_OUTCOME_REFUSED);
    assert_true(mh_string_has_prefix(err.message, "cookie.key_file: /nonexistent/key"));
    end_call(&call);
}

/* A cookie naming this host as its source was stamped here and came back
 * with the guest (A -> B, then B -> A with nobody stamping on B): its port
 * data, lease token and facts are from before the guest left. Positive: the
 * same cookie on another host is valid. Negative: here it is ignored under
 * policy allow and, with a key, refused. */
static void
cookie_left_over_from_this_host_is_not_used(void **state)
{
    struct mh_error err = { { 0 } };
    struct call call;
    (void)state;

    start_call(&call, "{\"host_id\": \"hv-b\"}",
               "<mh:cookie xmlns:mh='urn:migrate-hooks:cookie:1' version='1'>" GOOD "</mh:cookie>");
    assert_int_equal(mh_cookie_load(&call.hook, &err), 0);
    assert_string_equal(cookie_state(&call), "valid");
    assert_string_equal(call.hook.source_host, "hv-a");
    end_call(&call);

    start_call(&call, "{\"host_id\": \"hv-a\"}",
               "<mh:cookie xmlns:mh='urn:migrate-hooks:cookie:1' version='1'>" GOOD "</mh:cookie>");
    assert_int_equal(mh_cookie_load(&call.hook, &err), 0);
    assert_string_equal(cookie_state(&call), "ignored");
    assert_null(call.hook.cookie);
    assert_string_equal(call.hook.source_host, "");
    assert_string_equal(call.hook.migration_id, "");
    assert_true(mh_string_has_prefix(
        json_string_value(json_object_get(json_object_get(call.hook.details, "cookie"), "reason")),
        "the cookie names this host (hv-a) as its source"));
    end_call(&call);

    start_call(&call, "{\"host_id\": \"hv-a\", \"cookie\": {\"key_file\": \"@KEY@\"}}",
               "<mh:cookie xmlns:mh='urn:migrate-hooks:cookie:1' version='1' hmac='" GOOD_HMAC
               "'>" GOOD "</mh:cookie>");
    assert_int_equal(mh_cookie_load(&call.hook, &err), -1);
    assert_int_equal(call.hook.outcome, MH_OUTCOME_REFUSED);
    assert_true(mh_string_has_prefix(err.message, "cookie: the cookie names this host (hv-a) as its source"));
    assert_null(call.hook.cookie);
    end_call(&call);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(hmac_matches_openssl),
        cmocka_unit_test(good_cookie_parses),
        cmocka_unit_test(hostile_cookies_are_refused_with_a_reason),
        cmocka_unit_test(huge_and_deep_cookies_are_refused),
        cmocka_unit_test(unknown_sections_are_ignored),
        cmocka_unit_test(built_cookies_round_trip),
        cmocka_unit_test(cookie_elements_are_found_by_namespace),
        cmocka_unit_test(key_files_must_be_private_and_root_owned),
        cmocka_unit_test(migration_ids_are_fresh_uuids),
        cmocka_unit_test(missing_cookie_follows_the_policy),
        cmocka_unit_test(valid_cookie_fills_the_hook),
        cmocka_unit_test(invalid_cookie_with_and_without_a_key),
        cmocka_unit_test(cookie_left_over_from_this_host_is_not_used),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
