/* window_loop.c - the interactive play loop (see window_loop.h). */
#include "ui/window_loop.h"

#include "base/platform/os_libc.h"
#include "base/platform/os_time.h"
#include "base/log.h"
#include "base/sp_error.h"
#include "base/sp_file.h"
#include "player/playloop.h"
#include "player/control/control_server.h"
#include "ui/input.h"
#include "render/nav_overlay.h"
#include "render/osd.h"
#include "render/layout.h"
#include "render/sync_overlay.h"
#include "ui/engine_ui.h"
#include "ui/window.h"

#include <SDL.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct sp_log lg = SP_LOG_INIT("window");

#define MAX_BATCH 64 /* commands handled per pass; the rest wait a pass */

struct loop {
    const struct window_loop_opts *o;
    const struct player_ui *ui; /* &ui_now */
    struct player_ui ui_now;    /* the engine's callbacks (a control's load swaps them) */
    struct window *win;
    struct canvas *frame; /* the engine's picture */
    struct canvas *out;   /* frame + OSD, what is presented */
    int cw, ch;           /* the canvas size now: the options', then the window's */
    /* a size change of the window seen, laid out once it has settled:
     * at resize_at_ms (monotonic), WINDOW_LOOP_RESIZE_SETTLE_MS after the
     * last one, so a drag does not lay out every frame */
    bool resize_pending;
    int64_t resize_at_ms;
    struct input_ctx in;
    struct pui_state st;
    bool stats;
    bool quit;
    bool need_compose, need_present;
    int64_t last_input_ms; /* last mouse move or command (OSD visibility) */
    double alpha;          /* OSD alpha last presented */
    /* the part of the canvas the OSD band spans: the whole width, or the
     * side beside a chat column that reaches the band, so the newest
     * messages (at the chat's bottom) stay readable under a shown OSD */
    struct canvas_rect osd_area;
    char message[128];
    int64_t message_until_ms;
    /* the PNG the shown message is about ("" when the message is another
     * one, or gone): the state file's "screenshot", never parsed back out
     * of the message text */
    char screenshot_path[4096];
    int64_t last_osd_second; /* t/1000 shown, to redraw the OSD clock */
    /* when the first picture was presented: CLOCK_MONOTONIC in us (the
     * system-wide clock, so another process can tell how long it took
     * from its own start); 0 before */
    int64_t first_present_us;
    int64_t state_written_ms;
    bool state_dirty;
    char shot[CONTROL_MAX_STR];   /* the last screenshot's path */
    char source[CONTROL_MAX_STR]; /* what plays */
    /* the seek bar's hover thumbnail (render/nav_overlay.h): drawn by the
     * engine's thumb callback when the hovered time changes */
    struct canvas *thumb;
    int64_t thumb_t_ms;          /* the time it shows; -1 none */
    bool thumb_ok;               /* it holds a picture of thumb_t_ms */
    bool thumb_shown;            /* the last present drew it */
    struct canvas_rect thumb_at; /* ... here */
    int64_t thumb_draw_us;       /* how long its last drawing took (µs) */
    bool thumb_frame;            /* ... with the teacher's frame over the board */
    bool thumb_idle_failed;      /* the idle work for thumbnails failed: not tried again */
    /* the chapter list (key C) */
    bool chapters_open;
    size_t chapter_sel;
};

/* The loop keeps its deadlines in monotonic ms (the window speaks µs:
 * converted here and at the window calls). */
static int64_t loop_now_ms(void)
{
    return window_now_us() / 1000;
}

/* µs until a deadline, in whole ms rounded up (INT64_MAX stays). */
static int64_t ceil_ms(int64_t us)
{
    return us == INT64_MAX ? INT64_MAX : us / 1000 + (us % 1000 > 0);
}

void window_loop_screenshot_name(const struct pui_state *st, char *buf, size_t n)
{
    int64_t t = st->t_us < 0 ? 0 : st->t_us / 1000; /* ms in the name */
    char wall[40] = "";
    if (st->wall_us > 0) {
        struct tm tm;
        if (sp_os_localtime(st->wall_us / 1000000, &tm) == 0)
            strftime(wall, sizeof(wall), "-%Y%m%d-%H%M%S", &tm);
    }
    snprintf(buf, n, "sigplay-%lldh%02lldm%02lld.%03llds%s.png", (long long)(t / 3600000),
             (long long)(t / 60000 % 60), (long long)(t / 1000 % 60), (long long)(t % 1000), wall);
}

static void set_message(struct loop *L, int64_t now, const char *fmt, ...) SP_FORMAT_PRINTF(3, 4);
static void set_message(struct loop *L, int64_t now, const char *fmt, ...)
{
    L->screenshot_path[0] = '\0'; /* a new message is about something else */
    if (L->o->kiosk)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(L->message, sizeof(L->message), fmt, ap);
    va_end(ap);
    L->message_until_ms = now + WINDOW_LOOP_MESSAGE_MS;
    L->need_present = true;
}

/* Where the OSD goes (L->osd_area) and the click geometry that goes with
 * it (L->in.geom, in canvas coordinates). */
static void set_osd_area(struct loop *L)
{
    int cw = L->cw, ch = L->ch;
    struct osd_geom full;
    osd_geometry(cw, ch, &full);
    struct canvas_rect a = {0, 0, cw, ch};
    struct canvas_rect c = L->in.chat;
    bool reaches = c.w > 0 && c.h > 0 && c.y + c.h > full.panel.y;
    if (reaches && c.x >= cw / 2) /* a column at the right: the band stops at its left */
        a.w = c.x;
    else if (reaches && c.x + c.w <= cw / 2) { /* at the left: the band starts after it */
        a.x = c.x + c.w;
        a.w = cw - a.x;
    }
    L->osd_area = a;
    osd_geometry(a.w, a.h, &L->in.geom);
    struct canvas_rect *rs[] = {&L->in.geom.panel, &L->in.geom.bar, &L->in.geom.hit,
                                &L->in.geom.button};
    for (size_t i = 0; i < sizeof(rs) / sizeof(rs[0]); i++)
        rs[i]->x += a.x;
}

