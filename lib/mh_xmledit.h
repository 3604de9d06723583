/* mh_xmledit.h - a list of small edits to a parsed XML document, applied
 * to the tree and, byte for byte, to the text it was parsed from, so that
 * whatever no edit touches (quote style, spacing, comments, namespaces,
 * attribute order, other tools' metadata) stays exactly as it was written.
 *
 * Edits name elements of the unmodified document and only attributes
 * without a namespace. Queue them all, then mh_xmledit_patch_text() (needs
 * the document still unmodified), then mh_xmledit_apply_tree(). */
#ifndef MH_XMLEDIT_H
#define MH_XMLEDIT_H

#include "mh_libxml.h"

#include <stdbool.h>
#include <stddef.h>

struct mh_error;
struct mh_xmledit_list;

/* A new, empty list (free with mh_xmledit_free), or NULL when out of memory. */
struct mh_xmledit_list *mh_xmledit_new(void);

void mh_xmledit_free(struct mh_xmledit_list *list);

size_t mh_xmledit_count(const struct mh_xmledit_list *list);

/* Queue an edit; strings are copied. Each returns 0, or -1 when out of
 * memory. */

/* Set attribute name to value: replaced where it stands, or appended. */
int mh_xmledit_set_attribute(struct mh_xmledit_list *list, xmlNode *element, const char *name,
                             const char *value);

/* Remove attribute name, which must exist. */
int mh_xmledit_remove_attribute(struct mh_xmledit_list *list, xmlNode *element,
                                const char *name);

/* Replace attribute name, which must exist, by new_name=value at the same
 * place (an interface's source network='x' becoming bridge='y'). */
int mh_xmledit_rename_attribute(struct mh_xmledit_list *list, xmlNode *element,
                                const char *name, const char *new_name, const char *value);

/* Replace the content of an element that holds only text. */
int mh_xmledit_set_text(struct mh_xmledit_list *list, xmlNode *element, const char *text);

/* Remove element, with the indentation in front of it. */
int mh_xmledit_remove_element(struct mh_xmledit_list *list, xmlNode *element);

/* Insert <new_element attribute='value'/> right after element, indented
 * like element. */
int mh_xmledit_insert_after(struct mh_xmledit_list *list, xmlNode *element,
                            const char *new_element, const char *attribute, const char *value);

/* The edits applied to text, which must be exactly what doc was parsed from
 * (doc not yet modified): a new NUL-terminated buffer in *out that the
 * caller frees. Fails (and the caller should serialize the tree instead)
 * when text and tree do not line up or two edits overlap. */
int mh_xmledit_patch_text(const struct mh_xmledit_list *list, xmlDoc *doc, const char *text,
                          size_t length, char **out, size_t *out_length, struct mh_error *err);

/* The edits applied to the tree. Removals go last, so an edit inside a
 * removed element is harmless. */
int mh_xmledit_apply_tree(const struct mh_xmledit_list *list, xmlDoc *doc,
                          struct mh_error *err);

/* True when a and b hold the same information: elements, namespaces and
 * their declarations, attributes in order, text (adjacent text nodes
 * joined), CDATA, comments and processing instructions. */
bool mh_xmledit_same_document(const xmlDoc *a, const xmlDoc *b);

#endif
