/* url.h - URLs as RFC 3986 defines them: split, resolve, decode.
 *
 * The player reads documents that point at other documents with relative
 * references (a manifest names "media/a.mp4"), so every reference is resolved
 * against the URL of the document it came from, exactly as RFC 3986 section 5
 * says (strict parser: a reference with a scheme is never treated as
 * relative). Local files are file:// URLs inside the core; paths given on the
 * command line are turned into file URLs once, at the edge.
 *
 * All functions are pure and thread-safe. Strings returned through char **
 * are new heap strings the caller frees; on error they are set to NULL.
 */
#ifndef SP_URL_H
#define SP_URL_H

#include <stdbool.h>
#include <stddef.h>

/* Input longer than this is refused with SP_ELIMIT (bytes). */
#define URL_MAX_LEN (64 * 1024)

/* The five components of RFC 3986 appendix B. An absent component is NULL,
 * which is not the same as present and empty ("http://a?" has query "").
 * path is never NULL (may be ""). All owned; url_clear() frees them. */
struct url {
    char *scheme; /* as written (compare case-insensitively) */
    char *authority;
    char *path;
    char *query;
    char *fragment;
};

/* Splits s (NUL-terminated) into components; no decoding. Returns 0,
 * SP_EINVAL (NULL), SP_ELIMIT (longer than URL_MAX_LEN) or SP_ENOMEM; on
 * error *u is zeroed. */
int url_parse(const char *s, struct url *u);
void url_clear(struct url *u);

/* RFC 3986 section 5.3: components back into one string (new, caller
 * frees), or NULL when out of memory. */
char *url_recompose(const struct url *u);

/* RFC 3986 section 5.2.4 on a path; returns a new string or NULL (no
 * memory). */
char *url_remove_dot_segments(const char *path);

/* RFC 3986 section 5.2: the target URL of reference ref against base.
 * base must be absolute (have a scheme), else SP_EINVAL. If ref has a
 * scheme it wins (the strict parser). Returns 0, SP_EINVAL, SP_ELIMIT or
 * SP_ENOMEM. */
int url_resolve(const char *base, const char *ref, char **out);

/* Percent-decodes len bytes of s. If plus_is_space, '+' becomes ' ' (HTML
 * form encoding, as in the web player's query). A '%' not followed by two
 * hex digits is kept as is. Returns 0, SP_EPARSE (the result would contain
 * a NUL byte: "%00") or SP_ENOMEM. */
int url_percent_decode(const char *s, size_t len, bool plus_is_space, char **out);

/* Looks up the first parameter called name in the query of url (form
 * encoding: name=value pairs split by '&' or ';', '+' is a space) and
 * decodes its value into *value. Returns 0 (found; a parameter without '='
 * has value ""), SP_ENOENT (no such parameter, or no query), SP_EPARSE,
 * SP_ELIMIT or SP_ENOMEM. */
int url_query_get(const char *url, const char *name, char **value);

enum url_kind {
    URL_KIND_PATH,  /* no scheme: a local path, absolute or relative */
    URL_KIND_FILE,  /* file: */
    URL_KIND_HTTP,  /* http: */
    URL_KIND_HTTPS, /* https: */
    URL_KIND_OTHER  /* some other scheme followed by "//" (ftp://, rtmp://) */
};

/* What kind of source a string is. A string is only taken for a URL if it
 * starts with a valid scheme and then either is file:/http:/https: or has
 * "//" after the colon, so "notes:v2.json" stays a path. */
enum url_kind url_kind(const char *s);

/* What a document may name (media, pages, images, the next document):
 * the scheme allow-list. */
enum url_named {
    URL_NAMED_OK = 0,       /* http(s) anywhere; file: or a path from a local document */
    URL_NAMED_LOCAL_DENIED, /* file: or a path named by a remote document */
    URL_NAMED_SCHEME_DENIED /* any other scheme (tcp:, pipe:, concat:, data:, ftp:) */
};

/* Whether the document at doc_url may name target (an absolute URL, or a
 * path when the document had no URL). http and https are always allowed;
 * file: and paths only when doc_url is itself local (a file: URL, a path,
 * or NULL/empty: a document given in memory by a local caller); every other
 * scheme never, whatever FFmpeg or a loader could do with it. The same
 * rule redirects follow: a remote document never reaches local files. */
enum url_named url_named_check(const char *doc_url, const char *target);

/* A reason for a diagnostic ("a remote document may name only http:// or
 * https:// URLs"); static, never NULL. */
const char *url_named_reason(enum url_named v);

/* The scheme of s as written, into out (cap bytes, cut if longer), or ""
 * when s has none. Returns out. */
const char *url_scheme_of(const char *s, char *out, size_t cap);

/* True for an absolute URL (a valid scheme followed by ':'). */
bool url_is_absolute(const char *s);

/* A local path to a file:// URL: relative paths are made absolute against
 * the current directory, dot segments removed, bytes outside RFC 3986
 * pchar percent-encoded. Returns 0, SP_EINVAL (empty), SP_EIO (no current
 * directory), SP_ELIMIT or SP_ENOMEM. */
int url_from_path(const char *path, char **out);

/* A file URL back to a local path (percent-decoded). The host must be
 * empty or "localhost". Returns 0, SP_EINVAL (not a file URL, or a remote
 * host), SP_EPARSE (%00) or SP_ENOMEM. */
int url_to_path(const char *url, char **out);

/* A short name of a document for diagnostics: the last path segment of a
 * file URL ("replay.json"), or the URL without its query and fragment for
 * other schemes (signed URLs carry long queries). New string, or NULL when
 * out of memory. */
char *url_display_name(const char *url);

#endif
