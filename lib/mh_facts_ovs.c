/* mh_facts_ovs.c - the names of the Open vSwitch bridges, from OVSDB.
 *
 * One JSON-RPC "transact" with a single "select" on the Bridge table (RFC
 * 7047 section 4.1.3) over OVSDB's unix socket, bounded in time and size.
 * A stopgap: when lib/mh_ovsdb (the port-data work) lands, this becomes a
 * call to it. */
#include "mh_deadline.h"
#include "mh_error.h"
#include "mh_facts.h"
#include "mh_json.h"
#include "mh_string.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define REPLY_MAX_BYTES (1024 * 1024)
#define REPLY_MAX_DEPTH 16

static const char request[] =
    "{\"method\":\"transact\",\"id\":1,\"params\":[\"Open_vSwitch\","
    "{\"op\":\"select\",\"table\":\"Bridge\",\"where\":[],\"columns\":[\"name\"]}]}";

/* Returns the connected socket, -2 when OVS is not running, -1 otherwise. */
static int connect_socket(const char *socket_path, struct mh_error *err);
static int wait_for(int fd, short events, long stop_at, const char *socket_path,
                    struct mh_error *err);
static size_t complete_value_length(const char *text, size_t length);
static int read_rows(const json_t *reply, const char *socket_path, struct mh_names *bridges,
                     struct mh_error *err);
static long now_ms(void);

int
mh_facts_ovs_bridges(const char *socket_path, long timeout_ms, struct mh_names *bridges,
                     struct mh_error *err)
{
    long remaining = mh_deadline_remaining_ms();
    long stop_at = now_ms() + (timeout_ms < remaining ? timeout_ms : remaining);
    size_t sent = 0, used = 0, complete = 0;
    char *reply = NULL;
    json_t *document = NULL;
    int fd;
    int ret = -1;

    fd = connect_socket(socket_path, err);
    if (fd == -2) {
        mh_names_finish(bridges);
        return 1;
    }
    if (fd < 0)
        return -1;
    while (sent < sizeof(request) - 1) {
        ssize_t done;

        if (wait_for(fd, POLLOUT, stop_at, socket_path, err) < 0)
            goto cleanup;
        done = send(fd, request + sent, sizeof(request) - 1 - sent, MSG_NOSIGNAL);
        if (done < 0 && errno != EAGAIN && errno != EINTR) {
            mh_error_set_errno(err, errno, "OVSDB at %s: send", socket_path);
            goto cleanup;
        }
        if (done > 0)
            sent += (size_t)done;
    }
    reply = malloc(REPLY_MAX_BYTES + 1);
    if (!reply) {
        mh_error_set(err, "out of memory");
        goto cleanup;
    }
    while (!complete) {
        ssize_t got;

        if (used == REPLY_MAX_BYTES) {
            mh_error_set(err, "OVSDB at %s: reply larger than %d bytes", socket_path,
                         REPLY_MAX_BYTES);
            goto cleanup;
        }
        if (wait_for(fd, POLLIN, stop_at, socket_path, err) < 0)
            goto cleanup;
        got = recv(fd, reply + used, REPLY_MAX_BYTES - used, 0);
        if (got == 0) {
            mh_error_set(err, "OVSDB at %s: closed the connection", socket_path);
            goto cleanup;
        }
        if (got < 0) {
            if (errno == EAGAIN || errno == EINTR)
                continue;
            mh_error_set_errno(err, errno, "OVSDB at %s: recv", socket_path);
            goto cleanup;
        }
        used += (size_t)got;
        complete = complete_value_length(reply, used);
    }
    document = mh_json_parse(reply, complete, REPLY_MAX_DEPTH, "OVSDB reply", err);
    if (!document)
        goto cleanup;
    ret = read_rows(document, socket_path, bridges, err);

cleanup:
    json_decref(document);
    free(reply);
    close(fd);
    return ret;
}

static int
connect_socket(const char *socket_path, struct mh_error *err)
{
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    int fd;

    if (mh_string_copy(address.sun_path, sizeof(address.sun_path), socket_path) < 0) {
        mh_error_set(err, "OVSDB socket path %s is too long", socket_path);
        return -1;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        mh_error_set_errno(err, errno, "socket");
        return -1;
    }
    if (connect(fd, (struct sockaddr *)&address, sizeof(address)) < 0) {
        int saved = errno;

        close(fd);
        /* No socket, or nobody behind it: no ovsdb-server, no OVS bridges. */
        if (saved == ENOENT || saved == ECONNREFUSED) {
            mh_error_set(err, "Open vSwitch is not running: nothing listens on %s", socket_path);
            return -2;
        }
        mh_error_set_errno(err, saved, "cannot reach OVSDB at %s", socket_path);
        return -1;
    }
    return fd;
}

static int
wait_for(int fd, short events, long stop_at, const char *socket_path, struct mh_error *err)
{
    for (;;) {
        struct pollfd poller = { .fd = fd, .events = events };
        long wait_ms = stop_at - now_ms();
        int ready;

        if (wait_ms <= 0) {
            mh_error_set(err, "OVSDB at %s: no answer in time", socket_path);
            return -1;
        }
        ready = poll(&poller, 1, (int)wait_ms);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0) {
            mh_error_set_errno(err, errno, "OVSDB at %s: poll", socket_path);
            return -1;
        }
        if (ready > 0)
            return 0;
    }
}

/* Length of the first complete JSON object or array in text, or 0 when it
 * is not complete yet. JSON-RPC over a stream has no framing but this. */
static size_t
complete_value_length(const char *text, size_t length)
{
    size_t depth = 0;
    bool in_string = false, escaped = false, started = false;

    for (size_t i = 0; i < length; i++) {
        char c = text[i];

        if (in_string) {
            if (escaped)
                escaped = false;
            else if (c == '\\')
                escaped = true;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            depth++;
            started = true;
        } else if ((c == '}' || c == ']') && depth > 0) {
            if (--depth == 0 && started)
                return i + 1;
        }
    }
    return 0;
}

static int
read_rows(const json_t *reply, const char *socket_path, struct mh_names *bridges,
          struct mh_error *err)
{
    const json_t *error = json_object_get(reply, "error");
    const json_t *rows = json_object_get(json_array_get(json_object_get(reply, "result"), 0),
                                         "rows");
    size_t index;
    json_t *row;

    if (error && !json_is_null(error)) {
        mh_error_set(err, "OVSDB at %s refused the query", socket_path);
        return -1;
    }
    if (!json_is_array(rows)) {
        mh_error_set(err, "OVSDB at %s: unexpected reply", socket_path);
        return -1;
    }
    json_array_foreach(rows, index, row) {
        const char *name = json_string_value(json_object_get(row, "name"));

        if (!name || !*name)
            continue;
        if (mh_names_add(bridges, name) < 0) {
            mh_error_set(err, "out of memory");
            return -1;
        }
    }
    mh_names_finish(bridges);
    return 0;
}

static long
now_ms(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)now.tv_sec * 1000 + now.tv_nsec / 1000000L;
}
