/* fuzz_etcd_reply.c - libFuzzer target: an etcd v3 gateway reply body as
 * the lease backend reads it: the reply, its ranges (direct or inside a txn
 * response) and the lease records in their values. */
#include "mh_error.h"
#include "mh_etcd.h"
#include "mh_lease_record.h"

#include <jansson.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_range(json_t *response);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mh_error err = { { 0 } };
    json_t *reply = mh_etcd_parse_reply((const char *)data, size, 200, &err);
    json_t *responses;
    long long number;

    mh_etcd_parse_reply((const char *)data, size, 500, &err);
    if (!reply)
        return 0;
    read_range(reply);
    responses = json_object_get(reply, "responses");
    for (size_t i = 0; i < json_array_size(responses) && i < 4; i++)
        read_range(mh_etcd_txn_range(responses, i, &err));
    mh_etcd_int64(json_object_get(reply, "ID"), &number);
    mh_etcd_int64(json_object_get(reply, "TTL"), &number);
    json_decref(reply);
    return 0;
}

static void
read_range(json_t *response)
{
    struct mh_error err = { { 0 } };
    struct mh_etcd_range range;

    if (!response || mh_etcd_range_parse(response, 64 * 1024, &range, &err) < 0)
        return;
    for (size_t i = 0; i < range.count; i++) {
        struct mh_lease_record record;

        mh_lease_record_parse(range.kvs[i].value, range.kvs[i].value_length, NULL, "etcd",
                              &record, &err);
    }
    mh_etcd_range_free(&range);
}
