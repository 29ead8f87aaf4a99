#include "render/timefmt.h"

#include <inttypes.h>
#include <stdio.h>

void timefmt_clock_us(int64_t t_us, char *buf, size_t n)
{
    if (!buf || n == 0)
        return;
    const char *sign = "";
    uint64_t a = (uint64_t)t_us;
    if (t_us < 0) {
        sign = "-";
        a = (uint64_t)(-(t_us + 1)) + 1; /* no overflow at INT64_MIN */
    }
    uint64_t s = a / 1000000;
    if (s >= 3600)
        snprintf(buf, n, "%s%" PRIu64 ":%02u:%02u", sign, s / 3600, (unsigned)(s / 60 % 60),
                 (unsigned)(s % 60));
    else
        snprintf(buf, n, "%s%u:%02u", sign, (unsigned)(s / 60), (unsigned)(s % 60));
}