static void refresh_state(struct loop *L)
{
    bool loading = L->st.board_loading;
    size_t done = L->st.board_pages_done;
    memset(&L->st, 0, sizeof(L->st));
    L->ui->get_state(L->ui->opaque, &L->st);
    /* the pages' progress is news for the state file and the OSD line */
    if (L->st.board_loading != loading || L->st.board_pages_done != done) {
        L->state_dirty = L->need_present = true;
        L->thumb_ok = false; /* more of the board arrived: draw the thumbnail again */
    }
    L->in.duration_us = L->st.duration_us;
    L->in.chat = L->st.chat_on ? L->st.chat_rect : (struct canvas_rect){0, 0, 0, 0};
    set_osd_area(L);
    L->in.search_open = L->st.search_open;
    L->in.search_editing = L->st.search_editing;
    L->in.chapters_open = L->chapters_open;
    if (L->chapters_open) {
        struct nav_list_geom g;
        nav_list_geometry(L->cw, L->ch, L->st.n_chapters, L->chapter_sel, &g);
        L->in.chapter_box = g.box;
    }
    if (L->st.search_editing && !SDL_IsTextInputActive()) {
        /* an IME puts its candidate list under the field (window pixels:
         * the canvas's when the window is at its size) */
        SDL_Rect r;
        struct canvas_rect f = nav_search_field_rect(
            L->cw, L->ch, L->st.chat_on ? L->st.chat_rect : (struct canvas_rect){0});
        r = (SDL_Rect){f.x, f.y, f.w, f.h};
        SDL_SetTextInputRect(&r);
        SDL_StartTextInput(); /* IME and CJK input arrive as SDL_TEXTINPUT */
    }
}

/* Appends s to b as a JSON string body (quotes and controls escaped). */
static void json_escape(char *b, size_t n, size_t *len, const char *s)
{
    for (; s && *s && *len + 8 < n; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            *len += (size_t)snprintf(b + *len, n - *len, "\\%c", ch);
        else if (ch < 0x20)
            *len += (size_t)snprintf(b + *len, n - *len, "\\u%04x", ch);
        else
            b[(*len)++] = (char)ch;
    }
    b[*len] = '\0';
}

/* The lanes as the sync statistics see them: what each one shows. */
static void lanes_json(const struct pui_state *s, char *b, size_t n)
{
    size_t len = 0;
    b[0] = '\0';
    const struct sync_stats *sy = s->sync;
    for (size_t i = 0; sy && i < sy->n_lanes && len + 128 < n; i++) {
        const struct sync_lane_stats *l = &sy->lanes[i];
        size_t before = len;
        char tile[64] = "null"; /* the lane's first tile in the layout (x, y, w, h) */
        for (size_t k = 0; s->tiles && k < s->n_tiles; k++)
            if (s->tiles[k].lane == (int)i) {
                struct canvas_rect r = s->tiles[k].r;
                snprintf(tile, sizeof(tile), "[%d,%d,%d,%d]", r.x, r.y, r.w, r.h);
                break;
            }
        len += (size_t)snprintf(b + len, n - len, "%s{\"name\":\"", i ? "," : "");
        json_escape(b, n - 96, &len, l->name);
        const char *state = l->unavailable  ? "unavailable"
                            : !l->has_frame ? "placeholder"
                            : l->buffering  ? "waiting"
                                            : "showing";
        len += (size_t)snprintf(
            b + len, n - len,
            "\",\"state\":\"%s\",\"active\":%s,\"skew_ms\":%lld,\"shown\":%llu,"
            "\"offset_ms\":%.3f,\"selected\":%s,"
            "\"sync_limit_ms\":%lld,\"sync_warn\":%s,\"muted\":%s,\"tile\":%s,\"reason\":\"",
            state, l->active ? "true" : "false", (long long)(l->has_frame ? l->skew_us / 1000 : 0),
            (unsigned long long)l->shown, (double)l->offset_us / 1000.0,
            l->selected ? "true" : "false", (long long)(sync_overlay_limit_us(l) / 1000),
            sync_overlay_lane_warn(l) ? "true" : "false",
            s->lane_muted && i < s->n_lanes && s->lane_muted[i] ? "true" : "false", tile);
        if (len < n) {
            json_escape(b, n - 8, &len, l->unavailable ? l->unavailable : "");
            len += (size_t)snprintf(b + len, n - len, "\"}");
        }
        if (len >= n) { /* did not fit: leave this lane out */
            b[before] = '\0';
            return;
        }
    }
}

/* Where the OSD's bar, the search field and the chapter list's rows are
 * drawn (canvas pixels), for scripts that click or look there. */
static void places_json(const struct loop *L, char *b, size_t n)
{
    const struct osd_geom *g = &L->in.geom;
    struct canvas_rect f = nav_search_field_rect(
        L->cw, L->ch, L->st.chat_on ? L->st.chat_rect : (struct canvas_rect){0});
    struct nav_list_geom cl;
    nav_list_geometry(L->cw, L->ch, L->st.n_chapters, L->chapter_sel, &cl);
    snprintf(b, n,
             "\"places\":{\"bar\":[%d,%d,%d,%d],\"search_field\":[%d,%d,%d,%d],"
             "\"chapter_list\":{\"box\":[%d,%d,%d,%d],\"rows_y\":%d,\"row_h\":%d,\"first\":%zu}},",
             g->bar.x, g->bar.y, g->bar.w, g->bar.h, f.x, f.y, f.w, f.h, cl.box.x, cl.box.y,
             cl.box.w, cl.box.h, cl.rows_y, cl.row_h, cl.first);
}

