/* tile_engine.c - the clock-and-tiles stand-in engine (see tile_engine.h). */
#include "render/tile_engine.h"

#include "player/clock.h"
#include "player/manifest.h"
#include "player/sp_error.h"
#include "player/timeline.h"
#include "render/text.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const layout_names[TILE_ENGINE_LAYOUTS] = {"board", "grid", "focus"};

struct tile_engine {
    const struct timeline *tl;
    const struct recording *rec;
    struct text_ctx *text; /* borrowed, may be NULL */
    struct sp_clock *clock;
    int serial; /* seek generation for the clock */
    int64_t total_ms;
    bool ended; /* reached the end (reported once by step) */
    bool eof_sent;
    bool dirty;         /* something changed the picture since the last step */
    int64_t last_frame; /* frame index (t / FRAME_MS) of the last step's picture */
    int layout;
    bool chat;
    int volume;
    bool muted;

    int64_t *pauses; /* n_pauses playback ms */
    size_t n_pauses;
    struct osd_lane *lanes;  /* one per recording lane */
    struct osd_range *cover; /* all lanes' segments, lanes[i].cover points in */
    struct sync_lane_stats *stats;
    struct sync_stats sync;
    struct osd_range all;         /* buffered: the whole recording is local */
    struct canvas_rect chat_rect; /* where the last draw put the chat column */
};

const char *tile_engine_layout_name(int index)
{
    return index >= 0 && index < TILE_ENGINE_LAYOUTS ? layout_names[index] : NULL;
}

int tile_engine_layout_index(const char *name)
{
    for (int i = 0; name && i < TILE_ENGINE_LAYOUTS; i++)
        if (!strcmp(name, layout_names[i]))
            return i;
    return -1;
}

static int64_t now_ms(struct tile_engine *e)
{
    int64_t t = clock_get(e->clock) / 1000;
    return t < 0 ? 0 : t > e->total_ms ? e->total_ms : t;
}

static void seek_to(struct tile_engine *e, int64_t t)
{
    if (t < 0)
        t = 0;
    if (t > e->total_ms)
        t = e->total_ms;
    clock_set(e->clock, t * 1000, ++e->serial);
    e->ended = false;
    e->eof_sent = false;
    e->dirty = true;
}

int tile_engine_create(const struct timeline *tl, struct text_ctx *text,
                       const struct tile_engine_opts *o, struct tile_engine **out)
{
    *out = NULL;
    if (!tl || !o)
        return SP_EINVAL;
    double speed = o->speed > 0 ? o->speed : 1.0;
    if (!clock_speed_valid(speed) || o->layout < 0 || o->layout >= TILE_ENGINE_LAYOUTS)
        return SP_EINVAL;
    struct tile_engine *e = calloc(1, sizeof(*e));
    if (!e)
        return SP_ENOMEM;
    e->tl = tl;
    e->rec = tl_recording(tl);
    e->text = text;
    e->total_ms = tl_total_ms(tl);
    if (e->total_ms < 0)
        e->total_ms = 0;
    e->layout = o->layout;
    e->chat = o->chat;
    e->volume = o->volume < 0 ? 0 : o->volume > 100 ? 100 : o->volume;
    e->muted = o->muted;
    e->last_frame = -1;
    if (clock_create(&e->clock, NULL, NULL) != 0)
        goto fail;
    clock_set_speed(e->clock, speed);

    const struct recording *rec = e->rec;
    e->n_pauses = tl_pause_count(tl);
    e->pauses = calloc(e->n_pauses ? e->n_pauses : 1, sizeof(*e->pauses));
    e->lanes = calloc(rec->n_lanes ? rec->n_lanes : 1, sizeof(*e->lanes));
    e->cover = calloc(rec->n_segments ? rec->n_segments : 1, sizeof(*e->cover));
    e->stats = calloc(rec->n_lanes ? rec->n_lanes : 1, sizeof(*e->stats));
    if (!e->pauses || !e->lanes || !e->cover || !e->stats)
        goto fail;
    for (size_t i = 0; i < e->n_pauses; i++)
        e->pauses[i] = tl_pause_at(tl, i)->video_ms;
    size_t k = 0;
    for (size_t l = 0; l < rec->n_lanes; l++) {
        const struct rec_lane *ln = &rec->lanes[l];
        e->lanes[l].name = ln->name;
        e->lanes[l].cover = &e->cover[k];
        for (size_t s = 0; s < ln->n_segments && k < rec->n_segments; s++, k++) {
            e->cover[k].start_ms = ln->segments[s].play_ms;
            e->cover[k].end_ms = rec_segment_end(&ln->segments[s]);
        }
        e->lanes[l].n_cover = (size_t)(&e->cover[k] - e->lanes[l].cover);
        e->stats[l].name = ln->name;
    }
    e->all = (struct osd_range){0, e->total_ms};
    seek_to(e, o->start_ms);
    *out = e;
    return 0;
fail:
    tile_engine_destroy(&e);
    return SP_ENOMEM;
}

