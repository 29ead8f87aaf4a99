/* httpd.h - a tiny HTTP/1.1 file server with fault modes, for tests.
 *
 * Listens on 127.0.0.1, an ephemeral port; each connection is served by a
 * thread of its own (at most 32 at once, more wait in the backlog). Serves
 * files under a root directory with Range, ETag, If-Range and
 * If-None-Match (304, with Content-Length: 0, or none at all as nginx
 * does: httpd_set_nginx_304()). Plain answers (200, 206,
 * 304, 404) keep the connection open for the next request (HTTP/1.1
 * keep-alive) unless the request said "Connection: close"; every fault
 * mode below closes it.
 * The first path segment selects a fault for the rest of the path:
 *   /404/F         answers 404
 *   /500once/F     answers 500 the first time F is asked, then serves it
 *   /resetonce/F   the first time: headers and half the body, then a TCP
 *                  reset; afterwards serves it normally
 *   /slow/F        sends 1 KB every slow_ms milliseconds (default 1000)
 *   /badlen/F      announces 1000 bytes more than it sends, then closes
 *   /loop/F        302 to /loop2/F, which 302s back to /loop/F
 *   /redir/N/F     N redirects (N = 0..9), then F
 *   /norange/F     ignores Range (always 200 with the whole file)
 *   /stall/F       sends the headers, then nothing until the client leaves
 *   /hang/F        reads the request and never answers
 *   /chunked/F     chunked, no validators, the whole file and its final chunk
 *   /chunkcut/F    chunked, no validators; half the file, then closes
 *                  without the final 0 chunk
 *   /badchunk/F    chunked; half the file, then a chunk size "zz"
 *   /shortlen/F    announces half the file's length, sends all of it
 *   /norangedrop/F ignores Range and drops every answer halfway
 *   /novalid/F     no ETag or Last-Modified; the first answer for F is
 *                  dropped halfway (then served normally)
 *   /gzip/F        serves F.gz with Content-Encoding: gzip (ignores Range)
 *   /deflate/F     serves F.zz with Content-Encoding: deflate
 *   /trickle/F     sends the status line and headers one byte per
 *                  slow_ms and never ends them
 *   /F             a normal answer
 * Everything it does is bounded: requests up to 16 KB, stop within 100 ms.
 */
#ifndef SP_TEST_HTTPD_H
#define SP_TEST_HTTPD_H

#include <stdbool.h>

struct httpd;

/* Starts serving root. Returns 0 or -1. */
int httpd_start(const char *root, struct httpd **out);
/* Stops and joins the thread. NULL-safe; sets *h to NULL. */
void httpd_stop(struct httpd **h);

int httpd_port(const struct httpd *h);
/* Milliseconds per KB in /slow/ mode. */
void httpd_set_slow_ms(struct httpd *h, int ms);
/* Requests answered so far. */
int httpd_requests(struct httpd *h);
/* The Range header of the most recent request ("" if none), copied. */
void httpd_last_range(struct httpd *h, char *buf, int size);
/* The Accept-Encoding header of the most recent request ("" if none). */
void httpd_last_accept_encoding(struct httpd *h, char *buf, int size);
/* Connections accepted so far. */
int httpd_connections(struct httpd *h);
/* The most requests answered on any one connection so far. */
int httpd_max_requests_per_connection(struct httpd *h);
/* Requests that carried If-None-Match, and 304 answers, so far. */
void httpd_conditional_counts(struct httpd *h, int *conditional, int *not_modified);
/* Requests that carried If-Range, and of those the ones answered with the
 * range (206: the validator matched), so far. */
void httpd_if_range_counts(struct httpd *h, int *if_range, int *kept);
/* Answers 304 without Content-Length (nginx's way) from now on, or with
 * Content-Length: 0 (the default). */
void httpd_set_nginx_304(struct httpd *h, bool on);
/* Zeroes the connection, per-connection and conditional counters. */
void httpd_reset_counts(struct httpd *h);
/* Forgets the "once" faults already served (they fire again). */
void httpd_reset_faults(struct httpd *h);

#endif
