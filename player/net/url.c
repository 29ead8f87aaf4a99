/* url.c - RFC 3986 split (appendix B), reference resolution (section 5),
 * percent-decoding and file path <-> file:// conversion. */
#include "player/net/url.h"

#include "base/platform/os_file.h"
#include "base/sp_error.h"

#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *dup_range(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static char *dup_str(const char *s)
{
    return s ? dup_range(s, strlen(s)) : NULL;
}

/* A growable string; on allocation failure it latches failed. */
struct buf {
    char *p;
    size_t len, cap;
    bool failed;
};

static void buf_put(struct buf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t ncap = b->cap ? b->cap : 64;
        while (ncap < b->len + n + 1)
            ncap *= 2;
        char *np = realloc(b->p, ncap);
        if (!np) {
            b->failed = true;
            return;
        }
        b->p = np;
        b->cap = ncap;
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void buf_puts(struct buf *b, const char *s)
{
    buf_put(b, s, strlen(s));
}

/* Returns the string (caller frees), or NULL if an allocation failed. */
static char *buf_take(struct buf *b)
{
    if (b->failed) {
        free(b->p);
        return NULL;
    }
    if (!b->p)
        return dup_range("", 0);
    return b->p;
}

/* Length of a valid scheme at the start of s followed by ':' (RFC 3986
 * 3.1: ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )), or 0. */
static size_t scheme_len(const char *s)
{
    if (!isalpha((unsigned char)s[0]))
        return 0;
    size_t i = 1;
    while (isalnum((unsigned char)s[i]) || s[i] == '+' || s[i] == '-' || s[i] == '.')
        i++;
    return s[i] == ':' ? i : 0;
}

void url_clear(struct url *u)
{
    if (!u)
        return;
    free(u->scheme);
    free(u->authority);
    free(u->path);
    free(u->query);
    free(u->fragment);
    memset(u, 0, sizeof(*u));
}

int url_parse(const char *s, struct url *u)
{
    if (!u)
        return SP_EINVAL;
    memset(u, 0, sizeof(*u));
    if (!s)
        return SP_EINVAL;
    size_t total = strnlen(s, URL_MAX_LEN + 1);
    if (total > URL_MAX_LEN)
        return SP_ELIMIT;
    const char *p = s;
    size_t sl = scheme_len(p);
    if (sl) {
        if (!(u->scheme = dup_range(p, sl)))
            goto nomem;
        p += sl + 1;
    }
    if (p[0] == '/' && p[1] == '/') {
        p += 2;
        size_t n = strcspn(p, "/?#");
        if (!(u->authority = dup_range(p, n)))
            goto nomem;
        p += n;
    }
    size_t n = strcspn(p, "?#");
    if (!(u->path = dup_range(p, n)))
        goto nomem;
    p += n;
    if (*p == '?') {
        p++;
        n = strcspn(p, "#");
        if (!(u->query = dup_range(p, n)))
            goto nomem;
        p += n;
    }
    if (*p == '#') {
        p++;
        if (!(u->fragment = dup_str(p)))
            goto nomem;
    }
    return 0;
nomem:
    url_clear(u);
    return SP_ENOMEM;
}

char *url_recompose(const struct url *u)
{
    struct buf b = {0};
    if (u->scheme) {
        buf_puts(&b, u->scheme);
        buf_puts(&b, ":");
    }
    if (u->authority) {
        buf_puts(&b, "//");
        buf_puts(&b, u->authority);
    }
    buf_puts(&b, u->path ? u->path : "");
    if (u->query) {
        buf_puts(&b, "?");
        buf_puts(&b, u->query);
    }
    if (u->fragment) {
        buf_puts(&b, "#");
        buf_puts(&b, u->fragment);
    }
    return buf_take(&b);
}

/* Drops the last segment and its preceding '/' from the output. */
static void pop_segment(struct buf *out)
{
    while (out->len > 0 && out->p[out->len - 1] != '/')
        out->len--;
    if (out->len > 0)
        out->len--;
    if (out->p)
        out->p[out->len] = '\0';
}

char *url_remove_dot_segments(const char *path)
{
    /* Without a "." or ".." segment the algorithm is the identity. */
    if (path[0] != '.' && !strstr(path, "/."))
        return dup_str(path);
    struct buf out = {0};
    const char *in = path;
    while (*in) {
        if (!strncmp(in, "../", 3)) {
            in += 3; /* A */
        } else if (!strncmp(in, "./", 2)) {
            in += 2; /* A */
        } else if (!strncmp(in, "/./", 3)) {
            in += 2; /* B: "/./" becomes "/" */
        } else if (!strcmp(in, "/.")) {
            buf_puts(&out, "/"); /* B: "/." becomes "/", the last segment */
            break;
        } else if (!strncmp(in, "/../", 4)) {
            in += 3; /* C */
            pop_segment(&out);
        } else if (!strcmp(in, "/..")) {
            pop_segment(&out); /* C */
            buf_puts(&out, "/");
            break;
        } else if (!strcmp(in, ".") || !strcmp(in, "..")) {
            break; /* D */
        } else {
            /* E: the first segment, with its leading '/' if any. */
            size_t n = (*in == '/') ? 1 : 0;
            n += strcspn(in + n, "/");
            buf_put(&out, in, n);
            in += n;
        }
    }
    return buf_take(&out);
}

/* Section 5.2.3. */
static char *merge_paths(const struct url *base, const char *ref_path)
{
    struct buf b = {0};
    if (base->authority && base->path[0] == '\0') {
        buf_puts(&b, "/");
    } else {
        const char *slash = strrchr(base->path, '/');
        if (slash)
            buf_put(&b, base->path, (size_t)(slash - base->path) + 1);
    }
    buf_puts(&b, ref_path);
    return buf_take(&b);
}

/* Replaces *dst by the dot-free version of path; false when out of memory. */
static bool set_clean_path(char **dst, const char *path)
{
    char *p = url_remove_dot_segments(path);
    if (!p)
        return false;
    free(*dst);
    *dst = p;
    return true;
}

static bool copy_field(char **dst, const char *src)
{
    free(*dst);
    *dst = NULL;
    if (!src)
        return true;
    return (*dst = dup_str(src)) != NULL;
}

int url_resolve(const char *base_s, const char *ref_s, char **out)
{
    if (!out)
        return SP_EINVAL;
    *out = NULL;
    struct url base, ref, t = {0};
    int rc = url_parse(base_s, &base);
    if (rc)
        return rc;
    if (!base.scheme) {
        url_clear(&base);
        return SP_EINVAL;
    }
    rc = url_parse(ref_s, &ref);
    if (rc) {
        url_clear(&base);
        return rc;
    }
    bool ok = true;
    if (ref.scheme) {
        ok = copy_field(&t.scheme, ref.scheme) && copy_field(&t.authority, ref.authority) &&
             set_clean_path(&t.path, ref.path) && copy_field(&t.query, ref.query);
    } else {
        if (ref.authority) {
            ok = copy_field(&t.authority, ref.authority) && set_clean_path(&t.path, ref.path) &&
                 copy_field(&t.query, ref.query);
        } else {
            if (ref.path[0] == '\0') {
                ok = copy_field(&t.path, base.path) &&
                     copy_field(&t.query, ref.query ? ref.query : base.query);
            } else {
                if (ref.path[0] == '/') {
                    ok = set_clean_path(&t.path, ref.path);
                } else {
                    char *m = merge_paths(&base, ref.path);
                    ok = m && set_clean_path(&t.path, m);
                    free(m);
                }
                ok = ok && copy_field(&t.query, ref.query);
            }
            ok = ok && copy_field(&t.authority, base.authority);
        }
        ok = ok && copy_field(&t.scheme, base.scheme);
    }
    ok = ok && copy_field(&t.fragment, ref.fragment);
    if (ok && !t.path)
        ok = (t.path = dup_str("")) != NULL;
    if (ok)
        *out = url_recompose(&t);
    url_clear(&base);
    url_clear(&ref);
    url_clear(&t);
    return *out ? 0 : SP_ENOMEM;
}

static int hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int url_percent_decode(const char *s, size_t len, bool plus_is_space, char **out)
{
    *out = NULL;
    char *d = malloc(len + 1);
    if (!d)
        return SP_ENOMEM;
    size_t j = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '%' && i + 2 < len) {
            int hi = hex_val(s[i + 1]);
            int lo = hex_val(s[i + 2]);
            if (hi >= 0 && lo >= 0) {
                char v = (char)(hi * 16 + lo);
                if (v == '\0') {
                    free(d);
                    return SP_EPARSE;
                }
                d[j++] = v;
                i += 2;
                continue;
            }
        } else if (c == '\0') {
            free(d);
            return SP_EPARSE;
        }
        d[j++] = (plus_is_space && c == '+') ? ' ' : c;
    }
    d[j] = '\0';
    *out = d;
    return 0;
}

