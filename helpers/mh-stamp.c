/* mh-stamp.c - stamp the migrate-hooks cookie on running guests, or show
 * a guest's cookie. */
#include "mh_cli.h"
#include "mh_conf.h"
#include "mh_cookie.h"
#include "mh_error.h"
#include "mh_facts_virt.h"
#include "mh_json.h"
#include "mh_stamp.h"

#include <getopt.h>
#include <libvirt/libvirt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PROGRAM "mh-stamp"

struct options {
    const char *uri;
    const char *config_file;
    int all;
    int show;
    int json;
    int dry_run;
};

static void
usage(FILE *out)
{
    fprintf(out,
            "usage: %s [-c URI] [--dry-run] DOMAIN... | --all\n"
            "       %s [-c URI] --show [--json] DOMAIN\n"
            "\n"
            "Stamp the migrate-hooks cookie (docs/cookie.md) on running guests of this\n"
            "host: a fresh migration id, the time, this host's id and facts, and every\n"
            "other section the installed modules provide, signed with cookie.key_file\n"
            "when one is configured. It goes into the guest's live metadata\n"
            "(namespace %s), which libvirt carries to the\n"
            "destination of any migration, however it is started.\n"
            "\n"
            "  -c, --connect URI      libvirt URI of this host (default: libvirt's default)\n"
            "  -a, --all              stamp every running guest\n"
            "  -n, --dry-run          print the cookie element instead of writing it\n"
            "  -s, --show             decode and check DOMAIN's cookie as a destination with\n"
            "                         this configuration would (key, max_age)\n"
            "  -j, --json             with --show: print it as one JSON object\n"
            "  -F, --config-file FILE read the configuration from FILE alone\n"
            "  -h, --help             show this help\n"
            "  -V, --version          show the version\n"
            "\n"
            "Exit status: 0 every guest stamped (--show: the cookie is valid), 1 a guest\n"
            "could not be stamped (--show: no cookie, an invalid one, or an error), %d\n"
            "usage error.\n",
            PROGRAM, PROGRAM, MH_COOKIE_NAMESPACE, MH_EXIT_USAGE);
}

static int
stamp_one(virConnectPtr connection, virDomainPtr domain, const struct mh_conf *conf,
          const struct options *options)
{
    struct mh_error err = { { 0 } };
    char migration_id[64] = "";
    char *element = NULL;
    const char *name = virDomainGetName(domain);

    if (mh_stamp_domain(connection, domain, conf, options->dry_run, migration_id, &element,
                        &err) < 0) {
        fprintf(stderr, "%s: %s: %s\n", PROGRAM, name, err.message);
        return 1;
    }
    if (options->dry_run)
        printf("%s\n", element);
    else
        printf("%s: stamped, migration id %s\n", name, migration_id);
    free(element);
    return 0;
}

