/* utf8.c - UTF-8 decode, repair (U+FFFD per maximal subpart) and prefix cutting. */
#include "base/utf8.h"

#include <stdlib.h>
#include <string.h>

int32_t utf8_next(const char *str, size_t len, size_t *pos)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = *pos;
    unsigned c = s[i];
    if (c < 0x80) {
        *pos = i + 1;
        return (int32_t)c;
    }
    size_t need;
    uint32_t cp;
    unsigned lo = 0x80, hi = 0xBF; /* allowed range of the second byte */
    if (c >= 0xC2 && c <= 0xDF) {
        need = 1;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 2;
        cp = c & 0x0F;
        if (c == 0xE0)
            lo = 0xA0; /* no overlong forms */
        else if (c == 0xED)
            hi = 0x9F; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 3;
        cp = c & 0x07;
        if (c == 0xF0)
            lo = 0x90; /* no overlong forms */
        else if (c == 0xF4)
            hi = 0x8F; /* nothing past U+10FFFF */
    } else {
        *pos = i + 1; /* C0, C1, F5..FF, or a stray continuation byte */
        return -1;
    }
    i++;
    for (size_t k = 0; k < need; k++, i++) {
        if (i >= len) {
            *pos = i;
            return -1;
        }
        unsigned b = s[i];
        if (b < lo || b > hi) {
            *pos = i; /* the offending byte starts the next sequence */
            return -1;
        }
        lo = 0x80;
        hi = 0xBF;
        cp = (cp << 6) | (b & 0x3F);
    }
    *pos = i;
    return (int32_t)cp;
}

size_t utf8_encode(uint32_t cp, char out[4])
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF)
        return 0;
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp <= 0x10FFFF) {
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        return 4;
    }
    return 0;
}

bool utf8_valid(const char *s, size_t len)
{
    size_t i = 0;
    while (i < len)
        if (utf8_next(s, len, &i) < 0)
            return false;
    return true;
}

size_t utf8_count(const char *s, size_t len)
{
    size_t i = 0, n = 0;
    while (i < len) {
        utf8_next(s, len, &i);
        n++;
    }
    return n;
}

char *utf8_repair(const char *s, size_t len, size_t *out_len, size_t *replaced)
{
    /* Each ill-formed subpart is at least one byte and becomes 3 bytes. */
    size_t bad = 0, extra = 0, i = 0;
    while (i < len) {
        size_t at = i;
        if (utf8_next(s, len, &i) < 0) {
            bad++;
            size_t used = i - at;
            if (used < 3)
                extra += 3 - used;
        }
    }
    char *out = malloc(len + extra + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    if (bad == 0) {
        memcpy(out, s, len);
        o = len;
    } else {
        i = 0;
        while (i < len) {
            size_t at = i;
            if (utf8_next(s, len, &i) < 0) {
                memcpy(out + o, "\xEF\xBF\xBD", 3);
                o += 3;
            } else {
                memcpy(out + o, s + at, i - at);
                o += i - at;
            }
        }
    }
    out[o] = '\0';
    if (out_len)
        *out_len = o;
    if (replaced)
        *replaced = bad;
    return out;
}

size_t utf8_prefix(const char *s, size_t len, size_t max_bytes, size_t max_cps, size_t max_lines)
{
    size_t i = 0, cps = 0, lines = 1;
    while (i < len && cps < max_cps) {
        if (s[i] == '\n') {
            if (lines >= max_lines)
                break;
            lines++;
        }
        size_t next = i;
        utf8_next(s, len, &next);
        if (next > max_bytes)
            break;
        i = next;
        cps++;
    }
    return i;
}
