/* mh_xml.c - safe XML parsing and small tree accessors over libxml2, and a
 * domain's identity read with expat for the stages that need only that. */
#include "mh_xml.h"
#include "mh_buffer.h"
#include "mh_cookie.h"
#include "mh_error.h"
#include "mh_libexpat.h"
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

/* libxml2's limits without XML_PARSE_HUGE, which the expat reader keeps
 * too: it must refuse whatever mh_xml_parse refuses (tests/unit/
 * test_xml_summary.c finds each boundary). libxml2 reads 257 levels of
 * elements, the root included; names (each part of a qualified one) of
 * 50000 bytes; comments, PIs and CDATA sections of 10000000. A start tag
 * near 10000000 bytes fails its input lookup limit at a length that depends
 * on buffering: the expat reader refuses start tags from 9000000 bytes, a
 * little more than libxml2 does (the default max_input_bytes, 8 MiB, never
 * gets there).
 *
 * Where the two differ otherwise, the expat reader refuses more, never
 * less: encodings other than UTF-8 (summary_declaration), and names with
 * characters XML 1.0's fifth edition added (U+FEFF, letters of later
 * Unicode versions): libxml2 takes those, expat keeps to the name
 * characters of the editions before (libxml2's XML_PARSE_OLD10). libvirt
 * writes neither; a guest whose metadata holds such a name cannot take a
 * lease (the hook refuses its XML) rather than be read two ways. */
#define MH_XML_MAX_DEPTH 257
#define MH_XML_MAX_NAME_LENGTH 50000
#define MH_XML_MAX_TEXT_LENGTH 10000000
#define MH_XML_MAX_START_TAG_LENGTH 9000000

/* Between a namespace URI, a local name and a prefix in the names expat
 * hands over: a character XML 1.0 does not allow, not even as &#1;. */
#define NAMESPACE_SEPARATOR '\x01'

/* The expat reader's state while it reads one document. */
struct summary_reader {
    XML_Parser parser;
    struct mh_xml_summary *summary;
    char refusal[128];          /* why a handler stopped the parser */
    unsigned long depth;
    bool root_is_domain;
    /* Depth of the element being read (0: not inside one). */
    unsigned long name_depth, uuid_depth, cookie_depth;
    size_t cdata_length;        /* of the CDATA section being read */
    bool in_cdata;
    bool in_metadata;
    bool saw_name, saw_uuid, saw_metadata;
    struct mh_buffer name, uuid, cookie;
};

struct qualified_name {
    const char *namespace;      /* NULL in no namespace; not NUL-terminated */
    size_t namespace_length;
    const char *local;          /* not NUL-terminated */
    size_t local_length;
    size_t prefix_length;
};

static _Thread_local bool saw_doctype;
/* The first namespace error of the document being parsed (see
 * note_namespace_error), or an empty message. */
static _Thread_local struct {
    int line, column;
    char message[256];
} namespace_error;

static void refuse_doctype(void *context, const xmlChar *name, const xmlChar *external_id,
                           const xmlChar *system_id);
static void note_namespace_error(void *context, xmlErrorPtr error);
static int check_identity(bool root_is_domain, const char *name_text, const char *uuid_text,
                          char *name, size_t name_size, char uuid[MH_UUID_LENGTH + 1],
                          struct mh_error *err);
static bool is_uuid(const char *text);
static char *copy_and_free(xmlChar *value);
static void XMLCALL summary_start(void *data, const XML_Char *qualified,
                                  const XML_Char **attributes);
static void XMLCALL summary_end(void *data, const XML_Char *qualified);
static void XMLCALL summary_text(void *data, const XML_Char *text, int length);
static void XMLCALL summary_comment(void *data, const XML_Char *text);
static void XMLCALL summary_cdata_start(void *data);
static void XMLCALL summary_cdata_end(void *data);
static void XMLCALL summary_instruction(void *data, const XML_Char *target,
                                        const XML_Char *text);
static void XMLCALL summary_namespace(void *data, const XML_Char *prefix, const XML_Char *uri);
static void XMLCALL summary_declaration(void *data, const XML_Char *version,
                                        const XML_Char *encoding, int standalone);
static void XMLCALL summary_doctype(void *data, const XML_Char *name, const XML_Char *system_id,
                                    const XML_Char *public_id, int has_internal_subset);
