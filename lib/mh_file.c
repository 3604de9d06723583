/* mh_file.c - bounded reads, trusted config files and crash-safe writes. */
#include "mh_file.h"
#include "mh_error.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int check_trusted_stat(const char *path, const struct stat *st, struct mh_error *err);
static int replace(const char *path, const void *data, size_t length, mode_t mode, bool durable,
                   struct mh_error *err);

int
mh_file_read_fd(int fd, size_t cap, char **data, size_t *length, struct mh_error *err)
{
    size_t size = 0;
    size_t allocated = 0;
    char *buffer = NULL;

    for (;;) {
        ssize_t got;

        if (allocated - size < 2) {
            /* Grow geometrically, but never beyond cap + 2 so that one byte
             * past the cap proves the input is too large. */
            size_t want = allocated ? allocated * 2 : 16384;
            char *bigger;

            if (want > cap + 2)
                want = cap + 2;
            if (want <= allocated) {
                free(buffer);
                mh_error_set(err, "input is larger than the limit of %zu bytes", cap);
                return -1;
            }
            bigger = realloc(buffer, want);
            if (!bigger) {
                free(buffer);
                mh_error_set(err, "out of memory reading %zu bytes", want);
                return -1;
            }
            buffer = bigger;
            allocated = want;
        }
        got = read(fd, buffer + size, allocated - size - 1);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            mh_error_set_errno(err, errno, "read failed");
            free(buffer);
            return -1;
        }
        if (got == 0)
            break;
        size += (size_t)got;
        if (size > cap) {
            free(buffer);
            mh_error_set(err, "input is larger than the limit of %zu bytes", cap);
            return -1;
        }
    }
    if (!buffer) {
        buffer = malloc(1);
        if (!buffer) {
            mh_error_set(err, "out of memory");
            return -1;
        }
    }
    buffer[size] = '\0';
    *data = buffer;
    *length = size;
    return 0;
}

int
mh_file_open_trusted(const char *path, struct mh_error *err)
{
    struct stat st;
    int fd;

    fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        int saved = errno;
        if (saved == ELOOP)
            mh_error_set(err, "%s: is a symbolic link; refusing to trust it", path);
        else
            mh_error_set_errno(err, saved, "%s", path);
        errno = saved;
        return -1;
    }
    if (fstat(fd, &st) < 0) {
        mh_error_set_errno(err, errno, "%s: fstat", path);
        close(fd);
        return -1;
    }
    if (check_trusted_stat(path, &st, err) < 0) {
        close(fd);
        errno = EPERM;
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        mh_error_set(err, "%s: not a regular file", path);
        close(fd);
        errno = EINVAL;
        return -1;
    }
    return fd;
}

int
mh_file_read_trusted(const char *path, size_t cap, char **data, size_t *length,
                     struct mh_error *err)
{
    int fd = mh_file_open_trusted(path, err);
    int ret;

    if (fd < 0)
        return -1;
    ret = mh_file_read_fd(fd, cap, data, length, err);
    if (ret < 0)
        mh_error_prefix(err, "%s", path);
    close(fd);
    return ret;
}

int
mh_file_check_trusted_dir(const char *path, struct mh_error *err)
{
    struct stat st;

    if (lstat(path, &st) < 0) {
        mh_error_set_errno(err, errno, "%s", path);
        return -1;
    }
    if (S_ISLNK(st.st_mode)) {
        mh_error_set(err, "%s: is a symbolic link; refusing to trust it", path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        mh_error_set(err, "%s: not a directory", path);
        return -1;
    }
    return check_trusted_stat(path, &st, err);
}

int
mh_file_write_all(int fd, const void *data, size_t length)
{
    const char *p = data;

    while (length > 0) {
        ssize_t done = write(fd, p, length);
        if (done < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += done;
        length -= (size_t)done;
    }
    return 0;
}

int
mh_file_write_atomic(const char *path, const void *data, size_t length, mode_t mode,
                     struct mh_error *err)
{
    return replace(path, data, length, mode, true, err);
}

int
mh_file_replace(const char *path, const void *data, size_t length, mode_t mode,
                struct mh_error *err)
{
    return replace(path, data, length, mode, false, err);
}

/* A temporary file beside path, renamed over it; durable: flushed before
 * the rename, and the directory after it. */
static int
replace(const char *path, const void *data, size_t length, mode_t mode, bool durable,
        struct mh_error *err)
{
    char temporary[PATH_MAX];
    char directory[PATH_MAX];
    int fd = -1;
    int dirfd = -1;
    int ret = -1;

    if (snprintf(temporary, sizeof(temporary), "%s.tmp.%ld", path, (long)getpid())
        >= (int)sizeof(temporary) ||
        snprintf(directory, sizeof(directory), "%s", path) >= (int)sizeof(directory)) {
        mh_error_set(err, "%s: path too long", path);
        return -1;
    }
    fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
    if (fd < 0) {
        mh_error_set_errno(err, errno, "%s: cannot create", temporary);
        goto cleanup;
    }
    if (fchmod(fd, mode) < 0) {
        mh_error_set_errno(err, errno, "%s: chmod", temporary);
        goto cleanup;
    }
    if (mh_file_write_all(fd, data, length) < 0) {
        mh_error_set_errno(err, errno, "%s: write", temporary);
        goto cleanup;
    }
    if (durable && fsync(fd) < 0) {
        mh_error_set_errno(err, errno, "%s: fsync", temporary);
        goto cleanup;
    }
    if (close(fd) < 0) {
        fd = -1;
        mh_error_set_errno(err, errno, "%s: close", temporary);
        goto cleanup;
    }
    fd = -1;
    if (rename(temporary, path) < 0) {
        mh_error_set_errno(err, errno, "%s: rename", path);
        goto cleanup;
    }
    temporary[0] = '\0';
    if (!durable) {
        ret = 0;
        goto cleanup;
    }
    dirfd = open(dirname(directory), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0 || fsync(dirfd) < 0) {
        mh_error_set_errno(err, errno, "%s: fsync of its directory", path);
        goto cleanup;
    }
    ret = 0;

cleanup:
    if (fd >= 0)
        close(fd);
    if (dirfd >= 0)
        close(dirfd);
    if (ret < 0 && temporary[0])
        unlink(temporary);
    return ret;
}

static int
check_trusted_stat(const char *path, const struct stat *st, struct mh_error *err)
{
    if (st->st_uid != 0) {
        mh_error_set(err, "%s: owned by uid %lu, not root; refusing to trust it", path,
                     (unsigned long)st->st_uid);
        return -1;
    }
    if (st->st_mode & (S_IWGRP | S_IWOTH)) {
        mh_error_set(err, "%s: writable by group or others (mode %04o); refusing to trust it",
                     path, (unsigned)(st->st_mode & 07777));
        return -1;
    }
    return 0;
}
