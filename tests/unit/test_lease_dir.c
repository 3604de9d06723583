/* test_lease_dir.c - the dir lease backend: operations through the store,
 * the spare each change is written into, hostile files, bounded lock waits
 * for writers and readers, crash safety (a writer killed at random points)
 * and two processes racing for the same guest. */
#include "mh_test.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mh_error.h"
#include "mh_lease.h"
#include "mh_lease_conf.h"
#include "mh_lease_record.h"
#include "mh_lease_store.h"

#define UUID "4dea22b3-1d52-d8f3-2516-782e98ab3fa0"
#define UUID2 "11111111-2222-3333-4444-555555555555"
#define UUID3 "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"

struct fixture {
    char *top;
    char dir[4096];
    struct mh_lease_conf conf;
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));

    assert_non_null(f);
    f->top = mh_test_tmpdir();
    MH_TEST_PRINT(f->dir, "%s/leases", f->top);
    mh_lease_conf_defaults(&f->conf);
    f->conf.enabled = true;
    f->conf.dir = f->dir;
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    mh_test_rmdir(f->top);
    free(f);
    return 0;
}

static void
open_store(struct fixture *f, struct mh_lease_store *store, const char *host)
{
    struct mh_error err = { { 0 } };

    if (mh_lease_store_open(store, &f->conf, host, &err) < 0)
        fail_msg("open: %s", err.message);
}

/* Run operation by host; returns mh_lease_run's result, err filled. */
static int
run(struct fixture *f, const char *host, enum mh_lease_operation operation, const char *uuid,
    struct mh_lease_result *result, struct mh_error *err)
{
    struct mh_lease_store store;
    struct mh_lease_request request;
    int ret;

    open_store(f, &store, host);
    mh_lease_request_init(&request, operation, &f->conf, host, uuid, "vm1");
    ret = mh_lease_run(&store, &request, result, err);
    mh_lease_store_close(&store);
    return ret;
}

static void
file_path(const struct fixture *f, const char *name, char *out, size_t size)
{
    assert_true(snprintf(out, size, "%s/%s", f->dir, name) < (int)size);
}

static void
start_refuse_stop_through_the_store(void **state)
{
    struct fixture *f = *state;
    struct mh_lease_result result;
    struct mh_error err = { { 0 } };
    char path[4096];
    struct stat st;

    assert_int_equal(run(f, "hostA", MH_LEASE_START, UUID, &result, &err), 0);
    assert_true(result.changed);
    assert_string_equal(result.after.owner, "hostA");
    assert_int_equal(run(f, "hostB", MH_LEASE_START, UUID, &result, &err), -1);
    assert_true(result.refused);
    assert_non_null(strstr(err.message, "guest vm1 is owned by host hostA (since "));
    assert_int_equal(run(f, "hostA", MH_LEASE_STOPPED, UUID, &result, &err), 0);
    assert_int_equal(result.transition, MH_LEASE_RELEASED);
    assert_int_equal(run(f, "hostB", MH_LEASE_START, UUID, &result, &err), 0);
    assert_string_equal(result.after.owner, "hostB");
    assert_int_equal(result.after.generation, 3);

    /* what is on disk: the record (readable by all), its lock file */
    file_path(f, UUID ".json", path, sizeof(path));
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    file_path(f, UUID ".lock", path, sizeof(path));
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(stat(f->dir, &st), 0);
    assert_int_equal(st.st_mode & 07777, 0755);
}

static void
unchanged_operations_do_not_write(void **state)
{
    struct fixture *f = *state;
    struct mh_lease_result result;
    struct mh_error err = { { 0 } };
    char path[4096];
    struct stat before, after;

    assert_int_equal(run(f, "hostA", MH_LEASE_START, UUID, &result, &err), 0);
    file_path(f, UUID ".json", path, sizeof(path));
    assert_int_equal(stat(path, &before), 0);
    assert_int_equal(run(f, "hostB", MH_LEASE_STOPPED, UUID, &result, &err), 0);
    assert_false(result.changed);
    assert_int_equal(stat(path, &after), 0);
    assert_int_equal(before.st_ino, after.st_ino);
}

