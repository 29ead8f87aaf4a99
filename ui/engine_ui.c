/* engine_ui.c - the player core behind the window (see engine_ui.h). */
#include "ui/engine_ui.h"

#include "player/net/buffered.h"
#include "player/class.h"
#include "player/navigate.h"
#include "player/board/board.h"
#include "im/chat.h"
#include "player/lane_player.h"
#include "player/recording/manifest.h"
#include "player/playloop.h"
#include "player/player_audio.h"
#include "base/platform/os_time.h"
#include "base/log.h"
#include "base/sp_error.h"
#include "base/sp_time.h"
#include "player/recording/timeline.h"
#include "ui/audio_out.h"
#include "render/chat_panel.h"
#include "render/class_scene.h"
#include "render/layout.h"
#include "render/text.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct sp_log lg = SP_LOG_INIT("engine");

#define MAX_GAP_US 250000     /* frame gaps above this are not frame intervals */
#define BUFFERED_EVERY_MS 500 /* remote media: the bar's buffered band is read this often */
#define MAX_BUFFERED 512      /* buffered stretches drawn; more are left out */

/* What the engine keeps per lane beyond the player's view. */
struct lane_track {
    int serial;                    /* seek generation of last_pts */
    int64_t last_pts;              /* pts of the frame last seen; -1 none */
    const struct rec_segment *seg; /* its segment */
    int64_t interval_us;           /* smallest gap between frames seen; 0 unknown */
    uint64_t shown, dropped;
    int64_t late_since_ms; /* monotonic ms the lane started waiting; -1 not waiting */
    bool badge;            /* the last draw showed its "waiting" badge */
};

struct engine_ui {
    struct sp_class *c; /* borrowed */
    bool thumb_asked;   /* a thumbnail was hovered: idle time may prepare more */
    struct timeline *tl;
    const struct recording *rec;
    struct text_ctx *text; /* borrowed, may be NULL */
    struct engine_ui_opts o;
    struct player *p;
    struct audio_out *ao; /* NULL: null sink or no audio */
    struct class_scene *cs;
    struct signaling_progress sig; /* pages loaded, as last reported */
    struct layout *layout;         /* what draw uses now */
    struct layout *custom;         /* NULL: none */
    int layout_index;
    int n_layouts;
    bool chat;
    int volume;
    bool muted;
    bool redraw; /* layout or chat changed: step reports a new picture */

    int64_t *pauses;
    size_t n_pauses;
    struct osd_lane *lanes; /* one per recording lane */
    struct osd_range *cover;
    struct osd_range all;
    struct osd_range *buffered; /* remote media: what the cache holds */
    size_t n_buffered;
    int64_t buffered_at_ms; /* monotonic ms of the last read; -1 never */
    struct lane_track *track;
    struct sync_lane_stats *stats;
    struct sync_stats sync;
    const struct lane_view **views;

    /* navigation (player/navigate.h): rebuilt when the signaling generation changes */
    struct nav_index *nav;
    uint64_t nav_gen;
    bool *lane_mute, *lane_solo; /* per lane: its number key, its Shift+number */
    bool *lane_muted;            /* per lane: not heard (for the OSD and state file) */
    bool search_open, search_editing;
    char query[NAV_MAX_QUERY_BYTES + 1];
    struct nav_hit *hits;
    int n_hits, hit;             /* hit: the one last gone to, -1 none */
    struct nav_lane_tile *tiles; /* lane regions of the layout (LAYOUT_MAX_REGIONS) */

    /* sync corrections (docs/offsets.md) */
    int sel_lane;          /* the lane Tab chose in the `i` overlay, -1 none */
    char offsets_msg[600]; /* what the last `w` did, "" before one */
};

