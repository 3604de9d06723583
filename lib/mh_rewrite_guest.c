/* mh_rewrite_guest.c - fingerprint and compare the guest-visible parts of a domain XML. */
#include "mh_rewrite_guest.h"
#include "mh_buffer.h"
#include "mh_error.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Children of <domain> the guest sees entirely. */
static const char *const whole_top[] = {
    "name", "uuid", "genid", "memory", "currentMemory", "maxMemory", "vcpus", "cpu",
    "features", "clock", "sysinfo", NULL,
};

/* Devices the guest sees entirely: nothing in them is host-side. */
static const char *const whole_devices[] = {
    "controller", "input", "video", "sound", "watchdog", "memballoon", "panic", "iommu",
    "hub", "vsock", NULL,
};

/* Inside any other device, these elements are guest-visible wherever they
 * are: addresses, MAC, models, targets (disk dev and bus), MTU, boot order,
 * disk identity. */
static const char *const guest_parts[] = {
    "address", "mac", "model", "target", "mtu", "boot", "serial", "wwn", "vendor",
    "product", NULL,
};

/* Attributes of a device element itself that the guest sees. */
static const char *const device_attributes[] = { "device", "model", "bus", NULL };

/* Where a line's part is, "devices/disk/target"; grown and cut back while
 * walking, so that thousands of devices cost no allocation each. Deeper
 * paths are cut short: both sides of a comparison are cut alike. */
struct path {
    char text[512];
    size_t length;
};

static void add_subtree(struct mh_buffer *out, const xmlNode *node, struct path *path);
static void add_device(struct mh_buffer *out, const xmlNode *device);
static void add_parts(struct mh_buffer *out, const xmlNode *node, struct path *path);
static void add_attributes(struct mh_buffer *out, const xmlNode *node, const char *path,
                           const char *const *only);
static void add_text(struct mh_buffer *out, const xmlNode *node, const char *path);
static void add_line(struct mh_buffer *out, const char *path, const char *name,
                     const xmlChar *value);
static bool in_list(const char *const *list, const xmlChar *name);
static size_t push(struct path *path, const xmlChar *name);
static void pop(struct path *path, size_t mark);
static const char *line_path(const char *text, size_t offset, char *path, size_t size);

char *
mh_rewrite_guest_fingerprint(const xmlDoc *doc, size_t *length)
{
    struct mh_buffer out = { 0 };
    const xmlNode *root = mh_libxml.xmlDocGetRootElement(doc);
    struct path path = { .text = "", .length = 0 };

    mh_buffer_append(&out, "", 0);
    if (!root)
        return mh_buffer_take(&out, length);
    add_attributes(&out, root, "domain", (const char *const[]){ "type", NULL });
    for (const xmlNode *child = root->children; child; child = child->next) {
        if (child->type != XML_ELEMENT_NODE)
            continue;
        if (in_list(whole_top, child->name)) {
            size_t mark = push(&path, child->name);

            add_subtree(&out, child, &path);
            pop(&path, mark);
        } else if (strcmp((const char *)child->name, "vcpu") == 0) {
            /* The count and how many are online; cpuset and placement are
             * the host's business. */
            add_text(&out, child, "vcpu");
            add_attributes(&out, child, "vcpu", (const char *const[]){ "current", NULL });
        } else if (strcmp((const char *)child->name, "os") == 0) {
            for (const xmlNode *os = child->children; os; os = os->next) {
                if (os->type == XML_ELEMENT_NODE && strcmp((const char *)os->name, "type") == 0) {
                    struct path os_type = { .text = "os/type", .length = 7 };

                    add_subtree(&out, os, &os_type);
                }
            }
        } else if (strcmp((const char *)child->name, "devices") == 0) {
            for (const xmlNode *device = child->children; device; device = device->next) {
                if (device->type == XML_ELEMENT_NODE)
                    add_device(&out, device);
            }
        }
    }
    return mh_buffer_take(&out, length);
}

int
mh_rewrite_guest_compare(const char *before, size_t before_length, const char *after,
                         size_t after_length, struct mh_error *err)
{
    size_t offset = 0;
    char path[256];

    if (before_length == after_length && memcmp(before, after, before_length) == 0)
        return 0;
    while (offset < before_length && offset < after_length && before[offset] == after[offset])
        offset++;
    /* Name the part from whichever side still has a line there. */
    line_path(offset < before_length ? before : after, offset, path, sizeof(path));
    mh_error_set(err, "the rewrite would change a guest-visible part (%s); refusing, since "
                 "libvirt's ABI stability check would refuse it too", path);
    return -1;
}

