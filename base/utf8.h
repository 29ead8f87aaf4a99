/* utf8.h - UTF-8 checking, repair and cutting for text shown to people.
 *
 * IM text arrives as whatever bytes the sender's client produced. Before it
 * is shown it is repaired: every ill-formed sequence becomes U+FFFD, one per
 * "maximal subpart" (Unicode 15, section 3.9, the same rule browsers use):
 * overlong forms, surrogates (U+D800..U+DFFF), values past U+10FFFF, stray
 * continuation bytes and truncated sequences are all ill-formed.
 *
 * Lengths are bytes unless a name says code points. No allocation except in
 * utf8_repair().
 */
#ifndef SP_UTF8_H
#define SP_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define UTF8_REPLACEMENT 0xFFFDu

/* Decodes the code point at s[*pos] (pos < len) and advances *pos past it.
 * Returns the code point, or -1 for an ill-formed sequence, in which case
 * *pos advances past its maximal subpart only (at least one byte). */
int32_t utf8_next(const char *s, size_t len, size_t *pos);

/* Encodes cp (<= U+10FFFF, not a surrogate) into out; returns 1..4 bytes,
 * or 0 for a value that cannot be encoded. */
size_t utf8_encode(uint32_t cp, char out[4]);

/* True if s[0..len) is well-formed UTF-8. */
bool utf8_valid(const char *s, size_t len);

/* Number of code points in s[0..len) (an ill-formed subpart counts as one,
 * as it will once repaired). */
size_t utf8_count(const char *s, size_t len);

/* A new NUL-terminated copy of s[0..len) with every ill-formed subpart
 * replaced by U+FFFD (caller frees). Embedded NUL bytes are kept as they
 * are. *out_len (optional) gets the byte length, *replaced (optional) how
 * many replacements were made. Returns NULL only when out of memory. */
char *utf8_repair(const char *s, size_t len, size_t *out_len, size_t *replaced);

/* Length in bytes of the longest prefix of well-formed s[0..len) that ends
 * on a code point boundary and has at most max_bytes bytes, at most
 * max_cps code points and at most max_lines lines (a line ends at '\n'; the
 * cut goes before the '\n' that would start line max_lines + 1). Pass
 * SIZE_MAX for no limit. */
size_t utf8_prefix(const char *s, size_t len, size_t max_bytes, size_t max_cps, size_t max_lines);

#endif
