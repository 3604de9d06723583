/* identity_oracle.h - a domain's identity and cookie read the libxml2 way
 * (mh_xml_parse, mh_xml_domain_identity, mh_cookie_find,
 * mh_cookie_parse_element) and the expat way (mh_xml_domain_summary,
 * mh_cookie_find_summary, mh_cookie_parse_summary): the lease stage relies
 * on both agreeing on every input. Shared by tests/unit/test_xml_summary.c
 * and tests/fuzz/fuzz_xml_summary.c. */
#ifndef IDENTITY_ORACLE_H
#define IDENTITY_ORACLE_H

#include "mh_cookie.h"
#include "mh_error.h"
#include "mh_xml.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct identity_reading {
    int status;                 /* 0: name and uuid read; -1: refused */
    bool parsed;                /* libxml2: the document parsed (the identity may not) */
    char message[1024];
    bool other_encoding;        /* libxml2 read it in an encoding other than UTF-8 */
    bool old_names_refused;     /* libxml2 refuses it with XML_PARSE_OLD10 */
    char name[MH_XML_NAME_SIZE];
    char uuid[MH_UUID_LENGTH + 1];
    int cookie_found;           /* as mh_cookie_find returns */
    char *version, *hmac, *text;
    bool only_text;
    int cookie_status;          /* as mh_cookie_parse_element returns */
    char cookie_message[1024];
    json_t *content;
};

/* The time cookies are decoded at (their stamp is not checked: max_age 0). */
#define IDENTITY_ORACLE_NOW 1795428060

static inline char *
identity_oracle_copy(const char *text)
{
    return text ? strdup(text) : NULL;
}

static inline void
identity_oracle_free(struct identity_reading *reading)
{
    free(reading->version);
    free(reading->hmac);
    free(reading->text);
    json_decref(reading->content);
    memset(reading, 0, sizeof(*reading));
}

/* Whether libxml2 refuses data under the name rules of XML 1.0 before its
 * fifth edition (XML_PARSE_OLD10), which are expat's. */
static inline bool
identity_oracle_old10_refuses(const char *data, size_t size)
{
    xmlParserCtxt *context = mh_libxml.xmlNewParserCtxt();
    xmlDoc *doc;
    bool refused;

    if (!context)
        return false;
    doc = mh_libxml.xmlCtxtReadMemory(context, data, (int)size, "old10", NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR |
                                          XML_PARSE_NOWARNING | XML_PARSE_OLD10);
    refused = !doc || !context->wellFormed;
    if (doc)
        mh_libxml.xmlFreeDoc(doc);
    mh_libxml.xmlFreeParserCtxt(context);
    return refused;
}

/* The cookie's parse result (status of mh_cookie_parse_*) into reading. */
static inline void
identity_oracle_cookie(struct identity_reading *reading, int status, struct mh_cookie *cookie,
                       const struct mh_error *err)
{
    reading->cookie_status = status;
    if (status == 0)
        reading->content = cookie->content;
    else
        snprintf(reading->cookie_message, sizeof(reading->cookie_message), "%s", err->message);
}

static inline void
identity_oracle_libxml(const char *data, size_t size, struct identity_reading *reading)
{
    struct mh_error err = { { 0 } };
    struct mh_cookie cookie;
    xmlNode *element = NULL;
    xmlDoc *doc = mh_xml_parse(data, size, "domain XML", &err);

    memset(reading, 0, sizeof(*reading));
    reading->status = -1;
    reading->parsed = doc != NULL;
    if (doc) {
        reading->other_encoding =
            doc->encoding && strcasecmp((const char *)doc->encoding, "UTF-8") != 0;
        reading->old_names_refused = identity_oracle_old10_refuses(data, size);
    }
    if (!doc ||
        mh_xml_domain_identity(doc, reading->name, sizeof(reading->name), reading->uuid,
                               &err) < 0) {
        snprintf(reading->message, sizeof(reading->message), "%s", err.message);
        mh_xml_free_doc(doc);
        return;
    }
    reading->status = 0;
    reading->cookie_found = mh_cookie_find(doc, &element, &err);
    if (reading->cookie_found == 1) {
        reading->version = mh_xml_attribute(element, "version");
        reading->hmac = mh_xml_attribute(element, "hmac");
        reading->text = mh_xml_text(element);
        reading->only_text = true;
        for (const xmlNode *node = element->children; node; node = node->next) {
            if (node->type != XML_TEXT_NODE && node->type != XML_CDATA_SECTION_NODE)
                reading->only_text = false;
        }
        identity_oracle_cookie(reading,
                               mh_cookie_parse_element(element, NULL, 0, IDENTITY_ORACLE_NOW,
                                                       &cookie, &err),
                               &cookie, &err);
    }
    mh_xml_free_doc(doc);
}

