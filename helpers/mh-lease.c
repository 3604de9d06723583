/* mh-lease.c - show, list and break ownership leases; keep this host's
 * etcd lease alive. */
#include "mh_cli.h"
#include "mh_conf.h"
#include "mh_error.h"
#include "mh_journal.h"
#include "mh_json.h"
#include "mh_lease.h"
#include "mh_lease_store.h"
#include "mh_log.h"
#include "mh_string.h"

#include <ctype.h>
#include <getopt.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define PROGRAM "mh-lease"

enum {
    EXIT_OK = 0,
    EXIT_ERROR = 1,         /* configuration, store, unreadable record */
    EXIT_NO_LEASE = 2,      /* no lease record for that guest */
    EXIT_NOT_CONFIRMED = 3, /* break declined, or no terminal and no --yes */
};

struct options {
    bool json;
    bool yes;
    bool pending_only;
    long interval_s;
    const char *config_path;
};

struct command {
    const char *name;
    int arguments;          /* how many operands after the command */
    int (*run)(struct mh_conf *conf, struct mh_lease_store *store,
               const struct options *options, char **operands);
};

struct listing {
    bool json;
    json_t *array;
    size_t rows;
    size_t unreadable;
};

static int command_list(struct mh_conf *conf, struct mh_lease_store *store,
                        const struct options *options, char **operands);
static int command_show(struct mh_conf *conf, struct mh_lease_store *store,
                        const struct options *options, char **operands);
static int command_break(struct mh_conf *conf, struct mh_lease_store *store,
                         const struct options *options, char **operands);
static int command_keepalive(struct mh_conf *conf, struct mh_lease_store *store,
                             const struct options *options, char **operands);

static const struct command commands[] = {
    { "list", 0, command_list },
    { "show", 1, command_show },
    { "break", 1, command_break },
    { "keepalive", 0, command_keepalive },
};

static volatile sig_atomic_t stopping;

static void
usage(FILE *out)
{
    fprintf(out,
            "usage: %s [options] list\n"
            "       %s [options] show GUEST\n"
            "       %s [options] break [--pending] [--yes] GUEST\n"
            "       %s [options] keepalive [--interval SECONDS]\n"
            "\n"
            "Ownership leases of migrate-hooks: which host may run each guest. GUEST is\n"
            "a guest name or UUID.\n"
            "\n"
            "  list        every lease: guest, owner, since when, generation, pending\n"
            "              reservation of an incoming migration\n"
            "  show        one lease in full\n"
            "  break       forget the owner (and any pending reservation) so that another\n"
            "              host can start the guest. Only after fencing the owner: make\n"
            "              sure it no longer runs the guest (powered off, or virsh destroy\n"
            "              done there). Asks for confirmation; journaled and logged.\n"
            "  keepalive   etcd backend: refresh this host's etcd lease, which its\n"
            "              ownerships hang on, and repair owner keys (mh-agent does this\n"
            "              too; otherwise run it from a timer well within lease.etcd.ttl_s)\n"
            "\n"
            "  -j, --json              print JSON (list: an array; show: the record)\n"
            "  -p, --pending           break: drop only the pending reservation\n"
            "  -y, --yes               break without asking\n"
            "  -i, --interval SECONDS  keepalive: repeat every SECONDS until stopped\n"
            "  -F, --config-file FILE  read FILE instead of %s (also -c, --config)\n"
            "  -h, --help              show this help\n"
            "  -V, --version           show the version\n"
            "\n"
            "Exit status: 0 success; 1 error (configuration, lease store, unreadable\n"
            "record); 2 no lease record for GUEST; 3 break not confirmed (declined, or\n"
            "no terminal and no --yes); %d usage error.\n",
            PROGRAM, PROGRAM, PROGRAM, PROGRAM, MH_CONF_FILE, MH_EXIT_USAGE);
}

