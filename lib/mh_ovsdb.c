/* mh_ovsdb.c - JSON-RPC session with ovsdb-server: connect, frame, answer echo, transact. */
#include "mh_ovsdb.h"
#include "mh_deadline.h"
#include "mh_error.h"
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

/* Time kept back from the hook's deadline: when ovsdb-server hangs, the
 * caller still gets an error in time to apply its policy (warn lets the
 * guest start) and journal it, instead of the deadline killing the hook. */
#define DEADLINE_RESERVE_MS 300

struct budget {
    struct timespec end;
    long ms;                    /* the whole budget, for messages */
};

static void session_init(struct mh_ovsdb *db, int fd, const char *name, long timeout_ms);
static void budget_start(struct budget *budget, long wanted_ms);
static long budget_left(const struct budget *budget);
static int wait_fd(struct mh_ovsdb *db, short events, const struct budget *budget,
                   struct mh_error *err);
static int send_all(struct mh_ovsdb *db, const char *data, size_t length,
                    const struct budget *budget, struct mh_error *err);
static int send_message(struct mh_ovsdb *db, json_t *message, const struct budget *budget,
                        struct mh_error *err);
static json_t *read_message(struct mh_ovsdb *db, const struct budget *budget,
                            struct mh_error *err);
static int frame(struct mh_ovsdb *db, size_t *length, struct mh_error *err);
static void consume(struct mh_ovsdb *db, size_t length);
static int answer_request(struct mh_ovsdb *db, json_t *message, const struct budget *budget,
                          struct mh_error *err);
static void describe_error(json_t *error, char *text, size_t size);
static void fail_session(struct mh_ovsdb *db);

int
mh_ovsdb_connect(struct mh_ovsdb *db, const char *socket_path, long timeout_ms,
                 struct mh_error *err)
{
    struct sockaddr_un address;
    struct budget budget;
    int fd;

    session_init(db, -1, socket_path, timeout_ms);
    memset(&address, 0, sizeof(address));
    address.sun_family = AF_UNIX;
    if (mh_string_copy(address.sun_path, sizeof(address.sun_path), socket_path) < 0) {
        mh_error_set(err, "ovsdb socket path %s is longer than %zu bytes", socket_path,
                     sizeof(address.sun_path) - 1);
        return -1;
    }
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        mh_error_set_errno(err, errno, "cannot create a socket for ovsdb-server");
        return -1;
    }
    db->fd = fd;
    budget_start(&budget, timeout_ms);
    for (;;) {
        int error = 0;
        socklen_t length = sizeof(error);

        if (connect(fd, (struct sockaddr *)&address, sizeof(address)) == 0)
            return 0;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN) {
            /* The listen backlog is full: ovsdb-server is alive but busy. */
            if (budget_left(&budget) <= 0)
                break;
            poll(NULL, 0, budget_left(&budget) < 10 ? (int)budget_left(&budget) : 10);
            continue;
        }
        if (errno != EINPROGRESS) {
            bool absent = errno == ENOENT || errno == ECONNREFUSED;

            mh_error_set_errno(err, errno, "cannot connect to ovsdb-server at %s%s", socket_path,
                               absent ? " (is it running?)" : "");
            mh_ovsdb_close(db);
            return absent ? -2 : -1;
        }
        if (wait_fd(db, POLLOUT, &budget, err) < 0)
            return -1;
        if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) < 0)
            error = errno;
        if (error == 0)
            return 0;
        mh_error_set_errno(err, error, "cannot connect to ovsdb-server at %s", socket_path);
        mh_ovsdb_close(db);
        return -1;
    }
    mh_error_set(err, "cannot connect to ovsdb-server at %s within %ld ms", socket_path,
                 budget.ms);
    mh_ovsdb_close(db);
    return -1;
}

void
mh_ovsdb_open_fd(struct mh_ovsdb *db, int fd, const char *name, long timeout_ms)
{
    session_init(db, fd, name, timeout_ms);
}

void
mh_ovsdb_close(struct mh_ovsdb *db)
{
    if (db->fd >= 0)
        close(db->fd);
    db->fd = -1;
    free(db->buffer);
    db->buffer = NULL;
    db->used = db->capacity = 0;
}

json_t *
mh_ovsdb_call(struct mh_ovsdb *db, const char *method, json_t *params, long extra_ms,
              struct mh_error *err)
{
    json_int_t id = db->next_id++;
    struct budget budget;
    json_t *request;
    json_t *result = NULL;

