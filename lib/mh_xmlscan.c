/* mh_xmlscan.c - locate elements and attributes in XML source text. */
#include "mh_xmlscan.h"

#include <string.h>

enum markup_kind { MARKUP_START, MARKUP_END, MARKUP_OTHER };

struct markup {
    enum markup_kind kind;
    size_t end;             /* after the markup */
    struct mh_xmlscan_tag tag;  /* MARKUP_START */
};

static int scan_markup(const char *text, size_t length, size_t p, struct markup *markup);
static int parse_start_tag(const char *text, size_t length, size_t start,
                           struct mh_xmlscan_tag *tag);

int
mh_xmlscan_next_start_tag(struct mh_xmlscan *scanner, struct mh_xmlscan_tag *tag)
{
    for (;;) {
        const char *found = memchr(scanner->text + scanner->position, '<',
                                   scanner->length - scanner->position);
        struct markup markup;

        if (!found || scan_markup(scanner->text, scanner->length,
                                  (size_t)(found - scanner->text), &markup) < 0)
            return -1;
        scanner->position = markup.end;
        if (markup.kind == MARKUP_START) {
            *tag = markup.tag;
            return 0;
        }
    }
}

int
mh_xmlscan_find_attribute(const char *text, const struct mh_xmlscan_tag *tag, const char *name,
                          struct mh_xmlscan_attribute *attribute)
{
    size_t name_length = strlen(name);
    size_t p = tag->name_end;

    while (p < tag->attributes_end) {
        size_t name_start, name_end;
        const char *close;

        while (mh_xmlscan_is_blank(text[p]))
            p++;
        name_start = p;
        while (!mh_xmlscan_is_blank(text[p]) && text[p] != '=')
            p++;
        name_end = p;
        while (text[p] != '\'' && text[p] != '"')
            p++;
        close = memchr(text + p + 1, text[p], tag->attributes_end - p - 1);
        if (!close)
            return -1;
        if (name_end - name_start == name_length &&
            memcmp(text + name_start, name, name_length) == 0) {
            attribute->start = name_start;
            attribute->value_start = p + 1;
            attribute->value_end = (size_t)(close - text);
            attribute->quote = text[p];
            return 0;
        }
        p = (size_t)(close - text) + 1;
    }
    return -1;
}

int
mh_xmlscan_element_extent(const char *text, size_t length, const struct mh_xmlscan_tag *tag,
                          size_t *content_end, size_t *element_end)
{
    size_t depth = 1;
    size_t p = tag->end;

    if (tag->empty) {
        *content_end = *element_end = tag->end;
        return 0;
    }
    while (p < length) {
        const char *found = memchr(text + p, '<', length - p);
        struct markup markup;

        if (!found || scan_markup(text, length, (size_t)(found - text), &markup) < 0)
            return -1;
        if (markup.kind == MARKUP_START && !markup.tag.empty) {
            depth++;
        } else if (markup.kind == MARKUP_END && --depth == 0) {
            *content_end = (size_t)(found - text);
            *element_end = markup.end;
            return 0;
        }
        p = markup.end;
    }
    return -1;
}

size_t
mh_xmlscan_indentation_start(const char *text, size_t tag_start)
{
    size_t p = tag_start;

    while (p > 0 && mh_xmlscan_is_blank(text[p - 1]))
        p--;
    if (p == tag_start || p == 0 || text[p - 1] != '>')
        return tag_start;
    return p;
}

bool
mh_xmlscan_is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* What kind of markup starts at text[p] ('<'), and where it ends. */
static int
scan_markup(const char *text, size_t length, size_t p, struct markup *markup)
{
    static const struct {
        const char *open, *close;
    } skipped[] = {
        { "<!--", "-->" }, { "<![CDATA[", "]]>" }, { "<?", "?>" },
    };
    const char *close;

    for (size_t i = 0; i < sizeof(skipped) / sizeof(skipped[0]); i++) {
        size_t open_length = strlen(skipped[i].open);
        size_t close_length = strlen(skipped[i].close);

        if (length - p >= open_length && memcmp(text + p, skipped[i].open, open_length) == 0) {
            close = memmem(text + p + open_length, length - p - open_length, skipped[i].close,
                           close_length);
            if (!close)
                return -1;
            markup->kind = MARKUP_OTHER;
            markup->end = (size_t)(close - text) + close_length;
            return 0;
        }
    }
    if (length - p >= 2 && text[p + 1] == '!')
        return -1;  /* a DOCTYPE, which the parser refused */
    if (length - p >= 2 && text[p + 1] == '/') {
        close = memchr(text + p, '>', length - p);
        if (!close)
            return -1;
        markup->kind = MARKUP_END;
        markup->end = (size_t)(close - text) + 1;
        return 0;
    }
    if (parse_start_tag(text, length, p, &markup->tag) < 0)
        return -1;
    markup->kind = MARKUP_START;
    markup->end = markup->tag.end;
    return 0;
}

/* The start tag at text[start]: its name, attributes (name = "value" with
 * optional blanks around '=') and end. */
static int
parse_start_tag(const char *text, size_t length, size_t start, struct mh_xmlscan_tag *tag)
{
    size_t p = start + 1;

    memset(tag, 0, sizeof(*tag));
    tag->start = start;
    while (p < length && !mh_xmlscan_is_blank(text[p]) && text[p] != '/' && text[p] != '>')
        p++;
    tag->name_end = tag->attributes_end = p;
    for (;;) {
        const char *close;

        while (p < length && mh_xmlscan_is_blank(text[p]))
            p++;
        if (p >= length)
            return -1;
        if (text[p] == '>') {
            tag->end = p + 1;
            return 0;
        }
        if (text[p] == '/') {
            if (p + 1 >= length || text[p + 1] != '>')
                return -1;
            tag->empty = true;
            tag->end = p + 2;
            return 0;
        }
        /* name = "value", with optional spaces around '=' */
        while (p < length && !mh_xmlscan_is_blank(text[p]) && text[p] != '=')
            p++;
        while (p < length && mh_xmlscan_is_blank(text[p]))
            p++;
        if (p >= length || text[p] != '=')
            return -1;
        p++;
        while (p < length && mh_xmlscan_is_blank(text[p]))
            p++;
        if (p >= length || (text[p] != '\'' && text[p] != '"'))
            return -1;
        if (!tag->quote)
            tag->quote = text[p];
        close = memchr(text + p + 1, text[p], length - p - 1);
        if (!close)
            return -1;
        p = (size_t)(close - text) + 1;
        tag->attributes_end = p;
    }
}
