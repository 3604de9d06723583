/* fuzz_ovsdb_reply.c - libFuzzer target: the bytes an ovsdb-server (or
 * whatever listens on its socket) sends back to a "transact" with a
 * select, through framing, echo requests and notifications, the reply and
 * the decoding of the rows' maps and sets. */
#include "mh_error.h"
#include "mh_ovsdb.h"
#include "mh_ovsdb_op.h"

#include <fcntl.h>
#include <jansson.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void decode_rows(json_t *result);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mh_error err = { { 0 } };
    struct mh_ovsdb db;
    json_t *operations, *result;
    int pair[2];
    ssize_t sent;

    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0)
        return 0;
    /* The "server" says all it has to say at once and hangs up; what does
     * not fit the socket's buffer is left out, like a server that died. */
    fcntl(pair[1], F_SETFL, O_NONBLOCK);
    sent = size ? write(pair[1], data, size) : 0;
    (void)sent;
    shutdown(pair[1], SHUT_WR);
    mh_ovsdb_open_fd(&db, pair[0], "fuzz", 1000);
    operations = json_pack("[o]", mh_ovsdb_select("Interface", json_array(), NULL));
    result = mh_ovsdb_transact(&db, MH_OVSDB_DATABASE, operations, 0, NULL, &err);
    if (result) {
        decode_rows(result);
        json_decref(result);
    }
    mh_ovsdb_close(&db);
    close(pair[1]);
    return 0;
}

static void
decode_rows(json_t *result)
{
    json_t *rows = json_object_get(json_array_get(result, 0), "rows");
    size_t index;
    json_t *row;

    json_array_foreach(rows, index, row) {
        const char *column;
        json_t *datum;

        json_object_foreach(row, column, datum) {
            struct mh_error err = { { 0 } };
            json_t *decoded = mh_ovsdb_map_decode(datum, &err);

            json_decref(decoded);
            decoded = mh_ovsdb_set_decode(datum, &err);
            json_decref(decoded);
            mh_ovsdb_uuid_decode(datum);
        }
    }
}
