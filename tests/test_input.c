/* Tests for ui/input: keys and mouse events to commands, built from
 * SDL_Event structs (no window, no video driver). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "ui/input.h"

static SDL_Event key(SDL_Keycode sym, Uint16 mod, bool repeat)
{
    SDL_Event e;
    memset(&e, 0, sizeof(e));
    e.type = SDL_KEYDOWN;
    e.key.keysym.sym = sym;
    e.key.keysym.mod = mod;
    e.key.repeat = repeat;
    return e;
}

static SDL_Event button(Uint32 type, int x, int y, int clicks)
{
    SDL_Event e;
    memset(&e, 0, sizeof(e));
    e.type = type;
    e.button.button = SDL_BUTTON_LEFT;
    e.button.x = x;
    e.button.y = y;
    e.button.clicks = (Uint8)clicks;
    return e;
}

static SDL_Event motion(int x, int y)
{
    SDL_Event e;
    memset(&e, 0, sizeof(e));
    e.type = SDL_MOUSEMOTION;
    e.motion.x = x;
    e.motion.y = y;
    return e;
}

static struct input_ctx ctx_for(bool kiosk)
{
    struct input_ctx c;
    memset(&c, 0, sizeof(c));
    c.kiosk = kiosk;
    c.osd_enabled = !kiosk;
    osd_geometry(1280, 720, &c.geom);
    c.duration_us = 60000000;
    c.chat = (struct canvas_rect){960, 0, 320, 600};
    return c;
}

static struct ui_cmd one(struct input_ctx *c, SDL_Event e)
{
    struct ui_cmd out[INPUT_MAX_CMDS];
    int n = input_map(c, &e, out);
    assert_true(n <= 1);
    if (n == 0)
        out[0].kind = UI_CMD_NONE;
    return out[0];
}

static void test_keys(void **state)
{
    (void)state;
    struct input_ctx c = ctx_for(false);
    struct {
        SDL_Keycode sym;
        Uint16 mod;
        enum ui_cmd_kind kind;
        int64_t ms; /* the offset the key seeks by, ms as docs/keys.md gives it */
        int n;
    } cases[] = {
        {SDLK_SPACE, 0, UI_CMD_TOGGLE_PAUSE, 0, 0},
        {SDLK_LEFT, 0, UI_CMD_SEEK_REL, -5000, 0},
        {SDLK_RIGHT, 0, UI_CMD_SEEK_REL, 5000, 0},
        {SDLK_LEFT, KMOD_LSHIFT, UI_CMD_SEEK_REL, -1000, 0},
        {SDLK_RIGHT, KMOD_RSHIFT, UI_CMD_SEEK_REL, 1000, 0},
        {SDLK_UP, 0, UI_CMD_SEEK_REL, 60000, 0},
        {SDLK_DOWN, 0, UI_CMD_SEEK_REL, -60000, 0},
        {SDLK_LEFTBRACKET, 0, UI_CMD_SPEED_DOWN, 0, 0},
        {SDLK_RIGHTBRACKET, 0, UI_CMD_SPEED_UP, 0, 0},
        {SDLK_BACKSPACE, 0, UI_CMD_SPEED_RESET, 0, 0},
        {SDLK_PERIOD, 0, UI_CMD_FRAME_STEP, 0, 1},
        {SDLK_COMMA, 0, UI_CMD_FRAME_STEP, 0, -1},
        {SDLK_c, 0, UI_CMD_TOGGLE_CHAT, 0, 0},
        {SDLK_l, 0, UI_CMD_CYCLE_LAYOUT, 0, 0},
        {SDLK_f, 0, UI_CMD_TOGGLE_FULLSCREEN, 0, 0},
        {SDLK_m, 0, UI_CMD_TOGGLE_MUTE, 0, 0},
        {SDLK_9, 0, UI_CMD_VOLUME, 0, -INPUT_VOLUME_STEP},
        {SDLK_0, 0, UI_CMD_VOLUME, 0, INPUT_VOLUME_STEP},
        {SDLK_s, 0, UI_CMD_SCREENSHOT, 0, 0},
        {SDLK_q, 0, UI_CMD_QUIT, 0, 0},
        {SDLK_ESCAPE, 0, UI_CMD_QUIT, 0, 0},
        {SDLK_HOME, 0, UI_CMD_HOME, 0, 0},
        {SDLK_END, 0, UI_CMD_END, 0, 0},
        {SDLK_i, 0, UI_CMD_TOGGLE_STATS, 0, 0},
        /* caps lock / num lock do not change a binding */
        {SDLK_SPACE, KMOD_CAPS | KMOD_NUM, UI_CMD_TOGGLE_PAUSE, 0, 0},
        /* unbound keys and unbound modifier combinations do nothing */
        {SDLK_z, 0, UI_CMD_NONE, 0, 0},
        {SDLK_c, KMOD_LCTRL, UI_CMD_NONE, 0, 0},
        {SDLK_UP, KMOD_LSHIFT, UI_CMD_NONE, 0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ui_cmd cmd = one(&c, key(cases[i].sym, cases[i].mod, false));
        if (cmd.kind != cases[i].kind)
            fail_msg("case %zu: key %d mod %d gave %s, expected %s", i, (int)cases[i].sym,
                     cases[i].mod, ui_cmd_name(cmd.kind), ui_cmd_name(cases[i].kind));
        assert_int_equal(cmd.us, cases[i].ms * 1000);
        assert_int_equal(cmd.n, cases[i].n);
    }
}