static void write_state(struct loop *L, int64_t now)
{
    if (!L->o->state_file)
        return;
    const struct pui_state *s = &L->st;
    char lanes[4096], layout[2 * PUI_MAX_NAME], query[2 * 256 + 8];
    char shot[2 * sizeof(L->screenshot_path)], offs[2 * 4096 + 8];
    char buf[1280 + 512 + sizeof(lanes) + sizeof(layout) + sizeof(query) + sizeof(shot) +
             sizeof(offs)];
    size_t ll = 0, ql = 0, sl = 0, ol = 0;
    json_escape(offs, sizeof(offs), &ol, s->offsets_path ? s->offsets_path : "");
    json_escape(query, sizeof(query), &ql, s->search_query ? s->search_query : "");
    lanes_json(s, lanes, sizeof(lanes));
    char places[512];
    places_json(L, places, sizeof(places));
    json_escape(layout, sizeof(layout), &ll, s->layout_name);
    json_escape(shot, sizeof(shot), &sl, L->screenshot_path);
    int len = snprintf(
        buf, sizeof(buf),
        "{\"t_ms\":%lld,\"duration_ms\":%lld,\"wall_ms\":%lld,\"paused\":%s,"
        "\"ended\":%s,\"buffering\":%s,\"speed\":%.4g,\"volume\":%d,"
        "\"muted\":%s,\"layout_index\":%d,\"layout\":\"%s\",\"chat\":%s,"
        "\"fullscreen\":%s,\"stats\":%s,\"osd_alpha\":%.3g,\"screenshot\":\"%s\","
        "\"board_loading\":%s,\"board_pages_done\":%zu,\"board_pages_total\":%zu,"
        "\"search\":{\"open\":%s,\"query\":\"%s\",\"hits\":%d,\"hit\":%d,"
        "\"hit_rect\":[%d,%d,%d,%d]},"
        "\"chapters\":{\"open\":%s,\"count\":%zu,\"selected\":%zu},"
        "\"thumb\":{\"shown\":%s,\"t_ms\":%lld,\"x\":%d,\"y\":%d,\"w\":%d,\"h\":%d,"
        "\"draw_us\":%lld,\"frame\":%s},%s"
        "\"osd_band\":[%d,%d,%d,%d],\"chat_rect\":[%d,%d,%d,%d],\"first_present_us\":%lld,"
        "\"canvas\":{\"w\":%d,\"h\":%d},\"layout_kind\":\"%s\","
        "\"offsets_file\":\"%s\",\"lanes\":[%s]}\n",
        (long long)(s->t_us / 1000), (long long)(s->duration_us / 1000),
        (long long)(s->wall_us / 1000), /* the state file speaks ms (docs/) */
        s->paused ? "true" : "false", s->ended ? "true" : "false", s->buffering ? "true" : "false",
        s->speed, s->volume, s->muted ? "true" : "false", s->layout_index, layout,
        s->chat_on ? "true" : "false", window_is_fullscreen(L->win) ? "true" : "false",
        L->stats ? "true" : "false", L->alpha, shot, s->board_loading ? "true" : "false",
        s->board_pages_done, s->board_pages_total, s->search_open ? "true" : "false", query,
        s->search_hits, s->search_hit, s->search_hit_rect.x, s->search_hit_rect.y,
        s->search_hit_rect.w, s->search_hit_rect.h, L->chapters_open ? "true" : "false",
        s->n_chapters, L->chapter_sel, L->thumb_shown ? "true" : "false",
        (long long)(L->thumb_shown ? L->thumb_t_ms : -1), L->thumb_at.x, L->thumb_at.y,
        L->thumb_at.w, L->thumb_at.h, (long long)L->thumb_draw_us,
        L->thumb_shown && L->thumb_frame ? "true" : "false", places, L->in.geom.panel.x,
        L->in.geom.panel.y, L->in.geom.panel.w, L->in.geom.panel.h, L->in.chat.x, L->in.chat.y,
        L->in.chat.w, L->in.chat.h, (long long)L->first_present_us, L->cw, L->ch,
        s->layout_kind ? s->layout_kind : (L->ch > L->cw ? "portrait" : "landscape"), offs, lanes);
    if (len < 0 || (size_t)len >= sizeof(buf))
        return;
    if (sp_write_file_atomic(L->o->state_file, buf, (size_t)len) != 0)
        SP_WARN(&lg, "%s: cannot write the state file", L->o->state_file);
    L->state_written_ms = now;
    L->state_dirty = false;
}

/* Writes the picture to path (NULL or "": the default name); returns 0 or
 * < 0 (a message says so either way). */
static int screenshot(struct loop *L, int64_t now, const char *to)
{
    char name[128], path[4096];
    window_loop_screenshot_name(&L->st, name, sizeof(name));
    if (to && to[0])
        snprintf(path, sizeof(path), "%s", to);
    else
        snprintf(path, sizeof(path), "%s/%s", L->o->screenshot_dir ? L->o->screenshot_dir : ".",
                 name);
    /* the picture without the OSD, as mpv's "s"; composed first when a
     * command changed it in this pass */
    int rc = L->need_compose ? L->ui->draw(L->ui->opaque, L->frame) : 0;
    if (rc == 0)
        L->need_compose = false;
    if (rc == 0)
        rc = canvas_write_png(L->frame, path);
    now = loop_now_ms(); /* encoding takes a while: the message starts now */
    if (rc < 0) {
        SP_WARN(&lg, "%s: screenshot failed: %s", path, sp_strerror(rc));
        set_message(L, now, "Screenshot failed: %s", sp_strerror(rc));
    } else {
        SP_INFO(&lg, "screenshot %s", path);
        set_message(L, now, "Screenshot: %s", path);
        if (!L->o->kiosk) /* the message is shown */
            snprintf(L->screenshot_path, sizeof(L->screenshot_path), "%s", path);
        snprintf(L->shot, sizeof(L->shot), "%s", path);
    }
    return rc;
}

/* A message for what a command changed (compares states around apply). */
static void describe(struct loop *L, int64_t now, const struct ui_cmd *c,
                     const struct pui_state *before)
{
    const struct pui_state *s = &L->st;
    switch (c->kind) {
    case UI_CMD_SPEED_UP:
    case UI_CMD_SPEED_DOWN:
    case UI_CMD_SPEED_RESET:
        set_message(L, now, "Speed %.4gx", s->speed);
        break;
    case UI_CMD_VOLUME:
    case UI_CMD_TOGGLE_MUTE:
        if (s->muted)
            set_message(L, now, "Muted");
        else
            set_message(L, now, "Volume %d%%", s->volume);
        break;
    case UI_CMD_LANE_MUTE:
    case UI_CMD_LANE_SOLO:
        if (c->n >= 1 && (size_t)c->n <= s->n_lanes && s->lane_muted)
            set_message(L, now, "Lane %d %s: %s", c->n, s->lanes[c->n - 1].name,
                        s->lane_muted[c->n - 1] ? "muted" : "on");
        else
            set_message(L, now, "Every lane on");
        break;
    case UI_CMD_CYCLE_LAYOUT:
        if (s->layout_index != before->layout_index)
            set_message(L, now, "Layout: %s", s->layout_name);
        break;
    case UI_CMD_TOGGLE_CHAT:
        set_message(L, now, "Chat %s", s->chat_on ? "on" : "off");
        break;
    case UI_CMD_LANE_SELECT:
    case UI_CMD_LANE_NUDGE:
        for (size_t i = 0; s->sync && i < s->sync->n_lanes; i++)
            if (s->sync->lanes[i].selected)
                set_message(L, now, "Lane %zu %s: offset %+.1f ms", i + 1, s->sync->lanes[i].name,
                            (double)s->sync->lanes[i].offset_us / 1000.0);
        break;
    case UI_CMD_WRITE_OFFSETS:
        if (s->offsets_message && s->offsets_message[0]) {
            set_message(L, now, "%s", s->offsets_message);
            printf("sigplay: %s\n", s->offsets_message); /* one line says where, for scripts */
            fflush(stdout);
        }
        break;
    default:
        break;
    }
}

