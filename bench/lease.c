/* lease.c - benchmark: lease acquire+release against the no-op hook call.
 *
 * Run inside a sandbox whose installed configuration enables leases (see
 * bench/lease.sh): it reads that configuration like the hook does, then
 * times, N times each,
 *   noop     the hook for a call with nothing to do (the floor of any hook)
 *   library  acquire + release through lib/ (store opened per operation,
 *            as each hook call does)
 *   hook     the hook's prepare begin + release end with leases on
 *   no lease the same two hook calls with leases turned off by a conf.d
 *            drop-in: hook minus this is what leases add to hook calls
 *   classic  dir backend, for comparison: the same two changes written
 *            the classic crash-safe way (a new temporary file, fsync,
 *            rename, fsync of the directory) that the backend's in-place
 *            spare and swap replace (lib/mh_lease_dir.c)
 *   flushes  dir backend: the bare I/O of the backend's two changes (4 KiB
 *            written in place into a spare, fdatasync, swap, fsync of the
 *            directory; no lock, no read, no JSON): the floor the disk sets
 * and prints min / median / max in ms and the medians as ratios to noop. */
#include "mh_conf.h"
#include "mh_error.h"
#include "mh_file.h"
#include "mh_lease.h"
#include "mh_lease_store.h"
#include "mh_string.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define UUID "4dea22b3-1d52-d8f3-2516-782e98ab3fa0"
#define LEASE_OFF MH_CONF_DIR "/conf.d/99-bench-lease-off.json"

struct series {
    const char *name;
    double *ms;
    int count;
};

static double
now_ms(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)now.tv_sec * 1000.0 + (double)now.tv_nsec / 1e6;
}

static int
compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

static double
median(struct series *s)
{
    qsort(s->ms, (size_t)s->count, sizeof(double), compare);
    return s->ms[s->count / 2];
}

/* Run the hook with the domain XML on stdin; its exit status. Spawned
 * (vfork-like), not forked: after a fork every page this process then
 * writes takes a copy-on-write fault, which on this VM added 0.5 ms to the
 * library series timed right after, a cost of the benchmark, not of the
 * lease code (a hook process starts with fresh pages and pays its faults in
 * the hook series). */
