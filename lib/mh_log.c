/* mh_log.c - messages to syslog. */
#include "mh_log.h"
#include "mh_conf.h"

#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>

void
mh_log(const struct mh_conf *conf, int priority, const char *format, ...)
{
    static bool opened;
    char message[2048];
    va_list args;

    if (conf && !conf->syslog_enabled)
        return;
    if (!opened) {
        openlog("migrate-hooks", LOG_PID | LOG_NDELAY, LOG_DAEMON);
        opened = true;
    }
    va_start(args, format);
    vsnprintf(message, sizeof(message), format, args);
    va_end(args);
    syslog(priority, "%s", message);
}