static void handle(struct loop *L, const struct ui_cmd *c, int64_t now);

/* The chapter playing at t: the last one starting at or before it, -1 none. */
static long chapter_current(const struct pui_state *s)
{
    long cur = -1;
    for (size_t i = 0; s->chapters && i < s->n_chapters; i++)
        if (s->chapters[i].t_us / 1000 <= s->t_us / 1000)
            cur = (long)i;
    return cur;
}

/* The chapter list: the loop keeps it (open, selection); going to a
 * chapter is a seek the engine carries out, to the ms PgDn lands on. */
static void chapter_cmd(struct loop *L, const struct ui_cmd *c, int64_t now)
{
    const struct pui_state *s = &L->st;
    size_t n = s->n_chapters;
    long go = -1;
    switch (c->kind) {
    case UI_CMD_CHAPTER_LIST:
        L->chapters_open = !L->chapters_open && n > 0;
        if (L->chapters_open) {
            long cur = chapter_current(s);
            L->chapter_sel = cur < 0 ? 0 : (size_t)cur;
        } else if (n == 0) {
            set_message(L, now, "No chapters");
        }
        break;
    case UI_CMD_CHAPTER_MOVE:
        if (L->chapters_open && n > 0) {
            long k = (long)L->chapter_sel + c->n;
            L->chapter_sel = k < 0 ? 0 : (size_t)k >= n ? n - 1 : (size_t)k;
        }
        break;
    case UI_CMD_CHAPTER_GO:
        if (L->chapters_open && L->chapter_sel < n)
            go = (long)L->chapter_sel;
        break;
    case UI_CMD_CHAPTER_CLICK: {
        struct nav_list_geom g;
        nav_list_geometry(L->cw, L->ch, n, L->chapter_sel, &g);
        go = L->chapters_open ? nav_list_row_at(&g, c->x, c->y) : -1;
        break;
    }
    default:
        break;
    }
    if (go >= 0 && (size_t)go < n) {
        L->chapters_open = false;
        L->chapter_sel = (size_t)go;
        int64_t us = s->chapters[go].t_us;
        char title[NAV_TITLE_BYTES];
        snprintf(title, sizeof(title), "%s", s->chapters[go].title);
        /* whole ms, as the chapter list shows it and as seeks go */
        struct ui_cmd seek = {.kind = UI_CMD_SEEK_ABS, .us = us >= 0 ? us / 1000 * 1000 : 0};
        handle(L, &seek, now); /* refreshes L->st */
        set_message(L, now, "%s", title);
    }
    L->in.chapters_open = L->chapters_open;
}

static void handle(struct loop *L, const struct ui_cmd *c, int64_t now)
{
    /* Tab and the nudge keys belong to the `i` overlay (docs/offsets.md) */
    if ((c->kind == UI_CMD_LANE_SELECT || c->kind == UI_CMD_LANE_NUDGE) && !L->stats)
        return;
    switch (c->kind) {
    case UI_CMD_NONE:
        return;
    case UI_CMD_QUIT:
        L->quit = true;
        return;
    case UI_CMD_MOUSE_MOVE:
        window_note_mouse(L->win, now * 1000);
        if (!L->o->kiosk) {
            L->last_input_ms = now;
            L->need_present = true;
        }
        return;
    case UI_CMD_TOGGLE_FULLSCREEN:
        window_set_fullscreen(L->win, !window_is_fullscreen(L->win));
        L->need_present = true;
        break;
    case UI_CMD_TOGGLE_STATS:
        L->stats = !L->stats;
        L->need_present = true;
        break;
    case UI_CMD_SCREENSHOT:
        screenshot(L, now, NULL);
        break;
    case UI_CMD_CHAPTER_LIST:
    case UI_CMD_CHAPTER_MOVE:
    case UI_CMD_CHAPTER_GO:
    case UI_CMD_CHAPTER_CLICK:
        chapter_cmd(L, c, now);
        break;
    default: {
        struct pui_state before = L->st;
        int rc = L->ui->apply(L->ui->opaque, c);
        if (rc < 0 && rc != SP_EUNSUPPORTED)
            SP_WARN(&lg, "%s: %s", ui_cmd_name(c->kind), sp_strerror(rc));
        refresh_state(L);
        describe(L, now, c, &before);
        L->need_compose = true;
        break;
    }
    }
    /* a command (not a mere mouse move) shows the OSD, as a key does in mpv */
    if (!L->o->kiosk && c->kind != UI_CMD_SCROLL_CHAT)
        L->last_input_ms = now;
    L->need_present = true;
    L->state_dirty = true;
}

/* Handles a batch; of the scrub seeks only the last survives. */
static void handle_batch(struct loop *L, struct ui_cmd *cmds, int n, int64_t now)
{
    int last_scrub = -1;
    for (int i = 0; i < n; i++)
        if (cmds[i].kind == UI_CMD_SEEK_ABS)
            last_scrub = i;
    for (int i = 0; i < n && !L->quit; i++) {
        if (cmds[i].kind == UI_CMD_SEEK_ABS && cmds[i].scrub && i != last_scrub)
            continue;
        handle(L, &cmds[i], now);
    }
}

static double osd_alpha(const struct loop *L, int64_t now)
{
    if (L->o->kiosk)
        return 0;
    int64_t idle = now - L->last_input_ms;
    if (idle < WINDOW_LOOP_OSD_IDLE_MS)
        return 1;
    if (idle >= WINDOW_LOOP_OSD_IDLE_MS + WINDOW_LOOP_OSD_FADE_MS)
        return 0;
    return 1.0 - (double)(idle - WINDOW_LOOP_OSD_IDLE_MS) / WINDOW_LOOP_OSD_FADE_MS;
}