static void summary_refuse(struct summary_reader *reader, const char *reason);
static void split_name(const char *qualified, struct qualified_name *name);
static bool is_local(const struct qualified_name *name, const char *local);
static bool is_too_long(const struct qualified_name *name);

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
    context->sax->serror = note_namespace_error;
    saw_doctype = false;
    namespace_error.message[0] = '\0';
    doc = mh_libxml.xmlCtxtReadMemory(context, data, (int)length, name, NULL, MH_XML_OPTIONS);
    if (saw_doctype) {
        mh_error_set(err, "%s: has a DOCTYPE declaration; documents with DTDs or entities are "
                     "refused", name);
        goto failed;
    }
    if (namespace_error.message[0]) {
        mh_error_set(err, "%s:%d:%d: %s", name, namespace_error.line, namespace_error.column,
                     namespace_error.message);
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
    bool root_is_domain = root && strcmp((const char *)root->name, "domain") == 0;
    char *name_text = NULL;
    char *uuid_text = NULL;
    int ret;

    if (root_is_domain) {
        name_text = mh_xml_text(mh_xml_child(root, "name"));
        uuid_text = mh_xml_text(mh_xml_child(root, "uuid"));
    }
    ret = check_identity(root_is_domain, name_text, uuid_text, name, name_size, uuid, err);
    free(name_text);
    free(uuid_text);
    return ret;
}

int
mh_xml_domain_summary(const char *data, size_t length, struct mh_xml_summary *summary,
                      struct mh_error *err)
{
    struct summary_reader reader = { .summary = summary };
    int ret = -1;

    memset(summary, 0, sizeof(*summary));
    if (mh_libexpat_load(err) < 0)
        return -1;
    if (length > INT_MAX) {
        mh_error_set(err, "domain XML: document too large");
        return -1;
    }
    if (memchr(data, '\0', length)) {
        mh_error_set(err, "domain XML: contains a NUL byte");
        return -1;
    }
    /* Read as UTF-8 whatever a byte order mark says; a declaration of any
     * other encoding is refused (summary_declaration). */
    reader.parser = mh_libexpat.XML_ParserCreateNS("UTF-8", NAMESPACE_SEPARATOR);
    if (!reader.parser) {
        mh_error_set(err, "domain XML: out of memory");
        return -1;
    }
    mh_libexpat.XML_SetUserData(reader.parser, &reader);
    /* "URI\1local\1prefix": the prefix, too, is a name with a length limit. */
    mh_libexpat.XML_SetReturnNSTriplet(reader.parser, 1);
    /* Never read an external DTD or entity: there is no external entity
     * handler either, so expat cannot open anything. */
    mh_libexpat.XML_SetParamEntityParsing(reader.parser, XML_PARAM_ENTITY_PARSING_NEVER);
    mh_libexpat.XML_SetStartDoctypeDeclHandler(reader.parser, summary_doctype);
    mh_libexpat.XML_SetXmlDeclHandler(reader.parser, summary_declaration);
    mh_libexpat.XML_SetElementHandler(reader.parser, summary_start, summary_end);
    mh_libexpat.XML_SetCharacterDataHandler(reader.parser, summary_text);
    mh_libexpat.XML_SetCommentHandler(reader.parser, summary_comment);
    mh_libexpat.XML_SetCdataSectionHandler(reader.parser, summary_cdata_start, summary_cdata_end);
    mh_libexpat.XML_SetProcessingInstructionHandler(reader.parser, summary_instruction);
    mh_libexpat.XML_SetStartNamespaceDeclHandler(reader.parser, summary_namespace);
    /* The whole document, like libxml2: what is not well-formed after the
     * <uuid> is refused as well. */
    if (mh_libexpat.XML_Parse(reader.parser, data, (int)length, XML_TRUE) != XML_STATUS_OK) {
        enum XML_Error code = mh_libexpat.XML_GetErrorCode(reader.parser);
        unsigned long line = (unsigned long)mh_libexpat.XML_GetCurrentLineNumber(reader.parser);
        unsigned long column =
            (unsigned long)mh_libexpat.XML_GetCurrentColumnNumber(reader.parser) + 1;

        if (reader.refusal[0])
            mh_error_set(err, "domain XML:%lu:%lu: %s", line, column, reader.refusal);
        else
            mh_error_set(err, "domain XML:%lu:%lu: %s", line, column,
                         code == XML_ERROR_NO_MEMORY ? "out of memory"
                                                     : mh_libexpat.XML_ErrorString(code));
        goto cleanup;
    }
    if (reader.name.failed || reader.uuid.failed || reader.cookie.failed) {
        mh_error_set(err, "domain XML: out of memory");
        goto cleanup;
    }
    if (check_identity(reader.root_is_domain,
                       reader.saw_name ? (reader.name.data ? reader.name.data : "") : NULL,
                       reader.saw_uuid ? (reader.uuid.data ? reader.uuid.data : "") : NULL,
                       summary->name, sizeof(summary->name), summary->uuid, err) < 0)
        goto cleanup;
    if (summary->cookie_count > 0) {
        summary->cookie_text = reader.cookie.data ? mh_buffer_take(&reader.cookie, NULL)
                                                  : strdup("");
        if (!summary->cookie_text) {
            mh_error_set(err, "domain XML: out of memory");
            goto cleanup;
        }
    }
    ret = 0;

cleanup:
    mh_libexpat.XML_ParserFree(reader.parser);
    mh_buffer_free(&reader.name);
    mh_buffer_free(&reader.uuid);
    mh_buffer_free(&reader.cookie);
    if (ret < 0)
        mh_xml_summary_free(summary);
    return ret;
}

