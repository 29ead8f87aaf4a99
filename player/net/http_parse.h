/* http_parse.h - the HTTP answer fields fetch decides on, parsed strictly.
 *
 * libwebsockets splits an answer into its status and header values; these
 * functions read the values whose meaning decides whether bytes are
 * stored and whether a download is complete (Content-Length,
 * Content-Range, Transfer-Encoding, Content-Encoding), plus a status line
 * for callers that see one whole. Every number is decimal digits only (no
 * sign, no spaces inside), at most HTTP_MAX_LENGTH; anything else is
 * refused rather than read as a smaller number.
 * Pure functions on NUL-terminated strings; no allocation.
 */
#ifndef SP_HTTP_PARSE_H
#define SP_HTTP_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/* Largest length or offset accepted, bytes (2^50: a petabyte). */
#define HTTP_MAX_LENGTH (INT64_C(1) << 50)

/* Content-Length: "123" (surrounding spaces or tabs allowed). Returns 0
 * with *out set, or SP_EPARSE. */
int http_parse_content_length(const char *s, int64_t *out);

/* Content-Range of a 206 or 416 answer: "bytes A-B/N" (A <= B < N),
 * "bytes A-B/STAR" (*n = -1) or "bytes STAR/N" (*a = *b = -1), STAR
 * being an asterisk. Returns 0 or
 * SP_EPARSE (outputs untouched). */
int http_parse_content_range(const char *s, int64_t *a, int64_t *b, int64_t *n);

/* Whether a Transfer-Encoding value ends in "chunked" (the framing that
 * proves a body's end by its final chunk); case-insensitive. */
bool http_is_chunked(const char *transfer_encoding);

/* Content-Encoding: 0 none or "identity", 1 gzip (or x-gzip), 2 deflate,
 * -1 anything else (including a list of several codings). */
int http_content_encoding(const char *content_encoding);

/* "HTTP/1.1 206 Partial Content" -> 206. Returns 0 with *status (100 to
 * 599), or SP_EPARSE. */
int http_parse_status_line(const char *line, int *status);

#endif
