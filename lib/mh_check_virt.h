/* mh_check_virt.h - the pre-migration checks from an operator's seat
 * (mh-check): facts of both hosts through their libvirt connections, the
 * guest's XML from the source, external checks run here. Links libvirt. */
#ifndef MH_CHECK_VIRT_H
#define MH_CHECK_VIRT_H

struct mh_check_report;
struct mh_conf;
struct mh_error;

/* Run every check for moving domain (name or UUID) from source_uri (NULL:
 * libvirt's default) to destination_uri, adding the results to report.
 * Returns -1 when the checks could not be run at all. */
int mh_check_virt_run(const char *source_uri, const char *destination_uri, const char *domain,
                      const struct mh_conf *conf, struct mh_check_report *report,
                      struct mh_error *err);

#endif
