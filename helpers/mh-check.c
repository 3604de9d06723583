/* mh-check.c - run the pre-migration checks from the operator's seat, or
 * validate the configuration like visudo -c. */
#include "mh_check.h"
#include "mh_check_virt.h"
#include "mh_cli.h"
#include "mh_conf.h"
#include "mh_error.h"
#include "mh_json.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROGRAM "mh-check"

/* Exit codes of a check run; see usage(). */
#define EXIT_PASSED 0
#define EXIT_FAILED 1
#define EXIT_WARNED 2

struct options {
    const char *source_uri;
    const char *config_file;
    int json;
    int quiet;
};

static void
usage(FILE *out)
{
    fprintf(out,
            "usage: %s [-c SRC_URI] [--json] DEST_URI DOMAIN\n"
            "       %s --list\n"
            "       %s --config [FILE]\n"
            "\n"
            "Run the pre-migration checks for moving DOMAIN (name or UUID) from the source\n"
            "host to DEST_URI, the checks the destination's hook runs at migrate begin:\n"
            "facts of both hosts are read through their libvirt connections (read-only),\n"
            "the guest's migratable XML from the source, and the external checks in\n"
            "checks.d run here. Prints a table of check, result and reason.\n"
            "What libvirt does not show (the maintenance flag, OVS bridges, disks outside\n"
            "storage pools) is skipped or a warning; the hook checks it on the destination.\n"
            "\n"
            "  -c, --connect URI      the source host (default: libvirt's default URI)\n"
            "  -j, --json             print the results as one JSON object\n"
            "  -F, --config-file FILE read the configuration from FILE alone\n"
            "  -l, --list             list the built-in checks and their severities\n"
            "  -C, --config [FILE]    validate the configuration (%s and its\n"
            "                         conf.d/ drop-ins, or FILE) and print the first problem\n"
            "                         as FILE:LINE:COLUMN: reason\n"
            "  -q, --quiet            print nothing when the configuration is valid\n"
            "  -h, --help             show this help\n"
            "  -V, --version          show the version\n"
            "\n"
            "Exit status: 0 every check passed (or the configuration is valid),\n"
            "2 warnings but no failure, 1 a check failed, the checks could not be run or\n"
            "the configuration is invalid, %d usage error.\n",
            PROGRAM, PROGRAM, PROGRAM, MH_CONF_FILE, MH_EXIT_USAGE);
}

static int
check_config(const char *path, int quiet)
{
    struct mh_error err = { { 0 } };
    struct mh_conf conf;
    int ret = mh_cli_load_conf(&conf, path, &err);

    mh_conf_free(&conf);
    if (ret < 0) {
        fprintf(stderr, "%s: %s\n", PROGRAM, err.message);
        return 1;
    }
    if (!quiet)
        printf("%s: configuration OK\n", path ? path : MH_CONF_FILE);
    return 0;
}

static int
list_checks(const char *config_file)
{
    struct mh_error err = { { 0 } };
    struct mh_conf conf;

    if (mh_cli_load_conf(&conf, config_file, &err) < 0) {
        fprintf(stderr, "%s: %s\n", PROGRAM, err.message);
        mh_conf_free(&conf);
        return 1;
    }
    printf("%-16s %-8s %s\n", "CHECK", "SEVERITY", "WHAT IT CHECKS");
    for (size_t i = 0; i < mh_check_builtin_count; i++)
        printf("%-16s %-8s %s\n", mh_check_builtins[i].name,
               mh_check_severity_name(mh_check_severity(&conf.checks, i)),
               mh_check_builtins[i].summary);
    mh_conf_free(&conf);
    return 0;
}

static void
print_table(const struct mh_check_report *report, const char *domain)
{
    printf("%-16s %-6s %s\n", "CHECK", "RESULT", "REASON");
    for (size_t i = 0; i < report->count; i++)
        printf("%-16s %-6s %s\n", report->items[i].name,
               mh_check_result_name(report->items[i].result), report->items[i].reason);
    printf("\n%s: %zu failed, %zu warned, %zu checks\n", domain, report->failed, report->warned,
           report->count);
}

static void
print_json(const struct mh_check_report *report, const struct options *options,
           const char *destination_uri, const char *domain)
{
    const char *result = report->failed ? "fail" : report->warned ? "warn" : "pass";
    json_t *object = json_pack("{ss so ss ss so}", "guest", domain, "source",
                               options->source_uri ? json_string(options->source_uri) : json_null(),
                               "destination", destination_uri, "result", result, "checks",
                               mh_check_report_to_json(report));
    char *text = object ? mh_json_line(object) : NULL;

    if (text)
        puts(text);
    free(text);
    json_decref(object);
}

static int
run_checks(const struct options *options, const char *destination_uri, const char *domain)
{
    struct mh_check_report report = { 0 };
    struct mh_error err = { { 0 } };
    struct mh_conf conf;
    int status;

    if (mh_cli_load_conf(&conf, options->config_file, &err) < 0 ||
        mh_check_virt_run(options->source_uri, destination_uri, domain, &conf, &report, &err) < 0) {
        fprintf(stderr, "%s: %s\n", PROGRAM, err.message);
        mh_check_report_free(&report);
        mh_conf_free(&conf);
        return EXIT_FAILED;
    }
    if (options->json)
        print_json(&report, options, destination_uri, domain);
    else
        print_table(&report, domain);
    status = report.failed ? EXIT_FAILED : report.warned ? EXIT_WARNED : EXIT_PASSED;
    mh_check_report_free(&report);
    mh_conf_free(&conf);
    return status;
}

int
main(int argc, char **argv)
{
    static const struct option long_options[] = {
        { "connect", required_argument, NULL, 'c' },
        { "json", no_argument, NULL, 'j' },
        { "config-file", required_argument, NULL, 'F' },
        { "list", no_argument, NULL, 'l' },
        { "config", optional_argument, NULL, 'C' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    struct options options = { 0 };
    const char *config_path = NULL;
    int config = 0;
    int list = 0;
    int option;

    while ((option = getopt_long(argc, argv, "c:jF:lC::qhV", long_options, NULL)) != -1) {
        switch (option) {
        case 'c':
            options.source_uri = optarg;
            break;
        case 'j':
            options.json = 1;
            break;
        case 'F':
            options.config_file = optarg;
            break;
        case 'l':
            list = 1;
            break;
        case 'C':
            config = 1;
            config_path = optarg;
            break;
        case 'q':
            options.quiet = 1;
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
    if (config) {
        /* "--config FILE" with a space: getopt leaves FILE as an operand. */
        if (!config_path && optind < argc)
            config_path = argv[optind++];
        if (optind < argc)
            return mh_cli_usage_error(PROGRAM, "unexpected argument '%s'", argv[optind]);
        return check_config(config_path, options.quiet);
    }
    if (list) {
        if (optind < argc)
            return mh_cli_usage_error(PROGRAM, "unexpected argument '%s'", argv[optind]);
        return list_checks(options.config_file);
    }
    if (argc - optind != 2)
        return mh_cli_usage_error(PROGRAM, "expected DEST_URI DOMAIN (or --config, --list)");
    return run_checks(&options, argv[optind], argv[optind + 1]);
}
