/* mh-ports.c - show the port data of a running guest, or apply port data from a cookie by hand. */
#include "mh_cli.h"
#include "mh_conf.h"
#include "mh_error.h"
#include "mh_json.h"
#include "mh_ports.h"
#include "mh_ports_conf.h"
#include "mh_ports_file.h"
#include "mh_ports_virt.h"
#include "mh_xml.h"

#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROGRAM "mh-ports"

/* Exit codes beyond 0, 1 and MH_EXIT_USAGE. */
#define EXIT_SKIPPED 2

struct options {
    const char *uri;
    const char *domain;
    const char *from_cookie;
    const char *socket;
    int policy;                 /* -1: the configured one */
    int json;
};

struct command {
    const char *name;
    int (*run)(struct mh_conf *conf, const struct options *options);
};

static int show(struct mh_conf *conf, const struct options *options);
static int apply(struct mh_conf *conf, const struct options *options);

static const struct command commands[] = {
    { "show", show },
    { "apply", apply },
};

static void
usage(FILE *out)
{
    fprintf(out,
            "usage: %s show [-c URI] [--json] DOMAIN\n"
            "       %s apply [-c URI] DOMAIN --from-cookie FILE [--policy POLICY]\n"
            "\n"
            "Per-port network data of a running guest's NICs: what migrate-hooks carries\n"
            "in the migration cookie and writes to the destination's taps (Open vSwitch\n"
            "Interface external_ids and ingress policing; Port tag, trunks, vlan_mode and\n"
            "other_config; libvirt's own keys never).\n"
            "\n"
            "  show DOMAIN     print the data of each NIC, read from the local OVSDB\n"
            "  apply DOMAIN    write the data in FILE to the guest's taps on this host, in\n"
            "                  one OVSDB transaction (repair after a failed started hook)\n"
            "\n"
            "  -c, --connect URI        libvirt URI (default: libvirt's default)\n"
            "  -f, --from-cookie FILE   apply: the <mh:cookie> element, a domain XML holding\n"
            "                           it (virsh dumpxml), its JSON content, or the output\n"
            "                           of 'show --json'; - reads standard input\n"
            "  -p, --policy POLICY      apply: refuse, warn or drop when a NIC cannot be\n"
            "                           written (default: ports.policy)\n"
            "  -s, --socket PATH        OVSDB socket (default: ports.ovsdb_socket)\n"
            "  -j, --json               print JSON (show: usable as apply's FILE)\n"
            "  -F, --config-file FILE   read FILE instead of %s\n"
            "                           (also -C, --config)\n"
            "  -h, --help               show this help\n"
            "  -V, --version            show the version\n"
            "\n"
            "Exit status: 0 success; 1 failure (libvirt, OVSDB, unreadable or invalid FILE,\n"
            "refused by policy: nothing was written); %d apply wrote what it could but\n"
            "skipped NICs (policy warn or drop); %d usage error.\n",
            PROGRAM, PROGRAM, MH_CONF_FILE, EXIT_SKIPPED, MH_EXIT_USAGE);
}

static void
print_json(json_t *value)
{
    char *text = json_dumps(value, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENSURE_ASCII);

    if (text)
        puts(text);
    free(text);
}

/* A value for the table: strings as they are, control characters escaped
 * (the data comes from whoever can write to OVSDB). */
static void
print_scalar(json_t *value)
{
    if (json_is_string(value)) {
        for (const char *p = json_string_value(value); *p; p++) {
            if (iscntrl((unsigned char)*p))
                printf("\\x%02x", (unsigned char)*p);
            else
                putchar(*p);
        }
    } else {
        char *text = mh_json_line(value);
        fputs(text ? text : "?", stdout);
        free(text);
    }
}

