#include "base/sp_error.h"

#include "base/platform/os_libc.h"

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
            const char *t = sp_os_errno_text(-err); /* no shared buffer */
            if (t)
                return t;
        }
        return "unknown error";
    }
}
