/* mh_ports.c - the provider table, the domain's NICs, and collect / apply / check over all providers. */
#include "mh_ports.h"
#include "mh_error.h"
#include "mh_ports_conf.h"
#include "mh_string.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every port type migrate-hooks can carry; the first that matches a NIC
 * collects it. */
static const struct mh_ports_provider *const providers[] = {
    &mh_ports_ovs_provider,
};

#define PROVIDER_COUNT (sizeof(providers) / sizeof(providers[0]))

/* A provider's session during one collect or apply, opened on first use. */
struct session {
    void *handle;
    bool tried;
    char failure[sizeof(((struct mh_error *)0)->message)];
    json_t *staged;             /* MAC -> note, waiting for commit */
};

static int read_interface(xmlNode *node, struct mh_ports_interface *interface);
static void copy_attribute(xmlNode *node, const char *name, char *out, size_t size);
static const struct mh_ports_interface *find_interface(const struct mh_ports_interface *list,
                                                       size_t count, const char *mac);
static size_t provider_index(const struct mh_ports_provider *provider);
static void *session_get(struct session *session, const struct mh_ports_provider *provider,
                         const struct mh_conf *conf, struct mh_error *err);
static void sessions_close(struct session *sessions);
static bool valid_provider_name(const char *name);
static void add_problem(json_t *problems, const char *mac, const char *format, ...)
    __attribute__((format(printf, 3, 4)));
static void refuse_with_problems(json_t *problems, struct mh_error *err);

const struct mh_ports_provider *
mh_ports_provider_find(const char *name)
{
    for (size_t i = 0; i < PROVIDER_COUNT; i++) {
        if (strcmp(providers[i]->name, name) == 0)
            return providers[i];
    }
    return NULL;
}

const struct mh_ports_provider *
mh_ports_provider_for(const struct mh_ports_interface *interface)
{
    for (size_t i = 0; i < PROVIDER_COUNT; i++) {
        if (providers[i]->matches(interface))
            return providers[i];
    }
    return NULL;
}

int
mh_ports_interfaces(xmlDoc *doc, struct mh_ports_interface **interfaces, size_t *count,
                    struct mh_error *err)
{
    xmlNode *root = doc ? mh_libxml.xmlDocGetRootElement(doc) : NULL;
    xmlNode *devices = mh_xml_child(root, "devices");
    struct mh_ports_interface *list;
    size_t used = 0;

    *interfaces = NULL;
    *count = 0;
    if (!root || strcmp((const char *)root->name, "domain") != 0) {
        mh_error_set(err, "domain XML: root element is not <domain>");
        return -1;
    }
    list = calloc(MH_PORTS_MAX_INTERFACES, sizeof(*list));
    if (!list) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    for (xmlNode *node = mh_xml_child(devices, "interface"); node;
         node = mh_xml_next(node, "interface")) {
        if (used == MH_PORTS_MAX_INTERFACES) {
            mh_error_set(err, "domain XML: more than %d <interface> elements",
                         MH_PORTS_MAX_INTERFACES);
            free(list);
            return -1;
        }
        if (read_interface(node, &list[used]) == 0)
            used++;
    }
    *interfaces = list;
    *count = used;
    return 0;
}

int
mh_ports_mac_normalize(const char *text, char out[18])
{
    if (!text || strlen(text) != 17)
        return -1;
    for (size_t i = 0; i < 17; i++) {
        unsigned char c = (unsigned char)text[i];

        if (i % 3 == 2 ? c != ':' : !isxdigit(c))
            return -1;
        out[i] = (char)tolower(c);
    }
    out[17] = '\0';
    return 0;
}

int
mh_ports_collect(const struct mh_conf *conf, xmlDoc *live_xml, json_t **section,
                 struct mh_error *err)
{
    struct session sessions[PROVIDER_COUNT];
    struct mh_ports_interface *interfaces = NULL;
    json_t *result = json_object();
    size_t count = 0;
    int ret = -1;

