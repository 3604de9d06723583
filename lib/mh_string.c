/* mh_string.c - strict number parsing and bounded string copies. */
#include "mh_string.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int
mh_string_to_long(const char *text, long min, long max, long *out)
{
    char *end = NULL;
    long value;

    if (!text || !*text || isspace((unsigned char)*text)) {
        errno = EINVAL;
        return -1;
    }
    errno = 0;
    value = strtol(text, &end, 10);
    if (errno == ERANGE)
        return -1;
    if (end == text || *end != '\0') {
        errno = EINVAL;
        return -1;
    }
    if (value < min || value > max) {
        errno = ERANGE;
        return -1;
    }
    *out = value;
    return 0;
}

int
mh_string_copy(char *dst, size_t size, const char *src)
{
    size_t length = strlen(src);

    if (size == 0)
        return -1;
    if (length >= size) {
        memcpy(dst, src, size - 1);
        dst[size - 1] = '\0';
        return -1;
    }
    memcpy(dst, src, length + 1);
    return 0;
}

int
mh_string_append(char *dst, size_t size, const char *src)
{
    size_t used = strnlen(dst, size);

    if (used >= size)
        return -1;
    return mh_string_copy(dst + used, size - used, src);
}

bool
mh_string_has_prefix(const char *text, const char *prefix)
{
    return strncmp(text, prefix, strlen(prefix)) == 0;
}

bool
mh_string_is_identifier(const char *text)
{
    size_t length = strlen(text);

    if (length == 0 || length > 64 || text[0] == '.' || text[0] == '-')
        return false;
    for (size_t i = 0; i < length; i++) {
        unsigned char c = (unsigned char)text[i];
        if (!isalnum(c) && c != '.' && c != '_' && c != '-')
            return false;
    }
    return true;
}
