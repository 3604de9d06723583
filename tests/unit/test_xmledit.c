/* test_xmledit.c - edits patched byte for byte into the text and applied
 * to the tree must agree, whatever surrounds them. */
#include "mh_test.h"

#include "mh_error.h"
#include "mh_xml.h"
#include "mh_xmledit.h"

/* The first element called name, in no namespace, in document order. */
static xmlNode *
find(xmlNode *node, const char *name)
{
    for (; node; node = node->next) {
        xmlNode *inner;

        if (node->type != XML_ELEMENT_NODE)
            continue;
        if (!node->ns && strcmp((const char *)node->name, name) == 0)
            return node;
        if ((inner = find(node->children, name)))
            return inner;
    }
    return NULL;
}

typedef void (*plan_fn)(struct mh_xmledit_list *list, xmlDoc *doc);

/* Apply plan to xml both ways; the patched text must equal expected and
 * parse into the same document as the edited tree. */
static void
check(const char *xml, plan_fn plan, const char *expected)
{
    struct mh_error err = { { 0 } };
    struct mh_xmledit_list *list = mh_xmledit_new();
    xmlDoc *doc = mh_xml_parse(xml, strlen(xml), "test", &err);
    xmlDoc *reparsed;
    char *patched;
    size_t length;

    assert_non_null(list);
    assert_non_null(doc);
    plan(list, doc);
    if (mh_xmledit_patch_text(list, doc, xml, strlen(xml), &patched, &length, &err) < 0)
        fail_msg("patch failed: %s", err.message);
    assert_int_equal(length, strlen(patched));
    assert_string_equal(patched, expected);
    assert_int_equal(mh_xmledit_apply_tree(list, doc, &err), 0);
    reparsed = mh_xml_parse(patched, length, "patched", &err);
    assert_non_null(reparsed);
    if (!mh_xmledit_same_document(doc, reparsed))
        fail_msg("tree and text disagree for:\n%s", patched);
    mh_xml_free_doc(reparsed);
    mh_xml_free_doc(doc);
    mh_xmledit_free(list);
    free(patched);
}

static void
plan_set_bridge(struct mh_xmledit_list *list, xmlDoc *doc)
{
    assert_int_equal(mh_xmledit_set_attribute(list, find(doc->children, "source"), "bridge",
                                              "br1"), 0);
}

static void
set_attribute_keeps_quotes_and_surroundings(void **state)
{
    (void)state;
    check("<d><source bridge='br0'/></d>", plan_set_bridge, "<d><source bridge='br1'/></d>");
    check("<d><source bridge=\"br0\"/></d>", plan_set_bridge, "<d><source bridge=\"br1\"/></d>");
    check("<d><source a='1'\n   bridge = \"br0\"  b='2' /></d>", plan_set_bridge,
          "<d><source a='1'\n   bridge = \"br1\"  b='2' /></d>");
    /* Appended after the last attribute, in the element's quote style. */
    check("<d><source a=\"1\" /></d>", plan_set_bridge, "<d><source a=\"1\" bridge=\"br1\" /></d>");
    check("<d><source/></d>", plan_set_bridge, "<d><source bridge='br1'/></d>");
    check("<d><source></source></d>", plan_set_bridge, "<d><source bridge='br1'></source></d>");
    /* A namespaced attribute of the same local name is another attribute. */
    check("<d xmlns:x='urn:x'><source x:bridge='br0'/></d>", plan_set_bridge,
          "<d xmlns:x='urn:x'><source x:bridge='br0' bridge='br1'/></d>");
}

static void
markup_that_looks_like_elements_is_skipped(void **state)
{
    (void)state;
    check("<d><!-- <source bridge='x'/> --><![CDATA[<source bridge='y'/>]]>"
          "<?pi <source?><e a='>'/><source bridge='br0'/></d>",
          plan_set_bridge,
          "<d><!-- <source bridge='x'/> --><![CDATA[<source bridge='y'/>]]>"
          "<?pi <source?><e a='>'/><source bridge='br1'/></d>");
    check("<?xml version='1.0'?>\n<!-- before -->\n<d>\n  <n:source xmlns:n='urn:n' bridge='n'/>"
          "\n  <source bridge='br0'/>\n</d>\n<!-- after -->\n",
          plan_set_bridge,
          "<?xml version='1.0'?>\n<!-- before -->\n<d>\n  <n:source xmlns:n='urn:n' bridge='n'/>"
          "\n  <source bridge='br1'/>\n</d>\n<!-- after -->\n");
}

static void
plan_escape(struct mh_xmledit_list *list, xmlDoc *doc)
{
    assert_int_equal(mh_xmledit_set_attribute(list, find(doc->children, "source"), "file",
                                              "a&b<c>'d\"e\tf"), 0);
    assert_int_equal(mh_xmledit_set_text(list, find(doc->children, "emulator"), "x&y<z>]]>"), 0);
}

