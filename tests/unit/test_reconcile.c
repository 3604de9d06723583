/* test_reconcile.c - what mh-agent does with a guest a migration left
 * paused: the decision over lease and peer states, the candidates, and
 * the peer URI template. */
#include "mh_test.h"

#include "mh_reconcile.h"

static struct mh_reconcile_input
paused(const char *owner, const char *pending, bool confirmed, enum mh_confirm_copy peer)
{
    struct mh_reconcile_input input;

    memset(&input, 0, sizeof(input));
    input.paused_by_migration = true;
    input.leases_enabled = true;
    input.lease_found = true;
    input.this_host = "hv-a";
    input.owner = owner;
    input.pending_host = pending;
    input.pending_confirmed = confirmed;
    input.peer_copy = peer;
    input.peer_uri = "qemu+ssh://hv-b/system";
    return input;
}

static enum mh_reconcile_action
decide(const struct mh_reconcile_input *input, char *reason, size_t size)
{
    enum mh_reconcile_action action;

    mh_reconcile_decide(input, &action, reason, size);
    return action;
}

/* Positive: ours and nobody else has a copy -> resume. */
static void
resumes_when_the_lease_is_ours_and_no_one_else_has_it(void **state)
{
    struct mh_reconcile_input input = paused("hv-a", "", false, MH_COPY_UNKNOWN);
    char reason[512];
    (void)state;
    assert_int_equal(decide(&input, reason, sizeof(reason)), MH_RECONCILE_RESUME);
    assert_non_null(strstr(reason, "still this host's"));
    input = paused("hv-a", "hv-b", true, MH_COPY_ABSENT);
    assert_int_equal(decide(&input, reason, sizeof(reason)), MH_RECONCILE_RESUME);
    assert_non_null(strstr(reason, "hv-b has no copy"));
}

/* Negative: never resume while the reserving host has (or may have) a copy. */
static void
never_resumes_while_the_reserving_host_may_run_it(void **state)
{
    static const enum mh_confirm_copy copies[] = { MH_COPY_PAUSED, MH_COPY_POSTCOPY,
                                                   MH_COPY_UNKNOWN };
    char reason[512];
    (void)state;
    for (size_t i = 0; i < sizeof(copies) / sizeof(copies[0]); i++) {
        struct mh_reconcile_input input = paused("hv-a", "hv-b", true, copies[i]);

        assert_int_equal(decide(&input, reason, sizeof(reason)), MH_RECONCILE_REPORT);
        assert_non_null(strstr(reason, "decide which one is real"));
    }
    /* Running there but its reservation never confirmed: not our call. */
    {
        struct mh_reconcile_input input = paused("hv-a", "hv-b", false, MH_COPY_RUNNING);

        assert_int_equal(decide(&input, reason, sizeof(reason)), MH_RECONCILE_REPORT);
    }
}

static void
destroys_when_the_owner_or_confirmed_destination_runs_it(void **state)
{
    struct mh_reconcile_input input = paused("hv-b", "", false, MH_COPY_RUNNING);
    char reason[512];
    (void)state;
    assert_int_equal(decide(&input, reason, sizeof(reason)), MH_RECONCILE_DESTROY);
    assert_non_null(strstr(reason, "moved to hv-b, which runs it"));
    input = paused("hv-a", "hv-b", true, MH_COPY_RUNNING);
    assert_int_equal(decide(&input, reason, sizeof(reason)), MH_RECONCILE_DESTROY);
    assert_non_null(strstr(reason, "confirmed its reservation"));
    /* Moved, but the new owner does not run it: report. */
    input = paused("hv-b", "", false, MH_COPY_ABSENT);
    assert_int_equal(decide(&input, reason, sizeof(reason)), MH_RECONCILE_REPORT);
    assert_non_null(strstr(reason, "mh-lease"));
}

static void
reports_without_leases_or_owner_and_leaves_running_jobs(void **state)
{
    struct mh_reconcile_input input = paused("hv-a", "", false, MH_COPY_UNKNOWN);
    char reason[512];
    (void)state;
    input.leases_enabled = false;
    assert_int_equal(decide(&input, reason, sizeof(reason)), MH_RECONCILE_REPORT);
    input = paused("", "", false, MH_COPY_UNKNOWN);
    assert_int_equal(decide(&input, reason, sizeof(reason)), MH_RECONCILE_REPORT);
    input = paused("hv-a", "", false, MH_COPY_UNKNOWN);
    input.lease_found = false;
    assert_int_equal(decide(&input, reason, sizeof(reason)), MH_RECONCILE_REPORT);
    input = paused("hv-a", "", false, MH_COPY_UNKNOWN);
    input.job_active = true;
    assert_int_equal(decide(&input, reason, sizeof(reason)), MH_RECONCILE_NONE);
    input.job_active = false;
    input.paused_by_migration = false;
    assert_int_equal(decide(&input, reason, sizeof(reason)), MH_RECONCILE_NONE);
}

static void
candidates_are_migration_pauses_only(void **state)
{
    (void)state;
    assert_true(mh_reconcile_is_candidate(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_MIGRATION));
    assert_true(mh_reconcile_is_candidate(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_POSTCOPY_FAILED));
    assert_false(mh_reconcile_is_candidate(VIR_DOMAIN_PAUSED, VIR_DOMAIN_PAUSED_USER));
    assert_false(mh_reconcile_is_candidate(VIR_DOMAIN_RUNNING, VIR_DOMAIN_PAUSED_MIGRATION));
    assert_string_equal(mh_reconcile_action_name(MH_RECONCILE_DESTROY), "destroy");
}

static void
peer_uri_replaces_every_marker_and_refuses_overflow(void **state)
{
    char out[64], tiny[12];
    (void)state;
    assert_int_equal(mh_reconcile_peer_uri("qemu+ssh://{host}/system", "hv-b", out, sizeof(out)), 0);
    assert_string_equal(out, "qemu+ssh://hv-b/system");
    assert_int_equal(mh_reconcile_peer_uri("a{host}b{host}", "x", out, sizeof(out)), 0);
    assert_string_equal(out, "axbx");
    assert_int_equal(mh_reconcile_peer_uri("qemu:///system", "x", out, sizeof(out)), 0);
    assert_string_equal(out, "qemu:///system");
    assert_int_equal(mh_reconcile_peer_uri("qemu+ssh://{host}/system", "hv-b", tiny, sizeof(tiny)),
                     -1);
    assert_int_equal(mh_reconcile_peer_uri(NULL, "x", out, sizeof(out)), -1);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(resumes_when_the_lease_is_ours_and_no_one_else_has_it),
        cmocka_unit_test(never_resumes_while_the_reserving_host_may_run_it),
        cmocka_unit_test(destroys_when_the_owner_or_confirmed_destination_runs_it),
        cmocka_unit_test(reports_without_leases_or_owner_and_leaves_running_jobs),
        cmocka_unit_test(candidates_are_migration_pauses_only),
        cmocka_unit_test(peer_uri_replaces_every_marker_and_refuses_overflow),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
