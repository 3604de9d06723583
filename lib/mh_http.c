/* mh_http.c - HTTP/1.1 POST over a kept TCP connection, replies parsed as
 * hostile (see mh_http.h for why this is not libcurl). */
#include "mh_http.h"
#include "mh_error.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define READ_SIZE 16384

struct url {
    char authority[320];        /* as written: the Host header */
    char host[256];             /* without brackets */
    char port[6];
    const char *path;           /* into the URL */
};

/* The time a request may take, as an absolute point and as configured. */
struct budget {
    struct timespec end;
    long timeout_ms;
};

struct head {
    long status;
    bool chunked;
    bool has_length;
    bool close;
    size_t content_length;
};

static int parse_url(const char *text, struct url *url, struct mh_error *err);
static int connect_to(struct mh_http *http, const struct url *url, const struct budget *budget,
                      struct mh_error *err);
static int send_all(int fd, struct iovec *parts, int count, const struct budget *budget,
                    struct mh_error *err);
static int receive_reply(int fd, size_t reply_cap, const struct budget *budget,
                         struct mh_http_reply *reply, size_t *received, bool *leftover,
                         struct mh_error *err);
static int wait_for(int fd, short events, const struct budget *budget);
static long remaining_ms(const struct budget *budget);
static int parse_head(const char *data, size_t length, size_t reply_cap, struct head *head,
                      size_t *head_length, struct mh_error *err);
static int parse_field(const char *line, size_t length, size_t reply_cap, struct head *head,
                       struct mh_error *err);
static int walk_chunks(const char *data, size_t length, size_t reply_cap, char *out,
                       size_t *total, size_t *framed, struct mh_error *err);
static int incomplete(bool eof, const char *where, struct mh_error *err);
static int hex_value(char c);
static int next_line(const char *data, size_t length, size_t max, size_t *line_length);
static bool is_digit(char c);

void
mh_http_init(struct mh_http *http)
{
    http->fd = -1;
    http->authority[0] = '\0';
}

void
mh_http_close(struct mh_http *http)
{
    if (http->fd >= 0)
        close(http->fd);
    http->fd = -1;
    http->authority[0] = '\0';
}

int
mh_http_post(struct mh_http *http, const char *url, const char *content_type,
             const char *body, size_t length, long timeout_ms, size_t reply_cap,
             struct mh_http_reply *reply, struct mh_error *err)
{
    struct url target;
    struct budget budget;
    char head[1024];
    int written;

    memset(reply, 0, sizeof(*reply));
    if (parse_url(url, &target, err) < 0)
        return -1;
    written = snprintf(head, sizeof(head),
                       "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: %s\r\n"
                       "Content-Length: %zu\r\nAccept: application/json\r\n"
                       "User-Agent: migrate-hooks\r\n\r\n",
                       target.path, target.authority, content_type, length);
    if (written < 0 || (size_t)written >= sizeof(head)) {
        mh_error_set(err, "URL too long");
        return -1;
    }
    clock_gettime(CLOCK_MONOTONIC, &budget.end);
    budget.timeout_ms = timeout_ms;
    budget.end.tv_sec += timeout_ms / 1000;
    budget.end.tv_nsec += (timeout_ms % 1000) * 1000000L;
    if (budget.end.tv_nsec >= 1000000000L) {
        budget.end.tv_sec++;
        budget.end.tv_nsec -= 1000000000L;
    }
    for (int attempt = 0;; attempt++) {
        bool reused = http->fd >= 0 && strcmp(http->authority, target.authority) == 0;
        struct iovec parts[2] = { { head, (size_t)written }, { (void *)body, length } };
        size_t received = 0;
        bool leftover = false;

        if (!reused) {
            mh_http_close(http);
            if (connect_to(http, &target, &budget, err) < 0)
                return -1;
        }
        if (send_all(http->fd, parts, 2, &budget, err) == 0 &&
            receive_reply(http->fd, reply_cap, &budget, reply, &received, &leftover, err) == 0) {
            /* Bytes after the reply are nothing we asked for: start afresh. */
            if (reply->close || leftover)
                mh_http_close(http);
            return 0;
        }
        mh_http_close(http);
        /* A kept connection the server closed while we did not use it fails
         * before the first byte of a reply: once more, on a new one. */
        if (!reused || received > 0 || attempt > 0 || remaining_ms(&budget) <= 0)
            return -1;
    }
}

int
mh_http_reply_parse(const char *data, size_t length, bool eof, size_t reply_cap,
                    struct mh_http_reply *reply, size_t *used, struct mh_error *err)
{
    size_t offset = 0, head_length = 0, body_length, end;
    struct head head;
    int ret;

