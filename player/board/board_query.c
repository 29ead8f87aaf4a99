/* board_query.c - when board ops happen, for the class's clock: how many
 * ops a time has applied and when the next one comes (board.h). The ops of
 * a finished log are sorted by time, so both are one binary search. */
#include "player/board/board.h"
#include "player/board/board_internal.h"

#include "base/sp_error.h"

/* Index of the first op after w_us: the number of ops at or before it. */
size_t board_log_upper_bound_us(const struct board_log *log, int64_t w_us)
{
    int64_t w_ms = sp_floor_ms(w_us); /* the ops keep whole ms */
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

size_t board_log_ops_until_us(const struct board_log *log, int64_t w_us)
{
    if (!log || !log->finished)
        return 0;
    return board_log_upper_bound_us(log, w_us);
}

/* Op times are in [0, 2^53] ms (checked where they are read and loaded), so
 * t * 1000 cannot overflow; INT64_MAX ("none") is passed through. */
int64_t board_log_next_op_time_us(const struct board_log *log, int64_t w_us)
{
    if (!log || !log->finished)
        return INT64_MAX;
    size_t i = board_log_upper_bound_us(log, w_us);
    return i < log->nops ? log->ops[i].t * 1000 : INT64_MAX;
}

/* The public kinds mirror the internal ones one to one. */
_Static_assert((int)BOARD_OP_VIEW == (int)BOP_VIEW && (int)BOARD_OP_SWITCH == (int)BOP_BOARD_SWITCH,
               "board_op_kind mirrors bop_kind");

int board_log_op_info(const struct board_log *log, size_t i, struct board_op_info *out)
{
    if (!log || !out || !log->finished || i >= log->nops)
        return SP_EINVAL;
    const struct bop *op = &log->ops[i];
    out->t_us = op->t * 1000; /* op times are in [0, 2^53] ms: no overflow */
    out->kind = (enum board_op_kind)op->kind;
    out->page = op->board;
    out->board = op->board != BNONE ? blog_str(log, log->boards.off[op->board]) : NULL;
    out->image = NULL;
    if ((op->kind == BOP_BOARD_ADD || op->kind == BOP_BOARD_BG) && op->a < log->nparams) {
        uint32_t off = log->params[op->a].u[1];
        out->image = off ? blog_str(log, off - 1) : NULL;
    }
    out->skipped = (op->flags & BOPF_SKIPPED) != 0;
    return 0;
}