/* C opens the chapter list; while it is open Up / Down move in it, Enter
 * goes, Esc closes, a click on it picks; closed, those keys keep their
 * meaning. */
static void test_chapter_list(void **state)
{
    (void)state;
    struct input_ctx c = ctx_for(false);
    assert_int_equal(one(&c, key(SDLK_c, KMOD_LSHIFT, false)).kind, UI_CMD_CHAPTER_LIST);
    assert_int_equal(one(&c, key(SDLK_c, 0, false)).kind, UI_CMD_TOGGLE_CHAT);
    struct ui_cmd u = one(&c, key(SDLK_UP, 0, false));
    assert_int_equal(u.kind, UI_CMD_SEEK_REL);
    c.chapters_open = true; /* the loop's state after the toggle */
    c.chapter_box = (struct canvas_rect){16, 56, 520, 300};
    u = one(&c, key(SDLK_UP, 0, false));
    assert_int_equal(u.kind, UI_CMD_CHAPTER_MOVE);
    assert_int_equal(u.n, -1);
    u = one(&c, key(SDLK_DOWN, 0, true));
    assert_int_equal(u.kind, UI_CMD_CHAPTER_MOVE);
    assert_int_equal(u.n, 1);
    assert_int_equal(one(&c, key(SDLK_RIGHT, 0, false)).kind, UI_CMD_SEEK_REL); /* unchanged */
    u = one(&c, button(SDL_MOUSEBUTTONDOWN, 100, 200, 1));
    assert_int_equal(u.kind, UI_CMD_CHAPTER_CLICK);
    assert_int_equal(u.y, 200);
    assert_int_equal(one(&c, key(SDLK_RETURN, 0, false)).kind, UI_CMD_CHAPTER_GO);
    assert_false(c.chapters_open);
    c.chapters_open = true;
    assert_int_equal(one(&c, key(SDLK_ESCAPE, 0, false)).kind, UI_CMD_CHAPTER_LIST);
    assert_false(c.chapters_open);
    assert_int_equal(one(&c, key(SDLK_ESCAPE, 0, false)).kind, UI_CMD_QUIT); /* closed: quits */
    /* typing in the search field wins over the list */
    c.chapters_open = c.search_open = c.search_editing = true;
    assert_int_equal(one(&c, key(SDLK_ESCAPE, 0, false)).kind, UI_CMD_SEARCH_CLOSE);
}

static void test_repeat(void **state)
{
    (void)state;
    struct input_ctx c = ctx_for(false);
    /* holding an arrow keeps seeking; holding space does not flicker */
    assert_int_equal(one(&c, key(SDLK_RIGHT, 0, true)).kind, UI_CMD_SEEK_REL);
    assert_int_equal(one(&c, key(SDLK_SPACE, 0, true)).kind, UI_CMD_NONE);
    assert_int_equal(one(&c, key(SDLK_f, 0, true)).kind, UI_CMD_NONE);
    assert_int_equal(one(&c, key(SDLK_PERIOD, 0, true)).kind, UI_CMD_FRAME_STEP);
}

