/* mh-agent.c - keep the cookies of running guests fresh, keep this host's
 * etcd lease alive and reconcile guests left paused by a migration: once
 * (for a systemd timer) or as a daemon driven by libvirt events. */
#include "mh_agent.h"
#include "mh_agent_watch.h"
#include "mh_cli.h"
#include "mh_conf.h"
#include "mh_error.h"
#include "mh_facts_virt.h"
#include "mh_json.h"
#include "mh_log.h"
#include "mh_string.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define PROGRAM "mh-agent"

/* Exit codes; see usage(). */
#define EXIT_OK 0
#define EXIT_ERROR 1
#define EXIT_REPORTED 2

/* Seconds between attempts to reach a libvirtd that went away. */
#define RECONNECT_S 5

struct options {
    const char *uri;
    const char *config_file;
    bool once;
    bool json;
    bool verbose;
    bool no_stamp;
    bool no_reconcile;
    long interval_s;                /* 0: the configuration's */
};

/* The daemon's state, touched by libvirt's callbacks. */
struct daemon {
    const struct options *options;
    struct mh_conf conf;
    bool conf_loaded;
    virConnectPtr connection;
    int callback_id;
    bool lost;                      /* libvirtd closed the connection */
    bool pass_due;                  /* an event asked for a pass */
    struct mh_ovsdb ovsdb;          /* the port data watch, when ovsdb_watch >= 0 */
    int ovsdb_watch;                /* libvirt event handle, -1: not watching */
    bool ovsdb_lost;                /* ovsdb-server closed it: watch again later */
};

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;

static void
usage(FILE *out)
{
    fprintf(out,
            "usage: %s [-c URI] [--once] [options]\n"
            "\n"
            "Keep migrations that migrate-hooks did not start safe: re-stamp the cookie of\n"
            "every running guest (so plain virsh migrate, virt-manager or an orchestrator\n"
            "carry current facts, lease token and port data), keep this host's etcd lease\n"
            "alive, and reconcile guests a migration left paused with no job driving them:\n"
            "resume one whose lease is still this host's, destroy one whose lease moved\n"
            "to a host that runs it, report any other.\n"
            "\n"
            "Without --once it runs until SIGTERM: a pass at start, after guest lifecycle\n"
            "events (libvirt events), after port data changes in OVSDB and every\n"
            "agent.interval_s seconds, reconnecting when libvirtd restarts. SIGHUP\n"
            "reloads the configuration.\n"
            "\n"
            "  -c, --connect URI      this host's libvirt (default: libvirt's default URI)\n"
            "  -1, --once             one pass, then exit (for mh-agent-reconcile.timer)\n"
            "  -i, --interval S       seconds between passes (default: agent.interval_s)\n"
            "      --no-stamp         do not re-stamp cookies\n"
            "      --no-reconcile     do not touch paused guests\n"
            "  -j, --json             print each action as one JSON object per line\n"
            "  -v, --verbose          also print every cookie stamped\n"
            "  -F, --config-file FILE read the configuration from FILE alone\n"
            "  -h, --help             show this help\n"
            "  -V, --version          show the version\n"
            "\n"
            "Exit status: 0 done (daemon: stopped by SIGTERM), 1 an error (libvirt not\n"
            "reachable with --once, a stamp or an action failed, invalid configuration),\n"
            "2 --once left a guest for an operator (printed with what to do), %d usage\n"
            "error.\n",
            PROGRAM, MH_EXIT_USAGE);
}

static void
on_signal(int signal_number)
{
    if (signal_number == SIGHUP)
        reload_requested = 1;
    else
        stop_requested = 1;
}

