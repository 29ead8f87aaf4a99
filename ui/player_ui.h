/* player_ui.h - how a playback engine plugs into the window loop.
 *
 * The window loop (ui/window_loop.h) owns the window, the event pump,
 * the OSD and the stats overlay; the engine owns time, media and the
 * composed picture. Between them is this table of callbacks, all
 * called on the loop's thread:
 *
 *   step       advance to "now"; say whether a new picture is ready and how
 *              long the loop may sleep before calling again
 *   draw       compose the current picture onto the loop's canvas
 *   apply      carry out a command (seek, pause, speed, layout, ...)
 *   get_state  report what the OSD, the stats overlay and the state file
 *              show
 *   thumb      (optional) the board at a hovered time, for the seek bar
 *   thumb_idle (optional) work ahead for thumb, when the loop is idle
 *   resize     (optional) the canvas takes a new size: lay out again
 *
 * The loop's one wait (SDL_WaitEventTimeout with the deadline step gave)
 * can be cut short from any thread with window_wake(), e.g. by a decoder
 * that has a frame ready while the engine waits for data.
 *
 * Commands the loop handles itself and never passes on: QUIT,
 * TOGGLE_FULLSCREEN, TOGGLE_STATS, SCREENSHOT, MOUSE_MOVE. Everything else
 * goes to apply(); an engine returns SP_EUNSUPPORTED for one it does not
 * know (the loop ignores it). HOME and END arrive as such (the engine
 * knows where the end is); SEEK_ABS with scrub = true comes many times a
 * second during a drag (the loop passes on only the newest per pass).
 */
#ifndef SP_RENDER_PLAYER_UI_H
#define SP_RENDER_PLAYER_UI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "render/canvas.h"
#include "render/nav_overlay.h"
#include "render/osd.h"
#include "render/sync_overlay.h"
#include "ui/ui_cmd.h"

#define PUI_MAX_NAME 64

/* What the engine reports. Pointers are the engine's and stay valid until
 * the next call of any callback. */
struct pui_state {
    /* whole ms (floored), in µs: what the OSD, the state file and the
     * control protocol show, to the ms */
    int64_t t_us;        /* playback time */
    int64_t duration_us; /* TotalTime */
    int64_t wall_us;     /* w(t), Unix µs (the class's clock); 0 unknown */
    bool paused;
    bool ended;     /* at the end and not looping */
    bool buffering; /* waiting for data */
    double speed;
    int volume; /* percent 0..100 */
    bool muted;
    int layout_index;
    char layout_name[PUI_MAX_NAME];
    bool chat_on;
    bool board_loading;           /* the IM pages are still being read */
    size_t board_pages_done;      /* pages read so far ... */
    size_t board_pages_total;     /* ... of these */
    struct canvas_rect chat_rect; /* where the chat panel is on the canvas; w 0: none */
    const int64_t *pauses_us;     /* pause markers (playback µs, whole ms) */
    size_t n_pauses;
    const struct osd_lane *lanes; /* media coverage per lane */
    size_t n_lanes;
    const struct osd_range *buffered;
    size_t n_buffered;
    const struct sync_stats *sync;      /* for the "i" overlay; NULL: not available */
    const bool *lane_muted;             /* n_lanes: the lane is not heard (its key, a solo) */
    bool search_open;                   /* the chat search field is shown */
    bool search_editing;                /* ... and takes the typing */
    const char *search_query;           /* "" when none */
    int search_hits;                    /* messages matching it */
    int search_hit;                     /* the one last gone to (0-based), -1 none */
    const struct nav_hit *hits;         /* search_hits of them, in item order (seek bar marks) */
    struct canvas_rect search_hit_rect; /* where the hit gone to is drawn in the chat
                                           panel; w 0: not on screen */
    const struct nav_chapter *chapters; /* player/navigate.h, by time */
    size_t n_chapters;
    const struct nav_lane_tile *tiles; /* lane regions of the current layout */
    size_t n_tiles;
    int thumb_w, thumb_h;        /* the seek bar's hover thumbnail size (pixels); 0: none */
    const char *offsets_path;    /* the sync corrections' file (docs/offsets.md); NULL none */
    const char *offsets_message; /* what the last `w` did; "" or NULL before one */
    const char *layout_kind;     /* render/layout.h layout_kind(); NULL: unknown */
};

struct player_ui {
    void *opaque; /* the engine; passed to every callback */

    /* Advances the engine to now. Returns 1 if a new picture is ready, 0 if
     * not, SP_EEOF once at the end of the recording, < 0 on a fatal error
     * (the loop stops and returns it). *wait_us: how long until the engine
     * wants the next step (the loop may wake sooner for input). */
    int (*step)(void *opaque, int64_t *wait_us);

    /* Composes the current picture onto c (the loop's canvas: the size
     * given at start, or the last one resize accepted). Returns 0 or < 0
     * (the loop stops). */
    int (*draw)(void *opaque, struct canvas *c);

    /* Carries out one command. Returns 0, SP_EUNSUPPORTED (ignored) or
     * another < 0 (logged, the loop goes on). */
    int (*apply)(void *opaque, const struct ui_cmd *cmd);

    /* Fills *st (zeroed by the caller). */
    void (*get_state)(void *opaque, struct pui_state *st);

    /* May be NULL (no thumbnails). Draws the board at playback time t_us
     * into dst (thumb_w x thumb_h of the state) from the board's
     * snapshots, without moving the engine's position or decoding media,
     * with the teacher's frame over it when one already decoded is near
     * that time. Returns 0 (the board alone), 1 (with the teacher's frame),
     * or < 0 (nothing is shown). */
    int (*thumb)(void *opaque, int64_t t_us, struct canvas *dst);

    /* May be NULL. Called once as the loop leaves (q, the window closed, a
     * fatal error), before the window closes: the engine stops what runs
     * in the background (sound, decoders, downloads) without waiting, so
     * that its threads wind down while the window goes. No other callback
     * follows; the engine's destroy does. */
    void (*leave)(void *opaque);

    /* May be NULL. Called when the loop would wait: work ahead for the
     * thumbnails (w x h) for about budget_us. Returns 1 while there is
     * more to do, 0 when there is none (for now), < 0 on error. */
    int (*thumb_idle)(void *opaque, int w, int h, int64_t budget_us);

    /* May be NULL (the canvas keeps its size). The loop's canvas becomes
     * w x h (the window was resized): the engine lays the class out
     * again for it (a preset computed anew, a custom layout re-mapped);
     * draw is then called with a canvas of that size. Returns 0, or < 0
     * with the old size kept. */
    int (*resize)(void *opaque, int w, int h);
};

#endif
