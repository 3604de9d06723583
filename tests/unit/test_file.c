/* test_file.c - bounded reads, trust checks and atomic writes. */
#include "mh_test.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "mh_error.h"
#include "mh_file.h"

static int
pipe_with(const char *data, size_t length)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(write(fds[1], data, length), (ssize_t)length);
    close(fds[1]);
    return fds[0];
}

static void
read_fd_takes_exactly_the_cap(void **state)
{
    struct mh_error err = { { 0 } };
    char *data = NULL;
    size_t length = 0;
    int fd = pipe_with("0123456789", 10);
    (void)state;

    assert_int_equal(mh_file_read_fd(fd, 10, &data, &length, &err), 0);
    assert_int_equal(length, 10);
    assert_string_equal(data, "0123456789");
    free(data);
    close(fd);
}

static void
read_fd_refuses_one_byte_over_the_cap(void **state)
{
    struct mh_error err = { { 0 } };
    char *data = NULL;
    size_t length = 0;
    int fd = pipe_with("0123456789A", 11);
    (void)state;

    assert_int_equal(mh_file_read_fd(fd, 10, &data, &length, &err), -1);
    assert_non_null(strstr(err.message, "larger than the limit of 10 bytes"));
    assert_null(data);
    close(fd);
}

static void
read_fd_keeps_nul_bytes_and_empty_input(void **state)
{
    struct mh_error err = { { 0 } };
    char *data = NULL;
    size_t length = 9;
    int fd = pipe_with("a\0b", 3);
    (void)state;

    assert_int_equal(mh_file_read_fd(fd, 100, &data, &length, &err), 0);
    assert_int_equal(length, 3);
    assert_memory_equal(data, "a\0b", 3);
    free(data);
    close(fd);
    fd = pipe_with("", 0);
    assert_int_equal(mh_file_read_fd(fd, 100, &data, &length, &err), 0);
    assert_int_equal(length, 0);
    free(data);
    close(fd);
}

static void
trusted_accepts_root_owned_0644(void **state)
{
    struct mh_error err = { { 0 } };
    char *dir = mh_test_tmpdir();
    const char *path = mh_test_write(dir, "ok.json", "{}", 0644);
    char *data = NULL;
    size_t length = 0;
    (void)state;

    assert_int_equal(mh_file_read_trusted(path, 100, &data, &length, &err), 0);
    assert_string_equal(data, "{}");
    free(data);
    mh_test_rmdir(dir);
}

static void
trusted_refuses_writable_symlinked_and_foreign_files(void **state)
{
    struct mh_error err = { { 0 } };
    char *dir = mh_test_tmpdir();
    char path[4096], link_path[4096];
    char *data = NULL;
    size_t length = 0;
    (void)state;

    MH_TEST_PRINT(path, "%s", mh_test_write(dir, "world.json", "{}", 0666));
    assert_int_equal(mh_file_read_trusted(path, 100, &data, &length, &err), -1);
    assert_non_null(strstr(err.message, "writable by group or others"));

    MH_TEST_PRINT(path, "%s", mh_test_write(dir, "group.json", "{}", 0664));
    assert_int_equal(mh_file_read_trusted(path, 100, &data, &length, &err), -1);

    MH_TEST_PRINT(path, "%s", mh_test_write(dir, "target.json", "{}", 0644));
    MH_TEST_PRINT(link_path, "%s/link.json", dir);
    assert_int_equal(symlink(path, link_path), 0);
    assert_int_equal(mh_file_read_trusted(link_path, 100, &data, &length, &err), -1);
    assert_non_null(strstr(err.message, "symbolic link"));

    MH_TEST_PRINT(path, "%s", mh_test_write(dir, "user.json", "{}", 0644));
    assert_int_equal(chown(path, 1000, 1000), 0);
    assert_int_equal(mh_file_read_trusted(path, 100, &data, &length, &err), -1);
    assert_non_null(strstr(err.message, "not root"));

    MH_TEST_PRINT(path, "%s/missing.json", dir);
    assert_int_equal(mh_file_read_trusted(path, 100, &data, &length, &err), -1);
    assert_int_equal(errno, ENOENT);
    assert_null(data);
    mh_test_rmdir(dir);
}

static void
trusted_dir_refuses_writable_and_symlinked_dirs(void **state)
{
    struct mh_error err = { { 0 } };
    char *dir = mh_test_tmpdir();
    char sub[4096], link_path[4096];
    (void)state;

    assert_int_equal(chmod(dir, 0755), 0);
    assert_int_equal(mh_file_check_trusted_dir(dir, &err), 0);
    MH_TEST_PRINT(sub, "%s/open", dir);
    assert_int_equal(mkdir(sub, 0777), 0);
    assert_int_equal(chmod(sub, 0777), 0);
    assert_int_equal(mh_file_check_trusted_dir(sub, &err), -1);
    MH_TEST_PRINT(link_path, "%s/link", dir);
    assert_int_equal(symlink(dir, link_path), 0);
    assert_int_equal(mh_file_check_trusted_dir(link_path, &err), -1);
    mh_test_rmdir(dir);
}

static void
write_atomic_replaces_and_leaves_no_temporary(void **state)
{
    struct mh_error err = { { 0 } };
    char *dir = mh_test_tmpdir();
    char path[4096], command[4200];
    struct stat st;
    FILE *file;
    char content[64] = "";
    (void)state;

    MH_TEST_PRINT(path, "%s/record.json", dir);
    assert_int_equal(mh_file_write_atomic(path, "old", 3, 0600, &err), 0);
    assert_int_equal(mh_file_write_atomic(path, "new content", 11, 0640, &err), 0);
    file = fopen(path, "r");
    assert_non_null(file);
    assert_non_null(fgets(content, sizeof(content), file));
    fclose(file);
    assert_string_equal(content, "new content");
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);
    MH_TEST_PRINT(command, "test $(ls -A '%s' | wc -l) -eq 1", dir);
    assert_int_equal(system(command), 0);
    mh_test_rmdir(dir);
}

static void
write_atomic_fails_cleanly_in_a_missing_directory(void **state)
{
    struct mh_error err = { { 0 } };
    (void)state;
    assert_int_equal(mh_file_write_atomic("/nonexistent-dir/x.json", "x", 1, 0600, &err), -1);
    assert_non_null(strstr(err.message, "cannot create"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(read_fd_takes_exactly_the_cap),
        cmocka_unit_test(read_fd_refuses_one_byte_over_the_cap),
        cmocka_unit_test(read_fd_keeps_nul_bytes_and_empty_input),
        cmocka_unit_test(trusted_accepts_root_owned_0644),
        cmocka_unit_test(trusted_refuses_writable_symlinked_and_foreign_files),
        cmocka_unit_test(trusted_dir_refuses_writable_and_symlinked_dirs),
        cmocka_unit_test(write_atomic_replaces_and_leaves_no_temporary),
        cmocka_unit_test(write_atomic_fails_cleanly_in_a_missing_directory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
