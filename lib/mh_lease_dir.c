/* mh_lease_dir.c - the "dir" lease backend: one JSON record per guest in a
 * directory, local or on storage shared by the cluster (NFS).
 *
 * DIR/UUID.json  the record. Replaced crash-safe: the new record is written
 *                whole and flushed under another name, that name is swapped
 *                with (or renamed over) the record, the directory flushed.
 *                A crash leaves the old or the new record, never a mix.
 * DIR/UUID.next  the spare the next record is written into: after a swap
 *                it holds the previous record. Written in place at a size
 *                that rarely changes, a flush of it is a flush of its data
 *                alone, without a file system journal commit: a change
 *                costs one data flush and one directory flush, not two
 *                flushes of each (see replace_record).
 * DIR/UUID.lock  empty; writers hold an exclusive OFD lock on it from read
 *                to write, readers of a record they will not change a
 *                shared one (the spare they could have opened as the
 *                record just before a swap is rewritten in place by the
 *                next writer). The record itself cannot carry the lock
 *                because the swap changes its inode. Lock files are never
 *                removed: removing one while another process waits on it
 *                would let two writers in at once. OFD locks are released
 *                by the kernel when their holder dies, and NFS (v4, or v3
 *                with lockd) carries them to the server. */
#include "mh_error.h"
#include "mh_file.h"
#include "mh_lease_conf.h"
#include "mh_lease_record.h"
#include "mh_lease_store.h"
#include "mh_lock.h"
#include "mh_string.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* More records than this in one directory is not a lease directory. */
#define MAX_RECORDS 100000
/* Records are padded with spaces to a multiple of this: the spare keeps its
 * size from one change to the next, so flushing it needs no metadata. */
#define RECORD_BLOCK 4096

struct dir_state {
    int dirfd;
    int lockfd;                         /* -1 when no guest is held */
    char held[MH_UUID_LENGTH + 1];      /* the guest whose lock we hold */
    char path[PATH_MAX];
};

static int dir_open(struct mh_lease_store *store, struct mh_error *err);
static int dir_load(struct mh_lease_store *store, const char *uuid,
                    struct mh_lease_record *record, bool *corrupt, struct mh_error *err);
static int dir_save(struct mh_lease_store *store, const struct mh_lease_record *record,
                    bool *conflict, struct mh_error *err);
static void dir_unlock(struct mh_lease_store *store);
static int dir_list(struct mh_lease_store *store, mh_lease_visit visit, void *data,
                    struct mh_error *err);
static int dir_keepalive(struct mh_lease_store *store, struct mh_error *err);
static void dir_close(struct mh_lease_store *store);
static int replace_record(struct dir_state *state, const char *uuid, const char *text,
                          struct mh_error *err);
static int write_spare(struct dir_state *state, const char *name, const char *text,
                       struct mh_error *err);
static int lock_shared(struct dir_state *state, const struct mh_lease_conf *conf,
                       const char *uuid, int *fd, struct mh_error *err);
static int read_record(struct dir_state *state, const char *uuid,
                       struct mh_lease_record *record, bool *corrupt, struct mh_error *err);
static bool is_record_name(const char *name);
static int compare_strings(const void *a, const void *b);

const struct mh_lease_backend mh_lease_dir_backend = {
    .name = "dir",
    .open = dir_open,
    .load = dir_load,
    .save = dir_save,
    .unlock = dir_unlock,
    .list = dir_list,
    .keepalive = dir_keepalive,
    .close = dir_close,
};

static int
dir_open(struct mh_lease_store *store, struct mh_error *err)
{
    const char *path = store->conf->dir;
    struct dir_state *state = calloc(1, sizeof(*state));

    if (!state) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    state->dirfd = state->lockfd = -1;
    store->state = state;
    if (mh_string_copy(state->path, sizeof(state->path), path) < 0) {
        mh_error_set(err, "%s: path too long", path);
        return -1;
    }
    /* The parent (the state directory, or a shared mount) must exist; the
     * lease directory itself is created on first use. */
    if (mkdir(path, 0755) < 0 && errno != EEXIST) {
        mh_error_set_errno(err, errno, "%s: cannot create the lease directory", path);
        return -1;
    }
    /* Whoever can write here can grant or deny any guest a start. */
    if (mh_file_check_trusted_dir(path, err) < 0)
        return -1;
    state->dirfd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (state->dirfd < 0) {
        mh_error_set_errno(err, errno, "%s", path);
        return -1;
    }
    return 0;
}

