/* mh_lock.h - open-file-description (OFD) locks with a bounded wait, for
 * files several processes (or hosts, over NFS) update in turn. */
#ifndef MH_LOCK_H
#define MH_LOCK_H

struct mh_error;

/* Take an exclusive F_OFD_SETLKW lock on the whole of fd, waiting at most
 * timeout_ms (and never past the hook's deadline). The lock belongs to the
 * open file description: it is released by closing fd, or by the death of
 * the process, never by closing another descriptor of the same file. A wait
 * that runs out fails with errno ETIMEDOUT and a message that says so. */
int mh_lock_exclusive(int fd, long timeout_ms, const char *what, struct mh_error *err);

/* The same for a shared (F_RDLCK) lock: readers that must not see a file
 * while a writer holds the exclusive one. fd must be open for reading. */
int mh_lock_shared(int fd, long timeout_ms, const char *what, struct mh_error *err);

#endif