static void test_table_sane(void **state)
{
    (void)state;
    size_t n = 0;
    const struct input_binding *b = input_bindings(&n);
    assert_true(n >= 20);
    for (size_t i = 0; i < n; i++) {
        assert_non_null(b[i].key);
        assert_true(b[i].kind > UI_CMD_NONE && b[i].kind < UI_CMD__COUNT);
        assert_string_not_equal(ui_cmd_name(b[i].kind), "?");
        for (size_t j = 0; j < i; j++)
            assert_false(b[j].sym == b[i].sym && b[j].mods == b[i].mods); /* no dead entry */
    }
    assert_string_equal(ui_cmd_name(UI_CMD_SEEK_REL), "seek-rel");
    assert_string_equal(ui_cmd_name((enum ui_cmd_kind)UI_CMD__COUNT), "?");
}

/* The sync-correction keys (docs/offsets.md) are new chords; the keys that
 * were there keep their meaning. */
static void test_offset_keys(void **state)
{
    (void)state;
    struct input_ctx c = ctx_for(false);
    struct ui_cmd k = one(&c, key(SDLK_TAB, 0, false));
    assert_int_equal(k.kind, UI_CMD_LANE_SELECT);
    assert_int_equal(k.n, 1);
    k = one(&c, key(SDLK_TAB, KMOD_LSHIFT, false));
    assert_int_equal(k.kind, UI_CMD_LANE_SELECT);
    assert_int_equal(k.n, -1);
    k = one(&c, key(SDLK_LEFT, KMOD_LCTRL | KMOD_LSHIFT, true)); /* repeats */
    assert_int_equal(k.kind, UI_CMD_LANE_NUDGE);
    assert_int_equal(k.n, -1);
    assert_int_equal(k.us, 0);
    k = one(&c, key(SDLK_RIGHT, KMOD_RCTRL | KMOD_RSHIFT, false));
    assert_int_equal(k.kind, UI_CMD_LANE_NUDGE);
    assert_int_equal(k.n, 1);
    k = one(&c, key(SDLK_LEFT, KMOD_LALT | KMOD_LSHIFT, true));
    assert_int_equal(k.kind, UI_CMD_LANE_NUDGE);
    assert_int_equal(k.n, 0);
    assert_int_equal(k.us, -10000); /* 10 ms */
    k = one(&c, key(SDLK_RIGHT, KMOD_LALT | KMOD_LSHIFT, false));
    assert_int_equal(k.us, 10000);
    assert_int_equal(one(&c, key(SDLK_w, 0, false)).kind, UI_CMD_WRITE_OFFSETS);
    /* unchanged */
    assert_int_equal(one(&c, key(SDLK_LEFT, KMOD_LCTRL, false)).kind, UI_CMD_NAV_STEP);
    assert_int_equal(one(&c, key(SDLK_LEFT, KMOD_LALT, false)).kind, UI_CMD_NAV_STEP);
    k = one(&c, key(SDLK_LEFT, KMOD_LSHIFT, false));
    assert_int_equal(k.kind, UI_CMD_SEEK_REL);
    assert_int_equal(k.us, -INPUT_SEEK_SMALL_US);
}

static void test_kiosk(void **state)
{
    (void)state;
    struct input_ctx c = ctx_for(true);
    size_t n = 0;
    const struct input_binding *b = input_bindings(&n);
    for (size_t i = 0; i < n; i++) {
        Uint16 mod = (b[i].mods & INPUT_MOD_SHIFT) ? KMOD_LSHIFT : 0;
        assert_int_equal(one(&c, key(b[i].sym, mod, false)).kind, UI_CMD_NONE);
    }
    /* mouse: nothing, not even the bar or a double click */
    struct osd_geom g = c.geom;
    assert_int_equal(one(&c, button(SDL_MOUSEBUTTONDOWN, g.bar.x + 10, g.bar.y, 1)).kind,
                     UI_CMD_NONE);
    assert_int_equal(one(&c, button(SDL_MOUSEBUTTONDOWN, 300, 300, 2)).kind, UI_CMD_NONE);
    assert_int_equal(one(&c, motion(5, 5)).kind, UI_CMD_NONE);
    /* the chord quits, with either ctrl and alt */
    assert_int_equal(one(&c, key(SDLK_q, KMOD_LCTRL | KMOD_LALT, false)).kind, UI_CMD_QUIT);
    assert_int_equal(one(&c, key(SDLK_q, KMOD_RCTRL | KMOD_RALT, false)).kind, UI_CMD_QUIT);
    assert_int_equal(one(&c, key(SDLK_q, KMOD_LCTRL, false)).kind, UI_CMD_NONE);
    /* a window close or SIGTERM still ends the program */
    SDL_Event e;
    memset(&e, 0, sizeof(e));
    e.type = SDL_QUIT;
    assert_int_equal(one(&c, e).kind, UI_CMD_QUIT);
}

