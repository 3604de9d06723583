/* test_lease.c - the lease state machine (mh_lease.h): every transition and
 * every refusal, then whole migrations as sequences of hook calls. */
#include "mh_test.h"

#include "mh_error.h"
#include "mh_lease.h"

#define UUID "4dea22b3-1d52-d8f3-2516-782e98ab3fa0"
#define NOW ((time_t)1795000000)    /* 2026-11-18T11:06:40Z */
#define NOW_TEXT "2026-11-18T11:06:40.000Z"

/* A record in a given state; expires_in is relative to NOW. */
static struct mh_lease_record
record(const char *owner, const char *pending_host, const char *migration_id, bool confirmed,
       long expires_in)
{
    struct mh_lease_record r;

    mh_lease_record_init(&r, UUID);
    r.exists = true;
    strcpy(r.name, "vm1");
    r.generation = 5;
    if (owner) {
        strcpy(r.owner, owner);
        r.since = NOW - 3600;
    }
    if (pending_host) {
        strcpy(r.pending.host, pending_host);
        strcpy(r.pending.migration_id, migration_id ? migration_id : "");
        r.pending.confirmed = confirmed;
        r.pending.expires = NOW + expires_in;
    }
    return r;
}

static struct mh_lease_record
free_record(void)
{
    return record(NULL, NULL, NULL, false, 0);
}

static struct mh_lease_request
request(enum mh_lease_operation operation, const char *host)
{
    struct mh_lease_request r;

    mh_lease_request_init(&r, operation, NULL, host, UUID, "vm1");
    r.now = NOW;
    return r;
}

/* Apply and expect success. */
static struct mh_lease_result
ok(const struct mh_lease_record *before, const struct mh_lease_request *r)
{
    struct mh_lease_result result;
    struct mh_error err = { { 0 } };

    if (mh_lease_apply(before, r, &result, &err) != 0)
        fail_msg("expected success, got: %s", err.message);
    assert_false(result.refused);
    return result;
}

/* Apply and expect a refusal whose message contains text; the record must
 * come back unchanged. */
static void
refused(const struct mh_lease_record *before, const struct mh_lease_request *r, const char *text)
{
    struct mh_lease_result result;
    struct mh_error err = { { 0 } };

    assert_int_equal(mh_lease_apply(before, r, &result, &err), -1);
    assert_true(result.refused);
    assert_false(result.changed);
    assert_memory_equal(&result.after, before, sizeof(*before));
    if (!strstr(err.message, text))
        fail_msg("refusal \"%s\" does not contain \"%s\"", err.message, text);
}

/* A change stamps generation, time, host and operation. */
static void
assert_stamped(const struct mh_lease_result *result, const char *host, const char *change)
{
    assert_true(result->changed);
    assert_int_equal(result->after.generation, result->before.generation + 1);
    assert_int_equal(result->after.updated, NOW);
    assert_string_equal(result->after.updated_by, host);
    assert_string_equal(result->after.change, change);
    assert_true(result->after.exists);
}

/* ---- acquire ---- */

static void
acquire_free_record_is_taken(void **state)
{
    struct mh_lease_record before = free_record();
    struct mh_lease_request r = request(MH_LEASE_ACQUIRE, "hostA");
    struct mh_lease_result result = ok(&before, &r);

    (void)state;
    assert_int_equal(result.transition, MH_LEASE_ACQUIRED);
    assert_string_equal(result.after.owner, "hostA");
    assert_int_equal(result.after.since, NOW);
    assert_stamped(&result, "hostA", "acquire");
}

static void
acquire_of_a_never_stored_guest_starts_at_generation_one(void **state)
{
    struct mh_lease_record before;
    struct mh_lease_request r = request(MH_LEASE_ACQUIRE, "hostA");
    struct mh_lease_result result;

    (void)state;
    mh_lease_record_init(&before, UUID);
    result = ok(&before, &r);
    assert_int_equal(result.after.generation, 1);
    assert_string_equal(result.after.name, "vm1");
}

static void
acquire_by_the_owner_again_is_allowed(void **state)
{
    struct mh_lease_record before = record("hostA", NULL, NULL, false, 0);
    struct mh_lease_request r = request(MH_LEASE_ACQUIRE, "hostA");
    struct mh_lease_result result = ok(&before, &r);

    (void)state;
    assert_int_equal(result.transition, MH_LEASE_ACQUIRED);
    assert_string_equal(result.after.owner, "hostA");
    assert_stamped(&result, "hostA", "acquire");
}

