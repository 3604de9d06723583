/* mh_ports_file.c - find the "ports" section in a cookie element, a domain XML or JSON. */
#include "mh_ports_file.h"
#include "mh_error.h"
#include "mh_file.h"
#include "mh_json.h"
#include "mh_xml.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_DEPTH 32

static json_t *read_cookie_xml(const char *path, const char *data, size_t length,
                               struct mh_error *err);
static xmlNode *find_cookie(xmlNode *root);
static bool is_cookie(const xmlNode *node);

int
mh_ports_file_read(const char *path, json_t **section, struct mh_error *err)
{
    bool standard_input = strcmp(path, "-") == 0;
    int fd = standard_input ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    const char *name = standard_input ? "standard input" : path;
    char *data = NULL;
    size_t length = 0, start = 0;
    json_t *content = NULL;
    int ret = -1;

    *section = NULL;
    if (fd < 0) {
        mh_error_set_errno(err, errno, "%s", path);
        return -1;
    }
    if (mh_file_read_fd(fd, MH_PORTS_FILE_MAX_BYTES, &data, &length, err) < 0) {
        mh_error_prefix(err, "%s", name);
        goto cleanup;
    }
    while (start < length && strchr(" \t\r\n", data[start]) && data[start])
        start++;
    if (start < length && data[start] == '<')
        content = read_cookie_xml(name, data, length, err);
    else
        content = mh_json_parse(data, length, MAX_DEPTH, name, err);
    if (!content)
        goto cleanup;
    if (!json_is_object(content)) {
        mh_error_set(err, "%s: expected a JSON object (the cookie's content or a ports section)",
                     name);
        goto cleanup;
    }
    *section = json_incref(json_object_get(content, "ports") ? json_object_get(content, "ports")
                                                              : content);
    ret = 0;

cleanup:
    json_decref(content);
    free(data);
    if (!standard_input)
        close(fd);
    return ret;
}

/* The JSON content of the cookie element, itself or inside a domain's
 * <metadata>, as a new reference. */
static json_t *
read_cookie_xml(const char *path, const char *data, size_t length, struct mh_error *err)
{
    xmlDoc *doc = mh_xml_parse(data, length, path, err);
    xmlNode *cookie;
    char *version = NULL, *text = NULL, *name = NULL;
    json_t *content = NULL;

    if (!doc)
        return NULL;
    cookie = find_cookie(mh_libxml.xmlDocGetRootElement(doc));
    if (!cookie) {
        mh_error_set(err, "%s: no <cookie> element in namespace %s, alone or in a domain's "
                     "<metadata>", path, MH_PORTS_COOKIE_NAMESPACE);
        goto cleanup;
    }
    version = mh_xml_attribute(cookie, "version");
    if (!version || strcmp(version, "1") != 0) {
        mh_error_set(err, "%s: unsupported cookie version \"%.16s\" (this is version 1)", path,
                     version ? version : "");
        goto cleanup;
    }
    text = mh_xml_text(cookie);
    if (!text || asprintf(&name, "%s: cookie content", path) < 0) {
        mh_error_set(err, "out of memory");
        goto cleanup;
    }
    content = mh_json_parse(text, strlen(text), MAX_DEPTH, name, err);

cleanup:
    free(version);
    free(text);
    free(name);
    mh_xml_free_doc(doc);
    return content;
}

static xmlNode *
find_cookie(xmlNode *root)
{
    if (!root)
        return NULL;
    if (is_cookie(root))
        return root;
    if (strcmp((const char *)root->name, "domain") != 0)
        return NULL;
    for (xmlNode *node = mh_xml_child(mh_xml_child(root, "metadata"), "cookie"); node;
         node = mh_xml_next(node, "cookie")) {
        if (is_cookie(node))
            return node;
    }
    return NULL;
}

static bool
is_cookie(const xmlNode *node)
{
    return strcmp((const char *)node->name, "cookie") == 0 && node->ns && node->ns->href &&
           strcmp((const char *)node->ns->href, MH_PORTS_COOKIE_NAMESPACE) == 0;
}