    memset(reply, 0, sizeof(*reply));
    *used = 0;
    /* Interim replies (100 Continue and the like) come before the real one. */
    do {
        ret = parse_head(data + offset, length - offset, reply_cap, &head, &head_length, err);
        if (ret <= 0)
            return ret < 0 ? -1 : incomplete(eof, "before the end of the reply's header", err);
        offset += head_length;
    } while (head.status < 200);
    if (head.status == 204 || head.status == 304) {
        body_length = 0;
        end = offset;
    } else if (head.chunked) {
        size_t framed;

        ret = walk_chunks(data + offset, length - offset, reply_cap, NULL, &body_length, &framed,
                          err);
        if (ret <= 0)
            return ret < 0 ? -1 : incomplete(eof, "in the middle of the reply", err);
        end = offset + framed;
    } else if (head.has_length) {
        if (length - offset < head.content_length)
            return incomplete(eof, "in the middle of the reply", err);
        body_length = head.content_length;
        end = offset + body_length;
    } else {
        /* Neither length nor chunks: the body ends with the connection. */
        if (length - offset > reply_cap) {
            mh_error_set(err, "reply larger than %zu bytes", reply_cap);
            return -1;
        }
        if (!eof)
            return 0;
        body_length = length - offset;
        end = length;
        head.close = true;
    }
    reply->body = malloc(body_length + 1);
    if (!reply->body) {
        mh_error_set(err, "out of memory");
        return -1;
    }
    if (head.chunked && body_length > 0) {
        size_t total, framed;

        walk_chunks(data + offset, length - offset, reply_cap, reply->body, &total, &framed,
                    err);
    } else if (body_length > 0) {
        memcpy(reply->body, data + offset, body_length);
    }
    reply->body[body_length] = '\0';
    reply->length = body_length;
    reply->status = head.status;
    reply->close = head.close;
    *used = end;
    return 1;
}

void
mh_http_reply_free(struct mh_http_reply *reply)
{
    free(reply->body);
    reply->body = NULL;
    reply->length = 0;
}

/* http://HOST[:PORT][/PATH]; HOST a name, an IPv4 address or [IPv6]. */
static int
parse_url(const char *text, struct url *url, struct mh_error *err)
{
    const char *authority = text + 7, *host, *port = NULL;
    size_t length, host_length;
    char *bracket;

    memset(url, 0, sizeof(*url));
    if (strncasecmp(text, "http://", 7) != 0) {
        mh_error_set(err, "not an http:// URL");
        return -1;
    }
    length = strcspn(authority, "/");
    if (length == 0 || length >= sizeof(url->authority)) {
        mh_error_set(err, "URL without a host, or with one too long");
        return -1;
    }
    memcpy(url->authority, authority, length);
    url->path = authority[length] ? authority + length : "/";
    /* Anything that could end the request line early is refused. */
    for (const char *c = url->path; *c; c++) {
        if ((unsigned char)*c <= ' ' || *c == 0x7f) {
            mh_error_set(err, "URL with a space or control character in its path");
            return -1;
        }
    }
    host = url->authority;
    if (host[0] == '[') {
        bracket = strchr(url->authority, ']');
        if (!bracket || (bracket[1] && bracket[1] != ':')) {
            mh_error_set(err, "URL with a malformed [IPv6] host");
            return -1;
        }
        host++;
        host_length = (size_t)(bracket - host);
        if (bracket[1] == ':')
            port = bracket + 2;
    } else {
        const char *colon = strchr(host, ':');

        host_length = colon ? (size_t)(colon - host) : length;
        if (colon)
            port = colon + 1;
    }
    if (host_length == 0 || host_length >= sizeof(url->host) ||
        strspn(host, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-:")
            < host_length) {
        mh_error_set(err, "URL with an empty or malformed host");
        return -1;
    }
    memcpy(url->host, host, host_length);
    if (!port) {
        strcpy(url->port, "80");
    } else {
        size_t digits = strspn(port, "0123456789");
        long number = digits >= 1 && digits <= 5 && !port[digits] ? strtol(port, NULL, 10) : 0;

        if (number < 1 || number > 65535) {
            mh_error_set(err, "URL with a malformed port");
            return -1;
        }
        snprintf(url->port, sizeof(url->port), "%ld", number);
    }
    return 0;
}

static int
connect_to(struct mh_http *http, const struct url *url, const struct budget *budget,
           struct mh_error *err)
{
    struct addrinfo hints, *found = NULL;
    int code, last = 0;

    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    code = getaddrinfo(url->host, url->port, &hints, &found);
    if (code != 0) {
        mh_error_set(err, "cannot resolve %s: %s", url->host,
                     code == EAI_SYSTEM ? strerror(errno) : gai_strerror(code));
        return -1;
    }
    for (struct addrinfo *each = found; each; each = each->ai_next) {
        int fd = socket(each->ai_family, each->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                        each->ai_protocol);
        int one = 1, problem = 0, ready;
        socklen_t size = sizeof(problem);

        if (fd < 0) {
            last = errno;
            continue;
        }
        /* Header and body go out in one call; no waiting for an ACK. */
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        if (connect(fd, each->ai_addr, each->ai_addrlen) == 0) {
            ready = 1;
        } else if (errno != EINPROGRESS) {
            ready = -1;
            problem = errno;
        } else if ((ready = wait_for(fd, POLLOUT, budget)) > 0) {
            if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &problem, &size) < 0)
                problem = errno;
            if (problem)
                ready = -1;
        } else {
            problem = ready == 0 ? ETIMEDOUT : errno;
        }
        if (ready > 0) {
            http->fd = fd;
            snprintf(http->authority, sizeof(http->authority), "%s", url->authority);
            freeaddrinfo(found);
            return 0;
        }
        last = problem;
        close(fd);
        if (remaining_ms(budget) <= 0) {
            last = ETIMEDOUT;
            break;
        }
    }
    freeaddrinfo(found);
    if (last == ETIMEDOUT)
        mh_error_set(err, "connection timed out after %ld ms", budget->timeout_ms);
    else
        mh_error_set_errno(err, last, "cannot connect to %s", url->authority);
    return -1;
}

