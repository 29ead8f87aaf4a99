#define _GNU_SOURCE /* strerrordesc_np: errno text without a shared buffer */
#include "base/sp_error.h"

#include <string.h>

const char *sp_strerror(int err)
{
    switch (err) {
    case SP_OK:
        return "success";
#define SP_ERR_CASE(name, text)                                                                    \
    case SP_E##name:                                                                               \
        return text;
        SP_ERRNO_MAP(SP_ERR_CASE)
#undef SP_ERR_CASE
    default:
        if (err < 0 && err >= -4095) {
            const char *t = strerrordesc_np(-err);
            if (t)
                return t;
        }
        return "unknown error";
    }
}
