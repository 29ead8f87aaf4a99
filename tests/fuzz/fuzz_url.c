/* fuzz_url.c - any string through the URL functions: split and
 * recompose, resolution both ways round against fixed URLs, decoding and
 * query lookup, file URL conversion. The input is copied into an
 * exact-size NUL-terminated buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "player/net/url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';
    struct url u;
    if (url_parse(s, &u) == 0) {
        char *back = url_recompose(&u);
        /* Splitting and joining again gives the same string back (up to
         * the first NUL, where the C string ends). */
        if (back && strcmp(back, s) != 0)
            abort();
        free(back);
        url_clear(&u);
    }
    char *out = NULL;
    if (url_resolve("http://a/b/c/d;p?q", s, &out) == 0) {
        /* Resolving the result again changes nothing: it is absolute. */
        char *again = NULL;
        if (url_resolve("http://x/y", out, &again) == 0 && strcmp(again, out) != 0)
            abort();
        free(again);
    }
    free(out);
    if (url_resolve(s, "../g?y#s", &out) == 0)
        free(out);
    char *p = url_remove_dot_segments(s);
    free(p);
    if (url_percent_decode(s, size, true, &out) == 0)
        free(out);
    if (url_query_get(s, "url", &out) == 0)
        free(out);
    if (url_to_path(s, &out) == 0)
        free(out);
    if (s[0] == '/' && url_from_path(s, &out) == 0)
        free(out);
    url_kind(s);
    out = url_display_name(s);
    free(out);
    free(s);
    return 0;
}
