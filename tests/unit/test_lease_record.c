/* test_lease_record.c - lease records as stored: a corpus of good and
 * hostile records (tests/data/lease/NAME.json with NAME.expect: "ok" or
 * "error SUBSTRING"), round trips, and the cookie's lease token. */
#include "mh_test.h"

#include <dirent.h>

#include "mh_error.h"
#include "mh_file.h"
#include "mh_json.h"
#include "mh_lease_record.h"
#include "mh_time.h"

#define CORPUS "tests/data/lease"
#define UUID "4dea22b3-1d52-d8f3-2516-782e98ab3fa0"

/* Format, parse again: the same record. */
static void
assert_round_trip(const struct mh_lease_record *record)
{
    struct mh_lease_record again;
    struct mh_error err = { { 0 } };
    char *text = mh_lease_record_format(record);

    assert_non_null(text);
    if (mh_lease_record_parse(text, strlen(text), record->uuid, "again", &again, &err) < 0)
        fail_msg("re-parse failed: %s\n%s", err.message, text);
    assert_true(again.exists);
    again.exists = record->exists;
    assert_memory_equal(&again, record, sizeof(again));
    free(text);
}

static void
corpus_cases_meet_their_expectations(void **state)
{
    DIR *dir = opendir(CORPUS);
    struct dirent *entry;
    int good = 0, bad = 0;

    (void)state;
    assert_non_null(dir);
    while ((entry = readdir(dir))) {
        char path[4096], expect_path[4096], expectation[256] = "";
        struct mh_error err = { { 0 } };
        struct mh_lease_record record;
        size_t name_length = strlen(entry->d_name);
        size_t length;
        char *data, *expect;
        int ret;

        if (name_length < 6 || strcmp(entry->d_name + name_length - 5, ".json") != 0)
            continue;
        MH_TEST_PRINT(path, "%s/%s", CORPUS, entry->d_name);
        MH_TEST_PRINT(expect_path, "%s/%.*s.expect", CORPUS, (int)(name_length - 5),
                      entry->d_name);
        data = mh_test_slurp(path, &length);
        expect = mh_test_slurp(expect_path, &(size_t){ 0 });
        MH_TEST_PRINT(expectation, "%s", expect);
        expectation[strcspn(expectation, "\n")] = '\0';
        free(expect);

        ret = mh_lease_record_parse(data, length, UUID, "record", &record, &err);
        if (strcmp(expectation, "ok") == 0) {
            if (ret < 0)
                fail_msg("%s: expected ok, got: %s", entry->d_name, err.message);
            assert_true(record.exists);
            assert_round_trip(&record);
            good++;
        } else {
            if (ret == 0)
                fail_msg("%s: expected an error, parsed fine", entry->d_name);
            assert_true(strncmp(expectation, "error ", 6) == 0);
            if (!strstr(err.message, expectation + 6))
                fail_msg("%s: expected \"%s\" in \"%s\"", entry->d_name, expectation + 6,
                         err.message);
            /* A refused record leaves nothing half-read behind. */
            assert_false(record.exists);
            assert_string_equal(record.owner, "");
            assert_string_equal(record.uuid, UUID);
            bad++;
        }
        free(data);
    }
    closedir(dir);
    assert_true(good >= 5);
    assert_true(bad >= 25);
}

static void
stored_form_has_every_field_and_nulls_for_none(void **state)
{
    struct mh_lease_record record;
    json_t *object;

    (void)state;
    mh_lease_record_init(&record, UUID);
    record.generation = 3;
    object = mh_lease_record_to_json(&record);
    assert_int_equal(json_integer_value(json_object_get(object, "version")), 1);
    assert_string_equal(json_string_value(json_object_get(object, "uuid")), UUID);
    assert_true(json_is_null(json_object_get(object, "owner")));
    assert_true(json_is_null(json_object_get(object, "since")));
    assert_true(json_is_null(json_object_get(object, "pending")));
    assert_int_equal(json_integer_value(json_object_get(object, "generation")), 3);
    json_decref(object);

    strcpy(record.owner, "hostA");
    record.since = 1795000000;
    strcpy(record.pending.host, "hostB");
    record.pending.expires = 1795000300;
    object = mh_lease_record_to_json(&record);
    assert_string_equal(json_string_value(json_object_get(object, "since")),
                        "2026-11-18T11:06:40.000Z");
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(object, "pending"), "expires")),
        "2026-11-18T11:11:40.000Z");
    json_decref(object);
    assert_round_trip(&record);
}

static void
oversized_record_is_refused_before_parsing(void **state)
{
    size_t length = MH_LEASE_RECORD_MAX_BYTES + 1;
    char *text = malloc(length);
    struct mh_lease_record record;
    struct mh_error err = { { 0 } };

    (void)state;
    assert_non_null(text);
    memset(text, ' ', length);
    assert_int_equal(mh_lease_record_parse(text, length, UUID, "big", &record, &err), -1);
    assert_non_null(strstr(err.message, "larger than 65536 bytes"));
    free(text);
}