static void
values_are_escaped_for_their_quotes(void **state)
{
    (void)state;
    check("<d><source file='x'/><emulator>q</emulator></d>", plan_escape,
          "<d><source file='a&amp;b&lt;c&gt;&apos;d\"e&#9;f'/>"
          "<emulator>x&amp;y&lt;z&gt;]]&gt;</emulator></d>");
    check("<d><source file=\"x\"/><emulator/></d>", plan_escape,
          "<d><source file=\"a&amp;b&lt;c&gt;'d&quot;e&#9;f\"/>"
          "<emulator>x&amp;y&lt;z&gt;]]&gt;</emulator></d>");
}

static void
plan_switch(struct mh_xmledit_list *list, xmlDoc *doc)
{
    xmlNode *source = find(doc->children, "source");

    assert_int_equal(mh_xmledit_set_attribute(list, find(doc->children, "interface"), "type",
                                              "bridge"), 0);
    assert_int_equal(mh_xmledit_rename_attribute(list, source, "network", "bridge", "ovs0"), 0);
    assert_int_equal(mh_xmledit_remove_attribute(list, source, "portid"), 0);
    assert_int_equal(mh_xmledit_insert_after(list, source, "virtualport", "type",
                                             "openvswitch"), 0);
    assert_int_equal(mh_xmledit_remove_element(list, find(doc->children, "old")), 0);
}

static void
structural_edits_keep_indentation(void **state)
{
    (void)state;
    check("<domain>\n  <interface type='network'>\n    <source network='default' portid='1'/>\n"
          "    <old a='1'>\n      <inner/>\n    </old>\n  </interface>\n</domain>\n",
          plan_switch,
          "<domain>\n  <interface type='bridge'>\n    <source bridge='ovs0'/>\n"
          "    <virtualport type='openvswitch'/>\n  </interface>\n</domain>\n");
    check("<domain>\r\n\t<interface type=\"network\">\r\n\t\t<source portid=\"1\" network=\"d\"/>"
          "\r\n\t\t<old/>\r\n\t</interface>\r\n</domain>",
          plan_switch,
          "<domain>\r\n\t<interface type=\"bridge\">\r\n\t\t<source bridge=\"ovs0\"/>"
          "\r\n\t\t<virtualport type=\"openvswitch\"/>\r\n\t</interface>\r\n</domain>");
    /* Nothing to indent with: everything on one line. */
    check("<domain><interface type='network'><source network='d' portid='1'/><old/>"
          "</interface></domain>",
          plan_switch,
          "<domain><interface type='bridge'><source bridge='ovs0'/>"
          "<virtualport type='openvswitch'/></interface></domain>");
}

static void
plan_text_only(struct mh_xmledit_list *list, xmlDoc *doc)
{
    assert_int_equal(mh_xmledit_set_text(list, find(doc->children, "emulator"), "/usr/bin/q"),
                     0);
}

static void
text_replaces_content(void **state)
{
    (void)state;
    check("<d><emulator>/usr/bin/old</emulator></d>", plan_text_only,
          "<d><emulator>/usr/bin/q</emulator></d>");
    check("<d><emulator/></d>", plan_text_only, "<d><emulator>/usr/bin/q</emulator></d>");
    check("<d><emulator  /></d>", plan_text_only, "<d><emulator  >/usr/bin/q</emulator></d>");
    check("<d><x:emulator xmlns:x='urn:x'/><emulator>a&amp;b</emulator></d>", plan_text_only,
          "<d><x:emulator xmlns:x='urn:x'/><emulator>/usr/bin/q</emulator></d>");
}

static void
plan_nested_removals(struct mh_xmledit_list *list, xmlDoc *doc)
{
    xmlNode *outer = find(doc->children, "outer");

    /* The inner one goes with the outer one; neither may be freed twice. */
    assert_int_equal(mh_xmledit_remove_element(list, find(doc->children, "inner")), 0);
    assert_int_equal(mh_xmledit_remove_element(list, outer), 0);
    assert_int_equal(mh_xmledit_remove_element(list, outer), 0);
}

static void
overlapping_edits_are_refused_by_the_text_side(void **state)
{
    struct mh_error err = { { 0 } };
    const char *xml = "<d>\n  <outer>\n    <inner/>\n  </outer>\n</d>";
    struct mh_xmledit_list *list = mh_xmledit_new();
    xmlDoc *doc = mh_xml_parse(xml, strlen(xml), "test", &err);
    char *patched = NULL;
    size_t length;
    (void)state;

    plan_nested_removals(list, doc);
    assert_int_equal(mh_xmledit_patch_text(list, doc, xml, strlen(xml), &patched, &length, &err),
                     -1);
    assert_non_null(strstr(err.message, "overlap"));
    assert_null(patched);
    /* The tree side copes (the sanitizers watch for a double free). */
    assert_int_equal(mh_xmledit_apply_tree(list, doc, &err), 0);
    assert_null(find(doc->children, "outer"));
    mh_xml_free_doc(doc);
    mh_xmledit_free(list);
}

