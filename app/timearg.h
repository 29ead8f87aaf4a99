/* timearg.h - the one syntax of every time option (--start, --at, --from,
 * --to, --until), in playback time:
 *   40000        a bare integer: milliseconds (the service's unit)
 *   65.5s, 65 s  seconds, with a fraction of up to three digits
 *   1:05.250     MM:SS[.mmm]
 *   1:02:03.5    H:MM:SS[.mmm]
 *   1h2m3s       any of h, m, s in that order (1m, 2m30s, 1h, 1.5s)
 * Minutes and seconds after a ':' are below 60 ("1:75" is a typo). */
#ifndef SP_APP_TIMEARG_H
#define SP_APP_TIMEARG_H

#include <stdint.h>

/* Parses s into playback µs, a whole ms (the forms round to the nearest
 * ms, as they always did). Returns 0, or -1 when s is not one of the forms
 * above or is longer than 1e9 s. */
int app_parse_time_us(const char *s, int64_t *out);

/* What a usage message says the forms are. */
#define APP_TIME_FORMS "ms, SS.mmm s, MM:SS[.mmm], H:MM:SS[.mmm] or 1h2m3s"

/* Prints "sigplay: PROG: OPT: VAL is past the end of the class (LEN)" and
 * returns -1 when t_us > total_us, else returns 0. LEN is "M:SS.mmm, N ms"
 * (the total floored to ms). */
int app_time_check_end(const char *prog, const char *opt, const char *val, int64_t t_us,
                       int64_t total_us);

#endif