static void
describe_pending(const struct mh_lease_record *record, char *out, size_t size)
{
    char expires[32];

    if (!record->pending.host[0]) {
        mh_string_copy(out, size, "-");
        return;
    }
    mh_lease_time_format(record->pending.expires, expires);
    snprintf(out, size, "%s (%s%s%s, until %s%s)", record->pending.host,
             record->pending.migration_id[0] ? "migration " : "no migration id",
             record->pending.migration_id, record->pending.confirmed ? ", confirmed" : "",
             expires, mh_lease_pending_is_valid(record, time(NULL)) ? "" : ", expired");
}

static void
describe_owner(const struct mh_lease_record *record, char *out, size_t size)
{
    char since[32];

    mh_lease_time_format(record->since, since);
    if (record->owner[0])
        snprintf(out, size, "%s (since %s)", record->owner, since);
    else if (record->expired_owner[0])
        snprintf(out, size, "none (%s's etcd lease expired)", record->expired_owner);
    else
        mh_string_copy(out, size, "none");
}

/* The record as JSON for --json, with what only a reader knows. */
static json_t *
record_json(const struct mh_lease_record *record)
{
    json_t *object = mh_lease_record_to_json(record);

    if (object && record->expired_owner[0])
        json_object_set_new(object, "expired_owner", json_string(record->expired_owner));
    if (object && record->pending.host[0])
        json_object_set_new(json_object_get(object, "pending"), "valid",
                            json_boolean(mh_lease_pending_is_valid(record, time(NULL))));
    return object;
}

static void
print_json(json_t *value)
{
    char *text = json_dumps(value, JSON_INDENT(2) | JSON_ENSURE_ASCII | JSON_PRESERVE_ORDER);

    if (text)
        puts(text);
    free(text);
}

static int
list_row(const struct mh_lease_record *record, bool readable, const char *problem, void *data)
{
    struct listing *listing = data;
    char owner[128], since[32], pending[256];

    if (!readable) {
        listing->unreadable++;
        fprintf(stderr, "%s: %s\n", PROGRAM, problem);
        return 0;
    }
    if (listing->json) {
        json_array_append_new(listing->array, record_json(record));
        return 0;
    }
    if (listing->rows++ == 0)
        printf("%-36s  %-20s  %-16s  %-24s  %5s  %s\n", "UUID", "NAME", "OWNER", "SINCE", "GEN",
               "PENDING");
    mh_string_copy(owner, sizeof(owner), record->owner[0] ? record->owner : "-");
    if (!record->owner[0] && record->expired_owner[0])
        snprintf(owner, sizeof(owner), "-(%s expired)", record->expired_owner);
    mh_lease_time_format(record->owner[0] ? record->since : 0, since);
    describe_pending(record, pending, sizeof(pending));
    printf("%-36s  %-20s  %-16s  %-24s  %5lld  %s\n", record->uuid,
           record->name[0] ? record->name : "-", owner, since, record->generation, pending);
    return 0;
}

static int
command_list(struct mh_conf *conf, struct mh_lease_store *store, const struct options *options,
             char **operands)
{
    struct listing listing = { options->json, NULL, 0, 0 };
    struct mh_error err = { { 0 } };
    int status = EXIT_OK;

    (void)conf;
    (void)operands;
    if (options->json && !(listing.array = json_array())) {
        fprintf(stderr, "%s: out of memory\n", PROGRAM);
        return EXIT_ERROR;
    }
    if (mh_lease_store_list(store, list_row, &listing, &err) < 0) {
        fprintf(stderr, "%s: %s\n", PROGRAM, err.message);
        status = EXIT_ERROR;
    } else if (options->json) {
        print_json(listing.array);
    }
    if (listing.unreadable) {
        fprintf(stderr, "%s: %zu lease record%s could not be read\n", PROGRAM,
                listing.unreadable, listing.unreadable == 1 ? "" : "s");
        status = EXIT_ERROR;
    }
    if (listing.array)
        json_decref(listing.array);
    return status;
}