static void
text_that_is_not_the_document_is_refused(void **state)
{
    struct mh_error err = { { 0 } };
    const char *xml = "<d><a/><source bridge='br0'/></d>";
    static const char *const others[] = {
        "<d><b/><source bridge='br0'/></d>",
        "<d><source bridge='br0'/></d>",
        "<d><a/><source bridge='br0'",
        "<d><a/><source bridge=br0/></d>",
        "",
    };
    xmlDoc *doc = mh_xml_parse(xml, strlen(xml), "test", &err);
    struct mh_xmledit_list *list = mh_xmledit_new();
    (void)state;

    plan_set_bridge(list, doc);
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        char *patched = NULL;
        size_t length;

        if (mh_xmledit_patch_text(list, doc, others[i], strlen(others[i]), &patched, &length,
                                  &err) == 0)
            fail_msg("patched text %zu that is not the document: %s", i, patched);
        assert_null(patched);
    }
    {
        /* The same document with a NUL byte inside a tag. */
        static const char with_nul[] = "<d><a/><source bridge='br0'\0/></d>";
        char *patched = NULL;
        size_t length;

        assert_int_equal(mh_xmledit_patch_text(list, doc, with_nul, sizeof(with_nul) - 1,
                                               &patched, &length, &err), -1);
        assert_non_null(strstr(err.message, "NUL"));
    }
    mh_xml_free_doc(doc);
    mh_xmledit_free(list);
}

static void
same_document_sees_every_difference(void **state)
{
    static const struct {
        const char *a, *b;
        bool same;
    } cases[] = {
        { "<d a='1' b='2'>t<!--c--><e/></d>", "<d a=\"1\" b=\"2\">t<!--c--><e></e></d>", true },
        { "<d>x&amp;y</d>", "<d><![CDATA[x&y]]></d>", false },
        { "<d a='1' b='2'/>", "<d b='2' a='1'/>", false },
        { "<d a='1'/>", "<d a='2'/>", false },
        { "<d a='1'/>", "<d a='1' b='2'/>", false },
        { "<d><!--c--></d>", "<d><!--C--></d>", false },
        { "<d><?p x?></d>", "<d><?p y?></d>", false },
        { "<d xmlns='urn:a'/>", "<d xmlns='urn:b'/>", false },
        { "<x:d xmlns:x='urn:a'/>", "<y:d xmlns:y='urn:a'/>", false },
        { "<d> </d>", "<d>  </d>", false },
        { "<d><e/></d>", "<d><e/><e/></d>", false },
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct mh_error err = { { 0 } };
        xmlDoc *a = mh_xml_parse(cases[i].a, strlen(cases[i].a), "a", &err);
        xmlDoc *b = mh_xml_parse(cases[i].b, strlen(cases[i].b), "b", &err);

        assert_non_null(a);
        assert_non_null(b);
        if (mh_xmledit_same_document(a, b) != cases[i].same)
            fail_msg("case %zu: expected %s", i, cases[i].same ? "same" : "different");
        mh_xml_free_doc(a);
        mh_xml_free_doc(b);
    }
}

static void
adjacent_text_nodes_compare_joined(void **state)
{
    struct mh_error err = { { 0 } };
    xmlDoc *a = mh_xml_parse("<d>ab</d>", 9, "a", &err);
    xmlDoc *b = mh_xml_parse("<d>a<x/>b</d>", 13, "b", &err);
    xmlNode *x = find(b->children, "x");
    (void)state;

    assert_false(mh_xmledit_same_document(a, b));
    /* Removing <x/> leaves two text nodes side by side, as a removal by
     * mh_xmledit can; a parser of the text makes one. */
    mh_libxml.xmlUnlinkNode(x);
    mh_libxml.xmlFreeNode(x);
    assert_non_null(mh_libxml.xmlDocGetRootElement(b)->children->next);
    assert_true(mh_xmledit_same_document(a, b));
    mh_xml_free_doc(a);
    mh_xml_free_doc(b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(set_attribute_keeps_quotes_and_surroundings),
        cmocka_unit_test(markup_that_looks_like_elements_is_skipped),
        cmocka_unit_test(values_are_escaped_for_their_quotes),
        cmocka_unit_test(structural_edits_keep_indentation),
        cmocka_unit_test(text_replaces_content),
        cmocka_unit_test(overlapping_edits_are_refused_by_the_text_side),
        cmocka_unit_test(text_that_is_not_the_document_is_refused),
        cmocka_unit_test(same_document_sees_every_difference),
        cmocka_unit_test(adjacent_text_nodes_compare_joined),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