static void
acquire_of_another_hosts_guest_is_refused_with_the_exact_message(void **state)
{
    struct mh_lease_record before = record("hostB", NULL, NULL, false, 0);
    struct mh_lease_request r = request(MH_LEASE_ACQUIRE, "hostA");
    struct mh_lease_result result;
    struct mh_error err = { { 0 } };

    (void)state;
    before.since = NOW;
    assert_int_equal(mh_lease_apply(&before, &r, &result, &err), -1);
    assert_true(result.refused);
    assert_string_equal(err.message, "guest vm1 is owned by host hostB (since " NOW_TEXT
                                     "); use mh-lease break after fencing hostB");
}

static void
acquire_while_another_host_holds_a_reservation_is_refused(void **state)
{
    struct mh_lease_record before = record(NULL, "hostB", "m-1", false, 60);
    struct mh_lease_request r = request(MH_LEASE_ACQUIRE, "hostA");

    (void)state;
    refused(&before, &r, "reserved by host hostB for an incoming migration (m-1");
}

static void
acquire_ignores_and_cleans_an_expired_reservation(void **state)
{
    struct mh_lease_record before = record(NULL, "hostB", "m-1", true, -1);
    struct mh_lease_request r = request(MH_LEASE_ACQUIRE, "hostA");
    struct mh_lease_result result = ok(&before, &r);

    (void)state;
    assert_string_equal(result.after.owner, "hostA");
    assert_string_equal(result.after.pending.host, "");
    assert_non_null(strstr(result.note, "expired reservation for host hostB"));
}

static void
acquire_by_the_owner_with_a_confirmed_migration_away_is_refused(void **state)
{
    struct mh_lease_record before = record("hostA", "hostB", "m-1", true, 600);
    struct mh_lease_request r = request(MH_LEASE_ACQUIRE, "hostA");

    (void)state;
    refused(&before, &r, "was being migrated from this host (hostA) to host hostB");
}

static void
acquire_by_the_owner_clears_an_unconfirmed_reservation(void **state)
{
    struct mh_lease_record before = record("hostA", "hostB", "m-1", false, 60);
    struct mh_lease_request r = request(MH_LEASE_ACQUIRE, "hostA");
    struct mh_lease_result result = ok(&before, &r);

    (void)state;
    assert_string_equal(result.after.owner, "hostA");
    assert_string_equal(result.after.pending.host, "");
    assert_non_null(strstr(result.note, "cleared the reservation for host hostB"));
}

static void
acquire_clears_this_hosts_own_stale_reservation(void **state)
{
    struct mh_lease_record before = record(NULL, "hostA", "m-1", false, 60);
    struct mh_lease_request r = request(MH_LEASE_ACQUIRE, "hostA");
    struct mh_lease_result result = ok(&before, &r);

    (void)state;
    assert_string_equal(result.after.owner, "hostA");
    assert_string_equal(result.after.pending.host, "");
}

/* ---- reserve ---- */

static struct mh_lease_request
reserve_request(const char *host, const char *source, const char *migration_id)
{
    struct mh_lease_request r = request(MH_LEASE_RESERVE, host);

    r.source_host = source;
    r.migration_id = migration_id;
    r.pending_expiry_s = 300;
    return r;
}

static void
reserve_from_the_owner_records_a_pending_reservation(void **state)
{
    struct mh_lease_record before = record("hostA", NULL, NULL, false, 0);
    struct mh_lease_request r = reserve_request("hostB", "hostA", "m-1");
    struct mh_lease_result result = ok(&before, &r);

    (void)state;
    assert_int_equal(result.transition, MH_LEASE_RESERVED);
    assert_string_equal(result.after.owner, "hostA");
    assert_int_equal(result.after.since, before.since);
    assert_string_equal(result.after.pending.host, "hostB");
    assert_string_equal(result.after.pending.migration_id, "m-1");
    assert_false(result.after.pending.confirmed);
    assert_int_equal(result.after.pending.expires, NOW + 300);
    assert_stamped(&result, "hostB", "reserve");
    assert_string_equal(result.note, "");
}

static void
reserve_naming_this_host_as_source_is_refused(void **state)
{
    struct mh_lease_record before = record("hostB", NULL, NULL, false, 0);
    struct mh_lease_request r = reserve_request("hostB", "hostB", "m-1");

    (void)state;
    refused(&before, &r, "names this host (hostB) as its source");
}

static void
reserve_without_a_cookie_of_a_free_guest_is_allowed(void **state)
{
    struct mh_lease_record before = free_record();
    struct mh_lease_request r = reserve_request("hostB", "", "");
    struct mh_lease_result result = ok(&before, &r);

    (void)state;
    assert_string_equal(result.after.pending.host, "hostB");
    assert_string_equal(result.after.pending.migration_id, "");
    assert_string_equal(result.after.owner, "");
}