int url_query_get(const char *url_s, const char *name, char **value)
{
    *value = NULL;
    struct url u;
    int rc = url_parse(url_s, &u);
    if (rc)
        return rc;
    rc = SP_ENOENT;
    const char *p = u.query;
    while (p && *p) {
        size_t n = strcspn(p, "&;");
        size_t klen = strcspn(p, "=&;");
        char *key = NULL;
        int drc = url_percent_decode(p, klen, true, &key);
        if (drc) {
            rc = drc;
            break;
        }
        bool match = !strcmp(key, name);
        free(key);
        if (match) {
            if (klen < n)
                rc = url_percent_decode(p + klen + 1, n - klen - 1, true, value);
            else
                rc = (*value = dup_str("")) ? 0 : SP_ENOMEM;
            break;
        }
        p += n;
        if (*p)
            p++;
    }
    url_clear(&u);
    return rc;
}

enum url_kind url_kind(const char *s)
{
    if (!s)
        return URL_KIND_PATH;
    size_t n = scheme_len(s);
    if (!n)
        return URL_KIND_PATH;
    if (n == 4 && !strncasecmp(s, "file", 4))
        return URL_KIND_FILE;
    if (n == 4 && !strncasecmp(s, "http", 4))
        return URL_KIND_HTTP;
    if (n == 5 && !strncasecmp(s, "https", 5))
        return URL_KIND_HTTPS;
    if (s[n + 1] == '/' && s[n + 2] == '/')
        return URL_KIND_OTHER;
    return URL_KIND_PATH;
}

