/* fuzz_rewrite.c - libFuzzer target: domain XML through the rewrite engine
 * with rules of every kind; the output, when there is one, must rewrite to
 * itself (the rules' targets are never sources). */
#include "mh_conf.h"
#include "mh_error.h"
#include "mh_rewrite.h"
#include "mh_xml.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char config[] =
    "{\"rewrite\": {"
    "\"bridges\": {\"br0\": \"br10\", \"br1\": {\"bridge\": \"ovs11\", \"virtualport\": "
    "\"openvswitch\"}, \"br-mgmt\": {\"network\": \"mgmt\"}},"
    "\"networks\": {\"default\": {\"bridge\": \"ovs20\", \"virtualport\": \"openvswitch\"}, "
    "\"office\": \"office2\"},"
    "\"disk_prefixes\": {\"/var/lib/libvirt/images\": \"/srv/images\", \"/dev/vg0\": "
    "\"/dev/vg1\"},"
    "\"chardev_prefixes\": {\"/var/log/vm\": \"/srv/log/vm\"},"
    "\"graphics_listen\": {\"192.0.2.10\": \"192.0.2.20\", \"192.0.2.20\": \"192.0.2.20\", "
    "\"*\": \"0.0.0.0\"},"
    "\"emulator\": {\"/usr/libexec/qemu-kvm\": \"/usr/bin/qemu-system-x86_64\"},"
    "\"cpus\": {\"map\": {\"0-9\": \"20-29\", \"20-29\": \"20-29\"}, \"max\": 31},"
    "\"nodes\": {\"map\": {\"0\": 1, \"1\": 1}},"
    "\"attributes\": [{\"path\": \"os/nvram\", \"from\": \"/var/lib/libvirt/qemu/nvram\", "
    "\"to\": \"/srv/nvram\", \"prefix\": true}]"
    "}}";

static struct mh_conf conf;
static struct mh_rewrite_rules *rules;

static int rewrite(const char *text, size_t length, struct mh_rewrite_result *result);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct mh_rewrite_result result, again;

    if (!rules) {
        struct mh_error err = { { 0 } };

        if (mh_conf_load_text(&conf, config, strlen(config), "fuzz.json", &err) < 0 ||
            !(rules = mh_rewrite_rules_new(conf.rewrite, &err))) {
            fprintf(stderr, "fuzz_rewrite: %s\n", err.message);
            abort();
        }
    }
    if (rewrite((const char *)data, size, &result) < 0 || !result.changed) {
        mh_rewrite_result_free(&result);
        return 0;
    }
    if (rewrite(result.output, result.output_length, &again) < 0 || again.changed) {
        fprintf(stderr, "fuzz_rewrite: rewriting the output again %s\n",
                again.changed ? "changed it" : "failed");
        abort();
    }
    mh_rewrite_result_free(&again);
    mh_rewrite_result_free(&result);
    return 0;
}

static int
rewrite(const char *text, size_t length, struct mh_rewrite_result *result)
{
    struct mh_error err = { { 0 } };
    xmlDoc *doc = mh_xml_parse(text, length, "fuzz.xml", &err);
    int ret;

    memset(result, 0, sizeof(*result));
    if (!doc)
        return -1;
    ret = mh_rewrite_apply(rules, doc, text, length, result, &err);
    mh_xml_free_doc(doc);
    return ret;
}