static int64_t mono_ms(void)
{
    struct timespec ts;
    sp_os_mono_timespec(&ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t total_ms(const struct engine_ui *e)
{
    int64_t t = tl_total_us(e->tl) / 1000;
    return t > 0 ? t : 0;
}

/* ---- layout ------------------------------------------------------------------ */

static int make_layout(struct engine_ui *e)
{
    if (e->layout_index >= ENGINE_UI_PRESETS) {
        /* the custom layout as made, its rectangles re-mapped to a canvas
         * the window's resizing gave */
        if (e->custom->w == e->o.canvas_w && e->custom->h == e->o.canvas_h) {
            *e->layout = *e->custom;
            return 0;
        }
        return layout_remap(e->custom, e->o.canvas_w, e->o.canvas_h, e->layout);
    }
    return layout_preset((enum layout_preset)e->layout_index, e->rec, class_has_board(e->c),
                         e->o.canvas_w, e->o.canvas_h, e->chat, e->layout);
}

static struct canvas_rect chat_rect(const struct engine_ui *e)
{
    for (size_t i = 0; i < e->layout->n; i++) {
        const struct layout_region *r = &e->layout->regions[i];
        if (r->src == LAYOUT_SRC_CHAT)
            return (struct canvas_rect){r->r.x, r->r.y, r->r.w, r->r.h};
    }
    return (struct canvas_rect){0, 0, 0, 0};
}

/* ---- audio -------------------------------------------------------------------- */

static void apply_volume(struct engine_ui *e)
{
    bool solo = false;
    for (size_t i = 0; i < e->rec->n_lanes; i++)
        solo = solo || e->lane_solo[i];
    for (size_t i = 0; i < e->rec->n_lanes; i++) {
        e->lane_muted[i] = e->lane_mute[i] || (solo && !e->lane_solo[i]);
        player_set_lane_audio(e->p, i, (float)e->volume / 100.0f, e->muted || e->lane_muted[i]);
    }
}

/* The audio device as the master clock; without one (no device, no
 * audio, max speed) the mix goes to a null sink and the system clock
 * leads. */
static void open_audio(struct engine_ui *e)
{
    if (!player_has_audio(e->p))
        return;
    if (!e->o.max_speed && e->o.audio && audio_out_open(e->p, &e->ao) == 0)
        return;
    player_set_null_sink(e->p, true); /* the mix must still be consumed at the pace of t */
}

/* ---- life ---------------------------------------------------------------------- */

int engine_ui_create(struct sp_class *c, struct text_ctx *text, const struct engine_ui_opts *o,
                     struct diag_list *diag, struct engine_ui **out)
{
    if (!out)
        return SP_EINVAL;
    *out = NULL;
    (void)diag;
    struct timeline *tl = c ? class_timeline(c) : NULL;
    if (!tl || !class_player(c) || !o || o->canvas_w < 1 || o->canvas_h < 1 ||
        o->canvas_w > LAYOUT_MAX_DIM || o->canvas_h > LAYOUT_MAX_DIM)
        return SP_EINVAL;
    double speed = o->speed > 0 ? o->speed : 1.0;
    int n_layouts = ENGINE_UI_PRESETS + (o->custom ? 1 : 0);
    if (!player_speed_valid(speed) || o->layout < 0 || o->layout >= n_layouts)
        return SP_EINVAL;
    if (o->custom && (o->custom->w != o->canvas_w || o->custom->h != o->canvas_h))
        return SP_EINVAL;
    struct engine_ui *e = calloc(1, sizeof(*e));
    if (!e)
        return SP_ENOMEM;
    e->c = c;
    e->p = class_player(c);
    e->tl = tl;
    e->rec = tl_recording(tl);
    e->text = text;
    e->o = *o;
    e->o.speed = speed;
    e->layout_index = o->layout;
    e->n_layouts = n_layouts;
    e->chat = o->chat;
    e->volume = o->volume < 0 ? 0 : o->volume > 100 ? 100 : o->volume;
    e->muted = o->muted;
    const struct recording *rec = e->rec;
    size_t nl = rec->n_lanes ? rec->n_lanes : 1;
    e->n_pauses = tl_pause_count(tl);
    e->pauses = calloc(e->n_pauses ? e->n_pauses : 1, sizeof(*e->pauses));
    e->lanes = calloc(nl, sizeof(*e->lanes));
    e->cover = calloc(rec->n_segments ? rec->n_segments : 1, sizeof(*e->cover));
    e->track = calloc(nl, sizeof(*e->track));
    e->stats = calloc(nl, sizeof(*e->stats));
    e->views = calloc(nl, sizeof(*e->views));
    e->layout = malloc(sizeof(*e->layout));
    e->buffered = calloc(MAX_BUFFERED, sizeof(*e->buffered));
    e->buffered_at_ms = -1;
    e->custom = o->custom ? malloc(sizeof(*e->custom)) : NULL;
    e->lane_mute = calloc(nl, sizeof(bool));
    e->lane_solo = calloc(nl, sizeof(bool));
    e->lane_muted = calloc(nl, sizeof(bool));
    e->tiles = calloc(LAYOUT_MAX_REGIONS, sizeof(*e->tiles));
    e->hit = -1;
    e->sel_lane = -1;
    int rc = SP_ENOMEM;
    if (!e->pauses || !e->lanes || !e->cover || !e->track || !e->stats || !e->views || !e->layout ||
        (o->custom && !e->custom) || !e->buffered || !e->lane_mute || !e->lane_solo ||
        !e->lane_muted || !e->tiles)
        goto fail;
    for (size_t l = 0; o->mute_lanes && l < rec->n_lanes; l++)
        e->lane_mute[l] = o->mute_lanes[l];
    if (e->custom)
        *e->custom = *o->custom;
    e->o.custom = NULL; /* ours is e->custom */

    for (size_t i = 0; i < e->n_pauses; i++)
        e->pauses[i] = tl_pause_at(tl, i)->video_us / 1000 * 1000; /* whole ms, as shown */
    size_t k = 0;
    for (size_t l = 0; l < rec->n_lanes; l++) {
        const struct rec_lane *ln = &rec->lanes[l];
        e->lanes[l].name = ln->name;
        e->lanes[l].cover = &e->cover[k];
        for (size_t s = 0; s < ln->n_segments && k < rec->n_segments; s++, k++) {
            e->cover[k].start_us = ln->segments[s].play_us;
            e->cover[k].end_us = rec_segment_end_us(&ln->segments[s]);
        }
        e->lanes[l].n_cover = (size_t)(&e->cover[k] - e->lanes[l].cover);
        e->stats[l].name = ln->name;
        e->track[l].last_pts = -1;
        e->track[l].late_since_ms = -1;
    }
    e->all = (struct osd_range){0, total_ms(e) * 1000};

    struct class_scene_opts so = {.loader = class_loader(c), .text = text};
    if ((rc = class_scene_create(rec, tl, &so, &e->cs)) != 0)
        goto fail;
    if ((rc = make_layout(e)) != 0)
        goto fail;
    open_audio(e);
    apply_volume(e);
    player_set_paused(e->p, true);
    int64_t total_us = total_ms(e) * 1000; /* TotalTime floored to ms, as the OSD shows it */
    int64_t start = o->start_us < 0 ? 0 : o->start_us > total_us ? total_us : o->start_us;
    class_seek_us(c, start);
    *out = e;
    return 0;
fail:
    engine_ui_destroy(&e);
    return rc;
}

void engine_ui_destroy(struct engine_ui **pe)
{
    if (!pe || !*pe)
        return;
    struct engine_ui *e = *pe;
    int64_t t0 = sp_os_mono_us();
    audio_out_close(&e->ao); /* before the player: the callback reads its mixer */
    int64_t t1 = sp_os_mono_us();
    class_scene_destroy(&e->cs);
    SP_DBG(&lg, "closed in %lld us: audio device %lld", (long long)(sp_os_mono_us() - t0),
           (long long)(t1 - t0));
    free(e->pauses);
    free(e->lanes);
    free(e->cover);
    free(e->buffered);
    free(e->track);
    free(e->stats);
    free(e->views);
    free(e->layout);
    free(e->custom);
    nav_destroy(&e->nav);
    free(e->hits);
    free(e->lane_mute);
    free(e->lane_solo);
    free(e->lane_muted);
    free(e->tiles);
    free(e);
    *pe = NULL;
}

bool engine_ui_has_audio_device(const struct engine_ui *e)
{
    return e && e->ao;
}

void engine_ui_take_diags(struct engine_ui *e, struct diag_list *dst)
{
    if (!e)
        return;
    class_take_diags(e->c, dst);
    class_scene_take_diags(e->cs, dst);
}

/* ---- step ------------------------------------------------------------------------- */

/* Lane i's data has been late long enough for a "waiting" badge. */
static bool badge_due(const struct engine_ui *e, size_t i, int64_t now)
{
    const struct lane_view *v = player_lane_view(e->p, i);
    int64_t since = e->track[i].late_since_ms;
    return v && v->state != LANE_PLACEHOLDER && v->frame && since >= 0 &&
           now - since >= ENGINE_UI_WAIT_BADGE_US / 1000; /* now: mono_ms() */
}

/* Frame counts and intervals, from what each step presents. */
static void track_lanes(struct engine_ui *e, bool playing)
{
    int serial = player_serial(e->p);
    int64_t now = mono_ms();
    for (size_t i = 0; i < player_lane_count(e->p) && i < e->rec->n_lanes; i++) {
        const struct lane_view *v = player_lane_view(e->p, i);
        struct lane_track *tr = &e->track[i];
        bool late = v->state == LANE_WAITING || v->buffering;
        if (!late)
            tr->late_since_ms = -1;
        else if (tr->late_since_ms < 0)
            tr->late_since_ms = now;
        if (v->state == LANE_PLACEHOLDER || !v->frame) {
            tr->last_pts = -1;
            continue;
        }
        if (tr->last_pts == v->pts_us && tr->serial == serial && tr->seg == v->seg)
            continue;
        tr->shown++;
        int64_t gap = v->pts_us - tr->last_pts;
        if (playing && tr->last_pts >= 0 && tr->serial == serial && tr->seg == v->seg && gap > 0 &&
            gap <= MAX_GAP_US) {
            if (tr->interval_us == 0 || gap < tr->interval_us)
                tr->interval_us = gap;
            int64_t missed = (gap + tr->interval_us / 2) / tr->interval_us - 1;
            if (missed > 0)
                tr->dropped += (uint64_t)missed;
        }
        tr->last_pts = v->pts_us;
        tr->seg = v->seg;
        tr->serial = serial;
    }
}

/* The end of play, the waits while paused and pending frame steps are the
 * class's (player/class.h); the engine reports the end to the loop once. */
static int step(void *opaque, int64_t *wait_us)
{
    struct engine_ui *e = opaque;
    int64_t w = 0;
    bool was_ended = class_ended(e->c); /* the end was reported already */
    int r = class_step(e->c, &w);
    if (wait_us)
        *wait_us = w;
    if (r == SP_EEOF && was_ended) {
        bool redraw = e->redraw;
        e->redraw = false;
        return redraw ? 1 : 0;
    }
    if (r == SP_EEOF) {
        e->redraw = false;
        return SP_EEOF;
    }
    if (r < 0)
        return r;
    track_lanes(e, !class_paused(e->c));
    if (e->redraw) {
        e->redraw = false;
        r = 1;
    }
    /* a lane whose badge should appear or go needs a new picture although
     * its frame did not change; look again when a badge is due */
    int64_t now = mono_ms();
    for (size_t i = 0; i < e->rec->n_lanes; i++) {
        const struct lane_track *tr = &e->track[i];
        int64_t due =
            tr->late_since_ms < 0 ? -1 : tr->late_since_ms + ENGINE_UI_WAIT_BADGE_US / 1000 - now;
        if (due > 0 && wait_us && due * 1000 < *wait_us)
            *wait_us = due * 1000;
        if (badge_due(e, i, now) != tr->badge)
            r = 1;
    }
    return r;
}

/* ---- draw ---------------------------------------------------------------------------- */

/* A small "waiting" tag at the top right of each region of a lane whose
 * data is late: the frame under it is the last one that arrived. */
static void draw_badges(struct engine_ui *e, struct canvas *c)
{
    int64_t now = mono_ms();
    for (size_t i = 0; i < e->rec->n_lanes; i++)
        e->track[i].badge = badge_due(e, i, now);
    for (size_t i = 0; i < e->layout->n; i++) {
        const struct layout_region *r = &e->layout->regions[i];
        if (r->src != LAYOUT_SRC_LANE || r->lane < 0 || (size_t)r->lane >= e->rec->n_lanes ||
            !e->track[r->lane].badge)
            continue;
        const struct lane_view *v = e->views[r->lane];
        double px = r->r.h / 14.0;
        px = px < TEXT_READABLE_PX ? TEXT_READABLE_PX : px > 20 ? 20 : px;
        const char *label = v->buffering ? "buffering" : "waiting";
        int bw = (int)(px * 0.6 * (double)strlen(label) + px), bh = (int)(px * 1.5);
        struct canvas_rect b = {r->r.x + r->r.w - bw - 4, r->r.y + 4, bw, bh};
        if (b.x < r->r.x)
            b.x = r->r.x;
        canvas_fill_rect(c, b, canvas_rgba(0, 0, 0, 160));
        canvas_fill_rect(c, (struct canvas_rect){b.x, b.y, 3, b.h}, canvas_rgba(240, 170, 40, 255));
        if (e->text)
            text_draw(e->text, c, b.x + px * 0.5, b.y + px * 0.2, label, px,
                      canvas_rgba(240, 200, 120, 255), b.w - px * 0.5, NULL);
    }
}

static int draw(void *opaque, struct canvas *c)
{
    struct engine_ui *e = opaque;
    struct class_frame f;
    class_scene_frame(e->c, e->chat, e->views, e->rec->n_lanes, &f);
    int rc = class_scene_draw(e->cs, e->layout, &f, c);
    if (rc == 0)
        draw_badges(e, c);
    return rc;
}

/* ---- commands --------------------------------------------------------------------------- */

static int64_t now_t_ms(struct engine_ui *e)
{
    return sp_floor_ms(class_position_us(e->c));
}

/* Seeks to t_us clamped to [0, TotalTime], at its whole ms: targets are whole
 * ms, as the position is shown and entered (player/class.h). */
static void seek_to_us(struct engine_ui *e, int64_t t_us)
{
    int64_t total_us = total_ms(e) * 1000;
    t_us = t_us < 0 ? 0 : t_us > total_us ? total_us : t_us;
    class_seek_us(e->c, t_us / 1000 * 1000); /* clears the end and a pending frame step */
}

/* a + b without overflow (a control client may send any offset) */
static int64_t add_sat(int64_t a, int64_t b)
{
    if (b > 0 && a > INT64_MAX - b)
        return INT64_MAX;
    if (b < 0 && a < INT64_MIN - b)
        return INT64_MIN;
    return a + b;
}

static int chat_click(struct engine_ui *e, int x, int y)
{
    struct chat_panel *cp = class_scene_chat(e->cs);
    struct chat_panel_hit hit;
    if (!cp || !e->chat || !chat_panel_hit(cp, x, y, &hit))
        return 0;
    if (hit.newer)
        chat_panel_follow(cp);
    else if (hit.more)
        chat_panel_toggle_more(cp, hit.item);
    else
        seek_to_us(e, tl_play_from_wall_us(e->tl, hit.show_us));
    e->redraw = true;
    return 0;
}

/* The index of the current generation (NULL when out of memory). */
static const struct nav_index *nav_now(struct engine_ui *e)
{
    uint64_t gen = class_signal_generation(e->c);
    if (!e->nav || gen != e->nav_gen) {
        nav_destroy(&e->nav);
        if (nav_build_class(e->c, &e->nav) == 0)
            e->nav_gen = gen;
    }
    return e->nav;
}

static void search_run(struct engine_ui *e)
{
    free(e->hits);
    e->hits = NULL;
    e->n_hits = 0;
    e->hit = -1;
    const struct chat_log *chat = class_chat(e->c);
    if (chat && e->query[0]) {
        int n = nav_chat_search(chat, e->tl, e->query, &e->hits);
        e->n_hits = n > 0 ? n : 0;
    }
}

/* Enter, n, N: the next or previous hit from t (or from the hit last gone
 * to, so hits at one time are each visited). */
static void search_step(struct engine_ui *e, int64_t t_ms, int dir)
{
    e->search_editing = false;
    if (e->n_hits <= 0)
        return;
    long k = -1;
    if (e->hit >= 0 && e->hits[e->hit].t_us / 1000 == t_ms) {
        k = e->hit + dir;
        k = k < 0 || k >= e->n_hits ? -1 : k;
    } else {
        k = nav_hit_step(e->hits, (size_t)e->n_hits, t_ms * 1000, dir);
    }
    if (k < 0)
        return;
    e->hit = (int)k;
    seek_to_us(e, e->hits[k].t_us);
}

static int apply_nav(struct engine_ui *e, const struct ui_cmd *cmd, int64_t t)
{
    switch (cmd->kind) {
    case UI_CMD_NAV_STEP: {
        int64_t to = nav_step(nav_now(e), (enum nav_track)cmd->x, t * 1000, cmd->n);
        if (to != NAV_NONE)
            seek_to_us(e, to);
        return 0;
    }
    case UI_CMD_LANE_MUTE:
    case UI_CMD_LANE_SOLO: {
        bool *v = cmd->kind == UI_CMD_LANE_MUTE ? e->lane_mute : e->lane_solo;
        if (cmd->n == 0 && cmd->kind == UI_CMD_LANE_SOLO)
            memset(e->lane_solo, 0, e->rec->n_lanes * sizeof(bool));
        else if (cmd->n >= 1 && (size_t)cmd->n <= e->rec->n_lanes)
            v[cmd->n - 1] = !v[cmd->n - 1];
        apply_volume(e);
        return 0;
    }
    case UI_CMD_SEARCH_OPEN:
        e->search_open = e->search_editing = true;
        return 0;
    case UI_CMD_SEARCH_CLOSE:
        e->search_open = e->search_editing = false;
        return 0;
    case UI_CMD_SEARCH_TEXT: {
        size_t len = strlen(e->query), add = strnlen(cmd->text, sizeof(cmd->text));
        if (e->search_editing && len + add <= NAV_MAX_QUERY_BYTES) {
            memcpy(e->query + len, cmd->text, add);
            e->query[len + add] = '\0';
            search_run(e);
        }
        return 0;
    }
    case UI_CMD_SEARCH_BACKSPACE: {
        size_t len = strlen(e->query);
        while (len > 0 && ((unsigned char)e->query[len - 1] & 0xC0) == 0x80)
            len--; /* continuation bytes of the last code point */
        e->query[len ? len - 1 : 0] = '\0';
        search_run(e);
        return 0;
    }
    case UI_CMD_SEARCH_STEP:
        if (e->search_open)
            search_step(e, t, cmd->n);
        return 0;
    default:
        return SP_EUNSUPPORTED;
    }
}

/* Tab, the nudge keys and `w` (docs/offsets.md). */
static int apply_offsets(struct engine_ui *e, const struct ui_cmd *cmd)
{
    int nl = (int)e->rec->n_lanes;
    switch (cmd->kind) {
    case UI_CMD_LANE_SELECT:
        if (nl <= 0)
            return 0;
        e->sel_lane = e->sel_lane < 0 ? (cmd->n < 0 ? nl - 1 : 0)
                                      : ((e->sel_lane + (cmd->n < 0 ? -1 : 1)) % nl + nl) % nl;
        return 0;
    case UI_CMD_LANE_NUDGE: {
        if (e->sel_lane < 0 || e->sel_lane >= nl)
            return 0;
        /* one frame interval of that lane: its video's, else the assumed one */
        const struct lane_view *v = player_lane_view(e->p, (size_t)e->sel_lane);
        int64_t frame_us = v && v->frame_dur_us > 0 ? v->frame_dur_us
                           : e->stats[e->sel_lane].frame_us > 0
                               ? e->stats[e->sel_lane].frame_us
                               : (int64_t)SYNC_OVERLAY_DEFAULT_FRAME_US;
        int64_t delta = (int64_t)cmd->n * frame_us + cmd->us;
        int rc = class_shift_lane_us(e->c, (size_t)e->sel_lane, delta);
        e->redraw = true;
        return rc;
    }
    case UI_CMD_WRITE_OFFSETS: {
        size_t n = 0;
        int rc = class_write_offsets(e->c, &n);
        const char *path = class_offsets_path(e->c);
        if (rc == 0)
            snprintf(e->offsets_msg, sizeof(e->offsets_msg),
                     "Sync corrections written to %s (%zu entr%s)", path, n, n == 1 ? "y" : "ies");
        else if (!path)
            snprintf(e->offsets_msg, sizeof(e->offsets_msg),
                     "Sync corrections not written: no place for them (use --offsets FILE)");
        else
            snprintf(e->offsets_msg, sizeof(e->offsets_msg),
                     "Sync corrections not written to %s: %s", path, sp_strerror(rc));
        return 0;
    }
    default:
        return SP_EUNSUPPORTED;
    }
}

static int apply(void *opaque, const struct ui_cmd *cmd)
{
    struct engine_ui *e = opaque;
    int64_t t = now_t_ms(e);
    switch (cmd->kind) {
    case UI_CMD_SEEK_REL:
        seek_to_us(e, add_sat(t * 1000, cmd->us));
        break;
    case UI_CMD_SEEK_ABS:
        seek_to_us(e, cmd->us);
        break;
    case UI_CMD_HOME:
        seek_to_us(e, 0);
        break;
    case UI_CMD_END:
        seek_to_us(e, total_ms(e) * 1000);
        break;
    case UI_CMD_SET_PAUSE:
    case UI_CMD_TOGGLE_PAUSE:
        class_set_paused(e->c, cmd->kind == UI_CMD_SET_PAUSE ? cmd->n != 0 : !class_paused(e->c));
        break;
    case UI_CMD_SPEED_UP:
    case UI_CMD_SPEED_DOWN:
    case UI_CMD_SPEED_RESET: {
        double s = player_speed(e->p);
        s = cmd->kind == UI_CMD_SPEED_RESET
                ? 1.0
                : player_speed_step(s, cmd->kind == UI_CMD_SPEED_UP ? 1 : -1);
        return player_set_speed(e->p, s);
    }
    case UI_CMD_FRAME_STEP: /* the class decides the target (player/class.h) */
        if (cmd->n == 0)
            class_set_paused(e->c, true);
        else if (class_frame_step(e->c, cmd->n) > 0 && cmd->n > 0)
            e->redraw = true;
        break;
    case UI_CMD_TOGGLE_CHAT: {
        e->chat = !e->chat;
        int rc = make_layout(e);
        e->redraw = true;
        return rc;
    }
    case UI_CMD_CYCLE_LAYOUT: {
        e->layout_index = (e->layout_index + 1) % e->n_layouts;
        int rc = make_layout(e);
        e->redraw = true;
        return rc;
    }
    case UI_CMD_SCROLL_CHAT: {
        struct chat_panel *cp = class_scene_chat(e->cs);
        if (!cp || !e->chat)
            return 0;
        chat_panel_scroll(cp, cmd->n * chat_panel_line_step(cp));
        e->redraw = true;
        break;
    }
    case UI_CMD_SEEK_TO_CHAT_ITEM:
        return chat_click(e, cmd->x, cmd->y);
    case UI_CMD_TOGGLE_MUTE:
        e->muted = !e->muted;
        apply_volume(e);
        break;
    case UI_CMD_VOLUME:
        e->volume += cmd->n;
        e->volume = e->volume < 0 ? 0 : e->volume > 100 ? 100 : e->volume;
        apply_volume(e);
        break;
    case UI_CMD_LANE_SELECT:
    case UI_CMD_LANE_NUDGE:
    case UI_CMD_WRITE_OFFSETS:
        return apply_offsets(e, cmd);
    default:
        return apply_nav(e, cmd, t);
    }
    return 0;
}

/* ---- state ------------------------------------------------------------------------------- */

/* What the window draws for navigating: chapters and hits on the bar, the
 * hit's place in the chat panel, lane tiles, the thumbnail size (a fifth
 * of the canvas height, the board's aspect, at most a third of its width). */
static void nav_state(struct engine_ui *e, struct pui_state *st)
{
    const struct nav_index *n = nav_now(e);
    st->n_chapters = nav_chapter_count(n);
    st->chapters = st->n_chapters ? nav_chapter_at(n, 0) : NULL;
    st->hits = e->hits;
    struct chat_panel *cp = class_scene_chat(e->cs);
    if (e->chat && cp && e->hit >= 0 && e->hit < e->n_hits)
        chat_panel_item_rect(cp, e->hits[e->hit].item, &st->search_hit_rect);
    size_t k = 0;
    for (size_t i = 0; i < e->layout->n && k < LAYOUT_MAX_REGIONS; i++) {
        const struct layout_region *r = &e->layout->regions[i];
        if (r->src == LAYOUT_SRC_LANE && r->lane >= 0 && (size_t)r->lane < e->rec->n_lanes)
            e->tiles[k++] = (struct nav_lane_tile){{r->r.x, r->r.y, r->r.w, r->r.h}, r->lane};
    }
    st->tiles = e->tiles;
    st->n_tiles = k;
    if (class_has_board(e->c)) {
        int bw = e->rec->board_w > 0 ? e->rec->board_w : 1280;
        int bh = e->rec->board_h > 0 ? e->rec->board_h : 960;
        int h = e->o.canvas_h / 5 < 16 ? 16 : e->o.canvas_h / 5;
        int w = (int)((int64_t)h * bw / bh);
        if (w > e->o.canvas_w / 3) {
            w = e->o.canvas_w / 3 < 16 ? 16 : e->o.canvas_w / 3;
            h = (int)((int64_t)w * bh / bw);
        }
        st->thumb_w = w;
        st->thumb_h = h < 1 ? 1 : h;
    }
}

static void get_state(void *opaque, struct pui_state *st)
{
    struct engine_ui *e = opaque;
    bool ended = class_ended(e->c);
    int64_t t_us = class_position_us(e->c);
    int64_t w_us = lane_player_wall_us(e->tl, t_us);
    st->t_us = sp_floor_ms(t_us) * 1000; /* whole ms (player_ui.h) */
    st->duration_us = total_ms(e) * 1000;
    st->wall_us = sp_floor_ms(w_us) * 1000;
    st->paused = class_paused(e->c);
    st->ended = ended;
    st->buffering = player_buffering(e->p);
    st->speed = player_speed(e->p);
    st->volume = e->volume;
    st->muted = e->muted;
    st->layout_index = e->layout_index;
    snprintf(st->layout_name, sizeof(st->layout_name), "%s", e->layout->name);
    st->layout_kind = layout_kind(e->layout);
    st->chat_on = e->chat;
    class_signaling_progress(e->c, &e->sig);
    st->board_pages_done = e->sig.done;
    st->board_pages_total = e->sig.total;
    st->board_loading = !e->sig.finished;
    st->chat_rect = e->chat ? chat_rect(e) : (struct canvas_rect){0, 0, 0, 0};
    st->pauses_us = e->pauses;
    st->n_pauses = e->n_pauses;
    st->lanes = e->lanes;
    st->n_lanes = e->rec->n_lanes;
    /* local media is all there; remote media as far as the cache holds it
     * (player/net/buffered.h: bytes mapped to time in proportion) */
    st->buffered = &e->all;
    st->n_buffered = 1;
    struct fetch *f = class_fetch(e->c, false, NULL);
    if (f) {
        int64_t now = mono_ms();
        if (e->buffered_at_ms < 0 || now - e->buffered_at_ms >= BUFFERED_EVERY_MS) {
            struct buffered_range br[MAX_BUFFERED];
            int n = buffered_ranges(e->tl, f, br, MAX_BUFFERED);
            e->n_buffered = n > 0 ? (size_t)n : 0;
            for (size_t i = 0; i < e->n_buffered; i++)
                e->buffered[i] = (struct osd_range){br[i].start_us, br[i].end_us};
            e->buffered_at_ms = now;
        }
        st->buffered = e->buffered;
        st->n_buffered = e->n_buffered;
    }
    for (size_t i = 0; i < e->rec->n_lanes; i++) {
        const struct lane_view *v = player_lane_view(e->p, i);
        struct sync_lane_stats *s = &e->stats[i];
        s->active = v && v->seg;
        s->has_frame = v && v->state != LANE_PLACEHOLDER && v->frame;
        s->skew_us = s->has_frame ? v->board_us - w_us : 0;
        s->anchors = v ? v->anchors : 0;
        /* how long ago, in the shown frame's board time, its segment's last
         * SEI anchor was passed */
        s->anchor_age_us = s->has_frame && v->anchor_board_us >= 0
                               ? sp_floor_ms(v->board_us - v->anchor_board_us) * 1000
                               : -1;
        s->buffering = v && (v->state == LANE_WAITING || v->buffering);
        s->dropped = e->track[i].dropped;
        s->shown = e->track[i].shown;
        s->frame_us = v ? v->frame_dur_us : 0;
        s->unavailable = v ? v->unavailable : NULL;
        s->offset_us = class_lane_offset_us(e->c, i);
        s->selected = (int)i == e->sel_lane;
    }
    st->offsets_path = class_offsets_path(e->c);
    st->offsets_message = e->offsets_msg;
    e->sync = (struct sync_stats){.t_us = st->t_us,
                                  .w_us = st->wall_us,
                                  .speed = st->speed,
                                  .has_audio = e->ao != NULL,
                                  /* the master clock now minus the t the
                                   * pictures were picked for */
                                  .av_diff_us = e->ao && !ended ? player_clock_us(e->p) - t_us : 0,
                                  .lanes = e->stats,
                                  .n_lanes = e->rec->n_lanes};
    st->sync = &e->sync;
    st->lane_muted = e->lane_muted;
    st->search_open = e->search_open;
    st->search_editing = e->search_editing;
    st->search_query = e->query;
    st->search_hits = e->n_hits;
    st->search_hit = e->hit;
    nav_state(e, st);
}

/* The teacher's lane, as the layouts pick it (render/layout.h): the camera
 * lane whose first segment starts earliest, the first listed on a tie;
 * -1 when there is no camera. */
static int teacher_lane(const struct recording *rec)
{
    int best = -1;
    for (size_t i = 0; i < rec->n_lanes; i++) {
        const struct rec_lane *l = &rec->lanes[i];
        if (l->kind != REC_LANE_CAMERA || l->n_segments == 0)
            continue;
        if (best < 0 || l->segments[0].play_us < rec->lanes[best].segments[0].play_us)
            best = (int)i;
    }
    return best;
}

/* The board at t_us from the snapshots (board_player_state_at_us): the
 * player's own board and position stay where they are, no media decoded. */
static int thumb(void *opaque, int64_t t_us, struct canvas *dst)
{
    struct engine_ui *e = opaque;
    if (!class_has_board(e->c))
        return SP_EUNSUPPORTED;
    e->thumb_asked = true;
    int64_t total = total_ms(e) * 1000;
    t_us = t_us < 0 ? 0 : t_us > total ? total : t_us;
    /* from the scene's rasters of the board snapshots (render/thumb_cache.h);
     * no player before the pages: the empty board */
    int64_t w_us = lane_player_wall_us(e->tl, t_us);
    int rc = class_scene_draw_board_at_us(e->cs, class_board_player(e->c),
                                          class_signal_generation(e->c), w_us, dst);
    if (rc)
        return rc;
    /* the teacher's frame when the lane already has one near that time */
    int lane = teacher_lane(e->rec);
    const struct lane_view *v = lane >= 0 ? player_lane_view(e->p, (size_t)lane) : NULL;
    if (!v || !v->frame || v->state == LANE_PLACEHOLDER ||
        llabs(v->board_us - w_us) > ENGINE_UI_THUMB_FRAME_NEAR_US)
        return 0;
    return class_scene_draw_thumb_frame(e->cs, v->frame, dst) == 0 ? 1 : 0;
}

/* Idle time of the window: the rasters of the thumbnails made ahead, once
 * the board has loaded (a new generation would drop them) and once the
 * user has hovered the bar: on a long class they cost a CPU-minute or more,
 * which a window nobody points at (a kiosk, a teacher who only watches)
 * should not spend. */
static int thumb_idle(void *opaque, int w, int h, int64_t budget_us)
{
    struct engine_ui *e = opaque;
    const struct board_player *bp = class_board_player(e->c);
    if (!e->thumb_asked || !class_has_board(e->c) || !bp || !e->sig.finished)
        return 0;
    return class_scene_prepare_thumbs(e->cs, bp, class_signal_generation(e->c), w, h, budget_us);
}

/* The window's canvas changed size: the layout is made again for it (the
 * old one kept when that fails). */
static int resize(void *opaque, int w, int h)
{
    struct engine_ui *e = opaque;
    if (w < 1 || h < 1 || w > LAYOUT_MAX_DIM || h > LAYOUT_MAX_DIM)
        return SP_EINVAL;
    int ow = e->o.canvas_w, oh = e->o.canvas_h;
    e->o.canvas_w = w;
    e->o.canvas_h = h;
    int rc = make_layout(e);
    if (rc < 0) {
        e->o.canvas_w = ow;
        e->o.canvas_h = oh;
        make_layout(e);
        return rc;
    }
    e->redraw = true;
    return 0;
}

/* The loop is leaving: sound, decoders and downloads are told to stop now;
 * engine_ui_destroy() and class_close() then only wait for what is left. */
static void leave(void *opaque)
{
    struct engine_ui *e = opaque;
    audio_out_stop(e->ao);
    class_abort(e->c);
}

struct player_ui engine_ui_callbacks(struct engine_ui *e)
{
    struct player_ui ui = {e, step, draw, apply, get_state, thumb, leave, thumb_idle, resize};
    return ui;
}
