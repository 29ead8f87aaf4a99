/* fuzz_http_parse.c - any bytes through the HTTP answer parsers fetch
 * decides on (player/net/http_parse.h). The input is split at newlines:
 * the first line is read as a status line, every line as a Content-Length,
 * a Content-Range, a Transfer-Encoding and a Content-Encoding value.
 * Checked, besides no crash: what is accepted is consistent (a length in
 * bounds, a range with start <= end < total, a status 100..599), and
 * parsing the same text twice gives the same answer.
 * fuzz-runs: 20000 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "player/net/http_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one_line(const char *s, bool first)
{
    int64_t v = -2, v2 = -2;
    if (http_parse_content_length(s, &v) == 0) {
        if (v < 0 || v > HTTP_MAX_LENGTH)
            abort();
        if (http_parse_content_length(s, &v2) != 0 || v2 != v)
            abort();
    }
    int64_t a = -2, b = -2, n = -2;
    if (http_parse_content_range(s, &a, &b, &n) == 0) {
        if (a == -1) {
            if (b != -1 || n < 0)
                abort(); /* "bytes * /N" */
        } else if (a < 0 || b < a || (n != -1 && n <= b) || b > HTTP_MAX_LENGTH)
            abort();
    } else if (a != -2 || b != -2 || n != -2)
        abort(); /* refused: outputs untouched */
    (void)http_is_chunked(s);
    int enc = http_content_encoding(s);
    if (enc < -1 || enc > 2)
        abort();
    if (first) {
        int st = 0;
        if (http_parse_status_line(s, &st) == 0 && (st < 100 || st > 599))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    char *p = text;
    bool first = true;
    for (;;) {
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        one_line(p, first);
        first = false;
        if (!nl)
            break;
        p = nl + 1;
    }
    free(text);
    return 0;
}
