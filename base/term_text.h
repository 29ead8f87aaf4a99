/* term_text.h - text from documents made safe for a terminal.
 *
 * A recording names users, statuses, titles and URLs; printed raw, an ESC
 * in a UserId can retitle or clear the user's terminal, and a right-to-left
 * override can make a line read backwards. Every string from a document
 * goes through term_safe() before it reaches a terminal (probe, verify,
 * play, and every diagnostic through diag_print()).
 *
 * Shown escaped: C0 controls and DEL as \n, \r, \t or \xNN; C1 controls
 * (U+0080..U+009F) and the bidirectional controls (U+061C, U+200E, U+200F,
 * U+202A..U+202E, U+2066..U+2069) as \uNNNN; each byte of an ill-formed
 * UTF-8 sequence as \xNN. Everything else (printable ASCII and well-formed
 * UTF-8, backslash included) is copied as is.
 *
 * JSON output needs no call: cJSON escapes as JSON does, and
 * sp_json_print_safe() (base/json_util.h) escapes the rest.
 */
#ifndef SP_TERM_TEXT_H
#define SP_TERM_TEXT_H

#include <stdbool.h>
#include <stddef.h>

/* Bytes of the buffer TERM_SAFE() gives each string: long enough for any
 * field a line shows; a longer result is cut, ending "...". */
#define TERM_SAFE_MAX 1024

/* True if code point cp is shown escaped (a C0 or C1 control, DEL, or a
 * bidirectional control). */
bool term_cp_escaped(unsigned cp);

/* Writes s[0..len) made safe into out (cap >= 4 bytes), NUL-terminated,
 * cut at a whole character or escape with "..." when it does not fit.
 * Returns out; s NULL gives "". */
const char *term_safe_n(const char *s, size_t len, char *out, size_t cap);

/* term_safe_n() on a NUL-terminated string. */
const char *term_safe(const char *s, char *out, size_t cap);

/* term_safe() into a buffer that lives until the end of the enclosing
 * block: for printf arguments, printf("%s", TERM_SAFE(rec->status)). */
#define TERM_SAFE(s) term_safe((s), (char[TERM_SAFE_MAX]){0}, TERM_SAFE_MAX)

#endif