static void
reserve_without_a_cookie_of_an_owned_guest_is_refused(void **state)
{
    struct mh_lease_record before = record("hostA", NULL, NULL, false, 0);
    struct mh_lease_request r = reserve_request("hostB", "", "");

    (void)state;
    refused(&before, &r, "carries no migrate-hooks cookie naming its source");
}

static void
reserve_from_a_source_that_does_not_own_the_guest_is_refused(void **state)
{
    struct mh_lease_record before = record("hostC", NULL, NULL, false, 0);
    struct mh_lease_request r = reserve_request("hostB", "hostA", "m-1");

    (void)state;
    refused(&before, &r, "guest vm1 is owned by host hostC, not by the migration's source hostA");
}

static void
reserve_with_a_token_naming_another_owner_is_refused(void **state)
{
    struct mh_lease_record before = record("hostA", NULL, NULL, false, 0);
    struct mh_lease_request r = reserve_request("hostB", "hostA", "m-1");
    struct mh_lease_token token = { true, "hostC", 5 };

    (void)state;
    r.token = &token;
    refused(&before, &r, "lease token names host hostC as the owner");
}

static void
reserve_with_a_matching_token_is_allowed(void **state)
{
    struct mh_lease_record before = record("hostA", NULL, NULL, false, 0);
    struct mh_lease_request r = reserve_request("hostB", "hostA", "m-1");
    struct mh_lease_token token = { true, "hostA", 5 };
    struct mh_lease_result result;

    (void)state;
    r.token = &token;
    result = ok(&before, &r);
    assert_int_equal(result.transition, MH_LEASE_RESERVED);
    assert_string_equal(result.note, "");
    assert_false(result.warning);
}

static void
reserve_of_a_free_guest_with_a_token_warns_about_the_store(void **state)
{
    struct mh_lease_record before = free_record();
    struct mh_lease_request r = reserve_request("hostB", "hostA", "m-1");
    struct mh_lease_token token = { true, "hostA", 9 };
    struct mh_lease_result result;

    (void)state;
    r.token = &token;
    result = ok(&before, &r);
    assert_string_equal(result.after.pending.host, "hostB");
    assert_non_null(strstr(result.note, "do both hosts use the same lease store?"));
    assert_true(result.warning);
}

static void
reserve_of_a_free_guest_reserved_by_another_host_is_refused(void **state)
{
    struct mh_lease_record before = record(NULL, "hostC", "m-0", false, 60);
    struct mh_lease_request r = reserve_request("hostB", "hostA", "m-1");

    (void)state;
    refused(&before, &r, "reserved by host hostC");
}

static void
reserve_replaces_an_older_reservation_when_the_owner_migrates_again(void **state)
{
    struct mh_lease_record before = record("hostA", "hostC", "m-0", true, 6000);
    struct mh_lease_request r = reserve_request("hostB", "hostA", "m-1");
    struct mh_lease_result result = ok(&before, &r);

    (void)state;
    assert_string_equal(result.after.pending.host, "hostB");
    assert_string_equal(result.after.pending.migration_id, "m-1");
    assert_false(result.after.pending.confirmed);
    assert_non_null(strstr(result.note, "replaced the reservation for host hostC"));
}

static void
reserve_again_for_the_same_migration_refreshes_it(void **state)
{
    struct mh_lease_record before = record("hostA", "hostB", "m-1", false, 5);
    struct mh_lease_request r = reserve_request("hostB", "hostA", "m-1");
    struct mh_lease_result result = ok(&before, &r);

    (void)state;
    assert_int_equal(result.after.pending.expires, NOW + 300);
    assert_string_equal(result.note, "");
}

/* ---- confirm ---- */

static struct mh_lease_request
confirm_request(enum mh_lease_operation operation, const char *host, const char *migration_id)
{
    struct mh_lease_request r = request(operation, host);

    r.migration_id = migration_id;
    r.migration_expiry_s = 86400;
    return r;
}

static void
confirm_marks_the_reservation_and_extends_it(void **state)
{
    struct mh_lease_record before = record("hostA", "hostB", "m-1", false, 200);
    struct mh_lease_request r = confirm_request(MH_LEASE_CONFIRM, "hostB", "m-1");
    struct mh_lease_result result = ok(&before, &r);

    (void)state;
    assert_int_equal(result.transition, MH_LEASE_CONFIRMED);
    assert_string_equal(result.after.owner, "hostA");
    assert_true(result.after.pending.confirmed);
    assert_int_equal(result.after.pending.expires, NOW + 86400);
    assert_stamped(&result, "hostB", "confirm");
}

static void
confirm_of_an_unowned_guest_makes_the_destination_owner(void **state)
{
    struct mh_lease_record before = record(NULL, "hostB", "", false, 200);
    struct mh_lease_request r = confirm_request(MH_LEASE_CONFIRM, "hostB", "");
    struct mh_lease_result result = ok(&before, &r);

    (void)state;
    assert_string_equal(result.after.owner, "hostB");
    assert_int_equal(result.after.since, NOW);
    assert_string_equal(result.after.pending.host, "");
}

