/* lane_map.c - see lane_map.h. Anchors live in one sorted array; lookups
 * are binary searches, inserts keep the array sorted (anchors nearly always
 * arrive in order, so an insert is an append). */
#include "player/media/lane_map.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/sp_error.h"

void lane_map_init_us(struct lane_map *m, int64_t first_pts_us, int64_t sync_time_us,
                      int64_t play_time_board_us)
{
    memset(m, 0, sizeof(*m));
    m->first_pts_us = first_pts_us;
    m->has_sync_time = sync_time_us >= 0;
    m->sync_time_us = sync_time_us;
    m->play_time_board_us = play_time_board_us;
}

void lane_map_clear(struct lane_map *m)
{
    if (!m)
        return;
    free(m->anchors);
    m->anchors = NULL;
    m->n = m->cap = 0;
}

void lane_map_set_first_pts(struct lane_map *m, int64_t first_pts_us)
{
    m->first_pts_us = first_pts_us;
}

void lane_map_set_play_time_board_us(struct lane_map *m, int64_t play_time_board_us)
{
    m->play_time_board_us = play_time_board_us;
}

enum lane_map_source lane_map_source(const struct lane_map *m)
{
    if (m->n)
        return LANE_MAP_SEI;
    return m->has_sync_time ? LANE_MAP_SYNC_TIME : LANE_MAP_PLAY_TIME;
}

size_t lane_map_anchor_count(const struct lane_map *m)
{
    return m->n;
}

/* Index of the first anchor with pts > pts_us (0..n). */
static size_t upper_by_pts(const struct lane_map *m, int64_t pts_us)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->anchors[mid].pts_us <= pts_us)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static size_t upper_by_board(const struct lane_map *m, int64_t board_us)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->anchors[mid].board_us <= board_us)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static bool slope_ok(const struct lane_map_point *a, const struct lane_map_point *b)
{
    int64_t dp = b->pts_us - a->pts_us, db = b->board_us - a->board_us;
    if (dp <= 0 || db <= 0)
        return false;
    double s = (double)db / (double)dp;
    return s >= LANE_MAP_MIN_SLOPE && s <= LANE_MAP_MAX_SLOPE;
}

int lane_map_add_anchor_us(struct lane_map *m, int64_t pts_us, int64_t sync_us)
{
    /* Caps keep the µs arithmetic far from overflow: |board| < 2^62 µs. The
       board cap is in whole ms, as it was when anchors came in ms. */
    if (sync_us < 0 || sync_us / 1000 > INT64_MAX / 4000 || pts_us < -(INT64_MAX / 4) ||
        pts_us > INT64_MAX / 4)
        return SP_ERANGE;
    struct lane_map_point p = {pts_us, sync_us};
    size_t i = upper_by_pts(m, pts_us);
    if (i > 0 && m->anchors[i - 1].pts_us == pts_us)
        return m->anchors[i - 1].board_us == p.board_us ? 0 : SP_ERANGE;
    if ((i > 0 && !slope_ok(&m->anchors[i - 1], &p)) || (i < m->n && !slope_ok(&p, &m->anchors[i])))
        return SP_ERANGE;
    if (m->n >= LANE_MAP_MAX_ANCHORS)
        return SP_ELIMIT;
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        struct lane_map_point *a = realloc(m->anchors, cap * sizeof(*a));
        if (!a)
            return SP_ENOMEM;
        m->anchors = a;
        m->cap = cap;
    }
    memmove(&m->anchors[i + 1], &m->anchors[i], (m->n - i) * sizeof(*m->anchors));
    m->anchors[i] = p;
    m->n++;
    return 0;
}

/* The single point a map without anchors rests on. */
static struct lane_map_point fallback_point(const struct lane_map *m)
{
    struct lane_map_point p = {m->first_pts_us, 0};
    p.board_us = m->has_sync_time ? m->sync_time_us : m->play_time_board_us;
    return p;
}

/* Linear interpolation from a to b at x (a.x < b.x), floor-rounded. */
static int64_t lerp(int64_t ax, int64_t ay, int64_t bx, int64_t by, int64_t x)
{
    double f = (double)(x - ax) / (double)(bx - ax);
    return ay + (int64_t)floor(f * (double)(by - ay));
}

bool lane_map_anchor_before(const struct lane_map *m, int64_t pts_us, struct lane_map_point *out)
{
    size_t i = upper_by_pts(m, pts_us);
    if (i == 0)
        return false;
    *out = m->anchors[i - 1];
    return true;
}

int64_t lane_map_board_us(const struct lane_map *m, int64_t pts_us)
{
    if (!m->n) {
        struct lane_map_point p = fallback_point(m);
        return p.board_us + (pts_us - p.pts_us);
    }
    size_t i = upper_by_pts(m, pts_us);
    if (i == 0)
        return m->anchors[0].board_us + (pts_us - m->anchors[0].pts_us);
    if (i == m->n)
        return m->anchors[i - 1].board_us + (pts_us - m->anchors[i - 1].pts_us);
    const struct lane_map_point *a = &m->anchors[i - 1], *b = &m->anchors[i];
    return lerp(a->pts_us, a->board_us, b->pts_us, b->board_us, pts_us);
}

int64_t lane_map_pts_us(const struct lane_map *m, int64_t board_us)
{
    if (!m->n) {
        struct lane_map_point p = fallback_point(m);
        return p.pts_us + (board_us - p.board_us);
    }
    size_t i = upper_by_board(m, board_us);
    if (i == 0)
        return m->anchors[0].pts_us + (board_us - m->anchors[0].board_us);
    if (i == m->n)
        return m->anchors[i - 1].pts_us + (board_us - m->anchors[i - 1].board_us);
    const struct lane_map_point *a = &m->anchors[i - 1], *b = &m->anchors[i];
    int64_t pts = lerp(a->board_us, a->pts_us, b->board_us, b->pts_us, board_us);
    /* The largest pts with board(pts) <= board_us, exactly, whatever the
     * float rounding did (a step or two at most). */
    while (pts > a->pts_us && lane_map_board_us(m, pts) > board_us)
        pts--;
    while (pts < b->pts_us && lane_map_board_us(m, pts + 1) <= board_us)
        pts++;
    return pts;
}

int64_t lane_map_start_board_us(const struct lane_map *m, enum lane_map_source *source)
{
    if (source)
        *source = lane_map_source(m);
    int64_t us = lane_map_board_us(m, m->first_pts_us) + 500;
    /* floor division: rounds half up to whole ms for negatives too */
    int64_t q = us / 1000;
    return ((us % 1000 < 0) ? q - 1 : q) * 1000;
}
