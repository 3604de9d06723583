/* fuzz_xml_summary.c - libFuzzer target: the expat reading of a domain's
 * identity and cookie (mh_xml_domain_summary) against the libxml2 one as an
 * oracle; any difference but the documented ones (identity_oracle.h)
 * aborts. */
#include "identity_oracle.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct identity_reading libxml, expat;
    const char *difference = identity_oracle_check((const char *)data, size, &libxml, &expat);

    if (difference) {
        fprintf(stderr, "libxml2 and expat disagree: %s\nlibxml2: %d \"%s\"\nexpat: %d \"%s\"\n",
                difference, libxml.status, libxml.message, expat.status, expat.message);
        abort();
    }
    identity_oracle_free(&libxml);
    identity_oracle_free(&expat);
    return 0;
}
