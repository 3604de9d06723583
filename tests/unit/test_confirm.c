/* test_confirm.c - the confirm decision over every pair of copies, and
 * mh_migrate_params' flags and typed parameters. */
#include "mh_test.h"

#include "mh_confirm.h"
#include "mh_migrate.h"

struct row {
    enum mh_confirm_copy source, destination;
    enum mh_confirm_action action;
    enum mh_confirm_outcome outcome;
    const char *says;
};

/* The whole table: five states on each side. */
static const struct row rows[] = {
    { MH_COPY_ABSENT, MH_COPY_RUNNING, MH_CONFIRM_NOTHING, MH_OUTCOME_MIGRATED, "destination only" },
    { MH_COPY_PAUSED, MH_COPY_RUNNING, MH_CONFIRM_DESTROY_SOURCE, MH_OUTCOME_MIGRATED, "destroying the paused copy" },
    { MH_COPY_POSTCOPY, MH_COPY_RUNNING, MH_CONFIRM_DESTROY_SOURCE, MH_OUTCOME_MIGRATED, "destroying" },
    { MH_COPY_RUNNING, MH_COPY_RUNNING, MH_CONFIRM_NOTHING, MH_OUTCOME_OPERATOR, "runs on both hosts" },
    { MH_COPY_UNKNOWN, MH_COPY_RUNNING, MH_CONFIRM_NOTHING, MH_OUTCOME_OPERATOR, "cannot be asked" },
    { MH_COPY_RUNNING, MH_COPY_ABSENT, MH_CONFIRM_NOTHING, MH_OUTCOME_STAYED, "keeps running on the source" },
    { MH_COPY_RUNNING, MH_COPY_PAUSED, MH_CONFIRM_NOTHING, MH_OUTCOME_STAYED, "paused incoming copy" },
    { MH_COPY_RUNNING, MH_COPY_UNKNOWN, MH_CONFIRM_NOTHING, MH_OUTCOME_STAYED, "keeps running" },
    { MH_COPY_PAUSED, MH_COPY_ABSENT, MH_CONFIRM_RESUME_SOURCE, MH_OUTCOME_STAYED, "resuming it" },
    { MH_COPY_PAUSED, MH_COPY_PAUSED, MH_CONFIRM_RESUME_SOURCE, MH_OUTCOME_STAYED, "resuming it" },
    { MH_COPY_PAUSED, MH_COPY_UNKNOWN, MH_CONFIRM_NOTHING, MH_OUTCOME_OPERATOR, "mh-agent --once" },
    { MH_COPY_POSTCOPY, MH_COPY_ABSENT, MH_CONFIRM_NOTHING, MH_OUTCOME_OPERATOR, "post-copy" },
    { MH_COPY_POSTCOPY, MH_COPY_POSTCOPY, MH_CONFIRM_NOTHING, MH_OUTCOME_OPERATOR, "post-copy" },
    { MH_COPY_ABSENT, MH_COPY_ABSENT, MH_CONFIRM_NOTHING, MH_OUTCOME_OPERATOR, "runs on neither host" },
    { MH_COPY_ABSENT, MH_COPY_PAUSED, MH_CONFIRM_NOTHING, MH_OUTCOME_OPERATOR, "resume it" },
    { MH_COPY_ABSENT, MH_COPY_UNKNOWN, MH_CONFIRM_NOTHING, MH_OUTCOME_OPERATOR, "runs on neither" },
    { MH_COPY_UNKNOWN, MH_COPY_ABSENT, MH_CONFIRM_NOTHING, MH_OUTCOME_OPERATOR, "cannot be asked" },
    { MH_COPY_UNKNOWN, MH_COPY_UNKNOWN, MH_CONFIRM_NOTHING, MH_OUTCOME_OPERATOR, "cannot be asked" },
};

/* Positive: the destination running the guest is a migration, whatever
 * the call said. Negative: never resume a source while the destination
 * runs it, never leave two running copies unreported. */
static void
decide_follows_the_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        struct mh_confirm_decision decision;

        mh_confirm_decide(rows[i].source, rows[i].destination, "vm1", "qemu:///src", "qemu:///dst",
                          &decision);
        if (decision.action != rows[i].action || decision.outcome != rows[i].outcome ||
            !strstr(decision.reason, rows[i].says))
            fail_msg("row %zu (%s, %s): action %d outcome %d: %s", i,
                     mh_confirm_copy_name(rows[i].source),
                     mh_confirm_copy_name(rows[i].destination), decision.action,
                     decision.outcome, decision.reason);
        if (rows[i].destination == MH_COPY_RUNNING)
            assert_int_not_equal(decision.action, MH_CONFIRM_RESUME_SOURCE);
    }
}

