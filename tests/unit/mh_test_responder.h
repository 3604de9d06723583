/* mh_test_responder.h - a TCP responder on loopback for client tests: a
 * child process that accepts connections and answers them as the test's
 * serve function says, killed by mh_test_responder_stop (or with the test). */
#ifndef MH_TEST_RESPONDER_H
#define MH_TEST_RESPONDER_H

#include "mh_test.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

struct mh_test_responder {
    pid_t pid;
    int port;
};

/* Listen on 127.0.0.1 (family AF_INET) or ::1 (AF_INET6) on a free port
 * and run serve(listener, mode) in a child. Returns false, starting
 * nothing, when the family has no loopback address here. */
static inline bool
mh_test_responder_start(struct mh_test_responder *r, int family,
                        void (*serve)(int listener, int mode), int mode)
{
    struct sockaddr_storage address;
    struct sockaddr_in *v4 = (struct sockaddr_in *)&address;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&address;
    socklen_t length = family == AF_INET ? sizeof(*v4) : sizeof(*v6);
    int listener = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

    memset(&address, 0, sizeof(address));
    address.ss_family = (sa_family_t)family;
    if (family == AF_INET)
        v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    else
        v6->sin6_addr = in6addr_loopback;
    if (listener < 0 || bind(listener, (struct sockaddr *)&address, length) < 0) {
        if (listener >= 0)
            close(listener);
        return false;
    }
    assert_int_equal(listen(listener, 8), 0);
    assert_int_equal(getsockname(listener, (struct sockaddr *)&address, &length), 0);
    r->port = ntohs(family == AF_INET ? v4->sin_port : v6->sin6_port);
    r->pid = fork();
    assert_true(r->pid >= 0);
    if (r->pid == 0) {
        /* Never outlive a failing test (and hold its output pipe open). */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        serve(listener, mode);
        _exit(0);
    }
    close(listener);
    return true;
}

/* mh_test_responder_start on 127.0.0.1, which every test machine has. */
static inline struct mh_test_responder
mh_test_responder_loopback(void (*serve)(int listener, int mode), int mode)
{
    struct mh_test_responder r = { 0, 0 };

    assert_true(mh_test_responder_start(&r, AF_INET, serve, mode));
    return r;
}

/* A TCP port on 127.0.0.1 that nothing listens on: bound, then closed. */
static inline int
mh_test_unused_port(void)
{
    struct sockaddr_in address = { .sin_family = AF_INET };
    socklen_t length = sizeof(address);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    assert_true(fd >= 0);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&address, sizeof(address)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&address, &length), 0);
    close(fd);
    return ntohs(address.sin_port);
}

static inline void
mh_test_responder_stop(struct mh_test_responder *r)
{
    kill(r->pid, SIGKILL);
    waitpid(r->pid, NULL, 0);
}

#endif
