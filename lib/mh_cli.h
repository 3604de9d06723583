/* mh_cli.h - what every helper's main() shares: version text, exit codes,
 * and loading configuration with the helpers' --config override. */
#ifndef MH_CLI_H
#define MH_CLI_H

#include <stdio.h>

struct mh_conf;
struct mh_error;

/* Exit code for a command line that could not be understood (sysexits.h
 * EX_USAGE): distinct from every helper's own result codes. */
#define MH_EXIT_USAGE 64

/* "PROGRAM (migrate-hooks) VERSION" on stdout. */
void mh_cli_version(const char *program);

/* Print "PROGRAM: message" and a hint to use --help on stderr; returns
 * MH_EXIT_USAGE for main to return. */
int mh_cli_usage_error(const char *program, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Load the installed configuration, or only path when it is not NULL
 * (helpers' --config FILE; the hook itself has no such override). */
int mh_cli_load_conf(struct mh_conf *conf, const char *path, struct mh_error *err);

/* Call handler on SIGINT, SIGTERM and SIGHUP, without SA_RESTART so that a
 * long wait sees EINTR, and ignore SIGPIPE: a libvirtd (or any peer) that
 * dies mid-call must be an error, not the helper's death. */
void mh_cli_catch_stop_signals(void (*handler)(int));

#endif
