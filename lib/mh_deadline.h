/* mh_deadline.h - one deadline for the whole hook call. libvirt has no
 * timeout on hooks, so a hook that hangs hangs the guest's start or
 * migration: when the deadline passes, every child process group we started
 * is killed, a last line goes to stderr (and the journal) and the process
 * exits with the code the stage needs (1 fails closed, 0 lets libvirt go on). */
#ifndef MH_DEADLINE_H
#define MH_DEADLINE_H

#include <sys/types.h>

struct mh_error;

/* Arm the deadline ms from now. message (for stderr) and journal_line
 * (appended to journal_path when both are not NULL) are copied now, because
 * only async-signal-safe calls (kill, open, write, _exit) run when it fires. */
int mh_deadline_start(long ms, int exit_code, const char *message, const char *journal_path,
                      const char *journal_line, struct mh_error *err);

/* Disarm. */
void mh_deadline_stop(void);

/* Milliseconds left, or a large number when no deadline is armed. Work with
 * its own timeout (children, sockets) uses the smaller of the two. */
long mh_deadline_remaining_ms(void);

/* Process groups to kill when the deadline fires. */
void mh_deadline_watch_group(pid_t group);
void mh_deadline_forget_group(pid_t group);

#endif
