/* json_util.h - small helpers over cJSON shared by the parsers. */
#ifndef SP_JSON_UTIL_H
#define SP_JSON_UTIL_H

#include <cjson/cJSON.h>
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

/* cJSON_Print() (formatted) or cJSON_PrintUnformatted(), then every code
 * point a terminal acts on that JSON leaves raw (DEL, C1 controls, the
 * bidirectional controls: see base/term_text.h) written as a \uNNNN
 * escape, and every ill-formed UTF-8 subpart as \ufffd: still the same
 * JSON values (those bytes only occur inside strings), safe to print. New
 * string (caller frees), or NULL when out of memory. */
char *sp_json_print_safe(const cJSON *v, bool formatted);

#endif