/* Everything below node: attributes, text and elements. */
static void
add_subtree(struct mh_buffer *out, const xmlNode *node, struct path *path)
{
    add_attributes(out, node, path->text, NULL);
    add_text(out, node, path->text);
    for (const xmlNode *child = node->children; child; child = child->next) {
        size_t mark;

        if (child->type != XML_ELEMENT_NODE)
            continue;
        mark = push(path, child->name);
        add_subtree(out, child, path);
        pop(path, mark);
    }
}

/* The device's kind and position (its line), its guest-visible attributes
 * and the guest-visible elements inside it. */
static void
add_device(struct mh_buffer *out, const xmlNode *device)
{
    struct path path = { .text = "devices", .length = 7 };

    push(&path, device->name);
    add_line(out, path.text, "", (const xmlChar *)"");
    if (in_list(whole_devices, device->name)) {
        add_subtree(out, device, &path);
    } else {
        add_attributes(out, device, path.text, device_attributes);
        add_parts(out, device, &path);
    }
}

static void
add_parts(struct mh_buffer *out, const xmlNode *node, struct path *path)
{
    for (const xmlNode *child = node->children; child; child = child->next) {
        size_t mark;

        if (child->type != XML_ELEMENT_NODE)
            continue;
        mark = push(path, child->name);
        if (in_list(guest_parts, child->name))
            add_subtree(out, child, path);
        else
            add_parts(out, child, path);
        pop(path, mark);
    }
}

/* Attributes of node, all of them or only those listed, in document order. */
static void
add_attributes(struct mh_buffer *out, const xmlNode *node, const char *path,
               const char *const *only)
{
    for (const xmlAttr *attribute = node->properties; attribute; attribute = attribute->next) {
        const xmlNode *text = attribute->children;
        xmlChar *value;

        if (only && (attribute->ns || !in_list(only, attribute->name)))
            continue;
        /* A parsed value is one text node: read it in place. */
        if (!text || (text->type == XML_TEXT_NODE && !text->next)) {
            add_line(out, path, (const char *)attribute->name,
                     text ? text->content : (const xmlChar *)"");
            continue;
        }
        value = mh_libxml.xmlNodeGetContent((const xmlNode *)attribute);
        add_line(out, path, (const char *)attribute->name, value);
        mh_libxml_free(value);
    }
}

/* The text directly inside node (not inside its children). */
static void
add_text(struct mh_buffer *out, const xmlNode *node, const char *path)
{
    for (const xmlNode *child = node->children; child; child = child->next) {
        if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE)
            add_line(out, path, "#text", child->content);
    }
}

/* One line; newlines in values are escaped so lines stay lines. */
static void
add_line(struct mh_buffer *out, const char *path, const char *name, const xmlChar *value)
{
    mh_buffer_append_string(out, path);
    mh_buffer_append(out, "\t", 1);
    mh_buffer_append_string(out, name);
    mh_buffer_append(out, "=", 1);
    for (const char *p = (const char *)value; p && *p;) {
        size_t plain = strcspn(p, "\n\\");

        mh_buffer_append(out, p, plain);
        p += plain;
        if (*p) {
            mh_buffer_append(out, *p == '\n' ? "\\n" : "\\\\", 2);
            p++;
        }
    }
    mh_buffer_append(out, "\n", 1);
}

static bool
in_list(const char *const *list, const xmlChar *name)
{
    for (; *list; list++) {
        if (strcmp(*list, (const char *)name) == 0)
            return true;
    }
    return false;
}

/* Append "/name" (or "name" to an empty path); returns the length to
 * pop back to. */
static size_t
push(struct path *path, const xmlChar *name)
{
    size_t mark = path->length;
    int added = snprintf(path->text + path->length, sizeof(path->text) - path->length, "%s%s",
                         path->length ? "/" : "", (const char *)name);

    if (added > 0)
        path->length += (size_t)added;
    if (path->length >= sizeof(path->text))
        path->length = sizeof(path->text) - 1;
    return mark;
}

static void
pop(struct path *path, size_t mark)
{
    path->length = mark;
    path->text[mark] = '\0';
}

/* The PATH of the line of text that holds offset, into path. */
static const char *
line_path(const char *text, size_t offset, char *path, size_t size)
{
    size_t start = offset, end;

    while (start > 0 && text[start - 1] != '\n')
        start--;
    end = start;
    while (text[end] && text[end] != '\t' && text[end] != '\n')
        end++;
    snprintf(path, size, "%.*s", (int)(end - start), text + start);
    /* The attribute, when the line names one. */
    if (text[end] == '\t') {
        const char *name = text + end + 1;
        size_t name_length = strcspn(name, "=\n");

        if (name_length && strncmp(name, "#text", name_length) != 0) {
            size_t used = strlen(path);
            snprintf(path + used, size - used, "/@%.*s", (int)name_length, name);
        }
    }
    return path;
}
