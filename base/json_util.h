/* json_util.h - small helpers over cJSON shared by the parsers. */
#ifndef SP_JSON_UTIL_H
#define SP_JSON_UTIL_H

#include <cjson/cJSON.h>

#include "base/diag.h"
#include <stdbool.h>
#include <stddef.h>

/* What a value is, for "expected integer, got string" diagnostics:
 * "string", "number", "boolean", "null", "array", "object", "nothing" for
 * NULL (a missing field), "invalid value" otherwise. Never NULL; static. */
const char *sp_json_type_name(const cJSON *v);

/* Finds a NUL character (the escape \u0000) inside a string, key or
 * value, of the JSON text json[0..len). cJSON keeps such a string as a C
 * string cut at the NUL, so "x.mp4\u0000.evil" would silently read as
 * "x.mp4": readers refuse the document instead, naming the field. Returns
 * true and writes the field's path into field (cap bytes, cut if longer;
 * "VideoInfos[3].VideoUrl", or "(top level)" for a bare string), false if
 * there is none. Linear time, no allocation; any bytes are safe. */
bool sp_json_find_nul(const char *json, size_t len, char *field, size_t cap);

/* Every JSON reader's rule for such a string, in one place: if
 * json[0..len) holds a \u0000, adds one diagnostic at level with the code
 * DIAG_CODE_JSON_NUL, "NAME: PARENT.FIELD: a string holds a NUL character
 * (\u0000); OUTCOME" (parent may be NULL or "", for a document read
 * whole; outcome says what the reader does, e.g. "the page is refused"),
 * and returns true: the caller then refuses what it parsed. False, and no
 * diagnostic, otherwise. diag may be NULL (the answer alone). */
bool sp_json_refuse_nul(struct diag_list *diag, enum diag_level level, const char *name,
                        const char *parent, const char *json, size_t len, const char *outcome);

/* cJSON_Print() (formatted) or cJSON_PrintUnformatted(), then every code
 * point a terminal acts on that JSON leaves raw (DEL, C1 controls, the
 * bidirectional controls: see base/term_text.h) written as a \uNNNN
 * escape, and every ill-formed UTF-8 subpart as \ufffd: still the same
 * JSON values (those bytes only occur inside strings), safe to print. New
 * string (caller frees), or NULL when out of memory. */
char *sp_json_print_safe(const cJSON *v, bool formatted);

#endif
