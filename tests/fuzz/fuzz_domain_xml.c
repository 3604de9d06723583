/* fuzz_domain_xml.c - libFuzzer target: domain XML as the hook reads it. */
#include "mh_error.h"
#include "mh_xml.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mh_error err = { { 0 } };
    char name[256], uuid[MH_UUID_LENGTH + 1];
    char *out = NULL;
    size_t length;
    xmlDoc *doc = mh_xml_parse((const char *)data, size, "fuzz.xml", &err);

    if (!doc)
        return 0;
    mh_xml_domain_identity(doc, name, sizeof(name), uuid, &err);
    if (mh_xml_serialize(doc, &out, &length, &err) == 0)
        free(out);
    mh_xml_free_doc(doc);
    return 0;
}