static int
stamp_all(virConnectPtr connection, const struct mh_conf *conf, const struct options *options)
{
    virDomainPtr *domains = NULL;
    int count = virConnectListAllDomains(connection, &domains, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
    int status = 0;

    if (count < 0) {
        fprintf(stderr, "%s: cannot list guests: %s\n", PROGRAM, mh_facts_virt_error());
        return 1;
    }
    for (int i = 0; i < count; i++) {
        status |= stamp_one(connection, domains[i], conf, options);
        virDomainFree(domains[i]);
    }
    free(domains);
    return status;
}

static void
print_cookie(const char *name, const struct mh_cookie *cookie, const struct mh_conf *conf,
             int json)
{
    const char *signature = cookie->authenticated ? "valid HMAC"
                            : cookie->has_hmac    ? "HMAC not verified (no cookie.key_file here)"
                                                  : "unsigned";
    char *text;

    if (json) {
        json_t *object = json_pack("{ss ss ss ss sb sb sO}", "guest", name, "migration_id",
                                   cookie->migration_id, "stamped", cookie->stamped,
                                   "source_host", cookie->source_host, "signed", cookie->has_hmac,
                                   "authenticated", cookie->authenticated, "cookie",
                                   cookie->content);

        text = object ? mh_json_line(object) : NULL;
        if (text)
            puts(text);
        free(text);
        json_decref(object);
        return;
    }
    printf("guest:        %s\n", name);
    printf("migration id: %s\n", cookie->migration_id);
    printf("stamped:      %s (%.0f s ago)\n", cookie->stamped,
           difftime(time(NULL), cookie->stamped_at));
    printf("source host:  %s\n", cookie->source_host);
    printf("signature:    %s\n", signature);
    if (conf->cookie.max_age)
        printf("max age:      %ld s (cookie.max_age)\n", conf->cookie.max_age);
    text = json_dumps(cookie->content, JSON_INDENT(2) | JSON_SORT_KEYS);
    if (text)
        printf("content:\n%s\n", text);
    free(text);
}

static int
show(virConnectPtr connection, const char *name, const struct mh_conf *conf, int json)
{
    struct mh_error err = { { 0 } };
    struct mh_cookie cookie;
    virDomainPtr domain = virDomainLookupByName(connection, name);
    int found;

    if (!domain) {
        fprintf(stderr, "%s: no guest %s\n", PROGRAM, name);
        return 1;
    }
    found = mh_stamp_read(domain, conf, &cookie, &err);
    virDomainFree(domain);
    if (found < 0) {
        fprintf(stderr, "%s: %s: invalid cookie: %s\n", PROGRAM, name, err.message);
        return 1;
    }
    if (found == 0) {
        fprintf(stderr, "%s: %s: no cookie (stamp it with %s %s)\n", PROGRAM, name, PROGRAM, name);
        return 1;
    }
    print_cookie(name, &cookie, conf, json);
    mh_cookie_free(&cookie);
    return 0;
}

static int
run(const struct options *options, int count, char **names)
{
    struct mh_error err = { { 0 } };
    virConnectPtr connection = NULL;
    struct mh_conf conf;
    int status = 0;

    if (mh_cli_load_conf(&conf, options->config_file, &err) < 0) {
        fprintf(stderr, "%s: %s\n", PROGRAM, err.message);
        mh_conf_free(&conf);
        return 1;
    }
    mh_facts_virt_quiet();
    connection = options->show ? virConnectOpenReadOnly(options->uri) : virConnectOpen(options->uri);
    if (!connection) {
        fprintf(stderr, "%s: cannot connect to %s: %s\n", PROGRAM,
                options->uri ? options->uri : "libvirt", mh_facts_virt_error());
        mh_conf_free(&conf);
        return 1;
    }
    if (options->show) {
        status = show(connection, names[0], &conf, options->json);
    } else if (options->all) {
        status = stamp_all(connection, &conf, options);
    } else {
        for (int i = 0; i < count; i++) {
            virDomainPtr domain = virDomainLookupByName(connection, names[i]);

            if (!domain) {
                fprintf(stderr, "%s: no guest %s\n", PROGRAM, names[i]);
                status = 1;
                continue;
            }
            status |= stamp_one(connection, domain, &conf, options);
            virDomainFree(domain);
        }
    }
    virConnectClose(connection);
    mh_conf_free(&conf);
    return status;
}

int
main(int argc, char **argv)
{
    static const struct option long_options[] = {
        { "connect", required_argument, NULL, 'c' },
        { "all", no_argument, NULL, 'a' },
        { "dry-run", no_argument, NULL, 'n' },
        { "show", no_argument, NULL, 's' },
        { "json", no_argument, NULL, 'j' },
        { "config-file", required_argument, NULL, 'F' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    struct options options = { 0 };
    int option;

    while ((option = getopt_long(argc, argv, "c:ansjF:hV", long_options, NULL)) != -1) {
        switch (option) {
        case 'c':
            options.uri = optarg;
            break;
        case 'a':
            options.all = 1;
            break;
        case 'n':
            options.dry_run = 1;
            break;
        case 's':
            options.show = 1;
            break;
        case 'j':
            options.json = 1;
            break;
        case 'F':
            options.config_file = optarg;
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
    if (options.show) {
        if (options.all || options.dry_run)
            return mh_cli_usage_error(PROGRAM, "--show does not go with --all or --dry-run");
        if (argc - optind != 1)
            return mh_cli_usage_error(PROGRAM, "--show takes exactly one DOMAIN");
    } else if (options.json) {
        return mh_cli_usage_error(PROGRAM, "--json goes with --show");
    } else if (options.all == (optind < argc)) {
        return mh_cli_usage_error(PROGRAM, "name the guests to stamp, or --all (not both)");
    }
    return run(&options, argc - optind, argv + optind);
}