/* Find GUEST, or say why not and give the exit code. */
static int
find(struct mh_lease_store *store, const char *guest, struct mh_lease_record *record)
{
    struct mh_error err = { { 0 } };
    bool missing;

    if (mh_lease_store_find(store, guest, record, &missing, &err) == 0)
        return EXIT_OK;
    fprintf(stderr, "%s: %s\n", PROGRAM, err.message);
    return missing ? EXIT_NO_LEASE : EXIT_ERROR;
}

static int
command_show(struct mh_conf *conf, struct mh_lease_store *store, const struct options *options,
             char **operands)
{
    struct mh_lease_record record;
    char owner[128], pending[256], updated[32];
    int status = find(store, operands[0], &record);

    if (status != EXIT_OK)
        return status;
    if (options->json) {
        json_t *object = record_json(&record);
        print_json(object);
        json_decref(object);
        return EXIT_OK;
    }
    describe_owner(&record, owner, sizeof(owner));
    describe_pending(&record, pending, sizeof(pending));
    mh_lease_time_format(record.updated, updated);
    printf("guest:       %s\n", record.name[0] ? record.name : "-");
    printf("uuid:        %s\n", record.uuid);
    printf("owner:       %s\n", owner);
    printf("generation:  %lld\n", record.generation);
    printf("pending:     %s\n", pending);
    printf("updated:     %s by %s (%s)\n", updated, record.updated_by[0] ? record.updated_by : "-",
           record.change[0] ? record.change : "-");
    printf("store:       %s%s%s\n", store->backend->name,
           conf->lease.backend == MH_LEASE_BACKEND_DIR ? " " : "",
           conf->lease.backend == MH_LEASE_BACKEND_DIR ? conf->lease.dir : "");
    return EXIT_OK;
}

/* Ask on the terminal; only "y" or "yes" goes ahead. */
static bool
confirmed(const struct mh_lease_record *record, bool pending_only)
{
    char owner[128], pending[256], answer[16];

    describe_owner(record, owner, sizeof(owner));
    describe_pending(record, pending, sizeof(pending));
    fprintf(stderr,
            "Guest %s (%s)\n  owner:   %s\n  pending: %s\n"
            "%s Do this only after making sure that %s no longer runs the guest (fencing).\n"
            "Break it? [y/N] ",
            record->name[0] ? record->name : "-", record->uuid, owner, pending,
            pending_only ? "This drops the pending reservation."
                         : "This lets any host start the guest.",
            pending_only ? (record->pending.host[0] ? record->pending.host : "the other host")
                         : (record->owner[0] ? record->owner : "every host"));
    fflush(stderr);
    if (!fgets(answer, sizeof(answer), stdin))
        return false;
    answer[strcspn(answer, "\r\n")] = '\0';
    return strcasecmp(answer, "y") == 0 || strcasecmp(answer, "yes") == 0;
}

/* Who broke it, for the journal: the operator behind sudo when there is one. */
static const char *
operator_name(void)
{
    const char *sudo_user = getenv("SUDO_USER");
    struct passwd *account;

    if (sudo_user && mh_string_is_identifier(sudo_user))
        return sudo_user;
    account = getpwuid(getuid());
    return account ? account->pw_name : "unknown";
}

static int
journal_break(struct mh_conf *conf, const struct mh_lease_result *result, const char *message)
{
    struct mh_error err = { { 0 } };
    json_t *entry = json_object();
    json_t *details = json_object();
    int ret;

    if (!entry || !details) {
        json_decref(entry);
        json_decref(details);
        fprintf(stderr, "%s: out of memory\n", PROGRAM);
        return -1;
    }
    json_object_set_new(details, "before", record_json(&result->before));
    json_object_set_new(details, "after", record_json(&result->after));
    json_object_set_new(details, "user", json_string(operator_name()));
    json_object_set_new(entry, "guest", json_string(result->after.name));
    json_object_set_new(entry, "uuid", json_string(result->after.uuid));
    json_object_set_new(entry, "operation", json_string(PROGRAM));
    json_object_set_new(entry, "sub_operation",
                        json_string(mh_lease_operation_name(result->operation)));
    json_object_set_new(entry, "outcome", json_string("ok"));
    json_object_set_new(entry, "message", json_string(message));
    json_object_set_new(entry, "details", details);
    ret = mh_journal_append(conf, entry, &err);
    json_decref(entry);
    if (ret < 0)
        fprintf(stderr, "%s: the lease is broken, but the journal could not be written: %s\n",
                PROGRAM, err.message);
    return ret;
}

