/* json_util.h - small helpers over cJSON shared by the parsers. */
#ifndef SP_JSON_UTIL_H
#define SP_JSON_UTIL_H

#include <cjson/cJSON.h>

/* What a value is, for "expected integer, got string" diagnostics:
 * "string", "number", "boolean", "null", "array", "object", "nothing" for
 * NULL (a missing field), "invalid value" otherwise. Never NULL; static. */
const char *sp_json_type_name(const cJSON *v);

#endif
