/* board_ops.c - the whiteboard op script, sent as TXWhiteBoardExt custom
 * messages in batches (format: REPLAY-FORMAT.md section 5).
 *
 * Two parts:
 * - a scripted lesson that uses every op of section 5 at least once, placed
 *   at fixed fractions of the class (two pages, a page background image, pen
 *   and highlighter strokes, every shape, text with Chinese and emoji, move,
 *   erase, clear, undo/redo by two users, laser, view zoom, a page added and
 *   removed, ops during the pause);
 * - filler up to --ops: strokes, shapes, laser points and text on whichever
 *   page is visible, kept out of the windows around scripted groups so the
 *   script's undo/redo targets stay what the script says.
 *
 * Ops are kept as ready JSON text (not cJSON trees) so that 500k ops fit in
 * little memory.
 */
#include "mkclass.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const mk_op_kind_names[MK_OP_KINDS] = {
    "board.add",  "board.switch", "board.remove", "board.bg", "stroke.begin", "stroke.append",
    "stroke.end", "shape",        "text",         "move",     "erase",        "clear",
    "undo",       "redo",         "laser",        "view"};

enum {
    K_ADD,
    K_SWITCH,
    K_REMOVE,
    K_BG,
    K_BEGIN,
    K_APPEND,
    K_END,
    K_SHAPE,
    K_TEXT,
    K_MOVE,
    K_ERASE,
    K_CLEAR,
    K_UNDO,
    K_REDO,
    K_LASER,
    K_VIEW
};

#define BATCH_SPAN_MS 300 /* a client flushes its ops at least this often */
#define BATCH_MAX_OPS 40
#define WINDOW_MARGIN_MS 1000

struct op {
    int64_t t;
    int seq; /* creation order, ties */
    int user;
    int kind;
    char *json; /* the whole op object, owned */
};

struct window {
    int64_t from, to;
};

struct page_switch {
    int64_t t;
    const char *board;
};

struct script {
    const struct mk_plan *p;
    struct mk_rng rng;
    struct op *ops;
    int n, cap;
    struct window *win;
    int nwin, wincap;
    struct page_switch sw[64];
    int nsw;
    int64_t cur;  /* time of the next scripted op */
    int64_t step; /* ms between scripted ops */
    int user;
    int64_t group_start;
    bool oom;
};

/* ---- a tiny string builder ------------------------------------------------ */

struct sb {
    char *buf;
    size_t len, cap;
    bool oom;
};

static void sb_vprintf(struct sb *b, const char *fmt, va_list ap)
{
    if (b->oom)
        return;
    va_list ap2;
    va_copy(ap2, ap);
    int need = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (need < 0) {
        b->oom = true;
        return;
    }
    if (b->len + (size_t)need + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + (size_t)need + 1)
            cap *= 2;
        char *nb = realloc(b->buf, cap);
        if (!nb) {
            b->oom = true;
            return;
        }
        b->buf = nb;
        b->cap = cap;
    }
    vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
    b->len += (size_t)need;
}

static void sb_printf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sb *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(b, fmt, ap);
    va_end(ap);
}

/* JSON string body (no quotes) of UTF-8 text: escapes quote, backslash and
 * control characters; everything else passes through. */
static void sb_json_text(struct sb *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            sb_printf(b, "\\%c", c);
        else if (c == '\n')
            sb_printf(b, "\\n");
        else if (c < 0x20)
            sb_printf(b, "\\u%04x", c);
        else
            sb_printf(b, "%c", c);
    }
}

/* ---- the op list ---------------------------------------------------------- */

static const char *user_name(const struct script *sc, int user)
{
    return sc->p->lanes[user].user_id;
}

/* Adds one op at time t; fields is the rest of the object (",\"id\":..."). */
static void add_op_at(struct script *sc, int64_t t, int user, int kind, const char *fields)
{
    if (sc->oom)
        return;
    if (sc->n == sc->cap) {
        int cap = sc->cap ? sc->cap * 2 : 256;
        struct op *n = realloc(sc->ops, (size_t)cap * sizeof *n);
        if (!n) {
            sc->oom = true;
            return;
        }
        sc->ops = n;
        sc->cap = cap;
    }
    struct sb b = {0};
    sb_printf(&b, "{\"t\":%" PRId64 ",\"op\":\"%s\",\"user\":\"%s\"%s}", t, mk_op_kind_names[kind],
              user_name(sc, user), fields);
    if (b.oom) {
        free(b.buf);
        sc->oom = true;
        return;
    }
    struct op *o = &sc->ops[sc->n];
    o->t = t;
    o->seq = sc->n;
    o->user = user;
    o->kind = kind;
    o->json = b.buf;
    sc->n++;
}

