/* fuzz_config.c - libFuzzer target: configuration text. */
#include "mh_conf.h"
#include "mh_error.h"

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mh_error err = { { 0 } };
    struct mh_conf conf;

    mh_conf_load_text(&conf, (const char *)data, size, "fuzz.json", &err);
    mh_conf_free(&conf);
    return 0;
}