static int
dir_load(struct mh_lease_store *store, const char *uuid, struct mh_lease_record *record,
         bool *corrupt, struct mh_error *err)
{
    struct dir_state *state = store->state;
    char name[MH_UUID_LENGTH + 8];
    char what[PATH_MAX + 64];
    struct stat st;

    dir_unlock(store);
    snprintf(name, sizeof(name), "%s.lock", uuid);
    snprintf(what, sizeof(what), "%s/%s", state->path, name);
    state->lockfd = openat(state->dirfd, name,
                           O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
                           0600);
    if (state->lockfd < 0) {
        mh_error_set_errno(err, errno, "%s: cannot open the lock file", what);
        return -1;
    }
    if (fstat(state->lockfd, &st) < 0 || !S_ISREG(st.st_mode)) {
        mh_error_set(err, "%s: not a regular file", what);
        dir_unlock(store);
        return -1;
    }
    if (mh_lock_exclusive(state->lockfd, store->conf->lock_timeout_ms, what, err) < 0) {
        dir_unlock(store);
        return -1;
    }
    mh_string_copy(state->held, sizeof(state->held), uuid);
    return read_record(state, uuid, record, corrupt, err);
}

static int
dir_save(struct mh_lease_store *store, const struct mh_lease_record *record, bool *conflict,
         struct mh_error *err)
{
    struct dir_state *state = store->state;
    char *text;
    int ret;

    *conflict = false;
    /* The lock makes read-modify-write atomic; writing without it could
     * undo another host's change. */
    if (state->lockfd < 0 || strcmp(state->held, record->uuid) != 0) {
        mh_error_set(err, "internal error: saving the lease of %s without holding its lock",
                     record->uuid);
        return -1;
    }
    text = mh_lease_record_format(record);
    if (!text) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    ret = replace_record(state, record->uuid, text, err);
    free(text);
    return ret;
}

static void
dir_unlock(struct mh_lease_store *store)
{
    struct dir_state *state = store->state;

    if (state && state->lockfd >= 0) {
        close(state->lockfd);
        state->lockfd = -1;
        state->held[0] = '\0';
    }
}

