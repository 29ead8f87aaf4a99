/* sp_time.h - whole ms from µs, for the few models that keep whole ms
 * inside while their APIs speak µs (the board's op log: player/board/board.h).
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

#endif
