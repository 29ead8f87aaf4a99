/* layout.c - presets, the CustomLayout reader, binding and fitting.
 * Pure geometry: no SDL, no drawing (see layout.h). */
#include "render/layout.h"
#include "base/json_util.h"

#include <cJSON.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/diag.h"
#include "player/recording/manifest.h"
#include "base/sp_error.h"

/* Presets look at this many lanes at most (the rest are not placed), so
 * ordering them stays cheap whatever the recording holds. */
#define LAYOUT_MAX_LANES 4096
/* Tiles a preset places (board and chat take the other two slots). */
#define PRESET_MAX_TILES (LAYOUT_MAX_REGIONS - 2)
/* Shape of a tile in a strip or grid (w / h); contents are fitted inside. */
#define TILE_ASPECT (16.0 / 9.0)
#define TILE_BG 0x2B2D31FFu

static const char *const preset_names[LAYOUT_PRESET_COUNT] = {"board", "grid", "focus"};

const char *layout_preset_name(enum layout_preset p)
{
    if ((int)p < 0 || p >= LAYOUT_PRESET_COUNT)
        return NULL;
    return preset_names[p];
}

int layout_preset_from_name(const char *name)
{
    for (int i = 0; name && i < LAYOUT_PRESET_COUNT; i++)
        if (!strcmp(name, preset_names[i]))
            return i;
    return -1;
}

static void set_name(struct layout *l, const char *name)
{
    snprintf(l->name, sizeof(l->name), "%s", name ? name : "");
}

static bool rect_ok(struct layout_rect r)
{
    return r.w > 0 && r.h > 0;
}

/* Appends a region; regions with an empty rectangle are left out (tiny
 * canvases), as is anything past LAYOUT_MAX_REGIONS. */
static struct layout_region *add_region(struct layout *l, struct layout_rect r, enum layout_src src,
                                        ptrdiff_t lane, const char *id)
{
    if (!rect_ok(r) || l->n >= LAYOUT_MAX_REGIONS)
        return NULL;
    struct layout_region *g = &l->regions[l->n++];
    memset(g, 0, sizeof(*g));
    g->r = r;
    g->src = src;
    g->fill = LAYOUT_FILL_CONTAIN;
    g->bg = TILE_BG;
    g->lane = lane;
    g->entry = -1;
    snprintf(g->id, sizeof(g->id), "%s", id ? id : "");
    return g;
}

/* ---- which lanes a preset shows ------------------------------------------ */

static int64_t lane_start(const struct rec_lane *ln)
{
    return ln->n_segments ? ln->segments[0].play_us : INT64_MAX;
}

static double lane_aspect(const struct rec_lane *ln)
{
    for (size_t i = 0; i < ln->n_segments; i++) {
        const struct rec_segment *s = &ln->segments[i];
        if (s->width > 0 && s->height > 0) {
            double a = (double)s->width / s->height;
            return a < 0.25 ? 0.25 : a > 4.0 ? 4.0 : a;
        }
    }
    return TILE_ASPECT;
}

static bool has_camera(const struct recording *rec, size_t n, const char *owner)
{
    for (size_t i = 0; i < n; i++)
        if (rec->lanes[i].kind == REC_LANE_CAMERA && !strcmp(rec->lanes[i].owner, owner))
            return true;
    return false;
}

/* Display group of a lane, -1 when a preset gives it no tile. */
static int lane_group(const struct recording *rec, size_t n, size_t i)
{
    const struct rec_lane *ln = &rec->lanes[i];
    switch (ln->kind) {
    case REC_LANE_CAMERA:
        return 0;
    case REC_LANE_SCREEN:
        return 1;
    case REC_LANE_MIXED:
    case REC_LANE_UNKNOWN:
        return 2;
    case REC_LANE_AUDIO:
        return has_camera(rec, n, ln->owner) ? -1 : 3;
    case REC_LANE_WHITEBOARD:
        return -1;
    }
    return -1;
}

struct lane_key {
    int group;
    int64_t start;
    size_t index;
};