static int
command_break(struct mh_conf *conf, struct mh_lease_store *store, const struct options *options,
              char **operands)
{
    struct mh_lease_record record;
    struct mh_lease_request request;
    struct mh_lease_result result;
    struct mh_error err = { { 0 } };
    char message[512];
    int status = find(store, operands[0], &record);

    /* A record that cannot be read can still be replaced, by its UUID. */
    if (status == EXIT_ERROR && !options->pending_only && mh_lease_uuid_is_valid(operands[0])) {
        char uuid[MH_UUID_LENGTH + 1];

        for (size_t i = 0; i < sizeof(uuid); i++)
            uuid[i] = (char)tolower((unsigned char)operands[0][i]);
        mh_lease_record_init(&record, uuid);
        mh_string_copy(record.name, sizeof(record.name), "(unreadable record)");
        status = EXIT_OK;
    }
    if (status != EXIT_OK)
        return status;
    if (!options->yes) {
        if (!isatty(STDIN_FILENO)) {
            fprintf(stderr, "%s: not breaking the lease of %s without confirmation: there is "
                    "no terminal to ask on; use --yes\n", PROGRAM, operands[0]);
            return EXIT_NOT_CONFIRMED;
        }
        if (!confirmed(&record, options->pending_only)) {
            fprintf(stderr, "%s: lease of %s not broken\n", PROGRAM, operands[0]);
            return EXIT_NOT_CONFIRMED;
        }
    }
    mh_lease_request_init(&request, options->pending_only ? MH_LEASE_BREAK_PENDING : MH_LEASE_BREAK,
                          &conf->lease, conf->host_id, record.uuid, NULL);
    if (mh_lease_run(store, &request, &result, &err) < 0) {
        fprintf(stderr, "%s: %s\n", PROGRAM, err.message);
        return result.refused ? EXIT_NO_LEASE : EXIT_ERROR;
    }
    if (!result.changed) {
        printf("%s: %s\n", PROGRAM, result.note[0] ? result.note : "nothing to break");
        return EXIT_OK;
    }
    snprintf(message, sizeof(message), "%s broke the %s of guest %s (owner was %s, pending "
             "reservation %s)", operator_name(),
             options->pending_only ? "pending reservation" : "lease",
             result.after.name[0] ? result.after.name : result.after.uuid,
             result.before.owner[0] ? result.before.owner : "none",
             result.before.pending.host[0] ? result.before.pending.host : "none");
    mh_log(conf, LOG_WARNING, "%s", message);
    printf("%s: %s\n", PROGRAM, message);
    if (result.note[0])
        printf("%s: %s\n", PROGRAM, result.note);
    return journal_break(conf, &result, message) < 0 ? EXIT_ERROR : EXIT_OK;
}

static void
stop(int signal_number)
{
    (void)signal_number;
    stopping = 1;
}

