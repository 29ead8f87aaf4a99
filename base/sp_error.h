/* sp_error.h - error codes shared by every sigplay module.
 *
 * Functions return 0 on success or a negative SP_E* code. The table below
 * feeds both the enum and sp_strerror(), so a code and its text never drift
 * apart (the libuv way).
 */
#ifndef SP_ERROR_H
#define SP_ERROR_H

#define SP_ERRNO_MAP(X)                                                                            \
    X(NOMEM, "out of memory")                                                                      \
    X(INVAL, "invalid argument")                                                                   \
    X(IO, "input/output error")                                                                    \
    X(NOENT, "no such file or resource")                                                           \
    X(PARSE, "malformed input")                                                                    \
    X(RANGE, "value out of range")                                                                 \
    X(LIMIT, "input exceeds a documented limit")                                                   \
    X(UNSUPPORTED, "not supported")                                                                \
    X(NOTREADY, "recording not ready")                                                             \
    X(NET, "network error")                                                                        \
    X(HTTP, "HTTP error status")                                                                   \
    X(TIMEOUT, "timed out")                                                                        \
    X(TLS, "TLS error")                                                                            \
    X(AGAIN, "try again")                                                                          \
    X(EOF, "end of stream")                                                                        \
    X(CANCELLED, "cancelled")                                                                      \
    X(DECODE, "decoding failed")                                                                   \
    X(TASKFAILED, "the recording task failed")

enum sp_err {
    SP_OK = 0,
    SP_E__FIRST = -1000, /* well away from negative errno values */
#define SP_ERR_ENUM(name, text) SP_E##name,
    SP_ERRNO_MAP(SP_ERR_ENUM)
#undef SP_ERR_ENUM
        SP_E__LAST
};

/* Text for a code from this table, or for a negated errno value (-1 to
 * -4095: what the system says, e.g. "Permission denied"); "unknown error"
 * for anything else. Never NULL; the string is static. */
const char *sp_strerror(int err);

#endif