static void
untrusted_or_missing_directories_are_refused(void **state)
{
    struct fixture *f = *state;
    struct mh_lease_store store;
    struct mh_error err = { { 0 } };
    char link[4096], deep[4096];

    /* created when missing, refused once others can write it */
    open_store(f, &store, "hostA");
    mh_lease_store_close(&store);
    assert_int_equal(chmod(f->dir, 0777), 0);
    assert_int_equal(mh_lease_store_open(&store, &f->conf, "hostA", &err), -1);
    assert_non_null(strstr(err.message, "writable by group or others"));
    assert_int_equal(chmod(f->dir, 0755), 0);
    /* a symbolic link is not trusted */
    MH_TEST_PRINT(link, "%s/link", f->top);
    assert_int_equal(symlink(f->dir, link), 0);
    f->conf.dir = link;
    assert_int_equal(mh_lease_store_open(&store, &f->conf, "hostA", &err), -1);
    assert_non_null(strstr(err.message, "symbolic link"));
    /* only the last component is created */
    MH_TEST_PRINT(deep, "%s/no/such/leases", f->top);
    f->conf.dir = deep;
    assert_int_equal(mh_lease_store_open(&store, &f->conf, "hostA", &err), -1);
    assert_non_null(strstr(err.message, "cannot create the lease directory"));
    /* and a host id that cannot name an owner */
    f->conf.dir = f->dir;
    assert_int_equal(mh_lease_store_open(&store, &f->conf, "bad host", &err), -1);
    assert_non_null(strstr(err.message, "cannot name a lease owner"));
}

/* Put something hostile where the record belongs: every operation fails
 * with a clear error (not a refusal, no crash, no hang), and break
 * replaces it. */
static void
hostile_record_files_are_errors_and_break_replaces_them(void **state)
{
    static const char *const kinds[] = { "garbage", "other-guest", "oversized", "directory",
                                         "fifo", "symlink" };
    struct fixture *f = *state;

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        struct mh_lease_result result;
        struct mh_error err = { { 0 } };
        char path[4096];
        const char *kind = kinds[i];

        run(f, "hostA", MH_LEASE_START, UUID, &result, &err);   /* creates the directory */
        file_path(f, UUID ".json", path, sizeof(path));
        assert_int_equal(unlink(path), 0);
        if (strcmp(kind, "garbage") == 0) {
            mh_test_write(f->dir, UUID ".json", "{\"version\":1,\"uuid\":", 0644);
        } else if (strcmp(kind, "other-guest") == 0) {
            mh_test_write(f->dir, UUID ".json",
                          "{\"version\":1,\"uuid\":\"" UUID2 "\",\"generation\":1}", 0644);
        } else if (strcmp(kind, "oversized") == 0) {
            char *big = malloc(200000);
            assert_non_null(big);
            memset(big, ' ', 199999);
            big[199999] = '\0';
            mh_test_write(f->dir, UUID ".json", big, 0644);
            free(big);
        } else if (strcmp(kind, "directory") == 0) {
            assert_int_equal(mkdir(path, 0755), 0);
        } else if (strcmp(kind, "fifo") == 0) {
            assert_int_equal(mkfifo(path, 0644), 0);
        } else {
            assert_int_equal(symlink("/etc/passwd", path), 0);
        }
        assert_int_equal(run(f, "hostB", MH_LEASE_START, UUID, &result, &err), -1);
        assert_false(result.refused);
        if (!strstr(err.message, UUID ".json"))
            fail_msg("%s: error does not name the file: %s", kind, err.message);
        if (strcmp(kind, "directory") == 0)
            assert_non_null(strstr(err.message, "not a regular file"));
        if (strcmp(kind, "directory") == 0) {
            /* rename cannot replace a directory: break fails, clearly */
            assert_int_equal(run(f, "hostB", MH_LEASE_BREAK, UUID, &result, &err), -1);
            assert_int_equal(rmdir(path), 0);
            continue;
        }
        assert_int_equal(run(f, "hostB", MH_LEASE_BREAK, UUID, &result, &err), 0);
        assert_true(result.changed);
        if (!strstr(result.note, "replaced an unreadable record"))
            fail_msg("%s: note \"%s\"", kind, result.note);
        assert_int_equal(run(f, "hostB", MH_LEASE_START, UUID, &result, &err), 0);
        assert_string_equal(result.after.owner, "hostB");
        assert_int_equal(run(f, "hostB", MH_LEASE_STOPPED, UUID, &result, &err), 0);
    }
}

