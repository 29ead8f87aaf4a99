/* board_query.c - when board ops happen, for the class's clock: how many
 * ops a time has applied and when the next one comes (board.h). The ops of
 * a finished log are sorted by time, so both are one binary search. */
#include "player/board/board.h"
#include "player/board/board_internal.h"

/* Index of the first op with t > w_ms. */
static size_t first_after(const struct board_log *log, int64_t w_ms)
{
    size_t lo = 0, hi = log->nops;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (log->ops[mid].t <= w_ms)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

size_t board_log_ops_until(const struct board_log *log, int64_t w_ms)
{
    if (!log || !log->finished)
        return 0;
    return first_after(log, w_ms);
}

int64_t board_log_next_op_time(const struct board_log *log, int64_t w_ms)
{
    if (!log || !log->finished)
        return INT64_MAX;
    size_t i = first_after(log, w_ms);
    return i < log->nops ? log->ops[i].t : INT64_MAX;
}
