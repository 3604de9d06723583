/* mh-migrate.c - migrate a guest with the pre-migration checks, a fresh
 * cookie, progress, abort on Ctrl-C or timeout, and a confirm step that
 * leaves exactly one copy. */
#include "mh_check.h"
#include "mh_check_virt.h"
#include "mh_cli.h"
#include "mh_confirm.h"
#include "mh_conf.h"
#include "mh_error.h"
#include "mh_facts_virt.h"
#include "mh_journal.h"
#include "mh_json.h"
#include "mh_log.h"
#include "mh_migrate.h"
#include "mh_progress.h"
#include "mh_stamp.h"
#include "mh_string.h"

#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#define PROGRAM "mh-migrate"

/* Exit codes; see usage() and docs/migrate.md. */
#define EXIT_MIGRATED 0
#define EXIT_REFUSED 1
#define EXIT_ABORTED 2
#define EXIT_FAILED 3
#define EXIT_OPERATOR 4

/* How often the job is looked at, and a plain progress line's period. */
#define WATCH_INTERVAL_MS 250
#define LINE_PERIOD_S 2.0

struct options {
    struct mh_migrate_request request;
    const char *source_uri;
    const char *config_file;
    const char *guest;
    bool yes;
    bool json;
    bool dry_run;
};

/* State of one run, shared by the steps below. */
struct run {
    const struct options *options;
    struct mh_conf conf;
    char migration_id[64];
    char uuid[VIR_UUID_STRING_BUFLEN];
    const char *guest;              /* the name the operator gave */
    bool tty;                       /* progress as a bar on stderr */
    double last_line;               /* elapsed time of the last plain line */
    bool printed_line;
};

static volatile sig_atomic_t interrupted;

static void
usage(FILE *out)
{
    fprintf(out,
            "usage: %s [options] DOMAIN DEST_URI\n"
            "\n"
            "Migrate DOMAIN (name or UUID) from this host (or -c SRC_URI) to DEST_URI:\n"
            "run the pre-migration checks against the destination, ask about each\n"
            "warning on a terminal, stamp a fresh cookie (facts, migration id, lease\n"
            "token, port data), migrate with progress, then confirm that exactly one\n"
            "copy runs: a paused source is destroyed when the destination runs the\n"
            "guest, and resumed when it does not.\n"
            "\n"
            "  -c, --connect URI        the source host (default: libvirt's default URI)\n"
            "      --live               live migration (the default)\n"
            "      --offline            migrate the definition of a guest that is not running\n"
            "      --p2p                peer-to-peer: the source libvirtd connects to DEST_URI\n"
            "      --tunnelled          tunnel the data through libvirtd (implies --p2p)\n"
            "      --persistent         define the guest on the destination\n"
            "      --undefine-source    undefine the guest on the source afterwards\n"
            "      --dname NAME         the guest's name on the destination\n"
            "      --bandwidth MIB      limit the transfer to MIB MiB/s\n"
            "      --migrate-uri URI    where the migration data goes (e.g. tcp://host:port)\n"
            "      --postcopy           allow post-copy\n"
            "      --postcopy-after S   switch to post-copy after S seconds\n"
            "      --timeout S          abort the migration after S seconds\n"
            "  -y, --yes                continue past check warnings without asking\n"
            "  -j, --json               print progress and the result as JSON lines\n"
            "  -n, --dry-run            run the checks and print the cookie; migrate nothing\n"
            "  -F, --config-file FILE   read the configuration from FILE alone\n"
            "  -h, --help               show this help\n"
            "  -V, --version            show the version\n"
            "\n"
            "On a terminal each check warning asks: C - continue (at your own risk),\n"
            "T - terminate (the default). Without a terminal checks.warning_policy\n"
            "decides, and --yes continues. Ctrl-C or --timeout aborts the job: the guest\n"
            "keeps running on the source.\n"
            "\n"
            "Exit status: 0 migrated (--dry-run: the checks allow it), 1 refused by the\n"
            "checks (or an error before anything changed), 2 aborted by the user (Ctrl-C,\n"
            "--timeout, T at the menu), 3 the migration failed and the guest runs on the\n"
            "source, 4 the outcome needs an operator (printed with what to do), %d usage\n"
            "error.\n",
            PROGRAM, MH_EXIT_USAGE);
}