    memset(sessions, 0, sizeof(sessions));
    *section = NULL;
    if (!result) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    if (mh_ports_interfaces(live_xml, &interfaces, &count, err) < 0)
        goto cleanup;
    for (size_t i = 0; i < count; i++) {
        const struct mh_ports_interface *interface = &interfaces[i];
        const struct mh_ports_provider *provider = mh_ports_provider_for(interface);
        void *handle;
        json_t *data;

        if (!provider)
            continue;
        handle = session_get(&sessions[provider_index(provider)], provider, conf, err);
        if (!handle)
            goto cleanup;
        data = provider->collect(handle, interface, err);
        if (!data) {
            mh_error_prefix(err, "NIC %s (%s)", interface->mac,
                            interface->target[0] ? interface->target : "no tap");
            goto cleanup;
        }
        if (json_object_size(data) == 0) {
            json_decref(data);
            continue;
        }
        json_object_set_new(result, interface->mac,
                            json_pack("{s:s, s:o}", "provider", provider->name, "data", data));
    }
    *section = result;
    result = NULL;
    ret = 0;

cleanup:
    sessions_close(sessions);
    json_decref(result);
    free(interfaces);
    return ret;
}

int
mh_ports_validate(const json_t *section, struct mh_error *err)
{
    const char *mac;
    json_t *entry;

    if (!json_is_object(section)) {
        mh_error_set(err, "ports: must be an object of MAC address -> port data");
        return -1;
    }
    if (json_object_size(section) > MH_PORTS_MAX_INTERFACES) {
        mh_error_set(err, "ports: more than %d NICs", MH_PORTS_MAX_INTERFACES);
        return -1;
    }
    json_object_foreach((json_t *)section, mac, entry) {
        const char *name = json_string_value(json_object_get(entry, "provider"));
        json_t *data = json_object_get(entry, "data");
        const struct mh_ports_provider *provider;
        char normal[18];

        if (mh_ports_mac_normalize(mac, normal) < 0 || strcmp(normal, mac) != 0) {
            mh_error_set(err, "ports: key \"%.40s\" is not a lower-case MAC address", mac);
            return -1;
        }
        if (!json_is_object(entry)) {
            mh_error_set(err, "ports[%s]: must be an object with \"provider\" and \"data\"", mac);
            return -1;
        }
        if (!name || !valid_provider_name(name)) {
            mh_error_set(err, "ports[%s].provider: must be a port type name such as \"ovs\"",
                         mac);
            return -1;
        }
        if (!json_is_object(data)) {
            mh_error_set(err, "ports[%s].data: must be an object", mac);
            return -1;
        }
        provider = mh_ports_provider_find(name);
        if (provider && provider->validate(data, err) < 0) {
            mh_error_prefix(err, "ports[%s].data", mac);
            return -1;
        }
    }
    return 0;
}