/* The record file in dir named name, parsed; its inode in *inode. */
static long long
generation_in(struct fixture *f, const char *name, ino_t *inode)
{
    struct mh_lease_record record;
    struct mh_error err = { { 0 } };
    char path[4096];
    struct stat st;
    size_t length;
    char *text;

    file_path(f, name, path, sizeof(path));
    assert_int_equal(stat(path, &st), 0);
    /* padded to whole pages, readable by all */
    assert_int_equal(st.st_size % 4096, 0);
    assert_int_equal(st.st_mode & 07777, 0644);
    *inode = st.st_ino;
    text = mh_test_slurp(path, &length);
    if (mh_lease_record_parse(text, length, UUID, path, &record, &err) < 0)
        fail_msg("%s: %s", name, err.message);
    free(text);
    return record.generation;
}

static void
each_change_is_written_into_the_spare_then_swapped_in(void **state)
{
    struct fixture *f = *state;
    struct mh_lease_result result;
    struct mh_error err = { { 0 } };
    ino_t record, spare, record_after, spare_after;

    assert_int_equal(run(f, "hostA", MH_LEASE_START, UUID, &result, &err), 0);
    assert_int_equal(run(f, "hostA", MH_LEASE_STOPPED, UUID, &result, &err), 0);
    assert_int_equal(generation_in(f, UUID ".json", &record), 2);
    assert_int_equal(generation_in(f, UUID ".next", &spare), 1);
    for (long long generation = 3; generation <= 6; generation++) {
        assert_int_equal(run(f, "hostA", generation % 2 ? MH_LEASE_START : MH_LEASE_STOPPED, UUID,
                             &result, &err), 0);
        assert_true(result.changed);
        /* the spare became the record, the record the spare */
        assert_int_equal(generation_in(f, UUID ".json", &record_after), generation);
        assert_int_equal(generation_in(f, UUID ".next", &spare_after), generation - 1);
        assert_int_equal(record_after, spare);
        assert_int_equal(spare_after, record);
        record = record_after;
        spare = spare_after;
    }
}

static void
hostile_spare_files_are_refused_and_the_record_kept(void **state)
{
    static const char *const kinds[] = { "symlink", "fifo", "hard link", "directory", "torn" };
    struct fixture *f = *state;
    char spare[4096], other[4096];

    file_path(f, UUID ".next", spare, sizeof(spare));
    file_path(f, "elsewhere", other, sizeof(other));
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        struct mh_lease_result result;
        struct mh_error err = { { 0 } };
        const char *kind = kinds[i];
        long long before;
        ino_t inode;
        int ret;

        run(f, "hostA", MH_LEASE_START, UUID, &result, &err);
        before = generation_in(f, UUID ".json", &inode);
        unlink(spare);
        if (strcmp(kind, "symlink") == 0) {
            assert_int_equal(symlink(other, spare), 0);
        } else if (strcmp(kind, "fifo") == 0) {
            assert_int_equal(mkfifo(spare, 0644), 0);
        } else if (strcmp(kind, "hard link") == 0) {
            mh_test_write(f->dir, "elsewhere", "not ours to overwrite", 0644);
            assert_int_equal(link(other, spare), 0);
        } else if (strcmp(kind, "directory") == 0) {
            assert_int_equal(mkdir(spare, 0755), 0);
        } else {
            /* what a writer killed mid-write leaves: nobody reads it */
            mh_test_write(f->dir, UUID ".next", "{\"version\":1,\"uu", 0644);
        }
        ret = run(f, "hostA", MH_LEASE_STOPPED, UUID, &result, &err);
        if (strcmp(kind, "torn") == 0) {
            assert_int_equal(ret, 0);
            assert_int_equal(generation_in(f, UUID ".json", &inode), before + 1);
            continue;
        }
        if (ret != -1 || !strstr(err.message, UUID ".next"))
            fail_msg("%s: returned %d, error \"%s\"", kind, ret, err.message);
        assert_int_equal(generation_in(f, UUID ".json", &inode), before);
        if (strcmp(kind, "hard link") == 0) {
            size_t length;
            char *text = mh_test_slurp(other, &length);

            assert_string_equal(text, "not ours to overwrite");
            free(text);
            unlink(other);
        }
        if (strcmp(kind, "directory") == 0)
            assert_int_equal(rmdir(spare), 0);
        else
            assert_int_equal(unlink(spare), 0);
        /* the operator removed it: the change goes through */
        assert_int_equal(run(f, "hostA", MH_LEASE_STOPPED, UUID, &result, &err), 0);
        assert_int_equal(generation_in(f, UUID ".json", &inode), before + 1);
    }
}

