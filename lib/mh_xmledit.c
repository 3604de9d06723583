/* mh_xmledit.c - apply small edits to an XML tree and to its source text. */
#include "mh_xmledit.h"
#include "mh_buffer.h"
#include "mh_error.h"
#include "mh_xmlscan.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

enum kind {
    SET_ATTRIBUTE,
    REMOVE_ATTRIBUTE,
    RENAME_ATTRIBUTE,
    SET_TEXT,
    REMOVE_ELEMENT,
    INSERT_AFTER,
};

struct edit {
    enum kind kind;
    xmlNode *element;
    char *name;         /* the attribute; INSERT_AFTER: the new element */
    char *other;        /* RENAME_ATTRIBUTE: new name; INSERT_AFTER: its attribute */
    char *value;
};

struct mh_xmledit_list {
    struct edit *edits;
    size_t count;
    size_t capacity;
};

/* Replace text[start, end) by replacement (owned); ordered by start, then
 * by the order the edits were queued. */
struct operation {
    size_t start;
    size_t end;
    char *replacement;
    size_t order;
};

struct patch {
    struct operation *operations;
    size_t count;
    size_t capacity;
};

static int add_edit(struct mh_xmledit_list *list, enum kind kind, xmlNode *element,
                    const char *name, const char *other, const char *value);
static int locate_tags(const struct mh_xmledit_list *list, xmlDoc *doc, const char *text,
                       size_t length, struct mh_xmlscan_tag *tags, struct mh_error *err);
static int plan_edit(const struct edit *edit, const struct mh_xmlscan_tag *tag, const char *text,
                     size_t length, size_t order, struct patch *patch, struct mh_error *err);
static bool name_matches(const xmlNode *node, const char *text, size_t start, size_t end);
static xmlNode *next_in_document(xmlNode *node);
static int add_operation(struct patch *patch, size_t start, size_t end, char *replacement,
                         size_t order);
static int compare_operations(const void *a, const void *b);
static int compare_edit_elements(const void *a, const void *b);
static int compare_nodes(const void *a, const void *b);
static void append_escaped(struct mh_buffer *out, const char *value, char quote);
static void append_attribute(struct mh_buffer *out, const char *name, const char *value,
                             char quote, bool space);
static xmlAttr *find_property(xmlNode *element, const char *name);
static bool is_blank_text(const xmlNode *node);
static void free_children(xmlNode *element);
static int apply_one(const struct edit *edit, xmlDoc *doc, struct mh_error *err);
static void remove_element(xmlNode *element);
static bool same_node(const xmlNode *a, const xmlNode *b);
static bool same_children(const xmlNode *a, const xmlNode *b);
static bool same_attributes(const xmlAttr *a, const xmlAttr *b);
static bool same_namespace_declarations(const xmlNs *a, const xmlNs *b);
static bool same_string(const xmlChar *a, const xmlChar *b);
static char *text_run(const xmlNode **node);

struct mh_xmledit_list *
mh_xmledit_new(void)
{
    return calloc(1, sizeof(struct mh_xmledit_list));
}

void
mh_xmledit_free(struct mh_xmledit_list *list)
{
    if (!list)
        return;
    for (size_t i = 0; i < list->count; i++) {
        free(list->edits[i].name);
        free(list->edits[i].other);
        free(list->edits[i].value);
    }
    free(list->edits);
    free(list);
}

size_t
mh_xmledit_count(const struct mh_xmledit_list *list)
{
    return list->count;
}

int
mh_xmledit_set_attribute(struct mh_xmledit_list *list, xmlNode *element, const char *name,
                         const char *value)
{
    return add_edit(list, SET_ATTRIBUTE, element, name, NULL, value);
}

int
mh_xmledit_remove_attribute(struct mh_xmledit_list *list, xmlNode *element, const char *name)
{
    return add_edit(list, REMOVE_ATTRIBUTE, element, name, NULL, NULL);
}

int
mh_xmledit_rename_attribute(struct mh_xmledit_list *list, xmlNode *element, const char *name,
                            const char *new_name, const char *value)
{
    return add_edit(list, RENAME_ATTRIBUTE, element, name, new_name, value);
}

int
mh_xmledit_set_text(struct mh_xmledit_list *list, xmlNode *element, const char *text)
{
    return add_edit(list, SET_TEXT, element, NULL, NULL, text);
}