    if (db->fd < 0) {
        json_decref(params);
        mh_error_set(err, "not connected to ovsdb-server at %s", db->socket_path);
        return NULL;
    }
    request = json_pack("{s:s, s:o, s:I}", "method", method, "params", params, "id", id);
    if (!request) {
        mh_error_set(err, "out of memory");
        return NULL;
    }
    budget_start(&budget, db->timeout_ms + (extra_ms > 0 ? extra_ms : 0));
    if (send_message(db, request, &budget, err) < 0)
        goto cleanup;
    for (;;) {
        json_t *message = read_message(db, &budget, err);
        json_t *reply_id, *error, *value;

        if (!message)
            goto cleanup;
        if (json_object_get(message, "method")) {
            int ret = answer_request(db, message, &budget, err);
            json_decref(message);
            if (ret < 0)
                goto cleanup;
            continue;
        }
        reply_id = json_object_get(message, "id");
        if (!json_is_integer(reply_id) || json_integer_value(reply_id) != id) {
            char *shown = reply_id ? mh_json_line(reply_id) : NULL;
            mh_error_set(err, "ovsdb-server at %s sent a reply for another request (id %.32s, "
                         "expected %" JSON_INTEGER_FORMAT ")", db->socket_path,
                         shown ? shown : "missing", id);
            free(shown);
            json_decref(message);
            fail_session(db);
            goto cleanup;
        }
        error = json_object_get(message, "error");
        value = json_object_get(message, "result");
        if (error && !json_is_null(error)) {
            char text[512];
            describe_error(error, text, sizeof(text));
            mh_error_set(err, "ovsdb-server at %s refused %s: %s", db->socket_path, method, text);
        } else if (!value) {
            mh_error_set(err, "ovsdb-server at %s sent a reply with neither result nor error",
                         db->socket_path);
            fail_session(db);
        } else {
            result = json_incref(value);
        }
        json_decref(message);
        goto cleanup;
    }

cleanup:
    json_decref(request);
    return result;
}

json_t *
mh_ovsdb_transact(struct mh_ovsdb *db, const char *database, json_t *operations,
                  long extra_ms, int *failed_op, struct mh_error *err)
{
    size_t count = json_array_size(operations);
    json_t *params = json_array();
    json_t *results = NULL;
    json_t *item;
    size_t index;

    if (failed_op)
        *failed_op = -1;
    if (!params || json_array_append_new(params, json_string(database)) < 0 ||
        json_array_extend(params, operations) < 0) {
        json_decref(params);
        json_decref(operations);
        mh_error_set(err, "out of memory");
        return NULL;
    }
    json_decref(operations);
    /* Keep params: failed operations are named from it below. */
    results = mh_ovsdb_call(db, "transact", json_incref(params), extra_ms, err);
    if (!results)
        goto failed;
    if (!json_is_array(results) || json_array_size(results) < count) {
        mh_error_set(err, "ovsdb-server at %s answered %zu operations with %zu results",
                     db->socket_path, count, json_array_size(results));
        goto failed;
    }
    /* RFC 7047 5.2: the failing operation carries "error" and the rest are
     * null; a failed commit adds one more result after the operations. */
    json_array_foreach(results, index, item) {
        json_t *error = json_object_get(item, "error");
        char text[512];

        if (!error && (json_is_object(item) || index >= count))
            continue;
        if (!error) {
            mh_error_set(err, "ovsdb-server at %s sent a malformed result for operation %zu",
                         db->socket_path, index);
            goto failed;
        }
        describe_error(item, text, sizeof(text));
        if (index < count) {
            const char *op = json_string_value(json_object_get(json_array_get(params, index + 1),
                                                               "op"));
            if (failed_op)
                *failed_op = (int)index;
            mh_error_set(err, "ovsdb transaction failed at operation %zu (%s): %s", index,
                         op ? op : "?", text);
        } else {
            mh_error_set(err, "ovsdb transaction failed to commit: %s", text);
        }
        goto failed;
    }
    json_decref(params);
    return results;

failed:
    json_decref(results);
    json_decref(params);
    return NULL;
}

static void
session_init(struct mh_ovsdb *db, int fd, const char *name, long timeout_ms)
{
    memset(db, 0, sizeof(*db));
    db->fd = fd;
    mh_string_copy(db->socket_path, sizeof(db->socket_path), name);
    db->timeout_ms = timeout_ms;
    db->next_id = 1;
    db->max_message_bytes = MH_OVSDB_MAX_MESSAGE_BYTES;
    db->max_depth = MH_OVSDB_MAX_DEPTH;
}