static int
dir_list(struct mh_lease_store *store, mh_lease_visit visit, void *data, struct mh_error *err)
{
    struct dir_state *state = store->state;
    char **names = NULL;
    size_t count = 0, allocated = 0;
    struct dirent *entry;
    DIR *directory;
    int fd = dup(state->dirfd);
    int ret = -1;

    if (fd < 0 || !(directory = fdopendir(fd))) {
        mh_error_set_errno(err, errno, "%s", state->path);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    rewinddir(directory);
    while ((entry = readdir(directory))) {
        if (!is_record_name(entry->d_name))
            continue;
        if (count == MAX_RECORDS) {
            mh_error_set(err, "%s: more than %d lease records", state->path, MAX_RECORDS);
            goto cleanup;
        }
        if (count == allocated) {
            size_t want = allocated ? allocated * 2 : 64;
            char **bigger = realloc(names, want * sizeof(*names));
            if (!bigger) {
                mh_error_set(err, "out of memory");
                goto cleanup;
            }
            names = bigger;
            allocated = want;
        }
        names[count] = strndup(entry->d_name, MH_UUID_LENGTH);
        if (!names[count]) {
            mh_error_set(err, "out of memory");
            goto cleanup;
        }
        count++;
    }
    qsort(names, count, sizeof(*names), compare_strings);
    for (size_t i = 0; i < count; i++) {
        struct mh_lease_record record;
        struct mh_error problem = { { 0 } };
        bool corrupt = false;
        int lockfd = -1;
        int stop;

        if (lock_shared(state, store->conf, names[i], &lockfd, &problem) < 0 ||
            read_record(state, names[i], &record, &corrupt, &problem) < 0)
            stop = visit(&record, false, problem.message, data);
        else if (!record.exists)
            continue;   /* removed since readdir */
        else
            stop = visit(&record, true, NULL, data);
        if (lockfd >= 0)
            close(lockfd);
        if (stop)
            break;
    }
    ret = 0;

cleanup:
    for (size_t i = 0; i < count; i++)
        free(names[i]);
    free(names);
    closedir(directory);
    return ret;
}

static int
dir_keepalive(struct mh_lease_store *store, struct mh_error *err)
{
    (void)store;
    (void)err;
    return 0;   /* records on disk do not expire */
}

static void
dir_close(struct mh_lease_store *store)
{
    struct dir_state *state = store->state;

    if (!state)
        return;
    dir_unlock(store);
    if (state->dirfd >= 0)
        close(state->dirfd);
    free(state);
    store->state = NULL;
}

/* Replace DIR/UUID.json by text, holding the guest's exclusive lock:
 *   1. write text into the spare DIR/UUID.next and flush it (write_spare);
 *   2. swap the spare and the record (renameat2 RENAME_EXCHANGE): the
 *      spare now holds the previous record, ready for the next change;
 *      where there is no record file yet, or the file system cannot swap
 *      (NFS, kernels before 3.15), rename the spare over the record;
 *   3. flush the directory, so that the swap or rename is on disk before
 *      the hook says the change is done.
 * Up to 2 the record is the old one, whole (the spare may be torn: nobody
 * reads it); from 2 it is the new one, whole since 1. */
static int
replace_record(struct dir_state *state, const char *uuid, const char *text,
               struct mh_error *err)
{
    char record[MH_UUID_LENGTH + 8], spare[MH_UUID_LENGTH + 8];
    struct stat st;
    bool swap;

    snprintf(record, sizeof(record), "%s.json", uuid);
    snprintf(spare, sizeof(spare), "%s.next", uuid);
    if (write_spare(state, spare, text, err) < 0)
        return -1;
    /* Only a record that is a plain file becomes the spare: whatever else
     * stands there (left by hand, being replaced by mh-lease break) is
     * renamed over, or, a directory, refused by rename. */
    swap = fstatat(state->dirfd, record, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode);
    if (!swap || renameat2(state->dirfd, spare, state->dirfd, record, RENAME_EXCHANGE) < 0) {
        if (swap && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP) {
            mh_error_set_errno(err, errno, "%s/%s: cannot swap it with %s", state->path, spare,
                               record);
            return -1;
        }
        if (renameat(state->dirfd, spare, state->dirfd, record) < 0) {
            mh_error_set_errno(err, errno, "%s/%s: cannot rename it to %s", state->path, spare,
                               record);
            return -1;
        }
    }
    if (fsync(state->dirfd) < 0) {
        mh_error_set_errno(err, errno, "%s: fsync of the directory", state->path);
        return -1;
    }
    return 0;
}

/* Write text, padded with spaces to whole RECORD_BLOCKs (JSON allows
 * trailing white space), over DIR/name from its start, and flush its data.
 * The spare is our own scratch file: anything there but a plain file with
 * one link is refused rather than written through. */
static int
write_spare(struct dir_state *state, const char *name, const char *text, struct mh_error *err)
{
    size_t length = strlen(text);
    size_t size = (length / RECORD_BLOCK + 1) * RECORD_BLOCK;
    char *padded = malloc(size);
    struct stat st;
    int ret = -1;
    int fd;

    if (!padded) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    memcpy(padded, text, length);
    memset(padded + length, ' ', size - length - 1);
    padded[size - 1] = '\n';
    fd = openat(state->dirfd, name,
                O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0644);
    if (fd < 0) {
        mh_error_set_errno(err, errno, "%s/%s: cannot open the spare record file", state->path,
                           name);
        free(padded);
        return -1;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1) {
        mh_error_set(err, "%s/%s: not a plain file with one link; remove it", state->path, name);
        goto cleanup;
    }
    /* Created now, under the hook's umask: records are world-readable. */
    if ((st.st_mode & 07777) != 0644 && fchmod(fd, 0644) < 0) {
        mh_error_set_errno(err, errno, "%s/%s: chmod", state->path, name);
        goto cleanup;
    }
    if (lseek(fd, 0, SEEK_SET) < 0 || mh_file_write_all(fd, padded, size) < 0 ||
        ((size_t)st.st_size > size && ftruncate(fd, (off_t)size) < 0)) {
        mh_error_set_errno(err, errno, "%s/%s: write", state->path, name);
        goto cleanup;
    }
    /* The size only changes when the record outgrows its blocks: then
     * fdatasync flushes it too. */
    if (fdatasync(fd) < 0) {
        mh_error_set_errno(err, errno, "%s/%s: fdatasync", state->path, name);
        goto cleanup;
    }
    ret = 0;

cleanup:
    close(fd);
    free(padded);
    return ret;
}

/* Take a shared lock on DIR/UUID.lock into *fd (-1 when there is no lock
 * file: no writer has ever changed the record this way). */
static int
lock_shared(struct dir_state *state, const struct mh_lease_conf *conf, const char *uuid,
            int *fd, struct mh_error *err)
{
    char name[MH_UUID_LENGTH + 8];
    char what[PATH_MAX + 64];
    struct stat st;

    snprintf(name, sizeof(name), "%s.lock", uuid);
    snprintf(what, sizeof(what), "%s/%s", state->path, name);
    *fd = openat(state->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (*fd < 0) {
        if (errno == ENOENT)
            return 0;
        mh_error_set_errno(err, errno, "%s: cannot open the lock file", what);
        return -1;
    }
    if (fstat(*fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        mh_error_set(err, "%s: not a regular file", what);
    } else if (mh_lock_shared(*fd, conf->lock_timeout_ms, what, err) == 0) {
        return 0;
    }
    close(*fd);
    *fd = -1;
    return -1;
}

/* Read DIR/UUID.json: absent is an empty record; anything that is not a
 * regular file holding a valid record for uuid is corrupt. */
static int
read_record(struct dir_state *state, const char *uuid, struct mh_lease_record *record,
            bool *corrupt, struct mh_error *err)
{
    char name[MH_UUID_LENGTH + 8];
    char what[PATH_MAX + 64];
    struct stat st;
    char *text = NULL;
    size_t length = 0;
    int fd;
    int ret = -1;

    *corrupt = false;
    mh_lease_record_init(record, uuid);
    snprintf(name, sizeof(name), "%s.json", uuid);
    snprintf(what, sizeof(what), "%s/%s", state->path, name);
    fd = openat(state->dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        *corrupt = errno == ELOOP;
        mh_error_set_errno(err, errno, "%s", what);
        return -1;
    }
    if (fstat(fd, &st) < 0) {
        mh_error_set_errno(err, errno, "%s: fstat", what);
        goto cleanup;
    }
    if (!S_ISREG(st.st_mode)) {
        *corrupt = true;
        mh_error_set(err, "%s: not a regular file", what);
        goto cleanup;
    }
    if (mh_file_read_fd(fd, MH_LEASE_RECORD_MAX_BYTES, &text, &length, err) < 0) {
        *corrupt = true;
        mh_error_prefix(err, "%s", what);
        goto cleanup;
    }
    if (mh_lease_record_parse(text, length, uuid, what, record, err) < 0) {
        *corrupt = true;
        mh_error_prefix(err, "unreadable lease record (inspect it, then replace it with "
                        "mh-lease break %s)", uuid);
        goto cleanup;
    }
    ret = 0;

cleanup:
    free(text);
    close(fd);
    return ret;
}

static bool
is_record_name(const char *name)
{
    char uuid[MH_UUID_LENGTH + 1];

    if (strlen(name) != MH_UUID_LENGTH + 5 || strcmp(name + MH_UUID_LENGTH, ".json") != 0)
        return false;
    memcpy(uuid, name, MH_UUID_LENGTH);
    uuid[MH_UUID_LENGTH] = '\0';
    return mh_lease_uuid_is_valid(uuid);
}

static int
compare_strings(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}
