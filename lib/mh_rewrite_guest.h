/* mh_rewrite_guest.h - the guest-visible parts of a domain XML (MACs,
 * models, addresses, memory, vCPUs, machine, CPU, targets, MTU...), which a
 * rewrite must leave exactly as they were: libvirt refuses a migration that
 * changes them, and the engine checks its own result before libvirt does. */
#ifndef MH_REWRITE_GUEST_H
#define MH_REWRITE_GUEST_H

#include "mh_libxml.h"

#include <stddef.h>

struct mh_error;

/* A canonical text of doc's guest-visible parts, one "PATH\tNAME=VALUE"
 * line each, in document order; a new string the caller frees. */
char *mh_rewrite_guest_fingerprint(const xmlDoc *doc, size_t *length);

/* 0 when two fingerprints agree; otherwise -1 naming the first part that
 * differs (never its value). */
int mh_rewrite_guest_compare(const char *before, size_t before_length, const char *after,
                             size_t after_length, struct mh_error *err);

#endif