static inline void
identity_oracle_expat(const char *data, size_t size, struct identity_reading *reading)
{
    struct mh_error err = { { 0 } };
    struct mh_xml_summary summary;
    struct mh_cookie cookie;

    memset(reading, 0, sizeof(*reading));
    reading->status = mh_xml_domain_summary(data, size, &summary, &err);
    if (reading->status < 0) {
        snprintf(reading->message, sizeof(reading->message), "%s", err.message);
        return;
    }
    memcpy(reading->name, summary.name, sizeof(reading->name));
    memcpy(reading->uuid, summary.uuid, sizeof(reading->uuid));
    reading->cookie_found = mh_cookie_find_summary(&summary, &err);
    if (reading->cookie_found == 1) {
        reading->version = identity_oracle_copy(summary.cookie_version);
        reading->hmac = identity_oracle_copy(summary.cookie_hmac);
        reading->text = identity_oracle_copy(summary.cookie_text);
        reading->only_text = summary.cookie_only_text;
        identity_oracle_cookie(reading,
                               mh_cookie_parse_summary(&summary, NULL, 0, IDENTITY_ORACLE_NOW,
                                                       &cookie, &err),
                               &cookie, &err);
    }
    mh_xml_summary_free(&summary);
}

static inline bool
identity_oracle_same_string(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* NULL when both readings agree, else what differs. The differences
 * allowed (see mh_xml.c) are refusals by the expat reader of what libxml2
 * accepts, never the other way round: a document libxml2 read in another
 * encoding than UTF-8 (declared, or EBCDIC it detected), a start tag of
 * 9000000 bytes or more, and a name with characters that only XML 1.0's
 * fifth edition allows (libxml2 refuses it too with XML_PARSE_OLD10). */
static inline const char *
identity_oracle_compare(const struct identity_reading *libxml, const struct identity_reading *expat)
{
    /* libxml2 parsed what expat may refuse. */
    bool tolerated = libxml->parsed &&
                     (libxml->other_encoding || libxml->old_names_refused ||
                      strstr(expat->message, "start tag is longer than"));

    if (libxml->status < 0 && expat->status == 0)
        return "libxml2 refuses what expat accepts";
    if (libxml->status == 0 && expat->status < 0)
        return tolerated ? NULL : "expat refuses what libxml2 accepts";
    if (libxml->status < 0) {
        /* Both refused; when libxml2 parsed it, the identity was refused,
         * and for the same reason. */
        if (libxml->parsed && !tolerated && strcmp(libxml->message, expat->message) != 0)
            return "the identity is refused for different reasons";
        return NULL;
    }
    if (strcmp(libxml->name, expat->name) != 0)
        return "different names";
    if (strcmp(libxml->uuid, expat->uuid) != 0)
        return "different uuids";
    if (libxml->cookie_found != expat->cookie_found)
        return "different cookie counts";
    if (libxml->cookie_found != 1)
        return NULL;
    if (!identity_oracle_same_string(libxml->version, expat->version))
        return "different cookie versions";
    if (!identity_oracle_same_string(libxml->hmac, expat->hmac))
        return "different cookie hmacs";
    if (libxml->only_text != expat->only_text)
        return "the cookie holds only text for one";
    if (libxml->only_text && !identity_oracle_same_string(libxml->text, expat->text))
        return "different cookie texts";
    if (libxml->cookie_status != expat->cookie_status)
        return "the cookie decodes for one only";
    if (strcmp(libxml->cookie_message, expat->cookie_message) != 0)
        return "the cookie is refused for different reasons";
    if (libxml->content && !json_equal(libxml->content, expat->content))
        return "different cookie contents";
    return NULL;
}

/* Read data both ways and compare; NULL when they agree. */
static inline const char *
identity_oracle_check(const char *data, size_t size, struct identity_reading *libxml,
                      struct identity_reading *expat)
{
    identity_oracle_libxml(data, size, libxml);
    identity_oracle_expat(data, size, expat);
    return identity_oracle_compare(libxml, expat);
}

#endif
