/* mh-check.c - validate the configuration, like visudo -c. */
#include "mh_cli.h"
#include "mh_conf.h"
#include "mh_error.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

#define PROGRAM "mh-check"

static void
usage(FILE *out)
{
    fprintf(out,
            "usage: %s --config [FILE]\n"
            "\n"
            "Validate the migrate-hooks configuration: %s and its conf.d/ drop-ins,\n"
            "or FILE alone. Prints the first problem as FILE:LINE:COLUMN: reason.\n"
            "\n"
            "  -C, --config [FILE]  validate the configuration (or FILE)\n"
            "  -q, --quiet          print nothing when it is valid\n"
            "  -h, --help           show this help\n"
            "  -V, --version        show the version\n"
            "\n"
            "Exit status: 0 valid, 1 invalid, %d usage error.\n",
            PROGRAM, MH_CONF_FILE, MH_EXIT_USAGE);
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

int
main(int argc, char **argv)
{
    static const struct option options[] = {
        { "config", optional_argument, NULL, 'C' },
        { "quiet", no_argument, NULL, 'q' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    const char *config_path = NULL;
    int config = 0;
    int quiet = 0;
    int option;

    while ((option = getopt_long(argc, argv, "C::qhV", options, NULL)) != -1) {
        switch (option) {
        case 'C':
            config = 1;
            config_path = optarg;
            break;
        case 'q':
            quiet = 1;
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
    /* "--config FILE" with a space: getopt leaves FILE as an operand. */
    if (config && !config_path && optind < argc)
        config_path = argv[optind++];
    if (optind < argc)
        return mh_cli_usage_error(PROGRAM, "unexpected argument '%s'", argv[optind]);
    if (!config)
        return mh_cli_usage_error(PROGRAM, "nothing to do; use --config [FILE]");
    return check_config(config_path, quiet);
}