static int key_cmp(const struct lane_key *a, const struct lane_key *b)
{
    if (a->group != b->group)
        return a->group < b->group ? -1 : 1;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

/* The lanes a preset shows, in display order, at most cap. Selection by
 * repeated minimum: no allocation, O(cap * lanes). */
static size_t order_lanes(const struct recording *rec, size_t *out, size_t cap)
{
    size_t n = rec ? rec->n_lanes : 0;
    if (n > LAYOUT_MAX_LANES)
        n = LAYOUT_MAX_LANES;
    size_t count = 0;
    struct lane_key last = {-1, INT64_MIN, 0};
    bool have_last = false;
    while (count < cap) {
        struct lane_key best = {0, 0, 0};
        bool found = false;
        for (size_t i = 0; i < n; i++) {
            struct lane_key k = {lane_group(rec, n, i), lane_start(&rec->lanes[i]), i};
            if (k.group < 0)
                continue;
            if (have_last && key_cmp(&k, &last) <= 0)
                continue;
            if (!found || key_cmp(&k, &best) < 0) {
                best = k;
                found = true;
            }
        }
        if (!found)
            break;
        out[count++] = best.index;
        last = best;
        have_last = true;
    }
    return count;
}

static ptrdiff_t whiteboard_lane(const struct recording *rec)
{
    size_t n = rec ? rec->n_lanes : 0;
    for (size_t i = 0; i < n; i++)
        if (rec->lanes[i].kind == REC_LANE_WHITEBOARD)
            return (ptrdiff_t)i;
    return -1;
}

/* ---- geometry -------------------------------------------------------------- */

enum align { ALIGN_CENTER, ALIGN_TOP, ALIGN_LEFT };

/* Places n tiles shaped a (w / h) in area with gaps g: the column count
 * that gives the largest tiles wins; the last row is centred. */
static void pack(size_t n, struct layout_rect area, double a, int g, enum align al,
                 struct layout_rect *out)
{
    if (!n)
        return;
    int best_c = 1;
    double best_w = 0;
    for (size_t c = 1; c <= n; c++) {
        size_t r = (n + c - 1) / c;
        double cw = (area.w - (double)(c - 1) * g) / (double)c;
        double ch = (area.h - (double)(r - 1) * g) / (double)r;
        if (cw < 1 || ch < 1)
            continue;
        double tw = cw < ch * a ? cw : ch * a;
        if (tw > best_w + 1e-9) {
            best_w = tw;
            best_c = (int)c;
        }
    }
    int c = best_c;
    int r = (int)((n + (size_t)c - 1) / (size_t)c);
    int tw = (int)floor(best_w);
    int th = (int)floor(best_w / a);
    if (tw < 1 || th < 1) {
        tw = th = 0; /* nothing fits: empty tiles, left out by add_region */
    }
    int bw = c * tw + (c - 1) * g, bh = r * th + (r - 1) * g;
    int x0 = area.x + (al == ALIGN_LEFT ? 0 : (area.w - bw) / 2);
    int y0 = area.y + (al == ALIGN_TOP ? 0 : (area.h - bh) / 2);
    for (size_t i = 0; i < n; i++) {
        int row = (int)(i / (size_t)c), col = (int)(i % (size_t)c);
        int in_row = row == r - 1 ? (int)(n - (size_t)row * (size_t)c) : c;
        int rx = x0 + (c - in_row) * (tw + g) / 2;
        if (al == ALIGN_LEFT)
            rx = x0;
        out[i].x = rx + col * (tw + g);
        out[i].y = y0 + row * (th + g);
        out[i].w = tw;
        out[i].h = th;
    }
}

/* A main area and a strip of tiles in m: the strip is a column at the right
 * (a row at the bottom when m is taller than wide), sized so that the main
 * area gets the shape main_aspect, within 1/5 .. 2/5 of the side. */
static void split_main(struct layout_rect m, double main_aspect, int g, struct layout_rect *main,
                       struct layout_rect *strip, bool *column)
{
    *column = m.w >= m.h;
    if (*column) {
        int sw = m.w - g - (int)lround(m.h * main_aspect);
        if (sw < m.w / 5)
            sw = m.w / 5;
        if (sw > m.w * 2 / 5)
            sw = m.w * 2 / 5;
        /* a small canvas: room for one tile of the smallest size, as long
         * as the main picture keeps half */
        if (sw < LAYOUT_TILE_MIN_W)
            sw = LAYOUT_TILE_MIN_W < m.w / 2 ? LAYOUT_TILE_MIN_W : m.w / 2;
        *main = (struct layout_rect){m.x, m.y, m.w - sw - g, m.h};
        *strip = (struct layout_rect){m.x + m.w - sw, m.y, sw, m.h};
    } else {
        int sh = m.h - g - (int)lround(m.w / main_aspect);
        if (sh < m.h / 5)
            sh = m.h / 5;
        if (sh > m.h * 2 / 5)
            sh = m.h * 2 / 5;
        if (sh < LAYOUT_TILE_MIN_H)
            sh = LAYOUT_TILE_MIN_H < m.h / 2 ? LAYOUT_TILE_MIN_H : m.h / 2;
        *main = (struct layout_rect){m.x, m.y, m.w, m.h - sh - g};
        *strip = (struct layout_rect){m.x, m.y + m.h - sh, m.w, sh};
    }
}

struct item {
    enum layout_src src;
    ptrdiff_t lane;
};

/* How many of n tiles pack() can place in area at LAYOUT_TILE_MIN_W x
 * LAYOUT_TILE_MIN_H or larger: n when all of them fit, else the largest
 * count that does (at least 1: one tile is always placed, however small). */
static size_t fit_count(size_t n, struct layout_rect area, int g, enum align al)
{
    struct layout_rect cells[PRESET_MAX_TILES + 1];
    for (size_t k = n; k > 1; k--) {
        pack(k, area, TILE_ASPECT, g, al, cells);
        if (cells[0].w >= LAYOUT_TILE_MIN_W && cells[0].h >= LAYOUT_TILE_MIN_H)
            return k;
    }
    return n ? 1 : 0;
}

/* Places items in area: every one when they fit at the smallest tile
 * size, else as many as do with the last place a "+N" tile standing for
 * the N left out (their names would not be readable smaller). */
static void place_items(struct layout *l, const struct recording *rec, const struct item *items,
                        size_t n, struct layout_rect area, int g, enum align al, ptrdiff_t wb);

static void add_item(struct layout *l, const struct recording *rec, struct item it,
                     struct layout_rect r, ptrdiff_t wb_lane)
{
    if (it.src == LAYOUT_SRC_BOARD)
        add_region(l, r, LAYOUT_SRC_BOARD, wb_lane, LAYOUT_ID_BOARD);
    else
        add_region(l, r, LAYOUT_SRC_LANE, it.lane, rec->lanes[it.lane].user_id);
}

static void place_items(struct layout *l, const struct recording *rec, const struct item *items,
                        size_t n, struct layout_rect area, int g, enum align al, ptrdiff_t wb)
{
    struct layout_rect cells[PRESET_MAX_TILES + 1];
    size_t k = fit_count(n, area, g, al);
    pack(k, area, TILE_ASPECT, g, al, cells);
    size_t lanes = k < n ? k - 1 : k; /* the last place is the "+N" tile */
    for (size_t i = 0; i < lanes; i++)
        add_item(l, rec, items[i], cells[i], wb);
    if (k < n) {
        struct layout_region *r = add_region(l, cells[k - 1], LAYOUT_SRC_VACANT, -1, "");
        if (r) {
            r->bg = TILE_BG;
            r->more = (int)(n - lanes);
        }
    }
}

int layout_preset(enum layout_preset p, const struct recording *rec, bool has_board, int w, int h,
                  bool chat, struct layout *out)
{
    if (!out || (int)p < 0 || p >= LAYOUT_PRESET_COUNT || w < 1 || h < 1 || w > LAYOUT_MAX_DIM ||
        h > LAYOUT_MAX_DIM)
        return SP_EINVAL;
    memset(out, 0, sizeof(*out));
    set_name(out, preset_names[p]);
    out->w = w;
    out->h = h;
    out->bg = LAYOUT_DEFAULT_BG;
    out->view = (struct layout_rect){0, 0, w, h};

    size_t lanes[PRESET_MAX_TILES];
    size_t n_lanes = order_lanes(rec, lanes, PRESET_MAX_TILES);
    ptrdiff_t wb = whiteboard_lane(rec);
    bool board = has_board || wb >= 0 || n_lanes == 0;

    /* Gaps scale with the canvas; tiny canvases get none. */
    int side = w < h ? w : h;
    int g = side < 40 ? 0 : side / 90 > 1 ? side / 90 : 1;
    struct layout_rect m = {g, g, w - 2 * g, h - 2 * g};
    if (chat && h > w) {
        /* Portrait: a column would leave the chat a sliver and the board
         * narrower still; the chat is a band across the bottom instead, its
         * lines as wide as the canvas, and the board and the strip above it
         * follow the shape that is left (the strip under the board). */
        int chh = h * 30 / 100;
        int min_chh = h / 3 < 200 ? h / 3 : 200;
        if (chh < min_chh)
            chh = min_chh;
        struct layout_rect cr = {m.x, m.y + m.h - chh, m.w, chh};
        struct layout_region *cg = add_region(out, cr, LAYOUT_SRC_CHAT, -1, LAYOUT_ID_CHAT);
        if (cg)
            cg->bg = TILE_BG;
        m.h -= chh + g;
    } else if (chat) {
        int cw = w * 24 / 100;
        int min_cw = w / 3 < 200 ? w / 3 : 200;
        if (cw < min_cw)
            cw = min_cw;
        struct layout_rect cr = {m.x + m.w - cw, m.y, cw, m.h};
        struct layout_region *cg = add_region(out, cr, LAYOUT_SRC_CHAT, -1, LAYOUT_ID_CHAT);
        if (cg)
            cg->bg = TILE_BG;
        m.w -= cw + g;
    }
    if (!rect_ok(m))
        return 0;

    /* The main picture, then the strip's items in order. */
    struct item items[PRESET_MAX_TILES + 1];
    size_t n_items = 0;
    struct item main_item = {LAYOUT_SRC_VACANT, -1};
    double main_aspect = 4.0 / 3.0;
    if (rec && rec->board_w > 0 && rec->board_h > 0)
        main_aspect = (double)rec->board_w / rec->board_h;

    if (p == LAYOUT_PRESET_FOCUS && n_lanes > 0) {
        main_item = (struct item){LAYOUT_SRC_LANE, (ptrdiff_t)lanes[0]};
        main_aspect = lane_aspect(&rec->lanes[lanes[0]]);
        if (board)
            items[n_items++] = (struct item){LAYOUT_SRC_BOARD, wb};
        for (size_t i = 1; i < n_lanes; i++)
            items[n_items++] = (struct item){LAYOUT_SRC_LANE, (ptrdiff_t)lanes[i]};
    } else if (p == LAYOUT_PRESET_GRID || !board) {
        if (board)
            items[n_items++] = (struct item){LAYOUT_SRC_BOARD, wb};
        for (size_t i = 0; i < n_lanes; i++)
            items[n_items++] = (struct item){LAYOUT_SRC_LANE, (ptrdiff_t)lanes[i]};
        place_items(out, rec, items, n_items, m, g, ALIGN_CENTER, wb);
        return 0;
    } else {
        main_item = (struct item){LAYOUT_SRC_BOARD, wb};
        for (size_t i = 0; i < n_lanes; i++)
            items[n_items++] = (struct item){LAYOUT_SRC_LANE, (ptrdiff_t)lanes[i]};
    }

    if (!n_items) {
        add_item(out, rec, main_item, m, wb);
        return 0;
    }
    struct layout_rect main_r, strip;
    bool column;
    split_main(m, main_aspect, g, &main_r, &strip, &column);
    add_item(out, rec, main_item, main_r, wb);
    place_items(out, rec, items, n_items, strip, g, column ? ALIGN_TOP : ALIGN_LEFT, wb);
    return 0;
}

/* ---- the service's ModelId layouts ------------------------------------------ */

/* REPLAY-FORMAT.md section 7: the board 1280 x 960 at (8, 8), four 320 x
 * 240 tiles 8 px apart below it (ModelId 1) or right of it (ModelId 2). */
#define MODEL_GAP 8
#define MODEL_BOARD_W 1280
#define MODEL_BOARD_H 960
#define MODEL_BG 0x000000FFu

int layout_model_from_name(const char *name)
{
    if (name && !strcmp(name, "model1"))
        return 1;
    if (name && !strcmp(name, "model2"))
        return 2;
    return -1;
}

int layout_model(int model_id, const char *teacher_id, const char *name, struct layout *out)
{
    if (!out || (model_id != 1 && model_id != 2) ||
        (teacher_id && strlen(teacher_id) >= LAYOUT_MAX_ID_BYTES))
        return SP_EINVAL;
    memset(out, 0, sizeof(*out));
    set_name(out, name && *name ? name : model_id == 1 ? "model1" : "model2");
    const int g = MODEL_GAP, tw = LAYOUT_MODEL_TILE_W, th = LAYOUT_MODEL_TILE_H;
    /* 1: 8 + 960 + 8 + 240 + 8 = 1224 high, 8 + 4 * (320 + 8) = 1320 wide;
     * 2: 8 + 1280 + 8 + 320 + 8 = 1624 wide, 8 + 4 * (240 + 8) = 1000 high. */
    out->w = model_id == 1 ? g + LAYOUT_MODEL_TILES * (tw + g) : 3 * g + MODEL_BOARD_W + tw;
    out->h = model_id == 1 ? 3 * g + MODEL_BOARD_H + th : g + LAYOUT_MODEL_TILES * (th + g);
    out->bg = MODEL_BG;
    out->view = (struct layout_rect){0, 0, out->w, out->h};
    out->model_id = model_id;
    snprintf(out->list_path, sizeof(out->list_path), "MixStream");
    struct layout_region *b =
        add_region(out, (struct layout_rect){g, g, MODEL_BOARD_W, MODEL_BOARD_H}, LAYOUT_SRC_BOARD,
                   -1, LAYOUT_ID_BOARD);
    b->bg = MODEL_BG;
    for (int i = 0; i < LAYOUT_MODEL_TILES; i++) {
        struct layout_rect r =
            model_id == 1 ? (struct layout_rect){g + i * (tw + g), 2 * g + MODEL_BOARD_H, tw, th}
                          : (struct layout_rect){2 * g + MODEL_BOARD_W, g + i * (th + g), tw, th};
        struct layout_region *t =
            add_region(out, r, LAYOUT_SRC_VACANT, -1, i == 0 && teacher_id ? teacher_id : "");
        t->bg = MODEL_BG;
        t->entry = i;
    }
    return 0;
}

bool layout_places_chat(const struct layout *l)
{
    for (size_t i = 0; l && i < l->n; i++)
        if (l->regions[i].src == LAYOUT_SRC_CHAT || !strcmp(l->regions[i].id, LAYOUT_ID_CHAT))
            return true;
    return false;
}

/* ---- the CustomLayout reader ---------------------------------------------- */

struct pctx {
    const char *name;
    struct diag_list *diag;
    int cw, ch;         /* canvas */
    const char *prefix; /* "", "CustomLayout." or "MixStream.Custom.": where the layout sits */
};

enum field { F_MISSING, F_OK, F_BAD };

/* Reads obj.key as an integer in [lo, hi]. A missing or null member is
 * F_MISSING (no diagnostic); a wrong type or range is F_BAD with one line
 * at level lv. Numbers must be whole. */
static enum field get_int(struct pctx *c, const cJSON *obj, const char *path, const char *key,
                          long lo, long hi, enum diag_level lv, long *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v))
        return F_MISSING;
    if (!cJSON_IsNumber(v)) {
        diag_add(c->diag, lv, "%s: %s%s: expected integer, got %s", c->name, path, key,
                 sp_json_type_name(v));
        return F_BAD;
    }
    double d = v->valuedouble;
    if (!isfinite(d) || d != floor(d)) {
        diag_add(c->diag, lv, "%s: %s%s: expected integer, got %g", c->name, path, key, d);
        return F_BAD;
    }
    if (d < (double)lo || d > (double)hi) {
        diag_add(c->diag, lv, "%s: %s%s: %.0f out of range %ld..%ld", c->name, path, key, d, lo,
                 hi);
        return F_BAD;
    }
    *out = (long)d;
    return F_OK;
}

