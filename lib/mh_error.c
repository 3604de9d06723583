/* mh_error.c - filling struct mh_error with messages that never overflow. */
#include "mh_error.h"
#include "mh_string.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void
mh_error_set(struct mh_error *err, const char *format, ...)
{
    va_list args;

    if (!err)
        return;
    va_start(args, format);
    vsnprintf(err->message, sizeof(err->message), format, args);
    va_end(args);
}

void
mh_error_set_errno(struct mh_error *err, int errnum, const char *format, ...)
{
    va_list args;
    size_t used;

    if (!err)
        return;
    va_start(args, format);
    vsnprintf(err->message, sizeof(err->message), format, args);
    va_end(args);
    used = strlen(err->message);
    snprintf(err->message + used, sizeof(err->message) - used, ": %s", strerror(errnum));
}

void
mh_error_prefix(struct mh_error *err, const char *format, ...)
{
    char prefix[sizeof(err->message)];
    char old[sizeof(err->message)];
    va_list args;

    if (!err)
        return;
    va_start(args, format);
    vsnprintf(prefix, sizeof(prefix), format, args);
    va_end(args);
    memcpy(old, err->message, sizeof(old));
    mh_string_copy(err->message, sizeof(err->message), prefix);
    mh_string_append(err->message, sizeof(err->message), ": ");
    mh_string_append(err->message, sizeof(err->message), old);
}

void
mh_error_clear(struct mh_error *err)
{
    if (err)
        err->message[0] = '\0';
}
