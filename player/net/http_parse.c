/* http_parse.c - see http_parse.h. */
#include "player/net/http_parse.h"

#include "base/sp_error.h"

#include <stddef.h>
#include <string.h>
#include <strings.h>

static bool is_ows(char c)
{
    return c == ' ' || c == '\t';
}

/* Reads decimal digits at *p (at least one, value <= HTTP_MAX_LENGTH);
 * advances *p past them. */
static bool digits(const char **p, int64_t *out)
{
    const char *s = *p;
    int64_t v = 0;
    size_t n = 0;
    while (s[n] >= '0' && s[n] <= '9') {
        v = v * 10 + (s[n] - '0');
        if (v > HTTP_MAX_LENGTH)
            return false;
        n++;
    }
    if (!n)
        return false;
    *out = v;
    *p = s + n;
    return true;
}

static const char *skip_ows(const char *s)
{
    while (is_ows(*s))
        s++;
    return s;
}

int http_parse_content_length(const char *s, int64_t *out)
{
    const char *p = skip_ows(s);
    int64_t v;
    if (!digits(&p, &v))
        return SP_EPARSE;
    if (*skip_ows(p))
        return SP_EPARSE;
    *out = v;
    return 0;
}

int http_parse_content_range(const char *s, int64_t *a, int64_t *b, int64_t *n)
{
    const char *p = skip_ows(s);
    if (strncasecmp(p, "bytes", 5) || !is_ows(p[5]))
        return SP_EPARSE;
    p = skip_ows(p + 5);
    int64_t x = -1, y = -1, z = -1;
    if (*p == '*') {
        p++;
        if (*p++ != '/' || !digits(&p, &z) || *skip_ows(p))
            return SP_EPARSE;
    } else {
        if (!digits(&p, &x) || *p++ != '-' || !digits(&p, &y) || y < x || *p++ != '/')
            return SP_EPARSE;
        if (*p == '*')
            p++;
        else if (!digits(&p, &z) || z <= y)
            return SP_EPARSE;
        if (*skip_ows(p))
            return SP_EPARSE;
    }
    *a = x;
    *b = y;
    *n = z;
    return 0;
}

bool http_is_chunked(const char *te)
{
    /* the last coding of the list is the framing (RFC 9112 6.1) */
    size_t len = strlen(te);
    while (len && is_ows(te[len - 1]))
        len--;
    size_t start = len;
    while (start && te[start - 1] != ',' && !is_ows(te[start - 1]))
        start--;
    return len - start == 7 && !strncasecmp(te + start, "chunked", 7);
}

int http_content_encoding(const char *ce)
{
    const char *p = skip_ows(ce);
    size_t len = strlen(p);
    while (len && is_ows(p[len - 1]))
        len--;
    if (!len || (len == 8 && !strncasecmp(p, "identity", 8)))
        return 0;
    if ((len == 4 && !strncasecmp(p, "gzip", 4)) || (len == 6 && !strncasecmp(p, "x-gzip", 6)))
        return 1;
    if (len == 7 && !strncasecmp(p, "deflate", 7))
        return 2;
    return -1;
}

int http_parse_status_line(const char *line, int *status)
{
    if (strncmp(line, "HTTP/", 5) || line[5] < '0' || line[5] > '9' || line[6] != '.' ||
        line[7] < '0' || line[7] > '9' || line[8] != ' ')
        return SP_EPARSE;
    const char *p = line + 9;
    if (p[0] < '1' || p[0] > '5' || p[1] < '0' || p[1] > '9' || p[2] < '0' || p[2] > '9')
        return SP_EPARSE;
    if (p[3] != '\0' && p[3] != ' ' && p[3] != '\r')
        return SP_EPARSE;
    *status = (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0');
    return 0;
}
