/* mh_xml.c - safe XML parsing and small tree accessors over libxml2. */
#include "mh_xml.h"
#include "mh_error.h"
#include "mh_string.h"

#include <ctype.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* libxml2 options: never the network; and, by leaving out XML_PARSE_NOENT,
 * XML_PARSE_DTDLOAD, XML_PARSE_DTDATTR, XML_PARSE_HUGE and XML_PARSE_XINCLUDE,
 * no entity substitution, no DTD, default size and depth limits. */
#define MH_XML_OPTIONS (XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING)

static _Thread_local bool saw_doctype;

static void refuse_doctype(void *context, const xmlChar *name, const xmlChar *external_id,
                           const xmlChar *system_id);
static bool is_uuid(const char *text);
static char *copy_and_free(xmlChar *value);

xmlDoc *
mh_xml_parse(const char *data, size_t length, const char *name, struct mh_error *err)
{
    xmlParserCtxt *context = NULL;
    xmlDoc *doc = NULL;

    if (mh_libxml_load(err) < 0)
        return NULL;
    if (length > INT_MAX) {
        mh_error_set(err, "%s: document too large", name);
        return NULL;
    }
    if (memchr(data, '\0', length)) {
        mh_error_set(err, "%s: contains a NUL byte", name);
        return NULL;
    }
    context = mh_libxml.xmlNewParserCtxt();
    if (!context) {
        mh_error_set(err, "%s: out of memory", name);
        return NULL;
    }
    /* Stop at the DOCTYPE itself, before libxml2 reads one declaration of
     * its internal subset: no entity is ever defined, let alone expanded. */
    context->sax->internalSubset = refuse_doctype;
    saw_doctype = false;
    doc = mh_libxml.xmlCtxtReadMemory(context, data, (int)length, name, NULL, MH_XML_OPTIONS);
    if (saw_doctype) {
        mh_error_set(err, "%s: has a DOCTYPE declaration; documents with DTDs or entities are "
                     "refused", name);
        goto failed;
    }
    if (!doc || !context->wellFormed) {
        const xmlError *last = mh_libxml.xmlCtxtGetLastError(context);
        char reason[256] = "not well-formed";

        if (last && last->message) {
            mh_string_copy(reason, sizeof(reason), last->message);
            reason[strcspn(reason, "\n")] = '\0';
        }
        if (last)
            mh_error_set(err, "%s:%d:%d: %s", name, last->line, last->int2, reason);
        else
            mh_error_set(err, "%s: %s", name, reason);
        goto failed;
    }
    if (!mh_libxml.xmlDocGetRootElement(doc)) {
        mh_error_set(err, "%s: no root element", name);
        goto failed;
    }
    mh_libxml.xmlFreeParserCtxt(context);
    return doc;

failed:
    if (doc)
        mh_libxml.xmlFreeDoc(doc);
    mh_libxml.xmlFreeParserCtxt(context);
    return NULL;
}

void
mh_xml_free_doc(xmlDoc *doc)
{
    if (doc)
        mh_libxml.xmlFreeDoc(doc);
}

xmlNode *
mh_xml_child(const xmlNode *parent, const char *name)
{
    if (!parent)
        return NULL;
    for (xmlNode *node = parent->children; node; node = node->next) {
        if (node->type == XML_ELEMENT_NODE && strcmp((const char *)node->name, name) == 0)
            return node;
    }
    return NULL;
}

xmlNode *
mh_xml_next(const xmlNode *node, const char *name)
{
    for (xmlNode *next = node->next; next; next = next->next) {
        if (next->type == XML_ELEMENT_NODE && strcmp((const char *)next->name, name) == 0)
            return next;
    }
    return NULL;
}

char *
mh_xml_attribute(const xmlNode *node, const char *name)
{
    if (!node)
        return NULL;
    return copy_and_free(mh_libxml.xmlGetNoNsProp(node, (const xmlChar *)name));
}

char *
mh_xml_text(const xmlNode *node)
{
    if (!node)
        return NULL;
    return copy_and_free(mh_libxml.xmlNodeGetContent(node));
}

int
mh_xml_domain_identity(xmlDoc *doc, char *name, size_t name_size,
                       char uuid[MH_UUID_LENGTH + 1], struct mh_error *err)
{
    xmlNode *root = mh_libxml.xmlDocGetRootElement(doc);
    char *name_text = NULL;
    char *uuid_text = NULL;
    int ret = -1;

    if (!root || strcmp((const char *)root->name, "domain") != 0) {
        mh_error_set(err, "domain XML: root element is not <domain>");
        goto cleanup;
    }
    name_text = mh_xml_text(mh_xml_child(root, "name"));
    uuid_text = mh_xml_text(mh_xml_child(root, "uuid"));
    if (!name_text || !*name_text) {
        mh_error_set(err, "domain XML: no <name>");
        goto cleanup;
    }
    if (!uuid_text || !is_uuid(uuid_text)) {
        mh_error_set(err, "domain XML: missing or malformed <uuid>");
        goto cleanup;
    }
    if (mh_string_copy(name, name_size, name_text) < 0) {
        mh_error_set(err, "domain XML: <name> longer than %zu bytes", name_size - 1);
        goto cleanup;
    }
    for (size_t i = 0; i <= MH_UUID_LENGTH; i++)
        uuid[i] = (char)tolower((unsigned char)uuid_text[i]);
    ret = 0;

cleanup:
    free(name_text);
    free(uuid_text);
    return ret;
}

int
mh_xml_serialize(xmlDoc *doc, char **data, size_t *length, struct mh_error *err)
{
    xmlBuffer *buffer = mh_libxml.xmlBufferCreate();
    xmlSaveCtxt *save = NULL;
    int ret = -1;

    if (!buffer) {
        mh_error_set(err, "out of memory serializing XML");
        return -1;
    }
    save = mh_libxml.xmlSaveToBuffer(buffer, "UTF-8", XML_SAVE_NO_DECL);
    if (!save || mh_libxml.xmlSaveDoc(save, doc) < 0) {
        mh_error_set(err, "cannot serialize XML");
        if (save)
            mh_libxml.xmlSaveClose(save);
        goto cleanup;
    }
    mh_libxml.xmlSaveClose(save);
    *length = (size_t)mh_libxml.xmlBufferLength(buffer);
    *data = malloc(*length + 1);
    if (!*data) {
        mh_error_set(err, "out of memory serializing XML");
        goto cleanup;
    }
    memcpy(*data, mh_libxml.xmlBufferContent(buffer), *length);
    (*data)[*length] = '\0';
    ret = 0;

cleanup:
    mh_libxml.xmlBufferFree(buffer);
    return ret;
}

static void
refuse_doctype(void *context, const xmlChar *name, const xmlChar *external_id,
               const xmlChar *system_id)
{
    (void)name;
    (void)external_id;
    (void)system_id;
    saw_doctype = true;
    mh_libxml.xmlStopParser(context);
}

/* 8-4-4-4-12 hex digits, as libvirt writes them. */
static bool
is_uuid(const char *text)
{
    if (strlen(text) != MH_UUID_LENGTH)
        return false;
    for (size_t i = 0; i < MH_UUID_LENGTH; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (text[i] != '-')
                return false;
        } else if (!isxdigit((unsigned char)text[i])) {
            return false;
        }
    }
    return true;
}

static char *
copy_and_free(xmlChar *value)
{
    char *copy;

    if (!value)
        return NULL;
    copy = strdup((const char *)value);
    mh_libxml_free(value);
    return copy;
}