void
mh_xml_summary_free(struct mh_xml_summary *summary)
{
    free(summary->cookie_version);
    free(summary->cookie_text);
    free(summary->cookie_hmac);
    memset(summary, 0, sizeof(*summary));
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

/* libxml2 goes on after a namespace error (an unbound prefix, xmlns:p="",
 * a prefix bound twice to one URI on an element's attributes), building a
 * tree with names expat, which refuses such documents, never gives: they
 * are refused here too, so that mh_xml_domain_summary and mh_xml_parse
 * refuse the same documents. A namespace name that is not a valid URI
 * (XML_WAR_NS_URI) is no error to expat, nor is it here. */
static void
note_namespace_error(void *context, xmlErrorPtr error)
{
    (void)context;
    if (!error || error->domain != XML_FROM_NAMESPACE || error->level < XML_ERR_ERROR ||
        error->code == XML_WAR_NS_URI || namespace_error.message[0])
        return;
    namespace_error.line = error->line;
    namespace_error.column = error->int2;
    mh_string_copy(namespace_error.message, sizeof(namespace_error.message),
                   error->message ? error->message : "namespace error");
    namespace_error.message[strcspn(namespace_error.message, "\n")] = '\0';
    if (!namespace_error.message[0])
        mh_string_copy(namespace_error.message, sizeof(namespace_error.message),
                       "namespace error");
}

/* The checks of mh_xml_domain_identity, shared with the expat reader so
 * that both refuse alike: name_text and uuid_text are the texts of the
 * root's first <name> and <uuid> (NULL when there is none). */
static int
check_identity(bool root_is_domain, const char *name_text, const char *uuid_text, char *name,
               size_t name_size, char uuid[MH_UUID_LENGTH + 1], struct mh_error *err)
{
    if (!root_is_domain) {
        mh_error_set(err, "domain XML: root element is not <domain>");
        return -1;
    }
    if (!name_text || !*name_text) {
        mh_error_set(err, "domain XML: no <name>");
        return -1;
    }
    if (!uuid_text || !is_uuid(uuid_text)) {
        mh_error_set(err, "domain XML: missing or malformed <uuid>");
        return -1;
    }
    if (mh_string_copy(name, name_size, name_text) < 0) {
        mh_error_set(err, "domain XML: <name> longer than %zu bytes", name_size - 1);
        return -1;
    }
    for (size_t i = 0; i <= MH_UUID_LENGTH; i++)
        uuid[i] = (char)tolower((unsigned char)uuid_text[i]);
    return 0;
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

/* An element of the domain XML. Mirrors what the libxml2 readers look at:
 * mh_xml_child (the first element child of that local name, in any
 * namespace), mh_xml_text (all text and CDATA below it), mh_cookie_find
 * (elements {MH_COOKIE_NAMESPACE}cookie directly in the first <metadata>)
 * and mh_xml_attribute (attributes in no namespace). */
static void XMLCALL
summary_start(void *data, const XML_Char *qualified, const XML_Char **attributes)
{
    struct summary_reader *reader = data;
    struct mh_xml_summary *summary = reader->summary;
    struct qualified_name name, attribute;

    if (++reader->depth > MH_XML_MAX_DEPTH) {
        summary_refuse(reader, "nesting deeper than 256 elements below the root");
        return;
    }
    if (mh_libexpat.XML_GetCurrentByteCount(reader->parser) >= MH_XML_MAX_START_TAG_LENGTH) {
        summary_refuse(reader, "a start tag is longer than 9000000 bytes");
        return;
    }
    split_name(qualified, &name);
    if (is_too_long(&name)) {
        summary_refuse(reader, "an element name is longer than 50000 bytes");
        return;
    }
    for (size_t i = 0; attributes[i]; i += 2) {
        split_name(attributes[i], &attribute);
        if (is_too_long(&attribute)) {
            summary_refuse(reader, "an attribute name is longer than 50000 bytes");
            return;
        }
    }
    if (reader->cookie_depth)
        summary->cookie_only_text = false;
    if (reader->depth == 1) {
        reader->root_is_domain = is_local(&name, "domain");
    } else if (reader->depth == 2) {
        if (!reader->saw_name && is_local(&name, "name")) {
            reader->saw_name = true;
            reader->name_depth = reader->depth;
        } else if (!reader->saw_uuid && is_local(&name, "uuid")) {
            reader->saw_uuid = true;
            reader->uuid_depth = reader->depth;
        } else if (!reader->saw_metadata && is_local(&name, "metadata")) {
            reader->saw_metadata = true;
            reader->in_metadata = true;
        }
    } else if (reader->depth == 3 && reader->in_metadata &&
               name.namespace_length == strlen(MH_COOKIE_NAMESPACE) &&
               strncmp(name.namespace, MH_COOKIE_NAMESPACE, name.namespace_length) == 0 &&
               is_local(&name, MH_COOKIE_ELEMENT)) {
        /* Only the first one is read: two are an error (mh_cookie_find). */
        if (summary->cookie_count++ > 0)
            return;
        reader->cookie_depth = reader->depth;
        summary->cookie_only_text = true;
        for (size_t i = 0; attributes[i]; i += 2) {
            char **slot = strcmp(attributes[i], "version") == 0 ? &summary->cookie_version
                          : strcmp(attributes[i], "hmac") == 0  ? &summary->cookie_hmac
                                                                : NULL;

            if (slot && !(*slot = strdup(attributes[i + 1]))) {
                summary_refuse(reader, "out of memory");
                return;
            }
        }
    }
}

static void XMLCALL
summary_end(void *data, const XML_Char *qualified)
{
    struct summary_reader *reader = data;

    (void)qualified;
    if (reader->depth == reader->name_depth)
        reader->name_depth = 0;
    if (reader->depth == reader->uuid_depth)
        reader->uuid_depth = 0;
    if (reader->depth == reader->cookie_depth)
        reader->cookie_depth = 0;
    if (reader->depth == 2)
        reader->in_metadata = false;
    reader->depth--;
}

/* Text and CDATA alike, as xmlNodeGetContent concatenates them. */
static void XMLCALL
summary_text(void *data, const XML_Char *text, int length)
{
    struct summary_reader *reader = data;

    if (reader->in_cdata) {
        reader->cdata_length += (size_t)length;
        if (reader->cdata_length > MH_XML_MAX_TEXT_LENGTH)
            summary_refuse(reader, "a CDATA section is longer than 10000000 bytes");
    }
    if (reader->name_depth)
        mh_buffer_append(&reader->name, text, (size_t)length);
    if (reader->uuid_depth)
        mh_buffer_append(&reader->uuid, text, (size_t)length);
    if (reader->cookie_depth)
        mh_buffer_append(&reader->cookie, text, (size_t)length);
}

static void XMLCALL
summary_comment(void *data, const XML_Char *text)
{
    struct summary_reader *reader = data;

    if (strlen(text) > MH_XML_MAX_TEXT_LENGTH)
        summary_refuse(reader, "a comment is longer than 10000000 bytes");
    if (reader->cookie_depth)
        reader->summary->cookie_only_text = false;
}

static void XMLCALL
summary_cdata_start(void *data)
{
    struct summary_reader *reader = data;

    reader->in_cdata = true;
    reader->cdata_length = 0;
}

static void XMLCALL
summary_cdata_end(void *data)
{
    struct summary_reader *reader = data;

    reader->in_cdata = false;
}

static void XMLCALL
summary_instruction(void *data, const XML_Char *target, const XML_Char *text)
{
    struct summary_reader *reader = data;

    if (strlen(target) > MH_XML_MAX_NAME_LENGTH)
        summary_refuse(reader, "a processing instruction's name is longer than 50000 bytes");
    if (strlen(text) > MH_XML_MAX_TEXT_LENGTH)
        summary_refuse(reader, "a processing instruction is longer than 10000000 bytes");
    if (reader->cookie_depth)
        reader->summary->cookie_only_text = false;
}

static void XMLCALL
summary_namespace(void *data, const XML_Char *prefix, const XML_Char *uri)
{
    (void)uri;
    if (prefix && strlen(prefix) > MH_XML_MAX_NAME_LENGTH)
        summary_refuse(data, "a namespace prefix is longer than 50000 bytes");
}

/* libvirt writes UTF-8 without a declaration. libxml2 would convert a
 * declared ISO-8859-1 or the like; the expat reader refuses to guess (the
 * one difference besides huge start tags: it refuses more, never less).
 * The version is checked as libxml2 does, which expat does not: a digit,
 * a dot and digits, and only 1.x (1.1 too, read as 1.0). */
static void XMLCALL
summary_declaration(void *data, const XML_Char *version, const XML_Char *encoding,
                    int standalone)
{
    (void)standalone;
    if (!version || version[0] != '1' || version[1] != '.' ||
        version[2 + strspn(version + 2, "0123456789")] != '\0')
        summary_refuse(data, "the XML declaration names a version other than 1.x");
    else if (encoding && strcasecmp(encoding, "UTF-8") != 0)
        summary_refuse(data, "declares an encoding other than UTF-8; only UTF-8 is read");
}

/* Called before expat reads anything of the internal subset: no entity is
 * ever defined, let alone expanded. */
static void XMLCALL
summary_doctype(void *data, const XML_Char *name, const XML_Char *system_id,
                const XML_Char *public_id, int has_internal_subset)
{
    (void)name;
    (void)system_id;
    (void)public_id;
    (void)has_internal_subset;
    summary_refuse(data, "has a DOCTYPE declaration; documents with DTDs or entities are "
                         "refused");
}

/* Stop the parser; the first reason is kept. */
static void
summary_refuse(struct summary_reader *reader, const char *reason)
{
    if (!reader->refusal[0])
        mh_string_copy(reader->refusal, sizeof(reader->refusal), reason);
    mh_libexpat.XML_StopParser(reader->parser, XML_FALSE);
}

/* Whether a part of a qualified name is longer than libxml2 reads (it
 * limits the prefix and the local name each). */
static bool
is_too_long(const struct qualified_name *name)
{
    return name->local_length > MH_XML_MAX_NAME_LENGTH ||
           name->prefix_length > MH_XML_MAX_NAME_LENGTH;
}

/* The parts of an expat triplet "URI\1local\1prefix" ("local" in no
 * namespace, "URI\1local" in a default one). */
static void
split_name(const char *qualified, struct qualified_name *name)
{
    const char *local = strchr(qualified, NAMESPACE_SEPARATOR);
    const char *prefix;

    memset(name, 0, sizeof(*name));
    if (!local) {
        name->local = qualified;
        name->local_length = strlen(qualified);
        return;
    }
    name->namespace = qualified;
    name->namespace_length = (size_t)(local - qualified);
    name->local = ++local;
    prefix = strchr(local, NAMESPACE_SEPARATOR);
    name->local_length = prefix ? (size_t)(prefix - local) : strlen(local);
    name->prefix_length = prefix ? strlen(prefix + 1) : 0;
}

static bool
is_local(const struct qualified_name *name, const char *local)
{
    return name->local_length == strlen(local) &&
           strncmp(name->local, local, name->local_length) == 0;
}