static void
uuid_and_migration_id_checks(void **state)
{
    (void)state;
    assert_true(mh_lease_uuid_is_valid(UUID));
    assert_true(mh_lease_uuid_is_valid("4DEA22B3-1D52-D8F3-2516-782E98AB3FA0"));
    assert_false(mh_lease_uuid_is_valid("4dea22b3-1d52-d8f3-2516-782e98ab3fa"));
    assert_false(mh_lease_uuid_is_valid("4dea22b3-1d52-d8f3-2516-782e98ab3fa0x"));
    assert_false(mh_lease_uuid_is_valid("4dea22b3_1d52-d8f3-2516-782e98ab3fa0"));
    assert_false(mh_lease_uuid_is_valid("../../../../../../../../etc/passwd.."));
    assert_true(mh_lease_migration_id_is_valid("m-1"));
    assert_false(mh_lease_migration_id_is_valid(""));
    assert_false(mh_lease_migration_id_is_valid("m 1"));
    assert_false(mh_lease_migration_id_is_valid(
        "0123456789012345678901234567890123456789012345678901234567890123"));
}

static void
time_parse_accepts_stored_times_only(void **state)
{
    time_t when;

    (void)state;
    assert_int_equal(mh_time_parse_stored("2026-11-18T11:06:40.000Z", &when), 0);
    assert_int_equal(when, 1795000000);
    assert_int_equal(mh_time_parse_stored("2026-11-18T11:06:40Z", &when), 0);
    assert_int_equal(when, 1795000000);
    assert_int_equal(mh_time_parse_stored("2026-11-18T11:06:40", &when), -1);
    assert_int_equal(mh_time_parse_stored("2026-11-18T11:06:40.Z", &when), -1);
    assert_int_equal(mh_time_parse_stored("2026-11-18 11:06:40Z", &when), -1);
    assert_int_equal(mh_time_parse_stored("2026-11-18T11:06:40.000Zjunk", &when), -1);
    assert_int_equal(mh_time_parse_stored("", &when), -1);
}

static json_t *
cookie(const char *text)
{
    json_t *value = json_loads(text, 0, NULL);

    assert_non_null(value);
    return value;
}

static void
token_is_read_from_the_cookie_lease_section(void **state)
{
    struct mh_lease_token token;
    struct mh_error err = { { 0 } };
    json_t *content = cookie("{\"migration_id\":\"m-1\",\"lease\":{\"owner\":\"hostA\","
                             "\"generation\":12,\"extra\":true}}");

    (void)state;
    assert_int_equal(mh_lease_token_read(content, &token, &err), 0);
    assert_true(token.present);
    assert_string_equal(token.owner, "hostA");
    assert_int_equal(token.generation, 12);
    json_decref(content);
    /* none: no cookie, or no section */
    assert_int_equal(mh_lease_token_read(NULL, &token, &err), 0);
    assert_false(token.present);
    content = cookie("{\"migration_id\":\"m-1\"}");
    assert_int_equal(mh_lease_token_read(content, &token, &err), 0);
    assert_false(token.present);
    json_decref(content);
}

static void
hostile_token_is_refused_naming_the_key(void **state)
{
    static const struct {
        const char *text;
        const char *error;
    } cases[] = {
        { "{\"lease\":\"hostA\"}", "\"lease\" must be an object" },
        { "{\"lease\":{\"generation\":1}}", "\"owner\" is missing" },
        { "{\"lease\":{\"owner\":\"host A\",\"generation\":1}}", "\"owner\" must be a host id" },
        { "{\"lease\":{\"owner\":\"hostA\"}}", "\"generation\" must be an integer" },
        { "{\"lease\":{\"owner\":\"hostA\",\"generation\":-3}}", "\"generation\" must be" },
        { "{\"lease\":{\"owner\":\"hostA\",\"generation\":\"3\"}}", "\"generation\" must be" },
    };
    struct mh_lease_token token;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mh_error err = { { 0 } };
        json_t *content = cookie(cases[i].text);

        assert_int_equal(mh_lease_token_read(content, &token, &err), -1);
        assert_false(token.present);
        if (!strstr(err.message, cases[i].error) || !strstr(err.message, "cookie: \"lease\""))
            fail_msg("%s: got \"%s\"", cases[i].text, err.message);
        json_decref(content);
    }
}

static void
token_written_by_a_source_reads_back(void **state)
{
    struct mh_lease_record record;
    struct mh_lease_token token;
    struct mh_error err = { { 0 } };
    json_t *content = json_object();

    (void)state;
    mh_lease_record_init(&record, UUID);
    assert_true(json_is_null(mh_lease_token_to_json(&record)));
    strcpy(record.owner, "hostA");
    record.generation = 4;
    json_object_set_new(content, "lease", mh_lease_token_to_json(&record));
    assert_int_equal(mh_lease_token_read(content, &token, &err), 0);
    assert_string_equal(token.owner, "hostA");
    assert_int_equal(token.generation, 4);
    json_decref(content);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(corpus_cases_meet_their_expectations),
        cmocka_unit_test(stored_form_has_every_field_and_nulls_for_none),
        cmocka_unit_test(oversized_record_is_refused_before_parsing),
        cmocka_unit_test(uuid_and_migration_id_checks),
        cmocka_unit_test(time_parse_accepts_stored_times_only),
        cmocka_unit_test(token_is_read_from_the_cookie_lease_section),
        cmocka_unit_test(hostile_token_is_refused_naming_the_key),
        cmocka_unit_test(token_written_by_a_source_reads_back),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
