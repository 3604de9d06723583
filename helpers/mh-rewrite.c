/* mh-rewrite.c - preview, diff or check the XML rewrite on a domain XML file. */
#include "mh_cli.h"
#include "mh_conf.h"
#include "mh_diff.h"
#include "mh_error.h"
#include "mh_file.h"
#include "mh_rewrite.h"
#include "mh_xml.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROGRAM "mh-rewrite"

/* Exit codes: part of the interface (docs/rewrite.md, --help). */
#define EXIT_CHANGED 0
#define EXIT_FAILED 1
#define EXIT_UNCHANGED 3

#define DIFF_CONTEXT 3

enum mode { MODE_PRINT, MODE_DIFF, MODE_CHECK };

static void
usage(FILE *out)
{
    fprintf(out,
            "usage: %s [--config-file FILE] [--diff | --check] [FILE | -]\n"
            "\n"
            "Run the migrate-hooks XML rewrite on a domain XML (FILE, or standard input\n"
            "when FILE is - or missing), exactly as the hook does on an incoming\n"
            "migration: the rules of the \"rewrite\" section of %s\n"
            "(and conf.d/), or of FILE given to --config-file, change only host-side parts.\n"
            "\n"
            "By default prints the rewritten XML, and nothing when no rule applies\n"
            "(libvirt then uses the XML unchanged). Try it on `virsh dumpxml --migratable`.\n"
            "\n"
            "  -F, --config-file FILE\n"
            "                     read the configuration from FILE only (also -c, --config)\n"
            "  -d, --diff         print a unified diff of the change instead\n"
            "  -k, --check        print only a summary: which rules change how many parts\n"
            "  -h, --help         show this help\n"
            "  -V, --version      show the version\n"
            "\n"
            "Exit status: %d changed, %d unchanged (no rule applies), %d error (invalid\n"
            "configuration, unreadable or malformed XML, a rule that cannot apply such as\n"
            "an unmapped CPU; nothing is printed on stdout), %d usage error.\n",
            PROGRAM, MH_CONF_FILE, EXIT_CHANGED, EXIT_UNCHANGED, EXIT_FAILED, MH_EXIT_USAGE);
}

static int
read_input(const char *path, size_t cap, char **data, size_t *length, struct mh_error *err)
{
    int fd = STDIN_FILENO;
    int ret;

    if (strcmp(path, "-") != 0) {
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            mh_error_set_errno(err, errno, "%s", path);
            return -1;
        }
    }
    ret = mh_file_read_fd(fd, cap, data, length, err);
    if (ret < 0)
        mh_error_prefix(err, "%s", path);
    if (fd != STDIN_FILENO)
        close(fd);
    return ret;
}

static void
print_summary(const char *name, const struct mh_rewrite_result *result)
{
    const char *separator = " (";

    if (!result->changed) {
        printf("%s: unchanged\n", name);
        return;
    }
    printf("%s: changed: %zu edit%s", name, result->edits, result->edits == 1 ? "" : "s");
    for (int kind = 0; kind < MH_REWRITE_KINDS; kind++) {
        if (!result->counts[kind])
            continue;
        printf("%s%s %zu", separator, mh_rewrite_kind_names[kind], result->counts[kind]);
        separator = ", ";
    }
    printf("%s%s\n", *separator == ',' ? ")" : "",
           result->reserialized ? "; written out by libxml2" : "");
}

static int
run(const char *config_path, enum mode mode, const char *path)
{
    struct mh_rewrite_result result = { 0 };
    struct mh_error err = { { 0 } };
    struct mh_rewrite_rules *rules = NULL;
    struct mh_conf conf;
    char *input = NULL, *diff = NULL;
    size_t input_length = 0, diff_length = 0;
    const char *name = strcmp(path, "-") == 0 ? "<stdin>" : path;
    xmlDoc *doc = NULL;
    int status = EXIT_FAILED;

    if (mh_cli_load_conf(&conf, config_path, &err) < 0)
        goto failed;
    rules = mh_rewrite_rules_new(conf.rewrite, &err);
    if (!rules)
        goto failed;
    if (read_input(path, (size_t)conf.max_input_bytes, &input, &input_length, &err) < 0)
        goto failed;
    doc = mh_xml_parse(input, input_length, name, &err);
    if (!doc)
        goto failed;
    if (mh_rewrite_apply(rules, doc, input, input_length, &result, &err) < 0) {
        mh_error_prefix(&err, "%s", name);
        goto failed;
    }
    status = result.changed ? EXIT_CHANGED : EXIT_UNCHANGED;
    switch (mode) {
    case MODE_PRINT:
        if (result.changed && mh_file_write_all(STDOUT_FILENO, result.output,
                                                result.output_length) < 0) {
            mh_error_set_errno(&err, errno, "standard output");
            goto failed;
        }
        break;
    case MODE_DIFF:
        if (!result.changed)
            break;
        if (mh_diff_unified(input, input_length, result.output, result.output_length, name,
                            "rewritten", DIFF_CONTEXT, &diff, &diff_length, &err) < 0 ||
            mh_file_write_all(STDOUT_FILENO, diff, diff_length) < 0) {
            if (!err.message[0])
                mh_error_set_errno(&err, errno, "standard output");
            goto failed;
        }
        break;
    case MODE_CHECK:
        print_summary(name, &result);
        break;
    }
    goto cleanup;

failed:
    fprintf(stderr, "%s: %s\n", PROGRAM, err.message);
    status = EXIT_FAILED;
cleanup:
    mh_rewrite_result_free(&result);
    mh_rewrite_rules_free(rules);
    mh_xml_free_doc(doc);
    mh_conf_free(&conf);
    free(input);
    free(diff);
    return status;
}

int
main(int argc, char **argv)
{
    static const struct option options[] = {
        { "config-file", required_argument, NULL, 'F' },
        { "config", required_argument, NULL, 'c' },
        { "diff", no_argument, NULL, 'd' },
        { "check", no_argument, NULL, 'k' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    const char *config_path = NULL;
    enum mode mode = MODE_PRINT;
    bool mode_given = false;
    int option;

    while ((option = getopt_long(argc, argv, "F:c:dkhV", options, NULL)) != -1) {
        switch (option) {
        case 'F':
        case 'c':
            config_path = optarg;
            break;
        case 'd':
        case 'k':
            if (mode_given && mode != (option == 'd' ? MODE_DIFF : MODE_CHECK))
                return mh_cli_usage_error(PROGRAM, "--diff and --check exclude each other");
            mode = option == 'd' ? MODE_DIFF : MODE_CHECK;
            mode_given = true;
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
    if (argc - optind > 1)
        return mh_cli_usage_error(PROGRAM, "unexpected argument '%s'", argv[optind + 1]);
    return run(config_path, mode, optind < argc ? argv[optind] : "-");
}
