/* input.h - SDL events to commands: the key and mouse bindings.
 *
 * A pure, table-driven map (no window needed: tests build SDL_Event
 * structs). Keys follow mpv where mpv has a binding (docs/keys.md lists
 * them all): space pause, left/right 5 s, shift+left/right 1 s, up/down
 * 60 s, [ ] speed, backspace speed 1, . , frame step, m mute, 9 0 volume,
 * s screenshot, q/Esc quit, f fullscreen, i stats; ours: c chat, l layout,
 * Home/End.
 *
 * Mouse (coordinates are canvas pixels: the window's logical size is the
 * canvas, so SDL has already undone the scaling and letterbox): a press on
 * the seek bar seeks there and starts a drag; while dragging, motion seeks
 * (scrub = true) and the release seeks exactly; a press on the play button
 * toggles pause; a double click elsewhere toggles fullscreen; the wheel
 * over the chat panel scrolls it; a click in the chat panel asks to seek
 * to the item there; every motion reports MOUSE_MOVE (shows the OSD).
 *
 * Kiosk: every key and mouse input is ignored except the exit chord
 * Ctrl+Alt+Q (INPUT_KIOSK_CHORD_DOC), which quits. A window close or a
 * SIGTERM/SIGINT (SDL_QUIT) quits in every mode.
 */
#ifndef SP_RENDER_INPUT_H
#define SP_RENDER_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <SDL.h>

#include "render/osd.h"
#include "ui/ui_cmd.h"

#define INPUT_KIOSK_CHORD_DOC "Ctrl+Alt+Q"
#define INPUT_SEEK_SMALL_US 1000000 /* shift+Left / shift+Right */
#define INPUT_SEEK_US 5000000       /* Left / Right */
#define INPUT_SEEK_BIG_US 60000000  /* Up / Down */
#define INPUT_VOLUME_STEP 5         /* percent */
#define INPUT_MAX_CMDS 2            /* commands one event can produce */

/* Modifier classes a binding asks for (exact match on these three). */
enum { INPUT_MOD_NONE = 0, INPUT_MOD_SHIFT = 1, INPUT_MOD_CTRL = 2, INPUT_MOD_ALT = 4 };

struct input_binding {
    SDL_Keycode sym;
    unsigned mods; /* INPUT_MOD_* bits that must be down (and no others) */
    enum ui_cmd_kind kind;
    int64_t us;      /* SEEK_REL offset, LANE_NUDGE extra (µs); NAV_STEP: the track */
    int n;           /* FRAME_STEP, VOLUME */
    bool repeat;     /* acts on key auto-repeat too */
    const char *key; /* for docs and help: "shift+Left" */
};

/* What the map needs to know about the screen; the caller keeps it up to
 * date (geom for the canvas size, duration, chat panel rectangle). */
struct input_ctx {
    bool kiosk;
    bool osd_enabled;        /* the bar can be clicked (off in kiosk) */
    struct osd_geom geom;    /* OSD geometry of the canvas */
    int64_t duration_us;     /* the bar's: TotalTime */
    struct canvas_rect chat; /* the chat panel; w <= 0: none shown */
    bool search_open;        /* the chat search field is shown (n / N / Esc act on it) */
    bool search_editing;     /* ... and takes the typing (text input, Enter, Backspace, Esc) */
    bool chapters_open;      /* the chapter list is shown (Up, Down, Enter, Esc act on it) */
    struct canvas_rect chapter_box; /* ... here (clicks on it pick a chapter) */
    /* kept by input_map(): */
    bool eat_slash;       /* the "/" that opened the search arrives as text next: drop it */
    bool dragging;        /* a press on the bar has not been released */
    int mouse_x, mouse_y; /* last known pointer position (canvas) */
};

/* The key table (static; n entries). */
const struct input_binding *input_bindings(size_t *n);

/* Maps one event to at most INPUT_MAX_CMDS commands in out[]; returns how
 * many (0: nothing to do). Updates ctx's drag and pointer fields. */
int input_map(struct input_ctx *ctx, const SDL_Event *ev, struct ui_cmd out[INPUT_MAX_CMDS]);

#endif