static void
notify(const char *guest, const char *what, const char *message, void *data)
{
    const struct options *options = data;

    if (strcmp(what, "stamped") == 0 && !options->verbose && !options->once)
        return;
    if (options->json) {
        json_t *object = json_pack("{ss ss ss}", "guest", guest, "action", what, "message",
                                   message);
        char *text = object ? mh_json_line(object) : NULL;

        if (text)
            puts(text);
        free(text);
        json_decref(object);
    } else if (strcmp(what, "stamped") == 0) {
        printf("%s: stamped, migration id %s\n", guest, message);
    } else {
        printf("%s: %s: %s\n", guest, what, message);
    }
    fflush(stdout);
}

static int
load_conf(struct mh_conf *conf, const struct options *options)
{
    struct mh_error err = { { 0 } };

    if (mh_cli_load_conf(conf, options->config_file, &err) < 0) {
        fprintf(stderr, "%s: %s\n", PROGRAM, err.message);
        return -1;
    }
    if (options->no_stamp)
        conf->agent.stamp = false;
    if (options->no_reconcile)
        conf->agent.reconcile = false;
    if (options->interval_s)
        conf->agent.interval_s = options->interval_s;
    return 0;
}

/* One pass; the exit code --once would give. */
static int
pass(virConnectPtr connection, const struct mh_conf *conf, const struct options *options)
{
    struct mh_agent_counts counts;
    struct mh_error err = { { 0 } };

    if (mh_agent_pass(connection, conf, NULL, notify, (void *)options, &counts, &err) < 0) {
        fprintf(stderr, "%s: %s\n", PROGRAM, err.message);
        mh_log(conf, LOG_ERR, "%s: %s", PROGRAM, err.message);
        return EXIT_ERROR;
    }
    if (counts.failed)
        return EXIT_ERROR;
    return counts.reported ? EXIT_REPORTED : EXIT_OK;
}

static int
run_once(const struct options *options)
{
    struct mh_conf conf;
    virConnectPtr connection;
    int status;

    if (load_conf(&conf, options) < 0) {
        mh_conf_free(&conf);
        return EXIT_ERROR;
    }
    mh_facts_virt_quiet();
    signal(SIGPIPE, SIG_IGN);
    connection = virConnectOpen(options->uri);
    if (!connection) {
        fprintf(stderr, "%s: cannot connect to %s: %s\n", PROGRAM,
                options->uri ? options->uri : "libvirt", mh_facts_virt_error());
        mh_conf_free(&conf);
        return EXIT_ERROR;
    }
    status = pass(connection, &conf, options);
    virConnectClose(connection);
    mh_conf_free(&conf);
    return status;
}

static int
on_lifecycle(virConnectPtr connection, virDomainPtr domain, int event, int detail, void *opaque)
{
    struct daemon *daemon = opaque;

    (void)connection;
    (void)domain;
    (void)detail;
    /* A guest that starts or arrives gets its cookie; one suspended may be
     * a migration that broke. Stops need nothing. */
    if (event == VIR_DOMAIN_EVENT_STARTED || event == VIR_DOMAIN_EVENT_RESUMED ||
        event == VIR_DOMAIN_EVENT_SUSPENDED)
        daemon->pass_due = true;
    return 0;
}

static void
on_close(virConnectPtr connection, int reason, void *opaque)
{
    struct daemon *daemon = opaque;

    (void)connection;
    (void)reason;
    daemon->lost = true;
}

/* OVSDB says port data changed: cookies should carry it now. */
static void
on_ovsdb(int watch, int fd, int events, void *opaque)
{
    struct daemon *daemon = opaque;
    int changed = mh_agent_watch_drain(&daemon->ovsdb);

    (void)watch;
    (void)fd;
    (void)events;
    if (changed > 0)
        daemon->pass_due = true;
    else if (changed < 0)
        daemon->ovsdb_lost = true;
}

static void
unwatch_ovsdb(struct daemon *daemon)
{
    if (daemon->ovsdb_watch < 0)
        return;
    virEventRemoveHandle(daemon->ovsdb_watch);
    mh_ovsdb_close(&daemon->ovsdb);
    daemon->ovsdb_watch = -1;
}

/* Watch OVSDB when there is one; a host without Open vSwitch has nothing
 * to carry there and only gets the interval. */