static int hex_digit(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* "#RRGGBB", "#RRGGBBAA", "0xRRGGBB" or an integer 0..0xFFFFFF (RGB). */
static bool parse_color(const cJSON *v, uint32_t *out)
{
    if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (!isfinite(d) || d < 0 || d > 0xFFFFFF || d != floor(d))
            return false;
        *out = ((uint32_t)d << 8) | 0xFFu;
        return true;
    }
    if (!cJSON_IsString(v) || !v->valuestring)
        return false;
    const char *s = v->valuestring;
    if (s[0] == '#')
        s++;
    else if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        s += 2;
    else
        return false;
    size_t n = strlen(s);
    if (n != 6 && n != 8)
        return false;
    uint32_t val = 0;
    for (size_t i = 0; i < n; i++) {
        int dg = hex_digit(s[i]);
        if (dg < 0)
            return false;
        val = (val << 4) | (uint32_t)dg;
    }
    *out = n == 6 ? (val << 8) | 0xFFu : val;
    return true;
}

static void get_color(struct pctx *c, const cJSON *obj, const char *path, uint32_t *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "BackgroundColor");
    if (!v || cJSON_IsNull(v))
        return;
    if (!parse_color(v, out))
        diag_add(c->diag, DIAG_WARNING,
                 "%s: %sBackgroundColor: expected \"#RRGGBB\" or \"#RRGGBBAA\", got %s%s%.40s%s; "
                 "default used",
                 c->name, path, sp_json_type_name(v), cJSON_IsString(v) ? " '" : "",
                 cJSON_IsString(v) ? v->valuestring : "", cJSON_IsString(v) ? "'" : "");
}