static void
hostile_lock_files_are_errors(void **state)
{
    struct fixture *f = *state;
    struct mh_lease_result result;
    struct mh_error err = { { 0 } };
    char path[4096];

    run(f, "hostA", MH_LEASE_START, UUID2, &result, &err);
    file_path(f, UUID ".lock", path, sizeof(path));
    assert_int_equal(symlink("/etc/passwd", path), 0);
    assert_int_equal(run(f, "hostA", MH_LEASE_START, UUID, &result, &err), -1);
    assert_non_null(strstr(err.message, "cannot open the lock file"));
    assert_int_equal(unlink(path), 0);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(run(f, "hostA", MH_LEASE_START, UUID, &result, &err), -1);
    assert_non_null(strstr(err.message, "not a regular file"));
}

struct collected {
    int readable;
    int unreadable;
    char order[4][40];
};

static int
collect(const struct mh_lease_record *record, bool readable, const char *problem, void *data)
{
    struct collected *c = data;

    if (readable) {
        if (c->readable < 4)
            strcpy(c->order[c->readable], record->uuid);
        c->readable++;
    } else {
        assert_non_null(problem);
        c->unreadable++;
    }
    return 0;
}

static void
list_is_sorted_skips_other_files_and_reports_unreadable_records(void **state)
{
    struct fixture *f = *state;
    struct mh_lease_store store;
    struct mh_lease_result result;
    struct mh_error err = { { 0 } };
    struct collected c = { 0 };

    assert_int_equal(run(f, "hostA", MH_LEASE_START, UUID3, &result, &err), 0);
    assert_int_equal(run(f, "hostA", MH_LEASE_START, UUID, &result, &err), 0);
    assert_int_equal(run(f, "hostB", MH_LEASE_START, UUID2, &result, &err), 0);
    mh_test_write(f->dir, UUID ".json.tmp.4242", "{half a rec", 0644);
    mh_test_write(f->dir, "README", "not a record", 0644);
    mh_test_write(f->dir, "00000000-0000-0000-0000-00000000000.json", "short uuid", 0644);
    mh_test_write(f->dir, "00000000-0000-0000-0000-000000000000.json", "[]", 0644);
    open_store(f, &store, "hostA");
    assert_int_equal(mh_lease_store_list(&store, collect, &c, &err), 0);
    mh_lease_store_close(&store);
    assert_int_equal(c.readable, 3);
    assert_int_equal(c.unreadable, 1);
    assert_string_equal(c.order[0], UUID2);
    assert_string_equal(c.order[1], UUID);
    assert_string_equal(c.order[2], UUID3);
}