static void
confirm_without_a_reservation_is_refused(void **state)
{
    struct mh_lease_record before = record("hostA", NULL, NULL, false, 0);
    struct mh_lease_request r = confirm_request(MH_LEASE_CONFIRM, "hostB", "m-1");

    (void)state;
    refused(&before, &r, "has no pending reservation for host hostB and migration m-1");
}

static void
confirm_of_another_migrations_reservation_is_refused(void **state)
{
    struct mh_lease_record before = record("hostA", "hostB", "m-1", false, 200);
    struct mh_lease_request r = confirm_request(MH_LEASE_CONFIRM, "hostB", "m-2");

    (void)state;
    refused(&before, &r, "has no pending reservation for host hostB");
}

static void
confirm_of_another_hosts_reservation_is_refused(void **state)
{
    struct mh_lease_record before = record("hostA", "hostC", "m-1", false, 200);
    struct mh_lease_request r = confirm_request(MH_LEASE_CONFIRM, "hostB", "m-1");

    (void)state;
    refused(&before, &r, "has no pending reservation for host hostB");
}

static void
confirm_of_an_expired_reservation_is_refused(void **state)
{
    struct mh_lease_record before = record("hostA", "hostB", "m-1", false, 0);
    struct mh_lease_request r = confirm_request(MH_LEASE_CONFIRM, "hostB", "m-1");

    (void)state;
    refused(&before, &r, "has no pending reservation");
}

/* ---- start = confirm or acquire ---- */

static void
start_with_this_hosts_reservation_confirms(void **state)
{
    struct mh_lease_record before = record("hostA", "hostB", "m-1", false, 200);
    struct mh_lease_request r = confirm_request(MH_LEASE_START, "hostB", "m-1");
    struct mh_lease_result result = ok(&before, &r);

    (void)state;
    assert_int_equal(result.operation, MH_LEASE_CONFIRM);
    assert_true(result.after.pending.confirmed);
    assert_string_equal(result.after.change, "confirm");
}

static void
start_with_a_reservation_of_another_migration_acquires_and_is_refused(void **state)
{
    /* A normal start on B while B holds a reservation for a migration that
     * never reached prepare: it must not ride on that reservation. */
    struct mh_lease_record before = record("hostA", "hostB", "m-1", false, 200);
    struct mh_lease_request r = confirm_request(MH_LEASE_START, "hostB", "");

    (void)state;
    refused(&before, &r, "guest vm1 is owned by host hostA (since ");
}

static void
start_without_a_reservation_acquires(void **state)
{
    struct mh_lease_record before = free_record();
    struct mh_lease_request r = confirm_request(MH_LEASE_START, "hostA", "");
    struct mh_lease_result result = ok(&before, &r);

    (void)state;
    assert_int_equal(result.operation, MH_LEASE_ACQUIRE);
    assert_string_equal(result.after.owner, "hostA");
    assert_string_equal(result.after.change, "acquire");
}

/* ---- hand over ---- */

static void
hand_over_gives_the_guest_to_the_confirmed_destination(void **state)
{
    struct mh_lease_record before = record("hostA", "hostB", "m-1", true, 600);
    struct mh_lease_request r = request(MH_LEASE_HAND_OVER, "hostA");
    struct mh_lease_result result = ok(&before, &r);

    (void)state;
    assert_int_equal(result.transition, MH_LEASE_HANDED_OVER);
    assert_string_equal(result.after.owner, "hostB");
    assert_int_equal(result.after.since, NOW);
    assert_string_equal(result.after.pending.host, "");
    assert_stamped(&result, "hostA", "hand-over");
}

static void
hand_over_of_an_unowned_guest_to_the_confirmed_destination(void **state)
{
    struct mh_lease_record before = record(NULL, "hostB", "m-1", true, 600);
    struct mh_lease_request r = request(MH_LEASE_HAND_OVER, "hostA");
    struct mh_lease_result result = ok(&before, &r);

    (void)state;
    assert_string_equal(result.after.owner, "hostB");
}

static void
hand_over_to_an_unconfirmed_reservation_is_refused(void **state)
{
    struct mh_lease_record before = record("hostA", "hostB", "m-1", false, 600);
    struct mh_lease_request r = request(MH_LEASE_HAND_OVER, "hostA");

    (void)state;
    refused(&before, &r, "has no confirmed reservation by another host");
}

