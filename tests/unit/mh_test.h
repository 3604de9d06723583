/* mh_test.h - what every cmocka unit test of migrate-hooks includes. */
#ifndef MH_TEST_H
#define MH_TEST_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "mh_error.h"
#include "mh_file.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* snprintf into an array, asserting nothing was cut off. */
#define MH_TEST_PRINT(buffer, ...) \
    assert_true(snprintf((buffer), sizeof(buffer), __VA_ARGS__) < (int)sizeof(buffer))

/* Milliseconds since start, a CLOCK_MONOTONIC reading. */
static inline long
mh_test_elapsed_ms(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (now.tv_sec - start->tv_sec) * 1000 + (now.tv_nsec - start->tv_nsec) / 1000000;
}

/* A fresh directory under /tmp for one test; removed by mh_test_rmdir. */
static inline char *
mh_test_tmpdir(void)
{
    char *path = strdup("/tmp/mh-unit.XXXXXX");
    assert_non_null(path);
    assert_non_null(mkdtemp(path));
    return path;
}

static inline void
mh_test_rmdir(char *path)
{
    char command[512];
    int ignored;

    MH_TEST_PRINT(command, "rm -rf '%s'", path);
    ignored = system(command);
    (void)ignored;
    free(path);
}

/* The contents of path (at most 64 MiB), NUL-terminated, or NULL when there
 * is no such file; the caller frees. */
static inline char *
mh_test_slurp_if_there(const char *path, size_t *length)
{
    struct mh_error err = { { 0 } };
    FILE *file = fopen(path, "r");
    char *data = NULL;

    if (!file && errno == ENOENT)
        return NULL;
    assert_non_null(file);
    assert_int_equal(mh_file_read_fd(fileno(file), 64 << 20, &data, length, &err), 0);
    fclose(file);
    return data;
}

/* The same for a file that must be there. */
static inline char *
mh_test_slurp(const char *path, size_t *length)
{
    char *data = mh_test_slurp_if_there(path, length);

    assert_non_null(data);
    return data;
}

/* Write text to dir/name with mode; returns the full path (static buffer). */
static inline const char *
mh_test_write(const char *dir, const char *name, const char *text, unsigned mode)
{
    static char path[4096];
    FILE *file;

    MH_TEST_PRINT(path, "%s/%s", dir, name);
    file = fopen(path, "w");
    assert_non_null(file);
    fputs(text, file);
    fclose(file);
    assert_int_equal(chmod(path, mode), 0);
    return path;
}

#endif
