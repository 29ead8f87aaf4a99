/* sp_time.h - whole ms from µs and back, for the few models that keep whole
 * ms inside while their APIs speak µs (the board's op log:
 * player/board/board.h).
 */
#ifndef SP_TIME_H
#define SP_TIME_H

#include <stdint.h>

/* The whole ms at or before us: a floor, also below 0 (-1 µs is -1 ms), and
 * without overflow at INT64_MIN. */
static inline int64_t sp_floor_ms(int64_t us)
{
    return us >= 0 ? us / 1000 : -((-(us + 1)) / 1000) - 1;
}

/* ms as µs, saturating: a time below INT64_MIN / 1000 ms (the board's "before
 * every op", INT64_MIN) gives INT64_MIN, one above INT64_MAX / 1000 gives
 * INT64_MAX, so that sp_ms_to_us(sp_floor_ms(us)) <= us for every us. */
static inline int64_t sp_ms_to_us(int64_t ms)
{
    if (ms < INT64_MIN / 1000)
        return INT64_MIN;
    if (ms > INT64_MAX / 1000)
        return INT64_MAX;
    return ms * 1000;
}

#endif