static const cJSON *get_object(struct pctx *c, const cJSON *obj, const char *path, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v) {
        diag_add(c->diag, DIAG_ERROR, "%s: %s%s: missing", c->name, path, key);
        return NULL;
    }
    if (!cJSON_IsObject(v)) {
        diag_add(c->diag, DIAG_ERROR, "%s: %s%s: expected object, got %s", c->name, path, key,
                 sp_json_type_name(v));
        return NULL;
    }
    return v;
}

static void read_entry(struct pctx *c, const cJSON *e, size_t i, struct layout *l)
{
    char path[80];
    snprintf(path, sizeof(path), "%sInputStreamList[%zu]", c->prefix, i);
    if (!cJSON_IsObject(e)) {
        diag_add(c->diag, DIAG_ERROR, "%s: %s: expected object, got %s", c->name, path,
                 sp_json_type_name(e));
        return;
    }
    char pp[112];
    snprintf(pp, sizeof(pp), "%s.", path);
    const cJSON *lp = get_object(c, e, pp, "LayoutParams");
    if (!lp)
        return;
    char lpp[112];
    snprintf(lpp, sizeof(lpp), "%s.LayoutParams.", path);
    long x = 0, y = 0, w = 0, h = 0, z = 0;
    enum field fx = get_int(c, lp, lpp, "X", 0, LAYOUT_MAX_DIM, DIAG_ERROR, &x);
    enum field fy = get_int(c, lp, lpp, "Y", 0, LAYOUT_MAX_DIM, DIAG_ERROR, &y);
    enum field fw = get_int(c, lp, lpp, "Width", 1, LAYOUT_MAX_DIM, DIAG_ERROR, &w);
    enum field fh = get_int(c, lp, lpp, "Height", 1, LAYOUT_MAX_DIM, DIAG_ERROR, &h);
    enum field fz = get_int(c, lp, lpp, "ZOrder", -1000000, 1000000, DIAG_ERROR, &z);
    if (fw == F_MISSING)
        diag_add(c->diag, DIAG_ERROR, "%s: %sWidth: missing", c->name, lpp);
    if (fh == F_MISSING)
        diag_add(c->diag, DIAG_ERROR, "%s: %sHeight: missing", c->name, lpp);
    if (fx == F_BAD || fy == F_BAD || fw != F_OK || fh != F_OK || fz == F_BAD)
        return;

    const cJSON *idv = cJSON_GetObjectItemCaseSensitive(e, "InputStreamId");
    const char *id = "";
    if (idv && !cJSON_IsNull(idv)) {
        if (!cJSON_IsString(idv) || !idv->valuestring) {
            diag_add(c->diag, DIAG_ERROR, "%s: %sInputStreamId: expected string, got %s", c->name,
                     pp, sp_json_type_name(idv));
            return;
        }
        id = idv->valuestring;
        if (strlen(id) >= LAYOUT_MAX_ID_BYTES) {
            diag_add(c->diag, DIAG_ERROR, "%s: %sInputStreamId: longer than %d bytes", c->name, pp,
                     LAYOUT_MAX_ID_BYTES - 1);
            return;
        }
    }

    long fill = 0;
    if (get_int(c, e, pp, "FillMode", 0, 1, DIAG_WARNING, &fill) == F_BAD)
        fill = 0;
    uint32_t bg = l->bg;
    get_color(c, e, pp, &bg);

    /* Clip to the canvas. */
    if (x >= c->cw || y >= c->ch) {
        diag_add(c->diag, DIAG_WARNING,
                 "%s: %s.LayoutParams: region at (%ld, %ld) lies outside the %dx%d canvas; "
                 "dropped",
                 c->name, path, x, y, c->cw, c->ch);
        return;
    }
    if (x + w > c->cw || y + h > c->ch) {
        diag_add(c->diag, DIAG_WARNING,
                 "%s: %s.LayoutParams: region %ldx%ld at (%ld, %ld) extends past the %dx%d "
                 "canvas; clipped",
                 c->name, path, w, h, x, y, c->cw, c->ch);
        if (x + w > c->cw)
            w = c->cw - x;
        if (y + h > c->ch)
            h = c->ch - y;
    }
    struct layout_rect r = {(int)x, (int)y, (int)w, (int)h};
    struct layout_region *g = add_region(l, r, LAYOUT_SRC_VACANT, -1, id);
    if (!g)
        return;
    g->z = (int)z;
    g->fill = fill == 1 ? LAYOUT_FILL_COVER : LAYOUT_FILL_CONTAIN;
    g->bg = bg;
    g->entry = (int)i;
}

