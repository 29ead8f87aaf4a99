#include "base/sp_error.h"

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
        return "unknown error";
    }
}