static int
send_all(int fd, struct iovec *parts, int count, const struct budget *budget,
         struct mh_error *err)
{
    while (count > 0) {
        struct msghdr message;
        ssize_t sent;

        memset(&message, 0, sizeof(message));
        message.msg_iov = parts;
        message.msg_iovlen = (size_t)count;
        sent = sendmsg(fd, &message, MSG_NOSIGNAL);
        if (sent < 0) {
            int ready;

            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                mh_error_set_errno(err, errno, "cannot send the request");
                return -1;
            }
            ready = wait_for(fd, POLLOUT, budget);
            if (ready <= 0) {
                if (ready == 0)
                    mh_error_set(err, "timed out after %ld ms sending the request",
                                 budget->timeout_ms);
                else
                    mh_error_set_errno(err, errno, "poll");
                return -1;
            }
            continue;
        }
        while (count > 0 && (size_t)sent >= parts->iov_len) {
            sent -= (ssize_t)parts->iov_len;
            parts++;
            count--;
        }
        if (count > 0) {
            parts->iov_base = (char *)parts->iov_base + sent;
            parts->iov_len -= (size_t)sent;
        }
    }
    return 0;
}

/* Read until one whole reply is in; *received counts the bytes read (none:
 * the connection gave nothing back), *leftover says bytes followed it. */
static int
receive_reply(int fd, size_t reply_cap, const struct budget *budget,
              struct mh_http_reply *reply, size_t *received, bool *leftover,
              struct mh_error *err)
{
    /* The framing (header, chunk sizes) on top of the body is bounded too. */
    size_t limit = reply_cap + reply_cap / 2 + 4 * MH_HTTP_MAX_HEAD;
    size_t used = 0, allocated = 0, taken = 0;
    char *buffer = NULL;
    int ret = -1;

    for (;;) {
        ssize_t got;
        int done;

        if (allocated - used < READ_SIZE) {
            char *bigger = realloc(buffer, used + 2 * READ_SIZE);

            if (!bigger) {
                mh_error_set(err, "out of memory");
                goto cleanup;
            }
            buffer = bigger;
            allocated = used + 2 * READ_SIZE;
        }
        got = recv(fd, buffer + used, READ_SIZE, 0);
        if (got < 0) {
            int ready;

            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                mh_error_set_errno(err, errno, "cannot receive the reply");
                goto cleanup;
            }
            ready = wait_for(fd, POLLIN, budget);
            if (ready <= 0) {
                if (ready == 0)
                    mh_error_set(err, "timed out after %ld ms waiting for the reply",
                                 budget->timeout_ms);
                else
                    mh_error_set_errno(err, errno, "poll");
                goto cleanup;
            }
            continue;
        }
        used += (size_t)got;
        *received = used;
        done = mh_http_reply_parse(buffer, used, got == 0, reply_cap, reply, &taken, err);
        if (done < 0)
            goto cleanup;
        if (done > 0)
            break;
        if (used > limit) {
            mh_error_set(err, "reply larger than %zu bytes", reply_cap);
            goto cleanup;
        }
    }
    *leftover = taken < used;
    ret = 0;