/* Lane numbers on the tiles and the chat search field: over the picture,
 * under the OSD band. */
static int draw_nav_under(struct loop *L, double a)
{
    const struct pui_state *s = &L->st;
    int rc = 0;
    if (a > 0 && s->n_lanes > 0)
        rc = nav_lane_numbers_draw(L->o->text, L->out, s->tiles, s->n_tiles, s->lane_muted,
                                   s->n_lanes, a);
    if (rc == 0 && s->search_open) {
        struct nav_search_view v = {.chat = s->chat_on ? s->chat_rect : (struct canvas_rect){0},
                                    .query = s->search_query,
                                    .editing = s->search_editing,
                                    .hits = s->search_hits,
                                    .hit = s->search_hit,
                                    .hit_rect = s->search_hit_rect};
        rc = nav_search_draw(L->o->text, L->out, &v);
    }
    return rc;
}

/* The thumbnail of the hovered time (drawn again only when that time
 * changes), or none. */
static void update_thumb(struct loop *L, bool hover, int mx)
{
    const struct pui_state *s = &L->st;
    L->thumb_shown = false;
    if (!hover || !L->ui->thumb || s->thumb_w < 1 || s->thumb_h < 1 || s->duration_us <= 0)
        return;
    if (L->thumb && (L->thumb->w != s->thumb_w || L->thumb->h != s->thumb_h))
        canvas_destroy(&L->thumb);
    if (!L->thumb) {
        if (canvas_create(&L->thumb, s->thumb_w, s->thumb_h) != 0)
            return;
        L->thumb_ok = false;
    }
    int64_t t = osd_bar_time_at(&L->in.geom, s->duration_us, mx) / 1000; /* whole ms */
    if (!L->thumb_ok || t != L->thumb_t_ms) {
        int64_t t0 = sp_os_mono_us();
        int rc = L->ui->thumb(L->ui->opaque, t * 1000, L->thumb);
        L->thumb_ok = rc >= 0;
        L->thumb_frame = rc == 1;
        L->thumb_draw_us = sp_os_mono_us() - t0;
        L->thumb_t_ms = t;
    }
    L->thumb_shown = L->thumb_ok;
    if (L->thumb_shown)
        L->thumb_at = nav_thumb_rect(&L->in.geom, s->duration_us, mx, s->thumb_w, s->thumb_h);
}

/* Over the OSD band: chapter ticks and search marks on the bar, each
 * lane's sound, the hover thumbnail, the chapter list. */
static int draw_nav_over(struct loop *L, double a, bool hover, int mx, struct canvas *band,
                         const struct osd_state *os)
{
    const struct pui_state *s = &L->st;
    bool was_shown = L->thumb_shown;
    struct nav_bar_marks m = {.duration_us = s->duration_us,
                              .chapters = s->chapters,
                              .n_chapters = s->n_chapters,
                              .hits = s->hits,
                              .n_hits = s->hits && s->search_hits > 0 ? (size_t)s->search_hits : 0,
                              .hit = s->search_hit,
                              .alpha = a};
    nav_bar_marks_draw(band, &m); /* the bar is where the OSD drew it: in its band */
    int rc = 0;
    if (a > 0 && s->n_lanes > 0 && s->lanes) {
        const char *names[8];
        size_t n = s->n_lanes < 8 ? s->n_lanes : 8;
        for (size_t i = 0; i < n; i++)
            names[i] = s->lanes[i].name;
        struct osd_row row;
        rc = osd_text_row_free(L->o->text, band->w, band->h, os, &row);
        if (rc == 0)
            rc = nav_lane_states_draw(L->o->text, band, &row, names, s->lane_muted, n, a);
    }
    update_thumb(L, hover, mx);
    if (L->thumb_shown)
        nav_thumb_draw(L->out, L->thumb_at, L->thumb, a);
    if (L->thumb_shown != was_shown || L->thumb_shown)
        L->state_dirty = true;
    if (rc == 0 && L->chapters_open)
        rc = nav_list_draw(L->o->text, L->out, s->chapters, s->n_chapters, L->chapter_sel,
                           chapter_current(s));
    return rc;
}

static int present(struct loop *L, int64_t now)
{
    if (L->need_compose) {
        int rc = L->ui->draw(L->ui->opaque, L->frame);
        if (rc < 0)
            return rc;
        L->need_compose = false;
    }
    canvas_copy(L->out, L->frame);
    double a = osd_alpha(L, now);
    char wall[40] = "";
    if (L->st.wall_us > 0) {
        struct tm tm;
        if (sp_os_localtime(L->st.wall_us / 1000000, &tm) == 0)
            strftime(wall, sizeof(wall), "%Y-%m-%d %H:%M:%S", &tm);
    }
    char loading[96] = "";
    if (L->st.board_loading)
        snprintf(loading, sizeof(loading), "Loading whiteboard %zu/%zu", L->st.board_pages_done,
                 L->st.board_pages_total);
    struct osd_state os = {.duration_us = L->st.duration_us,
                           .loading = loading,
                           .t_us = L->st.t_us,
                           .paused = L->st.paused,
                           .speed = L->st.speed,
                           .volume = L->st.volume,
                           .muted = L->st.muted,
                           .pauses_us = L->st.pauses_us,
                           .n_pauses = L->st.n_pauses,
                           .lanes = L->st.lanes,
                           .n_lanes = L->st.n_lanes,
                           .buffered = L->st.buffered,
                           .n_buffered = L->st.n_buffered,
                           .wall_clock = wall,
                           .buffering = L->st.buffering && !L->o->kiosk,
                           .alpha = a,
                           .message = now < L->message_until_ms ? L->message : NULL};
    int mx = L->in.mouse_x, my = L->in.mouse_y;
    os.hover =
        a > 0 && (L->in.dragging || osd_bar_hit(&L->in.geom, L->st.duration_us, mx, my, NULL));
    /* the OSD draws on a view of L->out: the same rows, a narrower width */
    struct canvas view = {L->osd_area.w, L->osd_area.h, L->out->stride,
                          L->out->px + (size_t)L->osd_area.x * 4};
    os.hover_x = mx - L->osd_area.x;
    int rc = draw_nav_under(L, a);
    if (rc == 0)
        rc = osd_draw(L->o->text, &view, &os);
    if (rc == 0)
        rc = draw_nav_over(L, a, os.hover, mx, &view, &os);
    if (rc == 0 && L->stats && L->st.sync && !L->o->kiosk)
        rc = sync_overlay_draw(L->o->text, L->out, L->st.sync);
    if (rc < 0)
        SP_WARN(&lg, "OSD: %s", sp_strerror(rc));
    /* the state file follows the OSD's showing and hiding (while paused
     * nothing else would write it); not each step of the fade */
    if (a != L->alpha && (a <= 0 || a >= 1))
        L->state_dirty = true;
    L->alpha = a;
    L->last_osd_second = L->st.t_us / 1000000;
    L->need_present = false;
    rc = window_present(L->win, L->out);
    if (rc == 0 && L->first_present_us == 0) {
        L->first_present_us = sp_os_mono_us();
        L->state_dirty = true;
        SP_DBG(&lg, "startup: first picture presented at %lld us", (long long)L->first_present_us);
    }
    return rc;
}

