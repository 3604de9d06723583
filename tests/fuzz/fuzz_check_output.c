/* fuzz_check_output.c - libFuzzer target: what an external check prints
 * (any bytes) and how it ended, through to the report's text and JSON.
 * Input: one byte of exit status, then the output. */
#include "mh_check.h"
#include "mh_command.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mh_command_result result = { 0 };
    struct mh_check_report report = { 0 };
    char reason[MH_CHECK_REASON_MAX];
    char lines[2048] = "refused:";
    enum mh_check_result outcome;
    json_t *json;

    if (size < 1)
        return 0;
    result.exit_status = data[0] & 0x7f;
    result.timed_out = data[0] == 0xff;
    result.signal = data[0] == 0xfe ? 9 : 0;
    result.output_length = size - 1;
    result.output = malloc(size);
    if (!result.output)
        return 0;
    memcpy(result.output, data + 1, size - 1);
    result.output[size - 1] = '\0';
    outcome = mh_check_external_outcome(&result, 1000, reason, sizeof(reason));
    if (mh_check_report_add(&report, "fuzz", outcome, true, reason) == 0) {
        mh_check_report_lines(&report, MH_CHECK_WARN, lines, sizeof(lines));
        json = mh_check_report_to_json(&report);
        /* Every item reaches the JSON report, whatever the check printed. */
        if (!json || json_array_size(json) != report.count) {
            fprintf(stderr, "fuzz_check_output: an item is missing from the JSON report\n");
            abort();
        }
        json_decref(json);
    }
    mh_check_report_free(&report);
    free(result.output);
    return 0;
}