static void
on_signal(int signal_number)
{
    (void)signal_number;
    interrupted = 1;
}

/* One journal entry per step: operation mh-migrate, sub_operation STEP. */
static void
journal(struct run *run, const char *step, const char *outcome, json_t *details,
        const char *format, ...) __attribute__((format(printf, 5, 6)));

static void
journal(struct run *run, const char *step, const char *outcome, json_t *details,
        const char *format, ...)
{
    struct mh_error err = { { 0 } };
    char message[1024];
    json_t *entry;
    va_list args;

    va_start(args, format);
    vsnprintf(message, sizeof(message), format, args);
    va_end(args);
    entry = json_pack("{ss ss ss ss ss ss}", "guest", run->guest, "uuid", run->uuid, "operation",
                      PROGRAM, "sub_operation", step, "outcome", outcome, "message", message);
    if (!entry) {
        json_decref(details);
        return;
    }
    if (run->migration_id[0])
        json_object_set_new(entry, "migration_id", json_string(run->migration_id));
    json_object_set_new(entry, "destination",
                        json_string(run->options->request.destination_uri));
    if (details)
        json_object_set_new(entry, "details", details);
    if (mh_journal_append(&run->conf, entry, &err) < 0)
        fprintf(stderr, "%s: journal: %s\n", PROGRAM, err.message);
    json_decref(entry);
    if (strcmp(outcome, "ok") != 0)
        mh_log(&run->conf, LOG_WARNING, "%s %s %s: %s", PROGRAM, run->guest, step, message);
}

static void
print_json(json_t *object)
{
    char *text = object ? mh_json_line(object) : NULL;

    if (text) {
        puts(text);
        fflush(stdout);
    }
    free(text);
    json_decref(object);
}

static void
print_checks(const struct mh_check_report *report)
{
    printf("%-16s %-6s %s\n", "CHECK", "RESULT", "REASON");
    for (size_t i = 0; i < report->count; i++)
        printf("%-16s %-6s %s\n", report->items[i].name,
               mh_check_result_name(report->items[i].result), report->items[i].reason);
    printf("%zu failed, %zu warned, %zu checks\n", report->failed, report->warned, report->count);
    fflush(stdout);
}

/* Ask about one warning on the terminal; true to continue. */
static bool
ask(const struct mh_check_item *item)
{
    char answer[64];

    fprintf(stderr,
            "WARNING %s: %s\n"
            "  C - continue (at your own risk)\n"
            "  T - terminate\n"
            "Choice [T]: ",
            item->name, item->reason);
    fflush(stderr);
    if (!fgets(answer, sizeof(answer), stdin))
        return false;
    return (answer[0] == 'C' || answer[0] == 'c') && (answer[1] == '\n' || answer[1] == '\0');
}

/* The checks and the decision about their warnings. Returns EXIT_MIGRATED
 * to go on, or the exit code. */
