/* mh_ports_conf.c - read and check the "ports" configuration section. */
#include "mh_ports_conf.h"
#include "mh_ovsdb.h"
#include "mh_pattern.h"

#include <string.h>
#include <sys/un.h>

/* Port columns the ovs provider knows how to carry. */
static const char *const port_columns[] = { "tag", "trunks", "vlan_mode", "other_config", NULL };
static const char *const policies[] = { "refuse", "warn", "drop", NULL };

static int parse_socket(json_t *value, void *target, struct mh_conf_context *context);
static int parse_patterns(json_t *value, void *target, struct mh_conf_context *context);
static int parse_port_columns(json_t *value, void *target, struct mh_conf_context *context);

const struct mh_conf_field mh_ports_conf_fields[] = {
    { .key = "policy", .type = MH_CONF_ENUM, .offset = offsetof(struct mh_conf_ports, policy),
      .choices = policies },
    { .key = "ovsdb_socket", .type = MH_CONF_CUSTOM,
      .offset = offsetof(struct mh_conf_ports, ovsdb_socket), .parse = parse_socket },
    { .key = "timeout_ms", .type = MH_CONF_INT, .offset = offsetof(struct mh_conf_ports, timeout_ms),
      .min = 50, .max = 60000 },
    { .key = "wait_ms", .type = MH_CONF_INT, .offset = offsetof(struct mh_conf_ports, wait_ms),
      .min = 0, .max = 60000 },
    { .key = "policing", .type = MH_CONF_BOOL, .offset = offsetof(struct mh_conf_ports, policing) },
    { .key = "external_ids", .type = MH_CONF_CUSTOM,
      .offset = offsetof(struct mh_conf_ports, external_ids), .parse = parse_patterns },
    { .key = "port_columns", .type = MH_CONF_CUSTOM,
      .offset = offsetof(struct mh_conf_ports, port_columns), .parse = parse_port_columns },
    { .key = "other_config", .type = MH_CONF_CUSTOM,
      .offset = offsetof(struct mh_conf_ports, other_config), .parse = parse_patterns },
    { .key = NULL },
};

void
mh_ports_conf_defaults(struct mh_conf_ports *ports)
{
    memset(ports, 0, sizeof(*ports));
    /* Port data exists because a controller put the guest in a VLAN or
     * segment; starting it without that is worse than not starting it. */
    ports->policy = MH_PORTS_POLICY_REFUSE;
    ports->ovsdb_socket = MH_OVSDB_DEFAULT_SOCKET;
    ports->timeout_ms = 2000;
    ports->wait_ms = 1000;
    ports->policing = true;
    ports->pending_dir = MH_PORTS_PENDING_DIR;
}

const char *
mh_ports_conf_policy_name(int policy)
{
    if (policy < 0 || policy > MH_PORTS_POLICY_DROP)
        return "unknown";
    return policies[policy];
}

int
mh_ports_conf_policy_parse(const char *name)
{
    for (int i = 0; policies[i]; i++) {
        if (strcmp(policies[i], name) == 0)
            return i;
    }
    return -1;
}

static int
parse_socket(json_t *value, void *target, struct mh_conf_context *context)
{
    const char *path = json_string_value(value);

    if (!path || strlen(path) != json_string_length(value) || path[0] != '/')
        return mh_conf_fail(context, NULL, "must be an absolute path to a unix socket");
    if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path))
        return mh_conf_fail(context, NULL, "must be shorter than %zu bytes (a unix socket path)",
                            sizeof(((struct sockaddr_un *)0)->sun_path));
    *(const char **)target = path;
    return 0;
}

static int
parse_patterns(json_t *value, void *target, struct mh_conf_context *context)
{
    const char *reason = NULL;
    long bad;

    if (mh_pattern_check(value, &bad, &reason) < 0) {
        if (bad >= 0)
            mh_conf_push(context, NULL, (size_t)bad);
        return mh_conf_fail(context, NULL, "%s", reason);
    }
    *(json_t **)target = value;
    return 0;
}

static int
parse_port_columns(json_t *value, void *target, struct mh_conf_context *context)
{
    size_t index;
    json_t *item;

    if (!json_is_array(value))
        return mh_conf_fail(context, NULL, "must be an array of Port column names");
    json_array_foreach(value, index, item) {
        const char *name = json_string_value(item);
        bool known = false;
        size_t mark;

        for (int i = 0; name && port_columns[i]; i++)
            known = known || strcmp(port_columns[i], name) == 0;
        mark = mh_conf_push(context, NULL, index);
        if (!known)
            return mh_conf_fail(context, NULL, "must be one of: tag, trunks, vlan_mode, other_config");
        for (size_t before = 0; before < index; before++) {
            if (json_equal(json_array_get(value, before), item))
                return mh_conf_fail(context, NULL, "\"%s\" is listed twice", name);
        }
        mh_conf_pop(context, mark);
    }
    *(json_t **)target = value;
    return 0;
}
