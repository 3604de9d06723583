/* mh_ovsdb.h - a JSON-RPC (RFC 7047) session with ovsdb-server over its unix
 * socket: one request at a time, every byte bounded in size, depth and time.
 *
 * Why not ovs-vsctl: a child per port costs a process start plus a full
 * database download each, and a hook must not leave children behind; the
 * socket is spoken directly instead. Building operations and converting
 * OVSDB's ["map", ...] / ["set", ...] encodings is in mh_ovsdb_op.h. */
#ifndef MH_OVSDB_H
#define MH_OVSDB_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct mh_error;

#define MH_OVSDB_DEFAULT_SOCKET "/run/openvswitch/db.sock"
#define MH_OVSDB_DATABASE "Open_vSwitch"

/* Largest message accepted from the server. A select of a few rows is a
 * few KiB; anything near this is a server (or socket) we should not trust. */
#define MH_OVSDB_MAX_MESSAGE_BYTES (4 * 1024 * 1024)
/* Deepest nesting accepted: a transact reply is about 6 levels deep. */
#define MH_OVSDB_MAX_DEPTH 32

struct mh_ovsdb {
    int fd;
    char socket_path[108];      /* for messages */
    long timeout_ms;            /* bound on connect and on each request */
    json_int_t next_id;
    size_t max_message_bytes;
    size_t max_depth;
    unsigned long echoes;       /* echo requests answered (tests look) */

    /* Bytes received and not yet consumed, and how far the framing scan
     * of the message at the front has got (see read_message). */
    char *buffer;
    size_t used;
    size_t capacity;
    size_t scanned;
    size_t depth;
    bool in_string;
    bool escaped;
};

/* Connect to ovsdb-server at socket_path within timeout_ms (and within the
 * hook's deadline, whichever is sooner). Returns 0; -2 when nothing listens
 * there (no socket file, or a stale one: Open vSwitch is not running); -1
 * for anything else. db is filled either way and must be closed with
 * mh_ovsdb_close(). */
int mh_ovsdb_connect(struct mh_ovsdb *db, const char *socket_path, long timeout_ms,
                     struct mh_error *err);

/* Use an already connected stream socket (tests: one end of a socketpair);
 * db owns fd from now on. name is used in messages. */
void mh_ovsdb_open_fd(struct mh_ovsdb *db, int fd, const char *name, long timeout_ms);

void mh_ovsdb_close(struct mh_ovsdb *db);

/* Send one request and wait for its reply, answering the server's "echo"
 * requests and skipping its notifications meanwhile. Takes the reference to
 * params (an array). Returns the reply's "result" as a new reference, or
 * NULL when the reply is an error, is malformed, too large, too deep, for
 * another id, or does not come within the time left: timeout_ms of the
 * session plus extra_ms (for requests the server may hold, like "wait"),
 * bounded by the hook's deadline. */
json_t *mh_ovsdb_call(struct mh_ovsdb *db, const char *method, json_t *params, long extra_ms,
                      struct mh_error *err);

/* "transact" on database with the operations array (reference taken).
 * Returns the array of per-operation results (new reference), or NULL when
 * the call failed or any operation (or the commit) failed. *failed_op is
 * then the index of the failing operation, or -1 when the transaction as a
 * whole failed; failed_op may be NULL. extra_ms as for mh_ovsdb_call. */
json_t *mh_ovsdb_transact(struct mh_ovsdb *db, const char *database, json_t *operations,
                          long extra_ms, int *failed_op, struct mh_error *err);

#endif