/* ---- the remote control (player/control/control_server.h) ---------------- */

static void control_state_of(struct loop *L, struct control_state *cs)
{
    const struct pui_state *s = &L->st;
    memset(cs, 0, sizeof(*cs));
    cs->t_us = s->t_us;
    cs->duration_us = s->duration_us;
    cs->wall_us = s->wall_us;
    cs->paused = s->paused;
    cs->ended = s->ended;
    cs->buffering = s->buffering;
    cs->speed = s->speed;
    cs->volume = s->volume;
    cs->muted = s->muted;
    snprintf(cs->layout, sizeof(cs->layout), "%s", s->layout_name);
    cs->layout_index = s->layout_index;
    cs->chat = s->chat_on;
    cs->fullscreen = window_is_fullscreen(L->win);
    cs->stats = L->stats;
    for (size_t i = 0; i < s->n_pauses; i++)
        cs->chapter += s->pauses_us[i] <= s->t_us;
    snprintf(cs->screenshot, sizeof(cs->screenshot), "%s", L->shot);
    snprintf(cs->source, sizeof(cs->source), "%s", L->source);
    cs->board_loading = s->board_loading;
    cs->board_pages_done = (int64_t)s->board_pages_done;
    cs->board_pages_total = (int64_t)s->board_pages_total;
}

/* The preset index a layout value names: a preset's name, "custom" or an
 * index; -1 for none. */
static int layout_target(const char *v)
{
    if (!strcmp(v, "custom"))
        return ENGINE_UI_PRESETS;
    if (v[0] >= '0' && v[0] <= '9' && !v[1])
        return v[0] - '0';
    return layout_preset_from_name(v);
}

/* set_property as the commands a key would give; NULL or an error string */
static const char *control_set(struct loop *L, const struct control_req *r, int64_t now)
{
    struct ui_cmd c = {.kind = UI_CMD_NONE};
    switch (r->prop) {
    case CONTROL_P_PAUSE:
        c = (struct ui_cmd){.kind = UI_CMD_SET_PAUSE, .n = r->b};
        break;
    case CONTROL_P_SPEED:
        if (!player_speed_valid(r->num))
            return CONTROL_E_INVALID;
        /* 0.25 steps from 0.5 to 2.0: at most 6 steps either way */
        for (int i = 0; i < 8 && L->st.speed != r->num; i++) {
            c.kind = L->st.speed < r->num ? UI_CMD_SPEED_UP : UI_CMD_SPEED_DOWN;
            handle(L, &c, now);
        }
        return L->st.speed == r->num ? NULL : CONTROL_E_FAILED;
    case CONTROL_P_VOLUME:
        if (r->num < 0 || r->num > 100)
            return CONTROL_E_INVALID;
        c = (struct ui_cmd){.kind = UI_CMD_VOLUME, .n = (int)r->num - L->st.volume};
        break;
    case CONTROL_P_MUTE:
        if (L->st.muted != r->b)
            c.kind = UI_CMD_TOGGLE_MUTE;
        break;
    case CONTROL_P_CHAT:
        if (L->st.chat_on != r->b)
            c.kind = UI_CMD_TOGGLE_CHAT;
        break;
    case CONTROL_P_FULLSCREEN:
        if (window_is_fullscreen(L->win) != r->b)
            c.kind = UI_CMD_TOGGLE_FULLSCREEN;
        break;
    case CONTROL_P_LAYOUT: {
        int want = layout_target(r->str);
        if (want < 0)
            return CONTROL_E_INVALID;
        c.kind = UI_CMD_CYCLE_LAYOUT;
        for (int i = 0; i <= ENGINE_UI_PRESETS && L->st.layout_index != want; i++)
            handle(L, &c, now);
        return L->st.layout_index == want ? NULL : CONTROL_E_UNAVAIL;
    }
    default:
        return CONTROL_E_RDONLY;
    }
    if (c.kind != UI_CMD_NONE)
        handle(L, &c, now);
    return NULL;
}