static void
find_by_uuid_or_name(void **state)
{
    struct fixture *f = *state;
    struct mh_lease_store store;
    struct mh_lease_record record;
    struct mh_lease_request request;
    struct mh_lease_result result;
    struct mh_error err = { { 0 } };
    bool missing;

    open_store(f, &store, "hostA");
    mh_lease_request_init(&request, MH_LEASE_START, &f->conf, "hostA", UUID, "web-1");
    assert_int_equal(mh_lease_run(&store, &request, &result, &err), 0);
    mh_lease_request_init(&request, MH_LEASE_START, &f->conf, "hostA", UUID2, "db-1");
    assert_int_equal(mh_lease_run(&store, &request, &result, &err), 0);
    assert_int_equal(mh_lease_store_find(&store, "db-1", &record, &missing, &err), 0);
    assert_string_equal(record.uuid, UUID2);
    assert_int_equal(mh_lease_store_find(&store, "4DEA22B3-1D52-D8F3-2516-782E98AB3FA0", &record,
                                         &missing, &err), 0);
    assert_string_equal(record.name, "web-1");
    assert_int_equal(mh_lease_store_find(&store, "nope", &record, &missing, &err), -1);
    assert_true(missing);
    assert_int_equal(mh_lease_store_find(&store, UUID3, &record, &missing, &err), -1);
    assert_true(missing);
    mh_lease_request_init(&request, MH_LEASE_START, &f->conf, "hostA", UUID3, "db-1");
    assert_int_equal(mh_lease_run(&store, &request, &result, &err), 0);
    assert_int_equal(mh_lease_store_find(&store, "db-1", &record, &missing, &err), -1);
    assert_false(missing);
    assert_non_null(strstr(err.message, "2 lease records are for guests named 'db-1'"));
    mh_lease_store_close(&store);
}

struct problem_seen {
    int readable;
    int unreadable;
    char problem[512];
};

static int
note_problem(const struct mh_lease_record *record, bool readable, const char *problem,
             void *data)
{
    struct problem_seen *seen = data;

    (void)record;
    if (readable) {
        seen->readable++;
    } else {
        seen->unreadable++;
        snprintf(seen->problem, sizeof(seen->problem), "%s", problem);
    }
    return 0;
}

