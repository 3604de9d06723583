/* mh_string.c - strict number parsing and bounded string copies. */
#include "mh_string.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static size_t utf8_length(const unsigned char *p);

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
mh_string_copy_text(char *dst, size_t size, const char *src)
{
    const unsigned char *p = (const unsigned char *)src;
    size_t used = 0;

    if (size == 0)
        return -1;
    while (*p) {
        size_t length = utf8_length(p);

        if (length == 0) {
            length = 1;
            if (used + 1 >= size)
                break;
            dst[used++] = (*p < 0x20 || *p == 0x7f) ? ' ' : '?';
            p++;
            continue;
        }
        if (used + length >= size)
            break;
        memcpy(dst + used, p, length);
        used += length;
        p += length;
    }
    dst[used] = '\0';
    return *p ? -1 : 0;
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

/* Length of the valid UTF-8 character at p that is not a control
 * character, or 0 (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF). */
static size_t
utf8_length(const unsigned char *p)
{
    size_t length;
    unsigned long code;

    if (p[0] < 0x20 || p[0] == 0x7f)
        return 0;
    if (p[0] < 0x80)
        return 1;
    if (p[0] >= 0xc2 && p[0] <= 0xdf) {
        length = 2;
        code = p[0] & 0x1f;
    } else if (p[0] >= 0xe0 && p[0] <= 0xef) {
        length = 3;
        code = p[0] & 0x0f;
    } else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
        length = 4;
        code = p[0] & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < length; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        code = code << 6 | (p[i] & 0x3f);
    }
    if ((length == 3 && code < 0x800) || (length == 4 && code < 0x10000) || code > 0x10ffff ||
        (code >= 0xd800 && code <= 0xdfff) || (code >= 0x80 && code < 0xa0))
        return 0;
    return length;
}