static int
run_checks(struct run *run)
{
    const struct options *options = run->options;
    struct mh_check_report report = { 0 };
    struct mh_error err = { { 0 } };
    bool interactive = !options->yes && !options->json && isatty(STDIN_FILENO);
    int status = EXIT_MIGRATED;

    if (mh_check_virt_run(options->source_uri, options->request.destination_uri, run->guest,
                          &run->conf, &report, &err) < 0) {
        fprintf(stderr, "%s: cannot run the checks: %s\n", PROGRAM, err.message);
        journal(run, "checks", "error", NULL, "cannot run the checks: %s", err.message);
        mh_check_report_free(&report);
        return EXIT_REFUSED;
    }
    if (options->json)
        print_json(json_pack("{ss so}", "event", "checks", "checks",
                             mh_check_report_to_json(&report)));
    else
        print_checks(&report);
    if (report.failed) {
        char lines[1024] = "";

        mh_check_report_lines(&report, MH_CHECK_FAIL, lines, sizeof(lines));
        fprintf(stderr, "%s: refused by the checks:\n%s\n", PROGRAM, lines);
        journal(run, "checks", "refused", mh_check_report_to_json(&report),
                "%zu checks failed", report.failed);
        status = EXIT_REFUSED;
    } else if (report.warned) {
        if (interactive) {
            for (size_t i = 0; i < report.count && status == EXIT_MIGRATED; i++)
                if (report.items[i].result == MH_CHECK_WARN && !ask(&report.items[i]))
                    status = EXIT_ABORTED;
        } else if (!options->yes && run->conf.checks.warning_policy == MH_WARNINGS_ABORT) {
            fprintf(stderr, "%s: %zu warnings and checks.warning_policy is abort (--yes goes on)\n",
                    PROGRAM, report.warned);
            status = EXIT_REFUSED;
        }
        if (status == EXIT_ABORTED) {
            fprintf(stderr, "%s: terminated at a check warning\n", PROGRAM);
            journal(run, "checks", "refused", mh_check_report_to_json(&report),
                    "terminated by the operator at a warning");
        } else if (status == EXIT_REFUSED) {
            journal(run, "checks", "refused", mh_check_report_to_json(&report),
                    "%zu warnings under warning_policy abort", report.warned);
        } else {
            journal(run, "checks", "warned", mh_check_report_to_json(&report),
                    "%zu warnings, continued%s", report.warned,
                    interactive ? " by the operator" : options->yes ? " (--yes)" : " (policy)");
        }
    } else {
        journal(run, "checks", "ok", NULL, "%zu checks passed", report.count);
    }
    mh_check_report_free(&report);
    return status;
}

static void
watch(const struct mh_migrate_progress *progress, bool final, void *data)
{
    struct run *run = data;
    char line[512];

    if (run->options->json) {
        json_t *object = mh_progress_to_json(progress);

        if (object) {
            json_object_set_new(object, "event", json_string(final ? "progress-end" : "progress"));
            print_json(object);
        }
        return;
    }
    if (run->tty) {
        mh_progress_format(progress, 30, line, sizeof(line));
        fprintf(stderr, "\r\033[K%s%s", line, final ? "\n" : "");
        fflush(stderr);
        return;
    }
    if (!final && run->printed_line && progress->elapsed_s - run->last_line < LINE_PERIOD_S)
        return;
    if (final && !run->printed_line)
        return;
    mh_progress_format(progress, 0, line, sizeof(line));
    printf("%s: %s%s\n", run->guest, final ? "done " : "", line);
    fflush(stdout);
    run->last_line = progress->elapsed_s;
    run->printed_line = true;
}

static int
exit_for(const struct mh_confirm_decision *decision, const struct mh_migrate_result *result)
{
    switch (decision->outcome) {
    case MH_OUTCOME_MIGRATED:
        return EXIT_MIGRATED;
    case MH_OUTCOME_STAYED:
        return result->aborted || result->timed_out ? EXIT_ABORTED : EXIT_FAILED;
    case MH_OUTCOME_OPERATOR:
        break;
    }
    return EXIT_OPERATOR;
}

static const char *
result_name(int status)
{
    static const char *const names[] = { "migrated", "refused", "aborted", "failed", "operator" };

    return status >= 0 && status <= EXIT_OPERATOR ? names[status] : "error";
}

