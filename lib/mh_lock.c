/* mh_lock.c - F_OFD_SETLKW bounded by a repeating POSIX timer.
 *
 * fcntl() has no timeout. A timer signal without SA_RESTART interrupts the
 * wait with EINTR; it repeats every few milliseconds after the first expiry
 * so that a signal delivered just before fcntl() started to sleep cannot
 * leave us waiting forever. */
#include "mh_lock.h"
#include "mh_deadline.h"
#include "mh_error.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#define RETRY_INTERVAL_MS 20
/* Stop waiting this long before the hook's deadline, so that the stage
 * reports the lock (not just the deadline) and can still journal it. */
#define DEADLINE_MARGIN_MS 100

static int take_lock(int fd, short type, long timeout_ms, const char *what, struct mh_error *err);
static void interrupt(int signal_number);
static void stop_timer(timer_t timer, const struct sigaction *previous);
static long elapsed_ms(const struct timespec *since);

int
mh_lock_exclusive(int fd, long timeout_ms, const char *what, struct mh_error *err)
{
    return take_lock(fd, F_WRLCK, timeout_ms, what, err);
}

int
mh_lock_shared(int fd, long timeout_ms, const char *what, struct mh_error *err)
{
    return take_lock(fd, F_RDLCK, timeout_ms, what, err);
}

static int
take_lock(int fd, short type, long timeout_ms, const char *what, struct mh_error *err)
{
    struct flock request;
    struct sigaction action, previous;
    struct sigevent event;
    struct itimerspec period;
    struct timespec started;
    timer_t timer;
    long remaining = mh_deadline_remaining_ms() - DEADLINE_MARGIN_MS;
    int ret = -1;
    int saved;

    memset(&request, 0, sizeof(request));
    request.l_type = type;
    request.l_whence = SEEK_SET;
    if (fcntl(fd, F_OFD_SETLK, &request) == 0)
        return 0;
    if (errno != EAGAIN && errno != EACCES) {
        mh_error_set_errno(err, errno, "%s: cannot lock", what);
        return -1;
    }
    if (remaining < timeout_ms)
        timeout_ms = remaining;
    if (timeout_ms <= 0) {
        mh_error_set(err, "%s: locked by another process, and no time is left to wait", what);
        errno = ETIMEDOUT;
        return -1;
    }

    memset(&action, 0, sizeof(action));
    action.sa_handler = interrupt;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGRTMIN, &action, &previous) < 0) {
        mh_error_set_errno(err, errno, "%s: sigaction", what);
        return -1;
    }
    memset(&event, 0, sizeof(event));
    event.sigev_notify = SIGEV_SIGNAL;
    event.sigev_signo = SIGRTMIN;
    if (timer_create(CLOCK_MONOTONIC, &event, &timer) < 0) {
        mh_error_set_errno(err, errno, "%s: timer_create", what);
        sigaction(SIGRTMIN, &previous, NULL);
        return -1;
    }
    memset(&period, 0, sizeof(period));
    period.it_value.tv_sec = timeout_ms / 1000;
    period.it_value.tv_nsec = (timeout_ms % 1000) * 1000000L;
    period.it_interval.tv_nsec = RETRY_INTERVAL_MS * 1000000L;
    clock_gettime(CLOCK_MONOTONIC, &started);
    timer_settime(timer, 0, &period, NULL);
    for (;;) {
        if (fcntl(fd, F_OFD_SETLKW, &request) == 0) {
            ret = 0;
            break;
        }
        saved = errno;
        if (saved != EINTR) {
            mh_error_set_errno(err, saved, "%s: cannot lock", what);
            break;
        }
        if (elapsed_ms(&started) >= timeout_ms) {
            mh_error_set(err, "%s: still locked by another process after %ld ms", what,
                         timeout_ms);
            saved = ETIMEDOUT;
            break;
        }
    }
    stop_timer(timer, &previous);
    if (ret < 0)
        errno = saved;
    return ret;
}

static void
interrupt(int signal_number)
{
    (void)signal_number;
}

static long
elapsed_ms(const struct timespec *since)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)(now.tv_sec - since->tv_sec) * 1000 + (now.tv_nsec - since->tv_nsec) / 1000000L;
}

/* A timer signal may already be pending when the timer is deleted; drain it
 * with the signal blocked before the previous disposition (often "terminate")
 * comes back. */
static void
stop_timer(timer_t timer, const struct sigaction *previous)
{
    const struct timespec no_wait = { 0, 0 };
    sigset_t timer_signal, old_mask;

    sigemptyset(&timer_signal);
    sigaddset(&timer_signal, SIGRTMIN);
    sigprocmask(SIG_BLOCK, &timer_signal, &old_mask);
    timer_delete(timer);
    while (sigtimedwait(&timer_signal, NULL, &no_wait) > 0)
        ;
    sigaction(SIGRTMIN, previous, NULL);
    sigprocmask(SIG_SETMASK, &old_mask, NULL);
}
