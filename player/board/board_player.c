/* board_player.c - the board at any time: one replay with snapshots, then
 * seek = nearest snapshot at or before w + the ops after it. */
#include "player/board/board_internal.h"

#include <stdlib.h>
#include <string.h>

#include "base/sp_error.h"

struct snap {
    size_t pos; /* ops applied */
    struct board_state *st;
};

struct board_player {
    struct board_log *log; /* owned */
    struct bmem mem;
    struct board_opts opts;
    struct snap *snaps; /* snaps[0] is the empty board; pos ascending */
    size_t nsnaps, cap_snaps;
    struct board_state *live;
    uint64_t serial; /* last serial handed out */
    size_t ops_applied;
};

static int add_snap(struct board_player *p)
{
    if (p->nsnaps == p->cap_snaps) {
        size_t ncap = p->cap_snaps ? p->cap_snaps * 2 : 64;
        struct snap *n = realloc(p->snaps, ncap * sizeof(*n));
        if (!n)
            return SP_ENOMEM;
        p->mem.bytes += (ncap - p->cap_snaps) * sizeof(*n);
        p->snaps = n;
        p->cap_snaps = ncap;
    }
    struct board_state *st = bstate_clone(p->live);
    if (!st)
        return SP_ENOMEM;
    p->snaps[p->nsnaps].pos = p->live->pos;
    p->snaps[p->nsnaps].st = st;
    p->nsnaps++;
    return 0;
}

/* Replaces the live state by a clone of snapshot i. */
static int restore(struct board_player *p, size_t i)
{
    struct board_state *st = bstate_clone(p->snaps[i].st);
    if (!st)
        return SP_ENOMEM;
    bstate_free(p->live);
    p->live = st;
    p->live->serial = ++p->serial;
    return 0;
}

void board_player_destroy(struct board_player **pp)
{
    if (!pp || !*pp)
        return;
    struct board_player *p = *pp;
    bstate_free(p->live);
    for (size_t i = 0; i < p->nsnaps; i++)
        bstate_free(p->snaps[i].st);
    free(p->snaps);
    board_log_free(p->log);
    free(p);
    *pp = NULL;
}

int board_player_create(struct board_player **out, struct board_log *log,
                        const struct board_opts *opts, struct diag_list *diag)
{
    if (!out)
        return SP_EINVAL;
    *out = NULL;
    if (!log || !log->finished) {
        board_log_free(log);
        return SP_EINVAL;
    }
    struct board_player *p = calloc(1, sizeof(*p));
    if (!p) {
        board_log_free(log);
        return SP_ENOMEM;
    }
    p->log = log;
    p->opts = opts ? *opts : (struct board_opts)BOARD_OPTS_DEFAULT;
    int rc = SP_ENOMEM;
    p->live = bstate_new(log, &p->mem);
    if (!p->live || add_snap(p))
        goto fail;
    size_t last_pos = 0;
    int64_t last_t = log->nops ? log->ops[0].t : 0;
    /* op times are whole ms: d ms >= snap_every_us iff d >= the ms rounded up */
    int64_t every_us = p->opts.snap_every_us;
    int64_t snap_every_ms = every_us > 0 ? every_us / 1000 + (every_us % 1000 != 0) : 0;
    for (size_t i = 0; i < log->nops; i++) {
        struct bop *op = &log->ops[i];
        rc = bstate_apply(p->live, op, diag);
        if (rc < 0)
            goto fail;
        if (rc > 0)
            op->flags |= BOPF_SKIPPED;
        size_t pos = i + 1;
        bool by_ops = p->opts.snap_every_ops && pos - last_pos >= p->opts.snap_every_ops;
        bool by_time =
            p->opts.snap_every_ops && snap_every_ms > 0 && op->t - last_t >= snap_every_ms;
        if (pos < log->nops && (by_ops || by_time)) {
            rc = add_snap(p);
            if (rc)
                goto fail;
            last_pos = pos;
            last_t = op->t;
        }
    }
    rc = restore(p, 0);
    if (rc)
        goto fail;
    *out = p;
    return 0;
fail:
    board_player_destroy(&p);
    return rc < 0 ? rc : SP_ENOMEM;
}