/* Stamp, migrate, confirm. */
static int
migrate(struct run *run, virConnectPtr source, virDomainPtr domain)
{
    const struct options *options = run->options;
    struct mh_confirm_decision decision;
    struct mh_migrate_result result;
    struct mh_error err = { { 0 } };
    virConnectPtr destination = NULL;
    unsigned char uuid[VIR_UUID_BUFLEN];
    int status;

    /* A peer-to-peer migration is driven by the source's libvirtd; this
     * connection is only for looking at the result. */
    destination = options->request.p2p || options->request.tunnelled
                      ? virConnectOpenReadOnly(options->request.destination_uri)
                      : virConnectOpen(options->request.destination_uri);
    if (!destination) {
        fprintf(stderr, "%s: cannot connect to %s: %s\n", PROGRAM,
                options->request.destination_uri, mh_facts_virt_error());
        journal(run, "migrate", "error", NULL, "cannot connect to the destination");
        return EXIT_REFUSED;
    }
    if (!options->request.offline) {
        if (mh_stamp_domain(source, domain, &run->conf, false, run->migration_id, NULL, &err) < 0) {
            fprintf(stderr, "%s: %s: cannot stamp the cookie: %s\n", PROGRAM, run->guest,
                    err.message);
            journal(run, "stamp", "error", NULL, "cannot stamp the cookie: %s", err.message);
            virConnectClose(destination);
            return EXIT_REFUSED;
        }
        journal(run, "stamp", "ok", NULL, "cookie stamped");
    }
    if (interrupted) {
        journal(run, "migrate", "refused", NULL, "interrupted before the migration started");
        virConnectClose(destination);
        return EXIT_ABORTED;
    }
    if (!options->json)
        printf("%s: migrating to %s%s\n", run->guest, options->request.destination_uri,
               run->migration_id[0] ? "" : " (offline)");
    fflush(stdout);
    journal(run, "migrate", "ok", NULL, "migration started");
    if (mh_migrate_run(domain, destination, &options->request, WATCH_INTERVAL_MS, watch, run,
                       &interrupted, &result, &err) < 0) {
        fprintf(stderr, "%s: %s: %s\n", PROGRAM, run->guest, err.message);
        journal(run, "migrate", "error", NULL, "%s", err.message);
        virConnectClose(destination);
        return EXIT_FAILED;
    }
    if (result.api_status < 0)
        fprintf(stderr, "%s: %s: migration %s: %s\n", PROGRAM, run->guest,
                result.aborted     ? "aborted (interrupted)"
                : result.timed_out ? "aborted (--timeout)"
                                   : "failed",
                result.api_error);
    journal(run, "migrate", result.api_status == 0 ? "ok" : "error",
            json_pack("{sf sb sb sb}", "seconds", result.seconds, "aborted", result.aborted,
                      "timed_out", result.timed_out, "postcopy", result.postcopy_started),
            "%s", result.api_status == 0 ? "migration call returned" : result.api_error);

    virDomainGetUUID(domain, uuid);
    if (options->request.offline) {
        decision.action = MH_CONFIRM_NOTHING;
        decision.outcome = result.api_status == 0 ? MH_OUTCOME_MIGRATED : MH_OUTCOME_STAYED;
        snprintf(decision.reason, sizeof(decision.reason), "offline migration %s",
                 result.api_status == 0 ? "done" : "failed");
    } else {
        mh_confirm_run(source, destination, uuid, run->guest, options->source_uri,
                       options->request.destination_uri, &decision, &err);
    }
    status = exit_for(&decision, &result);
    if (result.api_status < 0 && status == EXIT_MIGRATED)
        fprintf(stderr, "%s: %s: libvirt reported an error, but the destination runs the guest\n",
                PROGRAM, run->guest);
    journal(run, "confirm", status == EXIT_MIGRATED ? "ok" : "error",
            json_pack("{ss si}", "result", result_name(status), "exit", status), "%s",
            decision.reason);
    if (options->json) {
        print_json(json_pack("{ss ss ss ss ss si sf ss}", "event", "result", "guest", run->guest,
                             "migration_id", run->migration_id, "destination",
                             options->request.destination_uri, "result", result_name(status),
                             "exit", status, "seconds", result.seconds, "message",
                             decision.reason));
    } else if (status == EXIT_MIGRATED) {
        printf("%s: migrated in %.1f s: %s\n", run->guest, result.seconds, decision.reason);
    } else {
        fprintf(stderr, "%s: %s: %s%s\n", PROGRAM, result_name(status), decision.reason,
                status == EXIT_OPERATOR ? " -- an operator must decide" : "");
    }
    virConnectClose(destination);
    return status;
}