cleanup:
    free(buffer);
    return ret;
}

/* poll fd for events until the budget runs out: 1 ready, 0 out of time,
 * -1 error (errno). */
static int
wait_for(int fd, short events, const struct budget *budget)
{
    for (;;) {
        struct pollfd watch = { .fd = fd, .events = events };
        long left = remaining_ms(budget);
        int ready;

        if (left <= 0)
            return 0;
        ready = poll(&watch, 1, left > INT32_MAX ? INT32_MAX : (int)left);
        if (ready < 0 && errno == EINTR)
            continue;
        if (ready < 0)
            return -1;
        if (ready > 0)
            return 1;
    }
}

static long
remaining_ms(const struct budget *budget)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    /* Rounded up: 0.4 ms left is still time to wait. */
    return (long)(budget->end.tv_sec - now.tv_sec) * 1000 +
           (budget->end.tv_nsec - now.tv_nsec + 999999L) / 1000000L;
}

/* The status line and header fields of one reply at data: 1 when whole
 * (*head_length bytes, the blank line included), 0 when more is needed. */
static int
parse_head(const char *data, size_t length, size_t reply_cap, struct head *head,
           size_t *head_length, struct mh_error *err)
{
    size_t scan = length < MH_HTTP_MAX_HEAD ? length : MH_HTTP_MAX_HEAD;
    const char *blank = memmem(data, scan, "\r\n\r\n", 4);
    size_t line, end;

    memset(head, 0, sizeof(*head));
    if (!blank) {
        if (length >= MH_HTTP_MAX_HEAD) {
            mh_error_set(err, "reply header larger than %d bytes", MH_HTTP_MAX_HEAD);
            return -1;
        }
        return 0;
    }
    *head_length = (size_t)(blank - data) + 4;
    /* "HTTP/1.x SSS reason", the reason optional */
    if (*head_length < 16 || memcmp(data, "HTTP/1.", 7) != 0 || !is_digit(data[7]) ||
        data[8] != ' ' || !is_digit(data[9]) || !is_digit(data[10]) || !is_digit(data[11]) ||
        (data[12] != ' ' && data[12] != '\r')) {
        mh_error_set(err, "not an HTTP/1.x reply");
        return -1;
    }
    head->status = (data[9] - '0') * 100 + (data[10] - '0') * 10 + (data[11] - '0');
    if (head->status < 100 || head->status == 101) {
        mh_error_set(err, "unexpected HTTP status %ld", head->status);
        return -1;
    }
    /* HTTP/1.0 closes after each reply unless told otherwise. */
    head->close = data[7] == '0';
    line = (size_t)((const char *)memmem(data, *head_length, "\r\n", 2) - data) + 2;
    end = *head_length - 2;
    while (line < end) {
        size_t next = (size_t)((const char *)memmem(data + line, end + 2 - line, "\r\n", 2) - data);

        if (parse_field(data + line, next - line, reply_cap, head, err) < 0)
            return -1;
        line = next + 2;
    }
    if (head->chunked && head->has_length) {
        mh_error_set(err, "reply with both Content-Length and Transfer-Encoding");
        return -1;
    }
    return 1;
}

/* One "Name: value" line of the header. */
static int
parse_field(const char *line, size_t length, size_t reply_cap, struct head *head,
            struct mh_error *err)
{
    static const char token[] = "!#$%&'*+-.^_`|~0123456789"
                                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    const char *colon = memchr(line, ':', length);
    size_t name_length, start, stop;
    char value[256];

