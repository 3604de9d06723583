/* mh_command.c - run a child process with a timeout and kill its group. */
#include "mh_command.h"
#include "mh_deadline.h"
#include "mh_error.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Time a child's leftovers get to close stdout after it exits. */
#define DRAIN_MS 100L
/* How often the child's exit is looked for when there is no pidfd. */
#define EXIT_POLL_MS 5L

static const char *const child_environment[] = {
    "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "LC_ALL=C",
    NULL,
};

static void exec_child(const char *const argv[], int input_fd, int output_fd)
    __attribute__((noreturn));
static int append_output(struct mh_command_result *result, size_t cap, int fd);
static long now_ms(void);
static bool has_exited(pid_t pid);

int
mh_command_run(const char *const argv[], const char *input, size_t input_length,
               long timeout_ms, size_t output_cap, struct mh_command_result *result,
               struct mh_error *err)
{
    int input_pipe[2] = { -1, -1 };
    int output_pipe[2] = { -1, -1 };
    int pidfd = -1;
    pid_t pid = -1;
    size_t written = 0;
    bool exited = false;
    bool killed_group = false;
    bool output_open = true;
    long stop_at;
    int status = 0;
    int ret = -1;
    struct sigaction ignore_pipe = { .sa_handler = SIG_IGN };
    struct sigaction saved_pipe;

    memset(result, 0, sizeof(*result));
    result->exit_status = -1;
    if (!argv[0] || argv[0][0] != '/') {
        mh_error_set(err, "command must be an absolute path");
        return -1;
    }
    result->output = calloc(1, 1);
    if (!result->output) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    /* A child that exits without reading its input must not kill us. */
    sigaction(SIGPIPE, &ignore_pipe, &saved_pipe);
    if (pipe2(input_pipe, O_CLOEXEC) < 0 || pipe2(output_pipe, O_CLOEXEC) < 0) {
        mh_error_set_errno(err, errno, "%s: pipe", argv[0]);
        goto cleanup;
    }
    pid = fork();
    if (pid < 0) {
        mh_error_set_errno(err, errno, "%s: fork", argv[0]);
        goto cleanup;
    }
    if (pid == 0)
        exec_child(argv, input_pipe[0], output_pipe[1]);

    /* Both sides call setpgid so the group exists before either goes on. */
    setpgid(pid, pid);
    mh_deadline_watch_group(pid);
    close(input_pipe[0]);
    close(output_pipe[1]);
    input_pipe[0] = output_pipe[1] = -1;
    fcntl(input_pipe[1], F_SETFL, O_NONBLOCK);
    fcntl(output_pipe[0], F_SETFL, O_NONBLOCK);
    if (input_length == 0) {
        close(input_pipe[1]);
        input_pipe[1] = -1;
    }
    /* Without pidfd_open (Linux < 5.3, or valgrind), the child's exit is
     * polled for every few milliseconds instead. */
    pidfd = pidfd_open(pid, 0);
    if (pidfd < 0 && errno != ENOSYS) {
        mh_error_set_errno(err, errno, "%s: pidfd_open", argv[0]);
        goto cleanup;
    }