/* The smaller of what the caller wants and what the hook's deadline allows. */
static void
budget_start(struct budget *budget, long wanted_ms)
{
    long allowed = mh_deadline_remaining_ms() - DEADLINE_RESERVE_MS;

    budget->ms = wanted_ms < allowed ? wanted_ms : allowed;
    if (budget->ms < 0)
        budget->ms = 0;
    clock_gettime(CLOCK_MONOTONIC, &budget->end);
    budget->end.tv_sec += budget->ms / 1000;
    budget->end.tv_nsec += (budget->ms % 1000) * 1000000L;
    if (budget->end.tv_nsec >= 1000000000L) {
        budget->end.tv_sec++;
        budget->end.tv_nsec -= 1000000000L;
    }
}

static long
budget_left(const struct budget *budget)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(budget->end.tv_sec - now.tv_sec) * 1000 +
           (budget->end.tv_nsec - now.tv_nsec) / 1000000L;
}

static int
wait_fd(struct mh_ovsdb *db, short events, const struct budget *budget, struct mh_error *err)
{
    for (;;) {
        struct pollfd item = { .fd = db->fd, .events = events };
        long left = budget_left(budget);
        int ready;

        if (left <= 0)
            break;
        ready = poll(&item, 1, (int)left);
        if (ready > 0)
            return 0;
        if (ready < 0 && errno != EINTR) {
            mh_error_set_errno(err, errno, "waiting for ovsdb-server at %s", db->socket_path);
            fail_session(db);
            return -1;
        }
    }
    mh_error_set(err, "ovsdb-server at %s did not answer within %ld ms", db->socket_path,
                 budget->ms);
    fail_session(db);
    return -1;
}

static int
send_all(struct mh_ovsdb *db, const char *data, size_t length, const struct budget *budget,
         struct mh_error *err)
{
    while (length > 0) {
        ssize_t sent = send(db->fd, data, length, MSG_NOSIGNAL);

        if (sent > 0) {
            data += sent;
            length -= (size_t)sent;
        } else if (sent < 0 && errno == EINTR) {
            continue;
        } else if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (wait_fd(db, POLLOUT, budget, err) < 0)
                return -1;
        } else {
            mh_error_set_errno(err, errno, "cannot send to ovsdb-server at %s", db->socket_path);
            fail_session(db);
            return -1;
        }
    }
    return 0;
}

static int
send_message(struct mh_ovsdb *db, json_t *message, const struct budget *budget,
             struct mh_error *err)
{
    char *text = json_dumps(message, JSON_COMPACT);
    int ret;

    if (!text) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    ret = send_all(db, text, strlen(text), budget, err);
    free(text);
    return ret;
}

/* The next whole message from the server, as a new reference to an object. */
static json_t *
read_message(struct mh_ovsdb *db, const struct budget *budget, struct mh_error *err)
{
    for (;;) {
        size_t length = 0;
        ssize_t received;
        int framed = frame(db, &length, err);

        if (framed < 0) {
            fail_session(db);
            return NULL;
        }
        if (framed > 0) {
            char name[160];
            json_t *message;

            snprintf(name, sizeof(name), "reply from ovsdb-server at %s", db->socket_path);
            message = mh_json_parse(db->buffer, length, db->max_depth, name, err);
            consume(db, length);
            if (!message || !json_is_object(message)) {
                if (message)
                    mh_error_set(err, "%s: not a JSON object", name);
                json_decref(message);
                fail_session(db);
                return NULL;
            }
            return message;
        }
        if (db->used >= db->max_message_bytes) {
            mh_error_set(err, "ovsdb-server at %s sent a message larger than %zu bytes",
                         db->socket_path, db->max_message_bytes);
            fail_session(db);
            return NULL;
        }
        if (db->capacity - db->used < 4096 && db->capacity < db->max_message_bytes) {
            size_t capacity = db->capacity ? db->capacity * 2 : 16384;
            char *grown;

            if (capacity > db->max_message_bytes)
                capacity = db->max_message_bytes;
            grown = realloc(db->buffer, capacity + 1);
            if (!grown) {
                mh_error_set(err, "out of memory");
                fail_session(db);
                return NULL;
            }
            db->buffer = grown;
            db->capacity = capacity;
        }
        if (wait_fd(db, POLLIN, budget, err) < 0)
            return NULL;
        received = recv(db->fd, db->buffer + db->used, db->capacity - db->used, 0);
        if (received == 0) {
            mh_error_set(err, "ovsdb-server at %s closed the connection", db->socket_path);
            fail_session(db);
            return NULL;
        }
        if (received < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
                continue;
            mh_error_set_errno(err, errno, "cannot read from ovsdb-server at %s",
                               db->socket_path);
            fail_session(db);
            return NULL;
        }
        db->used += (size_t)received;
    }
}

