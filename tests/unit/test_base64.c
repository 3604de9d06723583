/* test_base64.c - strict base64: RFC 4648 vectors and hostile input. */
#include "mh_test.h"

#include "mh_base64.h"
#include "mh_error.h"

static const struct {
    const char *plain;
    const char *encoded;
} vectors[] = {
    { "", "" },           { "f", "Zg==" },         { "fo", "Zm8=" },
    { "foo", "Zm9v" },    { "foob", "Zm9vYg==" },  { "fooba", "Zm9vYmE=" },
    { "foobar", "Zm9vYmFy" },
};

static void
encode_matches_rfc4648_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        struct mh_error err = { { 0 } };
        char *text = mh_base64_encode(vectors[i].plain, strlen(vectors[i].plain), &err);

        assert_non_null(text);
        assert_string_equal(text, vectors[i].encoded);
        free(text);
    }
}

static void
decode_matches_rfc4648_vectors_and_binary_round_trips(void **state)
{
    unsigned char binary[256];
    struct mh_error err = { { 0 } };
    char *text, *data;
    size_t length;

    (void)state;
    for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
        assert_int_equal(mh_base64_decode(vectors[i].encoded, strlen(vectors[i].encoded), 64,
                                          &data, &length, &err), 0);
        assert_int_equal(length, strlen(vectors[i].plain));
        assert_string_equal(data, vectors[i].plain);
        free(data);
    }
    for (size_t i = 0; i < sizeof(binary); i++)
        binary[i] = (unsigned char)i;
    text = mh_base64_encode(binary, sizeof(binary), &err);
    assert_non_null(text);
    assert_int_equal(mh_base64_decode(text, strlen(text), sizeof(binary), &data, &length, &err), 0);
    assert_int_equal(length, sizeof(binary));
    assert_memory_equal(data, binary, sizeof(binary));
    free(data);
    free(text);
}

static void
decode_refuses_malformed_input(void **state)
{
    static const char *const bad[] = {
        "Zg=", "Zg", "Z===", "====", "Zm9v\n", " Zm9v", "Zm9v ", "Zm=v", "Zm9-", "Zm9_",
        "Zg==Zg==", "Zm9v\0mFy",
    };
    struct mh_error err = { { 0 } };
    char *data = NULL;
    size_t length;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        size_t n = i == sizeof(bad) / sizeof(bad[0]) - 1 ? 8 : strlen(bad[i]);
        if (mh_base64_decode(bad[i], n, 64, &data, &length, &err) != -1)
            fail_msg("accepted '%s'", bad[i]);
        assert_non_null(strstr(err.message, "base64"));
    }
    assert_null(data);
}

static void
decode_refuses_bits_past_the_last_byte_and_reads_only_length(void **state)
{
    struct mh_error err = { { 0 } };
    char *data = NULL;
    size_t length;

    (void)state;
    /* "Zg==" is "f"; "Zh==" carries bits that no byte holds */
    assert_int_equal(mh_base64_decode("Zh==", 4, 64, &data, &length, &err), -1);
    assert_non_null(strstr(err.message, "base64: invalid encoding"));
    assert_int_equal(mh_base64_decode("Zm9=", 4, 64, &data, &length, &err), -1);
    assert_null(data);
    /* a length short of the string: only that much is decoded */
    assert_int_equal(mh_base64_decode("Zm9vYmFyZm9v", 8, 64, &data, &length, &err), 0);
    assert_int_equal(length, 6);
    assert_memory_equal(data, "foobar", 7);
    free(data);
}

static void
decode_refuses_more_than_the_cap(void **state)
{
    struct mh_error err = { { 0 } };
    char *data = NULL;
    size_t length;

    (void)state;
    assert_int_equal(mh_base64_decode("Zm9vYmFy", 8, 5, &data, &length, &err), -1);
    assert_non_null(strstr(err.message, "more than the limit of 5"));
    assert_int_equal(mh_base64_decode("Zm9vYmFy", 8, 6, &data, &length, &err), 0);
    free(data);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(encode_matches_rfc4648_vectors),
        cmocka_unit_test(decode_matches_rfc4648_vectors_and_binary_round_trips),
        cmocka_unit_test(decode_refuses_malformed_input),
        cmocka_unit_test(decode_refuses_bits_past_the_last_byte_and_reads_only_length),
        cmocka_unit_test(decode_refuses_more_than_the_cap),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
