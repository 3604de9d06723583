/* rewrite.c - CPU cost of the XML rewrite at 10 KB, 100 KB and 1 MB.
 *
 * Builds domain XMLs of those sizes (a realistic head plus repeated NICs
 * and disks that the rules rewrite), then measures, per document, the CPU
 * time of what the hook does: parse the XML (mh_xml_parse, which the hook
 * does anyway) and rewrite it (mh_rewrite_apply: plan, patch the text,
 * re-parse and compare, check guest-visible parts). Prints min/median/max,
 * the cost per KB, and each size's cost per KB relative to 10 KB's (1.0 is
 * perfectly linear). The goal: a 10 KB rewrite under 1 ms of CPU.
 *
 * Parsing alone (libxml2) is timed the same way, as the floor; the last
 * column, the whole cost over the parse alone, shows whether the rewrite
 * stays linear. glibc is told to keep the memory it gets: otherwise it
 * hands megabytes back to the kernel after each 1 MB run and faults them
 * in again on the next, a cost of the allocator in a long-lived loop that
 * a one-shot hook process does not have in that form.
 *
 *   make bench        (builds build/bench/rewrite and runs it) */
#include "mh_buffer.h"
#include "mh_conf.h"
#include "mh_error.h"
#include "mh_rewrite.h"
#include "mh_xml.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GOAL_MS_AT_10KB 1.0

static const char config[] =
    "{\"rewrite\": {"
    "\"bridges\": {\"br0\": \"br1\", \"ovs0\": {\"bridge\": \"br2\", \"virtualport\": \"none\"}},"
    "\"disk_prefixes\": {\"/var/lib/libvirt/images\": \"/srv/images\"},"
    "\"graphics_listen\": {\"*\": \"0.0.0.0\"},"
    "\"cpus\": {\"shift\": 8}}}";

static const char head[] =
    "<domain type='kvm'>\n"
    "  <name>bench</name>\n"
    "  <uuid>4dea22b3-1d52-d8f3-2516-782e98ab3fa0</uuid>\n"
    "  <metadata>\n"
    "    <app:info xmlns:app='urn:example:app'><app:owner>ops</app:owner></app:info>\n"
    "  </metadata>\n"
    "  <memory unit='KiB'>4194304</memory>\n"
    "  <currentMemory unit='KiB'>4194304</currentMemory>\n"
    "  <vcpu placement='static'>4</vcpu>\n"
    "  <cputune>\n"
    "    <vcpupin vcpu='0' cpuset='0'/>\n"
    "    <vcpupin vcpu='1' cpuset='1'/>\n"
    "    <vcpupin vcpu='2' cpuset='2'/>\n"
    "    <vcpupin vcpu='3' cpuset='3'/>\n"
    "    <emulatorpin cpuset='0-3'/>\n"
    "  </cputune>\n"
    "  <os>\n"
    "    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>\n"
    "  </os>\n"
    "  <features>\n"
    "    <acpi/>\n"
    "    <apic/>\n"
    "  </features>\n"
    "  <cpu mode='host-model' check='partial'/>\n"
    "  <clock offset='utc'/>\n"
    "  <devices>\n"
    "    <emulator>/usr/bin/qemu-system-x86_64</emulator>\n"
    "    <graphics type='vnc' port='-1' autoport='yes' listen='192.0.2.10'>\n"
    "      <listen type='address' address='192.0.2.10'/>\n"
    "    </graphics>\n";

static const char tail[] = "  </devices>\n</domain>\n";