static void
lock_wait_is_bounded_and_the_lock_is_released_on_close(void **state)
{
    struct fixture *f = *state;
    struct mh_lease_store store;
    struct problem_seen listed;
    struct mh_lease_result result;
    struct mh_error err = { { 0 } };
    struct flock lock = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
    struct timespec started;
    char path[4096];
    long took;
    int fd;

    assert_int_equal(run(f, "hostA", MH_LEASE_START, UUID, &result, &err), 0);
    file_path(f, UUID ".lock", path, sizeof(path));
    fd = open(path, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(fcntl(fd, F_OFD_SETLK, &lock), 0);
    f->conf.lock_timeout_ms = 300;
    clock_gettime(CLOCK_MONOTONIC, &started);
    assert_int_equal(run(f, "hostA", MH_LEASE_STOPPED, UUID, &result, &err), -1);
    took = mh_test_elapsed_ms(&started);
    assert_non_null(strstr(err.message, "still locked by another process after 300 ms"));
    assert_true(took >= 290 && took < 2000);
    /* another guest's lock is independent */
    assert_int_equal(run(f, "hostA", MH_LEASE_START, UUID2, &result, &err), 0);
    /* readers wait for the writer too (the record it may be rewriting) */
    listed = (struct problem_seen){ 0 };
    open_store(f, &store, "hostR");
    assert_int_equal(mh_lease_store_list(&store, note_problem, &listed, &err), 0);
    mh_lease_store_close(&store);
    assert_int_equal(listed.readable, 1);   /* UUID2 */
    assert_int_equal(listed.unreadable, 1);
    if (!strstr(listed.problem, UUID ".lock: still locked by another process after 300 ms"))
        fail_msg("list: %s", listed.problem);
    close(fd);
    listed = (struct problem_seen){ 0 };
    open_store(f, &store, "hostR");
    assert_int_equal(mh_lease_store_list(&store, note_problem, &listed, &err), 0);
    mh_lease_store_close(&store);
    assert_int_equal(listed.readable, 2);
    assert_int_equal(run(f, "hostA", MH_LEASE_STOPPED, UUID, &result, &err), 0);
    assert_int_equal(result.transition, MH_LEASE_RELEASED);
}

/* ---- crash safety ---- */

/* Toggle the guest between owned by hostW and free, forever. Owned exactly
 * when the generation is odd, so a reader can tell a consistent record. */
static void
writer(struct fixture *f, int ready)
{
    struct mh_lease_store store;
    struct mh_error err = { { 0 } };

    if (mh_lease_store_open(&store, &f->conf, "hostW", &err) < 0)
        _exit(2);
    for (bool first = true;; first = false) {
        struct mh_lease_record record;
        struct mh_lease_request request;
        struct mh_lease_result result;
        bool missing;

        if (mh_lease_store_find(&store, UUID, &record, &missing, &err) < 0 && !missing)
            _exit(3);
        mh_lease_request_init(&request, record.owner[0] ? MH_LEASE_STOPPED : MH_LEASE_START,
                              &f->conf, "hostW", UUID, "vm1");
        if (mh_lease_run(&store, &request, &result, &err) < 0)
            _exit(4);
        /* Start the clock after one whole write: process start-up (slow
         * under ASan) is not where the kills should land. */
        if (first && write(ready, "r", 1) != 1)
            _exit(5);
    }
}

static void
writer_killed_at_random_points_leaves_old_or_new_record(void **state)
{
    struct fixture *f = *state;
    long long last = 0;
    int advanced = 0;

    srand((unsigned)time(NULL));
    f->conf.lock_timeout_ms = 2000;
    for (int round = 0; round < 150; round++) {
        struct mh_lease_store store;
        struct mh_lease_record record;
        struct mh_error err = { { 0 } };
        bool missing;
        int status, ready[2];
        char byte;
        pid_t child;

        assert_int_equal(pipe(ready), 0);
        child = fork();
        assert_true(child >= 0);
        if (child == 0)
            writer(f, ready[1]);
        close(ready[1]);
        assert_int_equal(read(ready[0], &byte, 1), 1);
        close(ready[0]);
        usleep((useconds_t)(rand() % 4000));
        assert_int_equal(kill(child, SIGKILL), 0);
        assert_int_equal(waitpid(child, &status, 0), child);
        if (!WIFSIGNALED(status))
            fail_msg("round %d: the writer exited by itself with %d", round,
                     WEXITSTATUS(status));
        /* Through the store, so under the lock: a lock left by the dead
         * writer would time out here. */
        open_store(f, &store, "hostR");
        if (mh_lease_store_find(&store, UUID, &record, &missing, &err) < 0) {
            mh_lease_store_close(&store);
            if (missing && last == 0)
                continue;   /* killed before the first write */
            fail_msg("round %d: %s", round, err.message);
        }
        mh_lease_store_close(&store);
        if (record.generation < last)
            fail_msg("round %d: generation went back from %lld to %lld", round, last,
                     record.generation);
        if ((record.generation % 2 == 1) != (strcmp(record.owner, "hostW") == 0))
            fail_msg("round %d: generation %lld with owner '%s' is not a record anyone wrote",
                     round, record.generation, record.owner);
        advanced += record.generation > last;
        last = record.generation;
    }
    /* The writer wrote at least once in every round, and was killed at a
     * random point of the writes that followed. */
    if (advanced < 150 || last < 150)
        fail_msg("the writer advanced in only %d of 150 rounds (generation %lld)", advanced,
                 last);
}

/* ---- two processes, the same guest, 1000 rounds ---- */

/* Wait for "go", try to start the guest, answer 'W' (won), 'L' (refused)
 * or 'E'; on "release", stop it and answer 'R'. */
static void
racer(struct fixture *f, const char *host, int commands, int answers)
{
    struct mh_lease_store store;
    struct mh_error err = { { 0 } };
    char command;

    if (mh_lease_store_open(&store, &f->conf, host, &err) < 0)
        _exit(2);
    while (read(commands, &command, 1) == 1) {
        struct mh_lease_request request;
        struct mh_lease_result result;
        char answer;
        int ret;

        mh_lease_request_init(&request, command == 'g' ? MH_LEASE_START : MH_LEASE_STOPPED,
                              &f->conf, host, UUID, "vm1");
        ret = mh_lease_run(&store, &request, &result, &err);
        if (command == 'g')
            answer = ret == 0 ? 'W' : result.refused ? 'L' : 'E';
        else
            answer = ret == 0 && result.transition == MH_LEASE_RELEASED ? 'R' : 'E';
        if (write(answers, &answer, 1) != 1)
            _exit(3);
    }
    mh_lease_store_close(&store);
    _exit(0);
}

static void
two_processes_race_and_exactly_one_wins_each_round(void **state)
{
    static const char *const hosts[2] = { "hostA", "hostB" };
    struct fixture *f = *state;
    int commands[2][2], answers[2][2];
    pid_t children[2];
    int wins[2] = { 0, 0 };
    const int rounds = 1000;

    for (int i = 0; i < 2; i++) {
        assert_int_equal(pipe(commands[i]), 0);
        assert_int_equal(pipe(answers[i]), 0);
        children[i] = fork();
        assert_true(children[i] >= 0);
        if (children[i] == 0) {
            /* The second racer must not hold the first one's pipes open. */
            for (int j = 0; j < i; j++) {
                close(commands[j][1]);
                close(answers[j][0]);
            }
            close(commands[i][1]);
            close(answers[i][0]);
            racer(f, hosts[i], commands[i][0], answers[i][1]);
        }
        close(commands[i][0]);
        close(answers[i][1]);
    }
    for (int round = 1; round <= rounds; round++) {
        struct mh_lease_store store;
        struct mh_lease_record record;
        struct mh_error err = { { 0 } };
        char answer[2], released;
        int first = round % 2;      /* neither always gets the head start */
        int winner;
        bool missing;

        assert_int_equal(write(commands[first][1], "g", 1), 1);
        assert_int_equal(write(commands[!first][1], "g", 1), 1);
        for (int i = 0; i < 2; i++)
            assert_int_equal(read(answers[i][0], &answer[i], 1), 1);
        if (!((answer[0] == 'W' && answer[1] == 'L') || (answer[0] == 'L' && answer[1] == 'W')))
            fail_msg("round %d: hostA answered %c, hostB %c; exactly one must win", round,
                     answer[0], answer[1]);
        winner = answer[0] == 'W' ? 0 : 1;
        wins[winner]++;
        /* The record agrees: the winner owns it, and no change was lost. */
        open_store(f, &store, "hostR");
        assert_int_equal(mh_lease_store_find(&store, UUID, &record, &missing, &err), 0);
        mh_lease_store_close(&store);
        assert_string_equal(record.owner, hosts[winner]);
        assert_int_equal(record.generation, 2 * round - 1);
        assert_int_equal(write(commands[winner][1], "r", 1), 1);
        assert_int_equal(read(answers[winner][0], &released, 1), 1);
        assert_int_equal(released, 'R');
    }
    for (int i = 0; i < 2; i++) {
        int status;

        close(commands[i][1]);
        assert_int_equal(waitpid(children[i], &status, 0), children[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        close(answers[i][0]);
    }
    assert_int_equal(wins[0] + wins[1], rounds);
    assert_true(wins[0] > 0 && wins[1] > 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(start_refuse_stop_through_the_store, setup, teardown),
        cmocka_unit_test_setup_teardown(unchanged_operations_do_not_write, setup, teardown),
        cmocka_unit_test_setup_teardown(each_change_is_written_into_the_spare_then_swapped_in,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(hostile_spare_files_are_refused_and_the_record_kept,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(untrusted_or_missing_directories_are_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(hostile_record_files_are_errors_and_break_replaces_them,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(hostile_lock_files_are_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(
            list_is_sorted_skips_other_files_and_reports_unreadable_records, setup, teardown),
        cmocka_unit_test_setup_teardown(find_by_uuid_or_name, setup, teardown),
        cmocka_unit_test_setup_teardown(lock_wait_is_bounded_and_the_lock_is_released_on_close,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(writer_killed_at_random_points_leaves_old_or_new_record,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(two_processes_race_and_exactly_one_wins_each_round,
                                        setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
