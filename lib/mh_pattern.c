/* mh_pattern.c - ordered include/exclude glob lists. */
#include "mh_pattern.h"

#include <fnmatch.h>
#include <string.h>

bool
mh_pattern_select(const json_t *patterns, const char *name)
{
    bool selected = false;
    size_t index;
    json_t *item;

    json_array_foreach((json_t *)patterns, index, item) {
        const char *glob = json_string_value(item);
        bool exclude;

        if (!glob)
            continue;
        exclude = glob[0] == '!';
        if (fnmatch(exclude ? glob + 1 : glob, name, 0) == 0)
            selected = !exclude;
    }
    return selected;
}

int
mh_pattern_check(const json_t *patterns, long *bad, const char **reason)
{
    size_t index;
    json_t *item;

    *bad = -1;
    if (!json_is_array(patterns)) {
        *reason = "must be an array of glob patterns";
        return -1;
    }
    json_array_foreach((json_t *)patterns, index, item) {
        const char *glob = json_string_value(item);
        size_t length = json_string_length(item);

        *bad = (long)index;
        if (!glob) {
            *reason = "must be a string";
            return -1;
        }
        if (strlen(glob) != length) {
            *reason = "must not contain NUL characters";
            return -1;
        }
        if (length == 0 || (glob[0] == '!' && length == 1)) {
            *reason = "must not be empty (\"!\" needs a glob after it)";
            return -1;
        }
        if (length > MH_PATTERN_MAX_LENGTH) {
            *reason = "is longer than 256 bytes";
            return -1;
        }
    }
    *bad = -1;
    return 0;
}