/* Parses text as a JSON object; NULL (with one diagnostic) if it is not. */
static cJSON *parse_object(struct pctx *c, const char *what, const char *json, size_t len)
{
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    if (!root) {
        size_t at = end && end >= json && end <= json + len ? (size_t)(end - json) : 0;
        diag_add(c->diag, DIAG_ERROR, "%s: %snot valid JSON (at byte %zu)", c->name, what, at);
        return NULL;
    }
    if (!cJSON_IsObject(root)) {
        diag_add(c->diag, DIAG_ERROR, "%s: %sexpected a JSON object, got %s", c->name, what,
                 sp_json_type_name(root));
        cJSON_Delete(root);
        return NULL;
    }
    /* what is "" or "CustomLayout: " (a layout nested as a string) */
    char parent[64];
    snprintf(parent, sizeof(parent), "%.*s", (int)strcspn(what, ":"), what);
    if (sp_json_refuse_nul(c->diag, DIAG_ERROR, c->name, parent, json, len,
                           "the layout is refused")) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

static int z_cmp(const void *a, const void *b)
{
    const struct layout_region *x = a, *y = b;
    if (x->z != y->z)
        return x->z < y->z ? -1 : 1;
    /* Stable: the index was stashed in lane while sorting. */
    return x->lane < y->lane ? -1 : x->lane > y->lane;
}

static void sort_by_z(struct layout *l)
{
    for (size_t i = 0; i < l->n; i++)
        l->regions[i].lane = (ptrdiff_t)i;
    qsort(l->regions, l->n, sizeof(l->regions[0]), z_cmp);
    for (size_t i = 0; i < l->n; i++)
        l->regions[i].lane = -1;
}

/* Reads a request's MixStream: *custom = its Custom member when there is
 * one (returns 1: read it as a CustomLayout; Custom wins over ModelId),
 * else the ModelId layout into out (returns 0), else one error line naming
 * the field (SP_EPARSE). */
static int read_mix(struct pctx *c, const cJSON *mix, struct layout *out, const cJSON **custom)
{
    if (!cJSON_IsObject(mix)) {
        diag_add(c->diag, DIAG_ERROR, "%s: MixStream: expected object, got %s", c->name,
                 sp_json_type_name(mix));
        return SP_EPARSE;
    }
    const cJSON *cu = cJSON_GetObjectItemCaseSensitive(mix, "Custom");
    if (cu && !cJSON_IsNull(cu)) {
        *custom = cu;
        return 1;
    }
    long model = 0;
    enum field fm =
        get_int(c, mix, "MixStream.", "ModelId", LONG_MIN / 2, LONG_MAX / 2, DIAG_ERROR, &model);
    if (fm == F_MISSING) {
        diag_add(c->diag, DIAG_ERROR,
                 "%s: MixStream: neither Custom nor ModelId (a layout needs "
                 "one of them)",
                 c->name);
        return SP_EPARSE;
    }
    if (fm == F_BAD)
        return SP_EPARSE;
    if (model != 1 && model != 2) {
        diag_add(c->diag, DIAG_ERROR,
                 "%s: MixStream.ModelId: %ld is not a layout this player knows (1 or 2, or give "
                 "MixStream.Custom)",
                 c->name, model);
        return SP_EPARSE;
    }
    const cJSON *tv = cJSON_GetObjectItemCaseSensitive(mix, "TeacherId");
    const char *teacher = NULL;
    if (tv && !cJSON_IsNull(tv)) {
        if (!cJSON_IsString(tv) || !tv->valuestring) {
            diag_add(c->diag, DIAG_ERROR, "%s: MixStream.TeacherId: expected string, got %s",
                     c->name, sp_json_type_name(tv));
            return SP_EPARSE;
        }
        if (strlen(tv->valuestring) >= LAYOUT_MAX_ID_BYTES) {
            diag_add(c->diag, DIAG_ERROR, "%s: MixStream.TeacherId: longer than %d bytes", c->name,
                     LAYOUT_MAX_ID_BYTES - 1);
            return SP_EPARSE;
        }
        teacher = *tv->valuestring ? tv->valuestring : NULL;
    }
    return layout_model((int)model, teacher, c->name, out);
}

int layout_parse_custom(const char *json, size_t len, const char *name, struct diag_list *diag,
                        struct layout *out)
{
    if (!out || (!json && len))
        return SP_EINVAL;
    memset(out, 0, sizeof(*out));
    struct pctx c = {name && *name ? name : "layout", diag, 0, 0, ""};
    if (len > LAYOUT_MAX_JSON_BYTES) {
        diag_add(diag, DIAG_ERROR, "%s: larger than %u bytes, over the limit", c.name,
                 LAYOUT_MAX_JSON_BYTES);
        return SP_ELIMIT;
    }
    cJSON *root = parse_object(&c, "", json ? json : "", len);
    if (!root)
        return SP_EPARSE;

    /* The CustomLayout object itself, an object that holds it in
     * "CustomLayout" or in MixStream.Custom (as an object or as a JSON
     * string, once), or a MixStream.ModelId request. */
    cJSON *inner = NULL;
    const cJSON *doc = root;
    const char *prefix = "";
    const cJSON *wrap = NULL;
    const cJSON *mix = cJSON_GetObjectItemCaseSensitive(root, "MixStream");
    bool has_canvas = cJSON_GetObjectItemCaseSensitive(root, "Canvas") != NULL;
    if (!has_canvas && (wrap = cJSON_GetObjectItemCaseSensitive(root, "CustomLayout")) != NULL) {
        prefix = "CustomLayout.";
    } else if (!has_canvas && mix) {
        int mrc = read_mix(&c, mix, out, &wrap);
        if (mrc <= 0) {
            cJSON_Delete(root);
            return mrc; /* a ModelId layout (0) or an error line */
        }
        prefix = "MixStream.Custom.";
    }
    if (wrap) {
        if (cJSON_IsObject(wrap)) {
            doc = wrap;
        } else if (cJSON_IsString(wrap) && wrap->valuestring) {
            char what[64];
            snprintf(what, sizeof(what), "%.*s: ", (int)strlen(prefix) - 1, prefix);
            inner = parse_object(&c, what, wrap->valuestring, strlen(wrap->valuestring));
            if (!inner) {
                cJSON_Delete(root);
                return SP_EPARSE;
            }
            doc = inner;
        } else {
            diag_add(diag, DIAG_ERROR, "%s: %.*s: expected object or string, got %s", c.name,
                     (int)strlen(prefix) - 1, prefix, sp_json_type_name(wrap));
            cJSON_Delete(root);
            return SP_EPARSE;
        }
    }

    c.prefix = prefix;
    int rc = SP_EPARSE;
    char path[64];
    const cJSON *canvas = get_object(&c, doc, prefix, "Canvas");
    if (!canvas)
        goto done;
    snprintf(path, sizeof(path), "%sCanvas.", prefix);
    const cJSON *clp = get_object(&c, canvas, path, "LayoutParams");
    if (!clp)
        goto done;
    snprintf(path, sizeof(path), "%sCanvas.LayoutParams.", prefix);
    long cw = 0, ch = 0;
    enum field fw = get_int(&c, clp, path, "Width", 1, LAYOUT_MAX_DIM, DIAG_ERROR, &cw);
    enum field fh = get_int(&c, clp, path, "Height", 1, LAYOUT_MAX_DIM, DIAG_ERROR, &ch);
    if (fw == F_MISSING)
        diag_add(diag, DIAG_ERROR, "%s: %sWidth: missing", c.name, path);
    if (fh == F_MISSING)
        diag_add(diag, DIAG_ERROR, "%s: %sHeight: missing", c.name, path);
    if (fw != F_OK || fh != F_OK)
        goto done;
    c.cw = (int)cw;
    c.ch = (int)ch;
    set_name(out, c.name);
    out->custom = true; /* whatever its name: a file may be called "board" */
    out->w = c.cw;
    out->h = c.ch;
    out->view = (struct layout_rect){0, 0, c.cw, c.ch};
    out->bg = 0x000000FFu;
    snprintf(out->list_path, sizeof(out->list_path), "%sInputStreamList", prefix);
    snprintf(path, sizeof(path), "%sCanvas.", prefix);
    get_color(&c, canvas, path, &out->bg);

    const cJSON *list = cJSON_GetObjectItemCaseSensitive(doc, "InputStreamList");
    if (!cJSON_IsArray(list)) {
        diag_add(diag, DIAG_ERROR, "%s: %sInputStreamList: %s%s", c.name, prefix,
                 list ? "expected array, got " : "missing", list ? sp_json_type_name(list) : "");
        goto done;
    }
    size_t i = 0;
    for (const cJSON *e = list->child; e; e = e->next, i++) {
        if (i >= LAYOUT_MAX_REGIONS) {
            size_t total = (size_t)cJSON_GetArraySize(list);
            diag_add(diag, DIAG_WARNING,
                     "%s: %sInputStreamList: %zu entries, only the first %d are used", c.name,
                     prefix, total, LAYOUT_MAX_REGIONS);
            break;
        }
        read_entry(&c, e, i, out);
    }
    if (i == 0)
        diag_add(diag, DIAG_WARNING, "%s: %sInputStreamList: empty; only the background shows",
                 c.name, prefix);
    sort_by_z(out);
    rc = 0;
done:
    cJSON_Delete(inner);
    cJSON_Delete(root);
    if (rc)
        memset(out, 0, sizeof(*out));
    return rc;
}

/* ---- binding ids to lanes --------------------------------------------------- */

static bool starts_with(const char *s, const char *prefix)
{
    return !strncmp(s, prefix, strlen(prefix));
}

static ptrdiff_t find_lane(const struct recording *rec, const char *user_id,
                           enum rec_lane_kind kind)
{
    for (size_t i = 0; rec && i < rec->n_lanes; i++)
        if (rec->lanes[i].kind == kind && !strcmp(rec->lanes[i].user_id, user_id))
            return (ptrdiff_t)i;
    return -1;
}

static ptrdiff_t find_screen_of(const struct recording *rec, const char *owner)
{
    for (size_t i = 0; rec && i < rec->n_lanes; i++)
        if (rec->lanes[i].kind == REC_LANE_SCREEN && !strcmp(rec->lanes[i].owner, owner))
            return (ptrdiff_t)i;
    return -1;
}

static ptrdiff_t find_any(const struct recording *rec, const char *user_id)
{
    static const enum rec_lane_kind order[] = {REC_LANE_CAMERA, REC_LANE_MIXED, REC_LANE_UNKNOWN,
                                               REC_LANE_AUDIO, REC_LANE_SCREEN};
    for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
        ptrdiff_t i = find_lane(rec, user_id, order[k]);
        if (i >= 0)
            return i;
    }
    return -1;
}