/* Carries out one request and answers it. */
static void control_one(struct loop *L, uint64_t client, const struct control_req *r, int64_t now)
{
    struct control_server *srv = L->o->control;
    const char *err = NULL;
    char *data = NULL;
    struct ui_cmd c;
    switch (r->op) {
    case CONTROL_SEEK:
        c = (struct ui_cmd){.kind = r->relative ? UI_CMD_SEEK_REL : UI_CMD_SEEK_ABS,
                            .us = r->us}; /* whole ms: the wire's */
        handle(L, &c, now);
        break;
    case CONTROL_SET:
        err = control_set(L, r, now);
        break;
    case CONTROL_GET: {
        struct control_state cs;
        refresh_state(L);
        control_state_of(L, &cs);
        data = control_prop_json(&cs, r->prop);
        break;
    }
    case CONTROL_OBSERVE:
        if (control_server_observe(srv, client, r->observe_id, r->prop) < 0)
            err = CONTROL_E_LIMIT;
        break;
    case CONTROL_UNOBSERVE:
        control_server_unobserve(srv, client, r->observe_id);
        break;
    case CONTROL_SCREENSHOT:
        refresh_state(L);
        if (screenshot(L, now, r->str) < 0)
            err = CONTROL_E_FAILED;
        else
            data = control_json_string(L->shot);
        break;
    case CONTROL_LOAD: {
        struct player_ui ui;
        int rc = L->o->load ? L->o->load(L->o->load_opaque, r->str, &ui) : SP_EUNSUPPORTED;
        if (rc < 0) {
            SP_WARN(&lg, "load %s: %s", r->str, sp_strerror(rc));
            err = CONTROL_E_FAILED;
            break;
        }
        L->ui_now = ui;
        if (L->ui->resize && (L->cw != L->o->canvas_w || L->ch != L->o->canvas_h) &&
            L->ui->resize(L->ui->opaque, L->cw, L->ch) < 0)
            SP_WARN(&lg, "load %s: not laid out for %dx%d", r->str, L->cw, L->ch);
        snprintf(L->source, sizeof(L->source), "%s", r->str);
        if (L->o->autoplay || L->o->kiosk) {
            c = (struct ui_cmd){.kind = UI_CMD_SET_PAUSE, .n = 0};
            L->ui->apply(L->ui->opaque, &c);
        }
        refresh_state(L);
        L->need_compose = L->need_present = L->state_dirty = true;
        break;
    }
    case CONTROL_QUIT:
        L->quit = true;
        break;
    default:
        err = CONTROL_E_UNKNOWN;
        break;
    }
    /* what the reply says is in the state file already */
    if (L->state_dirty)
        write_state(L, now);
    control_server_answer(srv, client, r, err, data);
    free(data);
    /* an observation's first value is the one at its reply, before the
     * next request changes it */
    if (r->op == CONTROL_OBSERVE) {
        struct control_state cs;
        control_state_of(L, &cs);
        control_server_publish(srv, &cs, now * 1000); /* now: loop_now_ms() */
    }
}

static void control_pass(struct loop *L, int64_t now)
{
    uint64_t client;
    struct control_req *r = malloc(sizeof(*r)); /* 4 KB: not on the stack every pass */
    for (int n = 0;
         r && n < MAX_BATCH && !L->quit && control_server_next(L->o->control, &client, r); n++)
        control_one(L, client, r, now);
    free(r);
    struct control_state cs;
    control_state_of(L, &cs);
    control_server_publish(L->o->control, &cs, now * 1000);
}

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

/* The window's size settled: the canvas takes its drawable size (within
 * layout_canvas_for_window()'s bounds) and the engine lays the class out
 * for it. Fullscreen and kiosk keep the canvas they have (scaled into the
 * screen with bars, docs/layouts.md), and so does an engine without a
 * resize callback. */
static void set_canvas(struct loop *L, int w, int h, int dw, int dh);

static void apply_resize(struct loop *L)
{
    L->resize_pending = false;
    if (!L->ui->resize || window_is_fullscreen(L->win))
        return;
    int dw, dh, w, h;
    window_drawable_size(L->win, &dw, &dh);
    if (dw < 1 || dh < 1)
        return; /* minimised */
    layout_canvas_for_window(dw, dh, &w, &h);
    set_canvas(L, w, h, dw, dh);
}

/* Starting fullscreen with no size asked for (fit_screen): the class is
 * laid out for the screen's shape (layout_canvas_for_screen()), so a
 * portrait kiosk is arranged for portrait and no screen shows bars. */
static void fit_screen(struct loop *L)
{
    int sw, sh, w, h;
    if (!L->o->fit_screen || !L->ui->resize || !window_is_fullscreen(L->win) ||
        window_screen_size(L->win, &sw, &sh) != 0)
        return;
    layout_canvas_for_screen(L->cw, L->ch, sw, sh, &w, &h);
    set_canvas(L, w, h, sw, sh);
}

/* The canvas becomes w x h (the window or screen dw x dh) and the engine
 * lays the class out for it; on a failure the old canvas stays. */
static void set_canvas(struct loop *L, int w, int h, int dw, int dh)
{
    if (w == L->cw && h == L->ch)
        return;
    struct canvas *frame = NULL, *out = NULL;
    int rc = canvas_create(&frame, w, h);
    if (rc == 0)
        rc = canvas_create(&out, w, h);
    if (rc == 0 && (rc = L->ui->resize(L->ui->opaque, w, h)) == 0 &&
        (rc = window_set_canvas(L->win, w, h)) != 0)
        L->ui->resize(L->ui->opaque, L->cw, L->ch); /* back to the size the window still has */
    if (rc != 0) {
        SP_WARN(&lg, "the canvas stays %dx%d (window %dx%d): %s", L->cw, L->ch, dw, dh,
                sp_strerror(rc));
        canvas_destroy(&frame);
        canvas_destroy(&out);
        return;
    }
    SP_DBG(&lg, "canvas %dx%d -> %dx%d (window %dx%d)", L->cw, L->ch, w, h, dw, dh);
    canvas_destroy(&L->frame);
    canvas_destroy(&L->out);
    L->frame = frame;
    L->out = out;
    L->cw = w;
    L->ch = h;
    L->thumb_ok = false; /* a thumbnail of the new size is drawn on the next hover */
    refresh_state(L);
    L->need_compose = L->need_present = L->state_dirty = true;
}

/* Time the loop would wait makes the thumbnails' rasters ahead, a few ms
 * at a time so that input and frames stay prompt. Returns the wait left:
 * none while there is more to do, so the loop comes back to it. */
static int64_t thumb_idle(struct loop *L, int64_t timeout_ms)
{
    const struct pui_state *s = &L->st;
    if (!L->ui->thumb_idle || L->thumb_idle_failed || L->o->kiosk || s->thumb_w < 1 ||
        s->thumb_h < 1 || timeout_ms < WINDOW_LOOP_IDLE_MIN_MS)
        return timeout_ms;
    int64_t budget = min64(timeout_ms * 1000 / 4, WINDOW_LOOP_IDLE_BUDGET_US);
    int64_t t0 = loop_now_ms();
    int r = L->ui->thumb_idle(L->ui->opaque, s->thumb_w, s->thumb_h, budget);
    if (r == 1)
        return 1;
    if (r < 0) {
        SP_WARN(&lg, "hover thumbnails are no longer made ahead: %s", sp_strerror(r));
        L->thumb_idle_failed = true;
    }
    int64_t left = timeout_ms - (loop_now_ms() - t0);
    return left < 1 ? 1 : left;
}