static void
hand_over_of_another_hosts_guest_is_refused(void **state)
{
    struct mh_lease_record before = record("hostC", "hostB", "m-1", true, 600);
    struct mh_lease_request r = request(MH_LEASE_HAND_OVER, "hostA");

    (void)state;
    refused(&before, &r, "is owned by host hostC, not by this host (hostA)");
}

static void
hand_over_to_an_expired_reservation_is_refused(void **state)
{
    struct mh_lease_record before = record("hostA", "hostB", "m-1", true, -10);
    struct mh_lease_request r = request(MH_LEASE_HAND_OVER, "hostA");

    (void)state;
    refused(&before, &r, "has no confirmed reservation");
}

/* ---- drop pending ---- */

static void
drop_pending_forgets_this_hosts_reservation(void **state)
{
    struct mh_lease_record before = record("hostA", "hostB", "m-1", true, 600);
    struct mh_lease_request r = confirm_request(MH_LEASE_DROP_PENDING, "hostB", "m-1");
    struct mh_lease_result result = ok(&before, &r);

    (void)state;
    assert_int_equal(result.transition, MH_LEASE_PENDING_DROPPED);
    assert_string_equal(result.after.owner, "hostA");
    assert_int_equal(result.after.since, before.since);
    assert_string_equal(result.after.pending.host, "");
    assert_stamped(&result, "hostB", "drop-pending");
}

static void
drop_pending_without_a_reservation_is_refused(void **state)
{
    struct mh_lease_record before = record("hostA", NULL, NULL, false, 0);
    struct mh_lease_request r = confirm_request(MH_LEASE_DROP_PENDING, "hostB", "m-1");

    (void)state;
    refused(&before, &r, "has no pending reservation for host hostB to drop");
}

static void
drop_pending_of_another_migration_is_refused(void **state)
{
    struct mh_lease_record before = record("hostA", "hostB", "m-1", true, 600);
    struct mh_lease_request r = confirm_request(MH_LEASE_DROP_PENDING, "hostB", "m-2");

    (void)state;
    refused(&before, &r, "to drop");
}

/* ---- release ---- */

static void
release_by_the_owner_frees_the_guest(void **state)
{
    struct mh_lease_record before = record("hostA", "hostB", "m-1", false, 60);
    struct mh_lease_request r = request(MH_LEASE_RELEASE, "hostA");
    struct mh_lease_result result = ok(&before, &r);

    (void)state;
    assert_int_equal(result.transition, MH_LEASE_RELEASED);
    assert_string_equal(result.after.owner, "");
    assert_int_equal(result.after.since, 0);
    assert_string_equal(result.after.pending.host, "");
    assert_stamped(&result, "hostA", "release");
}

static void
release_of_another_hosts_guest_is_refused(void **state)
{
    struct mh_lease_record before = record("hostB", NULL, NULL, false, 0);
    struct mh_lease_request r = request(MH_LEASE_RELEASE, "hostA");

    (void)state;
    refused(&before, &r, "is owned by host hostB, not by this host (hostA)");
}

static void
release_of_a_free_guest_is_refused(void **state)
{
    struct mh_lease_record before = free_record();
    struct mh_lease_request r = request(MH_LEASE_RELEASE, "hostA");

    (void)state;
    refused(&before, &r, "is not owned by any host");
}

/* ---- break ---- */

static void
break_forgets_owner_and_reservation(void **state)
{
    struct mh_lease_record before = record("hostB", "hostC", "m-1", true, 600);
    struct mh_lease_request r = request(MH_LEASE_BREAK, "hostA");
    struct mh_lease_result result = ok(&before, &r);

    (void)state;
    assert_int_equal(result.transition, MH_LEASE_BROKEN);
    assert_string_equal(result.after.owner, "");
    assert_string_equal(result.after.pending.host, "");
    assert_stamped(&result, "hostA", "break");
}

static void
break_of_a_missing_record_is_refused(void **state)
{
    struct mh_lease_record before;
    struct mh_lease_request r = request(MH_LEASE_BREAK, "hostA");

    (void)state;
    mh_lease_record_init(&before, UUID);
    refused(&before, &r, "has no lease record");
}

static void
break_pending_keeps_the_owner(void **state)
{
    struct mh_lease_record before = record("hostB", "hostC", "m-1", true, 600);
    struct mh_lease_request r = request(MH_LEASE_BREAK_PENDING, "hostA");
    struct mh_lease_result result = ok(&before, &r);

    (void)state;
    assert_string_equal(result.after.owner, "hostB");
    assert_int_equal(result.after.since, before.since);
    assert_string_equal(result.after.pending.host, "");
    assert_stamped(&result, "hostA", "break-pending");
}