static bool lane_used(const struct layout *l, ptrdiff_t lane)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->regions[i].src == LAYOUT_SRC_LANE && l->regions[i].lane == lane)
            return true;
    return false;
}

/* The "" slot region with the lowest entry not yet bound, or NULL. */
static struct layout_region *next_slot(struct layout *l)
{
    struct layout_region *best = NULL;
    for (size_t i = 0; i < l->n; i++) {
        struct layout_region *g = &l->regions[i];
        if (*g->id || g->src != LAYOUT_SRC_LANE || g->lane >= 0 || g->share)
            continue;
        if (!best || g->entry < best->entry)
            best = g;
    }
    return best;
}

/* The camera lane no region shows that first appears earliest on the
 * timeline (ties: the lane listed first), or -1. */
static ptrdiff_t next_camera(const struct layout *l, const struct recording *rec)
{
    ptrdiff_t best = -1;
    size_t n = rec ? rec->n_lanes : 0;
    if (n > LAYOUT_MAX_LANES)
        n = LAYOUT_MAX_LANES;
    for (size_t k = 0; k < n; k++) {
        if (rec->lanes[k].kind != REC_LANE_CAMERA || lane_used(l, (ptrdiff_t)k))
            continue;
        if (best < 0 || lane_start(&rec->lanes[k]) < lane_start(&rec->lanes[best]))
            best = (ptrdiff_t)k;
    }
    return best;
}