/* Scripted op at the cursor; the cursor moves on by one step. */
static void op(struct script *sc, int kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void op(struct script *sc, int kind, const char *fmt, ...)
{
    struct sb b = {0};
    va_list ap;
    va_start(ap, fmt);
    sb_vprintf(&b, fmt, ap);
    va_end(ap);
    if (b.oom) {
        sc->oom = true;
        free(b.buf);
        return;
    }
    add_op_at(sc, sc->cur, sc->user, kind, b.buf ? b.buf : "");
    free(b.buf);
    sc->cur += sc->step;
}

static void text_op(struct script *sc, const char *id, const char *board, int x, int y,
                    const char *text, int size, const char *color)
{
    struct sb b = {0};
    sb_printf(&b, ",\"id\":\"%s\",\"board\":\"%s\",\"x\":%d,\"y\":%d,\"text\":\"", id, board, x, y);
    sb_json_text(&b, text);
    sb_printf(&b, "\",\"size\":%d,\"color\":\"%s\"", size, color);
    if (b.oom) {
        sc->oom = true;
        free(b.buf);
        return;
    }
    op(sc, K_TEXT, "%s", b.buf);
    free(b.buf);
}

static void switch_op(struct script *sc, const char *board)
{
    if (sc->nsw < (int)(sizeof sc->sw / sizeof sc->sw[0])) {
        sc->sw[sc->nsw].t = sc->cur;
        sc->sw[sc->nsw].board = board;
        sc->nsw++;
    }
    op(sc, K_SWITCH, ",\"board\":\"%s\"", board);
}

/* A stroke: begin with a few points, appends, end; pts from a wave. */
static void stroke_ops(struct script *sc, const char *id, const char *board, const char *tool,
                       const char *color, int width, int x0, int y0, int dx, int amp, int appends)
{
    int k = 0;
    char pts[256];
    int n = 0;
    for (int i = 0; i < 3; i++, k++)
        n += snprintf(pts + n, sizeof pts - (size_t)n, "%s%d,%d", i ? "," : "", x0 + k * dx,
                      y0 + ((k % 4) - 1 - (k % 4 == 3) * 2) * amp);
    op(sc, K_BEGIN,
       ",\"id\":\"%s\",\"board\":\"%s\",\"tool\":\"%s\",\"color\":\"%s\","
       "\"width\":%d,\"pts\":[%s]",
       id, board, tool, color, width, pts);
    for (int a = 0; a < appends; a++) {
        n = 0;
        for (int i = 0; i < 3; i++, k++)
            n += snprintf(pts + n, sizeof pts - (size_t)n, "%s%d,%d", i ? "," : "", x0 + k * dx,
                          y0 + ((k % 4) - 1 - (k % 4 == 3) * 2) * amp);
        op(sc, K_APPEND, ",\"id\":\"%s\",\"pts\":[%s]", id, pts);
    }
    op(sc, K_END, ",\"id\":\"%s\"", id);
}

static void group(struct script *sc, int64_t wall, int user)
{
    if (wall < sc->cur)
        wall = sc->cur; /* never go back in time: scripted ops stay in order */
    sc->cur = wall;
    sc->user = user;
    sc->group_start = wall;
}

static void group_end(struct script *sc)
{
    if (sc->oom)
        return;
    if (sc->nwin == sc->wincap) {
        int cap = sc->wincap ? sc->wincap * 2 : 32;
        struct window *n = realloc(sc->win, (size_t)cap * sizeof *n);
        if (!n) {
            sc->oom = true;
            return;
        }
        sc->win = n;
        sc->wincap = cap;
    }
    sc->win[sc->nwin].from = sc->group_start - WINDOW_MARGIN_MS;
    sc->win[sc->nwin].to = sc->cur + WINDOW_MARGIN_MS;
    sc->nwin++;
}

/* ---- the scripted lesson -------------------------------------------------- */

static void script_lesson(struct script *sc, const struct mk_images *img)
{
    const struct mk_plan *p = sc->p;
    int64_t P = p->pause_play_ms, Q = p->opt.duration_ms - P;
    int64_t pause_len = p->resume_wall_ms - p->pause_wall_ms;
#define PRE(f) mk_plan_wall(p, (int64_t)((f) * (double)P))
#define POST(f) mk_plan_wall(p, P + (int64_t)((f) * (double)Q))
#define PAUSE(f) (p->pause_wall_ms + (int64_t)((f) * (double)pause_len))
    const int T = 0, S = 1; /* teacher_01, student_02 (joins at 8 s) */

    group(sc, PRE(0.01), T);
    op(sc, K_ADD, ",\"board\":\"page-1\",\"color\":\"#FFFFFF\"");
    switch_op(sc, "page-1");
    group_end(sc);

    group(sc, PRE(0.06), T);
    text_op(sc, "t-title", "page-1", 60, 40, "第一课 分数 Fractions\n今天：分数的加法 ½ + ¼", 44,
            "#1A237E");
    group_end(sc);

    group(sc, PRE(0.12), T);
    stroke_ops(sc, "s-pen1", "page-1", "pen", "#E53935", 4, 80, 200, 40, 18, 4);
    group_end(sc);

    group(sc, PRE(0.20), T);
    op(sc, K_SHAPE,
       ",\"id\":\"sh-line\",\"board\":\"page-1\",\"kind\":\"line\",\"x1\":80,"
       "\"y1\":300,\"x2\":560,\"y2\":300,\"color\":\"#212121\",\"width\":3");
    op(sc, K_SHAPE,
       ",\"id\":\"sh-arrow\",\"board\":\"page-1\",\"kind\":\"arrow\",\"x1\":640,"
       "\"y1\":420,\"x2\":900,\"y2\":320,\"color\":\"#D81B60\",\"width\":5");
    op(sc, K_SHAPE,
       ",\"id\":\"sh-rect\",\"board\":\"page-1\",\"kind\":\"rect\",\"x1\":100,"
       "\"y1\":380,\"x2\":420,\"y2\":560,\"color\":\"#F57F17\",\"width\":4,"
       "\"fill\":\"#FFF59D80\"");
    op(sc, K_SHAPE,
       ",\"id\":\"sh-ell\",\"board\":\"page-1\",\"kind\":\"ellipse\",\"x1\":480,"
       "\"y1\":500,\"x2\":760,\"y2\":700,\"color\":\"#00897B\",\"width\":3");
    group_end(sc);

    /* A highlighter zigzag crossing itself: overlaps within one stroke must
     * not darken. */
    group(sc, PRE(0.28), T);
    op(sc, K_BEGIN,
       ",\"id\":\"s-hl1\",\"board\":\"page-1\",\"tool\":\"highlighter\","
       "\"color\":\"#FFEB3B80\",\"width\":28,\"pts\":[60,70,300,70,540,70]");
    op(sc, K_APPEND, ",\"id\":\"s-hl1\",\"pts\":[540,110,300,60,120,110]");
    op(sc, K_APPEND, ",\"id\":\"s-hl1\",\"pts\":[200,40,420,120,700,80]");
    op(sc, K_END, ",\"id\":\"s-hl1\"");
    group_end(sc);

    group(sc, PRE(0.34), T);
    for (int i = 0; i < 5; i++)
        op(sc, K_LASER, ",\"board\":\"page-1\",\"x\":%d,\"y\":%d", 200 + 90 * i, 240 + 20 * i);
    group_end(sc);

    group(sc, PRE(0.40), T);
    op(sc, K_MOVE, ",\"ids\":[\"sh-rect\",\"sh-ell\"],\"dx\":60,\"dy\":30");
    group_end(sc);

    group(sc, PRE(0.46), T);
    op(sc, K_ERASE, ",\"ids\":[\"sh-line\"]");
    group_end(sc);

    group(sc, PRE(0.55), T);
    op(sc, K_ADD,
       ",\"board\":\"page-2\",\"color\":\"#FFFFFF\",\"image\":\"%s\","
       "\"fit\":\"contain\"",
       img->slide.file);
    switch_op(sc, "page-2");
    text_op(sc, "t-p2", "page-2", 700, 120, "看这张图：½ 比 ⅓ 大", 36, "#B71C1C");
    group_end(sc);

    /* Two users' undo stacks: the student's undo takes back the student's
     * stroke, not the teacher's later ellipse. */
    group(sc, PRE(0.62), S);
    stroke_ops(sc, "s-stu1", "page-2", "pen", "#1E88E5", 5, 300, 700, 30, 12, 2);
    sc->user = T;
    op(sc, K_SHAPE,
       ",\"id\":\"sh-circle\",\"board\":\"page-2\",\"kind\":\"ellipse\","
       "\"x1\":600,\"y1\":300,\"x2\":760,\"y2\":460,\"color\":\"#6A1B9A\",\"width\":4");
    sc->user = S;
    op(sc, K_UNDO, "%s", "");
    op(sc, K_REDO, "%s", "");
    group_end(sc);

    group(sc, PRE(0.70), T);
    op(sc, K_VIEW, ",\"board\":\"page-2\",\"scale\":2,\"x\":256,\"y\":192");
    for (int i = 0; i < 3; i++)
        op(sc, K_LASER, ",\"board\":\"page-2\",\"x\":%d,\"y\":%d", 400 + 60 * i, 380);
    op(sc, K_VIEW, ",\"board\":\"page-2\",\"scale\":1,\"x\":0,\"y\":0");
    group_end(sc);

    group(sc, PRE(0.76), T);
    op(sc, K_ADD, ",\"board\":\"page-3\",\"color\":\"#E3F2FD\"");
    op(sc, K_REMOVE, ",\"board\":\"page-3\"");
    group_end(sc);

    /* clear, undo (back), redo (cleared again), undo (back for good) */
    group(sc, PRE(0.82), T);
    switch_op(sc, "page-1");
    op(sc, K_CLEAR, ",\"board\":\"page-1\"");
    op(sc, K_UNDO, "%s", "");
    op(sc, K_REDO, "%s", "");
    op(sc, K_UNDO, "%s", "");
    group_end(sc);

    group(sc, PRE(0.90), T);
    op(sc, K_BG, ",\"board\":\"page-1\",\"color\":\"#FFFDE7\"");
    group_end(sc);

    /* During the pause: takes effect at the pause's VideoTime. */
    int64_t normal_step = sc->step;
    if (sc->step > pause_len / 100)
        sc->step = pause_len / 100 > 0 ? pause_len / 100 : 1;
    group(sc, PAUSE(0.25), T);
    text_op(sc, "t-break", "page-1", 700, 620, "课间休息 ☕\n10 分钟后回来", 40, "#2E7D32");
    group_end(sc);
    group(sc, PAUSE(0.5), T);
    stroke_ops(sc, "s-break", "page-1", "pen", "#43A047", 6, 700, 760, 50, 10, 1);
    group_end(sc);
    group(sc, PAUSE(0.75), T);
    op(sc, K_MOVE, ",\"ids\":[\"t-break\"],\"dx\":0,\"dy\":40");
    group_end(sc);
    sc->step = normal_step;

    group(sc, POST(0.05), T);
    switch_op(sc, "page-2");
    op(sc, K_LASER, ",\"board\":\"page-2\",\"x\":512,\"y\":400");
    group_end(sc);

    group(sc, POST(0.15), T);
    stroke_ops(sc, "s-hl2", "page-2", "highlighter", "#00E5FF66", 32, 260, 330, 60, 6, 3);
    group_end(sc);

    group(sc, POST(0.30), S);
    stroke_ops(sc, "s-stu2", "page-2", "pen", "#3949AB", 4, 260, 820, 35, 15, 3);
    text_op(sc, "t-stu", "page-2", 900, 820, "我懂了！👍", 32, "#3949AB");
    group_end(sc);

    group(sc, POST(0.45), T);
    op(sc, K_VIEW, ",\"board\":\"page-2\",\"scale\":1.5,\"x\":100,\"y\":80");
    group_end(sc);

    group(sc, POST(0.60), T);
    op(sc, K_BG, ",\"board\":\"page-2\",\"color\":\"#F1F8E9\",\"image\":\"%s\"", img->slide.file);
    group_end(sc);

    group(sc, POST(0.75), T);
    op(sc, K_VIEW, ",\"board\":\"page-2\",\"scale\":1,\"x\":0,\"y\":0");
    switch_op(sc, "page-1");
    group_end(sc);

    /* erase then undo: the homework note comes back */
    group(sc, POST(0.85), T);
    text_op(sc, "t-hw", "page-1", 80, 820, "作业：练习 3 — 5", 40, "#BF360C");
    op(sc, K_SHAPE,
       ",\"id\":\"sh-hw\",\"board\":\"page-1\",\"kind\":\"arrow\",\"x1\":500,"
       "\"y1\":850,\"x2\":420,\"y2\":850,\"color\":\"#BF360C\",\"width\":4");
    op(sc, K_ERASE, ",\"ids\":[\"t-hw\"]");
    op(sc, K_UNDO, "%s", "");
    group_end(sc);
#undef PRE
#undef POST
#undef PAUSE
}

/* ---- the camera hole ---------------------------------------------------------- */

static const char *visible_page(const struct script *sc, int64_t t);
static bool in_window(const struct script *sc, int64_t from, int64_t to);

/* With --camera-hole-ms the board must visibly go on while every camera is
 * off: a stroke, a shape, a text and a highlighter stroke by the teacher at
 * 1/5 .. 4/5 of the hole. Each unit moves later (in 250 ms steps) past any
 * scripted group, so the script's undo/redo still target what it says; a
 * unit that finds no free time inside the hole is left out (only holes that
 * are short and sit on a scripted group lose units, and those hold the
 * group's own ops). */
static void hole_ops(struct script *sc)
{
    const struct mk_plan *p = sc->p;
    int64_t h0 = p->opt.hole_start_ms, len = p->opt.hole_len_ms, h1 = h0 + len;
    int64_t P = p->pause_play_ms;
    const int64_t span = 300; /* the longest unit: a stroke, begin + 4 appends */
    for (int u = 0; u < 4; u++) {
        int64_t t = h0 + len * (u + 1) / 5;
        if (t < P && t + span >= P)
            t = P - span - 1; /* not across the pause */
        while (t + span < h1 && in_window(sc, mk_plan_wall(p, t), mk_plan_wall(p, t + span)))
            t += 250;
        int64_t w = mk_plan_wall(p, t);
        if (t < h0 || t + span >= h1 || in_window(sc, w, mk_plan_wall(p, t + span)))
            continue;
        const char *page = visible_page(sc, w);
        char fields[256];
        if (u == 0 || u == 3) {
            bool hl = u == 3;
            snprintf(fields, sizeof fields,
                     ",\"id\":\"hole-%d\",\"board\":\"%s\",\"tool\":\"%s\",\"color\":\"%s\","
                     "\"width\":%d,\"pts\":[200,%d,260,%d]",
                     u, page, hl ? "highlighter" : "pen", hl ? "#FF980080" : "#6D4C41", hl ? 26 : 5,
                     600 + 60 * u, 620 + 60 * u);
            add_op_at(sc, w, 0, K_BEGIN, fields);
            for (int a = 1; a <= 4; a++) {
                snprintf(fields, sizeof fields, ",\"id\":\"hole-%d\",\"pts\":[%d,%d,%d,%d]", u,
                         260 + 120 * a, 600 + 60 * u + 25 * (a % 2), 320 + 120 * a,
                         620 + 60 * u - 25 * (a % 2));
                add_op_at(sc, w + 60 * a, 0, K_APPEND, fields);
            }
            snprintf(fields, sizeof fields, ",\"id\":\"hole-%d\"", u);
            add_op_at(sc, w + span, 0, K_END, fields);
        } else if (u == 1) {
            snprintf(fields, sizeof fields,
                     ",\"id\":\"hole-1\",\"board\":\"%s\",\"kind\":\"rect\",\"x1\":820,"
                     "\"y1\":560,\"x2\":1100,\"y2\":700,\"color\":\"#6D4C41\",\"width\":4",
                     page);
            add_op_at(sc, w, 0, K_SHAPE, fields);
        } else {
            struct sb b = {0};
            sb_printf(&b, ",\"id\":\"hole-2\",\"board\":\"%s\",\"x\":840,\"y\":590,\"text\":\"",
                      page);
            sb_json_text(&b, "摄像头关了 cameras off");
            sb_printf(&b, "\",\"size\":28,\"color\":\"#6D4C41\"");
            if (b.oom)
                sc->oom = true;
            else
                add_op_at(sc, w, 0, K_TEXT, b.buf);
            free(b.buf);
        }
    }
}

/* ---- filler ---------------------------------------------------------------- */

static const char *visible_page(const struct script *sc, int64_t t)
{
    const char *page = "page-1";
    for (int i = 0; i < sc->nsw; i++) {
        if (sc->sw[i].t <= t)
            page = sc->sw[i].board;
    }
    return page;
}

static bool in_window(const struct script *sc, int64_t from, int64_t to)
{
    for (int i = 0; i < sc->nwin; i++) {
        if (from <= sc->win[i].to && to >= sc->win[i].from)
            return true;
    }
    return false;
}

/* A playback time for a filler unit lasting span ms, clear of scripted
 * windows and not across the pause. Gives up avoiding windows after a few
 * tries (only very short classes get that crowded). */
static int64_t filler_time(struct script *sc, int64_t span)
{
    const struct mk_plan *p = sc->p;
    int64_t T = p->opt.duration_ms, P = p->pause_play_ms;
    int64_t t = 0;
    for (int attempt = 0; attempt < 24; attempt++) {
        t = mk_rng_range(&sc->rng, T / 50, T - T / 50 - span);
        if (t < P && t + span >= P)
            t = P - span - 1;
        if (t < 0)
            t = 0;
        int64_t w = mk_plan_wall(p, t);
        if (!in_window(sc, w, w + span))
            break;
    }
    return mk_plan_wall(p, t);
}

static const char *const palette[] = {"#E53935", "#1E88E5", "#43A047", "#FB8C00",
                                      "#8E24AA", "#212121", "#00897B", "#F4511E"};
static const char *const filler_texts[] = {"分子 numerator", "分母 denominator", "½ = 0.5",
                                           "对！✔",          "注意 ⚠",           "3/4 > 2/3 ?",
                                           "例题 1",         "答案：7/12"};

/* Who draws at wall time w: mostly the teacher; the student once joined. */
static int filler_user(struct script *sc, int64_t w)
{
    const struct mk_plan *p = sc->p;
    int64_t student_from = p->true_start_ms + p->lanes[1].join_play_ms; /* student_02 */
    if (w >= student_from && mk_rng_range(&sc->rng, 0, 3) == 0)
        return 1;
    return 0;
}

/* Every random draw is its own statement: the order in which a function's
 * arguments are evaluated differs between compilers, and the output must be
 * the same bytes whichever compiler built the generator. */
static int draw(struct script *sc, int lo, int hi)
{
    return (int)mk_rng_range(&sc->rng, lo, hi);
}

static void filler_stroke(struct script *sc, int fid, int appends)
{
    char fields[512];
    int64_t w = filler_time(sc, 60 * (appends + 1));
    int user = filler_user(sc, w);
    bool hl = draw(sc, 0, 5) == 0;
    int x = draw(sc, 100, 1180);
    int y = draw(sc, 100, 860);
    const char *color = palette[draw(sc, 0, 7)];
    int width = hl ? 24 : draw(sc, 2, 6);
    char id[32];
    snprintf(id, sizeof id, "f%d", fid);
    snprintf(fields, sizeof fields,
             ",\"id\":\"%s\",\"board\":\"%s\",\"tool\":\"%s\",\"color\":\"%s%s\","
             "\"width\":%d,\"pts\":[%d,%d,%d,%d]",
             id, visible_page(sc, w), hl ? "highlighter" : "pen", color, hl ? "80" : "", width, x,
             y, x + 4, y + 3);
    add_op_at(sc, w, user, K_BEGIN, fields);
    for (int a = 0; a < appends; a++) {
        int n = snprintf(fields, sizeof fields, ",\"id\":\"%s\",\"pts\":[", id);
        for (int i = 0; i < 3; i++) {
            x += draw(sc, -30, 30);
            y += draw(sc, -30, 30);
            x = x < 0 ? 0 : x > 1280 ? 1280 : x;
            y = y < 0 ? 0 : y > 960 ? 960 : y;
            n += snprintf(fields + n, sizeof fields - (size_t)n, "%s%d,%d", i ? "," : "", x, y);
        }
        snprintf(fields + n, sizeof fields - (size_t)n, "]");
        add_op_at(sc, w + 60 * (a + 1), user, K_APPEND, fields);
    }
    snprintf(fields, sizeof fields, ",\"id\":\"%s\"", id);
    add_op_at(sc, w + 60 * (appends + 1), user, K_END, fields);
}

static void filler_shape(struct script *sc, int fid)
{
    static const char *const kinds[] = {"line", "arrow", "rect", "ellipse"};
    char fields[512];
    int64_t w = filler_time(sc, 0);
    int user = filler_user(sc, w);
    int x1 = draw(sc, 40, 1100);
    int y1 = draw(sc, 40, 800);
    int k = draw(sc, 0, 3);
    int x2 = x1 + draw(sc, 20, 180);
    int y2 = y1 + draw(sc, 20, 140);
    const char *color = palette[draw(sc, 0, 7)];
    int width = draw(sc, 2, 6);
    bool fill = k >= 2 && draw(sc, 0, 2) == 0;
    snprintf(fields, sizeof fields,
             ",\"id\":\"f%d\",\"board\":\"%s\",\"kind\":\"%s\",\"x1\":%d,\"y1\":%d,"
             "\"x2\":%d,\"y2\":%d,\"color\":\"%s\",\"width\":%d%s",
             fid, visible_page(sc, w), kinds[k], x1, y1, x2, y2, color, width,
             fill ? ",\"fill\":\"#90CAF980\"" : "");
    add_op_at(sc, w, user, K_SHAPE, fields);
}

static void filler_laser(struct script *sc)
{
    char fields[128];
    int64_t w = filler_time(sc, 0);
    int x = draw(sc, 0, 1280);
    int y = draw(sc, 0, 960);
    snprintf(fields, sizeof fields, ",\"board\":\"%s\",\"x\":%d,\"y\":%d", visible_page(sc, w), x,
             y);
    add_op_at(sc, w, 0, K_LASER, fields);
}

static void filler_text(struct script *sc, int fid)
{
    int64_t w = filler_time(sc, 0);
    int x = draw(sc, 40, 1000);
    int y = draw(sc, 40, 900);
    const char *text = filler_texts[draw(sc, 0, 7)];
    int size = draw(sc, 20, 48);
    const char *color = palette[draw(sc, 0, 7)];
    struct sb b = {0};
    sb_printf(&b, ",\"id\":\"f%d\",\"board\":\"%s\",\"x\":%d,\"y\":%d,\"text\":\"", fid,
              visible_page(sc, w), x, y);
    sb_json_text(&b, text);
    sb_printf(&b, "\",\"size\":%d,\"color\":\"%s\"", size, color);
    if (b.oom)
        sc->oom = true;
    else
        add_op_at(sc, w, 0, K_TEXT, b.buf);
    free(b.buf);
}

static void filler(struct script *sc, int budget)
{
    int fid = 0;
    while (budget > 0 && !sc->oom) {
        int r = draw(sc, 0, 99);
        if (budget >= 2 && r < 60) {
            /* a stroke: begin, appends every 60 ms, end */
            int appends = draw(sc, 1, 6);
            if (appends > budget - 2)
                appends = budget - 2;
            filler_stroke(sc, fid++, appends);
            budget -= appends + 2;
        } else if (r < 75) {
            filler_shape(sc, fid++);
            budget--;
        } else if (r < 95) {
            filler_laser(sc);
            budget--;
        } else {
            filler_text(sc, fid++);
            budget--;
        }
    }
}

/* ---- board changes, for truth.json -------------------------------------------- */

bool mk_op_kind_is_change(int kind)
{
    /* What changes the picture of the visible page at the op's own time.
     * Not: stroke.end (the stroke is already drawn), laser (a transient dot
     * that also goes away 1 s later, with no op), board.add and board.remove
     * (the script only adds and removes pages that are not shown). */
    switch (kind) {
    case K_SWITCH:
    case K_BG:
    case K_BEGIN:
    case K_APPEND:
    case K_SHAPE:
    case K_TEXT:
    case K_MOVE:
    case K_ERASE:
    case K_CLEAR:
    case K_UNDO:
    case K_REDO:
    case K_VIEW:
        return true;
    default:
        return false;
    }
}

/* The page an op names, if it names one ("board":"..." is the only such
 * field; text bodies cannot match because their quotes are escaped). */
static bool op_on_page(const struct op *o, const char *page)
{
    const char *b = strstr(o->json, ",\"board\":\"");
    if (!b)
        return true; /* move/erase/undo/redo: they act on what is shown */
    b += strlen(",\"board\":\"");
    size_t n = strlen(page);
    return strncmp(b, page, n) == 0 && b[n] == '"';
}

/* After sorting: every op that changes the visible page, in op order. */
static int record_changes(const struct script *sc, struct mk_board_stats *stats)
{
    int n = 0;
    for (int i = 0; i < sc->n; i++)
        n += mk_op_kind_is_change(sc->ops[i].kind);
    stats->changes = malloc((size_t)(n > 0 ? n : 1) * sizeof *stats->changes);
    if (!stats->changes)
        return -1;
    for (int i = 0; i < sc->n; i++) {
        const struct op *o = &sc->ops[i];
        if (!mk_op_kind_is_change(o->kind) || !op_on_page(o, visible_page(sc, o->t)))
            continue;
        stats->changes[stats->change_count++] =
            (struct mk_board_change){.wall_ms = o->t, .kind = o->kind, .user = o->user};
    }
    return 0;
}

void mk_board_stats_free(struct mk_board_stats *s)
{
    free(s->changes);
    s->changes = NULL;
    s->change_count = 0;
}

/* ---- batching into messages ------------------------------------------------ */

static int cmp_op(const void *a, const void *b)
{
    const struct op *x = a, *y = b;
    if (x->t != y->t)
        return (x->t > y->t) - (x->t < y->t);
    return (x->seq > y->seq) - (x->seq < y->seq);
}

static int emit_batch(const struct script *sc, const struct op *ops, int n, struct mk_msg_list *out)
{
    struct sb b = {0};
    sb_printf(&b, "{\"v\":1,\"ops\":[");
    for (int i = 0; i < n; i++)
        sb_printf(&b, "%s%s", i ? "," : "", ops[i].json);
    sb_printf(&b, "]}");
    if (b.oom) {
        free(b.buf);
        return -1;
    }
    cJSON *body = cJSON_CreateArray();
    cJSON *elem = cJSON_CreateObject();
    cJSON_AddItemToArray(body, elem);
    cJSON_AddStringToObject(elem, "MsgType", "TIMCustomElem");
    cJSON *content = cJSON_AddObjectToObject(elem, "MsgContent");
    cJSON_AddStringToObject(content, "Data", b.buf);
    cJSON_AddStringToObject(content, "Desc", "");
    cJSON_AddStringToObject(content, "Ext", "TXWhiteBoardExt");
    free(b.buf);
    if (mk_msgs_add(out, ops[n - 1].t, user_name(sc, ops[0].user), body) < 0)
        return -1;
    out->items[out->count - 1].board = true;
    out->items[out->count - 1].op_count = n;
    return 0;
}

int mk_board_ops_generate(const struct mk_plan *p, const struct mk_images *img,
                          struct mk_msg_list *out, struct mk_board_stats *stats)
{
    struct script sc = {.p = p};
    mk_rng_init(&sc.rng, p->opt.seed * 31 + 7);
    memset(stats, 0, sizeof *stats);
    sc.step = p->pause_play_ms / 300;
    sc.step = sc.step > 100 ? 100 : sc.step < 5 ? 5 : sc.step;
    script_lesson(&sc, img);
    if (p->opt.hole_len_ms > 0)
        hole_ops(&sc);
    int scripted = sc.n;
    if (p->opt.ops > scripted)
        filler(&sc, p->opt.ops - scripted);
    int rc = -1;
    if (sc.oom) {
        fprintf(stderr, "sigplay-mkclass: out of memory generating board ops\n");
        goto out;
    }
    qsort(sc.ops, (size_t)sc.n, sizeof *sc.ops, cmp_op);
    for (int i = 0; i < sc.n;) {
        int j = i + 1;
        while (j < sc.n && j - i < BATCH_MAX_OPS && sc.ops[j].user == sc.ops[i].user &&
               sc.ops[j].t - sc.ops[i].t <= BATCH_SPAN_MS &&
               (sc.ops[j].t < p->pause_wall_ms) == (sc.ops[i].t < p->pause_wall_ms) &&
               (sc.ops[j].t < p->resume_wall_ms) == (sc.ops[i].t < p->resume_wall_ms))
            j++;
        if (emit_batch(&sc, sc.ops + i, j - i, out) < 0) {
            fprintf(stderr, "sigplay-mkclass: out of memory batching board ops\n");
            goto out;
        }
        stats->batches++;
        i = j;
    }
    for (int i = 0; i < sc.n; i++) {
        stats->ops++;
        stats->per_kind[sc.ops[i].kind]++;
        if (sc.ops[i].t > p->pause_wall_ms && sc.ops[i].t < p->resume_wall_ms)
            stats->ops_in_pause++;
    }
    if (record_changes(&sc, stats) < 0) {
        fprintf(stderr, "sigplay-mkclass: out of memory listing board changes\n");
        goto out;
    }
    rc = 0;
out:
    for (int i = 0; i < sc.n; i++)
        free(sc.ops[i].json);
    free(sc.ops);
    free(sc.win);
    return rc;
}