static int
dry_run(struct run *run, virConnectPtr source, virDomainPtr domain)
{
    struct mh_error err = { { 0 } };
    char *element = NULL;

    if (mh_stamp_domain(source, domain, &run->conf, true, run->migration_id, &element, &err) < 0) {
        fprintf(stderr, "%s: %s: cannot build the cookie: %s\n", PROGRAM, run->guest, err.message);
        return EXIT_REFUSED;
    }
    if (run->options->json)
        print_json(json_pack("{ss ss ss}", "event", "dry-run", "guest", run->guest, "cookie",
                             element));
    else
        printf("dry run: the checks allow it; the cookie would be:\n%s\n", element);
    free(element);
    return EXIT_MIGRATED;
}

static int
run_all(const struct options *options)
{
    struct mh_error err = { { 0 } };
    virConnectPtr source = NULL;
    virDomainPtr domain = NULL;
    struct run run;
    int status = EXIT_REFUSED;

    /* From here on Ctrl-C is the operator's "stop": before the migration
     * nothing starts, during it the job is aborted. */
    mh_cli_catch_stop_signals(on_signal);

    memset(&run, 0, sizeof(run));
    run.options = options;
    run.guest = options->guest;
    run.tty = !options->json && isatty(STDERR_FILENO);
    if (mh_cli_load_conf(&run.conf, options->config_file, &err) < 0) {
        fprintf(stderr, "%s: %s\n", PROGRAM, err.message);
        mh_conf_free(&run.conf);
        return EXIT_REFUSED;
    }
    /* Two threads use libvirt (the migration call, the watcher). */
    if (virInitialize() < 0) {
        fprintf(stderr, "%s: cannot initialize libvirt\n", PROGRAM);
        goto cleanup;
    }
    mh_facts_virt_quiet();
    source = options->dry_run ? virConnectOpenReadOnly(options->source_uri)
                              : virConnectOpen(options->source_uri);
    if (!source) {
        fprintf(stderr, "%s: cannot connect to %s: %s\n", PROGRAM,
                options->source_uri ? options->source_uri : "libvirt", mh_facts_virt_error());
        goto cleanup;
    }
    domain = virDomainLookupByName(source, options->guest);
    if (!domain && strlen(options->guest) == VIR_UUID_STRING_BUFLEN - 1)
        domain = virDomainLookupByUUIDString(source, options->guest);
    if (!domain) {
        fprintf(stderr, "%s: no guest %s on the source\n", PROGRAM, options->guest);
        goto cleanup;
    }
    virDomainGetUUIDString(domain, run.uuid);
    if (!options->request.offline && virDomainIsActive(domain) != 1) {
        fprintf(stderr, "%s: %s is not running (--offline migrates its definition)\n", PROGRAM,
                options->guest);
        goto cleanup;
    }
    status = run_checks(&run);
    if (status == EXIT_MIGRATED && interrupted)
        status = EXIT_ABORTED;
    if (status != EXIT_MIGRATED)
        goto cleanup;
    if (options->dry_run)
        status = dry_run(&run, source, domain);
    else
        status = migrate(&run, source, domain);

cleanup:
    if (domain)
        virDomainFree(domain);
    if (source)
        virConnectClose(source);
    mh_conf_free(&run.conf);
    return status;
}

/* Strictly parsed number option; -1 on a bad value (already reported). */
static int
number(const char *name, const char *text, long min, long max, long *out)
{
    if (mh_string_to_long(text, min, max, out) == 0)
        return 0;
    mh_cli_usage_error(PROGRAM, "%s: '%s' is not a number from %ld to %ld", name, text, min, max);
    return -1;
}

enum {
    OPT_LIVE = 256,
    OPT_OFFLINE,
    OPT_P2P,
    OPT_TUNNELLED,
    OPT_PERSISTENT,
    OPT_UNDEFINE_SOURCE,
    OPT_DNAME,
    OPT_BANDWIDTH,
    OPT_MIGRATE_URI,
    OPT_POSTCOPY,
    OPT_POSTCOPY_AFTER,
    OPT_TIMEOUT,
};

