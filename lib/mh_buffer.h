/* mh_buffer.h - a growing byte buffer that remembers an allocation failure,
 * so a sequence of appends is checked once at the end. */
#ifndef MH_BUFFER_H
#define MH_BUFFER_H

#include <stdbool.h>
#include <stddef.h>

struct mh_buffer {
    char *data;         /* NUL-terminated after any successful append */
    size_t length;
    size_t capacity;
    bool failed;        /* an append ran out of memory; data is incomplete */
};

void mh_buffer_append(struct mh_buffer *buffer, const char *data, size_t length);

void mh_buffer_append_string(struct mh_buffer *buffer, const char *text);

void mh_buffer_printf(struct mh_buffer *buffer, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Hand over data (the caller frees it; NULL when failed) and reset. */
char *mh_buffer_take(struct mh_buffer *buffer, size_t *length);

void mh_buffer_free(struct mh_buffer *buffer);

#endif
