/* test_xmlscan.c - locating tags and attributes in XML source text, and
 * never reading past it whatever the text holds. */
#include "mh_test.h"

#include "mh_xmlscan.h"

/* The names of the start tags of text, in order, space-separated, or NULL
 * when the scan stops on an error before the end. */
static char *
tag_names(const char *text, size_t length)
{
    struct mh_xmlscan scan = { .text = text, .length = length, .position = 0 };
    struct mh_xmlscan_tag tag;
    static char names[4096];

    names[0] = '\0';
    while (mh_xmlscan_next_start_tag(&scan, &tag) == 0) {
        size_t used = strlen(names);

        assert_true(tag.start < tag.name_end && tag.name_end <= tag.attributes_end &&
                    tag.attributes_end < tag.end && tag.end <= length);
        assert_true(snprintf(names + used, sizeof(names) - used, "%s%.*s", used ? " " : "",
                             (int)(tag.name_end - tag.start - 1), text + tag.start + 1) <
                    (int)(sizeof(names) - used));
    }
    return names;
}

static void
start_tags_come_in_document_order(void **state)
{
    static const char text[] =
        "<?xml version='1.0'?><!-- <x/> --><a b='>' c=\"<\"><![CDATA[<y>]]><?pi <z?>"
        "<n:d xmlns:n='u'/></a><e\n  f = 'g'\n/>";
    (void)state;

    assert_string_equal(tag_names(text, strlen(text)), "a n:d e");
}

static void
attributes_and_extents_are_found(void **state)
{
    static const char text[] = "<r><s a='1' bb = \"2\" c=''>x<t/><s>in</s></s>\n  <u/></r>";
    struct mh_xmlscan scan = { .text = text, .length = strlen(text), .position = 0 };
    struct mh_xmlscan_tag tag;
    struct mh_xmlscan_attribute attribute;
    size_t content_end, element_end;
    (void)state;

    assert_int_equal(mh_xmlscan_next_start_tag(&scan, &tag), 0);     /* r */
    assert_int_equal(mh_xmlscan_next_start_tag(&scan, &tag), 0);     /* s */
    assert_int_equal(tag.quote, '\'');
    assert_int_equal(mh_xmlscan_find_attribute(text, &tag, "bb", &attribute), 0);
    assert_int_equal(attribute.quote, '"');
    assert_int_equal(text[attribute.value_start], '2');
    assert_int_equal(attribute.value_end, attribute.value_start + 1);
    assert_int_equal(mh_xmlscan_find_attribute(text, &tag, "c", &attribute), 0);
    assert_int_equal(attribute.value_end, attribute.value_start);
    assert_int_equal(mh_xmlscan_find_attribute(text, &tag, "b", &attribute), -1);
    assert_int_equal(mh_xmlscan_element_extent(text, strlen(text), &tag, &content_end,
                                               &element_end), 0);
    assert_true(strncmp(text + content_end, "</s></s>", 8) != 0);
    assert_true(strncmp(text + content_end, "</s>\n", 5) == 0);
    assert_int_equal(element_end, content_end + 4);
    assert_int_equal(mh_xmlscan_next_start_tag(&scan, &tag), 0);     /* t */
    assert_true(tag.empty);
    assert_int_equal(mh_xmlscan_element_extent(text, strlen(text), &tag, &content_end,
                                               &element_end), 0);
    assert_int_equal(element_end, tag.end);
    assert_int_equal(mh_xmlscan_next_start_tag(&scan, &tag), 0);     /* inner s */
    assert_int_equal(mh_xmlscan_next_start_tag(&scan, &tag), 0);     /* u */
    assert_int_equal(mh_xmlscan_indentation_start(text, tag.start), tag.start - 3);
    assert_int_equal(mh_xmlscan_next_start_tag(&scan, &tag), -1);
    /* Text right before a tag is not indentation. */
    assert_int_equal(mh_xmlscan_indentation_start("<a>x <b/>", 5), 5);
}

static void
unreadable_text_is_an_error_not_a_guess(void **state)
{
    static const char *const texts[] = {
        "<a><!-- never closed",
        "<a><![CDATA[ never closed",
        "<a><?pi never closed",
        "<!DOCTYPE a><a/>",
        "<a b='never closed/>",
        "<a b>",
        "<a b=c>",
        "<a b='1'",
        "<a /",
        "<a></a",
    };
    (void)state;

    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct mh_xmlscan scan = { .text = texts[i], .length = strlen(texts[i]), .position = 0 };
        struct mh_xmlscan_tag tag;
        size_t content_end, element_end;
        int found = 0;

        while (mh_xmlscan_next_start_tag(&scan, &tag) == 0) {
            found++;
            /* An element whose end is cut off has no extent. */
            if (!tag.empty)
                assert_int_equal(mh_xmlscan_element_extent(texts[i], strlen(texts[i]), &tag,
                                                           &content_end, &element_end), -1);
        }
        assert_true(found <= 1);
    }
}

/* Random bytes made mostly of XML punctuation: the scanner must stop, and
 * the sanitizers watch that it never reads outside the text. */
static void
random_text_never_overreads(void **state)
{
    static const char alphabet[] = "<>/='\"!?-[]CDATA ab\n";
    unsigned seed = 12345;
    (void)state;

    for (int round = 0; round < 20000; round++) {
        size_t length = (size_t)(seed % 40) + 1;
        char *text = malloc(length);
        struct mh_xmlscan scan = { .text = text, .length = length, .position = 0 };
        struct mh_xmlscan_tag tag;
        struct mh_xmlscan_attribute attribute;
        size_t content_end, element_end;

        assert_non_null(text);
        for (size_t i = 0; i < length; i++) {
            seed = seed * 1103515245u + 12345u;
            text[i] = alphabet[(seed >> 16) % (sizeof(alphabet) - 1)];
        }
        while (mh_xmlscan_next_start_tag(&scan, &tag) == 0) {
            assert_true(tag.end <= length);
            mh_xmlscan_find_attribute(text, &tag, "a", &attribute);
            mh_xmlscan_element_extent(text, length, &tag, &content_end, &element_end);
            mh_xmlscan_indentation_start(text, tag.start);
        }
        free(text);
    }
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(start_tags_come_in_document_order),
        cmocka_unit_test(attributes_and_extents_are_found),
        cmocka_unit_test(unreadable_text_is_an_error_not_a_guess),
        cmocka_unit_test(random_text_never_overreads),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
