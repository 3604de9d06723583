/* mh_facts_qemu.c - the version of a QEMU binary, cached so that the hook
 * runs "qemu --version" once per installed binary, not once per migration. */
#include "mh_command.h"
#include "mh_error.h"
#include "mh_facts.h"
#include "mh_file.h"
#include "mh_json.h"
#include "mh_string.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define CACHE_NAME "qemu-version.json"
#define CACHE_MAX_BYTES 65536
#define CACHE_MAX_BINARIES 16
#define RUN_TIMEOUT_MS 3000L
#define OUTPUT_CAP 4096

static int check_binary(const char *path, char *resolved, struct stat *st, struct mh_error *err);
static json_t *read_cache(const char *cache_path);
static json_t *cache_key(const struct stat *st, const char *version);
static bool cache_matches(const json_t *entry, const struct stat *st);
static int run_version(const char *binary, char out[32], struct mh_error *err);
static void write_cache(const char *cache_path, json_t *cache, const char *emulator,
                        const struct stat *st, const char *version);

int
mh_facts_qemu_version(const char *root, const char *emulator, const char *state_dir,
                      unsigned long *version, struct mh_error *err)
{
    char path[PATH_MAX], resolved[PATH_MAX], cache_path[PATH_MAX];
    char text[32] = "";
    json_t *cache = NULL;
    struct stat st;
    int ret = -1;

    if (!emulator || emulator[0] != '/') {
        mh_error_set(err, "emulator path must be absolute");
        return -1;
    }
    if (snprintf(path, sizeof(path), "%s%s", root ? root : "", emulator) >= (int)sizeof(path)) {
        mh_error_set(err, "%s: path too long", emulator);
        return -1;
    }
    if (check_binary(path, resolved, &st, err) < 0)
        return -1;
    cache_path[0] = '\0';
    if (state_dir &&
        snprintf(cache_path, sizeof(cache_path), "%s/%s", state_dir, CACHE_NAME) < (int)sizeof(cache_path)) {
        json_t *entry;

        cache = read_cache(cache_path);
        entry = json_object_get(json_object_get(cache, "binaries"), emulator);
        if (cache_matches(entry, &st) &&
            mh_facts_parse_version(json_string_value(json_object_get(entry, "version")), version) == 0) {
            ret = 0;
            goto cleanup;
        }
    }
    if (run_version(resolved, text, err) < 0)
        goto cleanup;
    if (mh_facts_parse_version(text, version) < 0) {
        mh_error_set(err, "%s --version: version \"%s\" not understood", emulator, text);
        goto cleanup;
    }
    if (cache_path[0])
        write_cache(cache_path, cache, emulator, &st, text);
    ret = 0;

cleanup:
    json_decref(cache);
    return ret;
}

/* The hook runs as root with input from another host: it runs only a binary
 * that root installed and that is called like QEMU. */
static int
check_binary(const char *path, char *resolved, struct stat *st, struct mh_error *err)
{
    char copy[PATH_MAX];

    if (!realpath(path, resolved)) {
        mh_error_set_errno(err, errno, "%s", path);
        return -1;
    }
    if (stat(resolved, st) < 0) {
        mh_error_set_errno(err, errno, "%s", resolved);
        return -1;
    }
    mh_string_copy(copy, sizeof(copy), resolved);
    if (!mh_string_has_prefix(basename(copy), "qemu")) {
        mh_error_set(err, "%s: not a QEMU binary (qemu*); not run", resolved);
        return -1;
    }
    if (!S_ISREG(st->st_mode) || st->st_uid != 0 || (st->st_mode & (S_IWGRP | S_IWOTH)) ||
        !(st->st_mode & S_IXUSR)) {
        mh_error_set(err, "%s: not a root-owned executable that only root can write; not run",
                     resolved);
        return -1;
    }
    return 0;
}