    if (!colon || colon == line) {
        mh_error_set(err, "malformed reply header line");
        return -1;
    }
    name_length = (size_t)(colon - line);
    for (size_t i = 0; i < name_length; i++) {
        if (!line[i] || !strchr(token, line[i])) {
            mh_error_set(err, "malformed reply header name");
            return -1;
        }
    }
    for (size_t i = name_length + 1; i < length; i++) {
        if (((unsigned char)line[i] < ' ' && line[i] != '\t') || line[i] == 0x7f) {
            mh_error_set(err, "control character in a reply header");
            return -1;
        }
    }
    start = name_length + 1;
    stop = length;
    while (start < stop && (line[start] == ' ' || line[start] == '\t'))
        start++;
    while (stop > start && (line[stop - 1] == ' ' || line[stop - 1] == '\t'))
        stop--;
    /* Only three fields matter, all with short values. */
    if (stop - start >= sizeof(value))
        return 0;
    memcpy(value, line + start, stop - start);
    value[stop - start] = '\0';
    if (name_length == 14 && strncasecmp(line, "Content-Length", 14) == 0) {
        size_t digits = strspn(value, "0123456789");
        unsigned long long number;

        if (digits == 0 || digits > 18 || value[digits]) {
            mh_error_set(err, "malformed Content-Length in the reply");
            return -1;
        }
        number = strtoull(value, NULL, 10);
        if (head->has_length && number != head->content_length) {
            mh_error_set(err, "reply with two different Content-Length");
            return -1;
        }
        if (number > reply_cap) {
            mh_error_set(err, "reply larger than %zu bytes", reply_cap);
            return -1;
        }
        head->has_length = true;
        head->content_length = (size_t)number;
    } else if (name_length == 17 && strncasecmp(line, "Transfer-Encoding", 17) == 0) {
        if (strcasecmp(value, "chunked") != 0) {
            mh_error_set(err, "reply in a transfer coding other than chunked");
            return -1;
        }
        head->chunked = true;
    } else if (name_length == 10 && strncasecmp(line, "Connection", 10) == 0) {
        for (char *c = value; *c; c++)
            *c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
        if (strstr(value, "close"))
            head->close = true;
        else if (strstr(value, "keep-alive"))
            head->close = false;
    }
    return 0;
}

/* Walk a chunked body at data: 1 when the last chunk and the trailer are
 * in (*total body bytes, *framed bytes with the framing), 0 when more is
 * needed. With out, copy the chunks' data there. */
static int
walk_chunks(const char *data, size_t length, size_t reply_cap, char *out, size_t *total,
            size_t *framed, struct mh_error *err)
{
    size_t position = 0, sum = 0;

    for (;;) {
        size_t line_length, size = 0, digits = 0;
        int found = next_line(data + position, length - position, MH_HTTP_MAX_LINE,
                              &line_length);

        if (found < 0)
            mh_error_set(err, "chunk-size line longer than %d bytes", MH_HTTP_MAX_LINE);
        if (found <= 0)
            return found;
        while (digits < line_length && hex_value(data[position + digits]) >= 0) {
            if (digits == 15) {
                mh_error_set(err, "chunk size out of range");
                return -1;
            }
            size = size * 16 + (size_t)hex_value(data[position + digits]);
            digits++;
        }
        /* extensions (";name=value") are allowed and ignored */
        if (digits == 0 || (digits < line_length && data[position + digits] != ';' &&
                            data[position + digits] != ' ' && data[position + digits] != '\t')) {
            mh_error_set(err, "malformed chunk-size line");
            return -1;
        }
        position += line_length + 2;
        if (size == 0)
            break;
        if (size > reply_cap - sum) {
            mh_error_set(err, "reply larger than %zu bytes", reply_cap);
            return -1;
        }
        if (length - position < size + 2)
            return 0;
        if (data[position + size] != '\r' || data[position + size + 1] != '\n') {
            mh_error_set(err, "chunk not followed by CRLF");
            return -1;
        }
        if (out)
            memcpy(out + sum, data + position, size);
        sum += size;
        position += size + 2;
    }
    /* Trailer fields, ignored, up to a blank line. */
    for (;;) {
        size_t line_length;
        int found = next_line(data + position, length - position, MH_HTTP_MAX_HEAD,
                              &line_length);

        if (found < 0)
            mh_error_set(err, "reply trailer line longer than %d bytes", MH_HTTP_MAX_HEAD);
        if (found <= 0)
            return found;
        position += line_length + 2;
        if (line_length == 0)
            break;
    }
    *total = sum;
    *framed = position;
    return 1;
}

static int
incomplete(bool eof, const char *where, struct mh_error *err)
{
    if (!eof)
        return 0;
    mh_error_set(err, "the connection closed %s", where);
    return -1;
}

static int
hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool
is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* The line at the start of data[0, length), CRLF excluded, of at most max
 * bytes with its CRLF: 1 with *line_length, 0 when its end has not come
 * yet, -1 when it is longer than that. */
static int
next_line(const char *data, size_t length, size_t max, size_t *line_length)
{
    const char *eol = memmem(data, length < max ? length : max, "\r\n", 2);

    if (!eol)
        return length >= max ? -1 : 0;
    *line_length = (size_t)(eol - data);
    return 1;
}
