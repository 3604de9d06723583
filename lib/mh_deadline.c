/* mh_deadline.c - the per-call deadline, with SIGALRM and setitimer. */
#include "mh_deadline.h"
#include "mh_error.h"
#include "mh_string.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MAX_GROUPS 32

static struct {
    volatile sig_atomic_t armed;
    struct timespec expires;
    int exit_code;
    char journal_path[4096];
    char message[1024];
    size_t message_length;
    char journal_line[2048];
    size_t journal_length;
    volatile pid_t groups[MAX_GROUPS];
} deadline;

static void expire(int signal_number);
static long milliseconds_until(const struct timespec *when);

int
mh_deadline_start(long ms, int exit_code, const char *message, const char *journal_path,
                  const char *journal_line, struct mh_error *err)
{
    struct sigaction action;
    struct itimerval timer;

    memset(&action, 0, sizeof(action));
    action.sa_handler = expire;
    sigemptyset(&action.sa_mask);
    if (sigaction(SIGALRM, &action, NULL) < 0) {
        mh_error_set_errno(err, errno, "deadline: sigaction");
        return -1;
    }
    mh_string_copy(deadline.message, sizeof(deadline.message), message);
    mh_string_copy(deadline.journal_line, sizeof(deadline.journal_line),
                   journal_path && journal_line ? journal_line : "");
    mh_string_copy(deadline.journal_path, sizeof(deadline.journal_path),
                   journal_path ? journal_path : "");
    deadline.message_length = strlen(deadline.message);
    deadline.journal_length = strlen(deadline.journal_line);
    deadline.exit_code = exit_code;
    clock_gettime(CLOCK_MONOTONIC, &deadline.expires);
    deadline.expires.tv_sec += ms / 1000;
    deadline.expires.tv_nsec += (ms % 1000) * 1000000L;
    if (deadline.expires.tv_nsec >= 1000000000L) {
        deadline.expires.tv_sec++;
        deadline.expires.tv_nsec -= 1000000000L;
    }
    memset(&timer, 0, sizeof(timer));
    timer.it_value.tv_sec = ms / 1000;
    timer.it_value.tv_usec = (ms % 1000) * 1000;
    deadline.armed = 1;
    if (setitimer(ITIMER_REAL, &timer, NULL) < 0) {
        deadline.armed = 0;
        mh_error_set_errno(err, errno, "deadline: setitimer");
        return -1;
    }
    return 0;
}

void
mh_deadline_stop(void)
{
    struct itimerval off;

    memset(&off, 0, sizeof(off));
    setitimer(ITIMER_REAL, &off, NULL);
    deadline.armed = 0;
}

long
mh_deadline_remaining_ms(void)
{
    if (!deadline.armed)
        return LONG_MAX / 2;
    return milliseconds_until(&deadline.expires);
}

void
mh_deadline_watch_group(pid_t group)
{
    for (int i = 0; i < MAX_GROUPS; i++) {
        if (deadline.groups[i] == 0) {
            deadline.groups[i] = group;
            return;
        }
    }
}

void
mh_deadline_forget_group(pid_t group)
{
    for (int i = 0; i < MAX_GROUPS; i++) {
        if (deadline.groups[i] == group)
            deadline.groups[i] = 0;
    }
}

/* Async-signal-safe: kill, write and _exit only. */
static void
expire(int signal_number)
{
    (void)signal_number;
    if (!deadline.armed)
        return;
    for (int i = 0; i < MAX_GROUPS; i++) {
        if (deadline.groups[i] > 0)
            kill(-deadline.groups[i], SIGKILL);
    }
    if (deadline.journal_length) {
        int fd = open(deadline.journal_path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW |
                      O_CLOEXEC | O_NOCTTY, 0640);
        if (fd >= 0) {
            ssize_t ignored = write(fd, deadline.journal_line, deadline.journal_length);
            (void)ignored;
        }
    }
    if (deadline.message_length) {
        ssize_t ignored = write(STDERR_FILENO, deadline.message, deadline.message_length);
        (void)ignored;
    }
    _exit(deadline.exit_code);
}

static long
milliseconds_until(const struct timespec *when)
{
    struct timespec now;
    long ms;

    clock_gettime(CLOCK_MONOTONIC, &now);
    ms = (long)(when->tv_sec - now.tv_sec) * 1000 + (when->tv_nsec - now.tv_nsec) / 1000000L;
    return ms > 0 ? ms : 0;
}