void tile_engine_destroy(struct tile_engine **pe)
{
    if (!pe || !*pe)
        return;
    struct tile_engine *e = *pe;
    clock_destroy(&e->clock);
    free(e->pauses);
    free(e->lanes);
    free(e->cover);
    free(e->stats);
    free(e);
    *pe = NULL;
}

/* ---- the callbacks -------------------------------------------------------- */

static int step(void *opaque, int64_t *wait_us)
{
    struct tile_engine *e = opaque;
    bool paused = clock_paused(e->clock);
    int64_t t = clock_get(e->clock) / 1000;
    if (!paused && t >= e->total_ms) {
        clock_set_paused(e->clock, true);
        clock_set(e->clock, e->total_ms * 1000, e->serial);
        e->ended = true;
        e->dirty = true;
        paused = true;
        t = e->total_ms;
    }
    if (wait_us) {
        double speed = clock_speed(e->clock);
        int64_t to_next = TILE_ENGINE_FRAME_MS - (t % TILE_ENGINE_FRAME_MS);
        *wait_us = paused ? 1000000 : (int64_t)(to_next * 1000 / speed) + 1;
    }
    if (e->ended && !e->eof_sent) {
        e->eof_sent = true;
        return SP_EEOF;
    }
    int64_t frame = t / TILE_ENGINE_FRAME_MS;
    if (e->dirty || frame != e->last_frame) {
        e->dirty = false;
        e->last_frame = frame;
        return 1;
    }
    return 0;
}

static int apply(void *opaque, const struct ui_cmd *cmd)
{
    struct tile_engine *e = opaque;
    int64_t t = now_ms(e);
    switch (cmd->kind) {
    case UI_CMD_SEEK_REL:
        seek_to(e, t + cmd->ms);
        break;
    case UI_CMD_SEEK_ABS:
        seek_to(e, cmd->ms);
        break;
    case UI_CMD_HOME:
        seek_to(e, 0);
        break;
    case UI_CMD_END:
        seek_to(e, e->total_ms);
        break;
    case UI_CMD_SET_PAUSE:
    case UI_CMD_TOGGLE_PAUSE: {
        bool pause = cmd->kind == UI_CMD_SET_PAUSE ? cmd->n != 0 : !clock_paused(e->clock);
        if (!pause && (e->ended || t >= e->total_ms))
            seek_to(e, 0); /* play at the end starts over */
        clock_set_paused(e->clock, pause);
        e->dirty = true;
        break;
    }
    case UI_CMD_SPEED_UP:
    case UI_CMD_SPEED_DOWN:
    case UI_CMD_SPEED_RESET: {
        double s = clock_speed(e->clock);
        s = cmd->kind == UI_CMD_SPEED_RESET
                ? 1.0
                : clock_speed_step(s, cmd->kind == UI_CMD_SPEED_UP ? 1 : -1);
        return clock_set_speed(e->clock, s);
    }
    case UI_CMD_FRAME_STEP: {
        clock_set_paused(e->clock, true);
        int64_t f = t / TILE_ENGINE_FRAME_MS + (cmd->n >= 0 ? 1 : -1);
        if (cmd->n < 0 && t % TILE_ENGINE_FRAME_MS)
            f = t / TILE_ENGINE_FRAME_MS; /* back to the start of this frame */
        seek_to(e, f * TILE_ENGINE_FRAME_MS);
        break;
    }
    case UI_CMD_TOGGLE_CHAT:
        e->chat = !e->chat;
        e->dirty = true;
        break;
    case UI_CMD_CYCLE_LAYOUT:
        e->layout = (e->layout + 1) % TILE_ENGINE_LAYOUTS;
        e->dirty = true;
        break;
    case UI_CMD_TOGGLE_MUTE:
        e->muted = !e->muted;
        break;
    case UI_CMD_VOLUME:
        e->volume += cmd->n;
        e->volume = e->volume < 0 ? 0 : e->volume > 100 ? 100 : e->volume;
        break;
    default:
        return SP_EUNSUPPORTED;
    }
    return 0;
}

static void get_state(void *opaque, struct pui_state *st)
{
    struct tile_engine *e = opaque;
    int64_t t = now_ms(e);
    st->t_ms = t;
    st->duration_ms = e->total_ms;
    st->wall_ms = tl_wall_from_play(e->tl, t);
    st->paused = clock_paused(e->clock);
    st->ended = e->ended;
    st->speed = clock_speed(e->clock);
    st->volume = e->volume;
    st->muted = e->muted;
    st->layout_index = e->layout;
    snprintf(st->layout_name, sizeof(st->layout_name), "%s", layout_names[e->layout]);
    st->chat_on = e->chat;
    st->pauses_ms = e->pauses;
    st->n_pauses = e->n_pauses;
    st->lanes = e->lanes;
    st->n_lanes = e->rec->n_lanes;
    st->buffered = &e->all;
    st->n_buffered = 1;
    for (size_t l = 0; l < e->rec->n_lanes; l++) {
        struct tl_lane_state ls;
        tl_lane_at(e->tl, l, t, &ls);
        e->stats[l].active = ls.seg != NULL;
        e->stats[l].has_frame = false; /* no media decoded here */
        e->stats[l].anchor_age_ms = -1;
    }
    e->sync = (struct sync_stats){.t_ms = t,
                                  .w_ms = st->wall_ms,
                                  .speed = st->speed,
                                  .lanes = e->stats,
                                  .n_lanes = e->rec->n_lanes};
    st->sync = &e->sync;
    if (e->chat)
        st->chat_rect = e->chat_rect;
}