/* One line per leaf: interface.external_ids.ctl-vlan = 42 */
static void
print_data(json_t *value, char *path, size_t size)
{
    size_t mark = strlen(path);
    const char *key;
    json_t *member;

    if (!json_is_object(value)) {
        printf("    %s = ", path);
        print_scalar(value);
        putchar('\n');
        return;
    }
    json_object_foreach(value, key, member) {
        snprintf(path + mark, size - mark, "%s%s", mark ? "." : "", key);
        print_data(member, path, size);
        path[mark] = '\0';
    }
}

static int
show(struct mh_conf *conf, const struct options *options)
{
    struct mh_error err = { { 0 } };
    struct mh_ports_interface *interfaces = NULL;
    json_t *section = NULL;
    size_t count = 0;
    xmlDoc *doc;
    int status = 1;

    doc = mh_ports_virt_live_xml(options->uri, options->domain, &err);
    if (!doc || mh_ports_interfaces(doc, &interfaces, &count, &err) < 0 ||
        mh_ports_collect(conf, doc, &section, &err) < 0) {
        fprintf(stderr, "%s: %s\n", PROGRAM, err.message);
        goto cleanup;
    }
    if (options->json) {
        json_t *list = json_array();
        json_t *output = json_pack("{s:s, s:O, s:o}", "domain", options->domain, "ports", section,
                                   "interfaces", list);

        for (size_t i = 0; i < count; i++) {
            const struct mh_ports_provider *provider = mh_ports_provider_for(&interfaces[i]);
            json_array_append_new(list, json_pack("{s:s, s:s, s:s, s:s, s:s?}", "mac",
                                                  interfaces[i].mac, "tap", interfaces[i].target,
                                                  "type", interfaces[i].type, "source",
                                                  interfaces[i].source, "provider",
                                                  provider ? provider->name : NULL));
        }
        print_json(output);
        json_decref(output);
    } else {
        printf("%-18s %-16s %-9s %s\n", "MAC", "TAP", "PROVIDER", "SOURCE");
        for (size_t i = 0; i < count; i++) {
            const struct mh_ports_provider *provider = mh_ports_provider_for(&interfaces[i]);
            json_t *data = json_object_get(json_object_get(section, interfaces[i].mac), "data");
            char path[1024] = "";

            printf("%-18s %-16s %-9s %s\n", interfaces[i].mac,
                   interfaces[i].target[0] ? interfaces[i].target : "-",
                   provider ? provider->name : "-",
                   interfaces[i].source[0] ? interfaces[i].source : "-");
            if (data)
                print_data(data, path, sizeof(path));
            else if (provider)
                printf("    (nothing to carry)\n");
        }
    }
    status = 0;

cleanup:
    json_decref(section);
    free(interfaces);
    mh_xml_free_doc(doc);
    return status;
}

static int
apply(struct mh_conf *conf, const struct options *options)
{
    struct mh_error err = { { 0 } };
    json_t *section = NULL, *report = json_object();
    json_t *applied, *problems, *absent, *item;
    const char *mac;
    xmlDoc *doc = NULL;
    size_t index;
    int ret, status = 1;

    if (mh_ports_file_read(options->from_cookie, &section, &err) < 0 ||
        !(doc = mh_ports_virt_live_xml(options->uri, options->domain, &err))) {
        fprintf(stderr, "%s: %s\n", PROGRAM, err.message);
        goto cleanup;
    }
    ret = mh_ports_apply(conf, doc, section, report, &err);
    applied = json_object_get(report, "applied");
    problems = json_object_get(report, "problems");
    absent = json_object_get(report, "absent");
    if (options->json) {
        print_json(report);
    } else {
        json_object_foreach(applied, mac, item) {
            char line[2048] = "";
            const char *key;
            json_t *names;

            json_object_foreach(item, key, names) {
                size_t i;
                json_t *name;

                if (!json_is_array(names))
                    continue;
                json_array_foreach(names, i, name) {
                    size_t used = strlen(line);
                    snprintf(line + used, sizeof(line) - used, " %s.%s", key,
                             json_string_value(name));
                }
            }
            printf("%s %s: applied%s\n", mac, json_string_value(json_object_get(item, "tap")),
                   line[0] ? line : " nothing (no data to write)");
        }
    }
    json_object_foreach(problems, mac, item)
        fprintf(stderr, "%s: %s not applied: %s\n", PROGRAM, mac, json_string_value(item));
    json_array_foreach(absent, index, item)
        fprintf(stderr, "%s: %s is in the cookie but not a NIC of %s: ignored\n", PROGRAM,
                json_string_value(item), options->domain);
    if (ret < 0) {
        fprintf(stderr, "%s: %s\n", PROGRAM, err.message);
        goto cleanup;
    }
    status = json_object_size(problems) ? EXIT_SKIPPED : 0;

cleanup:
    json_decref(section);
    json_decref(report);
    mh_xml_free_doc(doc);
    return status;
}