static int run(struct loop *L)
{
    const struct window_loop_opts *o = L->o;
    int64_t now = loop_now_ms();
    L->last_input_ms = now;
    L->in.kiosk = o->kiosk;
    L->in.osd_enabled = !o->kiosk;
    fit_screen(L);
    set_osd_area(L);
    if (o->autoplay || o->kiosk) {
        struct ui_cmd play = {.kind = UI_CMD_SET_PAUSE, .n = 0};
        L->ui->apply(L->ui->opaque, &play);
    }
    refresh_state(L);
    L->need_compose = L->need_present = L->state_dirty = true;
    while (!L->quit) {
        if (o->stop && o->stop(o->stop_opaque))
            break;
        int64_t wait_us = 100000;
        int r = L->ui->step(L->ui->opaque, &wait_us);
        if (r == SP_EEOF) {
            struct ui_cmd c = {.kind = UI_CMD_SET_PAUSE, .n = 1};
            if (o->loop || o->kiosk)
                c = (struct ui_cmd){.kind = UI_CMD_HOME};
            L->ui->apply(L->ui->opaque, &c);
            if (o->loop || o->kiosk) {
                c = (struct ui_cmd){.kind = UI_CMD_SET_PAUSE, .n = 0};
                L->ui->apply(L->ui->opaque, &c);
            }
            L->state_dirty = true;
            r = 1;
        } else if (r < 0) {
            SP_ERR(&lg, "playback stopped: %s", sp_strerror(r));
            return r;
        }
        now = loop_now_ms();
        refresh_state(L);
        if (r == 1) {
            L->need_compose = L->need_present = true;
            /* paused, a new picture is news (a seek's frames arriving);
             * playing, the periodic write covers it */
            if (L->st.paused)
                L->state_dirty = true;
        }
        double a = osd_alpha(L, now);
        if (a != L->alpha || (a > 0 && L->st.t_us / 1000000 != L->last_osd_second))
            L->need_present = true;
        if (L->message[0] && now >= L->message_until_ms) {
            L->message[0] = '\0';
            L->screenshot_path[0] = '\0';
            L->need_present = true;
        }
        if (L->need_present || L->need_compose) {
            int rc = present(L, now);
            if (rc < 0 && rc != SP_EIO)
                return rc;
        }
        if (L->state_dirty ||
            (!L->st.paused && now - L->state_written_ms >= WINDOW_LOOP_STATE_EVERY_MS))
            write_state(L, now);

        /* the one wait: up to the nearest deadline */
        int64_t timeout = (wait_us + 999) / 1000;
        timeout = min64(timeout, ceil_ms(window_update_cursor(L->win, now * 1000)));
        int64_t idle = now - L->last_input_ms;
        if (!o->kiosk && idle < WINDOW_LOOP_OSD_IDLE_MS)
            timeout = min64(timeout, WINDOW_LOOP_OSD_IDLE_MS - idle);
        else if (!o->kiosk && idle < WINDOW_LOOP_OSD_IDLE_MS + WINDOW_LOOP_OSD_FADE_MS)
            timeout = min64(timeout, 16); /* fading: about 60 steps a second */
        if (L->message[0])
            timeout = min64(timeout, L->message_until_ms - now);
        if (L->resize_pending)
            timeout = min64(timeout, L->resize_at_ms - now);
        if (o->state_file && !L->st.paused)
            timeout = min64(timeout, WINDOW_LOOP_STATE_EVERY_MS);
        if (o->stop)
            timeout = min64(timeout, WINDOW_LOOP_STOP_POLL_US / 1000); /* the wait is in ms */
        if (timeout < 1)
            timeout = 1;
        timeout = thumb_idle(L, timeout);

        struct ui_cmd cmds[MAX_BATCH];
        int n = 0;
        SDL_Event ev;
        int got = window_wait_event(L->win, timeout * 1000, &ev);
        while (got) {
            if (ev.type == SDL_WINDOWEVENT || ev.type == SDL_DISPLAYEVENT) {
                L->need_present = true; /* exposed or resized: show it again */
                window_refit(L->win);
            }
            if (ev.type == SDL_WINDOWEVENT && ev.window.event == SDL_WINDOWEVENT_SIZE_CHANGED) {
                L->resize_pending = true;
                L->resize_at_ms = loop_now_ms() + WINDOW_LOOP_RESIZE_SETTLE_MS;
            }
            if (n + INPUT_MAX_CMDS <= MAX_BATCH)
                n += input_map(&L->in, &ev, &cmds[n]);
            if (n + INPUT_MAX_CMDS > MAX_BATCH)
                break;
            got = window_wait_event(L->win, 0, &ev);
        }
        now = loop_now_ms();
        handle_batch(L, cmds, n, now);
        if (L->resize_pending && loop_now_ms() >= L->resize_at_ms)
            apply_resize(L);
        if (o->control)
            control_pass(L, loop_now_ms());
    }
    if (L->state_dirty)
        write_state(L, loop_now_ms());
    return 0;
}

int window_loop_run(const struct window_loop_opts *o, const struct player_ui *ui)
{
    if (!o || !ui || !ui->step || !ui->draw || !ui->apply || !ui->get_state)
        return SP_EINVAL;
    struct loop L;
    memset(&L, 0, sizeof(L));
    L.o = o;
    L.ui_now = *ui;
    L.ui = &L.ui_now;
    L.alpha = -1;
    L.thumb_t_ms = -1;
    L.cw = o->canvas_w;
    L.ch = o->canvas_h;
    snprintf(L.source, sizeof(L.source), "%s", o->source ? o->source : "");
    struct window_opts wo = {o->title, o->canvas_w, o->canvas_h, o->fullscreen || o->kiosk,
                             o->kiosk};
    int rc = window_create(&wo, &L.win);
    if (rc < 0)
        return rc;
    SP_DBG(&lg, "startup: window and renderer made at %lld us", (long long)sp_os_mono_us());
    rc = canvas_create(&L.frame, o->canvas_w, o->canvas_h);
    if (rc == 0)
        rc = canvas_create(&L.out, o->canvas_w, o->canvas_h);
    if (rc == 0)
        rc = run(&L);
    if (L.ui->leave) /* the engine's threads wind down while the window goes */
        L.ui->leave(L.ui->opaque);
    int64_t t0 = sp_os_mono_us();
    canvas_destroy(&L.frame);
    canvas_destroy(&L.out);
    canvas_destroy(&L.thumb);
    window_destroy(&L.win);
    SP_DBG(&lg, "window closed in %lld us", (long long)(sp_os_mono_us() - t0));

    return rc;
}