static void test_bar_click_and_drag(void **state)
{
    (void)state;
    struct input_ctx c = ctx_for(false);
    struct osd_geom g = c.geom;
    int y = g.bar.y + 1;
    int x0 = osd_bar_x_of(&g, 60000, 15000);
    struct ui_cmd cmd = one(&c, button(SDL_MOUSEBUTTONDOWN, x0, y, 1));
    assert_int_equal(cmd.kind, UI_CMD_SEEK_ABS);
    assert_int_equal(cmd.us, osd_bar_time_at(&g, 60000000, x0));
    assert_true(cmd.scrub);
    assert_true(c.dragging);
    /* motion while dragging scrubs, even off the bar's height and past its end */
    struct ui_cmd out[INPUT_MAX_CMDS];
    SDL_Event m = motion(g.bar.x + g.bar.w + 40, 100);
    assert_int_equal(input_map(&c, &m, out), 2);
    assert_int_equal(out[0].kind, UI_CMD_MOUSE_MOVE);
    assert_int_equal(out[1].kind, UI_CMD_SEEK_ABS);
    assert_int_equal(out[1].us, 60000000);
    assert_true(out[1].scrub);
    /* release: an exact seek where it ends */
    cmd = one(&c, button(SDL_MOUSEBUTTONUP, g.bar.x - 5, 100, 1));
    assert_int_equal(cmd.kind, UI_CMD_SEEK_ABS);
    assert_int_equal(cmd.us, 0);
    assert_false(cmd.scrub);
    assert_false(c.dragging);
    /* motion without a drag only moves the pointer */
    m = motion(400, 400);
    assert_int_equal(input_map(&c, &m, out), 1);
    assert_int_equal(out[0].kind, UI_CMD_MOUSE_MOVE);
    assert_int_equal(out[0].x, 400);
    /* release without a press does nothing */
    assert_int_equal(one(&c, button(SDL_MOUSEBUTTONUP, x0, y, 1)).kind, UI_CMD_NONE);
    /* the play button */
    cmd = one(&c, button(SDL_MOUSEBUTTONDOWN, g.button.x + 2, g.button.y + 2, 1));
    assert_int_equal(cmd.kind, UI_CMD_TOGGLE_PAUSE);
    /* no bar when the OSD is off */
    c.osd_enabled = false;
    assert_int_equal(one(&c, button(SDL_MOUSEBUTTONDOWN, x0, y, 1)).kind, UI_CMD_NONE);
}

static void test_double_click_wheel_chat(void **state)
{
    (void)state;
    struct input_ctx c = ctx_for(false);
    assert_int_equal(one(&c, button(SDL_MOUSEBUTTONDOWN, 300, 300, 1)).kind, UI_CMD_NONE);
    assert_int_equal(one(&c, button(SDL_MOUSEBUTTONDOWN, 300, 300, 2)).kind,
                     UI_CMD_TOGGLE_FULLSCREEN);
    struct ui_cmd cmd = one(&c, button(SDL_MOUSEBUTTONDOWN, 1000, 200, 1));
    assert_int_equal(cmd.kind, UI_CMD_SEEK_TO_CHAT_ITEM);
    assert_int_equal(cmd.x, 1000);
    assert_int_equal(cmd.y, 200);

    SDL_Event w;
    memset(&w, 0, sizeof(w));
    w.type = SDL_MOUSEWHEEL;
    w.wheel.y = 1;
    /* the pointer is over the chat (last press at 1000, 200): scroll back */
    cmd = one(&c, w);
    assert_int_equal(cmd.kind, UI_CMD_SCROLL_CHAT);
    assert_true(cmd.n > 0);
    w.wheel.direction = SDL_MOUSEWHEEL_FLIPPED;
    assert_true(one(&c, w).n < 0);
    /* elsewhere the wheel does nothing */
    struct ui_cmd out[INPUT_MAX_CMDS];
    SDL_Event m = motion(100, 100);
    input_map(&c, &m, out);
    assert_int_equal(one(&c, w).kind, UI_CMD_NONE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_repeat),
        cmocka_unit_test(test_chapter_list),
        cmocka_unit_test(test_table_sane),
        cmocka_unit_test(test_offset_keys),
        cmocka_unit_test(test_kiosk),
        cmocka_unit_test(test_bar_click_and_drag),
        cmocka_unit_test(test_double_click_wheel_chat),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