static json_t *
read_cache(const char *cache_path)
{
    struct mh_error ignored;
    char *text = NULL;
    size_t length = 0;
    json_t *cache;

    if (mh_file_read_trusted(cache_path, CACHE_MAX_BYTES, &text, &length, &ignored) < 0)
        return NULL;
    cache = mh_json_parse(text, length, 4, cache_path, &ignored);
    free(text);
    if (cache && !json_is_object(json_object_get(cache, "binaries"))) {
        json_decref(cache);
        cache = NULL;
    }
    return cache;
}

/* Identity of the installed binary: a package upgrade changes its inode,
 * size or mtime, and with them the key. */
static json_t *
cache_key(const struct stat *st, const char *version)
{
    return json_pack("{sI sI sI sI ss}", "device", (json_int_t)st->st_dev, "inode",
                     (json_int_t)st->st_ino, "size", (json_int_t)st->st_size, "mtime_ns",
                     (json_int_t)st->st_mtim.tv_sec * 1000000000LL + st->st_mtim.tv_nsec,
                     "version", version);
}

static bool
cache_matches(const json_t *entry, const struct stat *st)
{
    json_t *expected;
    bool same;

    if (!json_is_object(entry) || !json_is_string(json_object_get(entry, "version")))
        return false;
    expected = cache_key(st, json_string_value(json_object_get(entry, "version")));
    same = expected && json_equal(expected, (json_t *)entry);
    json_decref(expected);
    return same;
}

/* "QEMU emulator version 7.2.22 (Debian 1:7.2+dfsg-7+deb12u18)" */
static int
run_version(const char *binary, char out[32], struct mh_error *err)
{
    static const char marker[] = "QEMU emulator version ";
    const char *argv[] = { binary, "--version", NULL };
    struct mh_command_result result;
    const char *at;
    size_t length;
    int ret = -1;

    if (mh_command_run(argv, NULL, 0, RUN_TIMEOUT_MS, OUTPUT_CAP, &result, err) < 0)
        return -1;
    if (result.exit_status != 0) {
        mh_error_set(err, "%s --version: %s", binary,
                     result.timed_out ? "timed out" : "failed");
        goto cleanup;
    }
    at = strstr(result.output, marker);
    if (!at) {
        mh_error_set(err, "%s --version: no \"%s\" in its output", binary, marker);
        goto cleanup;
    }
    at += strlen(marker);
    length = strspn(at, "0123456789.");
    if (length == 0 || length >= 32) {
        mh_error_set(err, "%s --version: no version in its output", binary);
        goto cleanup;
    }
    memcpy(out, at, length);
    out[length] = '\0';
    while (length && out[length - 1] == '.')
        out[--length] = '\0';
    ret = 0;

cleanup:
    mh_command_result_free(&result);
    return ret;
}

/* A failure to cache costs the next call a QEMU run, nothing more. */
static void
write_cache(const char *cache_path, json_t *cache, const char *emulator, const struct stat *st,
            const char *version)
{
    struct mh_error ignored;
    json_t *binaries = json_object_get(cache, "binaries");
    json_t *fresh = json_object();
    json_t *entries = json_object();
    const char *key;
    json_t *value;
    char *text;

    if (!fresh || !entries)
        goto cleanup;
    /* Keep a few others (guests may name different emulators). */
    json_object_foreach(binaries, key, value) {
        if (json_object_size(entries) + 1 >= CACHE_MAX_BINARIES)
            break;
        if (strcmp(key, emulator) != 0)
            json_object_set(entries, key, value);
    }
    json_object_set_new(entries, emulator, cache_key(st, version));
    json_object_set_new(fresh, "version", json_integer(1));
    json_object_set(fresh, "binaries", entries);
    text = json_dumps(fresh, JSON_INDENT(1) | JSON_SORT_KEYS);
    if (text)
        mh_file_write_atomic(cache_path, text, strlen(text), 0644, &ignored);
    free(text);

cleanup:
    json_decref(entries);
    json_decref(fresh);
}
