/* mh_http.h - a small HTTP/1.1 client for plain http:// URLs: a POST, its
 * reply read whole, the connection kept for the next request.
 *
 * Why not libcurl here: the etcd lease backend talks to etcd from the hook,
 * a new process for every call, and loading libcurl with the thirty-odd
 * libraries it links (TLS, HTTP/2, LDAP, SSH, Kerberos...) costs about 12 ms
 * a process, more than the requests themselves (bench/lease.sh). A POST of
 * JSON with a Content-Length, and a reply with a Content-Length or chunked,
 * is all the etcd gateway needs. https:// stays with libcurl (mh_etcd.c).
 *
 * Every step (name lookup aside: the resolver's own timeouts and the hook's
 * deadline bound it) is bounded by the caller's timeout; replies are parsed
 * as hostile and bounded in size. */
#ifndef MH_HTTP_H
#define MH_HTTP_H

#include <stdbool.h>
#include <stddef.h>

struct mh_error;

/* The status line and headers of a reply, and a chunk-size line. */
#define MH_HTTP_MAX_HEAD (16 * 1024)
#define MH_HTTP_MAX_LINE 1024

struct mh_http {
    int fd;                     /* -1: no connection */
    char authority[320];        /* host:port it goes to */
};

struct mh_http_reply {
    long status;
    char *body;                 /* NUL-terminated (may hold NULs); malloc'd */
    size_t length;
    bool close;                 /* the server closes the connection after it */
};

void mh_http_init(struct mh_http *http);

/* Close the kept connection, if any. */
void mh_http_close(struct mh_http *http);

/* POST body (length bytes, of content_type) to url, an http:// URL
 * (http://HOST[:PORT][/PATH], HOST a name, an IPv4 address or [IPv6]),
 * within timeout_ms, reusing the connection to the same HOST:PORT when the
 * last reply left it open. A body larger than reply_cap is an error. On
 * success *reply holds the status and body (free with mh_http_reply_free)
 * whatever the status. */
int mh_http_post(struct mh_http *http, const char *url, const char *content_type,
                 const char *body, size_t length, long timeout_ms, size_t reply_cap,
                 struct mh_http_reply *reply, struct mh_error *err);

/* Parse the reply at the start of data[0, length). eof: the connection is
 * closed, no more will come. Returns 1 when the reply is complete (*reply
 * filled, *used the bytes it took), 0 when more is needed, -1 when it is
 * malformed, larger than reply_cap, or cut short by eof (err filled). */
int mh_http_reply_parse(const char *data, size_t length, bool eof, size_t reply_cap,
                        struct mh_http_reply *reply, size_t *used, struct mh_error *err);

void mh_http_reply_free(struct mh_http_reply *reply);

#endif