static void
break_pending_without_a_reservation_changes_nothing(void **state)
{
    struct mh_lease_record before = record("hostB", NULL, NULL, false, 0);
    struct mh_lease_request r = request(MH_LEASE_BREAK_PENDING, "hostA");
    struct mh_lease_result result = ok(&before, &r);

    (void)state;
    assert_int_equal(result.transition, MH_LEASE_UNCHANGED);
    assert_false(result.changed);
    assert_int_equal(result.after.generation, before.generation);
}

/* ---- stopped = hand over, drop pending or release ---- */

static struct mh_lease_result
stop(const struct mh_lease_record *before, const char *host, const char *reason,
     const char *migration_id)
{
    struct mh_lease_request r = request(MH_LEASE_STOPPED, host);

    r.stop_reason = reason;
    r.migration_id = migration_id;
    return ok(before, &r);
}

static void
stopped_source_after_a_migration_hands_over(void **state)
{
    struct mh_lease_record before = record("hostA", "hostB", "m-1", true, 600);
    struct mh_lease_result with_dash = stop(&before, "hostA", "-", "m-1");
    struct mh_lease_result with_reason = stop(&before, "hostA", "migrated", "");

    (void)state;
    assert_int_equal(with_dash.operation, MH_LEASE_HAND_OVER);
    assert_string_equal(with_dash.after.owner, "hostB");
    assert_int_equal(with_reason.operation, MH_LEASE_HAND_OVER);
    assert_string_equal(with_reason.after.owner, "hostB");
}

static void
stopped_source_with_a_reason_that_is_not_migration_releases(void **state)
{
    static const char *const reasons[] = { "destroyed", "shutdown", "crashed", "from snapshot" };
    struct mh_lease_record before = record("hostA", "hostB", "m-1", true, 600);

    (void)state;
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
        struct mh_lease_result result = stop(&before, "hostA", reasons[i], "");

        assert_int_equal(result.operation, MH_LEASE_RELEASE);
        assert_string_equal(result.after.owner, "");
        assert_string_equal(result.after.pending.host, "");
        assert_non_null(strstr(result.note, "did not hand over to host hostB"));
    }
}

static void
stopped_destination_after_a_failed_migration_drops_its_reservation(void **state)
{
    struct mh_lease_record before = record("hostA", "hostB", "m-1", true, 600);
    struct mh_lease_result result = stop(&before, "hostB", "-", "m-1");

    (void)state;
    assert_int_equal(result.operation, MH_LEASE_DROP_PENDING);
    assert_string_equal(result.after.owner, "hostA");
    assert_string_equal(result.after.pending.host, "");
}

static void
stopped_owner_releases(void **state)
{
    struct mh_lease_record before = record("hostA", NULL, NULL, false, 0);
    struct mh_lease_result result = stop(&before, "hostA", "-", "");

    (void)state;
    assert_int_equal(result.operation, MH_LEASE_RELEASE);
    assert_int_equal(result.transition, MH_LEASE_RELEASED);
    assert_string_equal(result.after.owner, "");
}

static void
stopped_owner_with_an_unconfirmed_reservation_releases(void **state)
{
    struct mh_lease_record before = record("hostA", "hostB", "m-1", false, 60);
    struct mh_lease_result result = stop(&before, "hostA", "-", "");

    (void)state;
    assert_int_equal(result.operation, MH_LEASE_RELEASE);
    assert_string_equal(result.after.owner, "");
    assert_string_equal(result.after.pending.host, "");
}

static void
stopped_on_a_host_that_does_not_own_it_changes_nothing(void **state)
{
    struct mh_lease_record owned = record("hostB", NULL, NULL, false, 0);
    struct mh_lease_record nobody = free_record();
    struct mh_lease_result a = stop(&owned, "hostA", "-", "");
    struct mh_lease_result b = stop(&nobody, "hostA", "-", "");

    (void)state;
    assert_int_equal(a.transition, MH_LEASE_UNCHANGED);
    assert_false(a.changed);
    assert_non_null(strstr(a.note, "not ours: owned by host hostB"));
    assert_int_equal(b.transition, MH_LEASE_UNCHANGED);
    assert_non_null(strstr(b.note, "not ours: nobody owns it"));
}

/* ---- bad requests are errors, not refusals ---- */

static void
bad_requests_are_errors(void **state)
{
    struct mh_lease_record before = free_record();
    struct mh_lease_request r = request(MH_LEASE_ACQUIRE, "hostA");
    struct mh_lease_result result;
    struct mh_error err = { { 0 } };

    (void)state;
    r.uuid = "../../etc/passwd";
    assert_int_equal(mh_lease_apply(&before, &r, &result, &err), -1);
    assert_false(result.refused);
    assert_non_null(strstr(err.message, "is not a guest UUID"));
    r = request(MH_LEASE_ACQUIRE, "-bad host");
    assert_int_equal(mh_lease_apply(&before, &r, &result, &err), -1);
    assert_false(result.refused);
    r = reserve_request("hostB", "host/A", "m-1");
    assert_int_equal(mh_lease_apply(&before, &r, &result, &err), -1);
    assert_false(result.refused);
    r = reserve_request("hostB", "hostA", "m_1;rm");
    assert_int_equal(mh_lease_apply(&before, &r, &result, &err), -1);
    assert_false(result.refused);
}