int
mh_ports_apply(const struct mh_conf *conf, xmlDoc *live_xml, const json_t *section,
               json_t *report, struct mh_error *err)
{
    struct session sessions[PROVIDER_COUNT];
    struct mh_ports_interface *interfaces = NULL;
    json_t *applied = json_object();
    json_t *problems = json_object();
    json_t *absent = json_array();
    bool refuse = conf->ports.policy == MH_PORTS_POLICY_REFUSE;
    size_t count = 0;
    const char *mac;
    json_t *entry;
    int ret = -1;

    memset(sessions, 0, sizeof(sessions));
    if (!applied || !problems || !absent) {
        mh_error_set(err, "out of memory");
        goto cleanup;
    }
    if (mh_ports_validate(section, err) < 0) {
        mh_error_prefix(err, "invalid port data in the cookie");
        goto cleanup;
    }
    if (mh_ports_interfaces(live_xml, &interfaces, &count, err) < 0)
        goto cleanup;

    json_object_foreach((json_t *)section, mac, entry) {
        const char *name = json_string_value(json_object_get(entry, "provider"));
        const struct mh_ports_interface *interface = find_interface(interfaces, count, mac);
        const struct mh_ports_provider *provider = mh_ports_provider_find(name);
        struct mh_error problem = { { 0 } };
        struct session *session;
        void *handle;
        json_t *note;

        if (!interface) {
            /* A NIC unplugged since the cookie was stamped: nothing to do. */
            json_array_append_new(absent, json_string(mac));
            continue;
        }
        if (!provider) {
            add_problem(problems, mac, "port type \"%s\" is not supported on this host", name);
            continue;
        }
        if (!provider->matches(interface)) {
            add_problem(problems, mac,
                        "%s is not an %s port here (interface type %s, source %s, "
                        "virtualport %s)", interface->target[0] ? interface->target : "the NIC",
                        name, interface->type[0] ? interface->type : "none",
                        interface->source[0] ? interface->source : "none",
                        interface->virtualport[0] ? interface->virtualport : "none");
            continue;
        }
        session = &sessions[provider_index(provider)];
        handle = session_get(session, provider, conf, &problem);
        if (!handle) {
            add_problem(problems, mac, "%s", session->failure);
            continue;
        }
        note = json_pack("{s:s, s:s}", "provider", name, "tap", interface->target);
        if (!note || provider->apply(handle, interface, json_object_get(entry, "data"), note,
                                     &problem) < 0) {
            add_problem(problems, mac, "%s", note ? problem.message : "out of memory");
            json_decref(note);
            continue;
        }
        if (!session->staged)
            session->staged = json_object();
        json_object_set_new(session->staged, mac, note);
    }

    /* Refusing writes nothing: the start fails and the source keeps the guest. */
    if (json_object_size(problems) == 0 || !refuse) {
        for (size_t i = 0; i < PROVIDER_COUNT; i++) {
            struct session *session = &sessions[i];
            struct mh_error problem = { { 0 } };

            if (!session->staged)
                continue;
            if (providers[i]->commit(session->handle, &problem) < 0) {
                json_object_foreach(session->staged, mac, entry)
                    add_problem(problems, mac, "%s", problem.message);
            } else {
                json_object_update(applied, session->staged);
            }
        }
    }
    if (json_object_size(problems) > 0) {
        json_object_set_new(report, "policy",
                            json_string(mh_ports_conf_policy_name(conf->ports.policy)));
        if (refuse)
            refuse_with_problems(problems, err);
    }
    ret = json_object_size(problems) > 0 && refuse ? -1 : 0;

cleanup:
    if (applied && json_object_size(applied))
        json_object_set(report, "applied", applied);
    if (problems && json_object_size(problems))
        json_object_set(report, "problems", problems);
    if (absent && json_array_size(absent))
        json_object_set(report, "absent", absent);
    sessions_close(sessions);
    json_decref(applied);
    json_decref(problems);
    json_decref(absent);
    free(interfaces);
    return ret;
}

int
mh_ports_check(const struct mh_conf *conf, const json_t *section, json_t *report,
               struct mh_error *err)
{
    struct session sessions[PROVIDER_COUNT];
    json_t *reachable = json_array();
    const char *mac;
    json_t *entry;
    int ret = -1;

    memset(sessions, 0, sizeof(sessions));
    if (!reachable) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    if (mh_ports_validate(section, err) < 0) {
        mh_error_prefix(err, "invalid port data in the cookie");
        goto cleanup;
    }
    json_object_set_new(report, "entries", json_integer((json_int_t)json_object_size(section)));
    if (conf->ports.policy != MH_PORTS_POLICY_REFUSE) {
        ret = 0;
        goto cleanup;
    }
    json_object_foreach((json_t *)section, mac, entry) {
        const char *name = json_string_value(json_object_get(entry, "provider"));
        const struct mh_ports_provider *provider = mh_ports_provider_find(name);
        struct session *session;

        if (!provider) {
            mh_error_set(err, "NIC %s has %s port data, a port type this host does not "
                         "support (ports.policy is refuse)", mac, name);
            goto cleanup;
        }
        session = &sessions[provider_index(provider)];
        if (session->tried)
            continue;
        if (!session_get(session, provider, conf, err)) {
            mh_error_prefix(err, "NIC %s has %s port data that could not be applied here "
                            "(ports.policy is refuse)", mac, name);
            goto cleanup;
        }
        json_array_append_new(reachable, json_string(name));
    }
    ret = 0;

cleanup:
    if (json_array_size(reachable))
        json_object_set(report, "reachable", reachable);
    json_decref(reachable);
    sessions_close(sessions);
    return ret;
}

