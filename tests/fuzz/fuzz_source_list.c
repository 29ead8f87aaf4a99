/* fuzz_source_list.c - any bytes as a `verify --list` file: every entry
 * taken is non-empty, trimmed, NUL-free, not a comment and within the
 * line cap. The input is copied into an exact-size buffer (no NUL added:
 * the parser is given a length). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/source_list.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    struct source_list l = {0};
    struct diag_list d = {0};
    if (source_list_parse(&l, "fuzz", s, size, &d) == 0)
        for (size_t i = 0; i < l.count; i++) {
            const char *e = l.items[i];
            size_t n = strlen(e);
            if (!n || n > SOURCE_LIST_MAX_LINE || e[0] == '#' || e[0] == ' ' || e[0] == '\t' ||
                e[n - 1] == ' ' || e[n - 1] == '\t' || e[n - 1] == '\r' || memchr(e, '\n', n))
                abort();
        }
    source_list_clear(&l);
    source_list_clear(&l); /* twice: cleared means empty */
    diag_clear(&d);
    free(s);
    return 0;
}