/* ---- whole migrations, as the hooks of both hosts call them ---- */

struct cluster {
    struct mh_lease_record record;
};

static void
call(struct cluster *cluster, enum mh_lease_operation operation, const char *host,
     const char *source, const char *migration_id, const char *reason, int expect)
{
    struct mh_lease_request r = request(operation, host);
    struct mh_lease_result result;
    struct mh_error err = { { 0 } };
    int ret;

    r.source_host = source;
    r.migration_id = migration_id;
    r.stop_reason = reason;
    r.pending_expiry_s = 300;
    r.migration_expiry_s = 86400;
    ret = mh_lease_apply(&cluster->record, &r, &result, &err);
    if (ret != expect)
        fail_msg("%s on %s: expected %d, got %d (%s)", mh_lease_operation_name(operation), host,
                 expect, ret, err.message);
    if (ret == 0)
        cluster->record = result.after;
}

static void
successful_migration_a_to_b_and_back(void **state)
{
    struct cluster c;

    (void)state;
    mh_lease_record_init(&c.record, UUID);
    call(&c, MH_LEASE_START, "hostA", "", "", "-", 0);           /* A: prepare begin */
    call(&c, MH_LEASE_RESERVE, "hostB", "hostA", "m-1", "-", 0); /* B: migrate begin */
    call(&c, MH_LEASE_START, "hostB", "", "m-1", "-", 0);        /* B: prepare begin */
    assert_string_equal(c.record.owner, "hostA");
    call(&c, MH_LEASE_START, "hostC", "", "", "-", -1);          /* C may not start it */
    call(&c, MH_LEASE_STOPPED, "hostA", "", "", "-", 0);         /* A: stopped end */
    assert_string_equal(c.record.owner, "hostB");
    call(&c, MH_LEASE_STOPPED, "hostA", "", "", "-", 0);         /* A: release end */
    assert_string_equal(c.record.owner, "hostB");
    assert_string_equal(c.record.pending.host, "");
    call(&c, MH_LEASE_START, "hostA", "", "", "-", -1);          /* A may not start it now */
    /* and back */
    call(&c, MH_LEASE_RESERVE, "hostA", "hostB", "m-2", "-", 0);
    call(&c, MH_LEASE_START, "hostA", "", "m-2", "-", 0);
    call(&c, MH_LEASE_STOPPED, "hostB", "", "", "migrated", 0);
    assert_string_equal(c.record.owner, "hostA");
    assert_int_equal(c.record.generation, 7);
}

static void
failed_migration_leaves_the_source_owner_and_no_reservation(void **state)
{
    struct cluster c;

    (void)state;
    mh_lease_record_init(&c.record, UUID);
    call(&c, MH_LEASE_START, "hostA", "", "", "-", 0);
    call(&c, MH_LEASE_RESERVE, "hostB", "hostA", "m-1", "-", 0);
    call(&c, MH_LEASE_START, "hostB", "", "m-1", "-", 0);
    call(&c, MH_LEASE_STOPPED, "hostB", "", "m-1", "-", 0);      /* B's QEMU died */
    call(&c, MH_LEASE_STOPPED, "hostB", "", "m-1", "-", 0);      /* B: release end */
    assert_string_equal(c.record.owner, "hostA");
    assert_string_equal(c.record.pending.host, "");
    call(&c, MH_LEASE_START, "hostB", "", "", "-", -1);
    call(&c, MH_LEASE_STOPPED, "hostA", "", "", "-", 0);         /* later, a normal stop */
    assert_string_equal(c.record.owner, "");
}