void layout_bind(struct layout *l, const struct recording *rec, struct diag_list *diag)
{
    if (!l)
        return;
    ptrdiff_t wb = whiteboard_lane(rec);
    /* First every explicit id, then the generic "tic_substream" regions,
     * which take the screen shares no explicit region shows, by start,
     * then the "" slots, which take the cameras no region shows, by
     * start. */
    for (size_t i = 0; i < l->n; i++) {
        struct layout_region *g = &l->regions[i];
        const char *id = g->id;
        g->lane = -1;
        g->share = false;
        if (!*id) {
            g->src = LAYOUT_SRC_LANE; /* third pass */
        } else if (!strcmp(id, LAYOUT_ID_CHAT)) {
            g->src = LAYOUT_SRC_CHAT;
        } else if (!strcmp(id, LAYOUT_ID_BOARD) || starts_with(id, LAYOUT_ID_BOARD "_")) {
            g->src = LAYOUT_SRC_BOARD;
            g->lane = wb;
        } else if (!strcmp(id, LAYOUT_ID_SUBSTREAM)) {
            g->src = LAYOUT_SRC_LANE; /* second pass */
            g->share = true;
        } else if (starts_with(id, LAYOUT_ID_SUBSTREAM "_")) {
            g->src = LAYOUT_SRC_LANE;
            g->share = true;
            g->lane = find_lane(rec, id, REC_LANE_SCREEN);
            if (g->lane < 0)
                g->lane = find_screen_of(rec, id + strlen(LAYOUT_ID_SUBSTREAM "_"));
            if (g->lane < 0)
                g->lane = find_any(rec, id);
        } else {
            g->src = LAYOUT_SRC_LANE;
            g->lane = find_any(rec, id);
        }
    }
    for (size_t i = 0; i < l->n; i++) {
        struct layout_region *g = &l->regions[i];
        if (g->src != LAYOUT_SRC_LANE || strcmp(g->id, LAYOUT_ID_SUBSTREAM) != 0)
            continue;
        ptrdiff_t best = -1;
        size_t n = rec ? rec->n_lanes : 0;
        for (size_t k = 0; k < n; k++) {
            if (rec->lanes[k].kind != REC_LANE_SCREEN || lane_used(l, (ptrdiff_t)k))
                continue;
            if (best < 0 || lane_start(&rec->lanes[k]) < lane_start(&rec->lanes[best]))
                best = (ptrdiff_t)k;
        }
        g->lane = best;
    }
    struct layout_region *slot;
    while ((slot = next_slot(l)) != NULL) {
        slot->lane = next_camera(l, rec);
        if (slot->lane < 0)
            break; /* no camera left: this slot and the rest are vacant */
    }
    for (size_t i = 0; i < l->n; i++) {
        struct layout_region *g = &l->regions[i];
        if (g->src != LAYOUT_SRC_LANE || g->lane >= 0)
            continue;
        if (!*g->id) {
            g->src = LAYOUT_SRC_VACANT;
        } else if (l->model_id) {
            diag_add(diag, DIAG_INFO,
                     "%s: MixStream.TeacherId: '%.64s': no such user in this recording; tile 1 "
                     "shows a name tile",
                     l->name, g->id);
        } else if (g->share) {
            diag_add(diag, DIAG_INFO,
                     "%s: %s[%d] (InputStreamId '%.64s'): no such screen share in this "
                     "recording; nothing is drawn there",
                     l->name, l->list_path, g->entry, g->id);
        } else {
            diag_add(diag, DIAG_INFO,
                     "%s: %s[%d] (InputStreamId '%.64s'): no such stream in this recording; "
                     "shown as a name tile",
                     l->name, l->list_path, g->entry, g->id);
        }
    }
}

/* ---- fitting ------------------------------------------------------------------ */

