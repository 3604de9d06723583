/* mh_libexpat.h - the expat functions migrate-hooks uses, loaded on demand.
 *
 * The stages that need only a domain's identity (name, uuid, cookie) read
 * it with expat (mh_xml_domain_summary): loading libexpat costs a hook call
 * about 0.4 ms where libxml2, with ICU and libstdc++ behind it, costs 3.5.
 * Call them as mh_libexpat.XML_Parse(...) after mh_libexpat_load(). To use
 * another expat function, add it to the list. */
#ifndef MH_LIBEXPAT_H
#define MH_LIBEXPAT_H

#include <expat.h>

struct mh_error;

#define MH_LIBEXPAT_FUNCTIONS(X) \
    X(XML_ParserCreateNS) \
    X(XML_ParserFree) \
    X(XML_SetUserData) \
    X(XML_SetReturnNSTriplet) \
    X(XML_SetElementHandler) \
    X(XML_SetCharacterDataHandler) \
    X(XML_SetCommentHandler) \
    X(XML_SetCdataSectionHandler) \
    X(XML_SetProcessingInstructionHandler) \
    X(XML_SetStartNamespaceDeclHandler) \
    X(XML_SetStartDoctypeDeclHandler) \
    X(XML_SetXmlDeclHandler) \
    X(XML_SetParamEntityParsing) \
    X(XML_Parse) \
    X(XML_StopParser) \
    X(XML_GetErrorCode) \
    X(XML_ErrorString) \
    X(XML_GetCurrentLineNumber) \
    X(XML_GetCurrentColumnNumber) \
    X(XML_GetCurrentByteCount)

struct mh_libexpat_table {
#define MH_LIBEXPAT_SLOT(name) __typeof__(name) *name;
    MH_LIBEXPAT_FUNCTIONS(MH_LIBEXPAT_SLOT)
#undef MH_LIBEXPAT_SLOT
};

extern struct mh_libexpat_table mh_libexpat;

/* Load libexpat and fill mh_libexpat; cheap after the first call. */
int mh_libexpat_load(struct mh_error *err);

#endif