static int
command_keepalive(struct mh_conf *conf, struct mh_lease_store *store,
                  const struct options *options, char **operands)
{
    struct sigaction action;
    int status = EXIT_OK;

    (void)operands;
    if (conf->lease.backend != MH_LEASE_BACKEND_ETCD) {
        printf("%s: nothing to keep alive: %s leases do not expire\n", PROGRAM,
               store->backend->name);
        return EXIT_OK;
    }
    memset(&action, 0, sizeof(action));
    action.sa_handler = stop;
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGINT, &action, NULL);
    do {
        struct mh_error err = { { 0 } };
        int repaired = mh_lease_store_keepalive(store, &err);

        if (repaired < 0) {
            fprintf(stderr, "%s: %s\n", PROGRAM, err.message);
            mh_log(conf, LOG_ERR, "lease keepalive failed: %s", err.message);
            status = EXIT_ERROR;
        } else {
            status = EXIT_OK;
            if (repaired > 0)
                mh_log(conf, LOG_NOTICE, "lease keepalive: repaired %d ownership%s", repaired,
                       repaired == 1 ? "" : "s");
            if (!options->interval_s)
                printf("%s: etcd lease of host %s refreshed; %d ownership%s repaired\n", PROGRAM,
                       conf->host_id, repaired, repaired == 1 ? "" : "s");
        }
        /* sleep() returns early on the signal that ends the loop. */
        if (options->interval_s && !stopping)
            sleep((unsigned)options->interval_s);
    } while (options->interval_s && !stopping);
    return status;
}

int
main(int argc, char **argv)
{
    static const struct option long_options[] = {
        { "json", no_argument, NULL, 'j' },
        { "pending", no_argument, NULL, 'p' },
        { "yes", no_argument, NULL, 'y' },
        { "interval", required_argument, NULL, 'i' },
        { "config-file", required_argument, NULL, 'F' },
        { "config", required_argument, NULL, 'c' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    struct options options = { 0 };
    struct mh_error err = { { 0 } };
    struct mh_lease_store store;
    const struct command *command = NULL;
    struct mh_conf conf;
    int option, status;

    while ((option = getopt_long(argc, argv, "jpyi:F:c:hV", long_options, NULL)) != -1) {
        switch (option) {
        case 'j':
            options.json = true;
            break;
        case 'p':
            options.pending_only = true;
            break;
        case 'y':
            options.yes = true;
            break;
        case 'i':
            if (mh_string_to_long(optarg, 1, 86400, &options.interval_s) < 0)
                return mh_cli_usage_error(PROGRAM, "--interval must be 1 to 86400 seconds");
            break;
        case 'F':
        case 'c':
            options.config_path = optarg;
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        case 'V':
            mh_cli_version(PROGRAM);
            return EXIT_OK;
        default:
            return mh_cli_usage_error(PROGRAM, "invalid option");
        }
    }
    if (optind >= argc)
        return mh_cli_usage_error(PROGRAM, "a command is needed: list, show, break or keepalive");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
        if (strcmp(commands[i].name, argv[optind]) == 0)
            command = &commands[i];
    }
    if (!command)
        return mh_cli_usage_error(PROGRAM, "unknown command '%s'", argv[optind]);
    if (argc - optind - 1 != command->arguments)
        return mh_cli_usage_error(PROGRAM, "%s takes %s", command->name,
                                  command->arguments ? "one GUEST (name or UUID)"
                                                     : "no arguments");
    if ((options.yes || options.pending_only) && strcmp(command->name, "break") != 0)
        return mh_cli_usage_error(PROGRAM, "--yes and --pending go with break");
    if (options.interval_s && strcmp(command->name, "keepalive") != 0)
        return mh_cli_usage_error(PROGRAM, "--interval goes with keepalive");

    if (mh_cli_load_conf(&conf, options.config_path, &err) < 0) {
        fprintf(stderr, "%s: %s\n", PROGRAM, err.message);
        mh_conf_free(&conf);
        return EXIT_ERROR;
    }
    if (mh_lease_store_open(&store, &conf.lease, conf.host_id, &err) < 0) {
        fprintf(stderr, "%s: %s\n", PROGRAM, err.message);
        mh_conf_free(&conf);
        return EXIT_ERROR;
    }
    status = command->run(&conf, &store, &options, argv + optind + 1);
    mh_lease_store_close(&store);
    mh_conf_free(&conf);
    return status;
}