static void
watch_ovsdb(struct daemon *daemon)
{
    struct mh_error err = { { 0 } };

    daemon->ovsdb_lost = false;
    if (access(daemon->conf.ports.ovsdb_socket, F_OK) < 0)
        return;
    if (mh_agent_watch_start(&daemon->ovsdb, &daemon->conf, &err) < 0) {
        mh_log(&daemon->conf, LOG_WARNING, "%s: %s", PROGRAM, err.message);
        mh_ovsdb_close(&daemon->ovsdb);
        return;
    }
    daemon->ovsdb_watch = virEventAddHandle(daemon->ovsdb.fd, VIR_EVENT_HANDLE_READABLE, on_ovsdb,
                                            daemon, NULL);
    if (daemon->ovsdb_watch < 0)
        mh_ovsdb_close(&daemon->ovsdb);
}

/* Wakes the event loop every second so that signals and deadlines are seen. */
static void
on_tick(int timer, void *opaque)
{
    (void)timer;
    (void)opaque;
}

static void
disconnect(struct daemon *daemon)
{
    if (!daemon->connection)
        return;
    if (daemon->callback_id >= 0)
        virConnectDomainEventDeregisterAny(daemon->connection, daemon->callback_id);
    virConnectUnregisterCloseCallback(daemon->connection, on_close);
    virConnectClose(daemon->connection);
    daemon->connection = NULL;
    daemon->callback_id = -1;
}

static bool
connect_events(struct daemon *daemon)
{
    daemon->connection = virConnectOpen(daemon->options->uri);
    if (!daemon->connection)
        return false;
    daemon->lost = false;
    daemon->callback_id = virConnectDomainEventRegisterAny(
        daemon->connection, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
        VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), daemon, NULL);
    if (daemon->callback_id < 0 ||
        virConnectRegisterCloseCallback(daemon->connection, on_close, daemon, NULL) < 0) {
        disconnect(daemon);
        return false;
    }
    return true;
}

