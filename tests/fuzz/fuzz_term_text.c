/* fuzz_term_text.c - the document-text guards of base/: term_safe_n()
 * (escaping for a terminal) and sp_json_find_nul() (the field of a \u0000
 * inside a JSON string) on any bytes, from an exact-size copy so a read
 * past the end is caught. The escaped text must hold no byte a terminal
 * acts on, or the target aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json_util.h"
#include "base/term_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    char *copy = malloc(size ? size : 1);
    if (!copy)
        return 0;
    memcpy(copy, data, size);
    char field[96];
    if (sp_json_find_nul(copy, size, field, sizeof(field)) && strlen(field) >= sizeof(field))
        abort();
    static const size_t caps[] = {4, 17, 300, 4 * 65536 + 8};
    char *out = malloc(caps[3]);
    if (out) {
        for (size_t k = 0; k < sizeof(caps) / sizeof(caps[0]); k++) {
            term_safe_n(copy, size, out, caps[k]);
            size_t n = strlen(out);
            if (n >= caps[k])
                abort();
            for (size_t i = 0; i < n; i++) {
                unsigned char ch = (unsigned char)out[i];
                if (ch < 0x20 || ch == 0x7f)
                    abort(); /* C0 or DEL left raw */
                if (ch == 0xc2 && i + 1 < n && (unsigned char)out[i + 1] <= 0x9f)
                    abort(); /* a C1 control left raw */
                if (ch == 0xe2 && i + 2 < n && (unsigned char)out[i + 1] == 0x80 &&
                    (unsigned char)out[i + 2] >= 0xaa && (unsigned char)out[i + 2] <= 0xae)
                    abort(); /* a bidi embedding or override left raw */
            }
        }
        free(out);
    }
    free(copy);
    return 0;
}
