/* mh_ports_file.h - port data an operator hands to `mh-ports apply
 * --from-cookie FILE` to repair a guest by hand. */
#ifndef MH_PORTS_FILE_H
#define MH_PORTS_FILE_H

#include <jansson.h>

struct mh_error;

#define MH_PORTS_COOKIE_NAMESPACE "urn:migrate-hooks:cookie:1"
/* As large as a domain XML the hook accepts by default. */
#define MH_PORTS_FILE_MAX_BYTES (8L << 20)

/* Read path ("-": standard input), which holds one of: the cookie element
 * <mh:cookie xmlns:mh="urn:migrate-hooks:cookie:1" version="1">JSON</mh:cookie>,
 * a whole domain XML whose <metadata> holds that element (virsh dumpxml),
 * the cookie's JSON content (an object with "ports"), or a bare "ports"
 * section (what `mh-ports show --json` prints has "ports" too). *section is
 * a new reference to the "ports" section, not yet validated. The file is
 * the operator's: no HMAC is checked. */
int mh_ports_file_read(const char *path, json_t **section, struct mh_error *err);

#endif
