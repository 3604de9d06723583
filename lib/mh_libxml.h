/* mh_libxml.h - the libxml2 functions migrate-hooks uses, loaded on demand.
 *
 * Call them as mh_libxml.xmlSetProp(...) after mh_libxml_load() (mh_xml_parse
 * does that). To use another libxml2 function, add it to the list. */
#ifndef MH_LIBXML_H
#define MH_LIBXML_H

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlsave.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

struct mh_error;

#define MH_LIBXML_FUNCTIONS(X) \
    X(xmlInitParser) \
    X(xmlNewParserCtxt) \
    X(xmlFreeParserCtxt) \
    X(xmlCtxtReadMemory) \
    X(xmlCtxtGetLastError) \
    X(xmlStopParser) \
    X(xmlSetStructuredErrorFunc) \
    X(xmlSetGenericErrorFunc) \
    X(xmlFreeDoc) \
    X(xmlDocGetRootElement) \
    X(xmlGetProp) \
    X(xmlGetNoNsProp) \
    X(xmlGetNsProp) \
    X(xmlHasProp) \
    X(xmlSetProp) \
    X(xmlUnsetProp) \
    X(xmlNodeGetContent) \
    X(xmlNodeSetContent) \
    X(xmlNewDocNode) \
    X(xmlNewNode) \
    X(xmlNewChild) \
    X(xmlNewText) \
    X(xmlNewDocText) \
    X(xmlAddChild) \
    X(xmlAddNextSibling) \
    X(xmlAddPrevSibling) \
    X(xmlUnlinkNode) \
    X(xmlFreeNode) \
    X(xmlCopyNode) \
    X(xmlSearchNsByHref) \
    X(xmlNewNs) \
    X(xmlSetNs) \
    X(xmlGetNodePath) \
    X(xmlBufferCreate) \
    X(xmlBufferFree) \
    X(xmlBufferContent) \
    X(xmlBufferLength) \
    X(xmlNodeDump) \
    X(xmlDocDumpMemory) \
    X(xmlSaveToBuffer) \
    X(xmlSaveDoc) \
    X(xmlSaveTree) \
    X(xmlSaveClose) \
    X(xmlXPathNewContext) \
    X(xmlXPathFreeContext) \
    X(xmlXPathEvalExpression) \
    X(xmlXPathFreeObject) \
    X(xmlXPathRegisterNs) \
    X(xmlNodeSetName)

struct mh_libxml_table {
#define MH_LIBXML_SLOT(name) __typeof__(name) *name;
    MH_LIBXML_FUNCTIONS(MH_LIBXML_SLOT)
#undef MH_LIBXML_SLOT
    /* libxml2 exports xmlFree as a variable; this points at it. */
    xmlFreeFunc *xmlFree;
};

extern struct mh_libxml_table mh_libxml;

/* Load libxml2 and fill mh_libxml; cheap after the first call. */
int mh_libxml_load(struct mh_error *err);

/* Free memory that libxml2 allocated (xmlGetProp, xmlNodeGetContent...). */
void mh_libxml_free(void *memory);

#endif