int
main(int argc, char **argv)
{
    static const struct option long_options[] = {
        { "connect", required_argument, NULL, 'c' },
        { "live", no_argument, NULL, OPT_LIVE },
        { "offline", no_argument, NULL, OPT_OFFLINE },
        { "p2p", no_argument, NULL, OPT_P2P },
        { "tunnelled", no_argument, NULL, OPT_TUNNELLED },
        { "tunneled", no_argument, NULL, OPT_TUNNELLED },
        { "persistent", no_argument, NULL, OPT_PERSISTENT },
        { "undefine-source", no_argument, NULL, OPT_UNDEFINE_SOURCE },
        { "dname", required_argument, NULL, OPT_DNAME },
        { "bandwidth", required_argument, NULL, OPT_BANDWIDTH },
        { "migrate-uri", required_argument, NULL, OPT_MIGRATE_URI },
        { "migrateuri", required_argument, NULL, OPT_MIGRATE_URI },
        { "postcopy", no_argument, NULL, OPT_POSTCOPY },
        { "postcopy-after", required_argument, NULL, OPT_POSTCOPY_AFTER },
        { "timeout", required_argument, NULL, OPT_TIMEOUT },
        { "yes", no_argument, NULL, 'y' },
        { "json", no_argument, NULL, 'j' },
        { "dry-run", no_argument, NULL, 'n' },
        { "config-file", required_argument, NULL, 'F' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    struct options options;
    bool live = false;
    long value;
    int option;

    memset(&options, 0, sizeof(options));
    options.request.postcopy_after_s = -1;
    while ((option = getopt_long(argc, argv, "c:yjnF:hV", long_options, NULL)) != -1) {
        switch (option) {
        case 'c':
            options.source_uri = optarg;
            break;
        case OPT_LIVE:
            live = true;
            break;
        case OPT_OFFLINE:
            options.request.offline = true;
            break;
        case OPT_P2P:
            options.request.p2p = true;
            break;
        case OPT_TUNNELLED:
            options.request.tunnelled = true;
            options.request.p2p = true;
            break;
        case OPT_PERSISTENT:
            options.request.persistent = true;
            break;
        case OPT_UNDEFINE_SOURCE:
            options.request.undefine_source = true;
            break;
        case OPT_DNAME:
            if (!*optarg)
                return mh_cli_usage_error(PROGRAM, "--dname: empty name");
            options.request.dname = optarg;
            break;
        case OPT_BANDWIDTH:
            if (number("--bandwidth", optarg, 1, 1L << 30, &value) < 0)
                return MH_EXIT_USAGE;
            options.request.bandwidth_mib = (unsigned long)value;
            break;
        case OPT_MIGRATE_URI:
            if (!*optarg)
                return mh_cli_usage_error(PROGRAM, "--migrate-uri: empty URI");
            options.request.migrate_uri = optarg;
            break;
        case OPT_POSTCOPY:
            options.request.postcopy = true;
            break;
        case OPT_POSTCOPY_AFTER:
            if (number("--postcopy-after", optarg, 0, 86400, &value) < 0)
                return MH_EXIT_USAGE;
            options.request.postcopy_after_s = value;
            break;
        case OPT_TIMEOUT:
            if (number("--timeout", optarg, 1, 7L * 86400, &value) < 0)
                return MH_EXIT_USAGE;
            options.request.timeout_s = value;
            break;
        case 'y':
            options.yes = true;
            break;
        case 'j':
            options.json = true;
            break;
        case 'n':
            options.dry_run = true;
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
    if (live && options.request.offline)
        return mh_cli_usage_error(PROGRAM, "--live and --offline exclude each other");
    if (options.request.offline && (options.request.postcopy || options.request.timeout_s ||
                                    options.request.bandwidth_mib))
        return mh_cli_usage_error(PROGRAM,
                                  "--offline does not go with --postcopy, --timeout, --bandwidth");
    if (options.request.postcopy_after_s >= 0 && !options.request.postcopy)
        return mh_cli_usage_error(PROGRAM, "--postcopy-after needs --postcopy");
    if (argc - optind != 2)
        return mh_cli_usage_error(PROGRAM, "expected DOMAIN DEST_URI");
    options.guest = argv[optind];
    options.request.destination_uri = argv[optind + 1];
    if (!*options.guest || !*options.request.destination_uri)
        return mh_cli_usage_error(PROGRAM, "DOMAIN and DEST_URI must not be empty");
    return run_all(&options);
}
