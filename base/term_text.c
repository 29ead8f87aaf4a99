/* term_text.c - escaping of terminal controls in document text. */
#include "base/term_text.h"

#include "base/utf8.h"

#include <stdio.h>
#include <string.h>

bool term_cp_escaped(unsigned cp)
{
    return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F) || cp == 0x061C || cp == 0x200E ||
           cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

/* The escape for one code point (cp < 0x80 takes the short forms). */
static size_t escape_cp(unsigned cp, char out[8])
{
    switch (cp) {
    case '\n':
        memcpy(out, "\\n", 3);
        return 2;
    case '\r':
        memcpy(out, "\\r", 3);
        return 2;
    case '\t':
        memcpy(out, "\\t", 3);
        return 2;
    default:
        break;
    }
    if (cp < 0x80)
        return (size_t)snprintf(out, 8, "\\x%02x", cp);
    return (size_t)snprintf(out, 8, "\\u%04x", cp);
}

/* The shown form of the character at s[*pos] into piece (16 bytes);
 * advances *pos; returns its length. */
static size_t next_piece(const char *s, size_t len, size_t *pos, char piece[16])
{
    size_t start = *pos;
    int32_t cp = utf8_next(s, len, pos);
    if (cp >= 0 && term_cp_escaped((unsigned)cp))
        return escape_cp((unsigned)cp, piece);
    if (cp >= 0) {
        memcpy(piece, s + start, *pos - start);
        return *pos - start;
    }
    /* every byte of the ill-formed subpart (at most 3), so none can act */
    size_t n = 0;
    for (size_t i = start; i < *pos && n + 4 < 16; i++)
        n += (size_t)snprintf(piece + n, 16 - n, "\\x%02x", (unsigned char)s[i]);
    return n;
}

const char *term_safe_n(const char *s, size_t len, char *out, size_t cap)
{
    if (!out || cap < 4)
        return out && cap ? (out[0] = '\0', out) : "";
    if (!s)
        len = 0;
    char piece[16];
    /* Does all of it fit? Then no "..." needs room. */
    size_t total = 0;
    for (size_t pos = 0; pos < len && total < cap;)
        total += next_piece(s, len, &pos, piece);
    size_t room = total < cap ? cap - 1 : cap - 4; /* bytes of text, before "..." */
    size_t o = 0;
    for (size_t pos = 0; pos < len;) {
        size_t n = next_piece(s, len, &pos, piece);
        if (o + n > room)
            break; /* only whole characters and whole escapes */
        memcpy(out + o, piece, n);
        o += n;
    }
    if (total >= cap)
        memcpy(out + o, "...", 4);
    else
        out[o] = '\0';
    return out;
}

const char *term_safe(const char *s, char *out, size_t cap)
{
    return term_safe_n(s, s ? strlen(s) : 0, out, cap);
}