enum url_named url_named_check(const char *doc_url, const char *target)
{
    if (!target)
        return URL_NAMED_SCHEME_DENIED;
    size_t n = scheme_len(target);
    if ((n == 4 && !strncasecmp(target, "http", 4)) || (n == 5 && !strncasecmp(target, "https", 5)))
        return URL_NAMED_OK;
    /* url_kind() calls "pipe:0" a path; here any scheme counts, so that
     * nothing but http, https and file ever reaches a reader or FFmpeg. */
    if (n != 0 && !(n == 4 && !strncasecmp(target, "file", 4)))
        return URL_NAMED_SCHEME_DENIED;
    /* target is local: a file URL or a path */
    if (!doc_url || !*doc_url)
        return URL_NAMED_OK;
    size_t dn = scheme_len(doc_url);
    if (dn == 0 || (dn == 4 && !strncasecmp(doc_url, "file", 4)))
        return URL_NAMED_OK;
    return URL_NAMED_LOCAL_DENIED;
}

const char *url_named_reason(enum url_named v)
{
    switch (v) {
    case URL_NAMED_OK:
        return "allowed";
    case URL_NAMED_LOCAL_DENIED:
        return "a remote document may name only http:// or https:// URLs, never local files";
    default:
        return "URL scheme not allowed (only http://, https://, and file:// or a path in a "
               "local document)";
    }
}

const char *url_scheme_of(const char *s, char *out, size_t cap)
{
    if (!out || !cap)
        return "";
    size_t n = s ? scheme_len(s) : 0;
    if (n >= cap)
        n = cap - 1;
    memcpy(out, s ? s : "", n);
    out[n] = '\0';
    return out;
}

bool url_is_absolute(const char *s)
{
    return s && scheme_len(s) > 0;
}

/* RFC 3986 pchar minus pct-encoded, plus '/' (we encode paths whole). */
static bool path_char_ok(unsigned char c)
{
    return isalnum(c) || strchr("-._~!$&'()*+,;=:@/", c) != NULL;
}

int url_from_path(const char *path, char **out)
{
    *out = NULL;
    if (!path || !*path)
        return SP_EINVAL;
    if (strnlen(path, URL_MAX_LEN + 1) > URL_MAX_LEN)
        return SP_ELIMIT;
    struct buf abs = {0};
    if (path[0] != '/') {
        char cwd[PATH_MAX];
        if (sp_os_getcwd(cwd, sizeof(cwd)) != 0)
            return SP_EIO;
        buf_puts(&abs, cwd);
        if (abs.len == 0 || abs.p[abs.len - 1] != '/')
            buf_puts(&abs, "/");
    }
    buf_puts(&abs, path);
    char *a = buf_take(&abs);
    if (!a)
        return SP_ENOMEM;
    char *clean = url_remove_dot_segments(a);
    free(a);
    if (!clean)
        return SP_ENOMEM;
    struct buf b = {0};
    buf_puts(&b, "file://");
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)clean; *p; p++) {
        if (path_char_ok(*p)) {
            buf_put(&b, (const char *)p, 1);
        } else {
            char e[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            buf_put(&b, e, 3);
        }
    }
    free(clean);
    *out = buf_take(&b);
    if (!*out)
        return SP_ENOMEM;
    if (strlen(*out) > URL_MAX_LEN) {
        free(*out);
        *out = NULL;
        return SP_ELIMIT;
    }
    return 0;
}

int url_to_path(const char *url_s, char **out)
{
    *out = NULL;
    if (url_kind(url_s) != URL_KIND_FILE)
        return SP_EINVAL;
    struct url u;
    int rc = url_parse(url_s, &u);
    if (rc)
        return rc;
    if (u.authority && u.authority[0] && strcasecmp(u.authority, "localhost") != 0) {
        url_clear(&u);
        return SP_EINVAL;
    }
    if (u.path[0] != '/') {
        url_clear(&u);
        return SP_EINVAL;
    }
    rc = url_percent_decode(u.path, strlen(u.path), false, out);
    url_clear(&u);
    return rc;
}

char *url_display_name(const char *url_s)
{
    struct url u;
    if (url_parse(url_s, &u) != 0)
        return dup_str(url_s ? url_s : "");
    char *name = NULL;
    if (url_kind(url_s) == URL_KIND_FILE || !u.scheme) {
        const char *slash = strrchr(u.path, '/');
        const char *last = slash ? slash + 1 : u.path;
        if (*last) {
            if (url_percent_decode(last, strlen(last), false, &name) != 0)
                name = dup_str(last);
        }
    }
    if (!name) {
        free(u.query);
        free(u.fragment);
        u.query = u.fragment = NULL;
        name = url_recompose(&u);
    }
    url_clear(&u);
    return name;
}
