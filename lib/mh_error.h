/* mh_error.h - an error message a user can act on, filled by the function that failed. */
#ifndef MH_ERROR_H
#define MH_ERROR_H

#include <stddef.h>

/* Functions return 0 / -1 (or a count) and fill one of these; only main()
 * decides what an error means for the exit code. */
struct mh_error {
    char message[1024];
};

/* Replace the message. A NULL err is allowed and ignored. */
void mh_error_set(struct mh_error *err, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Replace the message, appending ": strerror(errnum)". */
void mh_error_set_errno(struct mh_error *err, int errnum, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Put context in front of the current message: "context: message". */
void mh_error_prefix(struct mh_error *err, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

void mh_error_clear(struct mh_error *err);

#endif