static int
hook(const char *path, const char *xml, const char *operation, const char *sub_operation)
{
    char *argv[] = { (char *)path, "vm1", (char *)operation, (char *)sub_operation, "-", NULL };
    posix_spawn_file_actions_t actions;
    pid_t child;
    int status;
    int ret;

    if (posix_spawn_file_actions_init(&actions) != 0)
        return -1;
    ret = posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, xml, O_RDONLY, 0) ||
          posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0) ||
          posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO) ||
          posix_spawn(&child, path, &actions, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    if (ret != 0 || waitpid(child, &status, 0) != child)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int
library_pair(const struct mh_conf *conf, struct mh_error *err)
{
    static const enum mh_lease_operation pair[2] = { MH_LEASE_START, MH_LEASE_STOPPED };

    for (int i = 0; i < 2; i++) {
        struct mh_lease_store store;
        struct mh_lease_request request;
        struct mh_lease_result result;
        int ret;

        if (mh_lease_store_open(&store, &conf->lease, conf->host_id, err) < 0)
            return -1;
        mh_lease_request_init(&request, pair[i], &conf->lease, conf->host_id, UUID, "vm1");
        ret = mh_lease_run(&store, &request, &result, err);
        mh_lease_store_close(&store);
        if (ret < 0 || !result.changed) {
            if (ret == 0)
                mh_error_set(err, "%s changed nothing", mh_lease_operation_name(pair[i]));
            return -1;
        }
    }
    return 0;
}

static int
two_writes(const struct mh_conf *conf, struct mh_error *err)
{
    static const char record[400] = "{}";
    char path[4096];

    snprintf(path, sizeof(path), "%s/bench-floor.json", conf->lease.dir);
    for (int i = 0; i < 2; i++) {
        if (mh_file_write_atomic(path, record, sizeof(record), 0644, err) < 0)
            return -1;
    }
    return 0;
}

/* Two changes' worth of the dir backend's I/O and nothing else. */
static int
two_swaps(const struct mh_conf *conf, struct mh_error *err)
{
    static char page[4096];
    int dirfd = open(conf->lease.dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int ret = -1;

    if (dirfd < 0) {
        mh_error_set_errno(err, errno, "%s", conf->lease.dir);
        return -1;
    }
    /* the record the spare is swapped with, made on the first round */
    if (faccessat(dirfd, "bench-floor.json", F_OK, 0) < 0)
        close(openat(dirfd, "bench-floor.json", O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
    for (int i = 0; i < 2; i++) {
        int fd = openat(dirfd, "bench-floor.next", O_WRONLY | O_CREAT | O_CLOEXEC, 0644);

        memset(page, ' ', sizeof(page));
        page[0] = (char)('0' + i);
        if (fd < 0 || pwrite(fd, page, sizeof(page), 0) != (ssize_t)sizeof(page) ||
            fdatasync(fd) < 0 ||
            renameat2(dirfd, "bench-floor.next", dirfd, "bench-floor.json", RENAME_EXCHANGE) < 0 ||
            fsync(dirfd) < 0) {
            mh_error_set_errno(err, errno, "%s/bench-floor.*", conf->lease.dir);
            if (fd >= 0)
                close(fd);
            goto cleanup;
        }
        close(fd);
    }
    ret = 0;

cleanup:
    close(dirfd);
    return ret;
}

/* The hook's prepare begin + release end. */
static int
hook_pair(const char *path, const char *xml, struct mh_error *err)
{
    if (hook(path, xml, "prepare", "begin") == 0 && hook(path, xml, "release", "end") == 0)
        return 0;
    mh_error_set(err, "the hook's prepare begin / release end failed");
    return -1;
}

/* Turn leases off for the hook by a conf.d drop-in (unlink LEASE_OFF turns
 * them on again). Written before the "no lease" series' clock starts and
 * removed after it stops: writing a flushed file is not what the series
 * measures (it was, and hid about 0.5 ms of what leases add). */
static int
leases_off(struct mh_error *err)
{
    static const char drop_in[] = "{\"lease\": {\"enabled\": false}}\n";

    return mh_file_write_atomic(LEASE_OFF, drop_in, strlen(drop_in), 0644, err);
}

static void
report(struct series *s, double floor)
{
    double middle = median(s);

    printf("  %-8s  min %7.3f  median %7.3f  max %7.3f ms   %6.2fx noop\n", s->name, s->ms[0],
           middle, s->ms[s->count - 1], middle / floor);
}

int
main(int argc, char **argv)
{
    struct mh_error err = { { 0 } };
    struct mh_conf conf;
    struct series noop = { "noop", NULL, 0 }, library = { "library", NULL, 0 },
                  pair = { "hook", NULL, 0 }, off = { "no lease", NULL, 0 },
                  writes = { "classic", NULL, 0 }, swaps = { "flushes", NULL, 0 };
    bool dir;
    long count;
    double floor;

    if (argc != 4 || mh_string_to_long(argv[3], 3, 100000, &count) < 0) {
        fprintf(stderr, "usage: %s HOOK DOMAIN-XML COUNT\n", argv[0]);
        return 64;
    }
    if (mh_conf_load(&conf, &err) < 0 || !conf.lease.enabled) {
        fprintf(stderr, "bench-lease: %s\n", err.message[0] ? err.message : "leases are off");
        return 1;
    }
    noop.ms = calloc((size_t)count, sizeof(double));
    library.ms = calloc((size_t)count, sizeof(double));
    pair.ms = calloc((size_t)count, sizeof(double));
    off.ms = calloc((size_t)count, sizeof(double));
    writes.ms = calloc((size_t)count, sizeof(double));
    swaps.ms = calloc((size_t)count, sizeof(double));
    dir = conf.lease.backend == MH_LEASE_BACKEND_DIR;
    for (long i = 0; i < count; i++) {
        double started = now_ms();

        if (hook(argv[1], argv[2], "reconnect", "begin") != 0) {
            fprintf(stderr, "bench-lease: the no-op hook call failed\n");
            return 1;
        }
        noop.ms[noop.count++] = now_ms() - started;
        started = now_ms();
        if (library_pair(&conf, &err) < 0) {
            fprintf(stderr, "bench-lease: %s\n", err.message);
            return 1;
        }
        library.ms[library.count++] = now_ms() - started;
        started = now_ms();
        if (hook_pair(argv[1], argv[2], &err) < 0) {
            fprintf(stderr, "bench-lease: %s\n", err.message);
            return 1;
        }
        pair.ms[pair.count++] = now_ms() - started;
        if (leases_off(&err) < 0) {
            fprintf(stderr, "bench-lease: %s\n", err.message);
            return 1;
        }
        started = now_ms();
        if (hook_pair(argv[1], argv[2], &err) < 0) {
            fprintf(stderr, "bench-lease: %s\n", err.message);
            unlink(LEASE_OFF);
            return 1;
        }
        off.ms[off.count++] = now_ms() - started;
        unlink(LEASE_OFF);
        started = now_ms();
        if (dir && two_writes(&conf, &err) < 0) {
            fprintf(stderr, "bench-lease: %s\n", err.message);
            return 1;
        }
        writes.ms[writes.count++] = now_ms() - started;
        started = now_ms();
        if (dir && two_swaps(&conf, &err) < 0) {
            fprintf(stderr, "bench-lease: %s\n", err.message);
            return 1;
        }
        swaps.ms[swaps.count++] = now_ms() - started;
    }
    floor = median(&noop);
    printf("lease backend %s, %ld rounds (library and hook: acquire + release)\n",
           mh_lease_backend_name(conf.lease.backend), count);
    report(&noop, floor);
    report(&library, floor);
    report(&pair, floor);
    report(&off, floor);
    if (dir) {
        report(&writes, floor);
        report(&swaps, floor);
    }
    printf("  leases add %.3f ms to the two hook calls (median hook - median no lease)\n",
           median(&pair) - median(&off));
    if (dir)
        printf("  the library spends %.3f ms on top of the I/O its two changes need "
               "(median library - median flushes)\n", median(&library) - median(&swaps));
    free(writes.ms);
    free(swaps.ms);
    free(noop.ms);
    free(library.ms);
    free(pair.ms);
    free(off.ms);
    mh_conf_free(&conf);
    return 0;
}