    stop_at = now_ms() + (timeout_ms < mh_deadline_remaining_ms() ? timeout_ms
                                                                   : mh_deadline_remaining_ms());
    while (!exited || output_open) {
        struct pollfd fds[3];
        nfds_t count = 0;
        long wait_ms = stop_at - now_ms();
        int ready;

        if (wait_ms <= 0) {
            /* After the child's exit this only cuts off leftovers that
             * escaped its group and hold the pipe; before, it is a timeout. */
            result->timed_out = !exited;
            break;
        }
        if (output_open)
            fds[count++] = (struct pollfd){ .fd = output_pipe[0], .events = POLLIN };
        if (!exited && pidfd >= 0)
            fds[count++] = (struct pollfd){ .fd = pidfd, .events = POLLIN };
        if (input_pipe[1] >= 0)
            fds[count++] = (struct pollfd){ .fd = input_pipe[1], .events = POLLOUT };
        if (wait_ms > 1000)
            wait_ms = 1000;
        if (!exited && pidfd < 0 && wait_ms > EXIT_POLL_MS)
            wait_ms = EXIT_POLL_MS;
        ready = poll(fds, count, (int)wait_ms);
        if (ready < 0) {
            if (errno == EINTR)
                continue;
            mh_error_set_errno(err, errno, "%s: poll", argv[0]);
            goto cleanup;
        }
        for (nfds_t i = 0; i < count; i++) {
            if (!fds[i].revents)
                continue;
            if (fds[i].fd == output_pipe[0]) {
                if (append_output(result, output_cap, output_pipe[0]) == 0)
                    output_open = false; /* EOF: every holder of the pipe is gone */
            } else if (fds[i].fd == pidfd) {
                exited = true;
            } else if (fds[i].fd == input_pipe[1]) {
                ssize_t done = write(input_pipe[1], input + written, input_length - written);
                if (done > 0)
                    written += (size_t)done;
                if ((done < 0 && errno != EAGAIN && errno != EINTR) ||
                    written == input_length) {
                    /* EPIPE included: a child that stops reading early is fine. */
                    close(input_pipe[1]);
                    input_pipe[1] = -1;
                }
            }
        }
        if (!exited && pidfd < 0)
            exited = has_exited(pid);
        if (exited && !killed_group) {
            /* Whatever the child left behind goes now; its output gets a
             * short grace to drain. */
            killed_group = true;
            kill(-pid, SIGKILL);
            if (stop_at > now_ms() + DRAIN_MS)
                stop_at = now_ms() + DRAIN_MS;
        }
    }

    kill(-pid, SIGKILL);
    if (waitpid(pid, &status, 0) == pid) {
        if (WIFEXITED(status) && !result->timed_out)
            result->exit_status = WEXITSTATUS(status);
        else if (WIFSIGNALED(status) && !result->timed_out)
            result->signal = WTERMSIG(status);
    }
    ret = 0;

cleanup:
    sigaction(SIGPIPE, &saved_pipe, NULL);
    if (pid > 0) {
        if (ret < 0) {
            kill(-pid, SIGKILL);
            waitpid(pid, NULL, 0);
        }
        mh_deadline_forget_group(pid);
    }
    if (pidfd >= 0)
        close(pidfd);
    for (int i = 0; i < 2; i++) {
        if (input_pipe[i] >= 0)
            close(input_pipe[i]);
        if (output_pipe[i] >= 0)
            close(output_pipe[i]);
    }
    if (ret < 0)
        mh_command_result_free(result);
    return ret;
}

void
mh_command_result_free(struct mh_command_result *result)
{
    free(result->output);
    result->output = NULL;
    result->output_length = 0;
}

static void
exec_child(const char *const argv[], int input_fd, int output_fd)
{
    sigset_t none;
    int null_fd;

    setpgid(0, 0);
    /* If the hook dies (deadline, crash), the child goes with it. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGALRM, SIG_DFL);
    null_fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    if (dup2(input_fd, STDIN_FILENO) < 0 || dup2(output_fd, STDOUT_FILENO) < 0 ||
        null_fd < 0 || dup2(null_fd, STDERR_FILENO) < 0)
        _exit(127);
    closefrom(3);
    execve(argv[0], (char *const *)argv, (char *const *)child_environment);
    _exit(127);
}

/* Read what is there. Returns 0 at EOF, 1 otherwise. */
static int
append_output(struct mh_command_result *result, size_t cap, int fd)
{
    char chunk[4096];
    ssize_t got = read(fd, chunk, sizeof(chunk));
    size_t keep;
    char *bigger;

    if (got == 0)
        return 0;
    if (got < 0)
        return (errno == EAGAIN || errno == EINTR) ? 1 : 0;
    keep = (size_t)got;
    if (result->output_length + keep > cap) {
        keep = cap - result->output_length;
        result->output_truncated = true;
    }
    if (keep == 0)
        return 1;
    bigger = realloc(result->output, result->output_length + keep + 1);
    if (!bigger) {
        result->output_truncated = true;
        return 1;
    }
    result->output = bigger;
    memcpy(result->output + result->output_length, chunk, keep);
    result->output_length += keep;
    result->output[result->output_length] = '\0';
    return 1;
}

static long
now_ms(void)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (long)now.tv_sec * 1000 + now.tv_nsec / 1000000L;
}

/* Whether child pid has exited, leaving it to be waited for. */
static bool
has_exited(pid_t pid)
{
    siginfo_t info;

    memset(&info, 0, sizeof(info));
    return waitid(P_PID, (id_t)pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid;
}