int
mh_xmledit_remove_element(struct mh_xmledit_list *list, xmlNode *element)
{
    return add_edit(list, REMOVE_ELEMENT, element, NULL, NULL, NULL);
}

int
mh_xmledit_insert_after(struct mh_xmledit_list *list, xmlNode *element, const char *new_element,
                        const char *attribute, const char *value)
{
    return add_edit(list, INSERT_AFTER, element, new_element, attribute, value);
}

int
mh_xmledit_patch_text(const struct mh_xmledit_list *list, xmlDoc *doc, const char *text,
                      size_t length, char **out, size_t *out_length, struct mh_error *err)
{
    struct patch patch = { 0 };
    struct mh_xmlscan_tag *tags = NULL;
    char *result = NULL;
    size_t size = length;
    size_t used = 0;
    size_t copied = 0;
    int ret = -1;

    *out = NULL;
    /* The parser refuses NUL bytes; text holding one is not what doc was
     * parsed from. */
    if (memchr(text, '\0', length)) {
        mh_error_set(err, "the text holds a NUL byte");
        return -1;
    }
    tags = calloc(list->count ? list->count : 1, sizeof(*tags));
    if (!tags) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    if (locate_tags(list, doc, text, length, tags, err) < 0)
        goto cleanup;
    for (size_t i = 0; i < list->count; i++) {
        if (plan_edit(&list->edits[i], &tags[i], text, length, i, &patch, err) < 0)
            goto cleanup;
    }
    qsort(patch.operations, patch.count, sizeof(*patch.operations), compare_operations);
    for (size_t i = 0; i < patch.count; i++) {
        const struct operation *operation = &patch.operations[i];

        if (i > 0 && operation->start < patch.operations[i - 1].end) {
            mh_error_set(err, "two edits overlap at byte %zu", operation->start);
            goto cleanup;
        }
        size = size - (operation->end - operation->start) + strlen(operation->replacement);
    }
    result = malloc(size + 1);
    if (!result) {
        mh_error_set(err, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < patch.count; i++) {
        const struct operation *operation = &patch.operations[i];
        size_t replacement_length = strlen(operation->replacement);

        memcpy(result + used, text + copied, operation->start - copied);
        used += operation->start - copied;
        memcpy(result + used, operation->replacement, replacement_length);
        used += replacement_length;
        copied = operation->end;
    }
    memcpy(result + used, text + copied, length - copied);
    used += length - copied;
    result[used] = '\0';
    *out = result;
    *out_length = used;
    result = NULL;
    ret = 0;

cleanup:
    for (size_t i = 0; i < patch.count; i++)
        free(patch.operations[i].replacement);
    free(patch.operations);
    free(tags);
    free(result);
    return ret;
}

int
mh_xmledit_apply_tree(const struct mh_xmledit_list *list, xmlDoc *doc, struct mh_error *err)
{
    xmlNode **removed = NULL;
    bool *skip = NULL;
    size_t removed_count = 0;
    int ret = -1;

    for (size_t i = 0; i < list->count; i++) {
        if (list->edits[i].kind != REMOVE_ELEMENT && apply_one(&list->edits[i], doc, err) < 0)
            return -1;
    }
    removed = calloc(list->count ? list->count : 1, sizeof(*removed));
    skip = calloc(list->count ? list->count : 1, sizeof(*skip));
    if (!removed || !skip) {
        mh_error_set(err, "out of memory");
        goto cleanup;
    }
    for (size_t i = 0; i < list->count; i++) {
        if (list->edits[i].kind == REMOVE_ELEMENT)
            removed[removed_count++] = list->edits[i].element;
    }
    /* Freeing an element frees what is inside it: an element queued twice,
     * or inside another removed one, must not be freed again. */
    qsort(removed, removed_count, sizeof(*removed), compare_nodes);
    for (size_t i = 0; i < removed_count; i++) {
        bool inside = i > 0 && removed[i] == removed[i - 1];

        for (xmlNode *up = removed[i]->parent; up && !inside; up = up->parent)
            inside = bsearch(&up, removed, removed_count, sizeof(*removed),
                             compare_nodes) != NULL;
        /* Decided for all before freeing any: the search reads addresses. */
        skip[i] = inside;
    }
    for (size_t i = 0; i < removed_count; i++) {
        if (!skip[i])
            remove_element(removed[i]);
    }
    ret = 0;

cleanup:
    free(removed);
    free(skip);
    return ret;
}

bool
mh_xmledit_same_document(const xmlDoc *a, const xmlDoc *b)
{
    return same_children((const xmlNode *)a, (const xmlNode *)b);
}

static int
add_edit(struct mh_xmledit_list *list, enum kind kind, xmlNode *element, const char *name,
         const char *other, const char *value)
{
    struct edit *edit;

    if (list->count == list->capacity) {
        size_t capacity = list->capacity ? list->capacity * 2 : 16;
        struct edit *edits = realloc(list->edits, capacity * sizeof(*edits));

        if (!edits)
            return -1;
        list->edits = edits;
        list->capacity = capacity;
    }
    edit = &list->edits[list->count];
    memset(edit, 0, sizeof(*edit));
    edit->kind = kind;
    edit->element = element;
    if ((name && !(edit->name = strdup(name))) || (other && !(edit->other = strdup(other))) ||
        (value && !(edit->value = strdup(value)))) {
        free(edit->name);
        free(edit->other);
        free(edit->value);
        return -1;
    }
    list->count++;
    return 0;
}

/* Walk the tree's elements in document order and the text's start tags in
 * step: the Nth element is the Nth start tag (no DOCTYPE, hence no entity,
 * can add elements the text does not show). tags[i] gets the tag of
 * edits[i]'s element. */
static int
locate_tags(const struct mh_xmledit_list *list, xmlDoc *doc, const char *text, size_t length,
            struct mh_xmlscan_tag *tags, struct mh_error *err)
{
    struct mh_xmlscan scanner = { .text = text, .length = length, .position = 0 };
    const struct edit **sorted = calloc(list->count ? list->count : 1, sizeof(*sorted));
    size_t found = 0;
    int ret = -1;

    if (!sorted) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    for (size_t i = 0; i < list->count; i++)
        sorted[i] = &list->edits[i];
    qsort(sorted, list->count, sizeof(*sorted), compare_edit_elements);

    for (xmlNode *node = mh_libxml.xmlDocGetRootElement(doc); node && found < list->count;
         node = next_in_document(node)) {
        const struct edit key = { .element = node };
        const struct edit *key_pointer = &key;
        const struct edit **match;
        struct mh_xmlscan_tag tag;

        if (node->type != XML_ELEMENT_NODE)
            continue;
        if (mh_xmlscan_next_start_tag(&scanner, &tag) < 0 ||
            !name_matches(node, text, tag.start + 1, tag.name_end)) {
            mh_error_set(err, "the text does not match the document at <%s>",
                         (const char *)node->name);
            goto cleanup;
        }
        match = bsearch(&key_pointer, sorted, list->count, sizeof(*sorted),
                        compare_edit_elements);
        if (!match)
            continue;
        while (match > sorted && match[-1]->element == node)
            match--;
        for (; match < sorted + list->count && (*match)->element == node; match++) {
            tags[*match - list->edits] = tag;
            found++;
        }
    }
    if (found < list->count) {
        mh_error_set(err, "an edited element is not in the document");
        goto cleanup;
    }
    ret = 0;

cleanup:
    free(sorted);
    return ret;
}

/* Turn one edit into byte operations on the text. */
static int
plan_edit(const struct edit *edit, const struct mh_xmlscan_tag *tag, const char *text, size_t length,
          size_t order, struct patch *patch, struct mh_error *err)
{
    struct mh_buffer out = { 0 };
    struct mh_xmlscan_attribute attribute = { 0 };
    char *replacement;
    size_t content_end = 0, element_end = 0, start = 0, end = 0;
    char quote = tag->quote ? tag->quote : '\'';
    bool found;

    if (edit->kind == SET_TEXT || edit->kind == REMOVE_ELEMENT || edit->kind == INSERT_AFTER) {
        if (mh_xmlscan_element_extent(text, length, tag, &content_end, &element_end) < 0) {
            mh_error_set(err, "no end tag for an edited element in the text");
            return -1;
        }
    }
    found = (edit->kind == SET_ATTRIBUTE || edit->kind == REMOVE_ATTRIBUTE ||
             edit->kind == RENAME_ATTRIBUTE) &&
            mh_xmlscan_find_attribute(text, tag, edit->name, &attribute) == 0;
    switch (edit->kind) {
    case SET_ATTRIBUTE:
        if (found) {
            start = attribute.value_start;
            end = attribute.value_end;
            append_escaped(&out, edit->value, attribute.quote);
        } else {
            start = end = tag->attributes_end;
            append_attribute(&out, edit->name, edit->value, quote, true);
        }
        break;
    case REMOVE_ATTRIBUTE:
    case RENAME_ATTRIBUTE:
        if (!found) {
            mh_error_set(err, "no attribute %s in the text", edit->name);
            return -1;
        }
        start = attribute.start;
        end = attribute.value_end + 1;
        if (edit->kind == RENAME_ATTRIBUTE) {
            append_attribute(&out, edit->other, edit->value, attribute.quote, false);
        } else {
            while (start > tag->name_end && mh_xmlscan_is_blank(text[start - 1]))
                start--;
        }
        break;
    case SET_TEXT:
        if (tag->empty) {
            /* <name/> becomes <name>text</name>. */
            start = tag->end - 2;
            end = tag->end;
            mh_buffer_append(&out, ">", 1);
            append_escaped(&out, edit->value, 0);
            mh_buffer_append(&out, "</", 2);
            mh_buffer_append(&out, text + tag->start + 1, tag->name_end - tag->start - 1);
            mh_buffer_append(&out, ">", 1);
        } else {
            start = tag->end;
            end = content_end;
            append_escaped(&out, edit->value, 0);
        }
        break;
    case REMOVE_ELEMENT:
        start = mh_xmlscan_indentation_start(text, tag->start);
        end = element_end;
        break;
    case INSERT_AFTER:
        start = end = element_end;
        content_end = mh_xmlscan_indentation_start(text, tag->start);
        mh_buffer_append(&out, text + content_end, tag->start - content_end);
        mh_buffer_append(&out, "<", 1);
        mh_buffer_append(&out, edit->name, strlen(edit->name));
        append_attribute(&out, edit->other, edit->value, quote, true);
        mh_buffer_append(&out, "/>", 2);
        break;
    }
    replacement = mh_buffer_take(&out, NULL);
    if (!replacement) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    /* add_operation owns replacement from here, even when it fails. */
    if (add_operation(patch, start, end, replacement, order) < 0) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    return 0;
}

static bool
name_matches(const xmlNode *node, const char *text, size_t start, size_t end)
{
    size_t length = end - start;
    size_t local_length = strlen((const char *)node->name);

    if (node->ns && node->ns->prefix) {
        size_t prefix_length = strlen((const char *)node->ns->prefix);

        return length == prefix_length + 1 + local_length &&
               memcmp(text + start, node->ns->prefix, prefix_length) == 0 &&
               text[start + prefix_length] == ':' &&
               memcmp(text + start + prefix_length + 1, node->name, local_length) == 0;
    }
    return length == local_length && memcmp(text + start, node->name, length) == 0;
}

/* The node after node in document order, without recursion. */
static xmlNode *
next_in_document(xmlNode *node)
{
    if (node->type == XML_ELEMENT_NODE && node->children)
        return node->children;
    while (node) {
        if (node->next)
            return node->next;
        node = node->parent;
        if (node && node->type != XML_ELEMENT_NODE)
            return NULL;
    }
    return NULL;
}

static int
add_operation(struct patch *patch, size_t start, size_t end, char *replacement, size_t order)
{
    if (patch->count == patch->capacity) {
        size_t capacity = patch->capacity ? patch->capacity * 2 : 16;
        struct operation *operations = realloc(patch->operations, capacity * sizeof(*operations));

        if (!operations) {
            free(replacement);
            return -1;
        }
        patch->operations = operations;
        patch->capacity = capacity;
    }
    patch->operations[patch->count++] = (struct operation){
        .start = start, .end = end, .replacement = replacement, .order = order,
    };
    return 0;
}

static int
compare_operations(const void *a, const void *b)
{
    const struct operation *x = a, *y = b;

    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    /* An insertion at the start of a replaced range goes first. */
    if ((x->start == x->end) != (y->start == y->end))
        return x->start == x->end ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* Orders pointers to edits by the address of their element. */
static int
compare_edit_elements(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)(*(const struct edit *const *)a)->element;
    uintptr_t y = (uintptr_t)(*(const struct edit *const *)b)->element;

    return x < y ? -1 : x > y;
}

static int
compare_nodes(const void *a, const void *b)
{
    uintptr_t x = (uintptr_t)*(xmlNode *const *)a;
    uintptr_t y = (uintptr_t)*(xmlNode *const *)b;

    return x < y ? -1 : x > y;
}

/* Escape for an attribute quoted with quote, or for element text (quote 0).
 * Tabs and line ends in attributes become character references so that
 * attribute value normalization keeps them. */
static void
append_escaped(struct mh_buffer *out, const char *value, char quote)
{
    for (const char *v = value; *v; v++) {
        const char *piece = NULL;

        switch (*v) {
        case '&': piece = "&amp;"; break;
        case '<': piece = "&lt;"; break;
        case '>': piece = "&gt;"; break;
        case '\r': piece = "&#13;"; break;
        case '\'': piece = quote == '\'' ? "&apos;" : NULL; break;
        case '"': piece = quote == '"' ? "&quot;" : NULL; break;
        case '\t': piece = quote ? "&#9;" : NULL; break;
        case '\n': piece = quote ? "&#10;" : NULL; break;
        default: break;
        }
        if (piece)
            mh_buffer_append(out, piece, strlen(piece));
        else
            mh_buffer_append(out, v, 1);
    }
}

/* name='value', after a space when space is true. */
static void
append_attribute(struct mh_buffer *out, const char *name, const char *value, char quote,
                 bool space)
{
    if (space)
        mh_buffer_append(out, " ", 1);
    mh_buffer_append(out, name, strlen(name));
    mh_buffer_append(out, "=", 1);
    mh_buffer_append(out, &quote, 1);
    append_escaped(out, value, quote);
    mh_buffer_append(out, &quote, 1);
}

static xmlAttr *
find_property(xmlNode *element, const char *name)
{
    for (xmlAttr *attribute = element->properties; attribute; attribute = attribute->next) {
        if (!attribute->ns && strcmp((const char *)attribute->name, name) == 0)
            return attribute;
    }
    return NULL;
}

static bool
is_blank_text(const xmlNode *node)
{
    if (!node || node->type != XML_TEXT_NODE || !node->content)
        return false;
    for (const xmlChar *p = node->content; *p; p++) {
        if (!mh_xmlscan_is_blank((char)*p))
            return false;
    }
    return true;
}

static void
free_children(xmlNode *element)
{
    while (element->children) {
        xmlNode *child = element->children;

        mh_libxml.xmlUnlinkNode(child);
        mh_libxml.xmlFreeNode(child);
    }
}

static int
apply_one(const struct edit *edit, xmlDoc *doc, struct mh_error *err)
{
    xmlNode *element = edit->element;
    xmlAttr *attribute;
    xmlNode *node, *indent;

    switch (edit->kind) {
    case SET_ATTRIBUTE:
        if (!mh_libxml.xmlSetProp(element, (const xmlChar *)edit->name,
                                  (const xmlChar *)edit->value))
            goto failed;
        return 0;
    case REMOVE_ATTRIBUTE:
        if (mh_libxml.xmlUnsetProp(element, (const xmlChar *)edit->name) < 0)
            goto failed;
        return 0;
    case RENAME_ATTRIBUTE:
        attribute = find_property(element, edit->name);
        if (!attribute)
            goto failed;
        mh_libxml.xmlNodeSetName((xmlNode *)attribute, (const xmlChar *)edit->other);
        if (!mh_libxml.xmlSetProp(element, (const xmlChar *)edit->other,
                                  (const xmlChar *)edit->value))
            goto failed;
        return 0;
    case SET_TEXT:
        node = mh_libxml.xmlNewDocText(doc, (const xmlChar *)edit->value);
        if (!node)
            goto failed;
        free_children(element);
        mh_libxml.xmlAddChild(element, node);
        return 0;
    case INSERT_AFTER:
        node = mh_libxml.xmlNewDocNode(doc, NULL, (const xmlChar *)edit->name, NULL);
        if (!node)
            goto failed;
        if (!mh_libxml.xmlSetProp(node, (const xmlChar *)edit->other,
                                  (const xmlChar *)edit->value)) {
            mh_libxml.xmlFreeNode(node);
            goto failed;
        }
        /* Element first, then its indentation in front of it: adding a
         * text node next to another one would merge the two. */
        mh_libxml.xmlAddNextSibling(element, node);
        if (is_blank_text(element->prev)) {
            indent = mh_libxml.xmlNewDocText(doc, element->prev->content);
            if (!indent)
                goto failed;
            mh_libxml.xmlAddPrevSibling(node, indent);
        }
        return 0;
    case REMOVE_ELEMENT:
        break;
    }
failed:
    mh_error_set(err, "cannot edit <%s>", (const char *)element->name);
    return -1;
}

/* The element and its indentation, as the text side removes both. */
static void
remove_element(xmlNode *element)
{
    xmlNode *before = element->prev;

    if (is_blank_text(before)) {
        mh_libxml.xmlUnlinkNode(before);
        mh_libxml.xmlFreeNode(before);
    }
    mh_libxml.xmlUnlinkNode(element);
    mh_libxml.xmlFreeNode(element);
}

static bool
same_node(const xmlNode *a, const xmlNode *b)
{
    if (a->type != b->type)
        return false;
    switch (a->type) {
    case XML_ELEMENT_NODE:
        if (!same_string(a->name, b->name))
            return false;
        if ((a->ns == NULL) != (b->ns == NULL) ||
            (a->ns && (!same_string(a->ns->href, b->ns->href) ||
                       !same_string(a->ns->prefix, b->ns->prefix))))
            return false;
        return same_namespace_declarations(a->nsDef, b->nsDef) &&
               same_attributes(a->properties, b->properties) && same_children(a, b);
    case XML_CDATA_SECTION_NODE:
    case XML_COMMENT_NODE:
        return same_string(a->content, b->content);
    case XML_PI_NODE:
        return same_string(a->name, b->name) && same_string(a->content, b->content);
    default:
        /* Nothing else occurs in a document parsed without a DTD. */
        return false;
    }
}

/* Compare two child lists, joining adjacent text nodes: an edit can leave
 * two next to each other where a parser makes one. */
static bool
same_children(const xmlNode *a, const xmlNode *b)
{
    const xmlNode *x = a->children, *y = b->children;

    while (x && y) {
        if (x->type == XML_TEXT_NODE || y->type == XML_TEXT_NODE) {
            char *x_text, *y_text;
            bool same;

            if (x->type != XML_TEXT_NODE || y->type != XML_TEXT_NODE)
                return false;
            x_text = text_run(&x);
            y_text = text_run(&y);
            same = x_text && y_text && strcmp(x_text, y_text) == 0;
            free(x_text);
            free(y_text);
            if (!same)
                return false;
            continue;
        }
        if (!same_node(x, y))
            return false;
        x = x->next;
        y = y->next;
    }
    return !x && !y;
}

static bool
same_attributes(const xmlAttr *a, const xmlAttr *b)
{
    for (; a && b; a = a->next, b = b->next) {
        xmlChar *a_value, *b_value;
        bool same;

        if (!same_string(a->name, b->name) || (a->ns == NULL) != (b->ns == NULL) ||
            (a->ns && !same_string(a->ns->href, b->ns->href)))
            return false;
        /* Attribute values are one text node after parsing; compare those
         * directly and only build the full value otherwise. */
        if (a->children && !a->children->next && a->children->type == XML_TEXT_NODE &&
            b->children && !b->children->next && b->children->type == XML_TEXT_NODE) {
            if (!same_string(a->children->content, b->children->content))
                return false;
            continue;
        }
        a_value = mh_libxml.xmlNodeGetContent((const xmlNode *)a);
        b_value = mh_libxml.xmlNodeGetContent((const xmlNode *)b);
        same = same_string(a_value, b_value);
        mh_libxml_free(a_value);
        mh_libxml_free(b_value);
        if (!same)
            return false;
    }
    return !a && !b;
}

static bool
same_namespace_declarations(const xmlNs *a, const xmlNs *b)
{
    for (; a && b; a = a->next, b = b->next) {
        if (!same_string(a->prefix, b->prefix) || !same_string(a->href, b->href))
            return false;
    }
    return !a && !b;
}

static bool
same_string(const xmlChar *a, const xmlChar *b)
{
    if (!a || !b)
        return !a && !b;
    return strcmp((const char *)a, (const char *)b) == 0;
}

/* The joined content of the text nodes starting at *node, which moves past
 * them; a new string, or NULL when out of memory. */
static char *
text_run(const xmlNode **node)
{
    size_t length = 0;
    const xmlNode *n;
    char *out;

    for (n = *node; n && n->type == XML_TEXT_NODE; n = n->next)
        length += n->content ? strlen((const char *)n->content) : 0;
    out = malloc(length + 1);
    if (!out)
        return NULL;
    out[0] = '\0';
    length = 0;
    for (n = *node; n && n->type == XML_TEXT_NODE; n = n->next) {
        size_t piece = n->content ? strlen((const char *)n->content) : 0;

        memcpy(out + length, n->content, piece);
        length += piece;
    }
    out[length] = '\0';
    *node = n;
    return out;
}