/* One NIC and one disk, about 700 bytes, each rewritten by the rules. */
static void
add_devices(struct mh_buffer *out, unsigned n)
{
    mh_buffer_printf(out,
                     "    <interface type='bridge'>\n"
                     "      <mac address='52:54:00:%02x:%02x:%02x'/>\n"
                     "      <source bridge='%s'/>\n"
                     "      <virtualport type='openvswitch'>\n"
                     "        <parameters interfaceid='3f6c0a4e-2d6b-4b8e-9b51-%012x'/>\n"
                     "      </virtualport>\n"
                     "      <model type='virtio'/>\n"
                     "      <address type='pci' domain='0x0000' bus='0x%02x' slot='0x%02x' "
                     "function='0x0'/>\n"
                     "    </interface>\n"
                     "    <disk type='file' device='disk'>\n"
                     "      <driver name='qemu' type='qcow2' cache='none' io='native'/>\n"
                     "      <source file='/var/lib/libvirt/images/bench-disk-%u.qcow2'/>\n"
                     "      <target dev='vd%c%c' bus='virtio'/>\n"
                     "      <address type='pci' domain='0x0000' bus='0x%02x' slot='0x%02x' "
                     "function='0x1'/>\n"
                     "    </disk>\n",
                     (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff, n % 2 ? "ovs0" : "br0", n,
                     (n / 32) & 0xff, n % 32, n, 'a' + (n / 26) % 26, 'a' + n % 26,
                     (n / 32) & 0xff, n % 32);
}

static char *
make_domain(size_t target, size_t *length)
{
    struct mh_buffer out = { 0 };

    mh_buffer_append_string(&out, head);
    for (unsigned n = 0; out.length + sizeof(tail) < target; n++)
        add_devices(&out, n);
    mh_buffer_append_string(&out, tail);
    return mh_buffer_take(&out, length);
}

static double
cpu_ms(void)
{
    struct timespec now;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    return (double)now.tv_sec * 1e3 + (double)now.tv_nsec / 1e6;
}

static int
compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

int
main(void)
{
    static const struct {
        const char *label;
        size_t bytes;
        int runs;
    } sizes[] = {
        { "10 KB", 10 * 1024, 2000 },
        { "100 KB", 100 * 1024, 200 },
        { "1 MB", 1024 * 1024, 30 },
    };
    struct mh_error err = { { 0 } };
    struct mh_conf conf;
    struct mh_rewrite_rules *rules;
    double per_kb_at_10kb = 0, median_at_10kb = 0;
    int status = 0;

    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    if (mh_conf_load_text(&conf, config, strlen(config), "bench", &err) < 0 ||
        !(rules = mh_rewrite_rules_new(conf.rewrite, &err))) {
        fprintf(stderr, "bench: %s\n", err.message);
        return 1;
    }
    printf("XML rewrite, CPU time per document (parse + rewrite, as in the hook)\n");
    printf("%-7s %9s %6s %9s %9s %9s %9s %8s %9s %9s %8s\n", "size", "bytes", "runs", "min ms",
           "median", "max ms", "us/KB", "ratio", "rewrite", "parse", "x parse");
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        size_t length;
        char *text = make_domain(sizes[s].bytes, &length);
        double *times = calloc((size_t)sizes[s].runs, sizeof(*times));
        double *rewrite_times = calloc((size_t)sizes[s].runs, sizeof(*rewrite_times));
        double *parse_times = calloc((size_t)sizes[s].runs, sizeof(*parse_times));
        double kb = (double)length / 1024.0, per_kb;

        if (!text || !times || !rewrite_times || !parse_times) {
            fprintf(stderr, "bench: out of memory\n");
            return 1;
        }
        for (int run = 0; run < sizes[s].runs; run++) {
            struct mh_rewrite_result result;
            double start = cpu_ms(), parsed;
            xmlDoc *doc = mh_xml_parse(text, length, "bench", &err);

            parsed = cpu_ms();
            if (!doc || mh_rewrite_apply(rules, doc, text, length, &result, &err) < 0 ||
                !result.changed || result.reserialized) {
                fprintf(stderr, "bench: %s\n", err.message[0] ? err.message : "no change");
                return 1;
            }
            times[run] = cpu_ms() - start;
            rewrite_times[run] = cpu_ms() - parsed;
            mh_rewrite_result_free(&result);
            mh_xml_free_doc(doc);

            start = cpu_ms();
            doc = mh_xml_parse(text, length, "bench", &err);
            parse_times[run] = cpu_ms() - start;
            mh_xml_free_doc(doc);
        }
        qsort(parse_times, (size_t)sizes[s].runs, sizeof(*parse_times), compare_doubles);
        qsort(times, (size_t)sizes[s].runs, sizeof(*times), compare_doubles);
        qsort(rewrite_times, (size_t)sizes[s].runs, sizeof(*rewrite_times), compare_doubles);
        per_kb = times[sizes[s].runs / 2] / kb * 1000.0;
        if (s == 0) {
            per_kb_at_10kb = per_kb;
            median_at_10kb = times[sizes[s].runs / 2];
        }
        printf("%-7s %9zu %6d %9.3f %9.3f %9.3f %9.2f %8.2f %9.3f %9.3f %8.2f\n",
               sizes[s].label, length, sizes[s].runs, times[0], times[sizes[s].runs / 2],
               times[sizes[s].runs - 1], per_kb, per_kb / per_kb_at_10kb,
               rewrite_times[sizes[s].runs / 2], parse_times[sizes[s].runs / 2],
               times[sizes[s].runs / 2] / parse_times[sizes[s].runs / 2]);
        free(times);
        free(parse_times);
        free(rewrite_times);
        free(text);
    }
    printf("columns: min/median/max of parse + rewrite; us/KB and its ratio to 10 KB's\n"
           "(1.00 = linear); median of the rewrite alone and of the parse alone; and\n"
           "parse + rewrite over parse alone (constant = the rewrite is linear).\n");
    printf("goal: 10 KB under %.1f ms of CPU: %s (median %.3f ms)\n", GOAL_MS_AT_10KB,
           median_at_10kb < GOAL_MS_AT_10KB ? "met" : "NOT MET", median_at_10kb);
    if (median_at_10kb >= GOAL_MS_AT_10KB)
        status = 1;
    mh_rewrite_rules_free(rules);
    mh_conf_free(&conf);
    return status;
}
