/* mh_xml.h - the one place XML is parsed: no network, no entities, no DTDs,
 * no DOCTYPE at all, bounded depth; plus small tree accessors. */
#ifndef MH_XML_H
#define MH_XML_H

#include "mh_libxml.h"

#include <stdbool.h>
#include <stddef.h>

struct mh_error;

#define MH_UUID_LENGTH 36
/* A domain's <name> as the hook keeps it, with its terminating NUL. */
#define MH_XML_NAME_SIZE 256

/* What the stages that need only a domain's identity read of its XML. */
struct mh_xml_summary {
    char name[MH_XML_NAME_SIZE];
    char uuid[MH_UUID_LENGTH + 1];      /* lower case */
    /* The migrate-hooks cookie elements in the first <metadata> (any prefix
     * of its namespace; see mh_cookie_find), and of the first of them: */
    int cookie_count;
    char *cookie_version;               /* its attributes; NULL when absent */
    char *cookie_hmac;
    char *cookie_text;                  /* its text and CDATA, concatenated */
    bool cookie_only_text;              /* it holds no element, comment or PI */
};

/* Parse length bytes of XML into a new document (free with mh_xml_free_doc).
 * Refuses a DOCTYPE before any entity in it is read, NUL bytes, nesting
 * deeper than libxml2's default limit (256), and anything not well-formed,
 * namespace errors included (an unbound prefix...; see note_namespace_error).
 * Errors name the line and column and never quote the document. */
xmlDoc *mh_xml_parse(const char *data, size_t length, const char *name, struct mh_error *err);

void mh_xml_free_doc(xmlDoc *doc);

/* First element child of parent called name (any namespace when the name
 * has no prefix match needed), or NULL. */
xmlNode *mh_xml_child(const xmlNode *parent, const char *name);

/* Next element sibling after node called name, or NULL. */
xmlNode *mh_xml_next(const xmlNode *node, const char *name);

/* Value of attribute name (no namespace) as a new string the caller frees
 * with free(), or NULL when absent. */
char *mh_xml_attribute(const xmlNode *node, const char *name);

/* Text content of node as a new string the caller frees with free(). */
char *mh_xml_text(const xmlNode *node);

/* The <domain> root's name and uuid, copied into the caller's buffers.
 * Returns -1 when the root is not <domain> or either is missing or invalid. */
int mh_xml_domain_identity(xmlDoc *doc, char *name, size_t name_size,
                           char uuid[MH_UUID_LENGTH + 1], struct mh_error *err);

/* The same identity as mh_xml_parse + mh_xml_domain_identity (name, uuid)
 * + mh_cookie_find (cookie) give, read with expat without building a tree,
 * so that a stage that needs only that never loads libxml2. The whole
 * document is read, and every document mh_xml_parse refuses is refused,
 * with the same identity messages and "domain XML:LINE:COLUMN: reason" for
 * the others. It refuses more in two cases only: an encoding other than
 * UTF-8 (libxml2 converts one), and start tags of 9000000 bytes or more.
 * On success the summary owns its strings (mh_xml_summary_free); on error
 * it is left empty. */
int mh_xml_domain_summary(const char *data, size_t length, struct mh_xml_summary *summary,
                          struct mh_error *err);

void mh_xml_summary_free(struct mh_xml_summary *summary);

/* Serialize doc without an XML declaration (libvirt writes none) into a new
 * buffer the caller frees with free(). */
int mh_xml_serialize(xmlDoc *doc, char **data, size_t *length, struct mh_error *err);

#endif
