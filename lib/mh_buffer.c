/* mh_buffer.c - a growing byte buffer. */
#include "mh_buffer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static bool reserve(struct mh_buffer *buffer, size_t more);

void
mh_buffer_append(struct mh_buffer *buffer, const char *data, size_t length)
{
    if (!reserve(buffer, length))
        return;
    memcpy(buffer->data + buffer->length, data, length);
    buffer->length += length;
    buffer->data[buffer->length] = '\0';
}

void
mh_buffer_append_string(struct mh_buffer *buffer, const char *text)
{
    mh_buffer_append(buffer, text, strlen(text));
}

void
mh_buffer_printf(struct mh_buffer *buffer, const char *format, ...)
{
    va_list args;
    int needed;

    va_start(args, format);
    needed = vsnprintf(NULL, 0, format, args);
    va_end(args);
    if (needed < 0) {
        buffer->failed = true;
        return;
    }
    if (!reserve(buffer, (size_t)needed))
        return;
    va_start(args, format);
    vsnprintf(buffer->data + buffer->length, (size_t)needed + 1, format, args);
    va_end(args);
    buffer->length += (size_t)needed;
}

char *
mh_buffer_take(struct mh_buffer *buffer, size_t *length)
{
    char *data = NULL;

    if (!buffer->failed && reserve(buffer, 0)) {
        data = buffer->data;
        data[buffer->length] = '\0';
    } else {
        free(buffer->data);
    }
    if (length)
        *length = data ? buffer->length : 0;
    memset(buffer, 0, sizeof(*buffer));
    return data;
}

void
mh_buffer_free(struct mh_buffer *buffer)
{
    free(buffer->data);
    memset(buffer, 0, sizeof(*buffer));
}

/* Room for more bytes and a NUL; false (and failed) when out of memory. */
static bool
reserve(struct mh_buffer *buffer, size_t more)
{
    size_t capacity;
    char *grown;

    if (buffer->failed)
        return false;
    if (buffer->length + more + 1 <= buffer->capacity)
        return true;
    capacity = (buffer->length + more + 1) * 2;
    if (capacity < 64)
        capacity = 64;
    grown = realloc(buffer->data, capacity);
    if (!grown) {
        buffer->failed = true;
        return false;
    }
    buffer->data = grown;
    buffer->capacity = capacity;
    return true;
}
