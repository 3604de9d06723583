/* mh_log.h - messages to syslog (refusals, warnings); never domain XML. */
#ifndef MH_LOG_H
#define MH_LOG_H

#include <stdbool.h>

struct mh_conf;

/* Send one line to syslog (facility daemon, ident migrate-hooks) when the
 * configuration enables it. priority is a LOG_* level. */
void mh_log(const struct mh_conf *conf, int priority, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

#endif