int
main(int argc, char **argv)
{
    static const struct option long_options[] = {
        { "connect", required_argument, NULL, 'c' },
        { "from-cookie", required_argument, NULL, 'f' },
        { "policy", required_argument, NULL, 'p' },
        { "socket", required_argument, NULL, 's' },
        { "json", no_argument, NULL, 'j' },
        { "config-file", required_argument, NULL, 'F' },
        { "config", required_argument, NULL, 'C' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    struct options options = { .policy = -1 };
    struct mh_error err = { { 0 } };
    const struct command *command = NULL;
    const char *config_path = NULL;
    struct mh_conf conf;
    int option, status;

    while ((option = getopt_long(argc, argv, "c:f:p:s:jF:C:hV", long_options, NULL)) != -1) {
        switch (option) {
        case 'c':
            options.uri = optarg;
            break;
        case 'f':
            options.from_cookie = optarg;
            break;
        case 'p':
            options.policy = mh_ports_conf_policy_parse(optarg);
            if (options.policy < 0)
                return mh_cli_usage_error(PROGRAM, "--policy must be refuse, warn or drop");
            break;
        case 's':
            if (optarg[0] != '/')
                return mh_cli_usage_error(PROGRAM, "--socket must be an absolute path");
            options.socket = optarg;
            break;
        case 'j':
            options.json = 1;
            break;
        case 'F':
        case 'C':
            config_path = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            mh_cli_version(PROGRAM);
            return 0;
        default:
            return mh_cli_usage_error(PROGRAM, "invalid option");
        }
    }
    if (optind >= argc)
        return mh_cli_usage_error(PROGRAM, "a command is needed: show or apply");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(commands[i].name, argv[optind]) == 0)
            command = &commands[i];
    }
    if (!command)
        return mh_cli_usage_error(PROGRAM, "unknown command '%s' (show or apply)", argv[optind]);
    if (optind + 1 >= argc)
        return mh_cli_usage_error(PROGRAM, "%s needs a DOMAIN", command->name);
    if (optind + 2 < argc)
        return mh_cli_usage_error(PROGRAM, "unexpected argument '%s'", argv[optind + 2]);
    options.domain = argv[optind + 1];
    if (command->run == apply && !options.from_cookie)
        return mh_cli_usage_error(PROGRAM, "apply needs --from-cookie FILE");
    if (command->run != apply && (options.from_cookie || options.policy >= 0))
        return mh_cli_usage_error(PROGRAM, "--from-cookie and --policy are for apply");

    if (mh_cli_load_conf(&conf, config_path, &err) < 0) {
        fprintf(stderr, "%s: %s\n", PROGRAM, err.message);
        mh_conf_free(&conf);
        return 1;
    }
    if (options.socket)
        conf.ports.ovsdb_socket = options.socket;
    if (options.policy >= 0)
        conf.ports.policy = options.policy;
    status = command->run(&conf, &options);
    mh_conf_free(&conf);
    return status;
}
