/* mh_xmlscan.h - find start tags, attributes and element ends in XML
 * source text, by byte offset, for patching it in place (mh_xmledit). Only
 * for text a parser has already accepted as well-formed and without a
 * DOCTYPE: what it cannot recognize is an error, never a guess. */
#ifndef MH_XMLSCAN_H
#define MH_XMLSCAN_H

#include <stdbool.h>
#include <stddef.h>

/* A start tag found in the text. */
struct mh_xmlscan_tag {
    size_t start;           /* its '<' */
    size_t name_end;
    size_t attributes_end;  /* after the last attribute's closing quote, or name_end */
    size_t end;             /* after its '>' */
    bool empty;             /* written <name .../> */
    char quote;             /* quote of its first attribute, or 0 */
};

struct mh_xmlscan_attribute {
    size_t start;           /* its name */
    size_t value_start;     /* after the opening quote */
    size_t value_end;       /* at the closing quote */
    char quote;
};

/* A position in text; start with position 0. */
struct mh_xmlscan {
    const char *text;
    size_t length;
    size_t position;
};

/* The next start tag after scan->position, past end tags, comments, CDATA
 * and processing instructions, in document order: the Nth call finds the
 * Nth element. Returns 0, or -1 at the end or on text it cannot read. */
int mh_xmlscan_next_start_tag(struct mh_xmlscan *scan, struct mh_xmlscan_tag *tag);

/* The attribute called name (exactly, prefix included) of tag. 0 or -1. */
int mh_xmlscan_find_attribute(const char *text, const struct mh_xmlscan_tag *tag,
                              const char *name, struct mh_xmlscan_attribute *attribute);

/* Where the element that tag opens ends: *content_end at the '<' of its end
 * tag, *element_end after that end tag's '>' (both tag->end for <name/>). */
int mh_xmlscan_element_extent(const char *text, size_t length, const struct mh_xmlscan_tag *tag,
                              size_t *content_end, size_t *element_end);

/* Start of the blank text (the indentation) right before a start tag, when
 * it follows markup; tag_start when there is none. */
size_t mh_xmlscan_indentation_start(const char *text, size_t tag_start);

/* XML white space; unlike strchr(" \t\r\n", c), never the NUL byte. */
bool mh_xmlscan_is_blank(char c);

#endif