static void
decide_names_what_to_run(void **state)
{
    struct mh_confirm_decision decision;
    (void)state;
    mh_confirm_decide(MH_COPY_RUNNING, MH_COPY_RUNNING, "vm1", "qemu:///src", "qemu:///dst",
                      &decision);
    assert_non_null(strstr(decision.reason, "virsh -c qemu:///src destroy vm1"));
    mh_confirm_decide(MH_COPY_ABSENT, MH_COPY_PAUSED, "vm1", NULL, NULL, &decision);
    assert_non_null(strstr(decision.reason, "virsh -c the destination resume vm1"));
}

static void
copy_names_are_stable(void **state)
{
    (void)state;
    assert_string_equal(mh_confirm_copy_name(MH_COPY_POSTCOPY), "postcopy-paused");
    assert_string_equal(mh_confirm_copy_name((enum mh_confirm_copy)99), "unknown");
    assert_int_equal(mh_confirm_copy_of(NULL, (const unsigned char *)"x"), MH_COPY_UNKNOWN);
}

static void
params_carry_flags_and_typed_values(void **state)
{
    struct mh_migrate_request request = { 0 };
    struct mh_error err = { { 0 } };
    virTypedParameterPtr params = NULL;
    unsigned long long bandwidth = 0;
    const char *text = NULL;
    unsigned flags = 0;
    int count = 0;
    (void)state;

    /* libvirt's per-thread error needs it before any typed-parameter call. */
    assert_int_equal(virInitialize(), 0);
    request.p2p = true;
    request.persistent = true;
    request.undefine_source = true;
    request.postcopy = true;
    request.dname = "vm2";
    request.migrate_uri = "tcp://10.0.0.2:49152";
    request.bandwidth_mib = 100;
    assert_int_equal(mh_migrate_params(&request, &params, &count, &flags, &err), 0);
    assert_int_equal(flags, VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER | VIR_MIGRATE_PERSIST_DEST |
                                VIR_MIGRATE_UNDEFINE_SOURCE | VIR_MIGRATE_POSTCOPY);
    assert_int_equal(count, 3);
    assert_int_equal(virTypedParamsGetString(params, count, VIR_MIGRATE_PARAM_DEST_NAME, &text), 1);
    assert_string_equal(text, "vm2");
    assert_int_equal(virTypedParamsGetString(params, count, VIR_MIGRATE_PARAM_URI, &text), 1);
    assert_string_equal(text, "tcp://10.0.0.2:49152");
    assert_int_equal(
        virTypedParamsGetULLong(params, count, VIR_MIGRATE_PARAM_BANDWIDTH, &bandwidth), 1);
    assert_int_equal(bandwidth, 100);
    virTypedParamsFree(params, count);

    /* Offline and tunnelled: no LIVE; tunnelled implies peer-to-peer. */
    memset(&request, 0, sizeof(request));
    request.offline = true;
    request.tunnelled = true;
    assert_int_equal(mh_migrate_params(&request, &params, &count, &flags, &err), 0);
    assert_int_equal(flags, VIR_MIGRATE_OFFLINE | VIR_MIGRATE_PERSIST_DEST |
                                VIR_MIGRATE_PEER2PEER | VIR_MIGRATE_TUNNELLED);
    assert_int_equal(count, 0);
    virTypedParamsFree(params, count);
}

/* A direct migration without a destination connection is refused before
 * anything starts. */
static void
run_refuses_a_direct_migration_without_destination(void **state)
{
    struct mh_migrate_request request = { 0 };
    struct mh_migrate_result result;
    struct mh_error err = { { 0 } };
    (void)state;
    request.destination_uri = "qemu:///dst";
    assert_int_equal(
        mh_migrate_run(NULL, NULL, &request, 100, NULL, NULL, NULL, &result, &err), -1);
    assert_non_null(strstr(err.message, "needs a destination connection"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decide_follows_the_table),
        cmocka_unit_test(decide_names_what_to_run),
        cmocka_unit_test(copy_names_are_stable),
        cmocka_unit_test(params_carry_flags_and_typed_values),
        cmocka_unit_test(run_refuses_a_direct_migration_without_destination),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