static int apply_to(struct board_player *p, size_t target)
{
    while (p->live->pos < target) {
        int rc = bstate_apply(p->live, &p->log->ops[p->live->pos], NULL);
        if (rc < 0)
            return rc;
        p->ops_applied++;
    }
    return 0;
}

static int seek_impl(struct board_player *p, int64_t w_us, bool use_snaps)
{
    size_t target = board_log_upper_bound_us(p->log, w_us);
    size_t cur = p->live->pos;
    int rc = 0;
    if (use_snaps) {
        /* Last snapshot at or before target. */
        size_t lo = 0, hi = p->nsnaps;
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (p->snaps[mid].pos <= target)
                lo = mid;
            else
                hi = mid;
        }
        size_t budget = p->opts.snap_every_ops ? p->opts.snap_every_ops : SIZE_MAX;
        bool forward = cur <= target && (cur >= p->snaps[lo].pos || target - cur <= budget);
        if (!forward)
            rc = restore(p, lo);
    } else {
        rc = restore(p, 0);
    }
    if (!rc)
        rc = apply_to(p, target);
    if (rc) {
        /* Out of memory: fall back to the empty board rather than a half state. */
        int r2 = restore(p, 0);
        (void)r2;
        return rc;
    }
    p->live->time = sp_floor_ms(w_us); /* the state keeps whole ms */
    return 0;
}

int board_seek_us(struct board_player *p, int64_t w_us)
{
    if (!p)
        return SP_EINVAL;
    return seek_impl(p, w_us, true);
}

int board_seek_from_start_us(struct board_player *p, int64_t w_us)
{
    if (!p)
        return SP_EINVAL;
    return seek_impl(p, w_us, false);
}

/* The last snapshot with at most target ops applied. */
static size_t snap_before(const struct board_player *p, size_t target)
{
    size_t lo = 0, hi = p->nsnaps;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->snaps[mid].pos <= target)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

size_t board_player_snapshot_count(const struct board_player *p)
{
    return p ? p->nsnaps : 0;
}

size_t board_player_snapshot_index_us(const struct board_player *p, int64_t w_us)
{
    if (!p || !p->nsnaps)
        return 0;
    return snap_before(p, board_log_upper_bound_us(p->log, w_us));
}

const struct board_state *board_player_snapshot(const struct board_player *p, size_t i)
{
    return p && i < p->nsnaps ? p->snaps[i].st : NULL;
}

int board_player_state_at_us(const struct board_player *p, int64_t w_us, struct board_state **out)
{
    if (!out)
        return SP_EINVAL;
    *out = NULL;
    if (!p || !p->nsnaps)
        return SP_EINVAL;
    size_t target = board_log_upper_bound_us(p->log, w_us);
    size_t lo = snap_before(p, target);
    struct board_state *st = bstate_clone(p->snaps[lo].st);
    if (!st)
        return SP_ENOMEM;
    while (st->pos < target) {
        if (bstate_apply(st, &p->log->ops[st->pos], NULL) < 0) {
            bstate_free(st);
            return SP_ENOMEM;
        }
    }
    st->time = sp_floor_ms(w_us);
    *out = st;
    return 0;
}

void board_state_free(struct board_state **s)
{
    if (!s || !*s)
        return;
    bstate_free(*s);
    *s = NULL;
}

const struct board_state *board_player_state(const struct board_player *p)
{
    return p ? p->live : NULL;
}

const struct board_log *board_player_log(const struct board_player *p)
{
    return p ? p->log : NULL;
}

void board_player_stats(const struct board_player *p, struct board_stats *st)
{
    memset(st, 0, sizeof(*st));
    if (!p)
        return;
    st->snapshots = p->nsnaps;
    st->model_bytes = p->mem.bytes;
    st->log_bytes = board_log_bytes(p->log);
    st->ops_applied = p->ops_applied;
}
