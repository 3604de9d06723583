/* replay.c - run a fuzz target over files (seed corpus, regressions) without
 * libFuzzer, printing TAP for tests/run: every crash a fuzzer ever found
 * stays a test, under the sanitizers of the unit build. */
#include "mh_error.h"
#include "mh_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
replay_file(const char *path)
{
    struct mh_error err = { { 0 } };
    char *data = NULL;
    size_t size = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0 || mh_file_read_fd(fd, 64u << 20, &data, &size, &err) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    close(fd);
    LLVMFuzzerTestOneInput((const uint8_t *)data, size);
    free(data);
    return 0;
}

int
main(int argc, char **argv)
{
    char paths[4096][512];
    int count = 0;
    int failed = 0;

    for (int i = 1; i < argc; i++) {
        DIR *dir = opendir(argv[i]);
        struct dirent *entry;

        if (!dir)
            continue;
        while ((entry = readdir(dir)) && count < 4096) {
            if (entry->d_name[0] == '.')
                continue;
            if (snprintf(paths[count], sizeof(paths[count]), "%s/%s", argv[i], entry->d_name)
                < (int)sizeof(paths[count]))
                count++;
        }
        closedir(dir);
    }
    printf("1..%d\n", count);
    for (int i = 0; i < count; i++) {
        if (replay_file(paths[i]) < 0) {
            printf("not ok %d - %s (unreadable)\n", i + 1, paths[i]);
            failed++;
        } else {
            printf("ok %d - %s\n", i + 1, paths[i]);
        }
        fflush(stdout);
    }
    return failed ? 1 : 0;
}
