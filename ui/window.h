/* window.h - an SDL2 window that presents a canvas, and its event pump.
 *
 * One window, one renderer, one streaming texture the size of the canvas.
 * The renderer's logical size is the canvas size, so SDL scales the
 * picture to the window keeping its aspect (letterbox bars) and maps mouse
 * coordinates back to canvas pixels. The canvas is not fixed: when a
 * windowed window's size settles, the loop (ui/window_loop.c,
 * apply_resize()) takes its drawable size within
 * layout_canvas_for_window()'s bounds, lays the class out again and calls
 * window_set_canvas(); fullscreen and kiosk keep their canvas and scale it
 * into the screen. Either way the compositor renders at the canvas size.
 *
 * The cursor hides after WINDOW_CURSOR_IDLE_US without mouse movement and
 * is always hidden in kiosk mode.
 *
 * Waiting follows mpv's play loop: one wait (SDL_WaitEventTimeout up to a
 * deadline the caller gives) that any thread can cut short with
 * window_wake(). Threads: everything but window_wake() on the thread that
 * created the window (SDL's video rule).
 */
#ifndef SP_RENDER_WINDOW_H
#define SP_RENDER_WINDOW_H

#include <stdbool.h>
#include <stdint.h>

#include "render/canvas.h"

#define WINDOW_CURSOR_IDLE_US 2000000

struct window_opts {
    const char *title;      /* NULL: "sigplay" */
    int canvas_w, canvas_h; /* the picture size, 1..CANVAS_MAX_DIM */
    bool fullscreen;        /* start fullscreen (desktop resolution) */
    bool kiosk;             /* fullscreen, cursor never shown */
};

struct window;

/* Initialises SDL video (and events) if not yet done, opens the window. Returns 0,
 * SP_EINVAL (bad size) or SP_EUNSUPPORTED (no display / SDL failed: the
 * reason is logged); *out NULL on error. */
int window_create(const struct window_opts *o, struct window **out);

/* Closes the window (SDL's video subsystem stays initialised for the rest
 * of the process, see window.c). NULL-safe; sets *w to NULL. */
void window_destroy(struct window **w);

/* Uploads c (must be canvas_w x canvas_h; its alpha is ignored) and shows
 * it letterboxed. Returns 0, SP_EINVAL or SP_EIO. */
int window_present(struct window *w, const struct canvas *c);

/* Makes the canvas cw x ch (1..CANVAS_MAX_DIM): the texture is made
 * again at that size and the renderer's logical size follows, so the
 * next window_present() takes a canvas of the new size. Returns 0,
 * SP_EINVAL or SP_EIO (the old size is kept). */
int window_set_canvas(struct window *w, int cw, int ch);

/* The window's drawable size in pixels (its size times the display's
 * scale on a HiDPI screen). */
void window_drawable_size(const struct window *w, int *dw, int *dh);

/* The size of the screen the window is on (its desktop mode, in screen
 * coordinates); 0 with *sw, *sh set, or SP_EIO when SDL cannot tell. */
int window_screen_size(const struct window *w, int *sw, int *sh);

bool window_is_fullscreen(const struct window *w);
/* Fullscreen through the window manager, or, when none runs (a kiosk's
 * bare X server), by covering the display with a borderless window.
 * Returns 0 or SP_EIO. */
int window_set_fullscreen(struct window *w, bool on);
/* Fullscreen without a window manager: covers the display again if its
 * size changed (call on window and display events). Otherwise nothing. */
void window_refit(struct window *w);

/* Mouse movement was seen at now_us (window_now_us()): shows the cursor
 * (unless kiosk). */
void window_note_mouse(struct window *w, int64_t now_us);
/* Hides the cursor once idle; returns the µs until it should be called
 * again (INT64_MAX when nothing is pending). */
int64_t window_update_cursor(struct window *w, int64_t now_us);

/* Waits up to timeout_us (<= 0: just poll; SDL waits in whole ms, so it
 * is rounded up to one) for an event. Returns 1 with *ev
 * filled, or 0 on timeout or a wake-up from window_wake() (a wake means
 * "look again", it carries nothing). Window events that only need a
 * redraw (exposed, resized) come back as events for the caller to see. */
union SDL_Event;
int window_wait_event(struct window *w, int64_t timeout_us, union SDL_Event *ev);

/* Cuts the current or next window_wait_event() short. Callable from any
 * thread, and before a window exists (then it does nothing). */
void window_wake(void);

/* Monotonic µs (the clock every deadline above uses; sp_os_mono_us()). */
int64_t window_now_us(void);

#endif
