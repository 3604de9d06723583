/* mh_file.h - bounded reads, trusted config files and crash-safe writes. */
#ifndef MH_FILE_H
#define MH_FILE_H

#include <stddef.h>
#include <sys/types.h>

struct mh_error;

/* Read fd to end of file, at most cap bytes. On success *data is a
 * NUL-terminated buffer of *length bytes that the caller frees; the data may
 * itself contain NUL bytes. More than cap bytes is an error that names cap. */
int mh_file_read_fd(int fd, size_t cap, char **data, size_t *length, struct mh_error *err);

/* Open path for reading only if it can be trusted as configuration: not a
 * symlink (O_NOFOLLOW), a regular file, owned by root and not writable by
 * group or others. Returns the descriptor or -1. */
int mh_file_open_trusted(const char *path, struct mh_error *err);

/* mh_file_open_trusted() + mh_file_read_fd(). Returns 0, or -1 with
 * errno ENOENT preserved when the file does not exist. */
int mh_file_read_trusted(const char *path, size_t cap, char **data, size_t *length,
                         struct mh_error *err);

/* Check that a directory can be trusted for executables or drop-ins: a real
 * directory (not a symlink), root-owned, not writable by group or others. */
int mh_file_check_trusted_dir(const char *path, struct mh_error *err);

/* Replace path with data so that a crash at any moment leaves either the
 * old or the new content: write a temporary file in the same directory,
 * fsync it, rename it over path, fsync the directory. */
int mh_file_write_atomic(const char *path, const void *data, size_t length, mode_t mode,
                         struct mh_error *err);

/* Replace path with data so that a reader sees either the old or the new
 * content, but without flushing anything: after a crash it may hold
 * either, or nothing. Only for caches and notes whose loss costs a retry. */
int mh_file_replace(const char *path, const void *data, size_t length, mode_t mode,
                    struct mh_error *err);

/* Write all of data to fd, retrying short writes and EINTR. */
int mh_file_write_all(int fd, const void *data, size_t length);

#endif
