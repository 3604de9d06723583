/* mh-journal.c - print the migrate-hooks journal, filtered. */
#include "mh_cli.h"
#include "mh_conf.h"
#include "mh_error.h"
#include "mh_journal.h"
#include "mh_json.h"
#include "mh_string.h"
#include "mh_time.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PROGRAM "mh-journal"

struct output {
    int json;
    size_t printed;
};

static void
usage(FILE *out)
{
    fprintf(out,
            "usage: %s [options]\n"
            "\n"
            "Print what the migrate-hooks hook did: one entry per hook stage that acted,\n"
            "oldest first, from the journal (and its rotated predecessor).\n"
            "\n"
            "  -g, --guest NAME|UUID   only this guest\n"
            "  -s, --since TIME        only entries at or after TIME: YYYY-MM-DD,\n"
            "                          YYYY-MM-DDTHH:MM[:SS] (UTC) or an age: 90s, 15m, 2h, 7d\n"
            "  -o, --outcome OUTCOME   only ok, warned, refused or error\n"
            "  -n, --lines N           only the last N entries\n"
            "  -j, --json              one JSON object per line, as stored\n"
            "  -f, --file PATH         read PATH instead of the configured journal\n"
            "  -F, --config-file FILE  read the journal path from FILE (also -c, --config)\n"
            "  -h, --help              show this help\n"
            "  -V, --version           show the version\n"
            "\n"
            "Exit status: 0 success (even with no entries), 1 the journal cannot be\n"
            "read, %d usage error.\n",
            PROGRAM, MH_EXIT_USAGE);
}

static int
print_entry(json_t *entry, void *data)
{
    struct output *output = data;
    char line[4096];

    if (output->json) {
        char *text = mh_json_line(entry);
        if (text)
            puts(text);
        free(text);
    } else {
        if (output->printed == 0)
            printf("%-24s %-12s %-16s %-16s %-8s %8s  %s\n", "TIME", "HOST", "GUEST", "STAGE",
                   "OUTCOME", "MS", "MESSAGE");
        mh_journal_format_row(entry, line, sizeof(line));
        puts(line);
    }
    output->printed++;
    return 0;
}

int
main(int argc, char **argv)
{
    static const struct option options[] = {
        { "guest", required_argument, NULL, 'g' },
        { "since", required_argument, NULL, 's' },
        { "outcome", required_argument, NULL, 'o' },
        { "lines", required_argument, NULL, 'n' },
        { "json", no_argument, NULL, 'j' },
        { "file", required_argument, NULL, 'f' },
        { "config-file", required_argument, NULL, 'F' },
        { "config", required_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    static const char *const outcomes[] = { "ok", "warned", "refused", "error", NULL };
    struct mh_journal_filter filter = { 0 };
    struct output output = { 0 };
    struct mh_error err = { { 0 } };
    struct mh_conf conf;
    const char *config_path = NULL;
    const char *file = NULL;
    char since[32] = "";
    size_t skipped = 0;
    long lines;
    int option;
    int status = 0;

    while ((option = getopt_long(argc, argv, "g:s:o:n:jf:F:c:hV", options, NULL)) != -1) {
        switch (option) {
        case 'g':
            filter.guest = optarg;
            break;
        case 's':
            if (mh_time_parse(optarg, time(NULL), since, &err) < 0)
                return mh_cli_usage_error(PROGRAM, "%s", err.message);
            filter.since = since;
            break;
        case 'o':
            for (int i = 0; outcomes[i]; i++) {
                if (strcmp(outcomes[i], optarg) == 0)
                    filter.outcome = outcomes[i];
            }
            if (!filter.outcome)
                return mh_cli_usage_error(PROGRAM, "--outcome must be ok, warned, refused or error");
            break;
        case 'n':
            if (mh_string_to_long(optarg, 1, 1000000, &lines) < 0)
                return mh_cli_usage_error(PROGRAM, "--lines must be a number from 1 to 1000000");
            filter.last = (size_t)lines;
            break;
        case 'j':
            output.json = 1;
            break;
        case 'f':
            file = optarg;
            break;
        case 'F':
        case 'c':
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
    if (optind < argc)
        return mh_cli_usage_error(PROGRAM, "unexpected argument '%s'", argv[optind]);

    if (!file) {
        if (mh_cli_load_conf(&conf, config_path, &err) < 0) {
            fprintf(stderr, "%s: %s\n", PROGRAM, err.message);
            mh_conf_free(&conf);
            return 1;
        }
    }
    if (mh_journal_query(file ? file : conf.journal_path, &filter, print_entry, &output,
                         &skipped, &err) < 0) {
        fprintf(stderr, "%s: %s\n", PROGRAM, err.message);
        status = 1;
    }
    if (skipped)
        fprintf(stderr, "%s: skipped %zu unreadable line%s\n", PROGRAM, skipped,
                skipped == 1 ? "" : "s");
    if (!file)
        mh_conf_free(&conf);
    return status;
}
