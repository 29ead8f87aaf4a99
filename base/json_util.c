#include "base/json_util.h"

#include "base/diag.h"
#include "base/term_text.h"
#include "base/utf8.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *sp_json_type_name(const cJSON *v)
{
    if (!v)
        return "nothing";
    if (cJSON_IsString(v))
        return "string";
    if (cJSON_IsNumber(v))
        return "number";
    if (cJSON_IsBool(v))
        return "boolean";
    if (cJSON_IsNull(v))
        return "null";
    if (cJSON_IsArray(v))
        return "array";
    if (cJSON_IsObject(v))
        return "object";
    return "invalid value";
}

/* ---- NUL inside strings ----------------------------------------------------- */

#define NUL_MAX_DEPTH 32 /* path frames kept; deeper levels still counted */
#define NUL_MAX_KEY 64   /* bytes of a key kept for the path */

struct nul_frame {
    bool array;
    bool want_key; /* object: the next string is a key */
    size_t index;  /* array: the element being read */
    char key[NUL_MAX_KEY + 1];
};

static void nul_path(const struct nul_frame *f, size_t depth, const char *key, char *out,
                     size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < depth && i < NUL_MAX_DEPTH && o + 1 < cap; i++) {
        int n;
        if (f[i].array)
            n = snprintf(out + o, cap - o, "[%zu]", f[i].index);
        else
            n = snprintf(out + o, cap - o, "%s%s", o ? "." : "", f[i].key);
        if (n < 0)
            break;
        o += (size_t)n < cap - o ? (size_t)n : cap - o - 1;
    }
    if (key && o + 1 < cap)
        snprintf(out + o, cap - o, "%s%s", o ? "." : "", key);
    if (!out[0])
        snprintf(out, cap, "(top level)");
}

/* Reads the string starting after its opening quote at *i; copies up to
 * NUL_MAX_KEY bytes of it (escapes kept as written) into key. True if it
 * holds \u0000. */
static bool nul_string(const char *s, size_t len, size_t *i, char *key)
{
    bool nul = false;
    size_t k = 0;
    while (*i < len && s[*i] != '"') {
        if (s[*i] == '\\' && *i + 1 < len) {
            if (s[*i + 1] == 'u' && *i + 5 < len && !memcmp(s + *i + 2, "0000", 4))
                nul = true;
            if (key && k + 2 <= NUL_MAX_KEY) {
                key[k++] = s[*i];
                key[k++] = s[*i + 1];
            }
            *i += 2;
            continue;
        }
        if (key && k < NUL_MAX_KEY)
            key[k++] = s[*i];
        (*i)++;
    }
    if (*i < len)
        (*i)++; /* the closing quote */
    if (key)
        key[k] = '\0';
    return nul;
}

bool sp_json_find_nul(const char *json, size_t len, char *field, size_t cap)
{
    if (!json || !len)
        return false;
    /* the common case: no "\u0000" anywhere, so no scan. The 'u' of each
     * candidate is found with memchr(): the batches inside a page are
     * full of backslashes and zeros, but a 'u' is rare, and a byte-wise
     * test of every position was a tenth of reading a page. */
    bool maybe = false;
    if (len >= 6) {
        /* the 'u' sits at 1 .. len - 5: a backslash before, four zeros after */
        const char *p = json + 1, *lim = json + len - 4;
        while (!maybe && p < lim && (p = memchr(p, 'u', (size_t)(lim - p))) != NULL) {
            maybe = p[-1] == '\\' && !memcmp(p + 1, "0000", 4);
            p++;
        }
    }
    if (!maybe)
        return false;
    struct nul_frame f[NUL_MAX_DEPTH];
    size_t depth = 0;
    size_t i = 0;
    while (i < len) {
        char ch = json[i];
        struct nul_frame *top = depth && depth <= NUL_MAX_DEPTH ? &f[depth - 1] : NULL;
        switch (ch) {
        case '{':
        case '[':
            if (depth < NUL_MAX_DEPTH) {
                f[depth].array = ch == '[';
                f[depth].want_key = ch == '{';
                f[depth].index = 0;
                f[depth].key[0] = '\0';
            }
            depth++;
            i++;
            break;
        case '}':
        case ']':
            if (depth)
                depth--;
            i++;
            break;
        case ',':
            if (top && top->array)
                top->index++;
            else if (top)
                top->want_key = true;
            i++;
            break;
        case ':':
            if (top)
                top->want_key = false;
            i++;
            break;
        case '"': {
            i++;
            bool is_key = top && !top->array && top->want_key;
            char key[NUL_MAX_KEY + 1];
            bool nul = nul_string(json, len, &i, is_key ? key : NULL);
            if (is_key)
                memcpy(top->key, key, sizeof(key));
            if (nul) {
                /* a key names itself; a value, the keys and indexes to it */
                if (field && cap)
                    nul_path(f, is_key ? depth - 1 : depth, is_key ? key : NULL, field, cap);
                return true;
            }
            break;
        }
        default:
            i++;
            break;
        }
    }
    return false;
}

/* ---- printing safe for a terminal ------------------------------------------- */

char *sp_json_print_safe(const cJSON *v, bool formatted)
{
    char *raw = formatted ? cJSON_Print(v) : cJSON_PrintUnformatted(v);
    if (!raw)
        return NULL;
    size_t len = strlen(raw);
    /* each code point of 1 to 3 bytes becomes 6 bytes at most */
    if (len > (SIZE_MAX - 1) / 6) {
        free(raw);
        return NULL;
    }
    char *out = malloc(len * 6 + 1);
    if (!out) {
        free(raw);
        return NULL;
    }
    size_t o = 0, pos = 0;
    while (pos < len) {
        size_t start = pos;
        int32_t cp = utf8_next(raw, len, &pos);
        if (cp < 0) {
            memcpy(out + o, "\\ufffd", 6);
            o += 6;
        } else if (cp >= 0x20 && term_cp_escaped((unsigned)cp)) {
            o += (size_t)snprintf(out + o, 7, "\\u%04x", (unsigned)cp);
        } else {
            memcpy(out + o, raw + start, pos - start);
            o += pos - start;
        }
    }
    out[o] = '\0';
    free(raw);
    return out;
}

bool sp_json_refuse_nul(struct diag_list *diag, enum diag_level level, const char *name,
                        const char *parent, const char *json, size_t len, const char *outcome)
{
    char field[160];
    if (!sp_json_find_nul(json, len, field, sizeof(field)))
        return false;
    bool top = !strcmp(field, "(top level)");
    bool has_parent = parent && *parent;
    diag_add_code(diag, level, DIAG_CODE_JSON_NUL,
                  "%s: %s%s%s: a string holds a NUL character (\\u0000); %s", name ? name : "JSON",
                  has_parent ? parent : "", has_parent && !top ? "." : "",
                  has_parent && top ? "" : field, outcome ? outcome : "it is refused");
    return true;
}
