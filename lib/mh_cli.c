/* mh_cli.c - shared bits of the helpers' command lines. */
#include "mh_cli.h"
#include "mh_conf.h"

#include <signal.h>
#include <stdarg.h>
#include <string.h>

void
mh_cli_version(const char *program)
{
    printf("%s (migrate-hooks) %s\n", program, MH_VERSION);
}

int
mh_cli_usage_error(const char *program, const char *format, ...)
{
    va_list args;

    fprintf(stderr, "%s: ", program);
    va_start(args, format);
    vfprintf(stderr, format, args);
    va_end(args);
    fprintf(stderr, "\nTry '%s --help' for more information.\n", program);
    return MH_EXIT_USAGE;
}

int
mh_cli_load_conf(struct mh_conf *conf, const char *path, struct mh_error *err)
{
    if (path)
        return mh_conf_load_files(conf, path, NULL, err);
    return mh_conf_load(conf, err);
}

void
mh_cli_catch_stop_signals(void (*handler)(int))
{
    struct sigaction action;

    memset(&action, 0, sizeof(action));
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, NULL);
    sigaction(SIGTERM, &action, NULL);
    sigaction(SIGHUP, &action, NULL);
    signal(SIGPIPE, SIG_IGN);
}