/* ---- the picture ------------------------------------------------------------ */

struct tile {
    struct canvas_rect r;
    int lane; /* -1: the board */
};

/* Places the board and the lanes in area a for the layout; returns count. */
static size_t place(const struct tile_engine *e, struct canvas_rect a, struct tile *tiles,
                    size_t max)
{
    size_t n = e->rec->n_lanes + 1 < max ? e->rec->n_lanes + 1 : max;
    if (n == 1 || e->layout == 1) { /* grid */
        int cols = (int)ceil(sqrt((double)n)), rows = (int)((n + cols - 1) / cols);
        for (size_t i = 0; i < n; i++) {
            int cx = (int)i % cols, cy = (int)i / cols;
            tiles[i].r = (struct canvas_rect){a.x + cx * a.w / cols, a.y + cy * a.h / rows,
                                              a.w / cols, a.h / rows};
            tiles[i].lane = (int)i - 1;
        }
        return n;
    }
    /* board / focus: one big tile, the rest in a column at the right */
    int big_w = a.w * 3 / 4, k = (int)n - 1;
    tiles[0].r = (struct canvas_rect){a.x, a.y, big_w, a.h};
    tiles[0].lane = e->layout == 2 ? 0 : -1; /* focus: the first lane (teacher) */
    for (int i = 0; i < k; i++) {
        tiles[i + 1].r = (struct canvas_rect){a.x + big_w, a.y + i * a.h / k, a.w - big_w, a.h / k};
        int lane = i; /* board layout: lanes 0..k-1 */
        if (e->layout == 2)
            lane = i == 0 ? -1 : i; /* focus: the board, then the other lanes */
        tiles[i + 1].lane = lane;
    }
    return n;
}

static int draw(void *opaque, struct canvas *c)
{
    struct tile_engine *e = opaque;
    int64_t t = now_ms(e);
    canvas_clear(c, canvas_rgba(24, 26, 30, 255));
    struct canvas_rect area = {0, 0, c->w, c->h};
    double px = c->h / 36.0;
    int rc = 0;
    if (e->chat) {
        int cw = c->w / 4;
        area.w -= cw;
        struct canvas_rect chat = {area.w, 0, cw, c->h};
        e->chat_rect = chat;
        canvas_fill_rect(c, chat, canvas_rgba(34, 38, 46, 255));
        canvas_fill_rect(c, (struct canvas_rect){chat.x, 0, 2, c->h}, canvas_rgba(70, 75, 85, 255));
        if (e->text)
            rc = text_draw(e->text, c, chat.x + px, px, "Chat", px, canvas_rgba(220, 220, 220, 255),
                           0, NULL);
    }
    struct tile tiles[64];
    size_t n = place(e, area, tiles, 64);
    for (size_t i = 0; rc == 0 && i < n; i++) {
        struct canvas_rect r = tiles[i].r;
        r.x += 3, r.y += 3, r.w -= 6, r.h -= 6;
        char line1[96], line2[96];
        struct canvas_color bg, fg;
        if (tiles[i].lane < 0) {
            bg = canvas_rgba(232, 232, 224, 255);
            fg = canvas_rgba(30, 30, 30, 255);
            snprintf(line1, sizeof(line1), "board");
            snprintf(line2, sizeof(line2), "w(t) %lld", (long long)tl_wall_from_play(e->tl, t));
        } else {
            const struct rec_lane *ln = &e->rec->lanes[tiles[i].lane];
            struct tl_lane_state ls;
            tl_lane_at(e->tl, (size_t)tiles[i].lane, t, &ls);
            bg = ls.seg ? canvas_rgba(46, 84, 120, 255) : canvas_rgba(44, 46, 52, 255);
            fg = ls.seg ? canvas_rgba(240, 240, 240, 255) : canvas_rgba(140, 140, 140, 255);
            snprintf(line1, sizeof(line1), "%s", ln->name);
            if (ls.seg)
                snprintf(line2, sizeof(line2), "%s +%.1f s", rec_lane_kind_name(ln->kind),
                         ls.offset_ms / 1000.0);
            else
                snprintf(line2, sizeof(line2), "no media");
        }
        canvas_fill_rect(c, r, bg);
        if (!e->text)
            continue;
        double tp = px * (r.h < c->h / 3 ? 0.7 : 1.0);
        rc = text_draw(e->text, c, r.x + tp * 0.6, r.y + tp * 0.5, line1, tp, fg, r.w - tp, NULL);
        if (rc == 0)
            rc = text_draw(e->text, c, r.x + tp * 0.6, r.y + tp * 1.9, line2, tp * 0.8, fg,
                           r.w - tp, NULL);
    }
    return rc;
}

struct player_ui tile_engine_ui(struct tile_engine *e)
{
    struct player_ui ui = {e, step, draw, apply, get_state};
    return ui;
}