static int
read_interface(xmlNode *node, struct mh_ports_interface *interface)
{
    xmlNode *source = mh_xml_child(node, "source");
    char *mac = mh_xml_attribute(mh_xml_child(node, "mac"), "address");
    int ret = mh_ports_mac_normalize(mac, interface->mac);

    free(mac);
    if (ret < 0)
        return -1;
    copy_attribute(node, "type", interface->type, sizeof(interface->type));
    copy_attribute(source, "bridge", interface->source, sizeof(interface->source));
    if (!interface->source[0])
        copy_attribute(source, "network", interface->source, sizeof(interface->source));
    if (!interface->source[0])
        copy_attribute(source, "dev", interface->source, sizeof(interface->source));
    copy_attribute(mh_xml_child(node, "virtualport"), "type", interface->virtualport,
                   sizeof(interface->virtualport));
    copy_attribute(mh_xml_child(node, "target"), "dev", interface->target,
                   sizeof(interface->target));
    return 0;
}

/* An attribute into a fixed buffer; one too long for it is treated as
 * absent rather than cut, so a truncated tap name can never match a row. */
static void
copy_attribute(xmlNode *node, const char *name, char *out, size_t size)
{
    char *value = mh_xml_attribute(node, name);

    out[0] = '\0';
    if (value && mh_string_copy(out, size, value) < 0)
        out[0] = '\0';
    free(value);
}

static const struct mh_ports_interface *
find_interface(const struct mh_ports_interface *list, size_t count, const char *mac)
{
    for (size_t i = 0; i < count; i++) {
        if (strcmp(list[i].mac, mac) == 0)
            return &list[i];
    }
    return NULL;
}

static size_t
provider_index(const struct mh_ports_provider *provider)
{
    for (size_t i = 0; i < PROVIDER_COUNT; i++) {
        if (providers[i] == provider)
            return i;
    }
    return 0;
}

/* The provider's open session, opening it on first use; a failure to open
 * is remembered so every NIC of that provider reports it without retrying. */
static void *
session_get(struct session *session, const struct mh_ports_provider *provider,
            const struct mh_conf *conf, struct mh_error *err)
{
    if (!session->tried) {
        struct mh_error failure = { { 0 } };

        session->tried = true;
        if (provider->open(conf, &session->handle, &failure) < 0) {
            session->handle = NULL;
            mh_string_copy(session->failure, sizeof(session->failure), failure.message);
        }
    }
    if (!session->handle)
        mh_error_set(err, "%s", session->failure);
    return session->handle;
}

static void
sessions_close(struct session *sessions)
{
    for (size_t i = 0; i < PROVIDER_COUNT; i++) {
        if (sessions[i].handle)
            providers[i]->close(sessions[i].handle);
        json_decref(sessions[i].staged);
        memset(&sessions[i], 0, sizeof(sessions[i]));
    }
}

static bool
valid_provider_name(const char *name)
{
    size_t length = strlen(name);

    if (length == 0 || length > 32)
        return false;
    for (size_t i = 0; i < length; i++) {
        if (!islower((unsigned char)name[i]) && !isdigit((unsigned char)name[i]) &&
            name[i] != '-' && name[i] != '_')
            return false;
    }
    return true;
}

static void
add_problem(json_t *problems, const char *mac, const char *format, ...)
{
    char reason[sizeof(((struct mh_error *)0)->message)];
    va_list args;

    va_start(args, format);
    vsnprintf(reason, sizeof(reason), format, args);
    va_end(args);
    json_object_set_new(problems, mac, json_string(reason));
}

static void
refuse_with_problems(json_t *problems, struct mh_error *err)
{
    char message[sizeof(err->message)] = "";
    const char *mac;
    json_t *reason;

    json_object_foreach(problems, mac, reason) {
        if (message[0])
            mh_string_append(message, sizeof(message), "; ");
        mh_string_append(message, sizeof(message), mac);
        mh_string_append(message, sizeof(message), ": ");
        mh_string_append(message, sizeof(message), json_string_value(reason));
    }
    mh_error_set(err, "port data cannot be applied (ports.policy is refuse): %s", message);
}
