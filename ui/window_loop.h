/* window_loop.h - the interactive play loop: window, input, OSD, engine.
 *
 * One pass (mpv's run_playloop shape, kept small): step the engine (it
 * gives a deadline), recompose if it has a new picture, draw the OSD and
 * the stats overlay over a copy, present, write the state file if asked,
 * then one wait for events up to the nearest deadline (engine, OSD fade,
 * cursor hide, message expiry); window_wake() from any thread ends the
 * wait early. Events become commands (ui/input.h); the loop handles
 * quit, fullscreen, stats, screenshots and mouse moves, and passes the rest
 * to the engine (ui/player_ui.h), the newest scrub seek only.
 *
 * The OSD shows on mouse movement and on commands, and fades out after
 * WINDOW_LOOP_OSD_IDLE_MS without either, as in mpv. Kiosk: no OSD, no messages, no cursor,
 * autoplay and loop, keys ignored but the exit chord.
 */
#ifndef SP_RENDER_WINDOW_LOOP_H
#define SP_RENDER_WINDOW_LOOP_H

#include <stdbool.h>

#include "ui/player_ui.h"

struct control_server;

/* The *_MS here are the loop's own deadlines: it runs on a ms clock (SDL's
 * unit) inside window_loop.c, and no API takes them (docs/architecture.md). */
#define WINDOW_LOOP_OSD_IDLE_MS 2000 /* OSD hides after this long without input */
#define WINDOW_LOOP_OSD_FADE_MS 250
#define WINDOW_LOOP_MESSAGE_MS 1500    /* "Speed 1.5x" and friends */
#define WINDOW_LOOP_STATE_EVERY_MS 200 /* state file refresh while playing */
/* A window resized is laid out again (the canvas takes its size) once no
 * size change came for this long: a drag does not lay out every frame. */
#define WINDOW_LOOP_RESIZE_SETTLE_MS 150
/* Idle work for the hover thumbnails (player_ui.thumb_idle): only before a
 * wait of at least this long, for at most a quarter of it and this long. */
#define WINDOW_LOOP_IDLE_MIN_MS 8
#define WINDOW_LOOP_IDLE_BUDGET_US 4000
/* The longest wait while window_loop_opts.stop is given: how late a stop
 * signal may be seen. */
#define WINDOW_LOOP_STOP_POLL_US 100000

struct text_ctx;

struct window_loop_opts {
    const char *title;
    int canvas_w, canvas_h; /* the composed picture's size at start; then the window's (resize) */
    bool fullscreen;
    bool kiosk; /* implies fullscreen, autoplay, loop; no OSD, no cursor */
    /* Starting fullscreen, canvas_w x canvas_h is a default, not asked
     * for: the canvas takes the screen's shape at its scale
     * (layout_canvas_for_screen()) before the first picture. */
    bool fit_screen;
    bool loop;     /* at the end, start again */
    bool autoplay; /* start playing (else paused) */
    /* Written (atomically, JSON, see docs/keys.md) after every command,
     * every WINDOW_LOOP_STATE_EVERY_MS while playing and on every new
     * picture while paused; NULL: none. For tests and for scripts that
     * watch a kiosk. */
    const char *state_file;
    const char *screenshot_dir; /* NULL: the current directory */
    struct text_ctx *text;      /* borrowed; NULL: OSD without text */
    /* The remote control (player/control/control_server.h), borrowed;
     * NULL: none. Its requests are carried out after the pass's input
     * events, as commands; its observers get the state every pass. */
    struct control_server *control;
    const char *source; /* what plays (the "source" property) */
    /* ["load", SOURCE]: opens source and fills *ui with the new engine's
     * callbacks, the old engine closed; 0, or < 0 with the old one still
     * playing. NULL: load is unsupported. */
    int (*load)(void *opaque, const char *source, struct player_ui *ui);
    void *load_opaque;
    /* Asked every pass: true leaves the loop as `q` does (the caller saw a
     * stop signal: SIGTERM, SIGHUP). While it is given, no wait is longer
     * than WINDOW_LOOP_STOP_POLL_US, since a signal handler cannot wake
     * SDL's wait. NULL: never. */
    bool (*stop)(void *opaque);
    void *stop_opaque;
};

/* Runs until QUIT. Returns 0, or a negative SP_E* (window could not open:
 * SP_EUNSUPPORTED; an engine step/draw error). */
int window_loop_run(const struct window_loop_opts *o, const struct player_ui *ui);

/* The screenshot file name for a state: "sigplay-<class time>-<wall
 * time>.png", e.g. "sigplay-0h00m20.123s-20231114-221340.png" (wall time
 * in local time; left out when unknown). Writes at most n bytes. */
void window_loop_screenshot_name(const struct pui_state *st, char *buf, size_t n);

#endif