int layout_fit(const struct layout *l, int win_w, int win_h, struct layout_fit *out)
{
    if (!l || !out || win_w < 1 || win_h < 1 || l->w < 1 || l->h < 1)
        return SP_EINVAL;
    double sx = (double)win_w / l->w, sy = (double)win_h / l->h;
    double s = sx < sy ? sx : sy;
    int w = (int)lround(l->w * s), h = (int)lround(l->h * s);
    if (w < 1)
        w = 1;
    if (h < 1)
        h = 1;
    if (w > win_w)
        w = win_w;
    if (h > win_h)
        h = win_h;
    out->scale = s;
    out->w = w;
    out->h = h;
    out->x = (win_w - w) / 2;
    out->y = (win_h - h) / 2;
    return 0;
}

/* Maps the layout span [a, a + len) to window pixels inside [0, lim). */
static void scale_span(int a, int len, double s, int off, int lim, int *oa, int *olen)
{
    long a0 = lround(a * s) + off, a1 = lround((double)(a + len) * s) + off;
    if (a0 < off)
        a0 = off;
    if (a1 > lim)
        a1 = lim;
    if (a1 <= a0)
        a1 = a0 + 1; /* never vanish: a region stays at least one pixel */
    if (a1 > lim) {
        a1 = lim;
        a0 = lim - 1;
    }
    *oa = (int)a0;
    *olen = (int)(a1 - a0);
}

int layout_fit_to(const struct layout *l, int win_w, int win_h, struct layout *out)
{
    struct layout_fit f;
    int rc = layout_fit(l, win_w, win_h, &f);
    if (rc)
        return rc;
    if (win_w > LAYOUT_MAX_DIM || win_h > LAYOUT_MAX_DIM || !out)
        return SP_EINVAL;
    /* Only a layout as made: a fitted one has lost its own canvas size. */
    if (l->view.x != 0 || l->view.y != 0 || l->view.w != l->w || l->view.h != l->h)
        return SP_EINVAL;
    if (out != l)
        memcpy(out, l, sizeof(*out));
    for (size_t i = 0; i < out->n; i++) {
        struct layout_rect r = out->regions[i].r, o;
        scale_span(r.x, r.w, f.scale, f.x, f.x + f.w, &o.x, &o.w);
        scale_span(r.y, r.h, f.scale, f.y, f.y + f.h, &o.y, &o.h);
        out->regions[i].r = o;
    }
    out->w = win_w;
    out->h = win_h;
    out->view = (struct layout_rect){f.x, f.y, f.w, f.h};
    return 0;
}

int layout_remap(const struct layout *l, int w, int h, struct layout *out)
{
    if (!l || !out || w < 1 || h < 1 || w > LAYOUT_MAX_DIM || h > LAYOUT_MAX_DIM || l->w < 1 ||
        l->h < 1)
        return SP_EINVAL;
    if (l->view.x != 0 || l->view.y != 0 || l->view.w != l->w || l->view.h != l->h)
        return SP_EINVAL;
    double sx = (double)w / l->w, sy = (double)h / l->h;
    if (out != l)
        memcpy(out, l, sizeof(*out));
    for (size_t i = 0; i < out->n; i++) {
        struct layout_rect r = out->regions[i].r, o;
        scale_span(r.x, r.w, sx, 0, w, &o.x, &o.w);
        scale_span(r.y, r.h, sy, 0, h, &o.y, &o.h);
        out->regions[i].r = o;
    }
    out->w = w;
    out->h = h;
    out->view = (struct layout_rect){0, 0, w, h};
    return 0;
}

void layout_canvas_for_window(int dw, int dh, int *w, int *h)
{
    bool portrait = dh > dw;
    int max_w = portrait ? LAYOUT_CANVAS_MAX_H : LAYOUT_CANVAS_MAX_W;
    int max_h = portrait ? LAYOUT_CANVAS_MAX_W : LAYOUT_CANVAS_MAX_H;
    int min_w = portrait ? LAYOUT_CANVAS_MIN_H : LAYOUT_CANVAS_MIN_W;
    int min_h = portrait ? LAYOUT_CANVAS_MIN_W : LAYOUT_CANVAS_MIN_H;
    dw = dw < 1 ? 1 : dw > LAYOUT_MAX_DIM ? LAYOUT_MAX_DIM : dw;
    dh = dh < 1 ? 1 : dh > LAYOUT_MAX_DIM ? LAYOUT_MAX_DIM : dh;
    double s = 1.0;
    if (dw > max_w)
        s = (double)max_w / dw;
    if (dh * s > max_h)
        s = (double)max_h / dh;
    int cw = (int)lround(dw * s), ch = (int)lround(dh * s);
    *w = cw < min_w ? min_w : cw > max_w ? max_w : cw;
    *h = ch < min_h ? min_h : ch > max_h ? max_h : ch;
}

void layout_canvas_for_screen(int cw, int ch, int sw, int sh, int *w, int *h)
{
    if (sw < 1 || sh < 1 || cw < 1 || ch < 1) {
        *w = cw;
        *h = ch;
        return;
    }
    double side = cw > ch ? cw : ch;
    double s = side / (sw > sh ? sw : sh);
    layout_canvas_for_window((int)lround(sw * s), (int)lround(sh * s), w, h);
}

const char *layout_kind(const struct layout *l)
{
    if (!l)
        return "landscape";
    if (l->custom || l->model_id || layout_preset_from_name(l->name) < 0)
        return "custom";
    return l->h > l->w ? "portrait" : "landscape";
}

ptrdiff_t layout_hit(const struct layout *l, int x, int y)
{
    for (size_t i = l ? l->n : 0; i-- > 0;) {
        struct layout_rect r = l->regions[i].r;
        if (x >= r.x && y >= r.y && x < r.x + r.w && y < r.y + r.h)
            return (ptrdiff_t)i;
    }
    return -1;
}

int layout_parse_size(const char *s, int *w, int *h)
{
    if (!s || !w || !h)
        return SP_EINVAL;
    char *end = NULL;
    long a = strtol(s, &end, 10);
    if (end == s || (*end != 'x' && *end != 'X') || a < 1 || a > LAYOUT_MAX_DIM)
        return SP_EINVAL;
    const char *p = end + 1;
    if (*p < '0' || *p > '9')
        return SP_EINVAL;
    long b = strtol(p, &end, 10);
    if (*end || b < 1 || b > LAYOUT_MAX_DIM)
        return SP_EINVAL;
    *w = (int)a;
    *h = (int)b;
    return 0;
}
