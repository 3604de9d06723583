/* mh_time.c - parse operators' times, format the journal's. */
#include "mh_time.h"
#include "mh_error.h"
#include "mh_string.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

void
mh_time_format(time_t when, char out[32])
{
    struct tm tm;

    gmtime_r(&when, &tm);
    if (strftime(out, 32, "%Y-%m-%dT%H:%M:%S.000Z", &tm) == 0)
        out[0] = '\0';
}

int
mh_time_parse(const char *text, time_t now, char out[32], struct mh_error *err)
{
    static const char *const formats[] = {
        "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%MZ",    "%Y-%m-%dT%H:%M",    "%Y-%m-%d %H:%M",
        "%Y-%m-%d",
    };
    size_t length = strlen(text);

    if (length >= 2 && length < 16 && strchr("smhd", text[length - 1])) {
        static const long unit[] = { ['s'] = 1, ['m'] = 60, ['h'] = 3600, ['d'] = 86400 };
        char number[16];
        long amount;

        memcpy(number, text, length - 1);
        number[length - 1] = '\0';
        if (mh_string_to_long(number, 0, 100L * 366 * 86400, &amount) == 0) {
            mh_time_format(now - amount * unit[(unsigned char)text[length - 1]], out);
            return 0;
        }
    }
    for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
        struct tm tm;
        const char *end;

        memset(&tm, 0, sizeof(tm));
        end = strptime(text, formats[i], &tm);
        if (end && *end == '\0') {
            mh_time_format(timegm(&tm), out);
            return 0;
        }
    }
    mh_error_set(err, "'%s' is not a time: use YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS] (UTC), "
                 "or an age such as 90s, 15m, 2h, 7d", text);
    return -1;
}

int
mh_time_parse_stored(const char *text, time_t *when)
{
    struct tm tm;
    const char *end;

    memset(&tm, 0, sizeof(tm));
    if (strlen(text) < 20 || !isdigit((unsigned char)text[0]))
        return -1;
    end = strptime(text, "%Y-%m-%dT%H:%M:%S", &tm);
    if (!end || end - text != 19)
        return -1;
    if (*end == '.') {
        size_t digits = strspn(end + 1, "0123456789");

        if (digits == 0 || digits > 9)
            return -1;
        end += 1 + digits;
    }
    if (strcmp(end, "Z") != 0)
        return -1;
    *when = timegm(&tm);
    return *when == (time_t)-1 ? -1 : 0;
}