static int
run_daemon(const struct options *options)
{
    struct daemon daemon;
    time_t next_pass = 0, next_connect = 0, next_keepalive = 0, next_watch = 0;
    bool warned = false;
    int timer, status = EXIT_OK;

    memset(&daemon, 0, sizeof(daemon));
    daemon.options = options;
    daemon.callback_id = -1;
    daemon.ovsdb_watch = -1;
    if (load_conf(&daemon.conf, options) < 0) {
        mh_conf_free(&daemon.conf);
        return EXIT_ERROR;
    }
    mh_cli_catch_stop_signals(on_signal);
    mh_facts_virt_quiet();
    if (virEventRegisterDefaultImpl() < 0 ||
        (timer = virEventAddTimeout(1000, on_tick, NULL, NULL)) < 0) {
        fprintf(stderr, "%s: cannot set up libvirt's event loop: %s\n", PROGRAM,
                mh_facts_virt_error());
        mh_conf_free(&daemon.conf);
        return EXIT_ERROR;
    }
    mh_log(&daemon.conf, LOG_NOTICE, "%s: started", PROGRAM);
    while (!stop_requested) {
        time_t now = time(NULL);

        if (reload_requested) {
            struct mh_conf fresh;

            reload_requested = 0;
            if (load_conf(&fresh, options) == 0) {
                mh_conf_free(&daemon.conf);
                daemon.conf = fresh;
                /* host_id may point into the struct itself. */
                if (fresh.host_id == fresh.host_id_default)
                    daemon.conf.host_id = daemon.conf.host_id_default;
                daemon.pass_due = true;
                unwatch_ovsdb(&daemon);
            } else {
                mh_conf_free(&fresh);
            }
        }
        if (daemon.lost) {
            mh_log(&daemon.conf, LOG_WARNING, "%s: libvirtd went away, reconnecting", PROGRAM);
            disconnect(&daemon);
        }
        if (!daemon.connection && now >= next_connect) {
            if (connect_events(&daemon)) {
                warned = false;
                daemon.pass_due = true;
                mh_log(&daemon.conf, LOG_NOTICE, "%s: connected to %s", PROGRAM,
                       options->uri ? options->uri : "libvirt");
            } else {
                if (!warned)
                    fprintf(stderr, "%s: cannot connect to %s: %s (retrying every %d s)\n",
                            PROGRAM, options->uri ? options->uri : "libvirt",
                            mh_facts_virt_error(), RECONNECT_S);
                warned = true;
                next_connect = now + RECONNECT_S;
            }
        }
        if (daemon.ovsdb_lost)
            unwatch_ovsdb(&daemon);
        if (daemon.ovsdb_watch < 0 && now >= next_watch) {
            watch_ovsdb(&daemon);
            next_watch = now + RECONNECT_S;
        }
        if (daemon.connection && (daemon.pass_due || now >= next_pass)) {
            daemon.pass_due = false;
            pass(daemon.connection, &daemon.conf, options);
            next_pass = time(NULL) + daemon.conf.agent.interval_s;
        }
        /* Passes keep the etcd lease alive too, but its TTL may be
         * shorter than the interval between them. */
        if (mh_agent_keepalive_period(&daemon.conf) && time(NULL) >= next_keepalive) {
            struct mh_error err = { { 0 } };

            if (mh_agent_keepalive(&daemon.conf, &err) < 0)
                mh_log(&daemon.conf, LOG_WARNING, "%s: lease keepalive: %s", PROGRAM,
                       err.message);
            next_keepalive = time(NULL) + mh_agent_keepalive_period(&daemon.conf);
        }
        if (virEventRunDefaultImpl() < 0) {
            fprintf(stderr, "%s: event loop: %s\n", PROGRAM, mh_facts_virt_error());
            status = EXIT_ERROR;
            break;
        }
    }
    virEventRemoveTimeout(timer);
    unwatch_ovsdb(&daemon);
    disconnect(&daemon);
    mh_log(&daemon.conf, LOG_NOTICE, "%s: stopped", PROGRAM);
    mh_conf_free(&daemon.conf);
    return status;
}

int
main(int argc, char **argv)
{
    enum { OPT_NO_STAMP = 256, OPT_NO_RECONCILE };
    static const struct option long_options[] = {
        { "connect", required_argument, NULL, 'c' },
        { "once", no_argument, NULL, '1' },
        { "interval", required_argument, NULL, 'i' },
        { "no-stamp", no_argument, NULL, OPT_NO_STAMP },
        { "no-reconcile", no_argument, NULL, OPT_NO_RECONCILE },
        { "json", no_argument, NULL, 'j' },
        { "verbose", no_argument, NULL, 'v' },
        { "config-file", required_argument, NULL, 'F' },
        { "help", no_argument, NULL, 'h' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    struct options options;
    int option;

    memset(&options, 0, sizeof(options));
    while ((option = getopt_long(argc, argv, "c:1i:jvF:hV", long_options, NULL)) != -1) {
        switch (option) {
        case 'c':
            options.uri = optarg;
            break;
        case '1':
            options.once = true;
            break;
        case 'i':
            if (mh_string_to_long(optarg, 5, 86400, &options.interval_s) < 0)
                return mh_cli_usage_error(PROGRAM, "--interval: '%s' is not a number from 5 to 86400",
                                          optarg);
            break;
        case OPT_NO_STAMP:
            options.no_stamp = true;
            break;
        case OPT_NO_RECONCILE:
            options.no_reconcile = true;
            break;
        case 'j':
            options.json = true;
            break;
        case 'v':
            options.verbose = true;
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
    if (optind < argc)
        return mh_cli_usage_error(PROGRAM, "unexpected argument '%s'", argv[optind]);
    if (options.once && options.interval_s)
        return mh_cli_usage_error(PROGRAM, "--interval does not go with --once");
    return options.once ? run_once(&options) : run_daemon(&options);
}