static void
source_stopped_before_the_destination_confirmed_releases(void **state)
{
    struct cluster c;

    (void)state;
    mh_lease_record_init(&c.record, UUID);
    call(&c, MH_LEASE_START, "hostA", "", "", "-", 0);
    call(&c, MH_LEASE_RESERVE, "hostB", "hostA", "m-1", "-", 0);
    call(&c, MH_LEASE_STOPPED, "hostA", "", "", "-", 0);         /* shut down meanwhile */
    assert_string_equal(c.record.owner, "");
    assert_string_equal(c.record.pending.host, "");
    /* B's prepare begin finds no reservation and acquires the free guest;
     * its QEMU then fails (no source) and B releases it again. */
    call(&c, MH_LEASE_START, "hostB", "", "m-1", "-", 0);
    call(&c, MH_LEASE_STOPPED, "hostB", "", "m-1", "-", 0);
    assert_string_equal(c.record.owner, "");
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(acquire_free_record_is_taken),
        cmocka_unit_test(acquire_of_a_never_stored_guest_starts_at_generation_one),
        cmocka_unit_test(acquire_by_the_owner_again_is_allowed),
        cmocka_unit_test(acquire_of_another_hosts_guest_is_refused_with_the_exact_message),
        cmocka_unit_test(acquire_while_another_host_holds_a_reservation_is_refused),
        cmocka_unit_test(acquire_ignores_and_cleans_an_expired_reservation),
        cmocka_unit_test(acquire_by_the_owner_with_a_confirmed_migration_away_is_refused),
        cmocka_unit_test(acquire_by_the_owner_clears_an_unconfirmed_reservation),
        cmocka_unit_test(acquire_clears_this_hosts_own_stale_reservation),
        cmocka_unit_test(reserve_from_the_owner_records_a_pending_reservation),
        cmocka_unit_test(reserve_naming_this_host_as_source_is_refused),
        cmocka_unit_test(reserve_without_a_cookie_of_a_free_guest_is_allowed),
        cmocka_unit_test(reserve_without_a_cookie_of_an_owned_guest_is_refused),
        cmocka_unit_test(reserve_from_a_source_that_does_not_own_the_guest_is_refused),
        cmocka_unit_test(reserve_with_a_token_naming_another_owner_is_refused),
        cmocka_unit_test(reserve_with_a_matching_token_is_allowed),
        cmocka_unit_test(reserve_of_a_free_guest_with_a_token_warns_about_the_store),
        cmocka_unit_test(reserve_of_a_free_guest_reserved_by_another_host_is_refused),
        cmocka_unit_test(reserve_replaces_an_older_reservation_when_the_owner_migrates_again),
        cmocka_unit_test(reserve_again_for_the_same_migration_refreshes_it),
        cmocka_unit_test(confirm_marks_the_reservation_and_extends_it),
        cmocka_unit_test(confirm_of_an_unowned_guest_makes_the_destination_owner),
        cmocka_unit_test(confirm_without_a_reservation_is_refused),
        cmocka_unit_test(confirm_of_another_migrations_reservation_is_refused),
        cmocka_unit_test(confirm_of_another_hosts_reservation_is_refused),
        cmocka_unit_test(confirm_of_an_expired_reservation_is_refused),
        cmocka_unit_test(start_with_this_hosts_reservation_confirms),
        cmocka_unit_test(start_with_a_reservation_of_another_migration_acquires_and_is_refused),
        cmocka_unit_test(start_without_a_reservation_acquires),
        cmocka_unit_test(hand_over_gives_the_guest_to_the_confirmed_destination),
        cmocka_unit_test(hand_over_of_an_unowned_guest_to_the_confirmed_destination),
        cmocka_unit_test(hand_over_to_an_unconfirmed_reservation_is_refused),
        cmocka_unit_test(hand_over_of_another_hosts_guest_is_refused),
        cmocka_unit_test(hand_over_to_an_expired_reservation_is_refused),
        cmocka_unit_test(drop_pending_forgets_this_hosts_reservation),
        cmocka_unit_test(drop_pending_without_a_reservation_is_refused),
        cmocka_unit_test(drop_pending_of_another_migration_is_refused),
        cmocka_unit_test(release_by_the_owner_frees_the_guest),
        cmocka_unit_test(release_of_another_hosts_guest_is_refused),
        cmocka_unit_test(release_of_a_free_guest_is_refused),
        cmocka_unit_test(break_forgets_owner_and_reservation),
        cmocka_unit_test(break_of_a_missing_record_is_refused),
        cmocka_unit_test(break_pending_keeps_the_owner),
        cmocka_unit_test(break_pending_without_a_reservation_changes_nothing),
        cmocka_unit_test(stopped_source_after_a_migration_hands_over),
        cmocka_unit_test(stopped_source_with_a_reason_that_is_not_migration_releases),
        cmocka_unit_test(stopped_destination_after_a_failed_migration_drops_its_reservation),
        cmocka_unit_test(stopped_owner_releases),
        cmocka_unit_test(stopped_owner_with_an_unconfirmed_reservation_releases),
        cmocka_unit_test(stopped_on_a_host_that_does_not_own_it_changes_nothing),
        cmocka_unit_test(bad_requests_are_errors),
        cmocka_unit_test(successful_migration_a_to_b_and_back),
        cmocka_unit_test(failed_migration_leaves_the_source_owner_and_no_reservation),
        cmocka_unit_test(source_stopped_before_the_destination_confirmed_releases),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
