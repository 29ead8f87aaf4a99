/* input.c - SDL events to commands (see input.h). */
#include "ui/input.h"

#include "player/navigate.h"

#include <stdio.h>
#include <string.h>

const char *ui_cmd_name(enum ui_cmd_kind kind)
{
    static const char *const names[] = {
#define UI_CMD_NAME(name, text) text,
        UI_CMD_MAP(UI_CMD_NAME)
#undef UI_CMD_NAME
    };
    if ((int)kind < 0 || kind >= UI_CMD__COUNT)
        return "?";
    return names[kind];
}

#define S INPUT_MOD_SHIFT
#define C INPUT_MOD_CTRL
#define A INPUT_MOD_ALT
#define LANE_KEYS(k, n)                                                                            \
    {k, 0, UI_CMD_LANE_MUTE, 0, n, false, #n},                                                     \
    {                                                                                              \
        k, S, UI_CMD_LANE_SOLO, 0, n, false, "Shift+" #n                                           \
    }
/* First match wins; mods must match exactly (shift+Left is not Left). */
static const struct input_binding bindings[] = {
    {SDLK_SPACE, 0, UI_CMD_TOGGLE_PAUSE, 0, 0, false, "Space"},
    {SDLK_p, 0, UI_CMD_TOGGLE_PAUSE, 0, 0, false, "p"},
    {SDLK_LEFT, 0, UI_CMD_SEEK_REL, -INPUT_SEEK_US, 0, true, "Left"},
    {SDLK_RIGHT, 0, UI_CMD_SEEK_REL, INPUT_SEEK_US, 0, true, "Right"},
    {SDLK_LEFT, S, UI_CMD_SEEK_REL, -INPUT_SEEK_SMALL_US, 0, true, "Shift+Left"},
    {SDLK_RIGHT, S, UI_CMD_SEEK_REL, INPUT_SEEK_SMALL_US, 0, true, "Shift+Right"},
    {SDLK_UP, 0, UI_CMD_SEEK_REL, INPUT_SEEK_BIG_US, 0, true, "Up"},
    {SDLK_DOWN, 0, UI_CMD_SEEK_REL, -INPUT_SEEK_BIG_US, 0, true, "Down"},
    {SDLK_LEFTBRACKET, 0, UI_CMD_SPEED_DOWN, 0, 0, true, "["},
    {SDLK_RIGHTBRACKET, 0, UI_CMD_SPEED_UP, 0, 0, true, "]"},
    {SDLK_BACKSPACE, 0, UI_CMD_SPEED_RESET, 0, 0, false, "Backspace"},
    {SDLK_PERIOD, 0, UI_CMD_FRAME_STEP, 0, 1, true, "."},
    {SDLK_COMMA, 0, UI_CMD_FRAME_STEP, 0, -1, true, ","},
    {SDLK_c, 0, UI_CMD_TOGGLE_CHAT, 0, 0, false, "c"},
    {SDLK_l, 0, UI_CMD_CYCLE_LAYOUT, 0, 0, false, "l"},
    {SDLK_f, 0, UI_CMD_TOGGLE_FULLSCREEN, 0, 0, false, "f"},
    {SDLK_m, 0, UI_CMD_TOGGLE_MUTE, 0, 0, false, "m"},
    {SDLK_9, 0, UI_CMD_VOLUME, 0, -INPUT_VOLUME_STEP, true, "9"},
    {SDLK_0, 0, UI_CMD_VOLUME, 0, INPUT_VOLUME_STEP, true, "0"},
    {SDLK_s, 0, UI_CMD_SCREENSHOT, 0, 0, false, "s"},
    {SDLK_i, 0, UI_CMD_TOGGLE_STATS, 0, 0, false, "i"},
    {SDLK_HOME, 0, UI_CMD_HOME, 0, 0, false, "Home"},
    {SDLK_END, 0, UI_CMD_END, 0, 0, false, "End"},
    {SDLK_q, 0, UI_CMD_QUIT, 0, 0, false, "q"},
    {SDLK_ESCAPE, 0, UI_CMD_QUIT, 0, 0, false, "Esc"},
    /* navigation (player/navigate.h); the track rides in the us field */
    {SDLK_PAGEUP, 0, UI_CMD_NAV_STEP, NAV_CHAPTERS, -1, false, "PgUp"},
    {SDLK_PAGEDOWN, 0, UI_CMD_NAV_STEP, NAV_CHAPTERS, 1, false, "PgDn"},
    {SDLK_RIGHT, C, UI_CMD_NAV_STEP, NAV_BOARD, 1, true, "Ctrl+Right"},
    {SDLK_LEFT, C, UI_CMD_NAV_STEP, NAV_BOARD, -1, true, "Ctrl+Left"},
    {SDLK_RIGHT, A, UI_CMD_NAV_STEP, NAV_CHAT, 1, true, "Alt+Right"},
    {SDLK_LEFT, A, UI_CMD_NAV_STEP, NAV_CHAT, -1, true, "Alt+Left"},
    {SDLK_UP, C, UI_CMD_NAV_STEP, NAV_PAUSES, 1, false, "Ctrl+Up"},
    {SDLK_DOWN, C, UI_CMD_NAV_STEP, NAV_PAUSES, -1, false, "Ctrl+Down"},
    {SDLK_SLASH, 0, UI_CMD_SEARCH_OPEN, 0, 0, false, "/"},
    {SDLK_c, INPUT_MOD_SHIFT, UI_CMD_CHAPTER_LIST, 0, 0, false, "C"},
    LANE_KEYS(SDLK_1, 1),
    LANE_KEYS(SDLK_2, 2),
    LANE_KEYS(SDLK_3, 3),
    LANE_KEYS(SDLK_4, 4),
    LANE_KEYS(SDLK_5, 5),
    LANE_KEYS(SDLK_6, 6),
    LANE_KEYS(SDLK_7, 7),
    LANE_KEYS(SDLK_8, 8),
    {SDLK_0, S, UI_CMD_LANE_SOLO, 0, 0, false, "Shift+0"},
    /* sync corrections (docs/offsets.md); select and nudge act while the
     * `i` overlay shows (the window loop checks) */
    {SDLK_TAB, 0, UI_CMD_LANE_SELECT, 0, 1, false, "Tab"},
    {SDLK_TAB, S, UI_CMD_LANE_SELECT, 0, -1, false, "Shift+Tab"},
    {SDLK_LEFT, C | S, UI_CMD_LANE_NUDGE, 0, -1, true, "Ctrl+Shift+Left"},
    {SDLK_RIGHT, C | S, UI_CMD_LANE_NUDGE, 0, 1, true, "Ctrl+Shift+Right"},
    {SDLK_LEFT, A | S, UI_CMD_LANE_NUDGE, -10000, 0, true, "Alt+Shift+Left"},
    {SDLK_RIGHT, A | S, UI_CMD_LANE_NUDGE, 10000, 0, true, "Alt+Shift+Right"},
    {SDLK_w, 0, UI_CMD_WRITE_OFFSETS, 0, 0, false, "w"},
};
#undef S
#undef C
#undef A
#undef LANE_KEYS

const struct input_binding *input_bindings(size_t *n)
{
    if (n)
        *n = sizeof(bindings) / sizeof(bindings[0]);
    return bindings;
}

static unsigned mod_class(Uint16 mod)
{
    unsigned m = 0;
    if (mod & KMOD_SHIFT)
        m |= INPUT_MOD_SHIFT;
    if (mod & KMOD_CTRL)
        m |= INPUT_MOD_CTRL;
    if (mod & KMOD_ALT)
        m |= INPUT_MOD_ALT;
    return m;
}

static int map_key(struct input_ctx *ctx, const SDL_KeyboardEvent *k, struct ui_cmd *out)
{
    unsigned mods = mod_class(k->keysym.mod);
    if (k->keysym.sym == SDLK_q && mods == (INPUT_MOD_CTRL | INPUT_MOD_ALT)) {
        out->kind = UI_CMD_QUIT; /* the kiosk exit chord works everywhere */
        return 1;
    }
    if (ctx->kiosk)
        return 0;
    if (ctx->search_open) { /* the field's keys come first; text arrives as SDL_TEXTINPUT */
        SDL_Keycode sym = k->keysym.sym;
        if (sym == SDLK_ESCAPE && !mods)
            out->kind = UI_CMD_SEARCH_CLOSE;
        else if ((sym == SDLK_RETURN || sym == SDLK_KP_ENTER) && !mods)
            out->kind = UI_CMD_SEARCH_STEP, out->n = 1;
        else if (ctx->search_editing && sym == SDLK_BACKSPACE && !mods)
            out->kind = UI_CMD_SEARCH_BACKSPACE;
        else if (!ctx->search_editing && sym == SDLK_n && (mods == 0 || mods == INPUT_MOD_SHIFT))
            out->kind = UI_CMD_SEARCH_STEP, out->n = mods ? -1 : 1;
        if (out->kind == UI_CMD_SEARCH_CLOSE)
            ctx->search_open = ctx->search_editing = false;
        if (out->kind == UI_CMD_SEARCH_STEP)
            ctx->search_editing = false; /* the loop's next state says the same */
        if (out->kind != UI_CMD_NONE || ctx->search_editing)
            return out->kind != UI_CMD_NONE; /* typing: no other key acts */
    }
    if (ctx->chapters_open && !ctx->search_editing) { /* the list's keys come first */
        SDL_Keycode sym = k->keysym.sym;
        if (sym == SDLK_ESCAPE && !mods)
            out->kind = UI_CMD_CHAPTER_LIST;
        else if ((sym == SDLK_RETURN || sym == SDLK_KP_ENTER) && !mods)
            out->kind = UI_CMD_CHAPTER_GO;
        else if ((sym == SDLK_UP || sym == SDLK_DOWN) && !mods)
            out->kind = UI_CMD_CHAPTER_MOVE, out->n = sym == SDLK_UP ? -1 : 1;
        if (out->kind == UI_CMD_CHAPTER_LIST || out->kind == UI_CMD_CHAPTER_GO)
            ctx->chapters_open = false; /* the loop's next state says the same */
        if (out->kind != UI_CMD_NONE)
            return 1;
    }
    for (size_t i = 0; i < sizeof(bindings) / sizeof(bindings[0]); i++) {
        const struct input_binding *b = &bindings[i];
        if (b->sym != k->keysym.sym || b->mods != mods)
            continue;
        if (k->repeat && !b->repeat)
            return 0;
        out->kind = b->kind;
        out->us = b->us;
        if (b->kind == UI_CMD_SEARCH_OPEN)
            ctx->search_open = ctx->search_editing = ctx->eat_slash = true;
        if (b->kind == UI_CMD_NAV_STEP)
            out->x = (int)b->us, out->us = 0;
        out->n = b->n;
        return 1;
    }
    return 0;
}

static bool in_rect(struct canvas_rect r, int x, int y)
{
    return r.w > 0 && r.h > 0 && x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h;
}

static struct ui_cmd mouse_cmd(enum ui_cmd_kind kind, int x, int y)
{
    struct ui_cmd c = {.kind = kind, .x = x, .y = y};
    return c;
}

int input_map(struct input_ctx *ctx, const SDL_Event *ev, struct ui_cmd out[INPUT_MAX_CMDS])
{
    memset(out, 0, sizeof(*out) * INPUT_MAX_CMDS);
    switch (ev->type) {
    case SDL_QUIT:
        out[0].kind = UI_CMD_QUIT;
        return 1;
    case SDL_KEYDOWN:
        return map_key(ctx, &ev->key, &out[0]);
    case SDL_TEXTINPUT:
        if (ctx->kiosk || !ctx->search_editing)
            return 0;
        if (ctx->eat_slash && !strcmp(ev->text.text, "/")) {
            ctx->eat_slash = false;
            return 0;
        }
        ctx->eat_slash = false;
        out[0].kind = UI_CMD_SEARCH_TEXT;
        snprintf(out[0].text, sizeof(out[0].text), "%s", ev->text.text);
        return 1;
    default:
        break;
    }
    if (ctx->kiosk)
        return 0;
    bool bar = ctx->osd_enabled && ctx->duration_us > 0;
    switch (ev->type) {
    case SDL_MOUSEMOTION: {
        int x = ev->motion.x, y = ev->motion.y, n = 0;
        ctx->mouse_x = x;
        ctx->mouse_y = y;
        out[n++] = mouse_cmd(UI_CMD_MOUSE_MOVE, x, y);
        if (ctx->dragging && bar) {
            out[n] = mouse_cmd(UI_CMD_SEEK_ABS, x, y);
            out[n].us = osd_bar_time_at(&ctx->geom, ctx->duration_us, x); /* whole ms */
            out[n++].scrub = true;
        }
        return n;
    }
    case SDL_MOUSEBUTTONDOWN: {
        int x = ev->button.x, y = ev->button.y;
        ctx->mouse_x = x;
        ctx->mouse_y = y;
        if (ev->button.button != SDL_BUTTON_LEFT)
            return 0;
        int64_t t = 0;
        if (bar && osd_bar_hit(&ctx->geom, ctx->duration_us, x, y, &t)) {
            ctx->dragging = true;
            out[0] = mouse_cmd(UI_CMD_SEEK_ABS, x, y);
            out[0].us = t; /* whole ms (osd.h) */
            out[0].scrub = true;
            return 1;
        }
        if (ctx->osd_enabled && osd_button_hit(&ctx->geom, x, y)) {
            if (ev->button.clicks != 1)
                return 0; /* a fast second click is a second press, not fullscreen */
            out[0].kind = UI_CMD_TOGGLE_PAUSE;
            return 1;
        }
        if (ctx->chapters_open && in_rect(ctx->chapter_box, x, y)) {
            out[0] = mouse_cmd(UI_CMD_CHAPTER_CLICK, x, y);
            return 1;
        }
        if (ev->button.clicks == 2) {
            out[0].kind = UI_CMD_TOGGLE_FULLSCREEN;
            return 1;
        }
        if (ev->button.clicks == 1 && in_rect(ctx->chat, x, y)) {
            out[0] = mouse_cmd(UI_CMD_SEEK_TO_CHAT_ITEM, x, y);
            return 1;
        }
        return 0;
    }
    case SDL_MOUSEBUTTONUP:
        if (ev->button.button != SDL_BUTTON_LEFT || !ctx->dragging)
            return 0;
        ctx->dragging = false;
        if (!bar)
            return 0;
        out[0] = mouse_cmd(UI_CMD_SEEK_ABS, ev->button.x, ev->button.y);
        out[0].us = osd_bar_time_at(&ctx->geom, ctx->duration_us, ev->button.x);
        out[0].scrub = false; /* the drag ends: land exactly */
        return 1;
    case SDL_MOUSEWHEEL: {
        if (!in_rect(ctx->chat, ctx->mouse_x, ctx->mouse_y))
            return 0;
        int dy = ev->wheel.y;
        if (ev->wheel.direction == SDL_MOUSEWHEEL_FLIPPED)
            dy = -dy;
        if (dy == 0)
            return 0;
        /* wheel up (away from the user) scrolls back to older messages */
        out[0] = mouse_cmd(UI_CMD_SCROLL_CHAT, ctx->mouse_x, ctx->mouse_y);
        out[0].n = dy * 3;
        return 1;
    }
    default:
        return 0;
    }
}