/* OVSDB's stream has no framing: messages are JSON objects one after the
 * other. Find where the one at the front ends by counting brackets outside
 * strings, carrying the scan over between reads so each byte is looked at
 * once; refuse excessive nesting here, before the parser sees any of it.
 * Returns 1 with *length when a whole message is buffered, 0 when more is
 * needed, -1 when the stream is not a sequence of objects. */
static int
frame(struct mh_ovsdb *db, size_t *length, struct mh_error *err)
{
    if (db->scanned == 0) {
        size_t blank = 0;

        while (blank < db->used && strchr(" \t\r\n", db->buffer[blank]) && db->buffer[blank])
            blank++;
        consume(db, blank);
        if (db->used == 0)
            return 0;
        if (db->buffer[0] != '{') {
            mh_error_set(err, "ovsdb-server at %s sent something that is not a JSON-RPC "
                         "message (byte 0x%02x where an object should start)", db->socket_path,
                         (unsigned char)db->buffer[0]);
            return -1;
        }
    }
    for (size_t i = db->scanned; i < db->used; i++) {
        char c = db->buffer[i];

        if (db->in_string) {
            if (db->escaped)
                db->escaped = false;
            else if (c == '\\')
                db->escaped = true;
            else if (c == '"')
                db->in_string = false;
        } else if (c == '"') {
            db->in_string = true;
        } else if (c == '{' || c == '[') {
            if (++db->depth > db->max_depth) {
                mh_error_set(err, "ovsdb-server at %s sent a message nested deeper than %zu "
                             "levels", db->socket_path, db->max_depth);
                return -1;
            }
        } else if (c == '}' || c == ']') {
            if (db->depth == 0 || --db->depth == 0) {
                *length = i + 1;
                return 1;
            }
        }
    }
    db->scanned = db->used;
    return 0;
}

/* Drop length bytes from the front of the buffer and restart the scan. */
static void
consume(struct mh_ovsdb *db, size_t length)
{
    if (length == 0)
        return;
    memmove(db->buffer, db->buffer + length, db->used - length);
    db->used -= length;
    db->scanned = 0;
    db->depth = 0;
    db->in_string = false;
    db->escaped = false;
}

/* The server may ask too: "echo" (its liveness probe, RFC 7047 4.1.11) is
 * answered with its params; notifications (no id) are not for us; any
 * other request gets an error reply so the server does not wait on us. */
static int
answer_request(struct mh_ovsdb *db, json_t *message, const struct budget *budget,
               struct mh_error *err)
{
    const char *method = json_string_value(json_object_get(message, "method"));
    json_t *id = json_object_get(message, "id");
    json_t *params = json_object_get(message, "params");
    json_t *reply;
    int ret;

    if (!id || json_is_null(id))
        return 0;
    if (method && strcmp(method, "echo") == 0) {
        reply = params ? json_pack("{s:O, s:O, s:n}", "id", id, "result", params, "error")
                       : json_pack("{s:O, s:[], s:n}", "id", id, "result", "error");
        db->echoes++;
    } else {
        reply = json_pack("{s:O, s:n, s:s}", "id", id, "result", "error", "unknown method");
    }
    if (!reply) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    ret = send_message(db, reply, budget, err);
    json_decref(reply);
    return ret;
}

/* An error as RFC 7047 writes it: a string, or {"error": ..., "details": ...}. */
static void
describe_error(json_t *error, char *text, size_t size)
{
    const char *kind = json_string_value(json_is_object(error) ? json_object_get(error, "error")
                                                               : error);
    const char *details = json_string_value(json_object_get(error, "details"));

    if (kind && details)
        snprintf(text, size, "%.200s (%.250s)", kind, details);
    else if (kind)
        snprintf(text, size, "%.400s", kind);
    else {
        char *line = mh_json_line(error);
        snprintf(text, size, "%.400s", line ? line : "unreadable error");
        free(line);
    }
}

/* After a protocol error the stream cannot be trusted to be in step. */
static void
fail_session(struct mh_ovsdb *db)
{
    if (db->fd >= 0)
        close(db->fd);
    db->fd = -1;
}
